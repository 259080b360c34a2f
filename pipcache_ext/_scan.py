"""One read of the cache's own directories, never following a link: the input of every plan.

The tree is read relative to directory handles (:mod:`pipcache_ext._fs`): each directory is
opened from its parent with ``O_NOFOLLOW`` and its identity recorded, each entry is classified from
``lstat`` data. Entries are classified as :func:`os.walk` (which pip uses) would see them:

- a real directory is descended into;
- a symlink to a directory is in ``dirnames``: never followed, never counted (``dir_links``);
- anything else is a *file*: regular files, symlinks to files, broken symlinks. A symlink counts
  0 bytes (pip's rule).

Missing directories are ``None``; unreadable ones are kept with a warning.
"""

# Paths are str joined with os.path on purpose: the scan is benchmarked against du.
# ruff: noqa: PTH118

from __future__ import annotations

import contextlib
import errno
import gc
import os
import stat
from typing import Callable, Iterator, List, Optional, Protocol, Tuple

from . import _fs
from ._fs import Handle, Identity

__all__ = [
    "DirNode",
    "FileEntry",
    "StatLike",
    "Visit",
    "collector_paused",
    "open_area",
    "points_to_dir",
    "read_subtree",
    "reason",
    "release",
    "scan_area",
]

#: Called with each directory read and its open handle, once it is listed and before what is
#: below it is read (the handle is closed after).
Visit = Callable[["DirNode", Handle], None]


class StatLike(Protocol):
    """What is read of a file's ``lstat`` (an :class:`os.stat_result`)."""

    @property
    def st_mode(self) -> int: ...
    @property
    def st_ino(self) -> int: ...
    @property
    def st_dev(self) -> int: ...
    @property
    def st_size(self) -> int: ...
    @property
    def st_atime_ns(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...


class FileEntry:
    """A file seen by the scan (``stat``: its ``lstat``, for its times and type)."""

    __slots__ = ("identity", "is_link", "name", "size", "stat")

    def __init__(
        self,
        name: str,
        identity: Identity,
        size: int,
        is_link: bool,
        stat: Optional[StatLike] = None,
    ) -> None:
        self.name = name
        self.identity = identity
        self.size = size  # pip's rule: a symlink is 0 bytes
        self.is_link = is_link
        self.stat = stat


class DirNode:
    """A directory seen by the scan, with what was in it."""

    __slots__ = (
        "children",
        "dir_links",
        "files",
        "gone",
        "identity",
        "name",
        "parent",
        "path",
        "readable",
    )

    def __init__(self, name: str, path: str, identity: Identity, parent: Optional[DirNode]) -> None:
        self.name = name
        self.path = path
        self.identity = identity
        self.parent = parent
        self.files: List[FileEntry] = []
        self.dir_links: List[FileEntry] = []  # symlinks to directories: unlinked, never followed
        self.children: List[DirNode] = []
        self.gone = False  # vanished while read: neither kept nor removed
        self.readable = True  # False: could not be listed, so it and its parents are kept

    def child_path(self, name: str) -> str:
        # os.path.join(self.path, name), faster: a listed name has no separator, and a node's
        # path (the cache dir joined with one name, then names) never ends with one
        return f"{self.path}{os.sep}{name}"

    def preorder(self) -> List[DirNode]:
        """This directory and every one below it, parents before children."""
        order: List[DirNode] = []
        stack = [self]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(reversed(node.children))
        return order


#: Whether a reparse point that is not a symlink (a junction) can be seen: Windows.
_REPARSE_POINTS = os.name == "nt"


def release(node: DirNode) -> None:
    """Forget what was read below ``node``, so that reference counting frees it at once.

    A child and its parent refer to each other: without this only the cyclic collector frees a
    tree, after walking every object of it (a third of a second for 90,000 files).
    """
    stack = [node]
    while stack:
        below = stack.pop()
        stack.extend(below.children)
        below.children, below.files, below.dir_links = [], [], []


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a scan (or what reads one) builds its objects.

    A scan allocates a few objects per file that all live until it returns: the collector
    walked them again and again (~40% of a repeated HTTP listing, a third of a prune).
    Reference counting still frees everything; cycles (a node's parent link) wait for the next
    collection after this. The collector's state is restored, so pauses nest.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def reason(exc: OSError) -> str:
    """An error's reason in a few words (``Permission denied``)."""
    return exc.strerror or str(exc)


def scan_area(root: Handle, cache_dir: str, name: str, warnings: List[str]) -> Optional[DirNode]:
    """Read the cache's top directory ``name`` (``wheels``, ``http``, ``http-v2``) and all below.

    :param root: the open cache dir.
    :param cache_dir: its path, for the paths of the result and messages.
    :returns: ``None`` when it is missing, not a directory, a symlink or unreadable (with a
        warning for the last three).
    """
    top = _area_node(root, cache_dir, name, warnings)
    if top is not None:
        with collector_paused():
            _read(root, top, warnings)
    return top


def open_area(
    root: Handle, cache_dir: str, name: str, warnings: List[str]
) -> Optional[Tuple[DirNode, Optional[Handle]]]:
    """Open and list the top directory ``name`` without reading below it, for a shard-by-shard read.

    The same checks and warnings as :func:`scan_area`; the node's ``children`` are listed but not
    read: :func:`read_subtree` reads each from the handle returned, which the caller closes.

    :returns: ``None`` as :func:`scan_area`; else the node and its open handle, ``None`` when it
        could not be opened or listed (``gone`` or ``readable`` then say why).
    """
    top = _area_node(root, cache_dir, name, warnings)
    if top is None:
        return None
    return top, _open_listed(root, top, warnings)


def read_subtree(
    parent: Handle, node: DirNode, warnings: List[str], visit: Optional[Visit] = None
) -> None:
    """Read ``node`` (listed in the directory ``parent`` is open on) and all below it.

    :param visit: called with each directory read (``node`` first, then depth first) while it
        is open: its files can be read through the handle without opening it again.
    """
    _read(parent, node, warnings, visit)  # the collector runs: a streamed removal frees shards


def _area_node(root: Handle, cache_dir: str, name: str, warnings: List[str]) -> Optional[DirNode]:
    """The node of the top directory ``name``, unread; ``None`` as :func:`scan_area` says."""
    path = os.path.join(cache_dir, name)
    try:
        st = _fs.stat_child(root, name, path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"Could not read {path}: {reason(exc)}")
        return None
    if _fs.is_link(st):
        warnings.append(f"Not descending into {path}: it is a symbolic link")
        return None
    if not stat.S_ISDIR(st.st_mode):
        warnings.append(f"Skipping {path}: it is not a directory")
        return None
    return DirNode(name, path, _fs.identity_of(st), None)


def _read(
    parent: Handle, node: DirNode, warnings: List[str], visit: Optional[Visit] = None
) -> None:
    """Open ``node`` from ``parent``, list it, and read its subdirectories (depth first)."""
    handle = _open_listed(parent, node, warnings)
    if handle is None:
        return
    try:
        if visit is not None:
            visit(node, handle)
        for child in node.children:
            _read(handle, child, warnings, visit)
    finally:
        _fs.close(handle)


def _open_listed(parent: Handle, node: DirNode, warnings: List[str]) -> Optional[Handle]:
    """Open ``node`` from ``parent`` and list it; the open handle, or ``None`` (flags set)."""
    try:
        handle = _fs.open_child(parent, node.name, node.path, node.identity)
    except FileNotFoundError:
        node.gone = True
        return None
    except _fs.NotADirectoryHere:
        node.gone = True  # replaced since its parent was listed: not ours any more
        warnings.append(f"Not descending into {node.path}: it changed while being read")
        return None
    except OSError as exc:
        node.readable = False
        warnings.append(f"Could not read directory {node.path}: {reason(exc)}")
        return None
    try:
        _list(handle, node, warnings)
    except FileNotFoundError:
        node.gone = True
    except OSError as exc:
        node.readable = False
        warnings.append(f"Could not read directory {node.path}: {reason(exc)}")
    except BaseException:
        _fs.close(handle)
        raise
    else:
        return handle
    _fs.close(handle)
    return None


def _list(handle: Handle, node: DirNode, warnings: List[str]) -> None:  # noqa: ARG001
    # The hot loop of every scan: _fs.identity_of and _fs.is_link inlined (on POSIX a link is
    # S_ISLNK alone; elsewhere _fs.is_link also tells a junction).
    files, dir_links, children = node.files, node.dir_links, node.children
    identity, s_islnk, s_isdir = Identity, stat.S_ISLNK, stat.S_ISDIR
    prefix = node.path + os.sep  # node.child_path(name), once
    with _fs.list_dir(handle, node.path) as listing:
        for entry in listing:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # vanished since it was listed
            name = entry.name
            mode = st.st_mode
            if s_islnk(mode) or (_REPARSE_POINTS and _fs.is_link(st)):
                link = FileEntry(name, identity(st.st_dev, st.st_ino), 0, True, st)  # noqa: FBT003
                (dir_links if points_to_dir(entry) else files).append(link)
            elif s_isdir(mode):
                children.append(DirNode(name, prefix + name, identity(st.st_dev, st.st_ino), node))
            else:
                size = st.st_size
                files.append(FileEntry(name, identity(st.st_dev, st.st_ino), size, False, st))  # noqa: FBT003


def points_to_dir(entry: os.DirEntry[str]) -> bool:
    """Whether a link leads to a directory (it is then in os.walk's ``dirnames``)."""
    try:
        return entry.is_dir()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR, errno.EACCES):
            return False
        raise
