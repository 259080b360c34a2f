"""Carry out a deletion plan, relative to directory handles, re-checking every entry first.

Each directory is reached from the open cache dir one name at a time with ``O_NOFOLLOW`` and must
still be the directory that was scanned (same device and inode); each file must still be the file
that was scanned just before it is unlinked. A directory that was swapped for a symlink, or a file
replaced by another, is left alone and reported: nothing outside the cache can be reached, whatever
changes while the plan runs. Directories are removed with ``rmdir`` (never recursively).
"""

# ruff: noqa: PTH118

from __future__ import annotations

import errno
import os
from typing import Dict, List, NamedTuple, Optional, Set

from . import _fs
from ._fs import Handle
from ._plan import Plan
from ._scan import DirNode, FileEntry, reason

__all__ = ["Outcome", "execute"]


class Outcome(NamedTuple):
    """What a plan's run did."""

    removed: List[str]  # counted files deleted
    bytes_removed: int
    dirs_removed: int
    deleted: List[str]  # every path deleted, in order
    failed: List[str]  # planned paths still there
    warnings: List[str]


class _Cursor:
    """Open directory handles along the path to the directory being worked in."""

    def __init__(self, root: Handle) -> None:
        self._root = root
        self._open: Dict[int, Handle] = {}  # id(node) -> handle, for the current chain
        self._chain: List[DirNode] = []
        self.broken: Dict[int, str] = {}  # id(node) -> why it cannot be entered

    def parent_handle(self, node: DirNode) -> Optional[Handle]:
        """The open handle of ``node``'s parent (the cache dir for a top dir)."""
        if node.parent is None:
            return self._root
        return self.handle(node.parent)

    def handle(self, node: DirNode) -> Optional[Handle]:
        """An open handle on ``node``; ``None`` when it (or a parent) cannot be entered."""
        chain: List[DirNode] = []
        current: Optional[DirNode] = node
        while current is not None:
            chain.append(current)
            current = current.parent
        chain.reverse()
        # close what is not on the new chain
        keep = 0
        while keep < min(len(chain), len(self._chain)) and chain[keep] is self._chain[keep]:
            keep += 1
        for stale in self._chain[keep:]:
            _fs.close(self._open.pop(id(stale)))
        self._chain = self._chain[:keep]
        parent = self._root if keep == 0 else self._open[id(self._chain[-1])]
        for step in chain[keep:]:
            if id(step) in self.broken:
                return None
            try:
                handle = _fs.open_child(parent, step.name, step.path, step.identity)
            except FileNotFoundError:
                self.broken[id(step)] = "gone"
                return None
            except _fs.NotADirectoryHere:
                self.broken[id(step)] = "changed"
                return None
            except OSError as exc:
                self.broken[id(step)] = reason(exc)
                return None
            self._open[id(step)] = handle
            self._chain.append(step)
            parent = handle
        return parent

    def close(self) -> None:
        for node in self._chain:
            _fs.close(self._open.pop(id(node)))
        self._chain = []


def execute(plan: Plan, root: Handle, cache_dir: str) -> Outcome:
    """Delete what ``plan`` says, in its order, in the cache dir opened as ``root``."""
    out = Outcome([], 0, 0, [], [], [])
    cursor = _Cursor(root)
    blocked: Set[int] = set()  # ids of directories that must stay: something in them stayed
    size = 0
    ends = _entry_ends(plan)
    try:
        stayed = False  # a file of the current whole entry stayed: the rest of it stays too
        for index, (node, entry) in enumerate(plan.counted):
            path = node.child_path(entry.name)
            if stayed:
                if os.path.lexists(path):
                    _block(node, blocked)
                    out.failed.append(path)
            elif _delete_file(cursor, node, entry, path, out):
                out.removed.append(path)
                out.deleted.append(path)
                size += entry.size
            elif id(node) in cursor.broken or os.path.lexists(path):
                if id(node) not in cursor.broken:
                    _block(node, blocked)  # still there: its directories stay too
                stayed = ends is not None
            if ends is not None and index in ends:
                stayed = False
        dirs = _remove_dirs(cursor, plan, blocked, out)
        if plan.selfcheck_json is not None:
            path = os.path.join(cache_dir, "selfcheck.json")
            if _unlink_checked(root, plan.selfcheck_json, path, out):
                out.deleted.append(path)
    finally:
        cursor.close()
    return out._replace(bytes_removed=size, dirs_removed=dirs)


def _entry_ends(plan: Plan) -> Optional[Set[int]]:
    """The indexes in ``counted`` of the last file of each whole entry; ``None``: no entries."""
    if not plan.entries:
        return None
    ends: Set[int] = set()
    position = -1
    for count in plan.entries:
        position += count
        ends.add(position)
    return ends


def _remove_dirs(cursor: _Cursor, plan: Plan, blocked: Set[int], out: Outcome) -> int:
    """The cleanup pass: each planned directory with its leftovers, unless something stayed."""
    dirs = 0
    refilled: Set[int] = set()  # kept because something new is in them: not a failure
    for node in plan.dirs:
        if id(node) in refilled and id(node) not in blocked:
            continue  # it holds a directory something was written into: it stays, as it should
        if id(node) in blocked:
            # kept: its leftovers stay with it, though the plan meant them to go
            out.failed.extend(
                path
                for path in (node.child_path(e.name) for e in plan.leftovers[id(node)])
                if os.path.lexists(path)
            )
            out.failed.append(node.path)
        elif not _clear_leftovers(cursor, node, plan, out):
            _block(node, blocked)
            out.failed.append(node.path)
        else:
            removed = _remove_dir(cursor, node, out)
            if removed is True:
                dirs += 1
                out.deleted.append(node.path)
            elif removed is None:  # written into since the scan: kept, and so are its parents
                _block(node, refilled)
            elif os.path.lexists(node.path):
                _block(node, blocked)
                out.failed.append(node.path)
    return dirs


def _block(node: DirNode, blocked: Set[int]) -> None:
    """Keep ``node`` and every directory above it."""
    current: Optional[DirNode] = node
    while current is not None:
        blocked.add(id(current))
        current = current.parent


def _delete_file(cursor: _Cursor, node: DirNode, entry: FileEntry, path: str, out: Outcome) -> bool:
    handle = cursor.handle(node)
    if handle is None:
        why = cursor.broken.get(id(node), "gone")
        if why != "gone":
            out.failed.append(path)
            if why == "changed":
                out.warnings.append(f"Left {path} alone: a directory above it changed")
            else:
                out.warnings.append(f"Could not remove {path}: {why}")
        return False
    return _unlink_checked(handle, entry, path, out)


def _unlink_checked(  # noqa: PLR0911 - one exit per way an unlink can end
    handle: Handle, entry: FileEntry, path: str, out: Outcome
) -> bool:
    """Unlink ``entry`` if it is still the file that was scanned; ``True`` when it was."""
    try:
        st = _fs.stat_child(handle, entry.name, path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        out.warnings.append(f"Could not read {path}: {reason(exc)}")
        out.failed.append(path)
        return False
    if _fs.identity_of(st) != entry.identity or _fs.is_link(st) != entry.is_link:
        out.warnings.append(f"Left {path} alone: it was replaced while the cache was cleaned")
        out.failed.append(path)
        return False
    try:
        _fs.unlink_child(handle, entry.name, path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if entry.is_link and _rmdir_link(handle, entry, path):
            return True
        out.warnings.append(f"Could not remove {path}: {reason(exc)}")
        out.failed.append(path)
        return False
    return True


def _rmdir_link(handle: Handle, entry: FileEntry, path: str) -> bool:
    """Remove a directory link that unlink refused (Windows), never what it points to.

    On POSIX rmdir fails on a symlink with ENOTDIR: it is never recursive.
    """
    try:
        _fs.rmdir_child(handle, entry.name, path)
    except OSError:
        return False
    return True


def _clear_leftovers(cursor: _Cursor, node: DirNode, plan: Plan, out: Outcome) -> bool:
    """Delete the uncounted files left in a directory the cleanup removes."""
    leftovers = plan.leftovers[id(node)]
    if not leftovers:
        return True
    handle = cursor.handle(node)
    if handle is None:
        if cursor.broken.get(id(node)) == "gone":
            return True
        out.failed.extend(
            path for path in (node.child_path(e.name) for e in leftovers) if os.path.lexists(path)
        )
        return False
    complete = True
    for entry in leftovers:
        path = node.child_path(entry.name)
        if _unlink_checked(handle, entry, path, out):
            out.deleted.append(path)
        elif os.path.lexists(path):
            complete = False
    return complete


def _remove_dir(cursor: _Cursor, node: DirNode, out: Outcome) -> Optional[bool]:
    """Remove an emptied directory: ``True``; ``None``: kept, something new is in it."""
    # Reaching the parent closes the directory itself (Windows cannot remove an open one).
    parent = cursor.parent_handle(node)
    if parent is None:
        return False
    try:
        _fs.rmdir_child(parent, node.name, node.path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            out.warnings.append(f"Left {node.path} alone: it was replaced by a link or a file")
        elif exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            # Every file the plan saw in it is gone (else it would not be tried): what is in it
            # now was written since the scan, by pip most likely. Kept, and not a failure.
            out.warnings.append(
                f"Kept {node.path}: something was written into it while the cache was cleaned"
            )
            return None
        else:
            out.warnings.append(f"Could not remove directory {node.path}: {reason(exc)}")
        return False
    return True
