"""CacheControl's entry formats, read back: ``cc=4,`` + msgpack (pip 10+), ``cc=2,`` + zlib JSON.

- pip 10-26.3 (CacheControl 0.12-0.14): ``b"cc=4," + msgpack({"response": {"body", "headers",
  "status", "version", "reason", "decode_content"[, "strict"]}, "vary": {...}})``. In ``http-v2/``
  the body is ``b""`` and the real one is in ``<key>.body``;
- pip 7-9 (CacheControl 0.11): ``b"cc=2," + zlib(JSON)`` of the same map, with the body, the
  headers, the reason and the vary map base64-encoded;
- ``cc=1,`` (pip 6, a pickle) and anything else are not read: :class:`Unsupported`.

Header names are lowercased (HTTP header names are case-insensitive); the first of duplicates wins.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Dict, NamedTuple, Optional, Union

from .mpack import unpack
from .source import FormatError, ReadAt, Span, TooLarge, Window, inflate

__all__ = ["Response", "Unsupported", "body_span", "read_response"]

#: At most this many bytes come out of a ``cc=2`` entry (its body is in it, base64-encoded).
CC2_CAP = 256 * 1024 * 1024


class Unsupported(FormatError):  # noqa: N818 - a kind of FormatError
    """A CacheControl format this library does not read (``cc=1``: a pickle, never unpickled)."""


class Response(NamedTuple):
    """A cached response.

    :ivar status: the HTTP status (``200``, ``301``, ...).
    :ivar headers: lowercased name -> value.
    :ivar body: the body bytes, or a :class:`Span` of the entry file holding them (a large body
        of an ``http/`` entry), ``None`` when the entry holds none (``http-v2/``: it is in the
        ``.body`` file).
    :ivar serde: ``"cc=4"`` or ``"cc=2"``.
    """

    status: int
    headers: Dict[str, str]
    body: Union[bytes, Span, None]
    serde: str


def _headers(raw: Any, decode: Any = None) -> Dict[str, str]:  # noqa: ANN401 - untrusted data
    if not isinstance(raw, dict):
        raise FormatError("the cached headers are not a map")
    headers: Dict[str, str] = {}
    for key, value in raw.items():
        name = decode(key) if decode else key
        text = decode(value) if decode else value
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        if isinstance(name, str) and isinstance(text, str):
            headers.setdefault(name.lower(), text)
    return headers


def _get(data: Dict[Any, Any], key: str) -> Any:  # noqa: ANN401 - untrusted data
    """``data[key]``, also when an old msgpack wrote the key as bytes."""
    if key in data:
        return data[key]
    return data.get(key.encode("ascii"))


def _status(response: Dict[Any, Any]) -> int:
    status = _get(response, "status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise FormatError("the cached response has no status")
    return int(status)


def _cc4(read_at: ReadAt, size: int) -> Response:
    data, _end = unpack(read_at, size, start=5)
    response = _get(data, "response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        raise FormatError("a cc=4 entry without a response")
    body = _get(response, "body")
    if body is None:
        body = b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    if not isinstance(body, (bytes, Span)):
        raise FormatError("a cc=4 entry whose body is not bytes")
    if isinstance(body, bytes) and not body:
        body = None
    return Response(_status(response), _headers(_get(response, "headers")), body, "cc=4")


def _b64(text: Any) -> bytes:  # noqa: ANN401 - untrusted data
    if not isinstance(text, str):
        raise FormatError("a cc=2 field is not base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise FormatError("a cc=2 field is not base64") from exc


def _b64_text(text: Any) -> str:  # noqa: ANN401 - untrusted data
    return _b64(text).decode("utf-8", "surrogateescape")


def _cc2(read_at: ReadAt, size: int) -> Response:
    try:
        text = inflate(Window(read_at, 5, size - 5), CC2_CAP, wbits=15)
    except TooLarge:
        raise
    except FormatError as exc:
        raise FormatError(f"a cc=2 entry whose zlib data is corrupt ({exc})") from exc
    try:
        data = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FormatError("a cc=2 entry whose JSON is corrupt") from exc
    response = data.get("response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        raise FormatError("a cc=2 entry without a response")
    body = _b64(response.get("body", ""))
    headers = _headers(response.get("headers"), _b64_text)
    return Response(_status(response), headers, body or None, "cc=2")


def read_response(read_at: ReadAt, size: int) -> Response:
    """Read one CacheControl entry file.

    :raises Unsupported: another ``cc=N`` format.
    :raises FormatError: not a CacheControl entry, or a corrupt one.
    """
    prefix = read_at(0, 5)
    if prefix == b"cc=4,":
        return _cc4(read_at, size)
    if prefix == b"cc=2,":
        return _cc2(read_at, size)
    version: Optional[bytes] = None
    if prefix.startswith(b"cc="):
        version = read_at(0, 16).split(b",", 1)[0][3:]
    if version is not None and version.isdigit():
        raise Unsupported(f"CacheControl format cc={version.decode('ascii')} is not read")
    raise FormatError("not a CacheControl cache entry")


_MAP_HEADERS = {0xDE: 3, 0xDF: 5}  # map16, map32: the type byte and the count
_BIN_HEADERS = {0xC4: 1, 0xC5: 2, 0xC6: 4}


def _skip_map_header(data: bytes, position: int) -> Optional[int]:
    if position >= len(data):
        return None
    byte = data[position]
    if 0x80 <= byte <= 0x8F:
        return position + 1
    step = _MAP_HEADERS.get(byte)
    return None if step is None else position + step


def body_span(read_at: ReadAt, size: int) -> Optional[Span]:  # noqa: PLR0911 - one per check
    """Where the body of a ``cc=4`` ``http/`` entry is, read from its first bytes only.

    CacheControl (on Python 3.7+, where dicts keep their order) writes ``response`` first and
    ``body`` first in it, and ``headers`` right after the body: this finds the body without
    reading the rest. ``None`` when the entry is not laid out so (an empty body, another key
    order, an old pip on Python 2): read it all with :func:`read_response` then.
    """
    head = read_at(0, 64)
    if not head.startswith(b"cc=4,"):
        return None
    position = _skip_map_header(head, 5)
    if position is None or head[position : position + 9] != b"\xa8response":
        return None
    position = _skip_map_header(head, position + 9)
    if position is None or head[position : position + 5] != b"\xa4body":
        return None
    position += 5
    width = _BIN_HEADERS.get(head[position]) if position < len(head) else None
    if width is None:
        return None
    length = int.from_bytes(head[position + 1 : position + 1 + width], "big")
    start = position + 1 + width
    if not length or start + length + 8 > size:
        return None
    if read_at(start + length, 8) != b"\xa7headers":  # the body is whole: the map goes on
        return None
    return Span(start, length)
