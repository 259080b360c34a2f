"""Bytes to read, without I/O of its own: a ``read_at`` function, spans of it, capped inflation.

Every reader of :mod:`pipcache_ext._http` is a pure function of a :data:`ReadAt` (``(offset,
length) -> bytes``) and a size: the caller decides where the bytes come from (a file read with
``os.pread``, or ``bytes`` in a test). Nothing here reads more than it is asked for, and nothing
inflates past the cap it is given: a gzip or zlib bomb raises :class:`TooLarge`, never fills memory.
"""

from __future__ import annotations

import zlib
from typing import Callable, List, NamedTuple

__all__ = [
    "CHUNK",
    "FormatError",
    "Inflater",
    "ReadAt",
    "Span",
    "TooLarge",
    "Window",
    "bytes_reader",
    "inflate",
]

#: ``read_at(offset, length)``: at most ``length`` bytes from ``offset`` (fewer at the end).
ReadAt = Callable[[int, int], bytes]

#: How much is read at a time.
CHUNK = 64 * 1024


class FormatError(ValueError):
    """The bytes are not what they claim to be (truncated, corrupt, another format)."""


class TooLarge(FormatError):  # noqa: N818 - a kind of FormatError
    """Reading it would take more than the cap allows (a bomb, or an absurd length)."""


class Span(NamedTuple):
    """A slice of a source that was not read: ``length`` bytes at ``offset``."""

    offset: int
    length: int


def bytes_reader(data: bytes) -> ReadAt:
    """A :data:`ReadAt` over bytes in memory."""
    view = memoryview(data)

    def read_at(offset: int, length: int) -> bytes:
        if offset < 0 or length < 0:
            return b""
        return bytes(view[offset : offset + length])

    return read_at


class Window:
    """``length`` bytes of a source from ``offset``: what an entry's body is.

    :ivar read_at: the source.
    :ivar offset: where the window starts in it.
    :ivar length: how many bytes it holds.
    """

    __slots__ = ("length", "offset", "read_at")

    def __init__(self, read_at: ReadAt, offset: int, length: int) -> None:
        self.read_at = read_at
        self.offset = offset
        self.length = max(0, length)

    def read(self, offset: int, length: int) -> bytes:
        """At most ``length`` bytes at ``offset`` within the window."""
        if offset < 0 or offset >= self.length or length <= 0:
            return b""
        return self.read_at(self.offset + offset, min(length, self.length - offset))

    def exactly(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes at ``offset``.

        :raises FormatError: the window (or the file behind it) ends before.
        """
        data = self.read(offset, length)
        if len(data) != length:
            raise FormatError(f"truncated: {length} bytes wanted at {offset}, {len(data)} there")
        return data

    def head(self, length: int) -> bytes:
        """At most ``length`` bytes from the start."""
        return self.read(0, length)


class Inflater:
    """A stream of what ``window``'s gzip (or zlib) data inflates to, at most ``cap`` bytes.

    :param wbits: ``31`` gzip, ``15`` zlib, ``-15`` raw deflate, ``47`` gzip or zlib.
    :raises TooLarge: (from :meth:`read`) more than ``cap`` bytes would come out.
    :raises FormatError: (from :meth:`read`) the data is corrupt or truncated.
    """

    def __init__(self, window: Window, cap: int, wbits: int = 47) -> None:
        self._window = window
        self._cap = cap
        self._wbits = wbits
        self._inflater = zlib.decompressobj(wbits)
        self._position = 0  # in the compressed input
        self._pending = b""  # compressed input given to zlib but not consumed
        self._out = bytearray()
        self.produced = 0
        self.finished = False

    def _more(self, wanted: int) -> None:
        """Inflate until ``wanted`` bytes are buffered or the stream ends."""
        while len(self._out) < wanted and not self.finished:
            if not self._pending:
                self._pending = self._window.read(self._position, CHUNK)
                self._position += len(self._pending)
                if not self._pending:
                    if not self._inflater.eof:
                        raise FormatError("compressed data is truncated")
                    self.finished = True
                    return
            room = self._cap - self.produced + 1
            try:
                chunk = self._inflater.decompress(self._pending, min(room, CHUNK))
            except zlib.error as exc:
                raise FormatError(f"corrupt compressed data ({exc})") from exc
            tail = self._inflater.unconsumed_tail
            if not chunk and tail == self._pending and not self._inflater.eof:
                raise FormatError("compressed data makes no progress")
            self._pending = tail
            self.produced += len(chunk)
            if self.produced > self._cap:
                raise TooLarge(f"inflates to more than {self._cap} bytes")
            self._out += chunk
            if self._inflater.eof:
                self._next_member()

    def _next_member(self) -> None:
        """After the end of a gzip member: another one may follow (concatenated gzip)."""
        rest = self._inflater.unused_data + self._pending
        self._pending = b""
        if not rest:
            rest = self._window.read(self._position, CHUNK)
            self._position += len(rest)
        rest = rest.lstrip(b"\0")
        if self._wbits in (31, 47) and rest.startswith(b"\x1f\x8b"):
            self._inflater = zlib.decompressobj(self._wbits)
            self._pending = rest
        else:
            self.finished = True

    def read(self, length: int) -> bytes:
        """Up to ``length`` inflated bytes; fewer only at the end of the stream."""
        self._more(length)
        data = bytes(self._out[:length])
        del self._out[:length]
        return data

    def skip(self, length: int) -> int:
        """Inflate and drop ``length`` bytes; returns how many there were."""
        dropped = 0
        while dropped < length:
            got = len(self.read(min(CHUNK, length - dropped)))
            if not got:
                break
            dropped += got
        return dropped

    def read_all(self) -> bytes:
        """Everything that is left (at most the cap)."""
        parts: List[bytes] = []
        while True:
            chunk = self.read(CHUNK)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)


def inflate(window: Window, cap: int, wbits: int = 47) -> bytes:
    """All of ``window`` inflated, at most ``cap`` bytes (:class:`TooLarge` beyond)."""
    return Inflater(window, cap, wbits).read_all()
