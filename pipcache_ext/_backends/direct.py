"""A cache dir named directly: pip told to use it, or the work done here without any pip.

- :class:`DirCommand`: an interpreter's pip run with ``--cache-dir PATH`` (a general option that
  every pip from 8 has, placed before the subcommand), for :class:`~._backends.pip.PipBackend`.
- :class:`DirectBackend`: the native work on a known dir; it needs no interpreter, so a dir given
  explicitly can be read and cleaned where no pip exists, and the dir that pip's rules give
  (no pip to ask) can be read.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from .._native import native_info, native_list, native_purge, native_remove
from .._runner import Completed
from ..errors import PipCacheError
from ..models import Backend, CachedWheel, CacheInfo, RemovalResult
from .command import PipCommand

__all__ = ["DirCommand", "DirectBackend", "check_directory"]


class DirCommand(PipCommand):
    """``python -m pip --cache-dir PATH ...``: pip's answers are about ``PATH``."""

    def __init__(self, base: PipCommand, cache_dir: Path) -> None:
        super().__init__(
            base.interpreter, base.version, env=base.env, timeout=base.timeout, runner=base.runner
        )
        self.cache_dir = cache_dir

    def run(
        self, args: Tuple[str, ...], *, no_match_ok: bool = False, timeout: Optional[float] = None
    ) -> Completed:
        given = ("--cache-dir", os.fspath(self.cache_dir), *args)
        return super().run(given, no_match_ok=no_match_ok, timeout=timeout)


class DirectBackend:
    """In-process work on ``cache_dir``, with no pip involved.

    :param pip_version: the interpreter's pip, named in results (``None``: none).
    :param rules: whose deletion rules to follow; ``None``: the newest pip's.
    :param refusal: ``None`` when deleting is allowed; otherwise the error that refuses it (no
        pip said where the cache is; another account's cache, and this process is not root).
    :param warning: said in every removal's ``warnings`` (pip's ownership check, ...).
    """

    name: Backend = "native"

    def __init__(
        self,
        cache_dir: Path,
        *,
        pip_version: Optional[str] = None,
        rules: Optional[str] = None,
        refusal: Optional[Callable[[], PipCacheError]] = None,
        warning: Optional[str] = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._pip_version = pip_version
        self._rules = rules
        self._refusal = refusal
        self._warning = warning

    def dir(self) -> Path:
        return self._cache_dir

    def info(self) -> CacheInfo:
        return native_info(self._cache_dir, pip_version=self._pip_version)

    def list(self, pattern: Optional[str]) -> List[CachedWheel]:
        return native_list(self._cache_dir, pattern)

    def delete(
        self, pattern: Optional[str], *, dry_run: bool, force: bool, spare_recent: bool = False
    ) -> RemovalResult:
        if self._refusal is not None:
            raise self._refusal()
        cache = self._cache_dir
        if pattern is None:
            result = native_purge(
                cache, dry_run=dry_run, force=force, rules=self._rules, spare_recent=spare_recent
            )
        else:
            result = native_remove(
                cache, pattern, dry_run=dry_run, force=force, rules=self._rules,
                spare_recent=spare_recent,
            )  # fmt: skip
        if self._warning is None:
            return result
        return dataclasses.replace(result, warnings=(self._warning, *result.warnings))


def check_directory(path: Path) -> None:
    """Refuse an explicit cache dir that is not an existing directory.

    :raises PipCacheError: it does not exist, is not a directory, or cannot be looked at.
    """
    try:
        is_dir = path.is_dir()
        exists = is_dir or os.path.lexists(path)
    except (OSError, ValueError) as exc:
        raise PipCacheError(f"the cache dir {path} cannot be looked at: {exc}") from exc
    if not exists:
        raise PipCacheError(f"the cache dir {path} does not exist")
    if not is_dir:
        raise PipCacheError(f"the cache dir {path} is not a directory")
