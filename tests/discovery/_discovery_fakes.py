"""Fakes of the discovery tests: interpreters as shell scripts, a recording runner.

The fixtures are in ``_discovery_fixtures`` (``pytest_plugins = ["_discovery_fixtures"]``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import _pipenvs
import pytest
from conftest import write_script

from pipcache_ext import DiscoveryResult, Interpreter
from pipcache_ext._runner import Completed, run


def fake_python(
    path: Path,
    *,
    version: str = "3.11.7",
    pip: Optional[str] = "24.0",
    implementation: str = "cpython",
    base: str = "/fake/base",
    counter: Optional[Path] = None,
    cache_dir: str = "/fake/pip-cache",
) -> Path:
    """A shell script that answers the probe like a Python, deriving its prefix from ``$0`` as
    CPython does (a ``pyvenv.cfg`` beside it or one up makes it a venv of ``base``).

    It prints its answer between the markers of the nonce the probe passes as its first argument
    (``$3``), as the real probe does. Only shell builtins are used: the probes run with the
    test's fake ``PATH``.
    """
    answer = json.dumps({
        "version": version, "implementation": implementation, "executable": "@EXE@",
        "prefix": "@PREFIX@", "base_prefix": "@BASE@", "pip_version": pip,
        "pip_location": None, "sys_path": ["@PREFIX@/lib/site-packages"], "user_site": None,
        "pip_cache": {"command": "cache", "raw": repr(cache_dir), "relative": False,
                      "cache_dir": cache_dir},
    })  # fmt: skip
    answer = answer.replace("@EXE@", "$0").replace("@PREFIX@", "$prefix")
    answer = answer.replace("@BASE@", "$base")
    count = f"echo \"$0\" >> '{counter}'\n" if counter else ""
    return script(
        path,
        f"""#!/bin/sh
{count}bindir="${{0%/*}}"
prefix="$(cd "$bindir/.." && pwd)"
base="$prefix"
if [ -f "$bindir/pyvenv.cfg" ]; then prefix="$(cd "$bindir" && pwd)"; fi
if [ -f "$prefix/pyvenv.cfg" ]; then base='{base}'; fi
case "$2" in
  *PIPCACHE_EXT_PROBE*) ;;
  *) echo "not the probe" >&2; exit 2 ;;
esac
printf '%s\\n' "PIPCACHE_EXT_PROBE:$3:{answer.replace('"', chr(92) + '"')}:$3"
""",
    )


def script(path: Path, text: str) -> Path:
    """An executable script, its directories created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_script(path, text)


def make_venv(venv: Path, base_python: Path) -> Path:
    """A venv layout: ``pyvenv.cfg`` and ``bin/python`` symlinked to its base, as ``venv`` does."""
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {base_python.parent}\n")
    (venv / "bin" / "python").symlink_to(base_python)
    return venv / "bin" / "python"


class Recorder:
    """A runner that runs for real and remembers each argv."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.calls.append(tuple(argv))
        return run(argv, env, timeout)


def found(result: DiscoveryResult) -> Dict[Path, Interpreter]:
    return {interpreter.path: interpreter for interpreter in result.interpreters}


def probes(counter: Path) -> List[str]:
    return counter.read_text().splitlines() if counter.exists() else []


PYENV_MINORS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def pyenv_or_fail(minor: str) -> Path:
    try:
        return _pipenvs.pyenv_python(minor)
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(f"{exc} (PIPCACHE_EXT_STRICT is set: real-interpreter tests must run)")
        pytest.skip(f"MISSING-PYTHON: {exc}")
