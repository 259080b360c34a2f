"""The HTTP areas of a large cache read by forked workers, shard by shard: the sequential result.

Each area's top directory is listed here (:func:`~pipcache_ext._scan.open_area`); its
subdirectories (its *shards*: ``http-v2/0`` ... ``http-v2/f``) are shared among processes, one per
core, this process being one of them, each taking the next shard when done with one
(:func:`~pipcache_ext._walk.fork_pull`: they end together however uneven the shards). A worker
reads a shard read-only (:func:`~pipcache_ext._walk.readonly.read_listed`: the scan's entries
and warnings, without identities) and, while each of its directories is open, the entries in it
(:meth:`~._http.areas.Listed.read_compact`): from the disk cache, which each worker inherits
loaded, or else by reading their files through that open directory (no directory is opened
twice). Per shard it sends back its scan warnings, each entry in a few plain values
(:meth:`~._http.entries.Found.compact`, no scanned files), the problems found and what it saw and
learnt for the disk cache (a sum for the fingerprint, the records learnt, the paths of those
found unchanged). Here the entries are put back in
the sequential order (each area: its top's own files, then its shards in listing order), so
that the entries, the warnings and the disk cache are the sequential listing's.
"""

# ruff: noqa: PTH118, PTH120

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, List, NamedTuple, Optional, Sequence, Tuple

from .. import _fs
from .._fs import Handle
from .._scan import DirNode, open_area
from .._walk import can_fork, estimate, fork_pull, workers
from .._walk.paths import Folders
from .._walk.readonly import read_listed
from .store import Store, Taken

if TYPE_CHECKING:  # the readers are imported when the areas are read (a usage may not read)
    from .entries import Compact, Found

__all__ = ["PARALLEL_MIN_FILES", "parallel", "read_areas"]

#: HTTP areas estimated to hold fewer files than this are read in this process. Reading an entry
#: costs tens of times what counting a file does, so workers pay far below the walk's threshold.
PARALLEL_MIN_FILES = 2_000


class _Shard(NamedTuple):
    """What a worker sends back of one shard."""

    warnings: List[str]
    entries: List[Compact]
    problems: List[Tuple[int, str]]  # (position among the shard's entries, problem)
    taken: Taken


class _Area(NamedTuple):
    name: str
    top: Optional[DirNode]  # None: missing, or not entered (its warnings say why)
    handle: Optional[Handle]  # None: not listed
    warnings: List[str]  # the top's own scan warnings


def parallel(cache_dir: str, names: Sequence[str], wanted: Optional[bool] = None) -> bool:
    """Whether the areas ``names`` are to be read by workers (``wanted``: ``None`` decides)."""
    if wanted is not None:
        return wanted
    if workers() <= 1 or not can_fork():
        return False
    return sum(estimate(os.path.join(cache_dir, name)) for name in names) >= PARALLEL_MIN_FILES


def read_areas(  # noqa: PLR0913 - the listing's parts
    root: Handle,
    cache_dir: str,
    names: Sequence[str],
    store: Store,
    warnings: List[str],
    *,
    problems: Optional[List[Tuple[int, str]]] = None,
) -> Tuple[List[Found], int]:
    """:func:`~._http.areas.read_area` of each of ``names``, one after the other, in workers.

    :param warnings: gets the scan's warnings (every area's), then each area's problems, as the
        sequential scan and reading give them.
    :param problems: gets ``(position among the entries, problem)`` of each entry with one.
    :returns: the entries, and how many warnings the scan gave.
    """
    areas: List[_Area] = []
    try:
        for name in names:
            said: List[str] = []
            opened = open_area(root, cache_dir, name, said)
            top, handle = (None, None) if opened is None else opened
            areas.append(_Area(name, top, handle, said))
        return _read(cache_dir, areas, store, warnings, [] if problems is None else problems)
    finally:
        for area in areas:
            if area.handle is not None:
                _fs.close(area.handle)


def _read(
    cache_dir: str,
    areas: List[_Area],
    store: Store,
    warnings: List[str],
    problems: List[Tuple[int, str]],
) -> Tuple[List[Found], int]:
    from .areas import Listed  # noqa: PLC0415 - the readers, imported when they read
    from .entries import Found  # noqa: PLC0415

    jobs = [(a, i) for a, area in enumerate(areas) for i in range(len(_shards(area)))]

    def work(job: Tuple[int, int]) -> _Shard:
        area = areas[job[0]]
        top, handle = area.top, area.handle
        assert top is not None and handle is not None  # noqa: PT018, S101 - jobs: listed tops
        said: List[str] = []
        listed = Listed(area.name, store, _skip(top), None)
        read_listed(handle, top.children[job[1]], said, listed.read_compact)
        return _Shard(said, listed.compacts, listed.compact_problems, store.taken())

    shards = dict(zip(jobs, fork_pull(work, jobs, workers())))
    found: List[Found] = []
    for a, area in enumerate(areas):
        warnings.extend(area.warnings)
        if area.top is None:
            continue
        folders = Folders(Path(os.path.dirname(area.top.path)))
        top = Listed(area.name, store, _skip(area.top), folders)
        if area.handle is not None:
            top.read_here(area.top, area.handle)
        taken = [store.taken()]
        problems.extend((len(found) + i, problem) for i, problem in sorted(top.problems.items()))
        found.extend(top.found)
        for i in range(len(_shards(area))):
            shard = shards[(a, i)]
            warnings.extend(shard.warnings)
            problems.extend((len(found) + j, problem) for j, problem in shard.problems)
            found.extend(Found.restored(area.name, folders, data) for data in shard.entries)
            taken.append(shard.taken)
        for seen in taken:
            store.add(seen)
    scanning = len(warnings)
    # the text of found[i].paths[0], without making the Path (a usage makes none)
    prefix = cache_dir.rstrip(os.sep) + os.sep  # os.path.join's, once
    warnings.extend(f"{prefix}{found[i].relative}: {problem}" for i, problem in problems)
    return found, scanning


def _shards(area: _Area) -> List[DirNode]:
    """The shards of a listed area."""
    return area.top.children if area.top is not None and area.handle is not None else []


def _skip(top: DirNode) -> int:
    """How much of a path in ``top`` to cut for its path in the cache dir."""
    return len(os.path.dirname(top.path)) + 1
