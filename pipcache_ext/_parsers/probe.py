"""The interpreter probe's answer (see ``_scripts.PROBE``): a JSON object between marked nonces.

The probe prints ``PIPCACHE_EXT_PROBE:<nonce>:{...}:<nonce>`` where ``<nonce>`` is a fresh random
token passed on its command line, so whatever else the interpreter prints (a ``sitecustomize``
or ``usercustomize`` that writes a path or a fake marker line at start or at exit) cannot be
taken for the answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Literal, Mapping, Optional

from .._scripts import PROBE_MARKER
from ..models import Interpreter

__all__ = [
    "PipCacheDirAnswer",
    "answer_data",
    "interpreter_from_data",
    "parse_probe",
    "pip_cache_answer",
    "probe_data",
    "probe_json",
]

_NONCE = re.compile(r"[0-9a-f]{16,64}\Z")


def probe_json(stdout: str, nonce: Optional[str]) -> Optional[str]:
    """The JSON text of the probe's answer in ``stdout``; ``None`` when there is no single one.

    :param nonce: the token the probe was given; ``None`` for a probe run without one, whose
        answer is the last line that starts with the marker.
    """
    if nonce is None:
        for line in reversed(stdout.splitlines()):
            if line.startswith(PROBE_MARKER):
                return line[len(PROBE_MARKER) :]
        return None
    if _NONCE.match(nonce) is None:
        raise ValueError(f"not a probe nonce: {nonce!r}")
    found = re.findall(
        re.escape(f"{PROBE_MARKER}{nonce}:") + r"(\{[^\n]*?\})" + re.escape(f":{nonce}"), stdout
    )
    # None found, or the answer twice (something repeats what it saw): trust neither.
    return str(found[0]) if len(found) == 1 else None


def probe_data(stdout: str, nonce: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The probe's JSON object (see :func:`probe_json`); ``None`` if there is none, or not one."""
    text = probe_json(stdout, nonce)
    return None if text is None else answer_data(text)


def answer_data(text: str) -> Optional[Dict[str, Any]]:
    """The object of an answer's JSON text; ``None`` if it is not a JSON object.

    The text is what :func:`probe_json` returns, as the disk cache keeps it.
    """
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def interpreter_from_data(data: Mapping[str, Any], *, path: Path) -> Optional[Interpreter]:
    """Build the :class:`Interpreter` the probe described; ``None`` if a field is missing or odd."""
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


def parse_probe(stdout: str, *, path: Path, nonce: Optional[str] = None) -> Optional[Interpreter]:
    """The :class:`Interpreter` the probe described in ``stdout``; ``None`` if it did not answer."""
    data = probe_data(stdout, nonce)
    return None if data is None else interpreter_from_data(data, path=path)


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
