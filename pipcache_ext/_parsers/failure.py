"""What a failed pip run's stderr says went wrong (spec §1.3, §3.6, §5.1, §8).

Messages, all on stderr, exit 1::

    ERROR: pip cache commands can not function since cache is disabled.
    WARNING: The directory '<C>' or its parent directory is not owned or is not writable by the
        current user. The cache has been disabled. ...              (before the line above)
    ERROR: unknown command "cache"[ - maybe you meant "check"]     (pip < 20.1)
    <python>: No module named pip
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, NamedTuple, Optional

from ._common import clean_lines

__all__ = ["Failure", "parse_failure"]

FailureKind = Literal["disabled", "not-owned", "no-cache-command", "no-pip", "other"]

_OWNER = re.compile(r"^WARNING: The directory '(?P<dir>.*)' or its parent directory is not owned")


class Failure(NamedTuple):
    """The kind of a failure and the line that tells it."""

    kind: FailureKind
    message: str
    cache_dir: Optional[Path] = None


def parse_failure(stderr: str) -> Failure:
    """Classify a failed pip run from its stderr; unknown failures are ``"other"``."""
    lines = clean_lines(stderr)
    errors = [line[len("ERROR: ") :] for line in lines if line.startswith("ERROR: ")]
    for line in lines:
        owner = _OWNER.match(line)
        if owner is not None:
            return Failure("not-owned", line[len("WARNING: ") :], Path(owner["dir"]))
    for error in errors:
        if "cache is disabled" in error:
            return Failure("disabled", error)
        if error.startswith('unknown command "cache"'):
            return Failure("no-cache-command", error)
    for line in lines:
        if line.rstrip().endswith("No module named pip"):
            return Failure("no-pip", line.strip())
    message = errors[-1] if errors else next((x for x in reversed(lines) if x.strip()), "")
    return Failure("other", message.strip())
