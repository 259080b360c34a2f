"""The entries of a scanned HTTP area, read relative to directory handles, never following links.

The tree comes from :func:`~pipcache_ext._scan.scan_area`; each directory is opened again from
its parent (``O_NOFOLLOW``, the scanned identity re-checked, :func:`~pipcache_ext._fs.open_child`)
only when an entry in it must be read, and files are opened relative to it with ``O_NOFOLLOW``,
``O_NONBLOCK`` (a FIFO cannot hang the listing) and ``O_NOATIME`` where the kernel allows it (the
owner, or root), so reading does not make an entry look used. What a file's ``lstat`` says is
never a regular file (a link, a FIFO, a device) is not opened at all.

Grouping: in ``http-v2/`` an entry is ``<key>`` and ``<key>.body`` (either may be missing); in
``http/`` it is ``<key>``. Any other file (a leftover ``*.tmp``) is an entry of its own, unknown.
"""

# ruff: noqa: PTH120

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

from .. import _fs
from .._fs import Handle
from .._pipversions import HTTP_V2
from .._scan import DirNode, FileEntry, reason
from .naming import Raw
from .serial import Response, body_span, read_response
from .sniff import Facts, describe, unknown
from .source import FormatError, ReadAt, Span, Window, bytes_reader
from .store import Key, Store, decoded, key_of

__all__ = ["Found", "read_area"]

_KEY = re.compile(r"[0-9a-f]{56}")
_BODY = ".body"
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_NOATIME = getattr(os, "O_NOATIME", 0)
_MAX_ENTRY_FILE = 1 << 40
_WHOLE = 64 * 1024  # a file this small is read in one go

#: A file of an entry: the directory it is in and what the scan saw of it.
Part = Tuple[DirNode, FileEntry]


class Found:
    """An entry as found on disk: where, what naming needs, and the scanned files for deletion.

    Its facts come from reading it, or, still encoded, from the disk cache: they are decoded
    only when naming needs them (:attr:`raw`).
    """

    __slots__ = (
        "_facts",
        "_stored",
        "area",
        "key",
        "last_used_ns",
        "parts",
        "paths",
        "relative",
        "size",
    )

    def __init__(  # noqa: PLR0913, PLR0917 - the parts of one entry
        self,
        area: str,
        key: Optional[str],
        parts: Tuple[Part, ...],
        paths: Tuple[Path, ...],
        relative: str,
        facts: Optional[Facts],
        stored: Optional[str],
    ) -> None:
        self.area = area
        self.key = key
        self.parts = parts
        self.paths = paths
        self.relative = relative  # its first file's path in the cache dir
        self.size = sum(entry.size for _node, entry in parts)
        # A link's atime changes whenever a scan follows it (is it a directory?): not a use.
        times = [
            e.stat.st_mtime_ns if e.is_link else max(e.stat.st_mtime_ns, e.stat.st_atime_ns)
            for _node, e in parts
            if e.stat is not None
        ]
        self.last_used_ns = max(times, default=0)
        self._facts = facts
        self._stored = stored

    def set_facts(self, facts: Facts) -> None:
        """What reading the entry found."""
        self._facts = facts

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = decoded(self._stored or "") or unknown(
                "its record in the disk cache is corrupt"
            )
        return self._facts

    @property
    def raw(self) -> Raw:
        """What naming needs."""
        return Raw(self.area, self.key, self.paths, self.size, self.last_used_ns, self.facts)


class _Chain:
    """Open directory handles from the cache dir down to the directory being read.

    Entries come in tree order, so moving to the next directory closes only what is not on its
    path.
    """

    def __init__(self, root: Handle) -> None:
        self._root = root
        self._open: List[Tuple[DirNode, Handle]] = []
        self._broken: Dict[int, str] = {}  # id(node) -> why it cannot be entered

    def handle(self, node: DirNode) -> Tuple[Optional[Handle], str]:
        """An open handle on ``node``, or ``None`` and why not."""
        path: List[DirNode] = []
        current: Optional[DirNode] = node
        while current is not None:
            path.append(current)
            current = current.parent
        path.reverse()
        keep = 0
        while keep < min(len(path), len(self._open)) and path[keep] is self._open[keep][0]:
            keep += 1
        for _node, handle in reversed(self._open[keep:]):
            _fs.close(handle)
        del self._open[keep:]
        for step in path[keep:]:
            if id(step) in self._broken:
                return None, self._broken[id(step)]
            above = self._open[-1][1] if self._open else self._root
            try:
                handle = _fs.open_child(above, step.name, step.path, step.identity)
            except FileNotFoundError:
                self._broken[id(step)] = "its directory is gone"
            except _fs.NotADirectoryHere:
                self._broken[id(step)] = "its directory changed while being read"
            except OSError as exc:
                self._broken[id(step)] = f"its directory could not be read: {reason(exc)}"
            else:
                self._open.append((step, handle))
                continue
            return None, self._broken[id(step)]
        return self._open[-1][1], ""

    def close(self) -> None:
        for _node, handle in reversed(self._open):
            _fs.close(handle)
        self._open = []


def _open(handle: Handle, entry: FileEntry, path: str) -> Tuple[int, int]:
    """Open a scanned regular file for reading, without following a link or touching atime."""
    flags = _OPEN_FLAGS | _NOATIME
    while True:
        try:
            if isinstance(handle, int):
                fd = os.open(entry.name, flags, dir_fd=handle)
            else:
                fd = os.open(path, flags)
        except PermissionError as exc:
            if flags & _NOATIME and exc.errno == errno.EPERM:  # not the owner: atime may change
                flags &= ~_NOATIME
                continue
            raise
        break
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or _fs.identity_of(st) != entry.identity:
        os.close(fd)
        raise FormatError("it changed while being read")
    return fd, st.st_size


def _reader(fd: int) -> ReadAt:
    if hasattr(os, "pread"):
        return lambda offset, length: os.pread(fd, length, offset)

    def read_at(offset: int, length: int) -> bytes:  # pragma: no cover - Windows
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, length)

    return read_at


class _Reader:
    """Reads the entries of one directory, each file through one open descriptor."""

    def __init__(self, handle: Handle, node: DirNode) -> None:
        self.handle = handle
        self.node = node
        self.fds: List[int] = []

    def window(self, entry: FileEntry) -> Window:
        """The file's bytes: read at once when small, else read as needed (until closed)."""
        fd, size = _open(self.handle, entry, self.node.child_path(entry.name))
        if size <= _WHOLE:
            try:
                data = _reader(fd)(0, size)
            finally:
                os.close(fd)
            return Window(bytes_reader(data), 0, len(data))
        self.fds.append(fd)
        if size > _MAX_ENTRY_FILE:
            raise FormatError(f"a file of {size} bytes")
        return Window(_reader(fd), 0, size)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def _by_body(window: Window, complete: bool) -> Optional[Facts]:
    """What the body says it is, when it says it (``complete``: no headers to ask after)."""
    if not window.length:
        return None
    facts = describe(None, window)
    return facts if facts.kind != "unknown" or complete else None


def _facts(
    reader: _Reader, area: str, meta: Optional[FileEntry], body: Optional[FileEntry]
) -> Facts:
    """Read one entry: its response (``meta``) and body (``http-v2``'s ``.body``).

    The body is read first: when it says what it is (a wheel, an sdist, a page, a ``.metadata``
    file), the response's headers are not read at all (in ``http-v2`` the metadata file is not
    even opened; in ``http/`` the msgpack map is not parsed past the body). They are for the
    rest: redirects, and bodies in no known format, whose headers may say more.
    """
    body_window = reader.window(body) if area == HTTP_V2 and body is not None else None
    if body_window is not None:
        facts = _by_body(body_window, complete=meta is None)
        if facts is not None:
            return facts
    response: Optional[Response] = None
    if meta is not None:
        window = reader.window(meta)
        span = body_span(window.read_at, window.length) if area != HTTP_V2 else None
        if span is not None:  # the body inside, where CacheControl puts it
            facts = _by_body(Window(window.read_at, span.offset, span.length), complete=False)
            if facts is not None:
                return facts
        response = read_response(window.read_at, window.length)
        if isinstance(response.body, Span):  # a large body inside an http/ entry: not read
            body_window = Window(window.read_at, response.body.offset, response.body.length)
        if area == HTTP_V2 and body is None and not 300 <= response.status < 400:
            return unknown("an http-v2 entry without its .body file")
    if body is not None and body_window is None:
        body_window = reader.window(body)
    return describe(response, body_window)


def _read(
    chain: _Chain, node: DirNode, area: str, meta: Optional[FileEntry], body: Optional[FileEntry]
) -> Tuple[Facts, bool]:
    """``(facts, whether to keep them)``: an I/O failure may pass, so it is not kept."""
    if any(entry is not None and (entry.is_link or _not_regular(entry)) for entry in (meta, body)):
        return unknown("a symbolic link or a special file, not read"), True
    handle, why = chain.handle(node)
    if handle is None:
        return unknown(why), False
    reader = _Reader(handle, node)
    try:
        return _facts(reader, area, meta, body), True
    except FormatError as exc:
        return unknown(str(exc)), True
    except OSError as exc:
        return unknown(f"could not be read: {reason(exc)}"), False
    except Exception as exc:  # noqa: BLE001 - a bad entry never stops the listing
        return unknown(f"could not be read ({type(exc).__name__}: {exc})"), True
    finally:
        reader.close()


def _not_regular(entry: FileEntry) -> bool:
    return entry.stat is not None and not stat.S_ISREG(entry.stat.st_mode)


_Group = Tuple[Optional[str], Optional[FileEntry], Optional[FileEntry]]


def _groups(node: DirNode, area: str) -> List[_Group]:
    """``(key, entry file, body file)`` of each entry in ``node``; a stray is its own entry."""
    names = {entry.name: entry for entry in node.files}
    groups: List[_Group] = []
    for entry in node.files:
        name = entry.name
        if _KEY.fullmatch(name):
            body = names.get(name + _BODY) if area == HTTP_V2 else None
            groups.append((name, entry, body))
        elif area == HTTP_V2 and name.endswith(_BODY) and _KEY.fullmatch(name[: -len(_BODY)]):
            if name[: -len(_BODY)] not in names:
                groups.append((name[: -len(_BODY)], None, entry))  # a body without its entry
        else:
            groups.append((None, None, entry))  # a stray: a leftover temporary file, ...
    return groups


class _Pending(NamedTuple):
    """An entry the disk cache did not know: to be read."""

    position: int  # in the listing
    node: DirNode
    meta: Optional[FileEntry]
    body: Optional[FileEntry]
    relative: str
    key: Optional[Key]  # None: not kept (a file without its lstat)


def read_area(
    root: Handle, tree: DirNode, area: str, store: Store, warnings: List[str]
) -> List[Found]:
    """Every entry under the scanned ``tree`` of ``area`` (``http`` or ``http-v2``).

    First what the disk cache knows, in one pass; then the entries it does not know are read,
    in tree order, through one chain of directory handles. (Reading in threads was measured:
    no faster warm or cold on 2 cores, the parsing holds the GIL.)

    :param root: the open cache dir (the tree's top is opened from it).
    :param store: what earlier listings learnt; updated with what this one reads.
    :param warnings: gets one line per entry that could not be read, in the listing's order.
    """
    found: List[Found] = []
    problems: Dict[int, str] = {}
    pending: List[_Pending] = []
    skip = len(os.path.dirname(tree.path)) + 1  # paths in the store are relative to the cache
    for node in tree.preorder():
        if not node.files:
            continue
        folder = Path(node.path)
        prefix = node.path + os.sep
        for key, meta, body in _groups(node, area):
            files = tuple(e for e in (meta, body) if e is not None)
            stats = [e.stat for e in files if e.stat is not None]
            relative = prefix[skip:] + files[0].name
            store_key = key_of(stats)
            store.seen(relative, store_key)
            complete = len(stats) == len(files)
            stored = store.get(relative, store_key) if complete else None
            facts: Optional[Facts] = None
            if stored is not None:
                if stored.problem is not None:
                    problems[len(found)] = stored.problem
            elif key is not None:
                kept = store_key if complete else None
                pending.append(_Pending(len(found), node, meta, body, relative, kept))
            else:  # a stray file: nothing to read
                facts = unknown(None)
            paths = tuple(folder / e.name for e in files)
            parts = tuple((node, e) for e in files)
            text = stored.facts if stored is not None else None
            found.append(Found(area, key, parts, paths, relative, facts, text))
    for item, facts, keep in _read_all(root, area, pending):
        found[item.position].set_facts(facts)
        if keep and item.key is not None:
            store.put(item.relative, item.key, facts)
        if facts.problem is not None:
            problems[item.position] = facts.problem
    warnings.extend(f"{found[i].paths[0]}: {problems[i]}" for i in sorted(problems))
    return found


def _read_all(
    root: Handle, area: str, pending: List[_Pending]
) -> List[Tuple[_Pending, Facts, bool]]:
    """Read the pending entries, in tree order."""
    chain = _Chain(root)
    try:
        return [(item, *_read(chain, item.node, area, item.meta, item.body)) for item in pending]
    finally:
        chain.close()
