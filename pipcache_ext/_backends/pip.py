"""The pip backend: the interpreter's own ``pip cache dir|info|list|remove|purge``.

``backend="pip"`` means pip's command and nothing else: on a pip without ``cache`` (< 20.1) every
operation, dry runs included, raises :class:`~pipcache_ext.errors.UnsupportedPipError` with what
that pip said. Before ``remove``/``purge`` the deletion plan is made from one scan of the cache
and the dirs pip will walk are checked (:func:`~pipcache_ext._guard.ensure_areas_are_real`): pip
resolves a symlinked ``wheels/``, ``http/`` or ``http-v2/`` and empties its target, so a link there
is refused (or, with ``force``, the cache is cleaned in-process, never following it). A dry run
returns the plan; after a real run the tree is compared with it (``deleted``, ``failed``).

pip's ``remove``/``purge`` deletes whatever it finds, the wheel a running ``pip install`` has just
built and not installed yet included (the install then fails). Asked to spare what pip may be
using (``spare_recent``, the facade's default with ``backend="auto"``), the deletion is done
in-process under this pip's rules (:func:`~pipcache_ext._plan.spare_recent`), whatever the scan
finds: a wheel built between a scan and pip's own listing would still be deleted by pip.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import List, Optional, Tuple, Type, Union

from .. import _parsers
from .._guard import ensure_areas_are_real
from .._native import PlannedRemoval, plan_for, planned_result
from .._pipversions import deletion_rules, features
from .._plan import ALL
from ..errors import (
    DeletionTimeoutError,
    DeletionUnconfirmedError,
    InterpreterError,
    ParseError,
    PipCommandError,
    Remedy,
    UnsafeOperationError,
)
from ..models import Backend, CachedWheel, CacheInfo, RemovalResult
from .command import PipCommand
from .native import NativeBackend

__all__ = ["PipBackend"]


class PipBackend:
    """``pip cache`` run by the interpreter's pip.

    :param pip: how pip runs for this interpreter (argv, environment, failure translation).
    :param delete_timeout: seconds ``remove``/``purge`` may take.
    """

    name: Backend = "pip"

    def __init__(self, pip: PipCommand, *, delete_timeout: float) -> None:
        self._pip = pip
        self._delete_timeout = delete_timeout
        self._features = features(pip.version)
        self._cache_dir: Optional[Path] = None

    def dir(self) -> Path:
        if self._cache_dir is None:
            completed = self._pip.run(("cache", "dir"))
            self._cache_dir = _parsers.parse_dir(
                completed.stdout, pip_version=self._pip.pip_version
            )
        return self._cache_dir

    def info(self) -> CacheInfo:
        completed = self._pip.run(("cache", "info"))
        return _parsers.parse_info(completed.stdout, pip_version=self._pip.pip_version)

    def list(self, pattern: Optional[str]) -> List[CachedWheel]:
        pattern_args = ("--", pattern) if pattern is not None else ()
        pip = self._pip.pip_version
        if not self._features.abspath_list:
            completed = self._pip.run(("cache", "list", *pattern_args))
            wheels = _parsers.parse_list_human(completed.stdout, pip_version=pip)
        else:
            completed = self._pip.run(("cache", "list", "--format=abspath", *pattern_args))
            wheels = [
                wheel
                for path in _parsers.parse_list_abspath(completed.stdout, pip_version=pip)
                if (wheel := _wheel_at(path)) is not None
            ]
        return sorted(wheels, key=lambda w: (w.filename, str(w.path)))

    def delete(
        self, pattern: Optional[str], *, dry_run: bool, force: bool, spare_recent: bool = False
    ) -> RemovalResult:
        cache_dir = self.dir()
        glob = ALL if pattern is None else pattern
        version = self._pip.pip_version
        areas = deletion_rules(version).areas(pattern_is_all=glob == ALL)
        try:
            ensure_areas_are_real(cache_dir, areas)
        except UnsafeOperationError as exc:
            if not force:
                raise
            native = NativeBackend(self._pip, rules=version, cache_dir=cache_dir)
            result = native.delete(pattern, dry_run=dry_run, force=True, spare_recent=spare_recent)
            note = f"Cleaned in-process, not by pip: {exc.path} is a link pip would follow"
            return dataclasses.replace(result, warnings=(note, *result.warnings))
        if spare_recent:
            return _sparing(plan_for(cache_dir, glob, rules=version, spare_at=time.time_ns()),
                            version, dry_run=dry_run)  # fmt: skip
        planned = plan_for(cache_dir, glob, rules=version)
        if dry_run:
            return dataclasses.replace(planned_result(planned, dry_run=True), backend="pip")
        args = ("remove", "--", glob) if pattern is not None else ("purge",)
        result = self._run_removal(args)
        paths = [Path(p) for p in planned.plan.paths(str(planned.cache_dir))]
        still = tuple(p for p in paths if os.path.lexists(p))
        gone = tuple(p for p in paths if p not in set(still))
        return dataclasses.replace(result, deleted=gone, failed=still)

    def _run_removal(self, args: Tuple[str, ...]) -> RemovalResult:
        """Run pip's ``remove``/``purge``; once it started, an unreadable end is not "nothing"."""
        argv = ("-v", "cache", *args)
        try:
            completed = self._pip.run(argv, no_match_ok=True, timeout=self._delete_timeout)
            return _parsers.parse_removal(
                completed.stdout, completed.stderr, pip_version=self._pip.pip_version
            )
        except (InterpreterError, ParseError) as exc:
            raise self._unconfirmed(argv, exc) from exc
        except PipCommandError as exc:
            if isinstance(exc, DeletionUnconfirmedError) or exc.returncode == 0:
                raise
            # pip crashed part-way (e.g. pip 26.3 on a broken symlink that matches): files may
            # be gone already
            raise DeletionUnconfirmedError(
                f"{exc.problem}; pip had started deleting, so it may have deleted files before it"
                " failed;",
                argv=exc.argv,
                returncode=exc.returncode,
                stdout=exc.stdout,
                stderr=exc.stderr,
                pip_version=exc.pip_version,
                interpreter=exc.interpreter,
                remedy=Remedy("remeasure"),
            ) from exc

    def _unconfirmed(
        self, argv: Tuple[str, ...], exc: Union[InterpreterError, ParseError]
    ) -> DeletionUnconfirmedError:
        where = self._pip.interpreter.path
        kind: Type[DeletionUnconfirmedError] = DeletionUnconfirmedError
        if isinstance(exc, ParseError):
            message = (
                f"'pip {' '.join(argv)}' for {where} printed a report that cannot be read"
                f" ({exc.problem}) after it had started deleting: pip may have deleted files;"
            )
        else:
            kind = DeletionTimeoutError
            message = (
                f"{exc.problem.rstrip(';')}: pip had started deleting, so it may have deleted"
                " files before it was stopped;"
            )
        return kind(
            message,
            argv=argv,
            returncode=-1,
            stdout=exc.text if isinstance(exc, ParseError) else "",
            stderr="",
            pip_version=self._pip.pip_version,
            interpreter=where,
            remedy=Remedy("remeasure"),
        )


def _sparing(planned: PlannedRemoval, version: Optional[str], *, dry_run: bool) -> RemovalResult:
    """The plan that spares what pip may be using, run in-process under ``version``'s rules."""
    result = planned_result(planned, dry_run=dry_run)
    if planned.plan.spared is None:
        return result
    verb = "would delete" if dry_run else "deletes"
    note = (
        f"Deleted in-process under pip {version}'s rules, not by pip: pip's own command {verb}"
        " entries a running pip may be about to install"
    )
    return dataclasses.replace(result, warnings=(note, *result.warnings))


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
