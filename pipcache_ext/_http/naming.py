"""From what each entry says to project, version, file name and URL: pure, no I/O.

1. Each entry's content names it (:mod:`~pipcache_ext._http.sniff`): a wheel's METADATA, an sdist's
   PKG-INFO, a ``.metadata`` file, an index page's project.
2. An index page's own URL is found by hashing ``<index>/<project>/`` for candidate indexes: the
   ones given (pip's configured index URLs), PyPI's, and ``/simple/``-like roots on every host the
   cache mentions (absolute links, redirect targets).
3. Each link of a page, made absolute, is hashed as CacheControl keys it (:mod:`~._http.urls`),
   and so is ``<link>.metadata`` (PEP 658): the entries found get the link's file name and URL,
   and the page's project where their content did not name them.
4. A redirect's target is hashed too: the target gets its URL, the redirect its project.
5. A wheel or sdist still without a file name gets the one file name a cached page of its project
   lists for its kind and version, when there is exactly one.
"""

from __future__ import annotations

import functools
import hashlib
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Protocol, Sequence, Set, Tuple, cast

from packaging.version import InvalidVersion, Version

from ..models import HttpEntry, HttpKind
from .pages import filename_of, project_of_filename
from .sniff import Facts
from .urls import join, normalised, spellings

__all__ = ["PYPI", "Located", "Raw", "model", "name_entries"]

#: PyPI's index: always a candidate.
PYPI = "https://pypi.org/simple/"
_ROOT_PATHS = ("/simple/", "/", "/pypi/simple/", "/root/pypi/+simple/", "/simple/pypi/")
_MAX_ROOTS = 256


class Raw(NamedTuple):
    """An entry as read: where it is and what its content says."""

    area: str
    key: Optional[str]  # the 56-hex name, None for a stray file
    paths: Tuple[Path, ...]
    size: int
    last_used_ns: int
    facts: Facts


class _Entry:
    """An entry being named."""

    __slots__ = ("filename", "kind", "project", "raw", "url", "version")

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.kind = raw.facts.kind
        self.project = raw.facts.project if self.kind != "unknown" else None
        self.version = raw.facts.version if self.kind != "unknown" else None
        self.filename: Optional[str] = None
        self.url: Optional[str] = None

    def learn(self, url: str, filename: Optional[str], project: Optional[str]) -> None:
        if self.url is None:
            self.url = url
        if self.filename is None and filename:
            self.filename = filename
        if self.kind == "unknown" or (self.project is not None and self.version is not None):
            return
        _kind, file_project, file_version = _parsed(self.filename or "")
        if self.project is None:
            self.project = file_project or (project if self.kind != "index-page" else None)
        if self.version is None and self.kind != "index-page":
            self.version = file_version


def _key(norm: str) -> str:
    return hashlib.sha224(norm.encode("utf-8", "surrogateescape")).hexdigest()


_parsed = functools.lru_cache(maxsize=4096)(project_of_filename)


def _roots(entries: Sequence[_Entry], index_urls: Iterable[str]) -> List[str]:
    """Candidate index URLs: those given, PyPI's, and common roots on every host seen."""
    roots: Dict[str, None] = {}
    for url in (*index_urls, PYPI):
        roots.setdefault(url if url.endswith("/") else url + "/")
    folders: Set[str] = set()  # each absolute URL seen, up to its last "/"
    for entry in entries:
        facts = entry.raw.facts
        seen: List[Optional[str]] = [href for _name, href in facts.links]
        seen += [facts.location, facts.base]
        for link in seen:
            if link and "://" in link:
                folders.add(link.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[0])
    hosts: Dict[str, Set[str]] = {}
    for folder in sorted(folders):
        parts = urllib.parse.urlsplit(folder + "/")
        if not parts.netloc or (len(hosts) >= _MAX_ROOTS and parts.netloc not in hosts):
            continue
        prefixes = hosts.setdefault(f"{parts.scheme}://{parts.netloc}", set())
        segments = parts.path.split("/")[1:-1]
        for depth in range(min(len(segments), 3) + 1):
            prefixes.add("/" + "".join(s + "/" for s in segments[:depth]))
    for host, prefixes in hosts.items():
        for path in (*_ROOT_PATHS, *sorted(prefixes)):
            roots.setdefault(host + path)
            roots.setdefault(host + path + "simple/")
    return list(roots)[: _MAX_ROOTS * 4]


class _Namer:
    def __init__(self, entries: List[_Entry]) -> None:
        self.by_key: Dict[str, List[_Entry]] = {}
        for entry in entries:
            if entry.raw.key is not None:
                self.by_key.setdefault(entry.raw.key, []).append(entry)
        self.listed: Dict[str, Set[str]] = {}  # project -> file names its pages list

    def teach(self, url: str, filename: Optional[str], project: Optional[str]) -> None:
        """Every entry whose key is a spelling of ``url`` learns its URL and file name."""
        for norm in spellings(url):
            for entry in self.by_key.get(_key(norm), ()):
                entry.learn(url, filename, project)

    def page(self, entry: _Entry, roots: List[Tuple[str, str]]) -> None:
        """Name a page's files; ``roots``: ``(index URL, normalised)``, the last match first."""
        facts = entry.raw.facts
        project = facts.project
        if project is not None and entry.url is None:
            tail = urllib.parse.quote(project) + "/"
            for index, (root, norm) in enumerate(roots):
                if _key(norm + tail) == entry.raw.key:
                    entry.url = root + tail
                    roots.insert(0, roots.pop(index))
                    break
        base = entry.url
        if facts.base:
            base = (
                join(base, facts.base) if base else (facts.base if normalised(facts.base) else None)
            )
        for filename, href in facts.links:
            if project is not None:
                self.listed.setdefault(project, set()).add(filename)
            url = href if normalised(href) else (join(base, href) if base else None)
            if url is None:
                continue
            url = url.split("#", 1)[0]
            self.teach(url, filename, project)
            self.teach(url + ".metadata", filename + ".metadata", project)

    def redirect(self, entry: _Entry) -> None:
        location = entry.raw.facts.location
        if not location:
            return
        target = (
            location if normalised(location) else (join(entry.url, location) if entry.url else None)
        )
        if target is None:
            return
        target = target.split("#", 1)[0]
        self.teach(target, filename_of(target), entry.project)
        if entry.project is None or entry.version is None:
            for norm in spellings(target):
                for hit in self.by_key.get(_key(norm), ()):
                    if hit.kind != "unknown":
                        entry.project = entry.project or hit.project
                        entry.version = entry.version or hit.version
            _kind, project, version = _parsed(filename_of(target))
            entry.project = entry.project or project
            entry.version = entry.version or version
        if entry.filename is None:
            entry.filename = filename_of(target) or None

    def fallback_filename(self, entry: _Entry) -> None:
        """The one file name a page of the project lists for this kind and version."""
        if entry.filename is not None or entry.project is None or entry.version is None:
            return
        wanted = _version(entry.version)
        matches = set()
        for filename in self.listed.get(entry.project, ()):
            kind, _project, version = _parsed(filename)
            if version is None or _version(version) != wanted:
                continue
            if kind == entry.kind:
                matches.add(filename)
            elif entry.kind == "metadata" and kind == "wheel":
                matches.add(filename + ".metadata")
        if len(matches) == 1:
            entry.filename = matches.pop()


def _version(text: str) -> object:
    try:
        return Version(text)
    except InvalidVersion:
        return text


def name_entries(raws: Sequence[Raw], index_urls: Iterable[str] = ()) -> List[HttpEntry]:
    """Name every entry; the result is in the order of ``raws``."""
    entries = [_Entry(raw) for raw in raws]
    namer = _Namer(entries)
    roots = [
        (root, norm)
        for root in _roots(entries, index_urls)
        if (norm := normalised(root)) is not None
    ]
    for entry in entries:
        if entry.kind == "index-page":
            namer.page(entry, roots)
    for entry in entries:
        if entry.kind == "redirect":
            namer.redirect(entry)
    for entry in entries:
        if entry.kind in ("wheel", "sdist", "metadata"):
            namer.fallback_filename(entry)
    return [_model(entry) for entry in entries]


class Located(Protocol):
    """Where an entry is, what it weighs, when it was last used (a :class:`Raw` says it)."""

    @property
    def area(self) -> str: ...
    @property
    def paths(self) -> Tuple[Path, ...]: ...
    @property
    def size(self) -> int: ...
    @property
    def last_used_ns(self) -> int: ...


def _model(entry: _Entry) -> HttpEntry:
    return model(entry.raw, entry.kind, entry.project, entry.version, entry.filename, entry.url)


def model(  # noqa: PLR0913, PLR0917 - the fields of an entry
    raw: Located,
    kind: str,
    project: Optional[str],
    version: Optional[str],
    filename: Optional[str],
    url: Optional[str],
) -> HttpEntry:
    """The :class:`HttpEntry` of ``raw`` with these names."""
    return HttpEntry(
        kind=cast("HttpKind", kind),
        project=project,
        version=version,
        filename=filename,
        url=url,
        area=raw.area,
        files=raw.paths,
        size=raw.size,
        last_used=datetime.fromtimestamp(raw.last_used_ns / 1e9, tz=timezone.utc),
    )
