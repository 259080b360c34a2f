"""Human durations and sizes on the command line: ``30d``, ``2w``, ``12h``; ``1GB``, ``2GiB``.

Pure and import-free (the grammar uses these as argparse types, at start-up).
"""

from __future__ import annotations

__all__ = ["DURATION_FORMS", "SIZE_FORMS", "parse_duration", "parse_size"]

DURATION_FORMS = "a number and a unit: 90s, 45m, 12h, 30d, 2w (s, m, h, d, w)"
SIZE_FORMS = (
    "a number of bytes, or a number and a unit: 500MB, 1GB, 1.5TB (kB, MB, GB, TB: powers of"
    " 1000), 2GiB, 512MiB (KiB, MiB, GiB, TiB: powers of 1024)"
)

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_FACTORS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def _split(text: str) -> tuple[float, str]:
    """``(number, unit in lower case)`` of ``12.5GB``; ``ValueError`` for anything else."""
    stripped = text.strip()
    end = len(stripped)
    while end and not (stripped[end - 1].isdigit() or stripped[end - 1] == "."):
        end -= 1
    number, unit = stripped[:end], stripped[end:].strip().lower()
    if not number or not all(c.isdigit() or c == "." for c in number) or number.count(".") > 1:
        raise ValueError(text)
    if number == ".":
        raise ValueError(text)
    return float(number), unit


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (``30d``: 2,592,000); ``ValueError`` naming the accepted forms."""
    try:
        number, unit = _split(text)
        return number * _SECONDS[unit]
    except (ValueError, KeyError):
        raise ValueError(f"not a duration: {text!r}; use {DURATION_FORMS}") from None


def parse_size(text: str) -> int:
    """Bytes in ``text`` (``1GB``: 10**9, ``2GiB``: 2 * 1024**3); ``ValueError`` naming the forms.

    A unit's case does not matter (``1gb``, ``1GB``); a bare number is bytes.
    """
    try:
        number, unit = _split(text)
        return int(number * _FACTORS[unit])
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {text!r}; use {SIZE_FORMS}") from None
