"""``pip cache list [<pattern>] [--format=human|abspath]`` (spec §2.3).

human (every pip from 20.1), sorted by the whole line::

    Cache contents:

     - Hyphen_Name-2.0-py3-none-any.whl (1.5 kB)
     - six-1.16.0-py2.py3-none-any.whl (11 kB)

and when nothing is cached or nothing matched: ``Nothing cached.`` (20.1 - 22.2) or
``No locally built wheels cached.`` (22.2.1+).

abspath (20.3+): one absolute path per line, sorted by path; nothing at all when empty.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from pathlib import Path
from typing import List, Optional

from .._names import canonical_name, wheel_name_version
from ..models import CachedWheel
from ._common import clean_lines, fail, parse_size

__all__ = ["canonical_name", "parse_list_abspath", "parse_list_human", "wheel_name_version"]

_HEADER = "Cache contents:"
_EMPTY = ("Nothing cached.", "No locally built wheels cached.")
# File names cannot contain " (", so anchoring on the last parenthesis is safe.
_ENTRY = re.compile(r"^ - (?P<file>.+) \((?P<size>[^()]+)\)$")


def parse_list_human(stdout: str, *, pip_version: Optional[str] = None) -> List[CachedWheel]:
    """Read the human listing into wheels with rounded sizes and no paths.

    :raises ParseError: the output is neither a listing nor one of pip's "nothing cached" lines.
    """
    wheels: List[CachedWheel] = []
    recognised = False
    for line in clean_lines(stdout):
        if line.strip() in (_HEADER, *_EMPTY):
            recognised = True
            continue
        match = _ENTRY.match(line)
        if match is None:
            continue
        size = parse_size(match["size"])
        if size is None:
            fail(f"unreadable size in {line!r}", text=stdout, pip_version=pip_version)
        name, version = wheel_name_version(match["file"])
        wheels.append(CachedWheel(match["file"], name, version, size.value, None, size.exact))
    if not recognised:
        fail("pip cache list printed no listing", text=stdout, pip_version=pip_version)
    return wheels


def parse_list_abspath(stdout: str, *, pip_version: Optional[str] = None) -> List[Path]:
    """Read the abspath listing into paths; empty output is an empty cache.

    Lines that are not absolute ``.whl`` paths are ignored, but output made only of such lines
    is garbage, not an empty cache.

    :raises ParseError: there was output, and none of it was a wheel path.
    """
    lines = [line for line in clean_lines(stdout) if line.strip()]
    paths = [
        Path(line)
        for line in lines
        if line.endswith(".whl") and (posixpath.isabs(line) or ntpath.isabs(line))
    ]
    if lines and not paths:
        fail("pip cache list --format=abspath printed no paths", text=stdout,
             pip_version=pip_version)  # fmt: skip
    return paths
