"""One interpreter's pip, as a command to run: argv, environment, timeout, failures translated."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Tuple

from .. import _parsers
from .._parsers.probe import PipCacheDirAnswer
from .._pipversions import PipVersion
from .._runner import Completed, Runner, pip_argv, pip_environment
from ..errors import (
    CacheDisabledError,
    InterpreterError,
    ParseError,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    Remedy,
    UnsupportedPipError,
)
from ..models import Interpreter

__all__ = ["PipCommand", "cache_dir_error", "disabled_error", "not_owned_error"]

_LOGGING_ERROR = "--- Logging error ---"


class PipCommand:
    """``python -m pip ...`` for one interpreter whose pip is known to be ``version``."""

    def __init__(
        self,
        interpreter: Interpreter,
        version: PipVersion,
        *,
        env: Mapping[str, str],
        timeout: float,
        runner: Runner,
    ) -> None:
        self.interpreter = interpreter
        self.version = version
        self.pip_version = interpreter.pip_version
        self.env = env
        self.timeout = timeout
        self.runner = runner

    def execute(
        self, argv: Tuple[str, ...], what: str, *, timeout: Optional[float] = None
    ) -> Completed:
        """Run ``argv`` in pip's environment; name ``what`` ran when it cannot be run."""
        interpreter = self.interpreter
        version = tuple(int(x) for x in interpreter.version.split(".")[:2] if x.isdigit())
        env = pip_environment(self.env, version)
        try:
            completed = self.runner(argv, env, self.timeout if timeout is None else timeout)
        except InterpreterError as exc:
            raise InterpreterError(
                f"{what} for {interpreter.path}: {exc}", interpreter=interpreter.path
            ) from exc
        if _LOGGING_ERROR in completed.stderr:
            # Python 3.6 under LANG=C fails to log a non-ASCII path: stdout stays empty and the
            # exit code is 0 (spec §1.1), so an empty answer must not be taken for "nothing".
            raise ParseError(
                f"{what} for {interpreter.path} could not print its output (a logging error,"
                " usually an undecodable path under a non-UTF-8 locale);",
                text=completed.stderr,
                pip_version=interpreter.pip_version,
                argv=completed.argv,
                interpreter=interpreter.path,
                remedy=Remedy("utf8-locale"),
            )
        return completed

    def run(
        self, args: Tuple[str, ...], *, no_match_ok: bool = False, timeout: Optional[float] = None
    ) -> Completed:
        """Run ``python -m pip <args>``; translate failures into this library's errors."""
        argv = pip_argv(self.interpreter.executable, args)
        completed = self.execute(argv, f"'pip {' '.join(args)}'", timeout=timeout)
        if completed.returncode == 0 or (
            no_match_ok and _parsers.is_no_match_error(completed.stderr)
        ):
            return completed
        raise self.failure(completed, args)

    def failure(self, completed: Completed, args: Tuple[str, ...]) -> PipCacheError:
        """The error for a pip command that failed."""
        interpreter = self.interpreter
        where = interpreter.path
        failure = _parsers.parse_failure(completed.stderr)
        if failure.kind == "not-owned":
            return not_owned_error(interpreter, failure.cache_dir)
        if failure.kind == "disabled":
            return disabled_error(interpreter)
        if failure.kind == "no-pip":
            return PipNotFoundError(f"{where} has no pip: {failure.message}", interpreter=where)
        if failure.kind == "no-cache-command":
            return UnsupportedPipError(
                f"pip {interpreter.pip_version} of {where} has no 'cache' command (it came in"
                " pip 20.1);",
                argv=completed.argv,
                returncode=completed.returncode,
                stdout=completed.stdout,
                stderr=completed.stderr,
                pip_version=interpreter.pip_version,
                interpreter=where,
                remedy=Remedy("backend-native"),
            )
        return PipCommandError(
            f"'pip {' '.join(args)}' failed for {where} with exit code"
            f" {completed.returncode}: {failure.message or 'no message'}",
            argv=completed.argv,
            returncode=completed.returncode,
            stdout=completed.stdout,
            stderr=completed.stderr,
            pip_version=interpreter.pip_version,
            interpreter=where,
        )


def not_owned_error(interpreter: Interpreter, cache_dir: Optional[Path]) -> PipCacheError:
    """Pip's ownership check refused the cache dir (spec §3.6)."""
    where = interpreter.path
    return CacheDisabledError(
        f"pip disabled the cache of {where}: {cache_dir} or its parent is not owned by, or not"
        " writable for, the current user. Fix its owner or permissions (under sudo, use sudo -H),"
        " or point PIP_CACHE_DIR elsewhere",
        reason="permissions",
        cache_dir=cache_dir,
        interpreter=where,
    )


def disabled_error(interpreter: Interpreter, detail: str = "") -> PipCacheError:
    """Pip's configuration turns the cache off (spec §3.4)."""
    where = interpreter.path
    return CacheDisabledError(
        f"pip's cache is disabled for {where} by its configuration{detail} (--no-cache-dir,"
        " PIP_NO_CACHE_DIR or no-cache-dir in a pip config file; 'pip config debug' shows which)",
        reason="configuration",
        interpreter=where,
    )


def cache_dir_error(interpreter: Interpreter, answer: PipCacheDirAnswer) -> PipCacheError:
    """The error for a pip whose cache-dir answer is not a usable directory."""
    where = interpreter.path
    if answer.state == "no-pip":
        return PipNotFoundError(f"{where} has no pip", interpreter=where)
    if answer.state == "not-owned":
        return not_owned_error(interpreter, answer.cache_dir)
    if answer.state == "disabled":
        # pip <= 18.1 reads PIP_NO_CACHE_DIR=true as the int 1 and would crash on it (spec §3.4)
        quirk = " (pip <= 18.1 took PIP_NO_CACHE_DIR=true for 1)" if answer.detail == "1" else ""
        return disabled_error(interpreter, quirk)
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
