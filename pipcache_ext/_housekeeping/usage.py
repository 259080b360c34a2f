"""What each project takes in a cache dir: its wheels and HTTP entries, by canonical name.

An unchanged cache is counted from the tally of the last usage (:mod:`.tally`): one round of
forked workers walks the three areas, reading no HTTP entry and no record of the disk cache, and
the fingerprint of what they saw says whether the tally stands for it. Otherwise: one scan of the
three areas and one HTTP listing from it (:func:`~pipcache_ext._http.listing.scan_http`, which
keeps what it learnt in this library's cache dir), tallied for the next usage; in a large cache
the HTTP areas are read and the wheels scanned by forked workers, with the same rows and warnings.
Every file of the areas is in exactly one row: a wheel's ``origin.json`` and other files beside
it go with the wheels of that directory (when they are of one project), anything else with
``project=None``.
"""

# ruff: noqa: PTH120

from __future__ import annotations

import functools
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Set, Tuple, cast

from .. import _fs
from .._http import HTTP_AREAS, shards
from .._http.store import fingerprint
from .._names import canonical_name, wheel_name_version
from .._pipversions import AREAS, WHEELS, version_key
from .._plan import scan_cache
from .._scan import DirNode, FileEntry, collector_paused, open_area
from .._walk import fork_pull, workers
from .._walk.readonly import read_listed
from ..models import ProjectUsage
from . import tally
from .lastuse import last_use_ns, noatime_mount, noatime_warning

if TYPE_CHECKING:  # the listing's readers are imported when a usage lists (not when tallied)
    from .._http.listing import Scanned

__all__ = ["usage"]


@functools.lru_cache(maxsize=4096)  # thousands of rows share a few versions
def _version_order(version: str) -> Tuple[Tuple[int, ...], str]:
    return version_key(version), version


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
        versions = sorted(self.versions, key=_version_order)
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
    from .._http.listing import scan_http  # noqa: PLC0415 - see above

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

    From the tally of the last usage when the HTTP entries are the ones it counted
    (:mod:`.tally`), else from a listing of them (then tallied for the next usage).

    :param parallel: read the areas in worker processes; ``None`` decides from their size.
    """
    path = Path(os.path.abspath(os.fspath(cache_dir)))  # noqa: PTH100
    text = os.fspath(path)
    try:
        root = _fs.open_root(text)
    except (FileNotFoundError, _fs.NotADirectoryHere):
        return [], []
    mtime_only = noatime_mount(text)
    kept = None if store is None or not isinstance(root, int) else tally.summary_file(store, text)
    with collector_paused():
        try:
            summary = None if kept is None else tally.load(kept, text)
            done = None
            if summary is not None and isinstance(root, int):
                processes = workers() if shards.parallel(text, HTTP_AREAS, parallel) else 1
                done = _tallied(root, text, urls, summary, processes, mtime_only)
            if done is None:
                done = _listed(root, path, urls, store, parallel, mtime_only, kept)
        finally:
            _fs.close(root)
        rows, warnings = done
        del done  # freed before the collector runs again: it would walk it all once more
        return _finish(text, rows, warnings, mtime_only)


#: What a worker sends back of a shard: its scan warnings, and the rows of a shard of
#: ``wheels/`` or else an HTTP shard's fingerprint sum, entries and counts.
_Part = Tuple[List[str], Dict[Optional[str], _Row], Tuple[int, int, Optional[tally.Counted]]]
_Opened = Tuple[str, Optional[DirNode], Optional[_fs.Handle], List[str]]


def _tallied(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: int,
    text: str,
    urls: Sequence[str],
    summary: tally.Summary,
    processes: int,
    mtime_only: bool,
) -> Optional[Tuple[Dict[Optional[str], _Row], List[str]]]:
    """The usage from ``summary`` if the HTTP entries are the ones it counted, else ``None``.

    One round of workers reads the shards of the three areas (``wheels/`` as :func:`_wheel_rows`
    does, the HTTP areas by :func:`~.tally.walk`); the warnings are in a listing's order.
    """
    opened: List[_Opened] = []

    def work(job: Tuple[int, int]) -> _Part:
        name, top, handle, _said = opened[job[0]]
        assert top is not None and isinstance(handle, int)  # noqa: PT018, S101 - listed
        shard, said = top.children[job[1]], cast("List[str]", [])
        part: Dict[Optional[str], _Row] = {}
        if name == WHEELS:
            read_listed(handle, shard, said, lambda node, _h: _wheel_dir(node, part, mtime_only))
            return said, part, (0, 0, None)
        skip = len(os.path.dirname(top.path)) + 1
        counter = tally.ShardTally(name, skip, mtime_only)
        tally.walk(handle, shard.name, shard.path, counter, said)
        counted = counter.counted(summary.shards.get(shard.path[skip:]), summary.problems)
        return said, part, (counter.total, counter.count, counted)

    try:
        for name in (WHEELS, *HTTP_AREAS):
            said: List[str] = []
            got = open_area(root, text, name, said)
            opened.append((name, *((None, None) if got is None else got), said))
        jobs = [(a, i) for a, (_n, top, handle, _s) in enumerate(opened) if top is not None
                and handle is not None for i in range(len(top.children))]  # fmt: skip
        parts = dict(zip(jobs, fork_pull(work, jobs, processes)))
    finally:
        for _name, _top, handle, _said in opened:
            if handle is not None:
                _fs.close(handle)
    return _assembled(root, text, urls, summary, opened, parts, mtime_only)


def _assembled(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: int,
    text: str,
    urls: Sequence[str],
    summary: tally.Summary,
    opened: List[_Opened],
    parts: Dict[Tuple[int, int], _Part],
    mtime_only: bool,
) -> Optional[Tuple[Dict[Optional[str], _Row], List[str]]]:
    """:func:`_tallied`'s rows and warnings from what was read; ``None``: not the tally's."""
    rows: Dict[Optional[str], _Row] = {}
    warnings: List[str] = []
    counts: List[Optional[tally.Counted]] = []
    total = count = 0
    for a, (name, top, handle, said) in enumerate(opened):
        warnings.extend(said)
        if top is None or handle is None:
            continue
        if name == WHEELS:
            _wheel_dir(top, rows, mtime_only)
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
            _merge(rows, part)
            if name != WHEELS:
                counts.append(counted)
                total, count = total + shard_total, count + shard_count
    if fingerprint(count, total, urls) != summary.fingerprint or None in counts:
        return None
    problems = _counted(rows, summary, counts, text.rstrip(os.sep) + os.sep)
    return rows, [*warnings, *scan_cache(root, text, ()).warnings, *problems]


def _counted(
    rows: Dict[Optional[str], _Row],
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
        for code, (entries, size, last) in counted.counts.items():
            project, version, _problem = summary.codes[code]
            row = rows.setdefault(project, _Row())
            row.http_entries += entries
            row.http_size += size
            if version:
                row.versions.add(version)
            row.last_used = max(row.last_used, last)
        codes = summary.codes
        problems.extend(f"{prefix}{path}: {codes[code][2]}" for path, code in counted.problems)
    return problems


def _listed(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: _fs.Handle,
    path: Path,
    urls: Sequence[str],
    store: Optional[Path],
    parallel: Optional[bool],
    mtime_only: bool,
    kept: Optional[Path],
) -> Tuple[Dict[Optional[str], _Row], List[str]]:
    """The usage from a listing of the HTTP entries (tallied in ``kept`` when it can stand)."""
    rows, scan_warnings, scanned = _scanned(root, path, urls, store, parallel, mtime_only)
    codes = _codes(scanned)
    if kept is not None and scanned.complete is not None:
        paths = [item.relative for item in scanned.found]
        tally.keep(kept, os.fspath(path), scanned.complete, list(zip(paths, codes)))
    for found, (project, version, _problem) in zip(scanned.found, codes):
        row = rows.setdefault(project, _Row())
        row.http_entries += 1
        row.http_size += found.size
        if version:
            row.versions.add(version)
        # a link's last use is its mtime (Found's rule), on a noatime mount every file's
        when = found.modified_ns if mtime_only else found.last_used_ns
        row.last_used = max(row.last_used, when)
    return rows, [*scan_warnings, *scanned.warnings]


def _codes(scanned: Scanned) -> List[tally.Code]:
    """What each entry is counted under: canonical project, its version, its problem."""
    names: Dict[str, str] = {}
    problems = dict(scanned.problems)
    codes: List[tally.Code] = []
    for i, (_kind, named, version, _file, _url) in enumerate(scanned.fields or ()):
        project = None
        if named:
            project = names.get(named)
            if project is None:
                project = names[named] = canonical_name(named)
        codes.append((project, version if version and project else None, problems.get(i)))
    return codes


def _finish(
    path: str, rows: Dict[Optional[str], _Row], warnings: List[str], mtime_only: bool
) -> Tuple[List[ProjectUsage], List[str]]:
    result = [row.model(project) for project, row in rows.items() if project is not None]
    result.sort(key=lambda item: (-item.size, item.project or ""))
    if None in rows:
        result.append(rows[None].model(None))
    if mtime_only:
        warnings.insert(0, noatime_warning(path))
    return result, warnings
