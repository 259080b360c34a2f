"""Prune: whole entries by last use, older than a cut-off and then to a size cap.

Entries: a wheel under ``wheels/`` (its ``origin.json`` goes with its directory once the
directory holds no other wheel); an HTTP entry (``http-v2``: ``<key>`` then ``<key>.body``;
``http``: ``<key>``). Half-written ``*.tmp`` files older than an hour always go. Anything else
(a stray, a directory link) cannot be attributed: it stays, and a warning names it. Nothing
modified in the last five minutes is pruned (pip writes a temporary file and renames it), and
nothing outside the three areas (``selfcheck/``, ``selfcheck.json``, other files) is looked at.

One read serves the whole decision, in two rounds over the areas' shards (``wheels/aa``,
``http-v2/0``, ...), by one process per core on a large cache
(:func:`~pipcache_ext._walk.rounds.fork_rounds`; a shard is read by :mod:`.shardread` and sorted
and decided by :mod:`.shards`). Round one reads each shard and sends back its totals (and, for a
size cap, each candidate entry's last use, path and size); here the size cap becomes one
threshold on (last use, path): the least recently used entries up to it go. Round two decides
each shard from what its worker read (the same pure rule in every process; without a size cap
there is nothing to wait for, and round one decides at once) and either reports the decision (a
dry run) or has the common executor delete exactly it (:mod:`.outcome`). A dry run's result is
exactly the real run's plan. The result lists the paths in the plan's order: every file in path
order, then each directory emptied (children first) after what is left in it.
"""

from __future__ import annotations

import os
import time
from array import array
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from .. import _fs
from .._fs import Handle
from .._guard import ensure_link_targets_are_safe, ensure_safe_to_purge
from .._pipversions import AREAS
from .._scan import DirNode, collector_paused, open_area, reason
from .._walk import scans
from .._walk.forks import workers
from .._walk.paths import LazyPaths
from .._walk.rounds import fork_rounds
from ..models import RemovalResult
from . import shards
from .lastuse import noatime_mount, noatime_warning
from .outcome import Done, carry_out
from .shardread import read_dir
from .shards import DEV, FILES, INO, PATH, Decision, Dir, Found, Key

__all__ = ["prune"]

_SHOWN = 5  # paths a warning names


class _Summary(NamedTuple):
    """Round one's answer for a shard: what the parent needs to choose and to warn."""

    total: int  # bytes of every file
    going: int  # bytes the age rule (and stale temporary files) remove
    # with a size cap, each entry it may evict: its last use, its bytes, its path (joined by NUL:
    # arrays and one string cross a pipe as bytes)
    uses: array[int]
    sizes: array[int]
    paths: str
    warnings: List[str]
    unattributed: List[str]


class _Prune:
    """One prune's settings, shared by every process (the children get them by fork)."""

    def __init__(self, cache: str, root: Handle, older_than: Optional[int], max_size: Optional[int],  # noqa: PLR0913
                 *, now: int, mtime_only: bool, dry_run: bool) -> None:  # fmt: skip
        self.cache, self.root = cache, root
        self.older_than, self.max_size = older_than, max_size
        self.now, self.mtime_only, self.dry_run = now, mtime_only, dry_run
        self.warnings: List[str] = []  # the size cap's, decided here

    def found(self) -> Found:
        return Found(self.now, self.older_than, self.mtime_only, identities=not self.dry_run)

    def summary(self, found: Found, warnings: List[str]) -> _Summary:
        going = sum(e.size for e in found.stale) + sum(
            e.size for e in found.entries if e.old and not e.recent
        )
        candidates = []
        if self.max_size is not None:
            candidates = [e for e in found.entries if not e.old and not e.recent]
        return _Summary(found.total, going, array("q", [e.key[0] for e in candidates]),
                        array("q", [e.size for e in candidates]),
                        "\0".join(e.key[1] for e in candidates), warnings,
                        found.unattributed)  # fmt: skip

    def threshold(self, summaries: Sequence[_Summary]) -> Optional[Key]:
        """The size cap as the largest key it evicts: least recently used first, then by path."""
        if self.max_size is None:
            return None
        left = sum(s.total for s in summaries) - sum(s.going for s in summaries)
        uses: List[int] = []
        sizes: List[int] = []
        paths: List[str] = []
        for summary in summaries:
            if summary.uses:
                uses.extend(summary.uses)
                sizes.extend(summary.sizes)
                paths.extend(summary.paths.split("\0"))
        key, evicted = _evict(uses, sizes, paths, left - self.max_size)
        if left - evicted > self.max_size:
            self.warnings.append(
                f"{left - evicted} bytes are left, over the cap of {self.max_size}: the rest was"
                " modified in the last few minutes or belongs to no entry"
            )
        return key

    def carry_out(
        self, top: Dir, view: Optional[DirNode], decision: Decision, *, keys: bool
    ) -> Done:
        """Report ``decision`` (a dry run) or have the executor delete exactly it."""
        return carry_out(top, view, decision, dry_run=self.dry_run, root=self.root,
                         cache=self.cache, keys=keys)  # fmt: skip


def _evict(
    uses: List[int], sizes: List[int], paths: List[str], excess: int
) -> Tuple[Optional[Key], int]:
    """The largest key (last use, path) of the entries that go, and their bytes.

    Entries go in key order until ``excess`` bytes went. They are sorted by last use alone
    (ints); only the entries that share the last one taken are put in order by path.
    """
    if excess <= 0 or not uses:
        return None, 0
    order = sorted(range(len(uses)), key=uses.__getitem__)
    position = taken = 0
    while position < len(order) - 1 and taken + sizes[order[position]] < excess:
        taken += sizes[order[position]]
        position += 1
    last = uses[order[position]]  # the last use of the last entry taken, whatever the ties
    start = position
    while start > 0 and uses[order[start - 1]] == last:
        start -= 1
        taken -= sizes[order[start]]
    end = position
    while end + 1 < len(order) and uses[order[end + 1]] == last:
        end += 1
    tied = sorted(order[start : end + 1], key=paths.__getitem__)
    for index in tied:
        taken += sizes[index]
        if taken >= excess:
            return (last, paths[index]), taken
    return (last, paths[tied[-1]]), taken  # every candidate goes, and that is not enough


class _Area(NamedTuple):
    """An area's top directory, listed: its shards are read by the workers, its files here."""

    name: str
    view: Optional[DirNode]  # the top directory itself, as the executor reaches it
    handle: Optional[Handle]  # open on it, for reading its shards; None: it could not be listed
    shards: List[Dir]
    files: Dir  # the top directory's own files (and links), as a shard's
    warnings: List[str]  # from opening it


def _open(root: Handle, cache: str, name: str) -> _Area:
    said: List[str] = []
    opened = open_area(root, cache, name, said)
    if opened is None:  # missing, a link, not a directory: nothing of it is read
        return _Area(name, None, None, [], shards.new_dir(name, ""), said)
    top, handle = opened
    files = shards.new_dir(top.name, top.path)
    files[DEV], files[INO] = top.identity
    files[FILES] = [(e.name, e.identity[0], e.identity[1], e.size, e.is_link,
                     e.stat.st_mtime_ns, e.stat.st_atime_ns)
                    for e in top.files if e.stat is not None]  # fmt: skip
    files[shards.LINKS] = [e.name for e in top.dir_links]
    subdirs = [shards.new_dir(child.name, child.path) for child in top.children]
    view = DirNode(top.name, top.path, top.identity, None)
    return _Area(name, view, handle, subdirs if handle is not None else [], files, said)


def prune(  # noqa: PLR0913 - keyword-only options, as PipCache.prune's
    cache_dir: Path,
    *,
    older_than: Optional[float] = None,
    max_size: Optional[int] = None,
    dry_run: bool = False,
    force: bool = False,
    now: Optional[int] = None,
    parallel: Optional[bool] = None,
) -> RemovalResult:
    """Remove the entries last used over ``older_than`` seconds ago, then LRU to ``max_size``.

    After the age rule, the least recently used entries go until at most ``max_size`` bytes of
    files are left in the areas.

    :param now: the time to count ages from, in ns (default: now).
    :param parallel: read in worker processes (one per core); ``None`` decides from the cache's
        size. The result is the same either way.
    :raises ValueError: neither rule, or a negative one.
    :raises UnsafeOperationError: the cache dir is a root or home directory (or an area links to
        one), without ``force``.
    """
    if older_than is None and max_size is None:
        raise ValueError("prune needs older_than, max_size or both")
    if (older_than is not None and older_than < 0) or (max_size is not None and max_size < 0):
        raise ValueError("older_than and max_size cannot be negative")
    ensure_safe_to_purge(cache_dir, force=force)
    ensure_link_targets_are_safe(cache_dir, AREAS, force=force)
    path = os.path.abspath(os.fspath(cache_dir))  # noqa: PTH100
    try:
        root = _fs.open_root(path)
    except (FileNotFoundError, _fs.NotADirectoryHere):
        return RemovalResult(0, 0, 0, (), matched=False, warnings=("Nothing to prune",),
                             dry_run=dry_run, backend="native")  # fmt: skip
    run = _Prune(path, root, None if older_than is None else int(older_than * 1_000_000_000),
                 max_size, now=time.time_ns() if now is None else now,
                 mtime_only=noatime_mount(path), dry_run=dry_run)  # fmt: skip
    try:
        with collector_paused():  # many small objects that all live until the end
            return _prune(run, parallel)
    finally:
        _fs.close(root)


def _prune(run: _Prune, parallel: Optional[bool]) -> RemovalResult:
    areas: List[_Area] = []
    try:
        areas.extend(_open(run.root, run.cache, name) for name in AREAS)
        return _rounds(run, areas, parallel)
    finally:
        for area in areas:
            if area.handle is not None:
                _fs.close(area.handle)


# What a worker keeps of a shard for round two: its entries, tree and area; or, decided at once
# (no size cap), what round two sends back.
_State = Tuple[Optional[Found], Dir, int, Optional[Done]]


def _rounds(run: _Prune, areas: List[_Area], parallel: Optional[bool]) -> RemovalResult:
    """Every shard in two rounds (by workers on a large cache), the areas' own files here."""
    jobs = [(a, i) for a, area in enumerate(areas) for i in range(len(area.shards))]

    def first(job: Tuple[int, int]) -> Tuple[_Summary, _State]:
        area = areas[job[0]]
        shard, found = area.shards[job[1]], run.found()
        warnings: List[str] = []
        assert area.handle is not None  # noqa: S101 - shards come from a listed top
        read_dir(area.handle, shard, area.name, found, warnings)
        summary = run.summary(found, warnings)
        if run.max_size is None:  # the age rule alone: nothing to wait for, decided at once
            decision = shards.decide(found, shard, area.name, None)
            return summary, (None, shard, job[0], run.carry_out(shard, area.view, decision,
                                                                keys=False))  # fmt: skip
        return summary, (found, shard, job[0], None)

    tops: List[Tuple[Found, _Summary]] = []  # each area's own files, sorted here
    for area in areas:
        found = run.found()
        shards.sort_files(area.files, area.name, found)
        tops.append((found, run.summary(found, [])))
    seen: List[_Summary] = []

    def choose(summaries: List[_Summary]) -> Optional[Key]:
        seen.extend(summaries)
        return run.threshold([*summaries, *(summary for _found, summary in tops)])

    def second(state: _State, threshold: Optional[Key]) -> Done:
        found, shard, a, done = state
        if done is not None:
            return done
        assert found is not None  # noqa: S101 - kept for round two
        decision = shards.decide(found, shard, areas[a].name, threshold)
        return run.carry_out(shard, areas[a].view, decision, keys=False)

    processes = workers() if scans.parallel(run.cache, AREAS, parallel) else 1
    threshold, done = fork_rounds(first, choose, second, jobs, processes)
    own = [
        run.carry_out(area.files, area.view,
                      shards.decide(found, area.files, area.name, threshold, removable=False),
                      keys=True)
        for area, (found, _summary) in zip(areas, tops)
    ]  # fmt: skip
    return _result(run, areas, dict(zip(jobs, zip(seen, done))), tops, own)


def _result(
    run: _Prune,
    areas: List[_Area],
    shard_done: Dict[Tuple[int, int], Tuple[_Summary, Done]],
    tops: List[Tuple[Found, _Summary]],
    own: List[Done],
) -> RemovalResult:
    """The shards' and the areas' answers as one result, in the order of the plan of old."""
    sep = os.sep
    warnings: List[str] = []
    unattributed: List[str] = []
    units: List[Tuple[str, str]] = []  # (sort key, removed files joined)
    after: List[str] = []
    answers: List[Done] = []
    for a, area in enumerate(areas):
        warnings.extend(area.warnings)
        unattributed.extend(tops[a][1].unattributed)
        answers.append(own[a])
        if own[a].files:
            units.extend(zip(own[a].keys, own[a].removed.split("\0")))
        for i, shard in enumerate(area.shards):
            summary, done = shard_done[(a, i)]
            warnings.extend(summary.warnings)
            unattributed.extend(summary.unattributed)
            units.append((f"{shard[PATH]}{sep}", done.removed))
            answers.append(done)
        # children before their parents
        after.extend(shard_done[(a, i)][1].after for i in reversed(range(len(area.shards))))
    try:  # the cache dir itself, as every scan lists it
        with _fs.list_dir(run.root, run.cache) as listing:
            next(listing, None)
    except OSError as exc:
        warnings.append(f"Could not read directory {run.cache}: {reason(exc)}")
    if run.mtime_only:
        warnings.append(noatime_warning(run.cache))
    warnings.extend(run.warnings)
    if unattributed:
        shown = ", ".join(unattributed[:_SHOWN])
        more = len(unattributed) - _SHOWN
        warnings.append(
            f"Left alone {len(unattributed)} file(s) that belong to no cache entry: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    units.sort(key=lambda unit: unit[0])
    files = sum(done.files for done in answers)
    matched = any(done.matched for done in answers)
    if not matched:
        warnings.insert(0, "Nothing to prune")
    for done in answers:
        warnings.extend(done.warnings)
    length = files + sum(done.after_count for done in answers)
    deleted = LazyPaths.joined([*(chunk for _key, chunk in units), *after], length)
    return RemovalResult(
        files_removed=files,
        bytes_removed=sum(done.size for done in answers),
        dirs_removed=sum(done.dirs for done in answers),
        removed=deleted.head(files),
        matched=matched,
        warnings=tuple(warnings),
        exact=True,
        dry_run=run.dry_run,
        backend="native",
        failed=tuple(Path(path) for done in answers for path in done.failed),
        deleted=deleted,
    )
