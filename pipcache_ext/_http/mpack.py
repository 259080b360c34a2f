"""A msgpack reader for what CacheControl writes (``cc=4,`` entries), pure Python, never trusting.

It reads every msgpack type (maps, arrays, str, bin, ints, floats, bool, nil, ext), decoding str
as UTF-8 (undecodable bytes kept as surrogates). A ``bin`` longer than ``inline`` bytes is not
read: it comes back as a :class:`~pipcache_ext._http.source.Span` of the source, so the body of
a large ``http/`` entry is skipped, not loaded. Lengths are checked against the bytes that are
left before anything is allocated, and nesting is limited: arbitrary bytes raise
:class:`~pipcache_ext._http.source.FormatError`, never anything else.
"""

from __future__ import annotations

import struct
from typing import Any, Dict, List, NamedTuple, Tuple

from .source import CHUNK, FormatError, ReadAt, Span

__all__ = ["Ext", "unpack"]

_MAX_DEPTH = 32
_MAX_INLINE_STR = 16 * 1024 * 1024  # a str longer than this is not a header


class Ext(NamedTuple):
    """A msgpack extension value (CacheControl writes none)."""

    code: int
    data: bytes


class _Cursor:
    """Reads forward through a source, ``CHUNK`` bytes at a time."""

    __slots__ = ("_buffer", "_read_at", "_start", "end", "position")

    def __init__(self, read_at: ReadAt, start: int, end: int) -> None:
        self._read_at = read_at
        self._buffer = b""
        self._start = start  # offset of _buffer in the source
        self.position = start
        self.end = end

    def left(self) -> int:
        return self.end - self.position

    def take(self, length: int) -> bytes:
        if length > self.left():
            raise FormatError("truncated msgpack data")
        offset = self.position - self._start
        if offset + length > len(self._buffer):
            self._buffer = self._read_at(self.position, max(length, CHUNK))
            self._start = self.position
            offset = 0
            if len(self._buffer) < length:
                raise FormatError("truncated msgpack data (the file is shorter than it was)")
        self.position += length
        return self._buffer[offset : offset + length]

    def skip(self, length: int) -> Span:
        if length > self.left():
            raise FormatError("truncated msgpack data")
        span = Span(self.position, length)
        self.position += length
        return span


_FIXED = {  # type byte -> (struct format, size) of the integers and floats
    0xCA: (">f", 4),
    0xCB: (">d", 8),
    0xCC: (">B", 1),
    0xCD: (">H", 2),
    0xCE: (">I", 4),
    0xCF: (">Q", 8),
    0xD0: (">b", 1),
    0xD1: (">h", 2),
    0xD2: (">i", 4),
    0xD3: (">q", 8),
}
_LENGTHS = {1: ">B", 2: ">H", 4: ">I"}
_STR = {0xD9: 1, 0xDA: 2, 0xDB: 4}
_BIN = {0xC4: 1, 0xC5: 2, 0xC6: 4}
_ARRAY = {0xDC: 2, 0xDD: 4}
_MAP = {0xDE: 2, 0xDF: 4}
_EXT = {0xC7: 1, 0xC8: 2, 0xC9: 4}
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_CONSTANTS: Dict[int, Any] = {0xC0: None, 0xC2: False, 0xC3: True}


def _length(cursor: _Cursor, size: int) -> int:
    value: int = struct.unpack(_LENGTHS[size], cursor.take(size))[0]
    return value


class _Unpacker:
    def __init__(self, cursor: _Cursor, inline: int) -> None:
        self.cursor = cursor
        self.inline = inline

    def value(self, depth: int = 0) -> Any:  # noqa: ANN401, C901, PLR0911, PLR0912 - one branch per msgpack type
        if depth > _MAX_DEPTH:
            raise FormatError("msgpack data nested too deeply")
        cursor = self.cursor
        byte = cursor.take(1)[0]
        if byte <= 0x7F:
            return byte
        if byte >= 0xE0:
            return byte - 0x100
        if byte <= 0x8F:
            return self._map(byte & 0x0F, depth)
        if byte <= 0x9F:
            return self._array(byte & 0x0F, depth)
        if byte <= 0xBF:
            return self._str(byte & 0x1F)
        if byte in _CONSTANTS:
            return _CONSTANTS[byte]
        if byte in _FIXED:
            fmt, size = _FIXED[byte]
            return struct.unpack(fmt, cursor.take(size))[0]
        if byte in _STR:
            return self._str(_length(cursor, _STR[byte]))
        if byte in _BIN:
            return self._bin(_length(cursor, _BIN[byte]))
        if byte in _ARRAY:
            return self._array(_length(cursor, _ARRAY[byte]), depth)
        if byte in _MAP:
            return self._map(_length(cursor, _MAP[byte]), depth)
        if byte in _FIXEXT:
            return self._ext(_FIXEXT[byte])
        if byte in _EXT:
            return self._ext(_length(cursor, _EXT[byte]))
        raise FormatError(f"not msgpack: type byte 0x{byte:02x}")

    def _str(self, length: int) -> str:
        if length > _MAX_INLINE_STR:
            raise FormatError(f"msgpack string of {length} bytes")
        return self.cursor.take(length).decode("utf-8", "surrogateescape")

    def _bin(self, length: int) -> Any:  # noqa: ANN401 - bytes or a Span
        if length > self.inline:
            return self.cursor.skip(length)
        return self.cursor.take(length)

    def _ext(self, length: int) -> Ext:
        code = struct.unpack(">b", self.cursor.take(1))[0]
        data = self._bin(length)
        return Ext(code, data if isinstance(data, bytes) else b"")

    def _array(self, count: int, depth: int) -> List[Any]:
        if count > self.cursor.left():  # every element takes at least one byte
            raise FormatError(f"msgpack array of {count} items in {self.cursor.left()} bytes")
        return [self.value(depth + 1) for _ in range(count)]

    def _map(self, count: int, depth: int) -> Dict[Any, Any]:
        if 2 * count > self.cursor.left():
            raise FormatError(f"msgpack map of {count} items in {self.cursor.left()} bytes")
        result: Dict[Any, Any] = {}
        for _ in range(count):
            key = self.value(depth + 1)
            if isinstance(key, (list, dict)):
                raise FormatError("msgpack map with a container as a key")
            result[key] = self.value(depth + 1)
        return result


def unpack(read_at: ReadAt, size: int, *, start: int = 0, inline: int = CHUNK) -> Tuple[Any, int]:
    """The first msgpack value of the source from ``start``, and where it ends.

    :param read_at: the source; ``size``: its length.
    :param inline: ``bin`` values longer than this come back as a :class:`Span`, unread.
    :raises FormatError: the bytes are not one whole msgpack value.
    """
    cursor = _Cursor(read_at, start, size)
    value = _Unpacker(cursor, inline).value()
    return value, cursor.position
