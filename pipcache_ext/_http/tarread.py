"""Just enough of a tar reader to name an sdist: its top directory and ``<top>/PKG-INFO``.

Members are read in order from a stream (a gzip :class:`~pipcache_ext._http.source.Inflater`, or
a plain tar), headers only, until ``<top>/PKG-INFO`` is found; other members' data is skipped.
ustar prefixes, GNU long names and pax ``path`` records are understood. The stream caps how much
is inflated; arbitrary bytes raise :class:`~pipcache_ext._http.source.FormatError`.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Protocol, Tuple

from .source import FormatError, Window

__all__ = ["Sdist", "Stream", "WindowStream", "read_sdist"]

_BLOCK = 512
_MAX_MEMBERS = 100_000
_MAX_NAME = 64 * 1024
PKG_INFO_CAP = 1024 * 1024


class Stream(Protocol):
    """What the reader needs of its input."""

    def read(self, length: int) -> bytes:
        """Up to ``length`` bytes; fewer only at the end."""

    def skip(self, length: int) -> int:
        """Drop ``length`` bytes; how many there were."""


class WindowStream:
    """A :class:`Window` read forward, as a :class:`Stream`."""

    def __init__(self, window: Window) -> None:
        self._window = window
        self._position = 0

    def read(self, length: int) -> bytes:
        """Up to ``length`` bytes; fewer only at the end."""
        data = self._window.read(self._position, length)
        self._position += len(data)
        return data

    def skip(self, length: int) -> int:
        """Drop ``length`` bytes; how many there were."""
        step = max(0, min(length, self._window.length - self._position))
        self._position += step
        return step


class Sdist(NamedTuple):
    """What names an sdist: its top directory and its ``PKG-INFO`` (``None`` when absent)."""

    top: str
    pkg_info: Optional[bytes]


def _octal(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        return -value if field[0] & 0x40 else value
    text = field.replace(b"\0", b" ").strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise FormatError("not a tar archive (a bad number in a header)") from None


def _exactly(stream: Stream, length: int) -> bytes:
    data = stream.read(length)
    if len(data) != length:
        raise FormatError("a truncated tar archive")
    return data


def _data(stream: Stream, size: int, cap: int) -> bytes:
    """A member's data (at most ``cap`` bytes kept), its padding skipped."""
    padded = -(-size // _BLOCK) * _BLOCK
    kept = _exactly(stream, min(size, cap))
    stream.skip(padded - len(kept))
    return kept


def _pax_path(records: bytes) -> Optional[str]:
    r"""The ``path`` of a pax extended header (``"<length> path=<value>\\n"`` records)."""
    position = 0
    while position < len(records):
        space = records.find(b" ", position)
        if space < 0:
            break
        try:
            length = int(records[position:space])
        except ValueError:
            break
        if length <= 0:
            break
        record = records[space + 1 : position + length - 1]
        key, _, value = record.partition(b"=")
        if key == b"path":
            return value.decode("utf-8", "surrogateescape")
        position += length
    return None


def _checksum_ok(header: bytes) -> bool:
    stored = _octal(header[148:156])
    computed = sum(header[:148]) + 8 * 32 + sum(header[156:])
    return stored == computed


def _header(stream: Stream) -> Optional[Tuple[bytes, int, str]]:
    """The next member's ``(type, size, name)``; ``None`` at the end of the archive."""
    header = stream.read(_BLOCK)
    if len(header) < _BLOCK or not header.strip(b"\0"):
        return None  # the end (two zero blocks), or a stream that stops early
    if not _checksum_ok(header):
        raise FormatError("not a tar archive (a header checksum does not match)")
    size = _octal(header[124:136])
    if size < 0:
        raise FormatError("a tar member of negative size")
    return header[156:157], size, _name(header)


def read_sdist(stream: Stream) -> Sdist:
    """Read members until ``<top>/PKG-INFO``.

    :raises FormatError: not a tar archive, a corrupt or truncated one, or an empty one.
    """
    top: Optional[str] = None
    long_name: Optional[str] = None
    for _ in range(_MAX_MEMBERS):
        member = _header(stream)
        if member is None:
            break
        kind, size, name = member
        if kind in (b"L", b"x"):  # the next member's long name
            data = _data(stream, size, _MAX_NAME)
            long_name = (
                data.rstrip(b"\0").decode("utf-8", "surrogateescape")
                if kind == b"L"
                else _pax_path(data)
            )
            continue
        parts = [part for part in (long_name or name).split("/") if part not in ("", ".")]
        long_name = None
        if top is None and parts and kind != b"g":
            top = parts[0]
        if top is not None and parts == [top, "PKG-INFO"] and kind in (b"0", b"\0", b"7"):
            return Sdist(top, _data(stream, size, PKG_INFO_CAP))
        _data(stream, size, 0)
    if top is None:
        raise FormatError("an empty tar archive")
    return Sdist(top, None)


def _name(header: bytes) -> str:
    name = header[:100].split(b"\0", 1)[0]
    if header[257:262] == b"ustar":
        prefix = header[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return name.decode("utf-8", "surrogateescape")
