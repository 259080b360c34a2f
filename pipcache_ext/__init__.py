"""Inspect and clean pip's cache, for any interpreter and any pip from 8 to the newest.

Everything public is importable from here; the ``_``-prefixed modules are private. Names are
resolved on first use (:pep:`562`), so ``import pipcache_ext`` and the command line's start-up
import only what they use: ``pipcache_ext.PipCache`` imports the facade, not discovery.
"""

from __future__ import annotations

# typing is not imported at run time: it alone costs more than the rest of `--version`.
TYPE_CHECKING = False
if TYPE_CHECKING:  # what type checkers and IDEs see; the same names as _LAZY below
    from typing import Any, List

    from ._discovery import discover_interpreters, run_discovery
    from ._oneshots import (
        cache_dir,
        cache_info,
        cache_list,
        cache_list_http,
        cache_location,
        cache_prune,
        cache_purge,
        cache_remove,
        cache_remove_project,
    )
    from ._survey import survey
    from .api import PipCache
    from .errors import (
        CacheBusyError,
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
        CacheLocation,
        CacheReport,
        DiscoveryFailure,
        DiscoveryResult,
        HttpEntry,
        HttpKind,
        HttpListing,
        Interpreter,
        ProjectUsage,
        RemovalResult,
    )

__version__ = "0.1.0.dev0"

__all__ = [
    "Backend",
    "BackendChoice",
    "CacheBusyError",
    "CacheDisabledError",
    "CacheInfo",
    "CacheLocation",
    "CacheReport",
    "CachedWheel",
    "DeletionTimeoutError",
    "DeletionUnconfirmedError",
    "DiscoveryFailure",
    "DiscoveryResult",
    "HttpEntry",
    "HttpKind",
    "HttpListing",
    "Interpreter",
    "InterpreterError",
    "InvalidPatternError",
    "ParseError",
    "PipCache",
    "PipCacheError",
    "PipCommandError",
    "PipNotFoundError",
    "ProjectUsage",
    "Remedy",
    "RemovalResult",
    "UnsafeOperationError",
    "UnsupportedPipError",
    "__version__",
    "cache_dir",
    "cache_info",
    "cache_list",
    "cache_list_http",
    "cache_location",
    "cache_prune",
    "cache_purge",
    "cache_remove",
    "cache_remove_project",
    "discover_interpreters",
    "run_discovery",
    "survey",
]

# Which module defines each public name (relative to this package).
_LAZY = {
    **dict.fromkeys(("discover_interpreters", "run_discovery"), "._discovery"),
    "survey": "._survey",
    "PipCache": ".api",
    **dict.fromkeys(
        (
            "cache_dir",
            "cache_info",
            "cache_list",
            "cache_list_http",
            "cache_location",
            "cache_prune",
            "cache_purge",
            "cache_remove",
            "cache_remove_project",
        ),
        "._oneshots",
    ),
    **dict.fromkeys(
        (
            "CacheBusyError",
            "CacheDisabledError",
            "DeletionTimeoutError",
            "DeletionUnconfirmedError",
            "InterpreterError",
            "InvalidPatternError",
            "ParseError",
            "PipCacheError",
            "PipCommandError",
            "PipNotFoundError",
            "Remedy",
            "UnsafeOperationError",
            "UnsupportedPipError",
        ),
        ".errors",
    ),
    **dict.fromkeys(
        (
            "Backend",
            "BackendChoice",
            "CacheInfo",
            "CacheLocation",
            "CacheReport",
            "CachedWheel",
            "DiscoveryFailure",
            "DiscoveryResult",
            "HttpEntry",
            "HttpKind",
            "HttpListing",
            "Interpreter",
            "ProjectUsage",
            "RemovalResult",
        ),
        ".models",
    ),
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - each name has its own type (see above)
    """Import the module that defines the public ``name`` on first use, and keep the value."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415 - only when a name is first used

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return __all__
