"""From "a path, a venv directory, or nothing" to a probed :class:`Interpreter`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Optional, Union

from ._parsers.probe import parse_probe
from ._runner import Runner, run
from ._scripts import PROBE
from .errors import InterpreterError
from .models import Interpreter

__all__ = ["PythonSpec", "probe_interpreter", "resolve_executable"]

#: What callers may pass as ``python``.
PythonSpec = Union[str, "os.PathLike[str]", Interpreter, None]

_VENV_PYTHONS = ("bin/python", "bin/python3", "Scripts/python.exe")


def resolve_executable(python: Union[str, os.PathLike[str], None]) -> Path:
    """The file to execute for ``python``: itself, a venv's interpreter, or the running one.

    :raises InterpreterError: it does not exist, is a directory that is not a venv, or is not
        executable.
    """
    if python is None:
        return Path(sys.executable)
    path = Path(os.fspath(python)).expanduser()
    if path.is_dir():
        for candidate in _VENV_PYTHONS:
            if (path / candidate).is_file():
                return path / candidate
        raise InterpreterError(
            f"{path} is a directory but not a virtual environment (no bin/python or"
            " Scripts/python.exe in it); pass the interpreter's path instead",
            interpreter=path,
        )
    if not path.exists():
        hint = " (a dangling symlink)" if path.is_symlink() else ""
        raise InterpreterError(f"{path}: no such interpreter{hint}", interpreter=path)
    if not os.access(path, os.X_OK):
        raise InterpreterError(f"{path} is not executable; check its permissions", interpreter=path)
    return path


def probe_interpreter(
    python: Union[str, os.PathLike[str], None],
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
) -> Interpreter:
    """Ask the interpreter, in one subprocess, what it is and which pip it has.

    :raises InterpreterError: it cannot be run, fails, hangs or does not answer like Python.
    """
    given = Path(sys.executable) if python is None else Path(os.fspath(python))
    executable = resolve_executable(python)
    base_env = dict(os.environ if env is None else env)
    try:
        completed = runner((str(executable), "-c", PROBE), base_env, timeout)
    except InterpreterError as exc:
        raise InterpreterError(f"cannot probe {given}: {exc}", interpreter=given) from exc
    interpreter = parse_probe(completed.stdout, path=given)
    if completed.returncode != 0 or interpreter is None:
        detail = (completed.stderr.strip() or completed.stdout.strip())[-500:] or "no output"
        raise InterpreterError(
            f"{given} does not look like a Python interpreter: it exited with code"
            f" {completed.returncode} and said: {detail}",
            interpreter=given,
        )
    return interpreter
