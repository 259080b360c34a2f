"""Prune: whole entries by last use, older than a cut-off and then to a size cap.

One scan of ``wheels/``, ``http/`` and ``http-v2/`` (:func:`~pipcache_ext._plan.scan_cache`;
a large cache's by forked workers, :mod:`~pipcache_ext._walk.scans`, the same trees) serves the
whole decision; the result is a :class:`~pipcache_ext._plan.Plan` of whole entries
(``Plan.entries``), run by the common executor (:func:`~pipcache_ext._native.planned_result`:
directory handles, identities re-checked, dry run == real run). Nothing is read but ``lstat``.

Entries: a wheel under ``wheels/`` (its ``origin.json`` goes with its directory once the
directory holds no other wheel); an HTTP entry (``http-v2``: ``<key>`` then ``<key>.body``;
``http``: ``<key>``). Half-written ``*.tmp`` files older than an hour always go. Anything else
(a stray, a directory link) cannot be attributed: it stays, and a warning names it. Nothing
modified in the last five minutes is pruned (pip writes a temporary file and renames it), and
nothing outside the three areas (``selfcheck/``, ``selfcheck.json``, other files) is looked at.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

from .. import _fs
from .._guard import ensure_link_targets_are_safe, ensure_safe_to_purge
from .._native import PlannedRemoval, planned_result
from .._pipversions import AREAS, HTTP_V2, WHEELS, deletion_rules
from .._plan import CacheScan, Plan, scan_cache
from .._scan import DirNode, FileEntry, collector_paused, release
from .._walk import scans
from .._walk.emptied import emptied_dirs
from ..models import RemovalResult
from .lastuse import (
    TEMP_AGE_NS,
    is_temporary,
    last_use_ns,
    noatime_mount,
    noatime_warning,
    recently_written,
)

__all__ = ["CacheEntry", "cache_entries", "plan_prune", "prune"]

_KEY = re.compile(r"[0-9a-f]{56}")
_BODY = ".body"
_ORIGIN = "origin.json"
_SHOWN = 5  # paths a warning names

Part = Tuple[DirNode, FileEntry]


class CacheEntry(NamedTuple):
    """A whole entry: its files in deletion order, its bytes, its last use."""

    parts: Tuple[Part, ...]
    size: int  # with the origin.json that goes with a directory's only wheel
    last_use: int  # ns
    recent: bool  # a file of it was modified in the last few minutes
    path: str  # its first file


class Entries(NamedTuple):
    """Every file of the areas, sorted into entries, temporary files and the unattributed."""

    orders: Dict[str, List[DirNode]]  # each area's directories, parents first
    entries: List[CacheEntry]
    stale_temps: List[CacheEntry]  # *.tmp older than an hour
    unattributed: List[str]
    total: int  # bytes of every file in the areas


def _entry(parts: List[Part], extra: List[FileEntry], now: int, mtime_only: bool) -> CacheEntry:
    size = last = 0
    recent = False
    for entry in [part[1] for part in parts] + extra:
        size += entry.size
        st = entry.stat
        if st is not None:
            last = max(last, last_use_ns(st, mtime_only=mtime_only, is_link=entry.is_link))
            recent = recent or recently_written(st, now)
    return CacheEntry(tuple(parts), size, last, recent, parts[0][0].child_path(parts[0][1].name))


def _groups(node: DirNode, area: str) -> Tuple[List[List[Part]], List[FileEntry], List[FileEntry]]:
    """``(entries, origin.json files, the rest)`` of one directory of ``area``."""
    groups: List[List[Part]] = []
    origins: List[FileEntry] = []
    rest: List[FileEntry] = []
    names = {entry.name: entry for entry in node.files}
    for entry in node.files:
        name = entry.name
        if area == WHEELS:
            if name.endswith(".whl") and "-" in name:
                groups.append([(node, entry)])
            elif name == _ORIGIN:
                origins.append(entry)
            else:
                rest.append(entry)
        elif _KEY.fullmatch(name):
            group = [(node, entry)]
            body = names.get(name + _BODY) if area == HTTP_V2 else None
            if body is not None:
                group.append((node, body))  # the metadata file first, then the body
            groups.append(group)
        elif area == HTTP_V2 and name.endswith(_BODY) and _KEY.fullmatch(name[: -len(_BODY)]):
            if name[: -len(_BODY)] not in names:
                groups.append([(node, entry)])  # a body whose metadata file is gone
        else:
            rest.append(entry)
    return groups, origins, rest


def cache_entries(scan: CacheScan, *, now: int, mtime_only: bool) -> Entries:
    """Sort every file of ``scan``'s areas into whole entries (see the module docstring)."""
    found = Entries({}, [], [], [], 0)
    total = 0
    for area in AREAS:
        tree = scan.trees.get(area)
        if tree is None:
            continue
        found.orders[area] = tree.preorder()
        for node in found.orders[area]:
            if node.dir_links:
                found.unattributed.extend(node.child_path(e.name) for e in node.dir_links)
            if node.files:  # most directories only lead to others
                total += sum(entry.size for entry in node.files)
                _sort_files(node, area, found, now, mtime_only)
    return found._replace(total=total)


def _sort_files(node: DirNode, area: str, found: Entries, now: int, mtime_only: bool) -> None:
    """Put each file of ``node`` in its entry, with the stale temporary files, or unattributed."""
    groups, origins, rest = _groups(node, area)
    for group in groups:
        extra = origins if area == WHEELS and len(groups) == 1 else []
        found.entries.append(_entry(group, extra, now, mtime_only))
    if origins and not groups:
        found.unattributed.extend(node.child_path(e.name) for e in origins)
    for entry in rest:
        if not is_temporary(entry.name):
            found.unattributed.append(node.child_path(entry.name))
        elif entry.stat is not None and entry.stat.st_mtime_ns < now - TEMP_AGE_NS:
            found.stale_temps.append(_entry([(node, entry)], [], now, mtime_only))


def _keeps(wheels: bool, staying: List[FileEntry]) -> bool:
    """A directory stays for any file that stays, but a wheel's ``origin.json``."""
    return bool(staying) and not (wheels and all(e.name == _ORIGIN for e in staying))


def plan_prune(
    scan: CacheScan,
    *,
    older_than_ns: Optional[int],
    max_size: Optional[int],
    now: int,
    mtime_only: bool = False,
) -> Tuple[Plan, List[str]]:
    """What a prune removes from ``scan``, and its warnings (a pure function of its arguments)."""
    found = cache_entries(scan, now=now, mtime_only=mtime_only)
    going: List[CacheEntry] = list(found.stale_temps)
    staying: List[CacheEntry] = []
    for entry in found.entries:
        old = older_than_ns is not None and entry.last_use < now - older_than_ns
        (going if old and not entry.recent else staying).append(entry)
    warnings: List[str] = []
    if max_size is not None:
        left = found.total - sum(entry.size for entry in going)
        candidates = sorted(
            (entry for entry in staying if not entry.recent), key=lambda e: (e.last_use, e.path)
        )
        for entry in candidates:
            if left <= max_size:
                break
            going.append(entry)
            left -= entry.size
        if left > max_size:
            warnings.append(
                f"{left} bytes are left, over the cap of {max_size}: the rest was modified in the"
                " last few minutes or belongs to no entry"
            )
    if found.unattributed:
        shown = ", ".join(found.unattributed[:_SHOWN])
        more = len(found.unattributed) - _SHOWN
        warnings.append(
            f"Left alone {len(found.unattributed)} file(s) that belong to no cache entry: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    going.sort(key=lambda entry: entry.path)
    counted = [part for entry in going for part in entry.parts]
    orders = [(area == WHEELS, order) for area, order in found.orders.items()]
    dirs, leftovers = emptied_dirs(orders, counted, _keeps, keep_top=True)
    no_match = None if counted else "Nothing to prune"
    plan = Plan(counted, dirs, leftovers, None, no_match, tuple(len(e.parts) for e in going))
    return plan, warnings


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
    :param parallel: scan in worker processes (:mod:`~pipcache_ext._walk.scans`); ``None``
        decides from the cache's size. The plan is the same either way.
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
    with collector_paused():  # the scan, the entries and the plan: objects that all live
        return _prune(cache_dir, older_than, max_size, dry_run=dry_run, now=now, parallel=parallel)


def _scan(root: _fs.Handle, cache_dir: str, parallel: Optional[bool]) -> CacheScan:
    """:func:`~pipcache_ext._plan.scan_cache` of the areas, by workers when the cache is large."""
    if not scans.parallel(cache_dir, AREAS, parallel):
        return scan_cache(root, cache_dir, AREAS)
    warnings: List[str] = []
    trees = scans.scan_trees(root, cache_dir, AREAS, warnings)
    top = scan_cache(root, cache_dir, ())  # what lies at the top
    return top._replace(trees=trees, warnings=(*warnings, *top.warnings))


def _prune(  # noqa: PLR0913 - prune's options
    cache_dir: Path,
    older_than: Optional[float],
    max_size: Optional[int],
    *,
    dry_run: bool,
    now: Optional[int],
    parallel: Optional[bool],
) -> RemovalResult:
    path = Path(os.path.abspath(os.fspath(cache_dir)))  # noqa: PTH100
    moment = time.time_ns() if now is None else now
    try:
        root = _fs.open_root(os.fspath(path))
    except (FileNotFoundError, _fs.NotADirectoryHere):
        scan = CacheScan(os.fspath(path), dict.fromkeys(AREAS), None, (), ())
        mtime_only = False
    else:
        try:
            scan = _scan(root, os.fspath(path), parallel)
        finally:
            _fs.close(root)
        mtime_only = noatime_mount(os.fspath(path))
    plan, warnings = plan_prune(
        scan,
        older_than_ns=None if older_than is None else int(older_than * 1_000_000_000),
        max_size=max_size,
        now=moment,
        mtime_only=mtime_only,
    )
    if mtime_only:
        warnings.insert(0, noatime_warning(os.fspath(path)))
    scan = scan._replace(warnings=(*scan.warnings, *warnings))
    result = planned_result(PlannedRemoval(path, scan, plan, deletion_rules(None)), dry_run=dry_run)
    for tree in scan.trees.values():
        if tree is not None:
            release(tree)  # freed now, not walked by the collector once it runs again
    return result
