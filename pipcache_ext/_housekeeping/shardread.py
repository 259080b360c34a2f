"""The read of a prune's shard: the leanest walk of this library, sorting files as it goes.

A prune reads every file of the areas and deletes most of them on an old cache. Here a directory
is known from its listing's type (no ``lstat``), opened from its parent with ``O_NOFOLLOW`` and,
for a real run, its identity taken from the open handle (a dry run deletes, so re-checks, nothing);
each file's ``lstat`` is kept as plain values (name, device, inode, size, link or not, mtime,
atime: :data:`~.shards.File`), and each directory's files are sorted into entries
(:func:`~.shards.sort_files`) before its subdirectories are read.
Where handles are paths (Windows) every entry is classified from its ``lstat``, as the scan does.
"""

from __future__ import annotations

import os
import stat
from typing import List, Optional

from .. import _fs
from .._fs import Handle
from .._scan import points_to_dir, reason
from .shards import (
    CHILDREN,
    DEV,
    FILES,
    GONE,
    INO,
    LINKS,
    NAME,
    OK,
    PATH,
    STATE,
    UNREADABLE,
    Dir,
    File,
    Found,
    sort_files,
)

__all__ = ["read_dir"]

_ELOOP = getattr(os, "ELOOP", 40)


def read_dir(parent: Handle, node: Dir, area: str, found: Found, warnings: List[str]) -> None:
    """Read ``node`` (listed in the directory ``parent`` is open on) and all below it.

    Each directory's files are sorted into ``found`` as it is read (parents before children).
    """
    handle: Handle
    if isinstance(parent, int):  # the hot path: opened here, no call
        try:
            handle = os.open(node[NAME], _fs.DIR_FLAGS, dir_fd=parent)  # type: ignore[arg-type]
        except OSError as exc:
            _failed(node, exc, warnings)
            return
    else:
        opened = _open(parent, node, warnings)
        if opened is None:
            return
        handle = opened
    try:
        _read_open(handle, node, area, found, warnings)
    finally:
        _fs.close(handle)


def _read_open(handle: Handle, node: Dir, area: str, found: Found, warnings: List[str]) -> None:
    """:func:`read_dir` of ``node``, open as ``handle``."""
    if found.identities:  # what a real run re-checks; a dry run deletes nothing
        st = os.fstat(handle) if isinstance(handle, int) else os.lstat(handle)
        node[DEV], node[INO] = st.st_dev, st.st_ino
    try:
        if isinstance(handle, int):
            _list(handle, node)
        else:
            _list_portable(handle, node)
    except FileNotFoundError:
        node[STATE] = GONE
    except OSError as exc:
        node[STATE] = UNREADABLE
        warnings.append(f"Could not read directory {node[PATH]}: {reason(exc)}")
    if node[FILES] or node[LINKS]:  # most directories only lead to others
        sort_files(node, area, found)
    if node[STATE] == OK:
        for child in node[CHILDREN]:  # type: ignore[attr-defined]
            read_dir(handle, child, area, found, warnings)


def _open(parent: Handle, node: Dir, warnings: List[str]) -> Optional[Handle]:
    """Open ``node`` from the path ``parent`` (no handles here); ``None``: its state says why."""
    try:
        return _fs.open_child(parent, node[NAME], node[PATH], None)  # type: ignore[arg-type]
    except OSError as exc:
        _failed(node, exc, warnings)
    return None


def _failed(node: Dir, exc: OSError, warnings: List[str]) -> None:
    """``node`` could not be opened: gone, replaced (by a link or a file), or unreadable."""
    path = node[PATH]
    if isinstance(exc, FileNotFoundError):
        node[STATE] = GONE
    elif isinstance(exc, (NotADirectoryError, _fs.NotADirectoryHere)) or exc.errno == _ELOOP:
        node[STATE] = GONE  # replaced since its parent was listed: not ours any more
        warnings.append(f"Not descending into {path}: it changed while being read")
    else:
        node[STATE] = UNREADABLE
        warnings.append(f"Could not read directory {path}: {reason(exc)}")


def _list(fd: int, node: Dir) -> None:
    """The hot loop of a prune: a directory's files (with their ``lstat``), subdirs and links.

    POSIX, with directory handles: a subdirectory is known from the listing's type (``d_type``),
    a symlink is ``S_ISLNK``. The lists stay the shared empty tuple when nothing is in them (most
    directories of a cache hold one entry and no subdirectory).
    """
    files: List[File] = []
    children: List[Dir] = []
    links: List[str] = []
    prefix = f"{node[PATH]}{os.sep}"
    s_islnk, s_isdir = stat.S_ISLNK, stat.S_ISDIR
    with os.scandir(fd) as listing:
        for entry in listing:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                children.append([name, prefix + name, 0, 0, (), (), (), OK])
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # vanished since it was listed
            mode = st.st_mode
            if s_islnk(mode):
                if points_to_dir(entry):
                    links.append(name)
                else:
                    files.append((name, st.st_dev, st.st_ino, 0, True, st.st_mtime_ns,
                                  st.st_atime_ns))  # fmt: skip
            elif s_isdir(mode):  # a filesystem whose listing gives no types
                children.append([name, prefix + name, 0, 0, (), (), (), OK])
            else:
                files.append((name, st.st_dev, st.st_ino, st.st_size, False, st.st_mtime_ns,
                              st.st_atime_ns))  # fmt: skip
    _keep(node, files, children, links)


def _keep(node: Dir, files: List[File], children: List[Dir], links: List[str]) -> None:
    if files:
        node[FILES] = files
    if children:
        node[CHILDREN] = children
    if links:
        node[LINKS] = links


def _list_portable(path: str, node: Dir) -> None:
    """:func:`_list` where handles are paths (Windows).

    Every entry's ``lstat`` classifies it, and a junction (a reparse point that is no symlink)
    is a link, as the scan has it.
    """
    files: List[File] = []
    children: List[Dir] = []
    links: List[str] = []
    prefix = f"{node[PATH]}{os.sep}"
    with os.scandir(path) as listing:
        for entry in listing:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            name = entry.name
            if _fs.is_link(st):
                if points_to_dir(entry):
                    links.append(name)
                else:
                    files.append((name, st.st_dev, st.st_ino, 0, True, st.st_mtime_ns,
                                  st.st_atime_ns))  # fmt: skip
            elif stat.S_ISDIR(st.st_mode):
                children.append([name, prefix + name, 0, 0, (), (), (), OK])
            else:
                files.append((name, st.st_dev, st.st_ino, st.st_size, False, st.st_mtime_ns,
                              st.st_atime_ns))  # fmt: skip
    _keep(node, files, children, links)
