"""pip's ``cache list`` / ``cache remove`` pattern rule, shared by the pip and native backends.

pip (20.1 to 26.3, unchanged) turns a pattern into a glob: when the pattern contains ``-`` it
appends ``*.whl``, otherwise ``-*.whl``. The glob is matched with :func:`fnmatch.fnmatch`
against the *basename* of every file under ``<cache>/wheels``. There is no name normalisation;
matching is case-sensitive on POSIX and case-insensitive on Windows (``fnmatch`` normcases).
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Callable

from pipcache_ext.errors import InvalidPatternError

__all__ = ["pattern_matcher", "pip_glob", "validate_pattern"]

_SEPARATORS = frozenset(sep for sep in ("/", "\\", os.sep, os.altsep) if sep)
#: Longer than any file name a filesystem holds (255 bytes) by far; longer still is not a pattern.
MAX_PATTERN_LENGTH = 4096


def validate_pattern(pattern: str) -> None:
    r"""Refuse a pattern that can never match a basename.

    :param pattern: the pattern as the user gave it (before :func:`pip_glob`).
    :raises InvalidPatternError: when it is empty, longer than :data:`MAX_PATTERN_LENGTH`, holds
        a NUL byte or another control character, or contains ``/``, ``\``, ``os.sep`` or
        ``os.altsep``.
    """
    if not isinstance(pattern, str):
        raise InvalidPatternError(f"The pattern must be a string, not {type(pattern).__name__}.")
    if not pattern:
        raise InvalidPatternError("The pattern is empty: pip would match nothing with it.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidPatternError(
            f"The pattern is {len(pattern)} characters long: no file name is longer than a few"
            f" hundred, so it would match nothing (at most {MAX_PATTERN_LENGTH} are accepted)."
        )
    controls = sorted({f"U+{ord(c):04X}" for c in pattern if ord(c) < 0x20 or ord(c) == 0x7F})
    if controls:
        raise InvalidPatternError(
            f"The pattern {pattern!r} holds control characters ({', '.join(controls)}): no cached"
            " wheel's file name does, and a NUL byte cannot even be passed to pip."
        )
    bad = sorted(sep for sep in _SEPARATORS if sep in pattern)
    if bad:
        raise InvalidPatternError(
            f"The pattern {pattern!r} contains a path separator ({' '.join(bad)}): pip matches "
            "patterns against file names only, so it would match nothing."
        )


def pip_glob(pattern: str) -> str:
    """Turn a ``list``/``remove`` pattern into the glob pip matches basenames with.

    :param pattern: the pattern, e.g. ``"six"`` or ``"six-1.16"`` (not validated here).
    :returns: ``pattern + "*.whl"`` when it contains ``-``, else ``pattern + "-*.whl"``.
    """
    return pattern + ("*.whl" if "-" in pattern else "-*.whl")


def pattern_matcher(glob: str) -> Callable[[str], bool]:
    """Compile a glob into a basename predicate equivalent to ``fnmatch.fnmatch(name, glob)``.

    :param glob: a glob, usually from :func:`pip_glob`.
    :returns: a function of a basename that is ``True`` when it matches, normcasing both
        sides exactly as :func:`fnmatch.fnmatch` does (a no-op on POSIX).
    """
    normcase = os.path.normcase
    match = re.compile(fnmatch.translate(normcase(glob))).match

    def matches(name: str) -> bool:
        return match(normcase(name)) is not None

    return matches
