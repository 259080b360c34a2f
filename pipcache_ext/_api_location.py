"""Where :class:`~pipcache_ext.PipCache` works and why: its interpreter, its dir, ``location()``.

A part of the facade kept apart so that ``api.py`` stays small: :class:`PipCache` inherits it.

- ``python`` may also be a command on ``PATH`` (``python3``, ``pypy3``) or a version
  (``3.12``, ``2.7``, ``3.8.18``), resolved through discovery (:func:`resolve_request`).
- With no ``python``, an interpreter without pip (a ``uv tool`` environment) gives way to the
  first one the user would get that has pip: the active venv, then ``python3`` and ``python``
  on ``PATH`` (``fallback_from`` names the one passed over). With none at all, ``dir()`` and
  ``info()`` follow pip 26.3's location rules, in-process (``answered_by="rules"``).
- ``cache_dir=``/``user=`` name the dir: pip runs with ``--cache-dir`` where it has ``cache``
  (20.1+) and owns the dir, else the work is done in-process, with no pip needed at all.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from pathlib import Path
from typing import Callable, Dict, List, Optional, TypeVar, Union

from ._backends import CacheBackend
from ._backends.command import PipCommand
from ._backends.direct import DirCommand, DirectBackend, check_directory
from ._backends.pip import PipBackend
from ._locrules import explicit_location, ownership_problem, rules_location
from ._parsers.probe import PipCacheDirAnswer
from ._pipversions import features, parse_pip_version, version_key
from ._probing import PythonSpec, cache_dir_error, probe_interpreter
from ._probing.location import disabled_error, probe_location
from ._runner import Runner
from .errors import (
    CacheDisabledError,
    InterpreterError,
    PipCacheError,
    PipNotFoundError,
    UnsafeOperationError,
)
from .models import (
    Backend,
    BackendChoice,
    CachedWheel,
    CacheInfo,
    CacheLocation,
    Interpreter,
    RemovalResult,
)

__all__ = ["LocationOperations", "resolve_request"]

T = TypeVar("T")

_VERSION = re.compile(r"(?:(?P<impl>python|cpython|pypy|py))?(?P<version>\d+(?:\.\d+){0,2})\Z")
_IMPLEMENTATIONS = {"python": None, "py": None, "cpython": "cpython", "pypy": "pypy", None: None}


# -- which interpreter a request names ---------------------------------------------------------


def _looks_like_a_path(text: str) -> bool:
    return os.sep in text or (os.altsep or os.sep) in text or text.startswith(("~", "."))


def _exists(text: str) -> bool:
    try:
        return os.path.lexists(os.path.expanduser(text))  # noqa: PTH111
    except (ValueError, RuntimeError):  # a NUL; "~" with no home
        return False


def _by_version(match: re.Match[str], env: Dict[str, str], timeout: float) -> Interpreter:
    """The newest discovered interpreter of that version; a base one before a virtual env."""
    from ._discovery import run_discovery  # noqa: PLC0415 - discovery only for such a request

    wanted = match.group("version").split(".")
    implementation = _IMPLEMENTATIONS.get(match.group("impl"))
    found = [
        interpreter
        for interpreter in run_discovery(env=env, timeout=timeout).interpreters
        if interpreter.version.split(".")[: len(wanted)] == wanted
        and implementation in (None, interpreter.implementation)
    ]
    text = match.group(0)
    if not found:
        raise InterpreterError(f"{text}: discovery found no Python {match.group('version')}")
    pool = [i for i in found if not i.is_venv] or found
    newest = max(version_key(i.version) for i in pool)
    best = [i for i in pool if version_key(i.version) == newest]
    if len({i.implementation for i in best}) > 1 and implementation is None:
        best = [i for i in best if i.implementation == "cpython"] or best
    if len(best) > 1:
        names = ", ".join(f"{i.path} ({i.implementation} {i.version})" for i in best)
        raise InterpreterError(
            f"{text} is ambiguous: {names}; pass one of them as --python/python="
        )
    return best[0]


def _by_command(name: str, env: Dict[str, str], timeout: float) -> Optional[Interpreter]:
    """The interpreter ``name`` runs on ``PATH`` (a shim resolved, never run); ``None``: none."""
    from ._discovery import run_discovery  # noqa: PLC0415 - discovery only for such a request

    found = shutil.which(name, path=env.get("PATH", os.defpath))
    if found is None:
        return None
    result = run_discovery(sources=(), extra_paths=[found], env=env, timeout=timeout)
    if result.interpreters:
        return result.interpreters[0]
    reasons = "; ".join(failure.reason for failure in result.failures) or "not an interpreter"
    if _VERSION.match(name):  # an inactive pyenv shim python3.12: look for that version
        return None
    raise InterpreterError(f"{name} (found as {found}): {reasons}", interpreter=Path(found))


def resolve_request(
    python: Union[str, os.PathLike[str]], env: Dict[str, str], timeout: float
) -> Union[str, os.PathLike[str], Interpreter]:
    """What ``python`` names: a path stays a path; a command or a version is looked up.

    :raises InterpreterError: no such command or version, or an ambiguous version.
    """
    text = os.fspath(python)
    if not isinstance(text, str) or _looks_like_a_path(text) or _exists(text):
        return python
    match = _VERSION.match(text)
    if match is not None and match.group("impl") is None:
        return _by_version(match, env, timeout)
    interpreter = _by_command(text, env, timeout)
    if interpreter is not None:
        return interpreter
    if match is not None:  # python3.12, pypy3.10 not on PATH: that version, found anywhere
        return _by_version(match, env, timeout)
    raise InterpreterError(
        f"{text}: no such interpreter (not a path, and no command of that name on PATH)",
        interpreter=Path(text),
    )


# -- the operations ----------------------------------------------------------------------------


class _Explained:
    """A backend whose ``CacheDisabledError`` names the one setting (asked when it happens)."""

    def __init__(
        self, inner: CacheBackend, explain: Callable[[CacheDisabledError], Exception]
    ) -> None:
        self._inner = inner
        self._explain = explain
        self.name: Backend = inner.name

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except CacheDisabledError as exc:
            if exc.location is not None:
                raise
            raise self._explain(exc) from exc

    def dir(self) -> Path:
        return self._call(self._inner.dir)

    def info(self) -> CacheInfo:
        return self._call(self._inner.info)

    def list(self, pattern: Optional[str]) -> List[CachedWheel]:
        return self._call(lambda: self._inner.list(pattern))

    def delete(
        self, pattern: Optional[str], *, dry_run: bool, force: bool, spare_recent: bool = False
    ) -> RemovalResult:
        delete: Callable[..., RemovalResult] = self._inner.delete  # all take spare_recent
        return self._call(
            lambda: delete(pattern, dry_run=dry_run, force=force, spare_recent=spare_recent)
        )


class LocationOperations:
    """``location()``, ``fallback_from``; how :class:`PipCache` finds its interpreter and dir."""

    _python: PythonSpec
    _env: Dict[str, str]
    _timeout: float
    _delete_timeout: float
    _run: Runner
    _backend_choice: BackendChoice
    _given_dir: Optional[Union[str, os.PathLike[str]]] = None
    _user: Optional[str] = None
    _fallback_from: Optional[Path] = None
    _located: Optional[CacheLocation] = None
    _refusal: Optional[Callable[[], PipCacheError]] = None  # what refuses deleting here
    _delete_warning: Optional[str] = None  # what a deletion here says (as root: not pip's dir)

    @property
    def interpreter(self) -> Interpreter:
        """The interpreter (provided by :class:`~pipcache_ext.PipCache`)."""
        raise NotImplementedError

    def _backend(self) -> CacheBackend:
        """The backend, chosen once (provided by :class:`~pipcache_ext.PipCache`)."""
        raise NotImplementedError

    def _deleting(self, delete: Callable[[], RemovalResult]) -> RemovalResult:
        """``delete()`` (in-process: prune, remove_project), refused or noted as backends do.

        Not root and another account's dir: ``UnsafeOperationError``; no pip said where the
        cache is: ``PipNotFoundError``; as root there, pip's ownership check is a warning.
        """
        self._backend()
        if self._refusal is not None:
            raise self._refusal()
        result = delete()
        if self._delete_warning is None:
            return result
        return dataclasses.replace(result, warnings=(self._delete_warning, *result.warnings))

    @property
    def fallback_from(self) -> Optional[Path]:
        """The running interpreter when it has no pip and another one answers instead."""
        _ = self.interpreter
        return self._fallback_from

    def location(self) -> CacheLocation:
        """Which cache dir this works on, and why: the setting that chose it or turned it off.

        Asked of the interpreter's own pip, inside it, with pip's own configuration loader, for
        every pip 8-26.3 (kept in the disk cache like every probe answer). A disabled cache is
        not an error here: ``disabled``/``disabled_by`` say so and ``would_use`` names the dir.

        :raises InterpreterError: the interpreter cannot be run.
        :raises PipCacheError: its pip fails to read its configuration.
        """
        if self._located is None:
            self._located = self._locate()
        return self._located

    def _locate(self) -> CacheLocation:
        explicit = self._explicit_location()
        if explicit is not None:
            return explicit
        interpreter = self.interpreter
        if interpreter.pip_version is None and self._python is not None:
            raise cache_dir_error(interpreter, PipCacheDirAnswer("no-pip"))
        if interpreter.pip_version is None:
            home = self._env.get("HOME") or os.path.expanduser("~")  # noqa: PTH111
            location = rules_location(
                self._env,
                home=home,
                cwd=os.fspath(Path.cwd()),
                prefix=os.fspath(interpreter.prefix),
            )
            note = f"{interpreter.path} has no pip, and no other interpreter with pip was found"
            return dataclasses.replace(
                location, interpreter=interpreter.path, notes=(*location.notes, note)
            )
        return probe_location(interpreter, env=self._env, timeout=self._timeout, runner=self._run)

    def _explicit_location(self) -> Optional[CacheLocation]:
        """The location ``cache_dir=`` or ``user=`` names; ``None`` when neither was given."""
        if self._user is not None:
            from ._users import account_location  # noqa: PLC0415 - only for user=

            location = account_location(self._user, sudo_user=self._env.get("SUDO_USER"))
        elif self._given_dir is not None:
            location = explicit_location(Path(os.fspath(self._given_dir)), os.fspath(Path.cwd()))
        else:
            return None
        directory = location.cache_dir or location.would_use
        problem = ownership_problem(directory) if directory is not None else None
        if problem is None:
            return location
        note = (
            f"pip's ownership check fails ({problem}): pip would disable this cache, so it is"
            " read and cleaned in-process"
        )
        return dataclasses.replace(location, notes=(*location.notes, note))

    def _find_interpreter(self, probe: Callable[..., Interpreter]) -> Interpreter:
        """Resolve ``python`` (a command, a version), ``probe`` it; fall back when it has no pip."""
        python = self._python
        assert not isinstance(python, Interpreter)  # noqa: S101 - PipCache keeps those
        if python is not None:
            python = resolve_request(python, self._env, min(self._timeout, 10.0))
            if isinstance(python, Interpreter):
                return python
        interpreter = probe(python, env=self._env, timeout=self._timeout, runner=self._run)
        if python is None and interpreter.pip_version is None:
            fallback = self._fallback(interpreter)
            if fallback is not None:
                self._fallback_from = interpreter.path
                return fallback
        return interpreter

    def _fallback(self, host: Interpreter) -> Optional[Interpreter]:
        """The first interpreter with pip the user would get: the active venv, then PATH's."""
        candidates: List[str] = []
        venv = self._env.get("VIRTUAL_ENV")
        if venv:
            candidates.append(venv)
        for name in ("python3", "python"):
            try:
                found = _by_command(name, self._env, min(self._timeout, 10.0))
            except PipCacheError:
                continue
            if found is not None and found.pip_version is not None:
                candidates.append(os.fspath(found.path))
        for candidate in candidates:
            try:
                interpreter = probe_interpreter(
                    candidate, env=self._env, timeout=self._timeout, runner=self._run
                )
            except PipCacheError:
                continue
            if interpreter.pip_version is not None and interpreter.executable != host.executable:
                return interpreter
        return None

    def _pip_command(self, interpreter: Interpreter) -> Optional[PipCommand]:
        version = parse_pip_version(interpreter.pip_version) if interpreter.pip_version else None
        if version is None:
            return None
        return PipCommand(
            interpreter, version, env=self._env, timeout=self._timeout, runner=self._run
        )

    def _located_backend(self) -> Optional[CacheBackend]:
        """The backend for a named dir, or for an interpreter that has no pip; else ``None``."""
        explicit = self._explicit_location()
        if explicit is not None:
            return self._explicit_backend(explicit)
        interpreter = self.interpreter
        if interpreter.pip_version is not None or self._backend_choice == "pip" or self._python:
            return None  # the usual way (a named interpreter without pip: PipNotFoundError)
        location = self.location()
        if location.cache_dir is None:
            raise disabled_error(location, interpreter)
        refusal = PipNotFoundError(
            f"{interpreter.path} has no pip to say where its cache is, so {location.cache_dir}"
            " (by pip's rules) is only read; name the cache dir explicitly (cache_dir=,"
            " --cache-dir) to clean it",
            interpreter=interpreter.path,
        )
        self._refusal = lambda: refusal
        return DirectBackend(location.cache_dir, refusal=self._refusal)

    def _explicit_backend(self, explicit: CacheLocation) -> Optional[CacheBackend]:
        """The backend for a named dir: pip told ``--cache-dir`` (20.1+, dir owned), or native."""
        directory = explicit.cache_dir or explicit.would_use
        assert directory is not None  # noqa: S101 - an explicit location names its dir
        check_directory(directory)
        interpreter = self._usable_interpreter()
        pip = self._pip_command(interpreter) if interpreter is not None else None
        problem = ownership_problem(directory)
        choice = self._backend_choice
        if pip is not None and (
            choice == "pip"
            or (choice == "auto" and problem is None and features(pip.version).has_cache)
        ):
            return PipBackend(DirCommand(pip, directory), delete_timeout=self._delete_timeout)
        if choice == "pip":
            return None  # no pip: PipCache says so
        refusal: Optional[Callable[[], PipCacheError]] = None
        warning: Optional[str] = None
        if problem is not None and hasattr(os, "geteuid") and os.geteuid() != 0:
            message = f"Refusing to clean {directory}: {problem}; only its owner or root can."
            refusal = lambda: UnsafeOperationError(message, path=directory)  # noqa: E731
        elif problem is not None:
            warning = (
                f"pip's ownership check fails for {directory} ({problem}): pip would disable"
                " this cache, so it was cleaned in-process, as root"
            )
        self._refusal, self._delete_warning = refusal, warning
        pip_version = interpreter.pip_version if interpreter is not None else None
        return DirectBackend(directory, pip_version=pip_version, refusal=refusal, warning=warning)

    def _usable_interpreter(self) -> Optional[Interpreter]:
        """The interpreter, or ``None`` when there is none to run and a dir was named."""
        try:
            return self.interpreter
        except PipCacheError:
            if self._python is not None:
                raise
            return None

    def _explained(self, backend: CacheBackend) -> CacheBackend:
        """``backend`` whose disabled-cache errors name the setting that disabled it."""

        def explain(exc: CacheDisabledError) -> Exception:
            try:
                location = self.location()
            except PipCacheError:
                return exc
            return disabled_error(location, self.interpreter) if location.disabled else exc

        return _Explained(backend, explain)
