"""The in-process ("native") backend: ``pip cache info/list/remove/purge`` done on the filesystem.

The semantics are those of the newest pip (26.3, whose ``commands/cache.py`` is 26.2's):

- a *file* is what :func:`os.walk` puts in ``filenames``: anything that is not a directory once
  symlinks are followed (regular files, symlinks to files, broken symlinks, ...). A symlink to a
  directory is neither counted nor followed. A symlinked file counts as 0 bytes;
- ``remove`` deletes the files under ``wheels/`` whose basename matches pip's glob
  (:func:`pipcache_ext._patterns.pip_glob`); the exact pattern ``*`` (and ``purge``) also deletes
  every file under ``http/`` and ``http-v2/``;
- then, on every ``remove``/``purge``, the 26.x cleanup: each directory under ``http/`` and
  ``http-v2/`` with no file beneath it, and each directory under ``wheels/`` with no ``*.whl``
  beneath it, is deleted with the files left in it (``origin.json``, strays), top directories
  included; so is a legacy ``<cache>/selfcheck.json``. Only the directories are counted.

Deletion is one scan (:mod:`pipcache_ext._plan`), one plan and its execution relative to
directory file descriptors (:mod:`pipcache_ext._execute`). Where this differs from pip, it is to be
safer: symlinked directories are never followed (pip resolves a symlinked ``wheels/``, ``http/`` or
``http-v2/`` and empties its target), a directory swapped for a symlink during the run cannot
redirect it, unreadable directories are kept with a warning instead of crashing, files that vanish
while the cache is walked are skipped, only entries seen during the scan are deleted, directories
are removed with ``rmdir`` (never recursively), and cleaning a filesystem root, a home directory or
an ancestor of one, or purging a directory that is not a pip cache, needs ``force=True``.

With ``spare_recent`` (what :class:`~pipcache_ext.PipCache` asks by default) the whole entries
pip may be writing or about to install are left out of the plan (:func:`~._plan.spare_recent`),
and the warnings say so; remove and purge spare shard by shard too (:mod:`~._walk.removal`).
"""

# Paths are handled as str with os.* calls on purpose: this module is benchmarked against du.
# ruff: noqa: PTH100

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from pipcache_ext import _fs
from pipcache_ext._execute import execute
from pipcache_ext._guard import (
    ensure_link_targets_are_safe,
    ensure_looks_like_a_cache,
    ensure_safe_to_purge,
)
from pipcache_ext._patterns import pattern_matcher, pip_glob, validate_pattern
from pipcache_ext._pipversions import AREAS, WHEELS, DeletionRules, deletion_rules
from pipcache_ext._plan import (
    ALL,
    CacheScan,
    Plan,
    plan_removal,
    recent_empty_dirs,
    scan_cache,
    spare_recent,
    spared_warning,
)
from pipcache_ext._walk import iter_files, tally_trees
from pipcache_ext._walk.paths import paths_of
from pipcache_ext._walk.removal import stream_removal
from pipcache_ext.models import CachedWheel, CacheInfo, RemovalResult

__all__ = [
    "ensure_safe_to_purge",
    "native_info",
    "native_list",
    "native_purge",
    "native_remove",
    "plan_for",
    "planned_result",
]

_WHEEL_COUNT_GLOB = pip_glob(ALL)  # "*-*.whl": what `pip cache info` counts as a wheel


def _file_size(path: str, is_link: bool) -> Optional[int]:
    """Size a file by pip's rule (a symlink is 0 bytes); ``None`` if gone or unreadable."""
    if is_link:
        return 0
    try:
        return os.lstat(path).st_size
    except OSError:
        return None


def _absolute(cache_dir: Path) -> Path:
    return Path(os.path.abspath(os.fspath(cache_dir)))


def native_info(
    cache_dir: Path, *, pip_version: Optional[str], rules: Optional[str] = None
) -> CacheInfo:
    """Measure a pip cache in one pass, as ``pip cache info`` reports it, but exact.

    A large cache is walked by one process per core (:mod:`pipcache_ext._walk`), with the
    counts of the sequential walk.

    :param cache_dir: the cache directory (it need not exist: everything is then 0).
    :param pip_version: the interpreter's pip version, recorded in the result.
    :param rules: count as this pip release does (``None``: the newest, 26.3). Only the HTTP part
        differs: none before 20.3 (``http_*`` are then ``None``), ``http/`` until 23.2, then
        ``http-v2/`` and ``http/``.
    :returns: a :class:`CacheInfo` with ``exact=True`` and ``backend="native"``. ``wheel_count``
        counts ``*-*.whl`` files anywhere under ``wheels/``; ``wheels_size`` is the bytes of every
        file there.
    """
    root = _absolute(cache_dir)
    wheels_dir = root / WHEELS
    # pip prints the newest location first
    http_dirs = tuple(root / name for name in deletion_rules(rules).counted_http)
    trees: List[Tuple[str, Optional[Callable[[str], bool]]]]
    trees = [(str(wheels_dir), pattern_matcher(_WHEEL_COUNT_GLOB))]
    trees.extend((str(http_dir), None) for http_dir in http_dirs)
    (_files, wheels_size, wheel_count), *http = tally_trees(trees)
    http_files = sum(count for count, _size, _ in http)
    http_size = sum(size for _count, size, _ in http)
    return CacheInfo(
        cache_dir=root,
        wheels_dir=wheels_dir,
        wheel_count=wheel_count,
        wheels_size=wheels_size,
        http_dirs=http_dirs,
        http_files=http_files if http_dirs else None,
        http_size=http_size if http_dirs else None,
        exact=True,
        backend="native",
        pip_version=pip_version,
    )


def native_list(cache_dir: Path, pattern: Optional[str]) -> List[CachedWheel]:
    """List the wheels under ``wheels/`` that ``pip cache list [pattern]`` shows.

    :param cache_dir: the cache directory (it need not exist).
    :param pattern: pip's pattern, ``None`` for all (``*``). ``-`` in it appends ``*.whl``,
        otherwise ``-*.whl``; the glob is matched against basenames, without name normalisation.
    :returns: one :class:`CachedWheel` per matching file (a basename cached twice appears twice),
        sorted by (filename, path); sizes are exact, symlinks count 0 bytes.
    :raises InvalidPatternError: for an empty pattern or one containing a path separator.
    """
    # the wheel-name parser (packaging's tags) is list's alone: info and purge do not import it
    from pipcache_ext._parsers.list import wheel_name_version  # noqa: PLC0415

    if pattern is None:
        pattern = ALL
    validate_pattern(pattern)
    match = pattern_matcher(pip_glob(pattern))
    wheels_dir = _absolute(cache_dir) / WHEELS
    result: List[CachedWheel] = []
    for path, name, is_link in iter_files(str(wheels_dir)):
        if not match(name):
            continue
        size = _file_size(path, is_link)
        if size is None:
            continue
        project, version = wheel_name_version(name)
        result.append(
            CachedWheel(
                filename=name, name=project, version=version, size=size, path=Path(path), exact=True
            )
        )
    result.sort(key=lambda wheel: (wheel.filename, str(wheel.path)))
    return result


class PlannedRemoval(NamedTuple):
    """A plan with the scan it was made from, for one cache dir."""

    cache_dir: Path
    scan: CacheScan
    plan: Plan
    rules: DeletionRules


def plan_for(
    cache_dir: Path,
    pattern: str,
    *,
    rules: Optional[str],
    root: Optional[_fs.Handle] = None,
    spare_at: Optional[int] = None,
) -> PlannedRemoval:
    """Scan the dirs ``pattern``'s removal touches (under ``rules``' pip) and plan it.

    :param root: the cache dir, already open; ``None`` opens (and closes) it here.
    :param spare_at: leave the entries modified in the few minutes before this time (ns), and
        the empty directories made then (:func:`~pipcache_ext._plan.spare_recent`).
    """
    pip_rules = deletion_rules(rules)
    path = _absolute(cache_dir)
    areas = pip_rules.areas(pattern_is_all=pattern == ALL)
    if root is not None:
        scan = scan_cache(root, str(path), areas)
    else:
        try:
            handle = _fs.open_root(str(path))
        except (FileNotFoundError, _fs.NotADirectoryHere):
            scan = CacheScan(str(path), dict.fromkeys(areas), None, (), ())
        else:
            try:
                scan = scan_cache(handle, str(path), areas)
            finally:
                _fs.close(handle)
    plan = plan_removal(scan, pattern, pip_rules)
    if spare_at is not None:
        plan = spare_recent(plan, spare_at, recent_empty_dirs(plan.dirs, spare_at))
    return PlannedRemoval(path, scan, plan, pip_rules)


def planned_result(planned: PlannedRemoval, *, dry_run: bool) -> RemovalResult:
    """Run (or, dry, only report) a plan, as a :class:`RemovalResult`."""
    plan = planned.plan
    warnings = list(planned.scan.warnings)
    if plan.no_match is not None:
        warnings.insert(0, plan.no_match)
    if plan.spared is not None:
        warnings.append(spared_warning(plan.spared))
    matched = bool(plan.counted) or (plan.spared is not None and plan.spared.counted > 0)
    made: Dict[str, Path] = {}  # each path made once, shared by the result's tuples
    spared: Tuple[Path, ...] = () if plan.spared is None else paths_of(plan.spared.files, made)
    cache = str(planned.cache_dir)
    if dry_run:
        deleted = tuple(plan.path_objects(cache))
        return RemovalResult(
            files_removed=len(plan.counted),
            bytes_removed=plan.counted_bytes,
            dirs_removed=len(plan.dirs),
            removed=deleted[: len(plan.counted)],  # Plan.paths: the counted files first
            matched=matched,
            warnings=tuple(warnings),
            exact=True,
            dry_run=True,
            backend="native",
            deleted=deleted,
            spared=spared,
        )
    try:
        root = _fs.open_root(cache)
    except (FileNotFoundError, _fs.NotADirectoryHere):
        outcome = None
    else:
        try:
            outcome = execute(plan, root, cache)
        finally:
            _fs.close(root)
    if outcome is None:  # the cache dir itself vanished since the scan
        return RemovalResult(0, 0, 0, (), matched, tuple(warnings), backend="native", spared=spared)
    return RemovalResult(
        files_removed=len(outcome.removed),
        bytes_removed=outcome.bytes_removed,
        dirs_removed=outcome.dirs_removed,
        deleted=paths_of(outcome.deleted, made),
        removed=paths_of(outcome.removed, made),
        matched=matched,
        warnings=(*warnings, *outcome.warnings),
        exact=True,
        dry_run=False,
        backend="native",
        failed=paths_of(outcome.failed, made),
        spared=spared,
    )


def _remove(  # noqa: PLR0913 - keyword-only options
    cache_dir: Path,
    pattern: str,
    *,
    dry_run: bool,
    force: bool,
    rules: Optional[str],
    paths: bool = True,
    spare_recent: bool = False,
    now: Optional[int] = None,
) -> RemovalResult:
    validate_pattern(pattern)
    ensure_safe_to_purge(cache_dir, force=force)
    ensure_link_targets_are_safe(cache_dir, AREAS, force=force)
    if pattern == ALL:
        ensure_looks_like_a_cache(cache_dir, force=force)
    moment = None if not spare_recent else time.time_ns() if now is None else now
    # shard by shard, in flat memory: the same result as planned_result(plan_for(...))
    rules_used = deletion_rules(rules)
    return stream_removal(_absolute(cache_dir), pattern, rules_used, dry_run=dry_run, paths=paths,
                          spare_at=moment)  # fmt: skip


def native_remove(  # noqa: PLR0913 - keyword-only options
    cache_dir: Path,
    pattern: str,
    *,
    dry_run: bool = False,
    rules: Optional[str] = None,
    force: bool = False,
    paths: bool = True,
    spare_recent: bool = False,
    now: Optional[int] = None,
) -> RemovalResult:
    """Do what pip 26.3's ``pip cache remove <pattern>`` does, safely.

    Deletes the files under ``wheels/`` whose basename matches pip's glob for ``pattern``; the
    exact pattern ``*`` also deletes every file under ``http/`` and ``http-v2/``. Then removes the
    directories pip 26.x cleans up (see the module docstring) and ``<cache>/selfcheck.json``.

    :param cache_dir: the cache directory (it need not exist).
    :param pattern: pip's pattern (``six``, ``six-1.16``, ``six*``, ``*``).
    :param dry_run: delete nothing and report what a real run would delete.
    :param rules: imitate this pip release's rules (which HTTP dirs ``*`` clears, whether
        and where the 26.x cleanup runs, the no-match wording); ``None`` means pip 26.3.
    :param force: allow a cache dir that is a filesystem root, a home directory or an ancestor
        of one, or (for ``*``) a directory that does not look like a pip cache.
    :param paths: list every path in ``removed`` and ``deleted``; ``False`` leaves both empty
        (counts, ``failed`` and ``warnings`` are the same) and keeps memory flat however large
        the cache: it is read, planned and deleted one fan-out directory at a time.
    :param spare_recent: leave the whole entries with a file modified in the last five minutes
        and the empty directories made then (pip may be writing them or about to install them),
        and say so in ``warnings`` (:func:`~pipcache_ext._plan.spare_recent`). The cache is then
        planned whole (not shard by shard). ``False`` (the default here): pip's own rule.
    :param now: the time (ns) ``spare_recent`` counts from (default: now).
    :returns: a :class:`RemovalResult` with exact counts; directories the cleanup removes (or, in
        a dry run, would remove) are counted in ``dirs_removed``, their leftover files are not.
        ``deleted`` lists every path removed, ``failed`` what was meant to go and is still there;
        ``warnings`` carries pip's ``No matching packages`` wording and any file or directory that
        could not be read or deleted.
    :raises InvalidPatternError: for an empty pattern or one containing a path separator.
    :raises UnsafeOperationError: for a root / home cache dir without ``force``.
    """
    return _remove(
        cache_dir, pattern, dry_run=dry_run, force=force, rules=rules, paths=paths,
        spare_recent=spare_recent, now=now,
    )  # fmt: skip


def native_purge(  # noqa: PLR0913 - keyword-only options
    cache_dir: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    rules: Optional[str] = None,
    paths: bool = True,
    spare_recent: bool = False,
    now: Optional[int] = None,
) -> RemovalResult:
    """Do what pip 26.3's ``pip cache purge`` does (``remove '*'``), safely.

    :param cache_dir: the cache directory (it need not exist).
    :param dry_run: delete nothing and report what a real run would delete.
    :param force: allow a cache dir that is a filesystem root, a home directory or an ancestor
        of one, or a directory that does not look like a pip cache.
    :param rules: imitate this pip release's rules (which HTTP dirs ``*`` clears, whether
        and where the 26.x cleanup runs, the no-match wording); ``None`` means pip 26.3.
    :param paths: list every path in ``removed`` and ``deleted`` (see :func:`native_remove`).
    :param spare_recent: leave what pip may be using (see :func:`native_remove`).
    :param now: the time (ns) ``spare_recent`` counts from (default: now).
    :returns: a :class:`RemovalResult`, as :func:`native_remove` with the pattern ``*``.
    :raises UnsafeOperationError: when ``cache_dir`` (resolved) is a filesystem root, a home
        directory or an ancestor of one, or not a pip cache, and ``force`` is not set.
    """
    return _remove(
        cache_dir, ALL, dry_run=dry_run, force=force, rules=rules, paths=paths,
        spare_recent=spare_recent, now=now,
    )  # fmt: skip
