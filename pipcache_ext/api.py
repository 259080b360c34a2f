"""The facade: :class:`PipCache` for one interpreter, and one-shot functions that use it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Mapping, Optional, Tuple, Type, get_args

from . import _parsers
from ._interpreters import PythonSpec, probe_interpreter
from ._native import ensure_safe_to_purge, native_info, native_list, native_purge, native_remove
from ._parsers.probe import PipCacheDirAnswer
from ._patterns import validate_pattern
from ._pipversions import PipVersion, features, parse_pip_version
from ._runner import Completed, Runner, pip_argv, pip_environment, run
from ._scripts import PROBE, PROBE_CACHE_DIR_MODE
from .errors import (
    CacheDisabledError,
    InterpreterError,
    ParseError,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    UnsupportedPipError,
)
from .models import Backend, BackendChoice, CachedWheel, CacheInfo, Interpreter, RemovalResult

__all__ = [
    "PipCache",
    "cache_dir",
    "cache_info",
    "cache_list",
    "cache_purge",
    "cache_remove",
]


_LOGGING_ERROR = "--- Logging error ---"


def __dir__() -> List[str]:
    return __all__


class PipCache:
    """pip's cache, as one interpreter's pip sees it.

    :param python: an interpreter path, a virtual environment directory, or an
        :class:`Interpreter`; ``None`` means the running interpreter.
    :param timeout: seconds each pip process may take before it is killed.
    :param env: the environment pip runs in (default: ``os.environ``). Cache settings in it
        (``PIP_CACHE_DIR``, ``PIP_CONFIG_FILE``, ``XDG_CACHE_HOME``, ...) are honoured; what would
        break parsing (``PIP_QUIET``, colour, ``PIP_PYTHON``, ...) is neutralised.
    :param backend: ``"auto"`` (pip's own ``cache`` command where the pip has it, 20.1+, the
        in-process implementation otherwise), ``"pip"`` or ``"native"``.
    :param runner: how processes run (for tests); default: :func:`subprocess`-based.

    The interpreter is probed once, on first use, in one subprocess.
    """

    def __init__(
        self,
        python: PythonSpec = None,
        *,
        timeout: float = 60.0,
        env: Optional[Mapping[str, str]] = None,
        backend: BackendChoice = "auto",
        runner: Optional[Runner] = None,
    ) -> None:
        if backend not in get_args(BackendChoice):
            raise ValueError(f"backend must be one of {get_args(BackendChoice)}, not {backend!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        self._python = python
        self._timeout = float(timeout)
        self._env = dict(os.environ if env is None else env)
        self._backend_choice: BackendChoice = backend
        self._run: Runner = run if runner is None else runner
        self._interpreter = python if isinstance(python, Interpreter) else None

    def __repr__(self) -> str:
        return f"PipCache({self._python!r}, backend={self._backend_choice!r})"

    # -- the interpreter ---------------------------------------------------------------------

    @property
    def interpreter(self) -> Interpreter:
        """The interpreter, probed once.

        :raises InterpreterError: it is missing, not executable, not Python, or timed out.
        """
        if self._interpreter is None:
            assert not isinstance(self._python, Interpreter)  # noqa: S101 - narrowed in __init__
            self._interpreter = probe_interpreter(
                self._python, env=self._env, timeout=self._timeout, runner=self._run
            )
        return self._interpreter

    @property
    def backend(self) -> Backend:
        """The backend that answers for this interpreter: ``"pip"`` or ``"native"``.

        :raises PipNotFoundError: the interpreter has no pip.
        """
        version = self._pip_version()
        if self._backend_choice == "auto":
            return "pip" if features(version).has_cache else "native"
        return self._backend_choice

    def _pip_version(self) -> PipVersion:
        interpreter = self.interpreter
        if interpreter.pip_version is None:
            raise PipNotFoundError(
                f"{interpreter.path} (Python {interpreter.version}) has no pip; install it with"
                f" '{interpreter.executable} -m ensurepip' or your system's package manager",
                interpreter=interpreter.path,
            )
        version = parse_pip_version(interpreter.pip_version)
        if version is None:
            raise PipNotFoundError(
                f"{interpreter.path} has a pip whose version {interpreter.pip_version!r} cannot"
                " be read",
                interpreter=interpreter.path,
            )
        return version

    # -- running pip -------------------------------------------------------------------------

    def _execute(self, argv: Tuple[str, ...], what: str) -> Completed:
        """Run ``argv`` in pip's environment; name ``what`` ran when it cannot be run."""
        interpreter = self.interpreter
        version = tuple(int(x) for x in interpreter.version.split(".")[:2] if x.isdigit())
        env = pip_environment(self._env, version)
        try:
            completed = self._run(argv, env, self._timeout)
        except InterpreterError as exc:
            raise InterpreterError(
                f"{what} for {interpreter.path}: {exc}", interpreter=interpreter.path
            ) from exc
        if _LOGGING_ERROR in completed.stderr:
            # Python 3.6 under LANG=C fails to log a non-ASCII path: stdout stays empty and the
            # exit code is 0 (spec §1.1), so an empty answer must not be taken for "nothing".
            raise ParseError(
                f"{what} for {interpreter.path} could not print its output (a logging error,"
                " usually an undecodable path under a non-UTF-8 locale); set LANG=C.UTF-8",
                text=completed.stderr,
                pip_version=interpreter.pip_version,
                argv=completed.argv,
                interpreter=interpreter.path,
            )
        return completed

    def _pip(self, *args: str, no_match_ok: bool = False) -> Completed:
        """Run ``python -m pip <args>``; translate failures into this library's errors."""
        self._pip_version()  # raises PipNotFoundError first
        argv = pip_argv(self.interpreter.executable, args)
        completed = self._execute(argv, f"'pip {' '.join(args)}'")
        if completed.returncode == 0 or (
            no_match_ok and _parsers.is_no_match_error(completed.stderr)
        ):
            return completed
        raise self._failure(completed, args)

    def _legacy_dir(self) -> Path:
        """Ask the pip, inside its interpreter, which cache dir it uses.

        For pips 8.0-20.0, which have no ``pip cache dir``: the probe builds pip's own command
        and lets it read the environment and config files.
        """
        interpreter = self.interpreter
        argv = (os.fspath(interpreter.executable), "-c", PROBE, PROBE_CACHE_DIR_MODE)
        completed = self._execute(argv, f"asking pip {interpreter.pip_version} for its cache dir")
        data = _parsers.probe_data(completed.stdout)
        if completed.returncode != 0 or data is None:
            detail = (completed.stderr.strip() or completed.stdout.strip())[-500:] or "no output"
            raise PipCommandError(
                f"{interpreter.path} could not tell its pip's cache dir: {detail}",
                argv=completed.argv,
                returncode=completed.returncode,
                stdout=completed.stdout,
                stderr=completed.stderr,
                pip_version=interpreter.pip_version,
                interpreter=interpreter.path,
            )
        answer = _parsers.pip_cache_answer(data, interpreter)
        if answer.state != "ok" or answer.cache_dir is None:
            raise cache_dir_error(interpreter, answer)
        return answer.cache_dir

    def _failure(self, completed: Completed, args: Tuple[str, ...]) -> PipCacheError:
        interpreter = self.interpreter
        where = interpreter.path
        failure = _parsers.parse_failure(completed.stderr)
        if failure.kind == "not-owned":
            return _not_owned(where, failure.cache_dir)
        if failure.kind == "disabled":
            return _disabled(where)
        if failure.kind == "no-pip":
            return PipNotFoundError(f"{where} has no pip: {failure.message}", interpreter=where)
        error_type: Type[PipCommandError]
        if failure.kind == "no-cache-command":
            error_type = UnsupportedPipError
            message = (
                f"pip {interpreter.pip_version} of {where} has no 'cache' command (it came in"
                " pip 20.1); use backend='native' or 'auto', or upgrade pip"
            )
        else:
            error_type = PipCommandError
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
        )

    # -- operations --------------------------------------------------------------------------

    def dir(self) -> Path:
        """The cache directory this interpreter's pip uses (it may not exist yet).

        :raises CacheDisabledError: pip's cache is disabled.
        """
        version = self._pip_version()
        if not features(version).has_cache:
            return self._legacy_dir()
        completed = self._pip("cache", "dir")
        return _parsers.parse_dir(completed.stdout, pip_version=self.interpreter.pip_version)

    def info(self) -> CacheInfo:
        """Sizes and counts of the cache's wheels and HTTP parts.

        :raises CacheDisabledError: pip's cache is disabled.
        """
        if self.backend == "native":
            return native_info(self.dir(), pip_version=self.interpreter.pip_version)
        completed = self._pip("cache", "info")
        return _parsers.parse_info(completed.stdout, pip_version=self.interpreter.pip_version)

    def list(self, pattern: Optional[str] = None) -> List[CachedWheel]:
        """The locally built wheels in the cache, optionally matching pip's ``pattern`` rule.

        pip matches ``pattern`` against wheel file names, unnormalised and case-sensitively:
        a pattern without ``-`` gets ``-*.whl`` appended, one with ``-`` gets ``*.whl``.

        :returns: wheels sorted by file name, then path.
        :raises InvalidPatternError: ``pattern`` is empty or holds a path separator.
        """
        if pattern is not None:
            validate_pattern(pattern)
        pattern_args = ("--", pattern) if pattern is not None else ()
        if self.backend == "native":
            return native_list(self.dir(), pattern)
        pip = self.interpreter.pip_version
        if not features(self._pip_version()).abspath_list:
            completed = self._pip("cache", "list", *pattern_args)
            wheels = _parsers.parse_list_human(completed.stdout, pip_version=pip)
        else:
            completed = self._pip("cache", "list", "--format=abspath", *pattern_args)
            wheels = [
                wheel
                for path in _parsers.parse_list_abspath(completed.stdout, pip_version=pip)
                if (wheel := _wheel_at(path)) is not None
            ]
        return sorted(wheels, key=lambda w: (w.filename, str(w.path)))

    def remove(self, pattern: str, *, dry_run: bool = False, force: bool = False) -> RemovalResult:
        """Delete the cached wheels matching ``pattern`` (pip's rule, see :meth:`list`).

        The pattern ``*`` is a purge, as in pip: it also clears the HTTP cache. A pattern that
        matches nothing is not an error: ``matched`` is ``False``.

        :param dry_run: report what would be deleted, delete nothing.
        :param force: go ahead even when the cache dir is a filesystem root or a home directory.
        :raises InvalidPatternError: ``pattern`` is empty or holds a path separator.
        :raises UnsafeOperationError: the cache dir is ``/``, a home directory or an ancestor of
            one, and ``force`` was not given.
        """
        validate_pattern(pattern)
        return self._delete(pattern, dry_run=dry_run, force=force)

    def purge(self, *, dry_run: bool = False, force: bool = False) -> RemovalResult:
        """Delete every cached wheel and HTTP file (what the answering pip's purge deletes).

        :param dry_run: report what would be deleted, delete nothing.
        :param force: go ahead even when the cache dir is a filesystem root or a home directory.
        :raises UnsafeOperationError: the cache dir is ``/``, a home directory or an ancestor of
            one, and ``force`` was not given.
        """
        return self._delete(None, dry_run=dry_run, force=force)

    def _delete(self, pattern: Optional[str], *, dry_run: bool, force: bool) -> RemovalResult:
        """``remove pattern`` or, for ``None``, ``purge``; checked for safety first."""
        cache = self.dir()
        ensure_safe_to_purge(cache, force=force)
        if dry_run or self.backend == "native":
            if pattern is None:
                return native_purge(cache, dry_run=dry_run, force=True, rules=self._rules())
            return native_remove(cache, pattern, dry_run=dry_run, force=True, rules=self._rules())
        args = ("remove", "--", pattern) if pattern is not None else ("purge",)
        completed = self._pip("-v", "cache", *args, no_match_ok=True)
        return _parsers.parse_removal(
            completed.stdout, completed.stderr, pip_version=self.interpreter.pip_version
        )

    def _rules(self) -> Optional[str]:
        """Whose deletion rules apply: the pip's own with the pip backend, else the newest."""
        return self.interpreter.pip_version if self.backend == "pip" else None


def _not_owned(where: Path, cache_dir: Optional[Path]) -> CacheDisabledError:
    return CacheDisabledError(
        f"pip disabled the cache of {where}: {cache_dir} or its parent is not owned by, or not"
        " writable for, the current user. Fix its owner or permissions (under sudo, use sudo -H),"
        " or point PIP_CACHE_DIR elsewhere",
        reason="permissions",
        cache_dir=cache_dir,
        interpreter=where,
    )


def _disabled(where: Path, detail: str = "") -> CacheDisabledError:
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
        return _not_owned(where, answer.cache_dir)
    if answer.state == "disabled":
        # pip <= 18.1 reads PIP_NO_CACHE_DIR=true as the int 1 and would crash on it (spec §3.4)
        quirk = " (pip <= 18.1 took PIP_NO_CACHE_DIR=true for 1)" if answer.detail == "1" else ""
        return _disabled(where, quirk)
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


def _wheel_at(path: Path) -> Optional[CachedWheel]:
    """A listed wheel with its exact size; ``None`` if it vanished since pip listed it.

    Like pip, a symlinked file counts 0 bytes.
    """
    try:
        stat = path.lstat()
    except FileNotFoundError:
        return None
    size = 0 if path.is_symlink() else stat.st_size
    name, version = _parsers.wheel_name_version(path.name)
    return CachedWheel(path.name, name, version, size, path, exact=True)


# -- one-shot functions -----------------------------------------------------------------------
# Each builds a PipCache for one call; keep a PipCache to probe the interpreter only once.


def cache_dir(
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
) -> Path:
    """:meth:`PipCache.dir` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).dir()


def cache_info(
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
) -> CacheInfo:
    """:meth:`PipCache.info` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).info()


def cache_list(
    pattern: Optional[str] = None,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
) -> List[CachedWheel]:
    """:meth:`PipCache.list` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).list(pattern)


def cache_remove(  # noqa: PLR0913 - keyword-only options, as PipCache's
    pattern: str,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    dry_run: bool = False,
    force: bool = False,
) -> RemovalResult:
    """:meth:`PipCache.remove` for ``python`` (default: the running interpreter)."""
    cache = PipCache(python, backend=backend, env=env, timeout=timeout)
    return cache.remove(pattern, dry_run=dry_run, force=force)


def cache_purge(  # noqa: PLR0913 - keyword-only options, as PipCache's
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    dry_run: bool = False,
    force: bool = False,
) -> RemovalResult:
    """:meth:`PipCache.purge` for ``python`` (default: the running interpreter)."""
    cache = PipCache(python, backend=backend, env=env, timeout=timeout)
    return cache.purge(dry_run=dry_run, force=force)
