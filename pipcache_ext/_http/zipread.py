"""Just enough of a zip reader to name a wheel or a zipped sdist: the central directory, one member.

Only the end of the archive (its end-of-central-directory record and central directory) and the
one member asked for are read, never the rest of the body. Stored and deflated members are read
(the only methods wheels use); a member inflates to at most the cap it is given. Every length is
checked against the archive's size first: arbitrary bytes raise
:class:`~pipcache_ext._http.source.FormatError`, never anything else.
"""

from __future__ import annotations

import struct
import zlib
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from .source import FormatError, TooLarge, Window

__all__ = ["Member", "find_member", "members", "read_member"]

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_EOCD_SIZE = 22
_TAIL = 4096  # the end usually holds the whole record: read this much first
_MAX_COMMENT = 0xFFFF
_MAX_DIRECTORY = 64 * 1024 * 1024  # a central directory bigger than this is not a wheel's
_STORED = 0
_DEFLATED = 8
_UTF8_FLAG = 0x800


class Member(NamedTuple):
    """A member of the archive, as the central directory describes it."""

    name: str
    method: int
    compressed_size: int
    size: int
    header_offset: int  # of its local header, from the start of the window
    crc: int = 0


def _find_end(window: Window) -> int:
    """The offset of the end-of-central-directory record."""
    size = window.length
    for span in (_TAIL, _EOCD_SIZE + _MAX_COMMENT):
        start = max(0, size - span)
        tail = window.read(start, size - start)
        found = tail.rfind(_EOCD)
        while found >= 0:
            if len(tail) - found >= _EOCD_SIZE:
                return start + found
            found = tail.rfind(_EOCD, 0, found)
        if start == 0:
            break
    raise FormatError("not a zip archive (no end of central directory)")


def _zip64_directory(window: Window, end: int) -> Optional[Tuple[int, int, int]]:
    """``(entries, directory size, directory offset)`` from a zip64 record, if there is one."""
    if end < 20:
        return None
    locator = window.exactly(end - 20, 20)
    if locator[:4] != _EOCD64_LOCATOR:
        return None
    (record,) = struct.unpack("<Q", locator[8:16])
    data = window.exactly(record, 56) if record + 56 <= window.length else b""
    if data[:4] != _EOCD64:
        raise FormatError("a zip64 archive whose zip64 record is missing")
    entries, dir_size, dir_offset = struct.unpack("<QQQ", data[32:56])
    return int(entries), int(dir_size), int(dir_offset)


_CENTRAL_HEADER = struct.Struct("<4s6H3I5H2I")  # 46 bytes


def _directory(window: Window) -> Tuple[bytes, int, int]:
    """``(central directory, entries, shift)``; ``shift``: data before the archive."""
    end = _find_end(window)
    record = window.exactly(end, _EOCD_SIZE)
    entries, dir_size, dir_offset = struct.unpack("<HII", record[10:20])
    if entries == 0xFFFF or 0xFFFFFFFF in (dir_size, dir_offset):
        zip64 = _zip64_directory(window, end)
        if zip64 is not None:
            entries, dir_size, dir_offset = zip64
    if dir_size > _MAX_DIRECTORY or dir_size > end:
        raise FormatError(f"a zip central directory of {dir_size} bytes")
    # Data before the archive (a self-extractor) shifts every offset, as zipfile allows.
    shift = end - dir_size - dir_offset
    if shift < 0:
        raise FormatError("a zip central directory outside the archive")
    return window.exactly(dir_offset + shift, dir_size), entries, shift


def _member_at(directory: bytes, position: int, shift: int) -> Tuple[Member, int]:
    """The member whose central header is at ``position``, and where the next one starts."""
    if position + 46 > len(directory):
        raise FormatError("a truncated zip central directory")
    (signature, _made, _needed, flags, method, _time, _date, crc, compressed, size,
     name_length, extra_length, comment_length, _disk, _internal, _external,
     offset) = _CENTRAL_HEADER.unpack_from(directory, position)  # fmt: skip
    if signature != _CENTRAL:
        raise FormatError("a corrupt zip central directory")
    name_end = position + 46 + name_length
    if name_end > len(directory):
        raise FormatError("a truncated zip central directory")
    raw_name = directory[position + 46 : name_end]
    extra = directory[name_end : name_end + extra_length]
    compressed, size, offset = _zip64_sizes(extra, compressed, size, offset)
    name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "cp437", "surrogateescape")
    member = Member(name, method, compressed, size, offset + shift, crc)
    return member, name_end + extra_length + comment_length


def members(window: Window, wanted: Optional[Callable[[bytes], bool]] = None) -> List[Member]:
    """The members listed in the central directory.

    :param wanted: only the members whose raw name it accepts (the others are not decoded).

    :raises FormatError: not a zip archive, or a corrupt one.
    """
    directory, entries, shift = _directory(window)
    found: List[Member] = []
    position = 0
    unpack = _CENTRAL_HEADER.unpack_from
    for _ in range(entries):
        if position + 46 > len(directory):
            break
        fields = unpack(directory, position)
        if fields[0] != _CENTRAL:
            raise FormatError("a corrupt zip central directory")
        name_length, extra_length, comment_length = fields[10:13]
        name_end = position + 46 + name_length
        if wanted is None or wanted(directory[position + 46 : name_end]):
            member, _next = _member_at(directory, position, shift)
            found.append(member)
        position = name_end + extra_length + comment_length
    return found


def find_member(window: Window, suffix: bytes) -> Optional[Member]:
    """The member ``<top>/<...suffix>`` (one ``/``), found by searching the directory's bytes.

    Quicker than :func:`members` for a wheel's ``.dist-info/METADATA``: one search and one
    header read, not one per member. ``None`` when no such member is listed.
    """
    directory, _entries, shift = _directory(window)
    start = 0
    while True:
        found = directory.find(suffix, start)
        if found < 0:
            return None
        start = found + 1
        header = directory.rfind(_CENTRAL, 0, found)
        if header < 0:
            continue
        member, _next = _member_at(directory, header, shift)
        raw = directory[header + 46 : found + len(suffix)]
        if member.name.encode("utf-8", "surrogateescape") == raw and raw.count(b"/") == 1:
            return member


def _zip64_sizes(extra: bytes, compressed: int, size: int, offset: int) -> Tuple[int, int, int]:
    """Apply a zip64 extra field (id 1) to the fields that overflowed."""
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack("<HH", extra[position : position + 4])
        body = extra[position + 4 : position + 4 + length]
        if kind == 1:
            values = [struct.unpack("<Q", body[i : i + 8])[0] for i in range(0, len(body) - 7, 8)]
            fields: Dict[str, int] = {"size": size, "compressed": compressed, "offset": offset}
            for name in ("size", "compressed", "offset"):
                if fields[name] == 0xFFFFFFFF and values:
                    fields[name] = values.pop(0)
            return fields["compressed"], fields["size"], fields["offset"]
        position += 4 + length
    return compressed, size, offset


def read_member(
    window: Window, member: Member, cap: int, *, stop_at: Optional[bytes] = None
) -> bytes:
    r"""The contents of ``member``, at most ``cap`` bytes of them.

    :param stop_at: stop inflating once this appears (``b"\\n\\n"``: the end of the headers).
    :raises TooLarge: it holds more than ``cap`` bytes (and ``stop_at`` did not appear before).
    :raises FormatError: a corrupt member, or a compression method other than stored/deflate.
    """
    header = window.exactly(member.header_offset, 30)
    if header[:4] != _LOCAL:
        raise FormatError(f"zip member {member.name!r} has no local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = member.header_offset + 30 + name_length + extra_length
    if member.method == _STORED:
        if member.size > cap and stop_at is None:
            raise TooLarge(f"zip member {member.name!r} holds {member.size} bytes")
        if member.size > cap:
            return window.exactly(start, cap)  # a part: not checked
        return _checked(member, window.exactly(start, member.size))
    if member.method != _DEFLATED:
        raise FormatError(f"zip member {member.name!r} uses compression method {member.method}")
    data, whole = _inflate(window, start, member, cap, stop_at)
    return _checked(member, data) if whole else data


def _checked(member: Member, data: bytes) -> bytes:
    """The whole ``data`` of ``member``, if its size and CRC-32 are the directory's."""
    if len(data) != member.size or zlib.crc32(data) != member.crc:
        raise FormatError(f"zip member {member.name!r} is corrupt (its size or CRC-32 differ)")
    return data


def _inflate(
    window: Window, start: int, member: Member, cap: int, stop_at: Optional[bytes]
) -> Tuple[bytes, bool]:
    """The inflated member (or its start, up to ``stop_at``), and whether it is whole."""
    inflater = zlib.decompressobj(-15)
    out = bytearray()
    position = start
    left = member.compressed_size
    while left > 0 and not inflater.eof:
        chunk = window.read(position, min(left, 64 * 1024))
        if not chunk:
            raise FormatError(f"zip member {member.name!r} is truncated")
        position += len(chunk)
        left -= len(chunk)
        data = chunk
        while data and not inflater.eof:
            try:
                out += inflater.decompress(data, cap + 1 - len(out))
            except zlib.error as exc:
                raise FormatError(f"zip member {member.name!r} is corrupt ({exc})") from exc
            data = inflater.unconsumed_tail
            if stop_at is not None and stop_at in out:
                return bytes(out), False
            if len(out) > cap:
                if stop_at is not None:
                    return bytes(out[:cap]), False
                raise TooLarge(f"zip member {member.name!r} inflates to more than {cap} bytes")
    if not inflater.eof and member.compressed_size:
        raise FormatError(f"zip member {member.name!r} is truncated")
    return bytes(out), True
