"""The one place that runs the interpreter probe (``_scripts.PROBE``) and reads its answer.

:class:`~pipcache_ext.PipCache`, discovery, ``survey()`` and the command line all ask here: what
an interpreter is (:func:`probe_interpreter`) and which cache dir its pip uses
(:func:`probe_cache_dir`, :func:`cache_dir_answers`). Every run gets a fresh nonce, so output
of site hooks is never read as the answer; answers are kept in the disk cache of
:mod:`~pipcache_ext._probecache`, keyed and stamped as discovery's are; every ``OSError`` met on
the way becomes an :class:`~pipcache_ext.errors.InterpreterError` or a failed outcome.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._parsers.probe import PipCacheDirAnswer
from .._pipcmd import disabled, not_owned
from .._runner import Runner, run
from ..errors import (
    InterpreterError,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    Remedy,
)
from ..models import Interpreter
from .running import (
    Settings,
    probe_targets,
    read_cache_dir,
    read_interpreter,
    run_probe,
    stored_or_run,
)
from .running import _run as _run_once

__all__ = [
    "PipCacheDirAnswer",
    "PythonSpec",
    "Settings",
    "cache_dir_answers",
    "cache_dir_error",
    "cache_dir_outcomes",
    "probe_cache_dir",
    "probe_interpreter",
    "probe_targets",
    "read_cache_dir",
    "read_interpreter",
    "resolve_executable",
    "run_probe",
]

#: What callers may pass as ``python``.
PythonSpec = Union[str, "os.PathLike[str]", Interpreter, None]

_VENV_PYTHONS = ("bin/python", "bin/python3", "Scripts/python.exe")


def __dir__() -> List[str]:
    return __all__


# -- which file to run ------------------------------------------------------------------------


def _unreadable(path: Path, exc: Exception) -> InterpreterError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return InterpreterError(f"{path} cannot be read: {reason}", interpreter=path)


def _stat(path: Path) -> Optional[os.stat_result]:
    """``path``'s stat (symlinks followed); ``None`` when it does not exist.

    :raises InterpreterError: it cannot be looked at (an unreadable parent directory, a NUL).
    """
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        raise _unreadable(path, exc) from exc


def resolve_executable(python: Union[str, os.PathLike[str], None]) -> Path:
    """The file to execute for ``python``: itself, a venv's interpreter, or the running one.

    :raises InterpreterError: it does not exist, cannot be read, is a directory that is not a
        venv, or is not executable.
    """
    if python is None:
        return Path(sys.executable)
    try:
        path = Path(os.fspath(python)).expanduser()
    except RuntimeError as exc:  # "~" with no home directory to expand it to
        raise InterpreterError(f"{python}: {exc}", interpreter=Path(os.fspath(python))) from exc
    found = _stat(path)
    if found is not None and stat.S_ISDIR(found.st_mode):
        for candidate in _VENV_PYTHONS:
            inner = _stat(path / candidate)
            if inner is not None and stat.S_ISREG(inner.st_mode):
                return path / candidate
        raise InterpreterError(
            f"{path} is a directory but not a virtual environment (no bin/python or"
            " Scripts/python.exe in it); pass the interpreter's path instead",
            interpreter=path,
        )
    if found is None:
        hint = " (a dangling symlink)" if path.is_symlink() else ""
        raise InterpreterError(f"{path}: no such interpreter{hint}", interpreter=path)
    if not os.access(path, os.X_OK):
        raise InterpreterError(f"{path} is not executable; check its permissions", interpreter=path)
    return path


# -- the services ------------------------------------------------------------------------------


def probe_interpreter(
    python: Union[str, os.PathLike[str], None],
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
    use_cache: bool = True,
) -> Interpreter:
    """Ask the interpreter, in one subprocess, what it is and which pip it has.

    :param use_cache: take a stored answer from the disk cache while it is valid (the ones
        discovery, ``survey()`` and :func:`probe_cache_dir` write: the executable, its
        site-packages and pip unchanged, the same environment); ``False`` always runs the probe.
        A new answer is not written here: :class:`~pipcache_ext.PipCache` probes before it
        knows whether it will delete, and a ``remove``/``purge`` changes nothing outside pip's
        cache, this library's own cache included.
    :raises InterpreterError: it cannot be found or run, fails, hangs or does not answer like
        Python.
    """
    given = Path(sys.executable) if python is None else Path(os.fspath(python))
    executable = resolve_executable(python)
    base_env = dict(os.environ if env is None else env)
    settings = Settings.current(
        base_env, timeout=timeout, runner=runner, use_cache=use_cache, write=False
    )
    resolved = _stat(executable) if settings.store is not None else None
    if resolved is not None:
        outcome, ran = stored_or_run(executable.absolute(), resolved, settings)
    else:
        outcome, ran = _run_once(
            executable, env=base_env, timeout=timeout, runner=runner, cache_dir=False
        )
    interpreter = read_interpreter(outcome, given)
    if interpreter is not None:
        return interpreter
    if not ran:
        raise InterpreterError(f"cannot probe {given}: {outcome.answer}", interpreter=given)
    reason = outcome.answer if not outcome.ok else "answered with unreadable data"
    raise InterpreterError(
        f"{given} does not look like a Python interpreter: it {reason}", interpreter=given
    )


def _runnable(interpreter: Interpreter) -> Path:
    """What to run for ``interpreter``: the file it was found as, else its ``sys.executable``.

    The path is what discovery ran and keyed its stored answer on; it may also be a venv
    directory (an interpreter given as one), which only the executable can stand for.
    """
    try:
        if stat.S_ISREG(interpreter.path.stat().st_mode):
            return interpreter.path
    except (OSError, ValueError):
        pass
    return interpreter.executable


def cache_dir_outcomes(
    interpreters: Sequence[Interpreter], settings: Settings
) -> Dict[Interpreter, Union[PipCacheDirAnswer, InterpreterError]]:
    """Each interpreter's pip's cache-dir answer, or why its probe failed; in parallel, cached."""
    results: Dict[Interpreter, Union[PipCacheDirAnswer, InterpreterError]] = {}
    targets: List[Tuple[Path, os.stat_result]] = []
    probed: List[Interpreter] = []
    for interpreter in dict.fromkeys(interpreters):
        path = _runnable(interpreter)
        try:
            found = _stat(path)
        except InterpreterError as exc:
            results[interpreter] = exc
            continue
        if found is None:
            results[interpreter] = InterpreterError(
                f"{path}: no such interpreter", interpreter=interpreter.path
            )
            continue
        targets.append((path, found))
        probed.append(interpreter)
    for interpreter, outcome in zip(probed, probe_targets(targets, settings, cache_dir=True)):
        answer = read_cache_dir(outcome, interpreter)
        if answer is None:
            reason = outcome.answer if not outcome.ok else "answered with unreadable data"
            message = f"cannot ask the pip of {interpreter.path} for its cache dir: {reason}"
            results[interpreter] = InterpreterError(message, interpreter=interpreter.path)
        else:
            results[interpreter] = answer
    return {interpreter: results[interpreter] for interpreter in dict.fromkeys(interpreters)}


def cache_dir_answers(
    interpreters: Sequence[Interpreter],
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 10.0,
    use_cache: bool = True,
) -> Dict[Interpreter, Optional[PipCacheDirAnswer]]:
    """Which cache dir each interpreter's pip uses, asked from inside each, in parallel.

    Answers come from the disk cache while still valid (the same entries discovery and
    ``survey()`` write), otherwise from one probe per interpreter.

    :returns: each interpreter (once, in the given order) with its answer; ``None`` when its
        probe failed (it cannot be run, timed out, or did not answer).
    """
    settings = Settings.current(env, timeout=timeout, use_cache=use_cache)
    outcomes = cache_dir_outcomes(interpreters, settings)
    return {i: (a if isinstance(a, PipCacheDirAnswer) else None) for i, a in outcomes.items()}


def probe_cache_dir(  # noqa: PLR0913 - keyword-only options
    interpreter: Interpreter,
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
    use_cache: bool = True,
    write: bool = True,
) -> PipCacheDirAnswer:
    """Which cache dir ``interpreter``'s pip uses, as pip itself decides, asked inside it.

    Works for every pip from 8 (those without ``pip cache dir`` too): the probe builds pip's own
    command and lets it read the environment and config files. Use :func:`cache_dir_error` for
    an answer whose state is not ``"ok"``.

    :param use_cache: read a valid stored answer, and store a new one (when ``write``).
    :param write: with ``use_cache``, store a new answer; ``False`` only reads the disk cache.
    :raises InterpreterError: the interpreter cannot be run, timed out, or did not answer.
    """
    settings = Settings.current(
        env, timeout=timeout, runner=runner, use_cache=use_cache, write=write
    )
    result = cache_dir_outcomes([interpreter], settings)[interpreter]
    if isinstance(result, InterpreterError):
        raise result
    return result


# -- what an answer means for the caller -------------------------------------------------------


def cache_dir_error(interpreter: Interpreter, answer: PipCacheDirAnswer) -> PipCacheError:
    """The error for a pip whose cache-dir answer is not a usable directory."""
    where = interpreter.path
    if answer.state == "no-pip":
        return PipNotFoundError(
            f"{where} has no pip",
            interpreter=where,
            remedy=Remedy("install-pip", str(interpreter.executable)),
            joiner="; ",
        )
    if answer.state == "not-owned":
        return not_owned(where, answer.cache_dir)
    if answer.state == "disabled":
        # pip <= 18.1 reads PIP_NO_CACHE_DIR=true as the int 1 and would crash on it (spec §3.4)
        quirk = " (pip <= 18.1 took PIP_NO_CACHE_DIR=true for 1)" if answer.detail == "1" else ""
        return disabled(where, quirk)
    return PipCommandError(
        f"{where} could not tell its pip's cache dir: {answer.detail or 'no answer'}. Check PIP_*"
        " variables and pip config files for invalid values",
        argv=(),
        returncode=0,
        stdout="",
        stderr=answer.detail or "",
        pip_version=interpreter.pip_version,
        interpreter=where,
    )
