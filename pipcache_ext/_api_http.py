"""The HTTP-cache operations of :class:`~pipcache_ext.PipCache`: entries named by project.

A part of the facade kept apart so that ``api.py`` stays small: :class:`PipCache` inherits them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

from ._housekeeping.lock import cache_lock
from ._housekeeping.verify import verified
from ._http import actions as _http
from .models import HttpEntry, HttpListing, RemovalResult

__all__ = ["HttpOperations"]


class HttpOperations:
    """``list_http``, ``http_listing`` and ``remove_project``, for a class with ``dir()``."""

    _env: Dict[str, str]
    # provided by LocationOperations (declared, not defined: a stub here would win in the MRO)
    _deleting: Callable[[Callable[[], RemovalResult]], RemovalResult]

    def dir(self) -> Path:
        """The cache dir (provided by :class:`~pipcache_ext.PipCache`)."""
        raise NotImplementedError

    def list_http(self, project: Optional[str] = None) -> List[HttpEntry]:
        """Every entry of the HTTP cache (``http/`` and ``http-v2/``), named, for any pip.

        Done in-process (pip has no such command); entries that cannot be read are
        ``"unknown"`` and logged as warnings (:meth:`http_listing` returns them).

        :param project: only this project's entries (any spelling: ``Django``, ``zope.interface``).
        """
        return _http.logged_entries(self.http_listing(project))

    def http_listing(self, project: Optional[str] = None) -> HttpListing:
        """:meth:`list_http` with the warnings of entries that could not be read."""
        return _http.http_listing(self.dir(), self._env, project)

    def remove_project(  # noqa: PLR0913 - keyword-only options
        self,
        name: Union[str, Sequence[str]],
        *,
        version: Optional[str] = None,
        wheels: bool = True,
        http: bool = True,
        dry_run: bool = False,
        force: bool = False,
        verify: bool = False,
        wait: bool = True,
        spare_recent: bool = True,
    ) -> RemovalResult:
        """Delete everything cached for a project (or several): like ``uv cache clean PKG``.

        Its locally built wheels (by canonical name) and its HTTP entries in both areas: files,
        ``.metadata`` files, redirects and index pages (with ``version``: that version's, and
        no index page). ``"unknown"`` entries are never removed by project. Done in-process,
        with :meth:`purge`'s guards; ``bytes_removed`` is exact.

        :param dry_run: delete nothing and report what the real run would delete.
        :param verify: measure the cache again afterwards (``RemovalResult.remaining``).
        :param wait: see :meth:`~pipcache_ext.PipCache.prune`: deletions take turns.
        :param spare_recent: leave the entries a running ``pip install`` may be writing or about
            to install (see :meth:`~pipcache_ext.PipCache.purge`).
        :raises UnsafeOperationError: the cache dir is a root or home directory (or a dir in it
            links to one), and ``force`` was not given.
        """
        cache = self.dir()
        names = [name] if isinstance(name, str) else list(name)

        def delete() -> RemovalResult:
            return _http.project_removal(
                cache, self._env, names, version=version, wheels=wheels, http=http,
                dry_run=dry_run, force=force, spare_at=time.time_ns() if spare_recent else None,
            )  # fmt: skip

        with cache_lock(cache, self._env, wait=wait):
            result = self._deleting(delete)  # refused or noted as the backend's delete would be
            return verified(result, cache) if verify else result
