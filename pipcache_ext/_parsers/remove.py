"""``pip cache remove <pattern>`` and ``pip cache purge``, run with ``-v`` (spec §2.4-2.6).

stdout summary, by pip version::

    Files removed: N                     # 20.1 - 24.x
    Files removed: N (SIZE)              # 25.0+
    Directories removed: M               # 26.0+

With ``-v`` each deleted file comes first as ``Removed <path>`` (pip 26.0+ then logs each deleted
directory the same way, and ``Removed legacy selfcheck.json file``). When nothing matched, pip
20.1 - 21.2 print ``ERROR: No matching packages`` on stderr and exit 1; 21.3+ print
``WARNING: No matching packages[ for pattern "<pat>"]`` on stderr and the zero summary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional

from ..models import RemovalResult
from ._common import clean_lines, fail, parse_size

__all__ = ["is_no_match_error", "parse_removal"]

_FILES = re.compile(r"^Files removed: (?P<n>\d+)(?: \((?P<size>[^)]+)\))?$")
_DIRS = re.compile(r"^Directories removed: (?P<n>\d+)$")
_REMOVED = re.compile(r"^Removed (?P<path>.+)$")
_SELFCHECK = "Removed legacy selfcheck.json file"
_NO_MATCH_ERROR = "ERROR: No matching packages"


def is_no_match_error(stderr: str) -> bool:
    """Whether stderr is pip 20.1-21.2's "nothing matched" failure, which is not a failure here."""
    return any(line.strip() == _NO_MATCH_ERROR for line in clean_lines(stderr))


def warnings_of(stderr: str) -> List[str]:
    """Pip's ``WARNING:`` lines, without the prefix."""
    return [
        line[len("WARNING: ") :].strip()
        for line in clean_lines(stderr)
        if line.startswith("WARNING: ")
    ]


def parse_removal(stdout: str, stderr: str, *, pip_version: Optional[str] = None) -> RemovalResult:
    """Read what ``pip -v cache remove|purge`` deleted.

    ``removed`` holds the first ``N`` ``Removed`` lines, ``N`` being pip's file count: pip logs
    files before directories. ``bytes_removed``/``dirs_removed`` are ``None`` for pips that do not
    print them.

    :raises ParseError: there is no ``Files removed`` summary and no "no matching packages" error.
    """
    if is_no_match_error(stderr):
        return RemovalResult(
            files_removed=0, bytes_removed=None, dirs_removed=None, removed=(), matched=False,
            warnings=("No matching packages",),
        )  # fmt: skip
    files: Optional[int] = None
    size_text: Optional[str] = None
    dirs: Optional[int] = None
    removed: List[Path] = []
    for line in clean_lines(stdout):
        files_match = _FILES.match(line)
        dirs_match = _DIRS.match(line)
        removed_match = _REMOVED.match(line)
        if files_match is not None:
            files, size_text = int(files_match["n"]), files_match["size"]
        elif dirs_match is not None:
            dirs = int(dirs_match["n"])
        elif removed_match is not None and line != _SELFCHECK:
            removed.append(Path(removed_match["path"]))
    if files is None:
        fail(
            "pip printed no 'Files removed' summary", text=stdout + stderr, pip_version=pip_version
        )
    size = parse_size(size_text) if size_text is not None else None
    if size_text is not None and size is None:
        fail(f"unreadable size {size_text!r}", text=stdout, pip_version=pip_version)
    return RemovalResult(
        files_removed=files,
        bytes_removed=size.value if size is not None else None,
        dirs_removed=dirs,
        removed=tuple(removed[:files]),
        matched=files > 0,
        warnings=tuple(warnings_of(stderr)),
        exact=size is None or size.exact,
        backend="pip",
    )
