"""The native backend: ``pip cache`` done in-process, with the rules of a chosen pip release.

The cache dir is pip's own answer (pip's own code asked from inside the interpreter, as
``pip cache dir`` would answer, kept in the disk cache); everything else is read and deleted here
(:mod:`pipcache_ext._native`), exactly, with dry runs that return the real run's plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from .._native import native_info, native_list, native_purge, native_remove
from .._probing import cache_dir_error, probe_cache_dir
from ..models import Backend, CachedWheel, CacheInfo, RemovalResult
from .command import PipCommand

__all__ = ["NativeBackend"]


class NativeBackend:
    """In-process ``pip cache``.

    :param pip: the interpreter's pip, asked only for its cache dir.
    :param rules: whose deletion rules to follow (a pip version); ``None``: the newest pip's.
    :param cache_dir: the cache dir, when it is known already.
    """

    name: Backend = "native"

    def __init__(
        self, pip: PipCommand, *, rules: Optional[str] = None, cache_dir: Optional[Path] = None
    ) -> None:
        self._pip = pip
        self._rules = rules
        self._cache_dir = cache_dir

    def dir(self) -> Path:
        """Ask the pip, inside its interpreter, which cache dir it uses (spec §3.7); asked once.

        The probe answers as ``pip cache dir`` would, for every pip 8-26.3, and its answer is
        kept in the library's disk cache while the executable, pip, the config files and the
        environment are unchanged: a warm ``info()`` starts no process at all. Only ``info()``
        and ``list()`` store an answer: ``dir()`` is also what a ``remove``/``purge`` asks
        first, and a deletion changes nothing outside pip's cache, this library's included.
        """
        return self._dir(write=False)

    def _dir(self, *, write: bool) -> Path:
        if self._cache_dir is None:
            self._cache_dir = self._probed_dir(write=write)
        return self._cache_dir

    def _probed_dir(self, *, write: bool) -> Path:
        pip = self._pip
        answer = probe_cache_dir(
            pip.interpreter,
            env=pip.env,
            timeout=pip.timeout,
            runner=pip.runner,
            use_cache=True,
            write=write,
        )
        if answer.state != "ok" or answer.cache_dir is None:
            raise cache_dir_error(pip.interpreter, answer)
        return answer.cache_dir

    def info(self) -> CacheInfo:
        return native_info(self._dir(write=True), pip_version=self._pip.pip_version)

    def list(self, pattern: Optional[str]) -> List[CachedWheel]:
        return native_list(self._dir(write=True), pattern)

    def delete(
        self, pattern: Optional[str], *, dry_run: bool, force: bool, spare_recent: bool = False
    ) -> RemovalResult:
        cache = self.dir()
        if pattern is None:
            return native_purge(
                cache, dry_run=dry_run, force=force, rules=self._rules, spare_recent=spare_recent
            )
        return native_remove(
            cache, pattern, dry_run=dry_run, force=force, rules=self._rules,
            spare_recent=spare_recent,
        )  # fmt: skip
