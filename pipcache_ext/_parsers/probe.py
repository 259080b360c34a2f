"""The interpreter probe's answer (see ``_scripts.PROBE``): one marked JSON line on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from .._scripts import PROBE_MARKER
from ..models import Interpreter

__all__ = ["parse_probe"]


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
