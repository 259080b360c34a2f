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

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from .. import _fs
from .._http import HTTP_AREAS, shards
from .._names import canonical_name
from .._pipversions import WHEELS
from .._plan import scan_cache
from .._scan import DirNode, collector_paused, open_area
from .._walk import fork_pull, workers
from .._walk.readonly import read_listed
from ..models import ProjectUsage
from . import tally
from .lastuse import noatime_mount
from .rows import Row, finish, merge, row_of, wheel_dir, wheel_tree
from .tallied import tallied

if TYPE_CHECKING:  # the listing's readers are imported when a usage lists (not when tallied)
    from .._http.listing import Scanned

__all__ = ["usage"]


def _wheel_rows(
    root: _fs.Handle, path: str, warnings: List[str], mtime_only: bool
) -> Dict[Optional[str], Row]:
    """The rows of ``wheels/``, its shards counted by forked workers (a large cache's).

    Each worker reads its shards read-only (:func:`~pipcache_ext._walk.readonly.read_listed`)
    and sends back their rows and warnings, merged here in the shards' order: the rows and
    warnings of :func:`~.rows.wheel_tree` on the whole scan.
    """
    rows: Dict[Optional[str], Row] = {}
    opened = open_area(root, path, WHEELS, warnings)
    if opened is None:
        return rows
    top, handle = opened
    if handle is None:
        return rows
    try:
        wheel_dir(top, rows, mtime_only)

        def work(shard: DirNode) -> Tuple[Dict[Optional[str], Row], List[str]]:
            part: Dict[Optional[str], Row] = {}
            said: List[str] = []
            assert handle is not None  # noqa: S101 - listed above
            read_listed(handle, shard, said, lambda node, _h: wheel_dir(node, part, mtime_only))
            return part, said

        for part, said in fork_pull(work, top.children, workers()):
            merge(rows, part)
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
) -> Tuple[Dict[Optional[str], Row], List[str], Scanned]:
    """``(the wheels' rows, every warning of the scan, the HTTP entries)``.

    A large cache's areas are read by workers (:mod:`~pipcache_ext._http.shards`, and
    :func:`_wheel_rows`); the warnings are in the order of one scan of the three areas either
    way.
    """
    from .._http.listing import scan_http  # noqa: PLC0415 - see above

    text = os.fspath(path)
    rows: Dict[Optional[str], Row] = {}
    if not shards.parallel(text, HTTP_AREAS, wanted):
        scan = scan_cache(root, text, (WHEELS, *HTTP_AREAS))  # the workers' order, warnings too
        trees = {name: tree for name, tree in scan.trees.items() if name != WHEELS}
        scanned = scan_http(
            root, path, trees=trees, urls=urls, store=store, parallel=False, models=False
        )
        wheel_tree(scan.trees.get(WHEELS), rows, mtime_only)
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
                done = tallied(root, text, urls, summary, processes, mtime_only)
            if done is None:
                done = _listed(root, path, urls, store, parallel, mtime_only, kept)
        finally:
            _fs.close(root)
        rows, warnings = done
        del done  # freed before the collector runs again: it would walk it all once more
        return finish(text, rows, warnings, mtime_only)


def _listed(  # noqa: PLR0913, PLR0917 - the parts of one usage
    root: _fs.Handle,
    path: Path,
    urls: Sequence[str],
    store: Optional[Path],
    parallel: Optional[bool],
    mtime_only: bool,
    kept: Optional[Path],
) -> Tuple[Dict[Optional[str], Row], List[str]]:
    """The usage from a listing of the HTTP entries (tallied in ``kept`` when it can stand)."""
    rows, scan_warnings, scanned = _scanned(root, path, urls, store, parallel, mtime_only)
    codes = _codes(scanned)
    if kept is not None and scanned.complete is not None:
        paths = [item.relative for item in scanned.found]
        tally.keep(kept, os.fspath(path), scanned.complete, list(zip(paths, codes)))
    for found, (project, version, _problem) in zip(scanned.found, codes):
        # a link's last use is its mtime (Found's rule), on a noatime mount every file's
        when = found.modified_ns if mtime_only else found.last_used_ns
        row_of(rows, project).add_http(version, 1, found.size, when)
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
