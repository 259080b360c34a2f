"""One-shot functions about where the cache is (each builds one :class:`~pipcache_ext.PipCache`)."""

from __future__ import annotations

import os
from typing import Mapping, Optional, Union

from ._probing import PythonSpec
from .api import PipCache
from .models import CacheLocation

__all__ = ["cache_location"]


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
