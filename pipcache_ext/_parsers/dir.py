"""``pip cache dir`` (pip 20.1+).

Output, on stdout (spec §2.1)::

    /home/me/.cache/pip

The normalised cache dir (expanded, ``realpath``-ed, ``normcase``-d), which may not exist.
"""

from __future__ import annotations

import ntpath
import posixpath
from pathlib import Path
from typing import Optional

from ._common import clean_lines, fail

__all__ = ["parse_dir"]


def parse_dir(stdout: str, *, pip_version: Optional[str] = None) -> Path:
    """Read the cache dir from ``pip cache dir``'s stdout.

    Empty output is an error, not a path: pip prints nothing under ``-q`` and when logging fails
    on an undecodable path (spec §1.1). So is a relative path: pip 20.0+ always prints absolute.

    :raises ParseError: no absolute path was printed.
    """
    lines = [line for line in clean_lines(stdout) if line.strip()]
    if not lines:
        fail("pip cache dir printed nothing", text=stdout, pip_version=pip_version)
    # pip prints exactly one line; anything before it is noise from site customisation.
    path = lines[-1]
    if not (posixpath.isabs(path) or ntpath.isabs(path)):
        fail("pip cache dir printed no absolute path", text=stdout, pip_version=pip_version)
    return Path(path)
