"""What the facade calls: ``remove_project``, what a pip does not count, ``purge(everything=True)``.

Each is native (pip has no such command), checked by the same guards as a purge (no root or home
directory, no link out of the cache) and run through the common deletion plan executor.
"""

# ruff: noqa: PTH100

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple, Union

from .. import _fs
from .._guard import ensure_link_targets_are_safe, ensure_safe_to_purge
from .._native import PlannedRemoval, plan_for, planned_result
from .._pipversions import AREAS, HTTP_V1, HTTP_V2, deletion_rules
from .._plan import ALL, CacheScan, Plan, recent_empty_dirs, scan_cache, spare_recent
from .._scan import scan_area
from ..models import CacheInfo, HttpEntry, HttpListing, RemovalResult

# The readers (html.parser, configparser, ...) are imported when an HTTP listing or a removal
# by project runs, not with the facade: info, list and purge do not need them.

__all__ = [
    "finish_purge",
    "http_listing",
    "logged_entries",
    "measure",
    "project_removal",
    "remove_project",
    "unseen_areas",
    "with_unreported",
]

logger = logging.getLogger("pipcache_ext")


def http_listing(
    cache_dir: Path, env: Mapping[str, str], project: Optional[str] = None
) -> HttpListing:
    """The HTTP entries of ``cache_dir``; pip's index URLs and the disk cache come from ``env``."""
    from .listing import index_urls, list_http, store_root  # noqa: PLC0415 - see above

    return list_http(cache_dir, project=project, urls=index_urls(env), store=store_root(env))


def logged_entries(listing: HttpListing) -> List[HttpEntry]:
    """The listing's entries; its warnings go to the ``pipcache_ext`` logger."""
    for warning in listing.warnings:
        logger.warning("%s", warning)
    return list(listing.entries)


def project_removal(  # noqa: PLR0913 - keyword-only options, as PipCache.remove_project's
    cache_dir: Path,
    env: Mapping[str, str],
    name: Union[str, Sequence[str]],
    *,
    version: Optional[str],
    wheels: bool,
    http: bool,
    dry_run: bool,
    force: bool,
    spare_at: Optional[int] = None,
) -> RemovalResult:
    """:func:`remove_project` with the index URLs and the disk cache of ``env``."""
    from .listing import index_urls, store_root  # noqa: PLC0415 - see above

    names = [name] if isinstance(name, str) else list(name)
    return remove_project(
        cache_dir,
        names,
        version=version,
        wheels=wheels,
        http=http,
        dry_run=dry_run,
        force=force,
        urls=index_urls(env),
        store=store_root(env),
        spare_at=spare_at,
    )


def _absolute(cache_dir: Path) -> Path:
    return Path(os.path.abspath(os.fspath(cache_dir)))


def remove_project(  # noqa: PLR0913 - keyword-only options, as PipCache.remove_project's
    cache_dir: Path,
    names: Sequence[str],
    *,
    version: Optional[str] = None,
    wheels: bool = True,
    http: bool = True,
    dry_run: bool = False,
    force: bool = False,
    urls: Sequence[str] = (),
    store: Optional[Path] = None,
    spare_at: Optional[int] = None,
) -> RemovalResult:
    """Delete everything cached for ``names`` in ``cache_dir`` (see :mod:`~._http.remove`).

    :param spare_at: leave what pip may be using at this moment, in ns (``spare_recent``): whole
        entries with a file written in the last five minutes, and the empty directories made then.
    :raises UnsafeOperationError: the cache dir is a filesystem root or a home directory (or an
        area links to one), without ``force``.
    """
    from .listing import scan_http  # noqa: PLC0415 - see above
    from .remove import plan_projects  # noqa: PLC0415

    ensure_safe_to_purge(cache_dir, force=force)
    ensure_link_targets_are_safe(cache_dir, AREAS, force=force)
    path = _absolute(cache_dir)
    try:
        root = _fs.open_root(os.fspath(path))
    except (FileNotFoundError, _fs.NotADirectoryHere):
        scan = CacheScan(os.fspath(path), dict.fromkeys(AREAS), None, (), ())
        plan = Plan([], [], {}, None, "No cached files for " + ", ".join(names))
        return planned_result(
            PlannedRemoval(path, scan, plan, deletion_rules(None)), dry_run=dry_run
        )
    try:
        scan = scan_cache(root, os.fspath(path), AREAS)
        scanned = scan_http(root, path, trees=dict(scan.trees), urls=urls, store=store)
    finally:
        _fs.close(root)
    plan = plan_projects(scan, scanned, names, version=version, wheels=wheels, http=http)
    if spare_at is not None:
        plan = spare_recent(plan, spare_at, recent_empty_dirs(plan.dirs, spare_at))
    scan = scan._replace(warnings=(*scan.warnings, *scanned.warnings))
    return planned_result(PlannedRemoval(path, scan, plan, deletion_rules(None)), dry_run=dry_run)


def unseen_areas(pip_version: Optional[str], *, purge: bool = False) -> Tuple[str, ...]:
    """The HTTP areas ``pip_version``'s ``info`` (``purge``: its purge) does not see."""
    rules = deletion_rules(pip_version)
    seen = rules.http_for_all if purge else rules.counted_http
    return tuple(name for name in (HTTP_V2, HTTP_V1) if name not in seen)


def measure(cache_dir: Path, areas: Sequence[str]) -> Tuple[int, int, Tuple[Path, ...]]:
    """``(files, bytes, the areas that exist)`` under ``areas``, exactly, as pip counts files."""
    path = _absolute(cache_dir)
    try:
        root = _fs.open_root(os.fspath(path))
    except OSError:
        return 0, 0, ()
    files = size = 0
    present: List[Path] = []
    warnings: List[str] = []
    try:
        for name in areas:
            tree = scan_area(root, os.fspath(path), name, warnings)
            if tree is None:
                continue
            present.append(path / name)
            for node in tree.preorder():
                files += len(node.files)
                size += sum(entry.size for entry in node.files)
    finally:
        _fs.close(root)
    return files, size, tuple(present)


def with_unreported(info: CacheInfo, pip_version: Optional[str]) -> CacheInfo:
    """``info`` with what ``pip_version`` (``None``: this library) does not count, measured."""
    areas = unseen_areas(pip_version)
    if not areas:
        return info
    files, size, present = measure(info.cache_dir, areas)
    return dataclasses.replace(
        info, unreported_files=files, unreported_size=size, unreported_dirs=present
    )


def _without(plan: Plan, done: Sequence[Path]) -> Plan:
    """``plan`` minus what a dry run of the pip's own purge already counts."""
    gone = {os.fspath(p) for p in done}
    counted = [(n, e) for n, e in plan.counted if n.child_path(e.name) not in gone]
    dirs = [node for node in plan.dirs if node.path not in gone]
    leftovers = {
        id(node): [e for e in plan.leftovers[id(node)] if node.child_path(e.name) not in gone]
        for node in dirs
    }
    return plan._replace(counted=counted, dirs=dirs, leftovers=leftovers, no_match=None)


def _merged(first: RemovalResult, second: RemovalResult) -> RemovalResult:
    dirs = first.dirs_removed
    if second.dirs_removed:
        dirs = (dirs or 0) + second.dirs_removed
    return dataclasses.replace(
        first,
        files_removed=first.files_removed + second.files_removed,
        bytes_removed=(
            None
            if first.bytes_removed is None
            else first.bytes_removed + (second.bytes_removed or 0)
        ),
        dirs_removed=dirs,
        removed=(*first.removed, *second.removed),
        matched=first.matched or second.matched,
        warnings=(*first.warnings, *(w for w in second.warnings if w not in first.warnings)),
        exact=first.exact and second.exact,
        failed=(*first.failed, *second.failed),
        deleted=(*first.deleted, *second.deleted),
    )


def finish_purge(
    cache_dir: Path,
    result: RemovalResult,
    *,
    pip_version: Optional[str],
    everything: bool,
    dry_run: bool,
) -> RemovalResult:
    """After the answering pip's purge: remove what it left (``everything``), or say what it left.

    :param pip_version: whose purge ran (``None``: this library's, which leaves nothing).
    """
    if not everything:
        areas = unseen_areas(pip_version, purge=True)
        files, size, present = measure(cache_dir, areas) if areas else (0, 0, ())
        if not files:
            return result
        where = " and ".join(os.fspath(p) for p in present)
        note = (
            f"pip {pip_version} does not see {where}: {files} file(s) ({size} bytes) are left"
            " there; purge(everything=True) (the command line: purge --everything) removes them"
        )
        return dataclasses.replace(result, warnings=(*result.warnings, note))
    planned = plan_for(cache_dir, ALL, rules=None)  # everything, by the newest pip's rules
    plan = planned.plan._replace(no_match=None)
    if dry_run:
        plan = _without(plan, result.deleted or result.removed)
    rest = planned_result(planned._replace(plan=plan), dry_run=dry_run)
    return _merged(result, rest)
