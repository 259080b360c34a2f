"""The entries of a scanned HTTP area, read relative to directory handles, never following links.

The tree comes from :func:`~pipcache_ext._scan.scan_area`; each directory is opened again from
its parent (``O_NOFOLLOW``, the scanned identity re-checked, :func:`~pipcache_ext._fs.open_child`)
only when an entry in it must be read, and files are opened relative to it with ``O_NOFOLLOW``,
``O_NONBLOCK`` (a FIFO cannot hang the listing) and ``O_NOATIME`` where the kernel allows it (the
owner, or root), so reading does not make an entry look used. What a file's ``lstat`` says is
never a regular file (a link, a FIFO, a device) is not opened at all.

Which files make an entry, and the walk over an area: :mod:`~pipcache_ext._http.areas`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from .. import _fs
from .._fs import Handle
from .._pipversions import HTTP_V2
from .._scan import DirNode, FileEntry, reason
from .._walk.paths import Folders
from .naming import Raw
from .serial import Response, body_span, read_response
from .sniff import Facts, describe, unknown
from .source import FormatError, ReadAt, Span, Window, bytes_reader
from .store import decoded

__all__ = ["Chain", "Compact", "Found", "Opener", "read_entry"]

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
#: An open handle on a directory to read entries in, or ``None`` and why not.
Opener = Callable[[DirNode], Tuple[Optional[Handle], str]]
#: :meth:`Found.compact`: key, relative path, file names, size, last use, last modification,
#: facts (read) and facts (stored).
Compact = Tuple[Optional[str], str, Tuple[str, ...], int, int, int, Optional[Facts], Optional[str]]


class Found:
    """An entry as found on disk: where, what naming needs, and the scanned files for deletion.

    Its facts come from reading it, or, still encoded, from the disk cache: they are decoded
    only when naming needs them (:attr:`raw`).
    """

    __slots__ = (
        "_facts",
        "_paths",
        "_stored",
        "_where",
        "area",
        "key",
        "last_used_ns",
        "modified_ns",
        "parts",
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
        self._paths: Optional[Tuple[Path, ...]] = paths
        self._where: Optional[Tuple[Folders, Tuple[str, ...]]] = None
        self.relative = relative  # its first file's path in the cache dir
        # One pass (this runs once per entry of every listing). A link's atime changes whenever
        # a scan follows it (is it a directory?): not a use.
        size = last = modified = 0
        for _node, e in parts:
            size += e.size
            st = e.stat
            if st is not None:
                mtime = st.st_mtime_ns
                modified = max(modified, mtime)
                last = max(last, mtime if e.is_link else max(mtime, st.st_atime_ns))
        self.size = size
        self.last_used_ns = last
        self.modified_ns = modified
        self._facts = facts
        self._stored = stored

    def compact(self) -> Compact:
        """What a worker sends back of this entry (its files' names, not their scan)."""
        names = tuple(entry.name for _node, entry in self.parts)
        return (self.key, self.relative, names, self.size, self.last_used_ns, self.modified_ns,
                self._facts, self._stored)  # fmt: skip

    @classmethod
    def restored(cls, area: str, folders: Folders, data: Compact) -> Found:
        """The entry a worker sent (:meth:`compact`), without its scanned files.

        :param folders: the directories of the cache dir: its :attr:`paths` are made from them
            when asked for (a usage never asks).
        """
        found = cls.__new__(cls)
        key, found.relative, names, found.size, found.last_used_ns, found.modified_ns = data[:6]
        found.area, found.key, found.parts = area, key, ()
        found._paths = None  # noqa: SLF001 - its own class
        found._where = (folders, names)  # noqa: SLF001 - its folder is found when asked for
        found._facts, found._stored = data[6], data[7]  # noqa: SLF001 - its own class
        return found

    @property
    def paths(self) -> Tuple[Path, ...]:
        """Its files' paths."""
        if self._paths is None:
            assert self._where is not None  # noqa: S101 - restored entries know where
            folders, names = self._where
            relative = self.relative.rpartition(os.sep)[0]
            self._paths = tuple(folders.file(relative, name) for name in names)
        return self._paths

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


class Chain:
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


def read_entry(
    opened: Opener, node: DirNode, area: str, meta: Optional[FileEntry], body: Optional[FileEntry]
) -> Tuple[Facts, bool]:
    """Read the entry ``meta`` and ``body`` of ``area`` in ``node`` (through ``opened(node)``).

    :returns: ``(facts, whether to keep them)``: an I/O failure may pass, so it is not kept.
    """
    if any(entry is not None and (entry.is_link or _not_regular(entry)) for entry in (meta, body)):
        return unknown("a symbolic link or a special file, not read"), True
    handle, why = opened(node)
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
