"""The interpreter probe's answer (see ``_scripts.PROBE``): one marked JSON line on stdout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Literal, Mapping, Optional

from .._scripts import PROBE_MARKER
from ..models import Interpreter

__all__ = ["PipCacheDirAnswer", "parse_probe", "pip_cache_answer", "probe_data"]


def probe_data(stdout: str) -> Optional[Dict[str, Any]]:
    """The probe's marked JSON object; ``None`` if it printed none (or not an object)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(PROBE_MARKER):
            try:
                data = json.loads(line[len(PROBE_MARKER) :])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def parse_probe(stdout: str, *, path: Path) -> Optional[Interpreter]:
    """Build the :class:`Interpreter` the probe described; ``None`` if it printed no answer.

    Lines around the marked one (a ``sitecustomize`` that prints) are ignored.
    """
    data = probe_data(stdout)
    if data is None:
        return None
    try:
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


@dataclass(frozen=True)
class PipCacheDirAnswer:
    """Which cache dir an interpreter's pip reports (``pip cache dir``; ``install``'s before 20.1).

    :ivar state: ``"ok"``; ``"disabled"`` by configuration; ``"not-owned"`` (pip's ownership check
        fails, so pip disables the cache); ``"no-pip"``; ``"error"`` (pip cannot be imported or
        rejects its configuration).
    :ivar cache_dir: the normalised directory (``ok``, ``not-owned``).
    :ivar detail: the raw value or the error, for messages.
    """

    state: Literal["ok", "disabled", "not-owned", "no-pip", "error"]
    cache_dir: Optional[Path] = None
    detail: Optional[str] = None


def pip_cache_answer(data: Mapping[str, Any], interpreter: Interpreter) -> PipCacheDirAnswer:
    """Read the ``pip_cache`` part of a probe run with ``PROBE_CACHE_DIR_MODE``."""
    answer = data.get("pip_cache")
    if interpreter.pip_version is None:
        return PipCacheDirAnswer("no-pip")
    if not isinstance(answer, dict):
        return PipCacheDirAnswer("error", detail="the probe did not report a cache dir")
    if answer.get("error"):
        return PipCacheDirAnswer(
            "error",
            detail=f"pip {interpreter.pip_version} on Python {interpreter.version} could not"
            f" tell its cache dir: {answer['error']}",
        )
    if answer.get("disabled"):
        return PipCacheDirAnswer("disabled", detail=str(answer.get("raw")))
    cache_dir = answer.get("cache_dir")
    if not isinstance(cache_dir, str) or not cache_dir:
        return PipCacheDirAnswer("error", detail="the probe reported no cache dir")
    state: Literal["ok", "not-owned"] = "not-owned" if answer.get("not_owned") else "ok"
    return PipCacheDirAnswer(state, Path(cache_dir), str(answer.get("raw")))
