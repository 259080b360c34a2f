"""The interpreter probe's answer (see ``_scripts.PROBE``): one marked JSON line on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple, Optional

from .._scripts import LEGACY_MARKER, PROBE_MARKER
from ..models import Interpreter

__all__ = ["LegacyAnswer", "parse_legacy_dir", "parse_probe"]


def parse_probe(stdout: str, *, path: Path) -> Optional[Interpreter]:
    """Build the :class:`Interpreter` the probe described; ``None`` if it printed no answer.

    Lines around the marked one (a ``sitecustomize`` that prints) are ignored.
    """
    for line in reversed(stdout.splitlines()):
        if not line.startswith(PROBE_MARKER):
            continue
        try:
            data = json.loads(line[len(PROBE_MARKER) :])
            prefix = Path(data["prefix"])
            base_prefix = Path(data["base_prefix"])
            pip_location = data.get("pip_location")
            return Interpreter(
                path=path,
                executable=Path(data["executable"] or path),
                version=str(data["version"]),
                implementation=str(data["implementation"]),
                prefix=prefix,
                base_prefix=base_prefix,
                is_venv=prefix != base_prefix,
                pip_version=data.get("pip_version") or None,
                pip_location=Path(pip_location) if pip_location else None,
            )
        except (ValueError, KeyError, TypeError):
            return None
    return None


class LegacyAnswer(NamedTuple):
    """What an old pip (8.0-20.0) said about its cache dir, from inside its interpreter."""

    cache_dir: Optional[Path]
    disabled: bool
    not_owned: bool
    raw: str
    error: Optional[str]


def parse_legacy_dir(stdout: str) -> Optional[LegacyAnswer]:
    """Read the answer of ``_scripts.LEGACY_CACHE_DIR``; ``None`` if it printed none."""
    for line in reversed(stdout.splitlines()):
        if not line.startswith(LEGACY_MARKER):
            continue
        try:
            data = json.loads(line[len(LEGACY_MARKER) :])
        except ValueError:
            return None
        cache_dir = data.get("cache_dir")
        return LegacyAnswer(
            cache_dir=Path(cache_dir) if cache_dir else None,
            disabled=bool(data.get("disabled")),
            not_owned=bool(data.get("not_owned")),
            raw=str(data.get("raw", "")),
            error=data.get("error"),
        )
    return None
