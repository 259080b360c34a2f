"""What each project takes in a cache dir: its wheels and HTTP entries, by canonical name.

One scan of the three areas and one HTTP listing from it (:func:`~pipcache_ext._http.listing.
scan_http`, which keeps what it learnt in this library's cache dir); in a large cache the HTTP
areas are read and the wheels scanned by forked workers, with the same rows and warnings.
Every file of the areas is in exactly one row: a wheel's ``origin.json`` and other files beside
it go with the wheels of that directory (when they are of one project), anything else with
``project=None``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from packaging.utils import canonicalize_name

from .. import _fs
from .._http import shards
from .._http.listing import HTTP_AREAS, Scanned, scan_http
from .._parsers.list import wheel_name_version
from .._pipversions import AREAS, WHEELS, version_key
from .._plan import scan_cache
from .._scan import DirNode, FileEntry, collector_paused, open_area
from .._walk import fork_pull, workers
from .._walk.readonly import read_listed
from ..models import ProjectUsage
from .lastuse import last_use_ns, noatime_mount, noatime_warning

__all__ = ["usage"]


class _Row:
    def __init__(self) -> None:
        self.wheel_count = 0
        self.wheels_size = 0
        self.http_entries = 0
        self.http_size = 0
        self.versions: Set[str] = set()
        self.last_used = 0

    def used(self, files: Iterable[FileEntry], mtime_only: bool) -> None:
        for entry in files:
            if entry.stat is not None:
                when = last_use_ns(entry.stat, mtime_only=mtime_only, is_link=entry.is_link)
                self.last_used = max(self.last_used, when)

    def model(self, project: Optional[str]) -> ProjectUsage:
        versions = sorted(self.versions, key=lambda v: (version_key(v), v))
        return ProjectUsage(
            project=project,
            wheel_count=self.wheel_count,
            wheels_size=self.wheels_size,
            http_entries=self.http_entries,
            http_size=self.http_size,
            size=self.wheels_size + self.http_size,
            versions=tuple(versions),
            last_used=(
                datetime.fromtimestamp(self.last_used / 1e9, tz=timezone.utc)
                if self.last_used
                else None
            ),
        )


def _wheels(tree: Optional[DirNode], rows: Dict[Optional[str], _Row], mtime_only: bool) -> None:
    if tree is not None:
        for node in tree.preorder():
            _wheel_dir(node, rows, mtime_only)


def _wheel_dir(node: DirNode, rows: Dict[Optional[str], _Row], mtime_only: bool) -> None:
    """Count the files of one directory of ``wheels/`` into ``rows``."""
    projects: Set[str] = set()
    others: List[FileEntry] = []
    for entry in node.files:
        if entry.name.endswith(".whl") and "-" in entry.name:
            project, version = wheel_name_version(entry.name)
            projects.add(project)
            row = rows.setdefault(project, _Row())
            row.wheel_count += 1
            row.wheels_size += entry.size
            if version:
                row.versions.add(version)
            row.used([entry], mtime_only)
        else:
            others.append(entry)
    if others:
        owner: Optional[str] = next(iter(projects)) if len(projects) == 1 else None
        row = rows.setdefault(owner, _Row())
        row.wheels_size += sum(entry.size for entry in others)
        row.used(others, mtime_only)


def _merge(rows: Dict[Optional[str], _Row], more: Dict[Optional[str], _Row]) -> None:
    for project, part in more.items():
        row = rows.setdefault(project, _Row())
        row.wheel_count += part.wheel_count
        row.wheels_size += part.wheels_size
        row.versions |= part.versions
        row.last_used = max(row.last_used, part.last_used)


def _wheel_rows(
    root: _fs.Handle, path: str, warnings: List[str], mtime_only: bool
) -> Dict[Optional[str], _Row]:
    """The rows of ``wheels/``, its shards counted by forked workers (a large cache's).

    Each worker reads its shards read-only (:func:`~pipcache_ext._walk.readonly.read_listed`)
    and sends back their rows and warnings, merged here in the shards' order: the rows and
    warnings of :func:`_wheels` on the whole scan.
    """
    rows: Dict[Optional[str], _Row] = {}
    opened = open_area(root, path, WHEELS, warnings)
    if opened is None:
        return rows
    top, handle = opened
    if handle is None:
        return rows
    try:
        _wheel_dir(top, rows, mtime_only)

        def work(shard: DirNode) -> Tuple[Dict[Optional[str], _Row], List[str]]:
            part: Dict[Optional[str], _Row] = {}
            said: List[str] = []
            assert handle is not None  # noqa: S101 - listed above
            read_listed(handle, shard, said, lambda node, _h: _wheel_dir(node, part, mtime_only))
            return part, said

        for part, said in fork_pull(work, top.children, workers()):
            _merge(rows, part)
            warnings.extend(said)
    finally:
        _fs.close(handle)
    return rows


def _scanned(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: _fs.Handle,
    path: Path,
    urls: Sequence[str],
    store: Optional[Path],
    wanted: Optional[bool],
    mtime_only: bool,
) -> Tuple[Dict[Optional[str], _Row], List[str], Scanned]:
    """``(the wheels' rows, every warning of the scan, the HTTP entries)``.

    A large cache's areas are read by workers (:mod:`~pipcache_ext._http.shards`, and
    :func:`_wheel_rows`); the warnings are in the order of one scan of the three areas either
    way.
    """
    text = os.fspath(path)
    rows: Dict[Optional[str], _Row] = {}
    if not shards.parallel(text, HTTP_AREAS, wanted):
        scan = scan_cache(root, text, AREAS)
        trees = {name: tree for name, tree in scan.trees.items() if name != WHEELS}
        scanned = scan_http(
            root, path, trees=trees, urls=urls, store=store, parallel=False, models=False
        )
        _wheels(scan.trees.get(WHEELS), rows, mtime_only)
        return rows, list(scan.warnings), scanned
    said: List[str] = []
    rows = _wheel_rows(root, text, said, mtime_only)
    scanned = scan_http(root, path, urls=urls, store=store, parallel=True, models=False)
    said.extend(scanned.warnings[: scanned.scan_warnings])
    said.extend(scan_cache(root, text, ()).warnings)  # what lies at the top
    scanned.warnings = scanned.warnings[scanned.scan_warnings :]
    return rows, said, scanned


def usage(
    cache_dir: Path,
    *,
    urls: Sequence[str] = (),
    store: Optional[Path] = None,
    parallel: Optional[bool] = None,
) -> Tuple[List[ProjectUsage], List[str]]:
    """``(one row per project, biggest first, the project=None row last; warnings)``.

    :param parallel: read the HTTP areas in worker processes; ``None`` decides from their size.
    """
    path = Path(os.path.abspath(os.fspath(cache_dir)))  # noqa: PTH100
    try:
        root = _fs.open_root(os.fspath(path))
    except (FileNotFoundError, _fs.NotADirectoryHere):
        return [], []
    mtime_only = noatime_mount(os.fspath(path))
    with collector_paused():
        try:
            rows, scan_warnings, scanned = _scanned(root, path, urls, store, parallel, mtime_only)
        finally:
            _fs.close(root)
        result = _rows(path, rows, scan_warnings, scanned, mtime_only)
        del scanned  # freed before the collector runs again: it would walk it all once more
    return result


def _rows(
    path: Path,
    rows: Dict[Optional[str], _Row],
    scan_warnings: List[str],
    scanned: Scanned,
    mtime_only: bool,
) -> Tuple[List[ProjectUsage], List[str]]:
    names: Dict[str, str] = {}
    for found, (_kind, named, version, _file, _url) in zip(scanned.found, scanned.fields or ()):
        project = None
        if named:
            project = names.get(named)
            if project is None:
                project = names[named] = canonicalize_name(named)
        row = rows.setdefault(project, _Row())
        row.http_entries += 1
        row.http_size += found.size
        if version and project is not None:
            row.versions.add(version)
        # a link's last use is its mtime (Found's rule), on a noatime mount every file's
        when = found.modified_ns if mtime_only else found.last_used_ns
        row.last_used = max(row.last_used, when)
    result = [row.model(project) for project, row in rows.items() if project is not None]
    result.sort(key=lambda item: (-item.size, item.project or ""))
    if None in rows:
        result.append(rows[None].model(None))
    warnings = [*scan_warnings, *scanned.warnings]
    if mtime_only:
        warnings.insert(0, noatime_warning(os.fspath(path)))
    return result, warnings
