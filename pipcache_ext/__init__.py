"""Inspect and clean pip's cache, for any interpreter and any pip from 8 to the newest.

Everything public is importable from here; the ``_``-prefixed modules are private.
"""

from __future__ import annotations

from typing import List

from ._discovery import DiscoveryFailure, DiscoveryResult, discover_interpreters, run_discovery
from ._survey import survey
from .api import PipCache, cache_dir, cache_info, cache_list, cache_purge, cache_remove
from .errors import (
    CacheDisabledError,
    DeletionTimeoutError,
    DeletionUnconfirmedError,
    InterpreterError,
    InvalidPatternError,
    ParseError,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    Remedy,
    UnsafeOperationError,
    UnsupportedPipError,
)
from .models import (
    Backend,
    BackendChoice,
    CachedWheel,
    CacheInfo,
    CacheReport,
    Interpreter,
    RemovalResult,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "Backend",
    "BackendChoice",
    "CacheDisabledError",
    "CacheInfo",
    "CacheReport",
    "CachedWheel",
    "DeletionTimeoutError",
    "DeletionUnconfirmedError",
    "DiscoveryFailure",
    "DiscoveryResult",
    "Interpreter",
    "InterpreterError",
    "InvalidPatternError",
    "ParseError",
    "PipCache",
    "PipCacheError",
    "PipCommandError",
    "PipNotFoundError",
    "Remedy",
    "RemovalResult",
    "UnsafeOperationError",
    "UnsupportedPipError",
    "__version__",
    "cache_dir",
    "cache_info",
    "cache_list",
    "cache_purge",
    "cache_remove",
    "discover_interpreters",
    "run_discovery",
    "survey",
]


def __dir__() -> List[str]:
    return __all__
