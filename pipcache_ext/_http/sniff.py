"""What a cached response is, from its status, its standard headers and its bytes alone.

No PyPI-only header is used: a body that is a zip with ``*.dist-info/METADATA`` is a wheel; a
tar(.gz) or zip with ``<top>/PKG-INFO`` is an sdist; text starting ``Metadata-Version:`` is a
PEP 658 ``.metadata`` file; a PEP 691 JSON or PEP 503 HTML text is an index page; a 3xx with
``Location`` is a redirect. ``Content-Encoding: gzip`` (pip keeps bodies as received) is undone
first, capped. Whatever cannot be read is ``"unknown"`` with the reason in ``problem``.
"""

from __future__ import annotations

import re
from typing import Dict, NamedTuple, Optional, Tuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import pages
from .serial import Response
from .source import FormatError, Inflater, TooLarge, Window, bytes_reader
from .tarread import WindowStream, read_sdist
from .zipread import Member, find_member, members, read_member

__all__ = ["Facts", "describe"]

PAGE_CAP = 64 * 1024 * 1024  # an index page inflates to at most this
METADATA_CAP = 8 * 1024 * 1024  # a METADATA / PKG-INFO read is cut here
SDIST_CAP = 256 * 1024 * 1024  # a tar.gz is inflated this far, at most, to find PKG-INFO
_RATIO = 200  # ... and never beyond this many times its compressed size (+ 1 MiB)
_SLACK = 1024 * 1024
_SNIFF = 512

_WHEEL_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
_SDIST_PKG_INFO = re.compile(r"[^/]+/PKG-INFO")
_JSON_TYPES = ("application/vnd.pypi.simple.v1+json", "application/json")
_HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html", "application/xhtml+xml")


class Facts(NamedTuple):
    """What was learnt from one entry (kept in the disk cache between listings).

    :ivar kind: ``"wheel"``, ``"sdist"``, ``"metadata"``, ``"index-page"``, ``"redirect"`` or
        ``"unknown"``.
    :ivar project: the canonical project name its content gives.
    :ivar version: the version its content gives.
    :ivar location: a redirect's ``Location``.
    :ivar base: an HTML page's ``<base href>``.
    :ivar links: a page's ``(filename, href)`` pairs.
    :ivar problem: why it could not be read (a warning), ``None`` when it could.
    """

    kind: str
    project: Optional[str] = None
    version: Optional[str] = None
    location: Optional[str] = None
    base: Optional[str] = None
    links: Tuple[Tuple[str, str], ...] = ()
    problem: Optional[str] = None


def unknown(problem: Optional[str]) -> Facts:
    return Facts("unknown", problem=problem)


def _cap(window: Window, absolute: int) -> int:
    return min(absolute, _RATIO * window.length + _SLACK)


def _named(kind: str, name: Optional[str], version: Optional[str]) -> Facts:
    return Facts(kind, canonicalize_name(name) if name else None, version)


def _top_dir_name(top: str) -> Tuple[Optional[str], Optional[str]]:
    """``name-version`` of an sdist's top directory, if it reads as one."""
    name, sep, version = top.rpartition("-")
    if not sep or not name:
        return None, None
    try:
        Version(version)
    except InvalidVersion:
        return None, None
    return name, version


def _read_metadata(window: Window, member: Member) -> bytes:
    """A METADATA / PKG-INFO member: whole (its CRC checked), or its headers when it is huge."""
    try:
        return read_member(window, member, METADATA_CAP)
    except TooLarge:
        return read_member(window, member, METADATA_CAP, stop_at=b"\n\n")


def _naming_member(raw: bytes) -> bool:
    """``X.dist-info/METADATA`` or ``X/PKG-INFO``: the members that name a zip."""
    return raw.count(b"/") == 1 and raw.endswith((b".dist-info/METADATA", b"/PKG-INFO"))


def _from_zip(window: Window) -> Facts:
    wheel = find_member(window, b".dist-info/METADATA")
    listed = [wheel] if wheel is not None else members(window, _naming_member)
    for member in listed:
        if _WHEEL_METADATA.fullmatch(member.name):
            data = _read_metadata(window, member)
            name, version = pages.core_metadata(data)
            if name is None or version is None:
                dist_info = member.name.split("/")[0][: -len(".dist-info")]
                dir_name, dir_version = _top_dir_name(dist_info)
                name, version = name or dir_name, version or dir_version
            return _named("wheel", name, version)
    for member in listed:
        if _SDIST_PKG_INFO.fullmatch(member.name):
            data = _read_metadata(window, member)
            name, version = pages.core_metadata(data)
            top_name, top_version = _top_dir_name(member.name.split("/")[0])
            return _named("sdist", name or top_name, version or top_version)
    return unknown("a zip archive without *.dist-info/METADATA or PKG-INFO")


def _from_tar(window: Window, gzipped: bool) -> Facts:
    stream = (
        Inflater(window, _cap(window, SDIST_CAP), wbits=31) if gzipped else WindowStream(window)
    )
    try:
        sdist = read_sdist(stream)
    except TooLarge as exc:
        return unknown(f"a tar archive that {exc} before its PKG-INFO")
    name, version = pages.core_metadata(sdist.pkg_info) if sdist.pkg_info else (None, None)
    top_name, top_version = _top_dir_name(sdist.top)
    if name is None and top_name is None:
        return unknown("a tar archive without PKG-INFO")
    facts = _named("sdist", name or top_name, version or top_version)
    if sdist.pkg_info is None:
        return facts._replace(problem="an sdist without PKG-INFO: named by its top directory")
    return facts


def _unread(content_type: str) -> Facts:
    shown = f" ({content_type})" if content_type else ""
    return unknown(f"a body{shown} in no format this library reads")


def _is_metadata(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf")[:17].lower() == b"metadata-version:"


def _from_text(data: bytes, content_type: str) -> Facts:
    head = data[:_SNIFF]
    if _is_metadata(head):
        name, version = pages.core_metadata(data[:METADATA_CAP])
        if name is None:
            return unknown("a core metadata file without Name")
        return _named("metadata", name, version)
    text = data.decode("utf-8", "replace")
    stripped = head.lstrip()
    if content_type in _JSON_TYPES or stripped.startswith(b"{"):
        page = pages.parse_json_page(text)
    elif content_type in _HTML_TYPES or stripped.startswith(b"<"):
        page = pages.parse_html_page(text)
    else:
        return _unread(content_type)
    return Facts("index-page", page.name, None, base=page.base, links=page.links)


def _text_like(head: bytes, content_type: str) -> bool:
    stripped = head.lstrip()
    return (
        _is_metadata(head)
        or content_type in _JSON_TYPES
        or content_type in _HTML_TYPES
        or stripped[:1] in (b"{", b"<")
    )


def _from_body(  # noqa: PLR0911 - one return per kind
    window: Window, headers: Optional[Dict[str, str]]
) -> Facts:
    """What the body is; ``headers`` ``None``: not read (gzip data is then sniffed inflated)."""
    known = headers is not None
    headers = headers or {}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = headers.get("content-encoding", "").strip().lower()
    head = window.head(_SNIFF)
    if encoding in ("gzip", "x-gzip", "deflate") or (not known and head.startswith(b"\x1f\x8b")):
        wbits = 47 if encoding != "deflate" else 15
        head = Inflater(window, _cap(window, PAGE_CAP), wbits).read(_SNIFF)
        if head[257:262] == b"ustar":  # a tar, gzipped: a .tar.gz
            return _from_tar(window, gzipped=True)
        if not _text_like(head, content_type):
            return _unread(content_type)
        data = Inflater(window, _cap(window, PAGE_CAP), wbits).read_all()
        return _from_text(data, content_type)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _from_zip(window)
    if head.startswith(b"\x1f\x8b"):
        return _from_tar(window, gzipped=True)
    if head[257:262] == b"ustar":
        return _from_tar(window, gzipped=False)
    if not _text_like(head, content_type):
        return _unread(content_type)
    if window.length > PAGE_CAP and not _is_metadata(head):
        return unknown(f"a text body of {window.length} bytes, too large to read as a page")
    return _from_text(window.head(min(window.length, PAGE_CAP)), content_type)


def describe(response: Optional[Response], body: Optional[Window]) -> Facts:
    """What a cached response is (``response`` ``None``: a body alone, headers not read).

    Never raises on bad bytes: a read that fails gives ``"unknown"`` with the reason.
    """
    headers = response.headers if response is not None else None
    redirect = response is not None and 300 <= response.status < 400
    if redirect and headers is not None and "location" in headers:
        return Facts("redirect", location=headers["location"])
    if response is not None and isinstance(response.body, bytes):
        body = Window(bytes_reader(response.body), 0, len(response.body))
    if body is None or body.length == 0:
        return unknown("an entry with an empty body")
    try:
        return _from_body(body, headers)
    except TooLarge as exc:
        return unknown(f"too large to read: {exc}")
    except FormatError as exc:
        return unknown(str(exc))
