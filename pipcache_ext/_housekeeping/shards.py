"""A shard of a prune (``wheels/aa``, ``http-v2/0``, ...), as read: sorted into entries, decided.

The tree :mod:`.shardread` reads is plain values: a directory a list (:data:`Dir`), a file a
tuple of its ``lstat`` (:data:`File`). While a directory is read its files are sorted here into
whole entries (:func:`sort_files`; the rules are :mod:`.prune`'s), so that the read is the whole
of the first round: what stays is the tree, its entries, the files no entry owns and the total.

The second round (:func:`decide`) is a pure function of that state and the rule: the entries
that go (old and not recent; or not recent and at most the threshold the size cap chose), sorted
by path, and the directories they leave empty, children first, with what is left in each (a
wheel's ``origin.json``). A dry run reports the decision; the real run hands the very same
decision to the common executor (:mod:`.outcome`).
"""

from __future__ import annotations

import os
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from .._pipversions import HTTP_BODY, HTTP_KEY
from .lastuse import RECENT_NS, TEMP_AGE_NS, is_temporary

__all__ = ["Decision", "Dir", "Entry", "File", "Found", "Key", "decide", "new_dir", "sort_files"]

_KEY, _BODY = HTTP_KEY, HTTP_BODY
_ORIGIN = "origin.json"

#: A file: name, device, inode, size (a link: 0, pip's rule), is a link, mtime, atime (ns).
File = Tuple[str, int, int, int, bool, int, int]
#: A directory: name, path, device, inode, files, subdirectories, the names of its directory
#: links, state (:data:`OK`, :data:`GONE`: vanished or replaced while read, neither kept nor
#: removed; :data:`UNREADABLE`: kept, and so is every directory above it).
Dir = List[object]
OK, GONE, UNREADABLE = 0, 1, 2
NAME, PATH, DEV, INO, FILES, CHILDREN, LINKS, STATE = range(8)

#: An entry's place in the least-recently-used order: its last use (ns), then its first path.
Key = Tuple[int, str]


class Entry(NamedTuple):
    """A whole entry: its directory, its files in deletion order, its bytes and last use."""

    node: Dir
    parts: Tuple[File, ...]
    size: int  # with the origin.json that goes with a directory's only wheel
    key: Key
    recent: bool  # a file of it was modified in the last few minutes
    old: bool  # last used before the age rule's cut-off


class Found:
    """What sorting a tree's files gave: entries, stale temporary files, the unattributed."""

    __slots__ = ("entries", "identities", "mtime_only", "now", "older_than", "stale", "total",
                 "unattributed")  # fmt: skip

    def __init__(
        self, now: int, older_than: Optional[int], mtime_only: bool, *, identities: bool = True
    ) -> None:
        self.now = now
        self.older_than = older_than  # ns; None: no age rule
        self.mtime_only = mtime_only
        self.identities = identities  # read each directory's (a real run re-checks them)
        self.entries: List[Entry] = []
        self.stale: List[Entry] = []  # *.tmp older than an hour: they always go
        self.unattributed: List[str] = []
        self.total = 0  # bytes of every file


def new_dir(name: str, path: str) -> Dir:
    return [name, path, 0, 0, (), (), (), OK]


def _entry(found: Found, node: Dir, parts: Tuple[File, ...], extra: List[File]) -> Entry:
    """The entry of ``parts`` (and ``extra``: an ``origin.json`` whose use counts)."""
    size = last = 0
    recent = False
    since = found.now - RECENT_NS
    mtime_only = found.mtime_only
    for file in (*parts, *extra) if extra else parts:
        size += file[3]
        mtime = file[5]
        use = mtime if mtime_only or file[4] or mtime >= file[6] else file[6]  # a link: mtime
        last = max(last, use)
        if mtime > since:
            recent = True
    old = found.older_than is not None and last < found.now - found.older_than
    key = (last, f"{node[PATH]}{os.sep}{parts[0][0]}")
    return _new(Entry, (node, parts, size, key, recent, old))


_new = tuple.__new__  # a NamedTuple made without its __new__'s Python frame (a prune makes 48,000)


def sort_files(node: Dir, area: str, found: Found) -> None:
    """Put each file of ``node`` in its entry, with the stale temporary files, or unattributed.

    Under ``wheels/``: each ``*-*.whl`` is an entry, with the directory's ``origin.json`` when
    it is the directory's only wheel (an ``origin.json`` without a wheel belongs to nothing);
    elsewhere ``<key>`` (56 hex digits), under ``http-v2/`` with its ``<key>.body`` (or a body
    alone). A ``*.tmp`` file older than an hour is stale; anything else belongs to no entry.
    """
    links: List[str] = node[LINKS]  # type: ignore[assignment]
    if links:
        found.unattributed.extend(f"{node[PATH]}{os.sep}{name}" for name in links)
    files: List[File] = node[FILES]  # type: ignore[assignment]
    if not files:  # most directories only lead to others
        return
    if area == "wheels":
        _sort_wheels(node, files, found)
        return
    _sort_http(node, files, found, v2=area == "http-v2")


def _sort_http(node: Dir, files: List[File], found: Found, *, v2: bool) -> None:
    if v2 and len(files) == 2:  # most directories of http-v2: one entry, <key> and <key>.body
        one, two = files
        first, then = (one, two) if two[0] == one[0] + _BODY else (two, one)
        if then[0] == first[0] + _BODY and _KEY.fullmatch(first[0]):
            found.total += one[3] + two[3]
            found.entries.append(_entry(found, node, (first, then), []))
            return
    names: Optional[Dict[str, File]] = None
    match = _KEY.fullmatch
    entries = found.entries
    total = 0
    for file in files:
        name = file[0]
        total += file[3]
        if match(name):
            body = None
            if v2 and len(files) > 1:
                if names is None:
                    names = {f[0]: f for f in files}
                body = names.get(name + _BODY)
            # the metadata file first, then the body
            entries.append(_entry(found, node, (file,) if body is None else (file, body), []))
        elif v2 and name.endswith(_BODY) and match(name[:-5]):
            if names is None:
                names = {f[0]: f for f in files}
            if name[:-5] not in names:
                entries.append(_entry(found, node, (file,), []))  # its metadata file is gone
        else:
            _other(node, file, found)
    found.total += total


def _sort_wheels(node: Dir, files: List[File], found: Found) -> None:
    wheels: List[File] = []
    origins: List[File] = []
    rest: List[File] = []
    for file in files:
        name = file[0]
        found.total += file[3]
        if name.endswith(".whl") and "-" in name:
            wheels.append(file)
        elif name == _ORIGIN:
            origins.append(file)
        else:
            rest.append(file)
    extra = origins if len(wheels) == 1 else []
    found.entries.extend(_entry(found, node, (wheel,), extra) for wheel in wheels)
    if origins and not wheels:
        found.unattributed.extend(f"{node[PATH]}{os.sep}{file[0]}" for file in origins)
    for file in rest:
        _other(node, file, found)


def _other(node: Dir, file: File, found: Found) -> None:
    """A file of no entry: a stale temporary file, or one that cannot be attributed."""
    if not is_temporary(file[0]):
        found.unattributed.append(f"{node[PATH]}{os.sep}{file[0]}")
    elif file[5] < found.now - TEMP_AGE_NS:
        found.stale.append(_entry(found, node, (file,), []))


class Decision(NamedTuple):
    """What goes of one tree: whole entries by path, then the directories, children first."""

    going: List[Entry]
    dirs: List[Tuple[Dir, List[File]]]  # each removed directory, with the files left in it
    size: int  # bytes of the entries' files (an origin.json left in a directory: not counted)


def goes(entry: Entry, threshold: Optional[Key]) -> bool:
    """The rule: old and not recent, or (after the age rule) within the size cap's threshold."""
    if entry.recent:
        return False
    return entry.old or (threshold is not None and entry.key <= threshold)


def decide(
    found: Found, top: Dir, area: str, threshold: Optional[Key], *, removable: bool = True
) -> Decision:
    """The entries of ``found`` that go, and the directories below ``top`` they empty.

    :param top: the tree read: a shard, or an area's top directory with its files only.
    :param removable: whether ``top`` itself may be removed (an area's top directory: never).
    :param threshold: the largest key the size cap evicts (``None``: the cap evicts nothing).
    """
    if threshold is None:  # the age rule alone (goes(), inlined: one call per entry saved)
        going = [*found.stale, *[e for e in found.entries if e.old and not e.recent]]
    else:
        going = [*found.stale, *[e for e in found.entries if goes(e, threshold)]]
    going.sort(key=_path)
    going_in: Dict[int, int] = {}
    size = 0
    for entry in going:
        key = id(entry.node)
        going_in[key] = going_in.get(key, 0) + len(entry.parts)
        for file in entry.parts:
            size += file[3]
    dirs: List[Tuple[Dir, List[File]]] = []
    if going_in:
        _Emptied(going, going_in, dirs, wheels=area == "wheels").visit(top, removable)
    return Decision(going, dirs, size)


def _path(entry: Entry) -> str:
    return entry.key[1]


_UNTOUCHED, _KEPT, _REMOVED = 0, 1, 2


def _only_origins(staying: List[File], *, wheels: bool) -> bool:
    """Whether a directory may go with these files left in it: a wheel's ``origin.json`` only."""
    return not staying or (wheels and all(file[0] == _ORIGIN for file in staying))


class _Emptied:
    """The directories the entries that go leave empty, children first, appended to ``dirs``.

    A directory is removed when something in or below it goes, it was read whole, holds no
    directory link, every subdirectory is removed (or vanished) and what stays in it is only a
    wheel's ``origin.json``: :func:`~pipcache_ext._walk.emptied.emptied_dirs`' rules and order
    (the reverse of parents first). (A class, not a recursive closure: a closure that calls
    itself is a reference cycle, which kept every shard's tree alive until the collector ran.)
    """

    def __init__(self, going: List[Entry], going_in: Dict[int, int],
                 dirs: List[Tuple[Dir, List[File]]], *, wheels: bool) -> None:  # fmt: skip
        self.going = going
        self.going_in = going_in  # id of a directory -> how many of its files go
        self.dirs = dirs
        self.wheels = wheels
        self.gone: Set[int] = set()  # ids of the files that go, made when first needed

    def visit(self, node: Dir, removable: bool) -> int:
        going_in = self.going_in
        touched = id(node) in going_in
        below = True  # every subdirectory removed, or vanished
        children: List[Dir] = node[CHILDREN]  # type: ignore[assignment]
        if children:
            visit = self.visit
            for child in reversed(children):
                done = visit(child, True)  # noqa: FBT003
                if done:
                    touched = True
                if done != _REMOVED and child[STATE] != GONE:
                    below = False
        if not touched:
            return _UNTOUCHED
        if not (removable and below) or node[STATE] != OK or node[LINKS]:
            return _KEPT
        files: List[File] = node[FILES]  # type: ignore[assignment]
        staying: List[File] = []
        if going_in.get(id(node), 0) != len(files):
            gone = self.gone
            if not gone:
                gone.update(id(file) for entry in self.going for file in entry.parts)
            staying = [file for file in files if id(file) not in gone]
            if not _only_origins(staying, wheels=self.wheels):
                return _KEPT
        self.dirs.append((node, staying))
        return _REMOVED
