"""``pip cache dir`` (pip 20.1+).

Output, on stdout (spec §2.1)::

    /home/me/.cache/pip

The normalised cache dir (expanded, ``realpath``-ed, ``normcase``-d), which may not exist.

The text given here is what pip printed between the bootstrap's markers (``_pipcmd.run_pip``), so
nothing else is in it: the whole of it, less the one line end pip adds, is the path. A path with
a newline, spaces or an escape character therefore round-trips. (pip 22.2+ prints through rich,
which turns a tab into spaces and drops other control characters: such a path cannot be told
from pip's text.)
"""

from __future__ import annotations

import ntpath
import posixpath
from pathlib import Path
from typing import Optional

from ._common import fail

__all__ = ["parse_dir"]


def parse_dir(stdout: str, *, pip_version: Optional[str] = None) -> Path:
    """Read the cache dir from ``pip cache dir``'s stdout.

    Empty output is an error, not a path: pip prints nothing under ``-q`` and when logging fails
    on an undecodable path (spec §1.1). So is a relative path: pip 20.0+ always prints absolute.

    :raises ParseError: no absolute path was printed.
    """
    path = stdout
    for ending in ("\r\n", "\n"):
        if path.endswith(ending):
            path = path[: -len(ending)]
            break
    if not path.strip():
        fail("pip cache dir printed nothing", text=stdout, pip_version=pip_version)
    if not (posixpath.isabs(path) or ntpath.isabs(path)):
        fail("pip cache dir printed no absolute path", text=stdout, pip_version=pip_version)
    return Path(path)
