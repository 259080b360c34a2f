"""A usage counted from the tally of the last one (:mod:`.tally`), when it stands.

One round of forked workers reads the shards of the three areas: ``wheels/`` into rows, the HTTP
areas by :func:`~.tally.walk` into each shard's counts by code; here the fingerprint of what they
saw is checked against the tally's, and the rows and warnings are put together in a listing's
order.
"""

# ruff: noqa: PTH120

from __future__ import annotations

import mmap
import os
from typing import Dict, List, Optional, Sequence, Tuple, cast

from .. import _fs
from .._http import HTTP_AREAS
from .._http.store import fingerprint
from .._pipversions import WHEELS
from .._plan import scan_cache
from .._scan import DirNode, open_area
from .._walk import fork_pull
from .._walk.readonly import read_listed
from . import tally
from .rows import Row, merge, row_of, wheel_dir

__all__ = ["tallied"]


#: What a worker sends back of a shard: its scan warnings, and the rows of a shard of
#: ``wheels/`` or else an HTTP shard's fingerprint sum, entries and counts.
_Part = Tuple[List[str], Dict[Optional[str], Row], Tuple[int, int, Optional[tally.Counted]]]
_Opened = Tuple[str, Optional[DirNode], Optional[_fs.Handle], List[str]]


def tallied(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: int,
    text: str,
    urls: Sequence[str],
    summary: tally.Summary,
    processes: int,
    mtime_only: bool,
) -> Optional[Tuple[Dict[Optional[str], Row], List[str]]]:
    """The usage from ``summary`` if the HTTP entries are the ones it counted, else ``None``.

    One round of workers reads the shards of the three areas (``wheels/`` as a listed usage
    does, the HTTP areas by :func:`~.tally.walk`); the warnings are in a listing's order. The
    HTTP shards go first: a shard with more or fewer entries than tallied (what a ``pip
    install`` since makes) raises a flag the workers share, and the jobs left are not read (the
    usage is listed the long way; the small shards of ``wheels/`` last also keep them level).
    """
    opened: List[_Opened] = []
    stop = mmap.mmap(-1, 1)  # shared with the forked workers: 1 once the tally does not stand

    def work(job: Tuple[int, int]) -> _Part:
        if stop[0]:
            return [], {}, (0, 0, None)
        name, top, handle, _said = opened[job[0]]
        assert top is not None and isinstance(handle, int)  # noqa: PT018, S101 - listed
        shard, said = top.children[job[1]], cast("List[str]", [])
        part: Dict[Optional[str], Row] = {}
        if name == WHEELS:
            read_listed(handle, shard, said, lambda node, _h: wheel_dir(node, part, mtime_only))
            return said, part, (0, 0, None)
        skip = len(os.path.dirname(top.path)) + 1
        counter = tally.ShardTally(name, skip, mtime_only)
        tally.walk(handle, shard.name, shard.path, counter, said)
        counted = counter.counted(summary.shards.get(shard.path[skip:]), summary.problems)
        if counted is None:
            stop[0] = 1
        return said, part, (counter.total, counter.count, counted)

    try:
        for name in (WHEELS, *HTTP_AREAS):
            said: List[str] = []
            got = open_area(root, text, name, said)
            opened.append((name, *((None, None) if got is None else got), said))
        first = [*range(1, len(opened)), 0]  # the HTTP areas, then wheels/
        jobs = [(a, i) for a in first for i in range(_listed_shards(opened[a]))]
        parts = dict(zip(jobs, fork_pull(work, jobs, processes)))
    finally:
        for _name, _top, handle, _said in opened:
            if handle is not None:
                _fs.close(handle)
        stopped = stop[0]
        stop.close()
    if stopped:
        return None
    return _assembled(root, text, urls, summary, opened, parts, mtime_only)


def _listed_shards(area: _Opened) -> int:
    """How many shards the area has to read: none unless it was opened and listed."""
    _name, top, handle, _said = area
    return 0 if top is None or handle is None else len(top.children)


def _assembled(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: int,
    text: str,
    urls: Sequence[str],
    summary: tally.Summary,
    opened: List[_Opened],
    parts: Dict[Tuple[int, int], _Part],
    mtime_only: bool,
) -> Optional[Tuple[Dict[Optional[str], Row], List[str]]]:
    """:func:`_tallied`'s rows and warnings from what was read; ``None``: not the tally's."""
    rows: Dict[Optional[str], Row] = {}
    warnings: List[str] = []
    counts: List[Optional[tally.Counted]] = []
    total = count = 0
    for a, (name, top, handle, said) in enumerate(opened):
        warnings.extend(said)
        if top is None or handle is None:
            continue
        if name == WHEELS:
            wheel_dir(top, rows, mtime_only)
        else:  # the area's own files, read here
            skip = len(os.path.dirname(top.path)) + 1
            counter = tally.ShardTally(name, skip, mtime_only)
            if not counter.add_entries(top.files, top.path[skip:]):
                return None
            counts.append(counter.counted(summary.shards.get(name), summary.problems))
            total, count = total + counter.total, count + counter.count
        for i in range(len(top.children)):
            shard_said, part, (shard_total, shard_count, counted) = parts[(a, i)]
            warnings.extend(shard_said)
            merge(rows, part)
            if name != WHEELS:
                counts.append(counted)
                total, count = total + shard_total, count + shard_count
    if fingerprint(count, total, urls) != summary.fingerprint or None in counts:
        return None
    problems = _counted(rows, summary, counts, text.rstrip(os.sep) + os.sep)
    return rows, [*warnings, *scan_cache(root, text, ()).warnings, *problems]


def _counted(
    rows: Dict[Optional[str], Row],
    summary: tally.Summary,
    counts: List[Optional[tally.Counted]],
    prefix: str,
) -> List[str]:
    """Count the shards' entries into ``rows``: the warnings of those with a problem.

    :param prefix: the cache dir's path and a separator (``os.path.join``'s, once).
    """
    problems: List[str] = []
    for counted in counts:
        assert counted is not None  # noqa: S101 - checked by the caller
        codes = summary.codes
        for code, (entries, size, last) in counted.counts.items():
            project, version, _problem = codes[code]
            row_of(rows, project).add_http(version, entries, size, last)
        problems.extend(f"{prefix}{path}: {codes[code][2]}" for path, code in counted.problems)
    return problems
