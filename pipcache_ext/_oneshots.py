"""The one-shot functions: each builds one :class:`~pipcache_ext.PipCache` for a single call.

Each accepts what ``PipCache`` accepts (``python``, ``backend``, ``env``, ``timeout``,
``cache_dir``, ``user``; ``delete_timeout`` where pip may delete: ``cache_remove`` and
``cache_purge``) and every keyword option of the method it calls. Keep a ``PipCache`` to probe
the interpreter only once across several calls.
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


def _cache(  # noqa: PLR0913, PLR0917 - PipCache's options, one private call shape
    python: PythonSpec,
    backend: BackendChoice,
    env: Optional[Mapping[str, str]],
    timeout: Optional[float],
    cache_dir: Optional[Union[str, os.PathLike[str]]],
    user: Optional[str],
    delete_timeout: Optional[float] = None,
) -> PipCache:
    return PipCache(
        python, backend=backend, env=env, timeout=timeout, delete_timeout=delete_timeout,
        cache_dir=cache_dir, user=user,
    )  # fmt: skip


def cache_dir(  # noqa: PLR0913 - keyword-only options, as PipCache's
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
) -> Path:
    """:meth:`PipCache.dir` for ``python`` (default: the running interpreter).

    With ``cache_dir=`` (or ``user=``) it is that dir, checked to be a directory.
    """
    return _cache(python, backend, env, timeout, cache_dir, user).dir()


def cache_info(  # noqa: PLR0913 - keyword-only options, as PipCache's
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
) -> CacheInfo:
    """:meth:`PipCache.info` for ``python`` (default: the running interpreter)."""
    return _cache(python, backend, env, timeout, cache_dir, user).info()


def cache_list(  # noqa: PLR0913 - keyword-only options, as PipCache's
    pattern: Optional[str] = None,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
) -> List[CachedWheel]:
    """:meth:`PipCache.list` for ``python`` (default: the running interpreter)."""
    return _cache(python, backend, env, timeout, cache_dir, user).list(pattern)


def cache_remove(  # noqa: PLR0913 - keyword-only options, as PipCache's
    pattern: str,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    delete_timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
    dry_run: bool = False,
    force: bool = False,
    spare_recent: bool = True,
) -> RemovalResult:
    """:meth:`PipCache.remove` for ``python`` (default: the running interpreter)."""
    cache = _cache(python, backend, env, timeout, cache_dir, user, delete_timeout)
    return cache.remove(pattern, dry_run=dry_run, force=force, spare_recent=spare_recent)


def cache_purge(  # noqa: PLR0913 - keyword-only options, as PipCache's
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    delete_timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
    dry_run: bool = False,
    force: bool = False,
    everything: bool = False,
    verify: bool = False,
    wait: bool = True,
    spare_recent: bool = True,
) -> RemovalResult:
    """:meth:`PipCache.purge` for ``python`` (default: the running interpreter)."""
    cache = _cache(python, backend, env, timeout, cache_dir, user, delete_timeout)
    return cache.purge(
        dry_run=dry_run, force=force, everything=everything, verify=verify, wait=wait,
        spare_recent=spare_recent,
    )  # fmt: skip


def cache_list_http(  # noqa: PLR0913 - keyword-only options, as PipCache's
    project: Optional[str] = None,
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
) -> List[HttpEntry]:
    """:meth:`PipCache.list_http` for ``python`` (default: the running interpreter)."""
    return _cache(python, backend, env, timeout, cache_dir, user).list_http(project)


def cache_remove_project(  # noqa: PLR0913 - keyword-only options, as PipCache's
    name: Union[str, Sequence[str]],
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
    version: Optional[str] = None,
    wheels: bool = True,
    http: bool = True,
    dry_run: bool = False,
    force: bool = False,
    verify: bool = False,
    wait: bool = True,
    spare_recent: bool = True,
) -> RemovalResult:
    """:meth:`PipCache.remove_project` for ``python`` (default: the running interpreter)."""
    return _cache(python, backend, env, timeout, cache_dir, user).remove_project(
        name, version=version, wheels=wheels, http=http, dry_run=dry_run, force=force,
        verify=verify, wait=wait, spare_recent=spare_recent,
    )  # fmt: skip


def cache_prune(  # noqa: PLR0913 - keyword-only options, as PipCache's
    *,
    python: PythonSpec = None,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
    older_than: Optional[Age] = None,
    max_size: Optional[int] = None,
    dry_run: bool = False,
    force: bool = False,
    verify: bool = False,
    wait: bool = True,
) -> RemovalResult:
    """:meth:`PipCache.prune` for ``python`` (default: the running interpreter)."""
    return _cache(python, backend, env, timeout, cache_dir, user).prune(
        older_than=older_than, max_size=max_size, dry_run=dry_run, force=force, verify=verify,
        wait=wait,
    )  # fmt: skip


def cache_location(  # noqa: PLR0913 - keyword-only options, as PipCache's
    python: PythonSpec = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
    user: Optional[str] = None,
) -> CacheLocation:
    """:meth:`PipCache.location` for ``python`` (default: the running interpreter).

    Which cache dir its pip uses and why (the variable, config file and section, or the
    default), or which one setting turned the cache off.
    """
    return _cache(python, backend, env, timeout, cache_dir, user).location()
