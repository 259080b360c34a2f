"""What an index page says: PEP 691 JSON and PEP 503 HTML pages, and core metadata headers.

Pure functions of the (already decoded) text. A page gives its project's name, when it says it,
its ``<base href>``, and its links: ``(filename, href)``, the href as written (relative or not).
"""

from __future__ import annotations

import json
import posixpath
import urllib.parse
from collections import Counter
from html.parser import HTMLParser
from typing import Any, List, NamedTuple, Optional, Tuple

from packaging.utils import canonicalize_name

from .source import FormatError

__all__ = [
    "Page",
    "core_metadata",
    "filename_of",
    "parse_html_page",
    "parse_json_page",
    "project_of_filename",
]

_MAX_LINKS = 1_000_000


class Page(NamedTuple):
    """An index page.

    :ivar name: the canonical project name it is about, ``None`` when it does not tell.
    :ivar base: its ``<base href>``, if any.
    :ivar links: ``(filename, href)`` of each file it lists, hrefs as written.
    """

    name: Optional[str]
    base: Optional[str]
    links: Tuple[Tuple[str, str], ...]


def core_metadata(data: bytes) -> Tuple[Optional[str], Optional[str]]:
    """``(Name, Version)`` from the headers of a METADATA / PKG-INFO text (``None`` if absent)."""
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    name = version = None
    for line in text.splitlines():
        if not line.strip():
            break
        if line[:1] in (" ", "\t"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        if key == "name" and name is None:
            name = value.strip() or None
        elif key == "version" and version is None:
            version = value.strip() or None
    return name, version


def filename_of(href: str) -> str:
    """The last path segment of a URL, unquoted (``.../six-1.16.0.tar.gz#sha256=...``)."""
    path = urllib.parse.urlsplit(href).path
    return urllib.parse.unquote(posixpath.basename(path))


def project_of_filename(filename: str) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """``(kind, canonical name, version)`` that a distribution's file name gives.

    ``kind`` is ``"wheel"`` or ``"sdist"``; ``.metadata`` names give ``"metadata"`` and the
    name and version of the file they describe. Unknown forms give ``(None, None, None)``.
    """
    from packaging.utils import parse_sdist_filename, parse_wheel_filename  # noqa: PLC0415

    kind = None
    name = filename
    if name.endswith(".metadata"):
        kind = "metadata"
        name = name[: -len(".metadata")]
    try:
        if name.endswith(".whl"):
            project, version, _build, _tags = parse_wheel_filename(name)
            return kind or "wheel", str(project), str(version)
        if name.endswith((".tar.gz", ".zip")):
            project, version = parse_sdist_filename(name)
            return kind or "sdist", str(project), str(version)
    except ValueError:  # Invalid*Filename and InvalidVersion are ValueErrors
        pass
    return None, None, None


def parse_json_page(text: str) -> Page:
    """A PEP 691 page (``application/vnd.pypi.simple.v1+json``).

    :raises FormatError: it is not JSON, or not a project page.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FormatError("an index page that is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise FormatError("a JSON page without 'meta'")
    name = data.get("name")
    files = data.get("files", [])
    if not isinstance(files, list):
        raise FormatError("a JSON page whose 'files' is not a list")
    links: List[Tuple[str, str]] = []
    for item in files[:_MAX_LINKS]:
        if not isinstance(item, dict):
            continue
        url, filename = item.get("url"), item.get("filename")
        if isinstance(url, str):
            links.append((filename if isinstance(filename, str) else filename_of(url), url))
    canonical = canonicalize_name(name) if isinstance(name, str) and name else None
    return Page(canonical or _majority(links), None, tuple(links))


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: List[Tuple[str, str]] = []
        self.base: Optional[str] = None
        self.title: List[str] = []
        self._href: Optional[str] = None
        self._text: List[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and len(self.links) < _MAX_LINKS:
            self._href = values["href"]
            self._text = []
        elif tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag in ("title", "h1") and not self.title:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = "".join(self._text).strip()
            self.links.append((text or filename_of(self._href), self._href))
            self._href = None
        elif tag in ("title", "h1"):
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._in_title:
            self.title.append(data)


def parse_html_page(text: str) -> Page:
    """A PEP 503 page: its anchors, ``<base>``, and a name from the files (or ``Links for X``).

    :raises FormatError: it has neither links nor a title.
    """
    parser = _Anchors()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser's own failures
        raise FormatError(f"an HTML page that cannot be parsed ({exc})") from exc
    name = _majority(parser.links)
    if name is None:
        title = " ".join("".join(parser.title).split())
        if title.lower().startswith("links for "):
            name = canonicalize_name(title[len("links for ") :]) or None
    if not parser.links and name is None and not parser.title:
        raise FormatError("an HTML page with no links")
    return Page(name, parser.base, tuple(parser.links))


def _majority(links: Any) -> Optional[str]:  # noqa: ANN401 - a sequence of links
    """The project most of the files belong to."""
    counts = Counter(project_of_filename(filename)[1] for filename, _href in links)
    counts.pop(None, None)
    if not counts:
        return None
    return counts.most_common(1)[0][0]
