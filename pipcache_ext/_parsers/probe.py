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
from typing import Any, Dict, Literal, Mapping, Optional, Tuple

from .._scripts import PROBE_MARKER
from ..models import CacheLocation, Interpreter

__all__ = [
    "PipCacheDirAnswer",
    "answer_data",
    "answer_location",
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
    :ivar location: why pip uses that dir, or which setting turned the cache off (``None`` when
        the probe could not tell).
    """

    state: Literal["ok", "disabled", "not-owned", "no-pip", "error"]
    cache_dir: Optional[Path] = None
    detail: Optional[str] = None
    location: Optional[CacheLocation] = None


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
        location = answer_location(answer, interpreter, None)
        return PipCacheDirAnswer("disabled", detail=str(answer.get("raw")), location=location)
    cache_dir = answer.get("cache_dir")
    if not isinstance(cache_dir, str) or not cache_dir:
        return PipCacheDirAnswer("error", detail="the probe reported no cache dir")
    state: Literal["ok", "not-owned"] = "not-owned" if answer.get("not_owned") else "ok"
    location = answer_location(answer, interpreter, Path(cache_dir))
    return PipCacheDirAnswer(state, Path(cache_dir), str(answer.get("raw")), location)


def _setting(off: Mapping[str, Any], key: str) -> str:
    """A setting as a user writes it: ``PIP_NO_CACHE_DIR=false``, ``key = v in FILE [section]``."""
    if off.get("section") is None:
        return f"{off.get('where')}={off.get('value')}"
    return f"{key} = {off.get('value')} in {off.get('where')} [{off.get('section')}]"


def answer_location(
    answer: Mapping[str, Any], interpreter: Interpreter, cache_dir: Optional[Path]
) -> Optional[CacheLocation]:
    """The :class:`CacheLocation` of a probe's ``pip_cache`` answer; ``None`` without ``origin``.

    :param cache_dir: the dir pip uses; ``None`` when the cache is disabled by configuration.
    """
    origin = answer.get("origin")
    if not isinstance(origin, dict) or origin.get("source") not in ("env", "config", "default"):
        return None
    source = origin["source"]
    where, value = origin.get("where"), origin.get("value")
    disabled_by: Optional[str] = None
    would = origin.get("would_use")
    if answer.get("disabled"):
        off = origin.get("disabled_by")
        disabled_by = _setting(off, "no-cache-dir") if isinstance(off, dict) else None
        if answer.get("raw") == "1":  # pip <= 18.1: PIP_NO_CACHE_DIR=true is 1, and crashes
            disabled_by = f"{disabled_by} (pip <= 18.1 stores it as 1 and fails on it)"
    elif answer.get("not_owned"):
        disabled_by = (
            f"pip's ownership check: {cache_dir} or its parent is not owned by (or not writable"
            " for) the current user"
        )
        would, cache_dir = cache_dir, None
    notes: Tuple[str, ...] = ()
    differs = origin.get("install_differs")
    if isinstance(differs, dict):
        note = (
            f"pip install uses {differs.get('value')} instead (cache-dir in {differs.get('where')}"
            " [install], which pip cache does not read)"
        )
        notes = (note,)
    return CacheLocation(
        cache_dir=cache_dir,
        source=source,
        variable=where if source == "env" else origin.get("variable"),
        config_file=Path(where) if source == "config" and isinstance(where, str) else None,
        config_section=origin.get("section") if source == "config" else None,
        disabled=disabled_by is not None or bool(answer.get("disabled")),
        disabled_by=disabled_by,
        would_use=Path(would) if isinstance(would, (str, Path)) and cache_dir is None else None,
        value=value if isinstance(value, str) else None,
        interpreter=interpreter.path,
        pip_version=interpreter.pip_version,
        notes=notes,
    )
