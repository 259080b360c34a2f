"""The walk itself, as :func:`os.walk` lists a tree, and its counts, shared among processes."""

# Paths are str and os.* calls on purpose: this module is benchmarked against du.

from __future__ import annotations

import os
import stat
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from .forks import can_fork, fork_map, workers

__all__ = ["PARALLEL_MIN_FILES", "Tally", "estimate", "iter_files", "tally", "tally_trees"]

#: Trees estimated to hold fewer files than this are walked in this process: below it, the
#: fork and the shards' overhead cost about what a second core saves.
PARALLEL_MIN_FILES = 8_000

# What a directory entry is, in os.walk's terms (followlinks=False).
_DIR = 0  # a real directory: descended into
_DIR_LINK = 1  # a symlink to a directory: in os.walk's dirnames, never followed
_FILE = 2  # anything else: in os.walk's filenames
_FILE_LINK = 3  # a symlink that is not to a directory (also broken ones): a 0-byte file

_WINDOWS = os.name == "nt"
_FILE_ATTRIBUTE_REPARSE_POINT = 0x400  # stat.FILE_ATTRIBUTE_REPARSE_POINT (typed on win32 only)

#: ``(files, bytes, files whose basename matches)`` of one tree.
Tally = Tuple[int, int, int]
Match = Optional[Callable[[str], bool]]
# A file seen while walking: (path, basename, is_symlink).
_File = Tuple[str, str, bool]


def _is_link(st: os.stat_result) -> bool:
    """Tell a symlink, or on Windows any reparse point such as a junction, from an ``lstat``."""
    attributes: int = getattr(st, "st_file_attributes", 0)
    return stat.S_ISLNK(st.st_mode) or bool(attributes & _FILE_ATTRIBUTE_REPARSE_POINT)


def _kind(entry: os.DirEntry[str]) -> int:
    """Classify an entry as :func:`os.walk` does (``is_dir()`` follows symlinks).

    On Windows a junction is not a symlink to :func:`os.walk` (before Python 3.12), which would
    descend into it; it is treated as a symlink to a directory here.
    """
    try:
        is_dir = entry.is_dir()
    except OSError:
        is_dir = False
    try:
        is_link = entry.is_symlink()
        if is_dir and not is_link and _WINDOWS:  # stat() is free on Windows
            is_link = _is_link(entry.stat(follow_symlinks=False))
    except OSError:
        is_link = False
    if is_dir:
        return _DIR_LINK if is_link else _DIR
    return _FILE_LINK if is_link else _FILE


def iter_files(top: str) -> Iterator[_File]:
    """Yield every file under ``top``, as :func:`os.walk` would list them.

    ``top`` itself is listed even when it is a symlink (like :func:`os.walk`); nothing below it is
    followed. Missing or unreadable directories are skipped silently.
    """
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    kind = _kind(entry)
                    if kind == _DIR:
                        stack.append(entry.path)
                    elif kind != _DIR_LINK:
                        yield entry.path, entry.name, kind == _FILE_LINK
        except OSError:
            continue


def _count(files: Iterator[_File], match: Match) -> Tally:
    count = size = matching = 0
    lstat = os.lstat
    for path, name, is_link in files:
        if not is_link:
            try:
                size += lstat(path).st_size
            except OSError:  # vanished since it was listed
                continue
        count += 1
        if match is not None and match(name):
            matching += 1
    return count, size, matching


def tally(top: str, match: Match = None) -> Tally:
    """Count the files under ``top``: ``(files, bytes, files whose basename matches)``.

    A symlink counts as a 0-byte file; a file that vanishes between listing and ``lstat`` is not
    counted at all.
    """
    return _count(iter_files(top), match)


def _add(a: Tally, b: Tally) -> Tally:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _top(top: str) -> Tuple[List[_File], List[str]]:
    """The files directly in ``top`` and its real subdirectories (its shards), sorted."""
    try:
        with os.scandir(top) as entries:
            found = [(entry.path, entry.name, _kind(entry)) for entry in entries]
    except OSError:
        return [], []
    files = [(path, name, kind == _FILE_LINK) for path, name, kind in found
             if kind in (_FILE, _FILE_LINK)]  # fmt: skip
    return files, sorted(path for path, _name, kind in found if kind == _DIR)


def estimate(top: str) -> int:
    """A cheap guess of how many files are under ``top``: one listing per level.

    Knuth's estimator: down the first subdirectory at each level, the files seen there times the
    number of directories of that level they stand for. Pip's layouts are hash-named fan-outs,
    whose directories are alike, so the guess is close; it only decides whether to fork.
    """
    total, factor, current = 0, 1, top
    for _level in range(12):
        try:
            with os.scandir(current) as entries:
                kinds = [(entry.path, _kind(entry)) for entry in entries]
        except OSError:
            break
        total += factor * sum(1 for _path, kind in kinds if kind in (_FILE, _FILE_LINK))
        below = sorted(path for path, kind in kinds if kind == _DIR)
        if not below:
            break
        factor *= len(below)
        current = below[0]
    return total


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS |= getattr(os, "O_CLOEXEC", 0)


def _tally_fd(top: str, match: Match) -> Tally:
    """:func:`tally` of a shard, each directory and file reached from its parent's descriptor.

    The same entries counted the same way as :func:`iter_files` and :func:`_count` do by path;
    a file's ``lstat`` is an ``fstatat`` in its open directory (no path to resolve again), as
    ``du`` does. A directory replaced by a link since it was listed is not followed.
    """
    count = size = matching = 0
    try:
        stack = [os.open(top, _DIR_FLAGS)]
    except OSError:
        return 0, 0, 0
    while stack:
        fd = stack.pop()
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    kind = _kind(entry)
                    if kind == _DIR:
                        try:
                            stack.append(os.open(entry.name, _DIR_FLAGS, dir_fd=fd))
                        except OSError:
                            continue
                    elif kind == _FILE:
                        try:
                            size += entry.stat(follow_symlinks=False).st_size
                        except OSError:  # vanished since it was listed
                            continue
                        count += 1
                        matching += match is not None and match(entry.name)
                    elif kind == _FILE_LINK:  # a symlink: 0 bytes
                        count += 1
                        matching += match is not None and match(entry.name)
        except OSError:
            pass
        finally:
            os.close(fd)
    return count, size, matching


def _walk_shards(job: Tuple[Sequence[Tuple[int, str]], Sequence[Match]]) -> List[Tally]:
    """Tally each ``(tree index, shard)`` into its tree's total (what one worker does)."""
    shards, matches = job
    totals: List[Tally] = [(0, 0, 0)] * len(matches)
    for index, shard in shards:
        totals[index] = _add(totals[index], _tally_fd(shard, matches[index]))
    return totals


def tally_trees(
    trees: Sequence[Tuple[str, Match]],
    *,
    parallel: Optional[bool] = None,
    processes: Optional[int] = None,
) -> List[Tally]:
    """:func:`tally` of each ``(top, match)``, with the work shared among processes if large.

    :param parallel: ``None`` decides from a first look (:func:`estimate`, against
        :data:`PARALLEL_MIN_FILES`, where more than one process may walk); ``True`` shares the
        shards whatever their size, ``False`` walks everything here. Either way the counts are
        the sequential walk's.
    :param processes: how many processes share the work; default :func:`workers`.
    """
    count = workers() if processes is None else max(1, processes)
    if parallel is None:
        parallel = (
            count > 1
            and can_fork()
            and sum(estimate(top) for top, _match in trees) >= PARALLEL_MIN_FILES
        )
    if not parallel:
        return [tally(top, match) for top, match in trees]
    matches = [match for _top, match in trees]
    totals: List[Tally] = []
    remaining: List[Tuple[int, str]] = []
    for index, (top, match) in enumerate(trees):
        files, shards = _top(top)
        totals.append(_count(iter(files), match))
        remaining.extend((index, shard) for shard in shards)
    if count == 1 or len(remaining) <= 1:
        parts = [remaining]
    else:  # round robin: shards of one tree are alike (hash-named), so parts are too
        parts = [remaining[i::count] for i in range(min(count, len(remaining)))]
    for part_totals in fork_map(_walk_shards, [(part, matches) for part in parts]):
        totals = [_add(a, b) for a, b in zip(totals, part_totals)]
    return totals
