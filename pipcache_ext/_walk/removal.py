"""Removing shard by shard: each fan-out directory read, planned and deleted, then forgotten.

A whole-cache plan (:func:`~pipcache_ext._native.plan_for`) holds every file of the cache at
once: about 400 MiB for 300,000 files. Here each area's top directory is listed, then each of its
subdirectories (its *shards*: ``wheels/aa``, ``http-v2/0``, ...) is read, planned (with what
:func:`~pipcache_ext._plan.spare_recent` spares, when asked) and executed or reported, before the
next one is read; the top's own files go in their place, the top itself last. Memory is one
shard's; with ``paths=False`` no path is kept. The rules are the whole-cache plan's, chunk by
chunk: the same files counted in the same order, the same directories removed with the same
leftovers, the same guarantees (directories reached with ``O_NOFOLLOW`` and re-checked, files
re-checked before unlinking; a dry run reports exactly what the real run deletes). Only
``deleted`` differs: it lists a shard's directories right after its files.

With ``paths=False`` a large cache's shards are shared among forked workers
(:func:`~.forks.fork_map`, one per core), each sending back one small record per shard, added in
the shard's place: the result is the sequential one. A worker that dies has its shards run again
here, which deletes what it left; what it had deleted is then not counted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Collection, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

from .. import _fs
from .._execute import execute
from .._fs import Handle
from .._pipversions import AREAS, WHEELS, DeletionRules
from .._plan import (
    ALL,
    CacheScan,
    Plan,
    Spared,
    merged,
    plan_removal,
    recent_empty_dirs,
    scan_cache,
    spare_recent,
    spared_warning,
)
from .._scan import DirNode, FileEntry, open_area, read_subtree, release
from ..models import RemovalResult
from . import trees
from .forks import can_fork, fork_map, workers

__all__ = ["stream_removal"]


class _Run:
    """What one streamed removal gathers: counts, warnings, and the paths when they are kept."""

    def __init__(self, cache_dir: str, pattern: str, rules: DeletionRules, *, dry_run: bool,  # noqa: PLR0913
                 paths: bool, spare_at: Optional[int] = None) -> None:  # fmt: skip
        self.cache = cache_dir
        self.pattern = pattern
        self.rules = rules
        self.dry_run = dry_run
        self.paths = paths
        self.spare_at = spare_at  # leave what pip may be using (_plan.spare_recent), from then
        self.spared = Spared((), 0, 0, 0)
        self.unspared: Set[int] = set()  # ids of the last plan's directories before sparing
        self.unspared_files: Set[int] = set()  # and of the files it counted
        self.files = self.size = self.dirs = 0
        self.matched = False
        self.removed: List[str] = []
        self.deleted: List[str] = []
        self.failed: List[str] = []
        self.scan_warnings: List[str] = []
        self.run_warnings: List[str] = []

    def plan(self, top: DirNode, *, keep_top: bool = False, files_only: bool = False,
             recent: Collection[int] = ()) -> Plan:  # fmt: skip
        """The plan for one area's (partial) tree ``top`` (see the flags' comments below)."""
        # keep_top: not top; files_only: no directory; recent: ids of dirs empty and recently
        # modified when read (their time now may be this run's own removals)
        plan = plan_removal(CacheScan(self.cache, {top.name: top}, None, (), ()), self.pattern,
                            self.rules)  # fmt: skip
        if files_only:
            plan = plan._replace(dirs=[], leftovers={})
        elif keep_top:
            plan = _without(plan, top)
        self.unspared = {id(node) for node in plan.dirs}
        self.unspared_files = {id(entry) for _node, entry in plan.counted}
        if self.spare_at is None:
            return plan
        made = recent_empty_dirs([d for d in plan.dirs if d.parent is not None], self.spare_at)
        return spare_recent(plan, self.spare_at, made | set(recent))

    def apply(self, plan: Plan, root: Handle) -> bool:
        """Run one chunk's plan (a dry run: report it); whether something meant to go stayed."""
        self.matched = self.matched or bool(plan.counted)
        if plan.spared is not None:
            self.matched = self.matched or plan.spared.counted > 0
            self.spared = merged(self.spared, plan.spared)
        if self.dry_run:
            self.files += len(plan.counted)
            self.size += plan.counted_bytes
            self.dirs += len(plan.dirs)
            if self.paths:
                self.removed.extend(node.child_path(entry.name) for node, entry in plan.counted)
                self.deleted.extend(plan.paths(self.cache))
            return False
        outcome = execute(plan, root, self.cache)
        self.files += len(outcome.removed)
        self.size += outcome.bytes_removed
        self.dirs += outcome.dirs_removed
        if self.paths:
            self.removed.extend(outcome.removed)
            self.deleted.extend(outcome.deleted)
        self.failed.extend(outcome.failed)
        self.run_warnings.extend(outcome.warnings)
        return bool(outcome.failed)


def _view(top: DirNode) -> DirNode:
    """A stand-in for the area's top directory: the same name, path and identity, nothing in it."""
    view = DirNode(top.name, top.path, top.identity, None)
    view.gone, view.readable = top.gone, top.readable
    return view


def _without(plan: Plan, node: DirNode) -> Plan:
    """``plan`` without removing ``node`` (the top directory: that is decided last)."""
    leftovers = {key: value for key, value in plan.leftovers.items() if key != id(node)}
    return plan._replace(dirs=[d for d in plan.dirs if d is not node], leftovers=leftovers)


class _Area:
    """One area's top directory, streamed: its shards and files in order, the top itself last."""

    def __init__(self, run: _Run, root: Handle, top: DirNode, *, recent: bool = False) -> None:
        self.run = run
        self.root = root
        self.top = top
        self.recent = recent  # empty and recently modified when opened (spare_at only)
        self.stayed = False  # something below meant to go stayed: so does the top directory
        self.kept: List[DirNode] = []  # shards the plans keep
        self.spared: Set[int] = set()  # ids of those kept only because pip may be using them
        self.counted: Set[int] = set()  # ids of the top's files counted in their chunks

    def shard(self, handle: Handle, shard: DirNode) -> None:
        read_subtree(handle, shard, self.run.scan_warnings)
        view = _view(self.top)
        view.children.append(shard)
        shard.parent = view
        plan = self.run.plan(view, keep_top=True)
        if not shard.gone and not any(node is shard for node in plan.dirs):
            self.kept.append(shard)
            if id(shard) in self.run.unspared:
                self.spared.add(id(shard))
        self.stayed = self.run.apply(plan, self.root) or self.stayed
        release(shard)

    def files(self, entries: List[FileEntry]) -> None:
        if not entries:
            return
        view = _view(self.top)
        view.files.extend(entries)
        plan = self.run.plan(view, files_only=True)
        self.counted.update(self.run.unspared_files)  # spared or not, not leftovers of the top
        self.stayed = self.run.apply(plan, self.root) or self.stayed

    def add(self, shard: DirNode, record: _Record) -> None:
        """A shard run by a worker, as if run here."""
        run = self.run
        run.files += record.files
        run.size += record.size
        run.dirs += record.dirs
        run.matched = run.matched or record.matched
        run.scan_warnings.extend(record.scan_warnings)
        run.run_warnings.extend(record.run_warnings)
        run.failed.extend(record.failed)
        run.spared = merged(run.spared, record.spared)
        if record.kept:
            self.kept.append(shard)
            if record.kept_spared:
                self.spared.add(id(shard))
        self.stayed = self.stayed or record.stayed

    def finish(self) -> None:
        """The top directory: removed when the plans remove everything below it."""
        final = _view(self.top)
        final.files = [entry for entry in self.top.files if id(entry) not in self.counted]
        final.dir_links = list(self.top.dir_links)
        recent = {id(final)} if self.recent else set()
        for shard in self.kept:  # what stays below, as a directory the plan must keep
            shell = DirNode(shard.name, shard.path, shard.identity, final)
            if id(shard) in self.spared:  # one the plan removes, and sparing keeps (as before)
                recent.add(id(shell))
            else:
                shell.readable = False
            final.children.append(shell)
        plan = self.run.plan(final, recent=recent)
        shells = len(recent - {id(final)})
        if plan.spared is not None and shells:  # each was said when its shard was spared
            plan = plan._replace(spared=plan.spared._replace(dirs=plan.spared.dirs - shells))
        if self.stayed and any(node is final for node in plan.dirs):
            # as the whole-cache run does for a directory something stayed in
            leftovers = (final.child_path(entry.name) for entry in plan.leftovers[id(final)])
            self.run.failed.extend(path for path in leftovers if os.path.lexists(path))
            self.run.failed.append(final.path)
            plan = _without(plan, final)
        self.run.apply(plan, self.root)


class _Opened(NamedTuple):
    """An area's top directory, listed: its shards and files in the whole-cache plan's order."""

    top: DirNode
    handle: Optional[Handle]  # open on it, for reading its shards; None: it could not be listed
    items: List[Union[DirNode, FileEntry]]
    warnings: List[str]  # from opening it
    recent: bool = False  # empty and recently modified (read only when sparing)


def _open(run: _Run, root: Handle, name: str) -> Optional[_Opened]:
    warnings: List[str] = []
    opened = open_area(root, run.cache, name, warnings)
    if opened is None:
        run.scan_warnings.extend(warnings)  # nothing else will come of this area
        return None
    top, handle = opened
    # the order of the whole-cache plan: paths sorted, a shard's files after "name/"
    keyed: List[Tuple[str, Union[DirNode, FileEntry]]] = [
        *((f"{child.name}/", child) for child in top.children),
        *((entry.name, entry) for entry in top.files),
    ]
    keyed.sort(key=lambda item: item[0])
    recent = run.spare_at is not None and bool(recent_empty_dirs([top], run.spare_at))
    return _Opened(top, handle, [item for _key, item in keyed], warnings, recent)


class _Record(NamedTuple):
    """What one shard's run gave, sent back by the worker that ran it."""

    files: int
    size: int
    dirs: int
    matched: bool
    scan_warnings: List[str]
    run_warnings: List[str]
    failed: List[str]
    kept: bool  # the plan keeps the shard directory
    stayed: bool  # something meant to go stayed
    spared: Spared  # what the plan left because pip may be using it
    kept_spared: bool  # kept only because of that


def _run_shard(run: _Run, root: Handle, opened: _Opened, shard: DirNode) -> _Record:
    """One shard read, planned and run on its own (in a worker), as a :class:`_Record`."""
    assert opened.handle is not None  # noqa: S101 - shards come from a listed top
    sub = _Run(run.cache, run.pattern, run.rules, dry_run=run.dry_run, paths=False,
               spare_at=run.spare_at)  # fmt: skip
    area = _Area(sub, root, opened.top)
    area.shard(opened.handle, shard)
    return _Record(sub.files, sub.size, sub.dirs, sub.matched, sub.scan_warnings,
                   sub.run_warnings, sub.failed, bool(area.kept), area.stayed,
                   sub.spared, bool(area.spared))  # fmt: skip


def _replay(
    run: _Run, root: Handle, opened: _Opened, records: Optional[Dict[int, _Record]] = None
) -> None:
    """The area in order: each shard run here (or its worker's record added), then the top."""
    run.scan_warnings.extend(opened.warnings)
    area = _Area(run, root, opened.top, recent=opened.recent)
    pending: List[FileEntry] = []
    for item in opened.items:
        if not isinstance(item, DirNode):
            pending.append(item)
            continue
        area.files(pending)
        pending = []
        record = None if records is None else records.get(id(item))
        if record is None:
            assert opened.handle is not None  # noqa: S101 - shards come from a listed top
            area.shard(opened.handle, item)
        else:
            area.add(item, record)
    area.files(pending)
    area.finish()


def _stream_area(run: _Run, root: Handle, name: str) -> None:
    opened = _open(run, root, name)
    if opened is None:
        return
    try:
        _replay(run, root, opened)
    finally:
        if opened.handle is not None:
            _fs.close(opened.handle)


def _stream_parallel(run: _Run, root: Handle, names: Sequence[str], processes: int) -> None:
    """Every area's shards shared among forked workers; the tops and files done here, in order.

    The result is the sequential one: each shard's record is added in the shard's place.
    """
    areas: List[Optional[_Opened]] = []
    try:
        areas.extend(_open(run, root, name) for name in names)
        jobs = [(opened, item) for opened in areas if opened is not None
                for item in opened.items if isinstance(item, DirNode)]  # fmt: skip
        parts = [jobs[i::processes] for i in range(min(processes, len(jobs)))]

        def work(part: List[Tuple[_Opened, DirNode]]) -> List[_Record]:
            return [_run_shard(run, root, opened, shard) for opened, shard in part]

        records: Dict[int, _Record] = {}
        for part, done in zip(parts, fork_map(work, parts)):
            records.update((id(shard), record) for (_opened, shard), record in zip(part, done))
        for opened in areas:
            if opened is not None:
                _replay(run, root, opened, records)
    finally:
        for opened in areas:
            if opened is not None and opened.handle is not None:
                _fs.close(opened.handle)


def _large(cache: str, names: Sequence[str]) -> bool:
    """Whether the areas likely hold enough files for workers to pay (the walk's first look)."""
    guess = sum(trees.estimate(str(Path(cache, name))) for name in names)
    return guess >= trees.PARALLEL_MIN_FILES


def _order(rules: DeletionRules, pattern: str) -> List[str]:
    """The areas to walk: wheels, the HTTP areas in the order pip clears them, the rest."""
    areas = rules.areas(pattern_is_all=pattern == ALL)
    first = [WHEELS, *(rules.http_for_all if pattern == ALL else ())]
    ordered = [name for name in first if name in areas]
    return ordered + [name for name in AREAS if name in areas and name not in ordered]


def stream_removal(  # noqa: PLR0913 - keyword-only options
    cache_dir: Path, pattern: str, rules: DeletionRules, *, dry_run: bool, paths: bool = True,
    spare_at: Optional[int] = None,
) -> RemovalResult:  # fmt: skip
    """``remove <pattern>`` (``*``: ``purge``) of ``rules``' pip on ``cache_dir``, streamed.

    :param cache_dir: the cache dir, absolute; its guards have been checked.
    :param dry_run: delete nothing, report what the real run deletes.
    :param paths: keep every path for ``removed`` and ``deleted``; ``False`` leaves both empty
        (the counts are the same), so memory stays flat in the number of files.
    :param spare_at: leave what :func:`~pipcache_ext._plan.spare_recent` spares at this time (ns).
    """
    cache = os.fspath(cache_dir)
    run = _Run(cache, pattern, rules, dry_run=dry_run, paths=paths, spare_at=spare_at)
    no_match = plan_removal(CacheScan(cache, {}, None, (), ()), pattern, rules).no_match
    try:
        root = _fs.open_root(cache)
    except (FileNotFoundError, _fs.NotADirectoryHere):
        said = () if no_match is None else (no_match,)
        return RemovalResult(
            0, 0, 0, (), matched=False, warnings=said, dry_run=dry_run, backend="native"
        )
    names = _order(rules, pattern)
    processes = workers()
    try:
        if not paths and processes > 1 and can_fork() and _large(cache, names):
            _stream_parallel(run, root, names, processes)
        else:
            for name in names:
                _stream_area(run, root, name)
        loose = scan_cache(root, cache, ())  # what lies at the top: selfcheck.json
        run.scan_warnings.extend(loose.warnings)
        if rules.selfcheck_json and loose.selfcheck_json is not None:
            run.apply(Plan([], [], {}, loose.selfcheck_json, None), root)
    finally:
        _fs.close(root)
    warnings: List[str] = [] if run.matched or no_match is None else [no_match]
    spared = run.spared
    if spared.size or spared.counted or spared.dirs or spared.files:
        run.scan_warnings.append(spared_warning(spared))
    return RemovalResult(
        files_removed=run.files,
        bytes_removed=run.size,
        dirs_removed=run.dirs,
        removed=tuple(Path(path) for path in run.removed),
        matched=run.matched,
        warnings=(*warnings, *run.scan_warnings, *run.run_warnings),
        exact=True,
        dry_run=dry_run,
        backend="native",
        failed=tuple(Path(path) for path in run.failed),
        deleted=tuple(Path(path) for path in run.deleted),
        spared=tuple(Path(path) for path in spared.files),
    )
