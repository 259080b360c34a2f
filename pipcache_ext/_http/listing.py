"""Every entry of a cache dir's ``http/`` and ``http-v2/``, named: what ``list_http`` returns.

One scan of the two areas (:mod:`pipcache_ext._scan`), each entry read once and what was learnt
kept on disk (:mod:`~pipcache_ext._http.store`), then named (:mod:`~pipcache_ext._http.naming`).
A large cache's areas are scanned and read by forked workers, shard by shard, with the same
result (:mod:`~pipcache_ext._http.shards`). A symlinked area is not entered (a warning says so),
as deletion does not enter it.
"""

# ruff: noqa: PTH100

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, get_args

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import _fs
from .._pipversions import version_key
from .._scan import DirNode, collector_paused, reason, scan_area
from ..models import HttpEntry, HttpKind, HttpListing
from . import HTTP_AREAS, shards
from .areas import read_area
from .config import index_urls, store_root
from .entries import Found
from .naming import model, name_entries
from .store import Store

__all__ = [
    "HTTP_AREAS",
    "Scanned",
    "index_urls",
    "list_http",
    "matches",
    "same_version",
    "scan_http",
    "store_root",
]

_KINDS = frozenset(get_args(HttpKind))

#: An entry's kind, project, version, file name and URL.
Fields = List[Optional[str]]


class Scanned:
    """One read of the HTTP areas: the entries found, named, and their scanned files."""

    def __init__(  # noqa: PLR0913, PLR0917 - the parts of one read
        self,
        cache_dir: Path,
        found: List[Found],
        entries: List[HttpEntry],
        trees: Dict[str, Optional[DirNode]],
        warnings: List[str],
        scan_warnings: int = 0,
    ) -> None:
        self.cache_dir = cache_dir
        self.found = found
        self.entries = entries
        self.trees = trees
        self.warnings = warnings
        self.scan_warnings = scan_warnings  # how many of the warnings are the scan's (first)
        #: without models: each entry's kind, project, version, file name and URL (no entries)
        self.fields: Optional[List[Fields]] = None
        #: with models: the positions of the entries in the listing's order
        self.order: Optional[List[int]] = None
        #: the listing's fingerprint (:func:`~._http.store.fingerprint`) if every entry with a
        #: key was known to the disk cache or kept in it (no read failed); else ``None``
        self.complete: Optional[str] = None
        #: ``(position in found, problem)`` of each entry with one (its warning's words)
        self.problems: List[Tuple[int, str]] = []


def scan_http(  # noqa: PLR0913 - keyword-only options
    root: _fs.Handle,
    cache_dir: Path,
    *,
    trees: Optional[Dict[str, Optional[DirNode]]] = None,
    urls: Iterable[str] = (),
    store: Optional[Path] = None,
    parallel: Optional[bool] = None,
    models: bool = True,
) -> Scanned:
    """Read and name every HTTP entry of the open cache dir ``root``.

    :param trees: the areas, already scanned (a deletion plans from the same scan); ``None``:
        scan them here.
    :param urls: candidate index URLs (see :func:`index_urls`).
    :param store: the directory of the disk cache of listings, ``None`` for none.
    :param parallel: without ``trees``: read the areas in worker processes
        (:mod:`~pipcache_ext._http.shards`; the entries then have no scanned ``parts`` and
        ``trees`` is empty), ``False`` here, ``None`` decides from their size.
    :param models: make the :class:`HttpEntry` of each (``entries``); ``False`` gives only
        their names (``fields``), which is all a usage needs.
    """
    with collector_paused():
        return _scan_http(root, cache_dir, trees, list(urls), store, parallel, models)


def _scan_http(  # noqa: PLR0913, PLR0917 - scan_http's
    root: _fs.Handle,
    cache_dir: Path,
    trees: Optional[Dict[str, Optional[DirNode]]],
    urls: List[str],
    store: Optional[Path],
    parallel: Optional[bool],
    models: bool,
) -> Scanned:
    warnings: List[str] = []
    path = os.fspath(cache_dir)
    found: List[Found] = []
    problems: List[Tuple[int, str]] = []
    if trees is None and shards.parallel(path, HTTP_AREAS, parallel):
        kept = Store(store, path)
        found, scanning = shards.read_areas(
            root, path, HTTP_AREAS, kept, warnings, problems=problems
        )
        trees = {}
    else:
        if trees is None:
            trees = {name: scan_area(root, path, name, warnings) for name in HTTP_AREAS}
        scanning = len(warnings)
        kept = Store(store, path)
        for name in HTTP_AREAS:
            tree = trees.get(name)
            if tree is not None:
                here: List[Tuple[int, str]] = []
                area = read_area(root, tree, name, kept, warnings, problems=here)
                problems.extend((len(found) + i, problem) for i, problem in here)
                found.extend(area)
    order: Optional[List[int]] = None
    if models:
        entries, fields = _named(found, list(urls), kept), None
        order = _ordered(found, entries, kept)
    else:
        entries, fields = [], _fields(found, list(urls), kept)
    complete = kept.complete(urls, sum(1 for item in found if item.key is not None))
    kept.save()
    scanned = Scanned(cache_dir, found, entries, trees, warnings, scanning)
    scanned.fields = fields
    scanned.order = order
    scanned.complete = complete
    scanned.problems = problems
    return scanned


def _named(found: List[Found], urls: List[str], kept: Store) -> List[HttpEntry]:
    """The entries named: as the last listing named them if nothing changed, else anew."""
    names = kept.names(urls)
    if names is not None:
        fields = [names.get(item.relative) for item in found]
        if all(isinstance(f, list) and len(f) == 5 and f[0] in _KINDS for f in fields):
            return [model(item, *f) for item, f in zip(found, fields)]  # type: ignore[misc]
    entries = name_entries([item.raw for item in found], urls)
    kept.keep_names(
        urls,
        {
            item.relative: [e.kind, e.project, e.version, e.filename, e.url]
            for item, e in zip(found, entries)
        },
    )
    return entries


def _fields(found: List[Found], urls: List[str], kept: Store) -> List[Fields]:
    """What :func:`_named` names each entry, without making the entries."""
    names = kept.names(urls)
    if names is not None:
        fields = [names.get(item.relative) for item in found]
        if all(isinstance(f, list) and len(f) == 5 and f[0] in _KINDS for f in fields):
            return fields  # type: ignore[return-value]
    return [[e.kind, e.project, e.version, e.filename, e.url] for e in _named(found, urls, kept)]


def _ordered(found: List[Found], entries: List[HttpEntry], kept: Store) -> List[int]:
    """The positions of ``entries`` in the listing's order: as the last listing kept it, or anew.

    A listing whose names were reused (nothing changed) has the same order: sorting 10,000
    entries cost more than their scan's share of one process.
    """
    stored = kept.order()
    if stored is not None and len(stored) == len(found):
        position = {item.relative: i for i, item in enumerate(found)}
        kept_order = [position.get(path) for path in stored]
        if None not in kept_order and len(set(kept_order)) == len(position) == len(found):
            return kept_order  # type: ignore[return-value] # no None in it
    versions: Dict[str, Tuple[int, ...]] = {}
    order = sorted(
        range(len(entries)), key=lambda i: _sort_key(entries[i], versions, found[i].relative)
    )
    kept.keep_order([found[i].relative for i in order])
    return order


def _sort_key(
    entry: HttpEntry,
    versions: Optional[Dict[str, Tuple[int, ...]]] = None,
    relative: Optional[str] = None,
) -> Tuple[object, ...]:
    """The listing's order; ``versions`` keeps each version's key (many entries share one).

    :param relative: the entry's first file's path in the cache dir, which sorts as its full
        path does (they share the cache dir), without making the text of its :class:`Path`.
    """
    version = entry.version or ""
    key = None if versions is None else versions.get(version)
    if key is None:
        key = version_key(version)
        if versions is not None:
            versions[version] = key
    return (
        entry.project is None,
        entry.project or "",
        key,
        version,
        entry.kind,
        entry.filename or "",
        relative if relative is not None else os.fspath(entry.files[0]) if entry.files else "",
    )


def matches(entry: HttpEntry, project: str, version: Optional[str] = None) -> bool:
    """Whether ``entry`` belongs to ``project`` (any spelling) and, if given, ``version``.

    An index page belongs to its project only when no version is given (it lists them all).
    An ``"unknown"`` entry belongs to no project.
    """
    if entry.kind == "unknown" or entry.project != canonicalize_name(project):
        return False
    if version is None:
        return True
    if entry.version is None:
        return False
    return same_version(entry.version, version)


def same_version(a: str, b: str) -> bool:
    """Whether two versions are equal (``1.0`` == ``1.0.0``), as text when one is invalid."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def list_http(
    cache_dir: Path,
    *,
    project: Optional[str] = None,
    urls: Sequence[str] = (),
    store: Optional[Path] = None,
) -> HttpListing:
    """Every entry of ``cache_dir``'s ``http/`` and ``http-v2/`` (of ``project`` if given).

    :param cache_dir: the cache dir (it need not exist).
    :param urls: candidate index URLs for naming pages (see :func:`index_urls`).
    :param store: the directory of the disk cache of listings (:func:`store_root`), ``None``
        to read every entry.
    """
    path = Path(os.path.abspath(os.fspath(cache_dir)))
    try:
        root = _fs.open_root(os.fspath(path))
    except (FileNotFoundError, _fs.NotADirectoryHere):
        return HttpListing(path, (), ())
    except OSError as exc:
        return HttpListing(path, (), (f"Could not read {path}: {reason(exc)}",))
    with collector_paused():
        try:
            scanned = scan_http(root, path, urls=urls, store=store)
        finally:
            _fs.close(root)
        entries, order = scanned.entries, scanned.order or []
        ordered = tuple(entries[i] for i in order)
        if project is not None:
            ordered = tuple(entry for entry in ordered if matches(entry, project))
        warnings = tuple(scanned.warnings)
        del scanned, entries  # the scan's objects go now, never walked by the collector
    return HttpListing(path, ordered, warnings)
