"""The one-shot functions: each builds one :class:`~pipcache_ext.PipCache` for a single call.

Keep a ``PipCache`` to probe the interpreter only once across several calls.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Union

from ._api_housekeeping import Age
from ._probing import PythonSpec
from .api import PipCache
from .models import BackendChoice, CachedWheel, CacheInfo, CacheLocation, HttpEntry, RemovalResult

__all__ = [
    "cache_dir",
    "cache_info",
    "cache_list",
    "cache_list_http",
    "cache_location",
    "cache_prune",
    "cache_purge",
    "cache_remove",
    "cache_remove_project",
]


def cache_dir(
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
) -> Path:
    """:meth:`PipCache.dir` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).dir()


def cache_info(
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
) -> CacheInfo:
    """:meth:`PipCache.info` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).info()


def cache_list(
    pattern: Optional[str] = None,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
) -> List[CachedWheel]:
    """:meth:`PipCache.list` for ``python`` (default: the running interpreter)."""
    return PipCache(python, backend=backend, env=env, timeout=timeout).list(pattern)


def cache_remove(  # noqa: PLR0913 - keyword-only options, as PipCache's
    pattern: str,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
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
    timeout: Optional[float] = None,
    dry_run: bool = False,
    force: bool = False,
    everything: bool = False,
) -> RemovalResult:
    """:meth:`PipCache.purge` for ``python`` (default: the running interpreter)."""
    cache = PipCache(python, backend=backend, env=env, timeout=timeout)
    return cache.purge(dry_run=dry_run, force=force, everything=everything)


def cache_list_http(
    project: Optional[str] = None,
    *,
    python: PythonSpec = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
) -> List[HttpEntry]:
    """:meth:`PipCache.list_http` for ``python`` (default: the running interpreter)."""
    return PipCache(python, env=env, timeout=timeout).list_http(project)


def cache_remove_project(  # noqa: PLR0913 - keyword-only options, as PipCache's
    name: Union[str, Sequence[str]],
    *,
    python: PythonSpec = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    version: Optional[str] = None,
    wheels: bool = True,
    http: bool = True,
    dry_run: bool = False,
    force: bool = False,
) -> RemovalResult:
    """:meth:`PipCache.remove_project` for ``python`` (default: the running interpreter)."""
    return PipCache(python, env=env, timeout=timeout).remove_project(
        name, version=version, wheels=wheels, http=http, dry_run=dry_run, force=force
    )


def cache_prune(  # noqa: PLR0913 - keyword-only options, as PipCache's
    *,
    python: PythonSpec = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    older_than: Optional[Age] = None,
    max_size: Optional[int] = None,
    dry_run: bool = False,
    force: bool = False,
    verify: bool = False,
    wait: bool = True,
) -> RemovalResult:
    """:meth:`PipCache.prune` for ``python`` (default: the running interpreter)."""
    return PipCache(python, env=env, timeout=timeout).prune(
        older_than=older_than, max_size=max_size, dry_run=dry_run, force=force, verify=verify,
        wait=wait,
    )  # fmt: skip


def cache_location(
    python: PythonSpec = None,
    *,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
) -> CacheLocation:
    """:meth:`PipCache.location` for ``python`` (default: the running interpreter).

    Which cache dir its pip uses and why (the variable, config file and section, or the
    default), or which one setting turned the cache off.
    """
    return PipCache(python, env=env, timeout=timeout, cache_dir=cache_dir, user=user).location()
