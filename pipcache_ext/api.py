"""The facade: :class:`PipCache`, pip's cache as one interpreter's pip sees it.

The one-shot functions that build one for a single call are in :mod:`._oneshots`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Mapping, Optional, Union, get_args

from ._api_housekeeping import HousekeepingOperations
from ._api_http import HttpOperations
from ._api_location import LocationOperations
from ._backends import CacheBackend
from ._backends.command import PipCommand
from ._backends.native import NativeBackend
from ._backends.pip import PipBackend
from ._guard import (
    ensure_link_targets_are_safe,
    ensure_looks_like_a_cache,
    ensure_safe_to_purge,
)
from ._housekeeping.verify import verified_purge
from ._http import actions as _http
from ._native import native_purge
from ._patterns import validate_pattern
from ._pipversions import AREAS, PipVersion, features, parse_pip_version
from ._probing import PythonSpec, probe_interpreter
from ._runner import Runner, run
from .errors import PipNotFoundError, Remedy
from .models import (
    Backend,
    BackendChoice,
    CachedWheel,
    CacheInfo,
    Interpreter,
    RemovalResult,
)

__all__ = ["PipCache"]


def __dir__() -> List[str]:
    return __all__


class PipCache(HttpOperations, HousekeepingOperations, LocationOperations):
    """pip's cache, as one interpreter's pip sees it.

    :param python: an interpreter path, a virtual environment directory, a command on ``PATH``
        (``python3``), a version (``3.12``) or an :class:`Interpreter`; ``None`` means the
        running interpreter (or, when it has no pip, the first one with pip: ``fallback_from``).
    :param cache_dir: work on this dir whatever pip's settings say (pip gets ``--cache-dir``; no
        pip is needed); ``user``: on that account's default cache dir.
    :param timeout: seconds each child process may take before it is killed (with its process
        group); default 60, and 600 for ``remove``/``purge``, whose pip may take minutes.
    :param delete_timeout: seconds pip's ``remove``/``purge`` may take, when it must differ from
        ``timeout``.
    :param env: the environment pip runs in (default: ``os.environ``). Cache settings in it
        (``PIP_CACHE_DIR``, ``PIP_CONFIG_FILE``, ``XDG_CACHE_HOME``, ...) are honoured; what would
        break parsing (``PIP_QUIET``, colour, ``PIP_PYTHON``, ...) is neutralised.
    :param backend: ``"auto"`` (pip's own ``cache`` command where the pip has it, 20.1+, the
        in-process implementation otherwise), ``"pip"`` or ``"native"``.
    :param runner: how processes run (for tests); default: :func:`subprocess`-based.

    The interpreter is probed once, on first use, in one subprocess.
    """

    def __init__(  # noqa: PLR0913 - keyword-only options
        self,
        python: PythonSpec = None,
        *,
        timeout: Optional[float] = None,
        delete_timeout: Optional[float] = None,
        env: Optional[Mapping[str, str]] = None,
        backend: BackendChoice = "auto",
        runner: Optional[Runner] = None,
        cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
        user: Optional[str] = None,
    ) -> None:
        if backend not in get_args(BackendChoice):
            raise ValueError(f"backend must be one of {get_args(BackendChoice)}, not {backend!r}")
        for name, value in (("timeout", timeout), ("delete_timeout", delete_timeout)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        self._python = python
        self._timeout = TIMEOUT if timeout is None else float(timeout)
        if delete_timeout is not None:
            self._delete_timeout = float(delete_timeout)
        else:
            self._delete_timeout = DELETE_TIMEOUT if timeout is None else float(timeout)
        self._env = dict(os.environ if env is None else env)
        self._backend_choice: BackendChoice = backend
        self._run: Runner = run if runner is None else runner
        self._interpreter = python if isinstance(python, Interpreter) else None
        self._chosen: Optional[CacheBackend] = None
        self._given_dir, self._user = cache_dir, user

    def __repr__(self) -> str:
        return f"PipCache({self._python!r}, backend={self._backend_choice!r})"

    # -- the interpreter and its backend ---------------------------------------------------------

    @property
    def interpreter(self) -> Interpreter:
        """The interpreter, probed once.

        :raises InterpreterError: it is missing, not executable, not Python, or timed out.
        """
        if self._interpreter is None:
            self._interpreter = self._find_interpreter(probe_interpreter)
        return self._interpreter

    @property
    def backend(self) -> Backend:
        """The backend that answers for this interpreter: ``"pip"`` or ``"native"``.

        :raises PipNotFoundError: the interpreter has no pip.
        """
        return self._backend().name

    def _backend(self) -> CacheBackend:
        """Choose the backend once: pip's command where it has one (20.1+) unless told."""
        if self._chosen is not None:
            return self._chosen
        located = self._located_backend()  # a dir named explicitly, or no pip at all
        if located is not None:
            self._chosen = self._explained(located)
            return self._chosen
        version = self._pip_version()
        command = PipCommand(
            self.interpreter, version, env=self._env, timeout=self._timeout, runner=self._run
        )
        choice = self._backend_choice
        if choice == "auto":
            choice = "pip" if features(version).has_cache else "native"
        chosen: CacheBackend
        if choice == "pip":
            chosen = PipBackend(command, delete_timeout=self._delete_timeout)
        else:
            chosen = NativeBackend(command)
        self._chosen = self._explained(chosen)
        return self._chosen

    def _pip_version(self) -> PipVersion:
        interpreter = self.interpreter
        if interpreter.pip_version is None:
            raise PipNotFoundError(
                f"{interpreter.path} (Python {interpreter.version}) has no pip;",
                interpreter=interpreter.path,
                remedy=Remedy("install-pip", str(interpreter.executable)),
            )
        version = parse_pip_version(interpreter.pip_version)
        if version is None:
            raise PipNotFoundError(
                f"{interpreter.path} has a pip whose version {interpreter.pip_version!r} cannot"
                " be read",
                interpreter=interpreter.path,
            )
        return version

    # -- operations --------------------------------------------------------------------------

    def dir(self) -> Path:
        """The cache directory this interpreter's pip uses (it may not exist yet); asked once.

        :raises CacheDisabledError: pip's cache is disabled.
        :raises UnsupportedPipError: ``backend="pip"`` and the pip has no ``cache`` command.
        """
        return self._backend().dir()

    def info(self) -> CacheInfo:
        """Sizes and counts of the cache's wheels and HTTP parts.

        ``unreported_files``/``unreported_size`` measure, in-process and exactly, the HTTP dirs
        the answering pip does not count (``http-v2/`` before pip 23.3).

        :raises CacheDisabledError: pip's cache is disabled.
        """
        return _http.with_unreported(self._backend().info(), self._rules())

    def _rules(self) -> Optional[str]:
        """Whose rules the backend follows: the pip's own, or (native) the newest pip's."""
        return self.interpreter.pip_version if self._backend().name == "pip" else None

    def list(self, pattern: Optional[str] = None) -> List[CachedWheel]:
        """The locally built wheels in the cache, optionally matching pip's ``pattern`` rule.

        pip matches ``pattern`` against wheel file names, unnormalised and case-sensitively:
        a pattern without ``-`` gets ``-*.whl`` appended, one with ``-`` gets ``*.whl``.

        :returns: wheels sorted by file name, then path.
        :raises InvalidPatternError: ``pattern`` is empty, too long, or holds a path separator
            or a control character.
        """
        if pattern is not None:
            validate_pattern(pattern)
        return self._backend().list(pattern)

    def remove(
        self, pattern: str, *, dry_run: bool = False, force: bool = False, spare_recent: bool = True
    ) -> RemovalResult:
        """Delete the cached wheels matching ``pattern`` (pip's rule, see :meth:`list`).

        The pattern ``*`` is a purge, as in pip: it also clears the HTTP cache. A pattern that
        matches nothing is not an error: ``matched`` is ``False``.

        :param dry_run: report what would be deleted, delete nothing: exactly the real run's
            ``deleted``, ``removed`` and counts.
        :param spare_recent: leave what a running ``pip install`` may be writing or about to
            install (see :meth:`purge`).
        :param force: go ahead even when the cache dir is a filesystem root or a home directory,
            or when a dir pip would walk is a symlink (the cache is then cleaned in-process).
        :raises InvalidPatternError: ``pattern`` is empty or holds a path separator.
        :raises UnsafeOperationError: the cache dir is ``/``, a home directory or an ancestor of
            one, or pip would follow a symlink out of it, and ``force`` was not given.
        :raises DeletionUnconfirmedError: pip started deleting and its outcome is unknown.
        """
        validate_pattern(pattern)
        with self._locked(self.dir()):
            return self._delete(pattern, dry_run=dry_run, force=force, spare_recent=spare_recent)

    def purge(  # noqa: PLR0913 - keyword-only options
        self,
        *,
        dry_run: bool = False,
        force: bool = False,
        everything: bool = False,
        verify: bool = False,
        wait: bool = True,
        spare_recent: bool = True,
    ) -> RemovalResult:
        """Delete every cached wheel and HTTP file (what the answering pip's purge deletes).

        What that pip does not see (``http-v2/`` before pip 23.3) is named in ``warnings``.

        :param dry_run: report what would be deleted, delete nothing.
        :param spare_recent: leave the whole entries (a wheel's directory; an HTTP entry's
            metadata file and body) with a file modified in the last five minutes, and the empty
            directories made then: a running ``pip install`` may be writing them, or waiting to
            install the wheel it has just built (pip builds every sdist before installing any).
            ``spared`` lists the files left and ``warnings`` says how many; run again in a few
            minutes, or pass ``False`` to delete them too. pip's own purge cannot spare them
            (and fails when ``pip install`` renames or creates files while it runs), so with
            ``backend="auto"`` the deletion is done in-process under the pip's rules
            (``backend="native"`` in the result). With ``backend="pip"`` pip's command runs as
            it is and deletes them: a ``pip install`` running meanwhile can fail with
            ``No such file or directory``.
        :param everything: then remove in-process what the pip's purge left in ``wheels/``,
            ``http/`` and ``http-v2/`` (the dirs it does not see, ``origin.json`` files, empty
            directories), as pip 26.3's purge would.
        :param verify: measure the cache again afterwards (``RemovalResult.remaining``); what
            should have gone and is still there is named in ``warnings``.
        :param wait: see :meth:`prune`: this library's deletions of one cache dir take turns.
        :param force: go ahead even when the cache dir is a filesystem root, a home directory or
            not a pip cache, or when a dir pip would walk is a symlink.
        :raises UnsafeOperationError: as for :meth:`remove`, and for a directory that does not
            look like a pip cache.
        :raises DeletionUnconfirmedError: pip started deleting and its outcome is unknown.
        """
        with self._locked(self.dir(), wait=wait):
            result = self._delete(
                None, dry_run=dry_run, force=force, everything=everything,
                spare_recent=spare_recent,
            )  # fmt: skip
            if not verify:
                return result
            rules = self._rules()
            return verified_purge(result, self.dir(), pip_version=rules, everything=everything)

    def _delete(
        self,
        pattern: Optional[str],
        *,
        dry_run: bool,
        force: bool,
        everything: bool = False,
        spare_recent: bool = True,
    ) -> RemovalResult:
        """``remove pattern`` or, for ``None``, ``purge``; checked for safety first.

        ``spare_recent`` is not asked of an explicit ``backend="pip"``: pip's command as it is.
        """
        backend = self._backend()
        cache = backend.dir()
        ensure_safe_to_purge(cache, force=force)
        ensure_link_targets_are_safe(cache, AREAS, force=force)
        if pattern is None or pattern == "*":
            ensure_looks_like_a_cache(cache, force=force)
        if spare_recent and self._backend_choice != "pip":
            return self._sparing(backend, cache, pattern, dry_run, force, everything=everything)
        result = backend.delete(pattern, dry_run=dry_run, force=force)
        if pattern is None or pattern == "*":
            return _http.finish_purge(
                cache, result, pip_version=self._rules(), everything=everything, dry_run=dry_run
            )
        return result

    def _sparing(  # noqa: PLR0913 - the options of _delete
        self,
        backend: CacheBackend,
        cache: Path,
        pattern: Optional[str],
        dry_run: bool,
        force: bool,
        *,
        everything: bool,
    ) -> RemovalResult:
        """:meth:`_delete` leaving what pip may be using: in-process, whatever the backend.

        ``everything`` is then pip 26.3's purge in one pass (a second pass would not spare).
        """
        inner: Any = getattr(backend, "_inner", backend)  # under the disabled-cache wrapper
        if everything and isinstance(inner, PipBackend):
            return native_purge(cache, dry_run=dry_run, force=force, spare_recent=True)
        result = backend.delete(pattern, dry_run=dry_run, force=force, spare_recent=True)
        if (pattern is None or pattern == "*") and not everything:
            # what the pip does not see is named (its rules were followed)
            return _http.finish_purge(
                cache, result, pip_version=self._rules(), everything=False, dry_run=dry_run
            )
        return result  # everything: the newest pip's rules, which leave nothing unseen


#: The default timeout of one pip process, in seconds.
TIMEOUT = 60.0
#: The default timeout of ``remove``/``purge``: pip takes minutes to delete a large cache.
DELETE_TIMEOUT = 600.0
