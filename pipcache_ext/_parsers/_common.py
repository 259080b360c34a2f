"""Helpers shared by the parsers: text clean-up, pip's size format, errors."""

from __future__ import annotations

import re
from typing import List, NamedTuple, NoReturn, Optional

from ..errors import ParseError

__all__ = ["ParsedSize", "clean_lines", "fail", "parse_size"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def clean_lines(text: str) -> List[str]:
    """Split pip's output into lines, without ANSI colour codes or line endings.

    ``FORCE_COLOR`` can leak colour into WARNING lines even on a pipe (pip 23.3.2-26.3, spec §1.1).
    """
    return _ANSI.sub("", text).splitlines()


def fail(message: str, *, text: str, pip_version: Optional[str]) -> NoReturn:
    """Raise :class:`ParseError` naming the pip that printed ``text``."""
    who = f"pip {pip_version}" if pip_version else "pip"
    raise ParseError(
        f"{message} (from {who}); output was: {text!r}", text=text, pip_version=pip_version
    )


class ParsedSize(NamedTuple):
    """A size as pip printed it, turned back into bytes.

    ``value`` is the middle of ``[low, high]``, the range of byte counts pip prints as ``text``.
    """

    value: int
    low: int
    high: int
    text: str

    @property
    def exact(self) -> bool:
        return self.low == self.high


# pip's format_size (unchanged 8.0-26.3; a space before the unit from 20.1, spec §2.7):
#   b <= 1000 -> "N bytes"; b <= 10_000 -> "X.Y kB" (rounded);
#   b <= 1_000_000 -> "N kB" (truncated); else "X.Y MB" (rounded; never GB).
_SIZE = re.compile(
    r"^(?:(?P<bytes>\d+) ?bytes|(?P<kb1>\d+\.\d) ?kB|(?P<kb>\d+) ?kB|(?P<mb>\d+\.\d) ?MB)$"
)


def parse_size(text: str) -> Optional[ParsedSize]:
    """Turn pip's ``"12 kB"``-style size back into bytes; ``None`` if it is not one."""
    text = text.strip()
    match = _SIZE.match(text)
    if match is None:
        return None
    if match["bytes"] is not None:
        exact = int(match["bytes"])
        return ParsedSize(exact, exact, exact, text)
    if match["kb1"] is not None:
        return _around(round(float(match["kb1"]) * 1000), 50, 1001, 10_000, text)
    if match["kb"] is not None:
        low = max(int(match["kb"]) * 1000, 10_001)
        high = min(int(match["kb"]) * 1000 + 999, 1_000_000)
        return ParsedSize((low + high) // 2, low, max(low, high), text)
    return _around(round(float(match["mb"]) * 1_000_000), 50_000, 1_000_001, None, text)


def _around(center: int, spread: int, floor: int, ceiling: Optional[int], text: str) -> ParsedSize:
    low = max(center - spread, floor)
    high = center + spread if ceiling is None else min(center + spread, ceiling)
    return ParsedSize((low + high) // 2, low, high, text)
