"""From a URL to the name of its cache entry, as CacheControl and pip compute it.

CacheControl (0.11 in pip 8-9 up to 0.14 in pip 26.3, unchanged) keys an entry by
``sha224(_urlnorm(url))``: scheme and authority lowercased, an empty path made ``/``, the query
kept, the fragment dropped. pip's ``SafeFileCache`` files it as ``h[0]/h[1]/h[2]/h[3]/h[4]/h``.
The URL is the *request's*: what pip made of a link (``_clean_link``/``_ensure_quoted_url``
re-quotes the path) and then what requests made of that (``requote_uri``). :func:`spellings`
gives each spelling a pip may have requested, so that hashing finds the entry.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import urllib.parse
from typing import List, Optional

__all__ = ["cache_key", "join", "normalised", "page_url", "spellings"]

# CacheControl's controller.URI (RFC 3986, appendix B)
_URI = re.compile(r"^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_RESERVED_IN_PATH = re.compile("(@|%2F)", re.IGNORECASE)
# A URL that neither pip's quoting nor requests' changes: one spelling (most URLs are).
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.:_~\[\]-]+(/[A-Za-z0-9_.~/-]*)?")


def normalised(url: str) -> Optional[str]:
    """CacheControl's ``_urlnorm``; ``None`` for a URL that is not absolute."""
    match = _URI.match(url)
    if match is None:
        return None
    scheme, authority, path, query = match.group(2), match.group(4), match.group(5), match.group(7)
    if not scheme or not authority:
        return None
    request_uri = (path or "/") + (f"?{query}" if query else "")
    return f"{scheme.lower()}://{authority.lower()}{request_uri}"


def cache_key(url: str) -> Optional[str]:
    """The 56-hex-digit name of ``url``'s entry; ``None`` for a URL that is not absolute."""
    norm = normalised(url)
    if norm is None:
        return None
    return hashlib.sha224(norm.encode("utf-8", "surrogateescape")).hexdigest()


def _unquote_unreserved(uri: str) -> Optional[str]:
    """Requests' ``unquote_unreserved``; ``None`` where it raises ``InvalidURL``."""
    parts = uri.split("%")
    for index in range(1, len(parts)):
        hexa = parts[index][0:2]
        if len(hexa) == 2 and hexa.isalnum():
            try:
                char = chr(int(hexa, 16))
            except ValueError:
                return None
            if char in _UNRESERVED:
                parts[index] = char + parts[index][2:]
            else:
                parts[index] = "%" + parts[index]
        else:
            parts[index] = "%" + parts[index]
    return "".join(parts)


def _requote(uri: str) -> str:
    """Requests' ``requote_uri``: what it sends for a URL."""
    unquoted = _unquote_unreserved(uri)
    if unquoted is None:
        return urllib.parse.quote(uri, safe="!#$&'()*+,/:;=?@[]~")
    return urllib.parse.quote(unquoted, safe="!#$%&'()*+,/:;=?@[]~")


def _pip_quoted(url: str) -> str:
    """The quoting of pip 19.3+'s ``_ensure_quoted_url``: each path part unquoted, then quoted."""
    parts = urllib.parse.urlsplit(url)
    pieces = _RESERVED_IN_PATH.split(parts.path)
    cleaned = [
        piece.upper() if index % 2 else urllib.parse.quote(urllib.parse.unquote(piece))
        for index, piece in enumerate(pieces)
    ]
    return urllib.parse.urlunsplit(parts._replace(path="".join(cleaned)))


def spellings(url: str) -> List[str]:
    """The normalised URLs pips may have requested for the link ``url`` (absolute), each once."""
    if _PLAIN.fullmatch(url):
        norm = normalised(url)
        return [norm] if norm is not None else []
    found: List[str] = []
    try:
        candidates = [url, _requote(url), _pip_quoted(url), _requote(_pip_quoted(url))]
    except ValueError:  # urlsplit rejects some hosts (a bad IPv6 literal)
        candidates = [url]
    for candidate in candidates:
        norm = normalised(candidate)
        if norm is not None and norm not in found:
            found.append(norm)
    return found


def join(base: str, href: str) -> Optional[str]:
    """``href`` made absolute against ``base``; ``None`` when that gives no absolute URL."""
    try:
        absolute = urllib.parse.urljoin(base, href)
    except ValueError:
        return None
    return absolute if normalised(absolute) is not None else None


def page_url(index_url: str, project: str) -> str:
    """The page pip asks for ``project`` (canonical) on the index ``index_url``."""
    location = posixpath.join(index_url, urllib.parse.quote(project))
    return location if location.endswith("/") else location + "/"
