"""Housekeeping operations of :class:`~pipcache_ext.PipCache`: prune, usage, the lock.

A part of the facade kept apart so that ``api.py`` stays small: :class:`PipCache` inherits them.
The housekeeping modules are imported by the methods that use them: ``PipCache(...).info()``
does not pay for the pruning and usage code (or the HTTP readers they import).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Union

from .models import ProjectUsage, RemovalResult

__all__ = ["Age", "HousekeepingOperations"]

#: An age: a :class:`~datetime.timedelta`, or seconds.
Age = Union[timedelta, float, int]

logger = logging.getLogger("pipcache_ext")


def _seconds(age: Optional[Age]) -> Optional[float]:
    if age is None:
        return None
    seconds = age.total_seconds() if isinstance(age, timedelta) else age
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"older_than must be a timedelta or seconds >= 0, not {age!r}")
    return float(seconds)


def _size(size: Optional[int]) -> Optional[int]:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"max_size must be a number of bytes >= 0, not {size!r}")
    return size


class HousekeepingOperations:
    """``prune``, ``usage`` and the deletion lock, for a class with ``dir()``."""

    _env: Dict[str, str]
    # provided by LocationOperations (declared, not defined: a stub here would win in the MRO)
    _deleting: Callable[[Callable[[], RemovalResult]], RemovalResult]

    def dir(self) -> Path:
        """The cache dir (provided by :class:`~pipcache_ext.PipCache`)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _locked(self, cache_dir: Path, *, wait: bool = True) -> Iterator[None]:
        """Hold the cache dir's deletion lock (see :meth:`prune`'s ``wait``)."""
        from ._housekeeping.lock import cache_lock  # noqa: PLC0415 - deletions only

        with cache_lock(cache_dir, self._env, wait=wait):
            yield

    def prune(  # noqa: PLR0913 - keyword-only options
        self,
        *,
        older_than: Optional[Age] = None,
        max_size: Optional[int] = None,
        dry_run: bool = False,
        force: bool = False,
        verify: bool = False,
        wait: bool = True,
    ) -> RemovalResult:
        """Delete whole entries by last use: older than ``older_than``, then LRU to ``max_size``.

        Entries: a locally built wheel (with its ``origin.json`` and directory), an HTTP entry
        (metadata file, then body). Last use: the newest mtime/atime of its files (mtime alone
        on a ``noatime`` mount, said in ``warnings``). Half-written ``*.tmp`` files older than
        an hour always go. Never pruned: a file modified in the last five minutes, ``selfcheck/``
        and anything outside ``wheels/``, ``http/``, ``http-v2/``, and files that belong to no
        entry (named in ``warnings``). Done in-process, with :meth:`purge`'s guards.

        :param older_than: a :class:`~datetime.timedelta` or seconds.
        :param max_size: bytes: after the age rule, least recently used entries go until the
            three areas hold at most this many bytes.
        :param dry_run: delete nothing and report exactly what the real run would delete.
        :param verify: measure the cache again afterwards (``RemovalResult.remaining``).
        :param wait: when another deletion by this library runs on the same cache dir, wait
            for it (a warning says so); ``False``: raise :class:`CacheBusyError` at once.
        :raises ValueError: neither ``older_than`` nor ``max_size``, or a negative one.
        :raises UnsafeOperationError: the cache dir is a root or home directory (or an area
            links to one), without ``force``.
        :raises CacheBusyError: ``wait=False`` and another deletion holds the lock.
        """
        from ._housekeeping.prune import prune as _prune  # noqa: PLC0415 - prune only
        from ._housekeeping.verify import verified  # noqa: PLC0415 - prune only

        seconds, size = _seconds(older_than), _size(max_size)
        if seconds is None and size is None:
            raise ValueError("prune needs older_than, max_size or both")
        cache = self.dir()
        with self._locked(cache, wait=wait):
            result = self._deleting(
                lambda: _prune(
                    cache, older_than=seconds, max_size=size, dry_run=dry_run, force=force
                )
            )
            return verified(result, cache) if verify else result

    def usage(self) -> List[ProjectUsage]:
        """What each project takes: its wheels and HTTP entries, biggest first.

        One row per canonical project; what belongs to no project (unknown entries, pages of
        the whole index, stray files) is one last row with ``project=None``. The rows add up
        to every file of ``wheels/``, ``http/`` and ``http-v2/``. Entries that cannot be read
        are logged as warnings on the ``pipcache_ext`` logger.
        """
        from ._housekeeping.usage import usage as _usage  # noqa: PLC0415 - usage only
        from ._http.config import index_urls, store_root  # noqa: PLC0415 - as list_http

        rows, warnings = _usage(self.dir(), urls=index_urls(self._env), store=store_root(self._env))
        for warning in warnings:
            logger.warning("%s", warning)
        return rows
