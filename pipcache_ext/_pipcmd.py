"""Running pip: its argv, its environment, reading its stdout between markers, its failures.

:func:`run_pip` runs ``python -c PIP_BOOTSTRAP <args>`` with a fresh nonce in the environment;
the bootstrap prints a begin marker before pip runs and an end marker after it (also when pip
exits by ``SystemExit``), so what a ``sitecustomize``/``usercustomize`` prints at start or at exit
is not taken for pip's answer. :func:`pip_command` adds what this library makes of a failed run.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Tuple, Type

from ._parsers import is_no_match_error, parse_failure
from ._parsers._common import clean_lines
from ._pipversions import version_key
from ._runner import OUTPUT_LIMIT, Completed, Runner, run
from ._scripts import PIP_BEGIN_MARKER, PIP_BOOTSTRAP, PIP_END_MARKER, PIP_MARKER_ENV
from .errors import (
    CacheDisabledError,
    InterpreterError,
    ParseError,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    Remedy,
    UnsupportedPipError,
)
from .models import Interpreter

__all__ = [
    "between_markers",
    "disabled",
    "last_error_line",
    "logging_error",
    "not_owned",
    "pip_argv",
    "pip_command",
    "pip_environment",
    "pip_failure",
    "run_pip",
    "version_tuple",
]

logger = logging.getLogger("pipcache_ext")

_LOGGING_ERROR = "--- Logging error ---"

# What makes pip's output unparsable, neutralised (spec §5.3). Environment variables rather than
# flags, because a pip that does not know a flag fails while it ignores an unknown PIP_* variable.
_PIP_OVERRIDES: Dict[str, str] = {
    "PIP_QUIET": "0",  # -q/quiet=1 silence every INFO line, i.e. all of pip cache's output
    "PIP_VERBOSE": "0",
    "PIP_NO_COLOR": "1",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
# PIP_PYTHON (22.3+) would silently re-run pip under another interpreter; a marker nonce left
# in the environment is not this run's.
_PIP_SCRUBBED = ("PIP_PYTHON", "FORCE_COLOR", "PIP_FORCE_COLOR", "CLICOLOR_FORCE", PIP_MARKER_ENV)


def pip_environment(
    base: Optional[Mapping[str, str]], python_version: Tuple[int, ...]
) -> Dict[str, str]:
    """The environment pip runs in: the user's (cache settings and config files kept) made parsable.

    Never adds ``--isolated``/``PIP_ISOLATED``: it hides ``PIP_CACHE_DIR`` (spec §3.1).
    """
    env = dict(os.environ if base is None else base)
    for name in _PIP_SCRUBBED:
        env.pop(name, None)
    env.update(_PIP_OVERRIDES)
    if python_version < (3, 6):
        # Silences the DEPRECATION line pip 19.0-20.3 print on Python 2.7/3.5. Only there: pip
        # 25.0 prints a DEPRECATION line of its own *because* this variable is set.
        env["PIP_NO_PYTHON_VERSION_WARNING"] = "1"
    else:
        env.pop("PIP_NO_PYTHON_VERSION_WARNING", None)
    # Python 2 has no surrogateescape handler; Python 3 needs it for undecodable paths (§1.1).
    env["PYTHONIOENCODING"] = "utf-8:surrogateescape" if python_version >= (3,) else "utf-8"
    return env


def pip_argv(executable: os.PathLike[str] | str, args: Sequence[str]) -> Tuple[str, ...]:
    """``python -m pip <args>``, except that the current directory cannot shadow pip.

    ``python -m pip`` puts the working directory first on ``sys.path``, so a ``pip/`` folder there
    would be imported instead of the interpreter's pip (spec §5.4). The bootstrap drops that entry
    and then runs pip's ``__main__`` exactly as ``-m`` does; the working directory itself is kept,
    so relative ``PIP_CACHE_DIR``/config values resolve as they do for the user.
    """
    return (os.fspath(executable), "-c", PIP_BOOTSTRAP, *args)


def version_tuple(interpreter: Interpreter) -> Tuple[int, ...]:
    """The interpreter's ``(major, minor)``, as :func:`pip_environment` takes it."""
    return version_key(interpreter.version)[:2]


def between_markers(stdout: str, nonce: str) -> Optional[str]:
    """What pip printed between the bootstrap's markers for ``nonce``, exactly.

    :returns: ``None`` unless each marker occurs once, in order, with the bootstrap's newlines.
    """
    begin, end = PIP_BEGIN_MARKER + nonce, PIP_END_MARKER + nonce
    if stdout.count(begin) != 1 or stdout.count(end) != 1:
        return None
    start, stop = stdout.index(begin) + len(begin), stdout.index(end)
    newline = "\r\n" if sys.platform == "win32" else "\n"  # text-mode stdout translates there
    body = stdout[start:stop]
    # The bootstrap writes a newline after the begin marker and one before the end marker.
    if stop < start or not body.startswith(newline) or not body.endswith(newline):
        return None
    if len(body) < 2 * len(newline):
        return None
    return body[len(newline) : len(body) - len(newline)]


def run_pip(  # noqa: PLR0913 - keyword-only options
    executable: os.PathLike[str] | str,
    args: Sequence[str],
    *,
    python_version: Tuple[int, ...],
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
    pip_version: Optional[str] = None,
    interpreter: Optional[Path] = None,
    require_markers: bool = True,
) -> Completed:
    """Run ``executable -m pip <args>`` in :func:`pip_environment` and read pip's own stdout.

    The result's ``stdout`` is exactly what pip printed between the bootstrap's markers; output
    before or after them (site customisation at start or at exit) is dropped. When the markers
    are missing or repeated, a run that exited 0 is a :class:`ParseError` (its answer cannot be
    told from the noise) and a failed run keeps an empty stdout (its stderr tells the failure).

    :param env: the user's environment (default ``os.environ``), made parsable here.
    :param pip_version: named in errors; ``interpreter``: the path errors name.
    :param require_markers: ``False`` takes a stdout without any markers as pip's (a stand-in
        interpreter that does not run the bootstrap); markers of another run are still an error.
    :raises InterpreterError: the runner's (missing executable, timeout).
    :raises ParseError: pip's output cannot be told apart from other output on stdout.
    """
    argv = pip_argv(executable, args)
    nonce = secrets.token_hex(16)
    pip_env = pip_environment(env, python_version)
    pip_env[PIP_MARKER_ENV] = nonce
    completed = runner(argv, pip_env, timeout)
    body = between_markers(completed.stdout, nonce)
    if body is not None:
        if logger.isEnabledFor(logging.DEBUG) and _outside(completed.stdout, nonce).strip():
            logger.debug(
                "ignored stdout outside pip's markers: %r", _outside(completed.stdout, nonce)
            )
        return completed._replace(stdout=body)
    if not require_markers and not _has_markers(completed.stdout):
        return completed
    if completed.returncode != 0:
        return completed._replace(stdout="")
    who = f"pip {pip_version}" if pip_version else "pip"
    cut = f" (stdout was cut at {OUTPUT_LIMIT} bytes)" if completed.truncated else ""
    raise ParseError(
        f"'pip {' '.join(args)}' for {interpreter or executable}: its output cannot be told apart"
        f" from other output on stdout, its markers missing or repeated{cut} (a sitecustomize or"
        f" usercustomize that prints?) (from {who}); output was: {completed.stdout[-2000:]!r}",
        text=completed.stdout,
        pip_version=pip_version,
        argv=completed.argv,
        interpreter=interpreter,
    )


def _outside(stdout: str, nonce: str) -> str:
    head = stdout.split(PIP_BEGIN_MARKER + nonce, 1)[0]
    tail = stdout.rsplit(PIP_END_MARKER + nonce, 1)[-1]
    return head + tail


def _has_markers(stdout: str) -> bool:
    return PIP_BEGIN_MARKER in stdout or PIP_END_MARKER in stdout


def pip_command(  # noqa: PLR0913 - keyword-only options
    interpreter: Interpreter,
    args: Sequence[str],
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
    no_match_ok: bool = False,
    require_markers: bool = True,
) -> Completed:
    """Run ``python -m pip <args>`` for ``interpreter``; failures become this library's errors.

    What ``PipCache._pip`` and ``PipCache._execute`` did.

    :param no_match_ok: pip 20.1-21.2's "no matching packages" exit 1 is a success.
    :raises InterpreterError: pip could not be run or timed out (the message names the command).
    :raises ParseError: pip's output cannot be read (markers, or a logging error).
    :raises PipCacheError: pip failed: :func:`pip_failure`'s error.
    """
    args = tuple(args)
    what = f"'pip {' '.join(args)}'"
    try:
        completed = run_pip(
            interpreter.executable,
            args,
            python_version=version_tuple(interpreter),
            env=env,
            timeout=timeout,
            runner=runner,
            pip_version=interpreter.pip_version,
            interpreter=interpreter.path,
            require_markers=require_markers,
        )
    except InterpreterError as exc:
        raise prefixed(exc, f"{what} for {interpreter.path}", interpreter.path) from exc
    error = logging_error(interpreter, completed, what)
    if error is not None:
        raise error
    if completed.returncode == 0 or (no_match_ok and is_no_match_error(completed.stderr)):
        return completed
    raise pip_failure(interpreter, completed, args)


def prefixed(error: InterpreterError, prefix: str, where: Path) -> InterpreterError:
    """``error`` with ``prefix: `` before its message, its remedy kept (``{what} for {path}``)."""
    message = str(error)
    if error.remedy is None:
        return InterpreterError(f"{prefix}: {message}", interpreter=where)
    tail = error.remedy.library_text()
    joiner = message[len(error.problem) : len(message) - len(tail)] or " "
    return InterpreterError(
        f"{prefix}: {error.problem}", interpreter=where, remedy=error.remedy, joiner=joiner
    )


# -- failures ----------------------------------------------------------------------------------


def logging_error(
    interpreter: Interpreter, completed: Completed, what: str
) -> Optional[ParseError]:
    """The error for a run whose output pip could not print (``--- Logging error ---``).

    Python 3.6 under ``LANG=C`` fails to log a non-ASCII path: stdout stays empty and the exit
    code is 0 (spec §1.1), so an empty answer must not be taken for "nothing".
    """
    if _LOGGING_ERROR not in completed.stderr:
        return None
    return ParseError(
        f"{what} for {interpreter.path} could not print its output (a logging error, usually an"
        " undecodable path under a non-UTF-8 locale);",
        text=completed.stderr,
        pip_version=interpreter.pip_version,
        argv=completed.argv,
        interpreter=interpreter.path,
        remedy=Remedy("utf8-locale"),
    )


def pip_failure(
    interpreter: Interpreter, completed: Completed, args: Sequence[str]
) -> PipCacheError:
    """The error for a pip run that exited non-zero (what ``PipCache._failure`` built)."""
    where = interpreter.path
    failure = parse_failure(completed.stderr)
    if failure.kind == "not-owned":
        return not_owned(where, failure.cache_dir)
    if failure.kind == "disabled":
        return disabled(where)
    if failure.kind == "no-pip":
        return PipNotFoundError(f"{where} has no pip: {failure.message}", interpreter=where)
    error_type: Type[PipCommandError] = PipCommandError
    remedy: Optional[Remedy] = None
    joiner = " "
    if failure.kind == "no-cache-command":
        error_type, remedy, joiner = UnsupportedPipError, Remedy("backend-native"), "; "
        message = (
            f"pip {interpreter.pip_version} of {where} has no 'cache' command (it came in pip 20.1)"
        )
    else:
        message = (
            f"'pip {' '.join(args)}' failed for {where} with exit code"
            f" {completed.returncode}: {failure.message or 'no message'}"
        )
    return error_type(
        message,
        argv=completed.argv,
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        pip_version=interpreter.pip_version,
        interpreter=where,
        remedy=remedy,
        joiner=joiner,
    )


def not_owned(where: Path, cache_dir: Optional[Path]) -> CacheDisabledError:
    """The error for pip's ownership check: ``cache_dir`` or its parent is not ours (§3.6)."""
    return CacheDisabledError(
        f"pip disabled the cache of {where}: {cache_dir} or its parent is not owned by, or not"
        " writable for, the current user. Fix its owner or permissions (under sudo, use sudo -H),"
        " or point PIP_CACHE_DIR elsewhere",
        reason="permissions",
        cache_dir=cache_dir,
        interpreter=where,
    )


def disabled(where: Path, detail: str = "") -> CacheDisabledError:
    """The error for a cache disabled by configuration; ``detail`` follows "configuration"."""
    return CacheDisabledError(
        f"pip's cache is disabled for {where} by its configuration{detail} (--no-cache-dir,"
        " PIP_NO_CACHE_DIR or no-cache-dir in a pip config file; 'pip config debug' shows which)",
        reason="configuration",
        interpreter=where,
    )


def last_error_line(stderr: str) -> str:
    """The line of a failed pip run's stderr that says what went wrong, as pip printed it.

    The last ``ERROR:`` line; after pip's ``ERROR: Exception:`` (an unhandled exception, followed
    by its traceback), the traceback's last line, which names the exception; without an
    ``ERROR:`` line, the last non-empty line that is not a warning. ``""`` for an empty stderr.
    """
    lines = [line.strip() for line in clean_lines(stderr) if line.strip()]
    errors = [index for index, line in enumerate(lines) if line.startswith("ERROR:")]
    if errors:
        last = errors[-1]
        if lines[last] == "ERROR: Exception:" and last + 1 < len(lines):
            return lines[-1]
        return lines[last]
    plain = [line for line in lines if not line.startswith(("WARNING:", "DEPRECATION:"))]
    return (plain or lines or [""])[-1]
