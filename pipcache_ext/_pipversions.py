"""All knowledge of which pip release does what, in one table.

Decisions are made from the pip version the interpreter reports (``pip.__version__``), never from
the wording of pip's output.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Tuple

from packaging.version import InvalidVersion, Version

__all__ = [
    "AREAS",
    "HTTP_V1",
    "HTTP_V2",
    "NEWEST_RULES",
    "WHEELS",
    "DeletionRules",
    "PipFeatures",
    "PipVersion",
    "deletion_rules",
    "features",
    "parse_pip_version",
    "version_key",
]


class PipVersion(NamedTuple):
    """A pip release as ``(major, minor, micro)``; pre-releases and local labels are dropped."""

    major: int
    minor: int
    micro: int = 0

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.micro}"


_LEADING = re.compile(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_pip_version(text: str) -> Optional[PipVersion]:
    """Read ``"24.1b1"``, ``"20.3.dev0"``, ``"23.0.1+dfsg"`` or ``"26.3"`` as a :class:`PipVersion`.

    ``24.1b1`` counts as 24.1: a pre-release already has the features of its release.

    :returns: ``None`` when the text has no leading number.
    """
    try:
        release = Version(text).release
    except InvalidVersion:
        match = _LEADING.match(text)
        if match is None:
            return None
        release = tuple(int(part) for part in match.groups() if part is not None)
    padded = (*release, 0, 0)[:3]
    return PipVersion(padded[0], padded[1], padded[2])


def version_key(text: str) -> Tuple[int, ...]:
    """A sort key for a dotted version (``"3.11.7"``, ``"26.3"``): its leading numbers.

    The one version key of the package: sorting interpreters, pips and install directories.
    A part that is not all digits ends the key: ``"3.13.0rc1"`` gives ``(3, 13, 0)``.
    """
    parts = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(part):
            break
    return tuple(parts)


class PipFeatures(NamedTuple):
    """What one pip release's ``cache`` command can do and how it prints it."""

    has_cache: bool
    """``pip cache`` exists (20.1+)."""
    abspath_list: bool
    """``pip cache list --format=abspath`` exists (20.3+)."""
    http_in_info: bool
    """``info`` reports the HTTP cache; purge and ``remove '*'`` clear it (20.3+)."""
    http_v2: bool
    """The HTTP cache is ``http-v2/`` + ``http/`` (23.3+)."""
    no_match_is_error: bool
    """A pattern that matches nothing exits 1 with ``ERROR: No matching packages`` (20.1-21.2)."""
    reports_bytes_removed: bool
    """``Files removed: N (SIZE)`` (25.0+)."""
    reports_dirs_removed: bool
    """``Directories removed: M`` and the empty-directory cleanup (26.0+)."""
    cleans_http_v2: bool
    """The empty-directory cleanup also covers ``http-v2/`` (26.2+)."""


def features(version: PipVersion) -> PipFeatures:
    """Look up what ``version`` of pip can do."""
    return PipFeatures(
        has_cache=version >= (20, 1),
        abspath_list=version >= (20, 3),
        http_in_info=version >= (20, 3),
        http_v2=version >= (23, 3),
        no_match_is_error=(20, 1) <= version < (21, 3),
        reports_bytes_removed=version >= (25, 0),
        reports_dirs_removed=version >= (26, 0),
        cleans_http_v2=version >= (26, 2),
    )


#: The cache's own top-level directories: locally built wheels and the two HTTP caches.
WHEELS = "wheels"
HTTP_V1 = "http"
HTTP_V2 = "http-v2"
AREAS = (HTTP_V1, HTTP_V2, WHEELS)  # pip's order

#: An HTTP entry's file name: CacheControl's key, the sha224 of its URL in hex (both areas);
#: in ``http-v2/`` (pip >= 23.3) its body is the file of that name and this suffix.
HTTP_KEY = re.compile(r"[0-9a-f]{56}")
HTTP_BODY = ".body"


class DeletionRules(NamedTuple):
    """What one pip release's ``remove``/``purge`` deletes (spec §2.6)."""

    http_for_all: Tuple[str, ...]
    """The HTTP dirs whose every file the pattern ``*`` (and ``purge``) deletes."""
    cleanup: Tuple[str, ...]
    """The dirs the empty-directory pass covers (26.0+), in pip's order."""
    selfcheck_json: bool
    """The pass also deletes ``<cache>/selfcheck.json`` (26.0+)."""
    pattern_in_warning: bool
    """``No matching packages for pattern "x"`` (21.3+) rather than without the pattern."""
    counted_http: Tuple[str, ...]
    """The HTTP dirs ``pip cache info`` counts, newest first as pip prints them."""

    def areas(self, pattern_is_all: bool) -> Tuple[str, ...]:
        """The top dirs a ``remove`` (``pattern_is_all``: a ``purge``) reads or deletes in."""
        wanted = {WHEELS, *self.cleanup, *(self.http_for_all if pattern_is_all else ())}
        return tuple(name for name in AREAS if name in wanted)


NEWEST_RULES = DeletionRules(
    http_for_all=(HTTP_V1, HTTP_V2),
    cleanup=(HTTP_V1, HTTP_V2, WHEELS),
    selfcheck_json=True,
    pattern_in_warning=True,
    counted_http=(HTTP_V2, HTTP_V1),
)


def deletion_rules(pip_version: Optional[str]) -> DeletionRules:
    """The rules of ``pip_version``'s ``remove``/``purge``; ``None`` (or unreadable): pip 26.3's."""
    version = parse_pip_version(pip_version) if pip_version is not None else None
    if version is None:
        return NEWEST_RULES
    feats = features(version)
    http = (HTTP_V1, HTTP_V2) if feats.http_v2 else (HTTP_V1,) if feats.http_in_info else ()
    cleanup: Tuple[str, ...] = ()
    if feats.reports_dirs_removed:
        cleanup = (HTTP_V1, HTTP_V2, WHEELS) if feats.cleans_http_v2 else (HTTP_V1, WHEELS)
    return DeletionRules(
        http_for_all=http,
        cleanup=cleanup,
        selfcheck_json=feats.reports_dirs_removed,
        pattern_in_warning=not feats.no_match_is_error,
        counted_http=tuple(reversed(http)),
    )
