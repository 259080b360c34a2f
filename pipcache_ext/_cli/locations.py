"""Why an entry's cache dir is that one: the ``location`` of every ``--json`` entry naming a dir.

``dir``, ``info``, ``list``, ``usage`` and ``list --http`` ask for the location along with their
answer (:func:`with_location`, in the same worker) and put it in their entries
(:func:`entry_location`); a disabled cache's entry carries the location its error names.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional, TypeVar, cast

from ..api import PipCache
from ..errors import CacheDisabledError, PipCacheError
from ..models import CacheLocation
from .fanout import Done

__all__ = ["entry_location", "with_location"]

T = TypeVar("T")


def entry_location(item: Done[Any]) -> Optional[CacheLocation]:
    """Why the item's dir is that one: asked along with the answer, or named by its error.

    :returns: the disabled cache's location for a :class:`CacheDisabledError` that carries one,
        ``None`` for any other failure or when the location cannot be had.
    """
    if isinstance(item.error, CacheDisabledError) and item.error.location is not None:
        return cast("CacheLocation", item.error.location)
    if item.error is not None or item.cache is None:
        return None
    try:
        return item.cache.location()  # asked already by the action: kept by the PipCache
    except PipCacheError:
        return None


def with_location(action: Callable[[PipCache], T]) -> Callable[[PipCache], T]:
    """``action``, then the location too (in the same worker), so the entry can say why."""

    def run(cache: PipCache) -> T:
        value = action(cache)
        with contextlib.suppress(PipCacheError):
            cache.location()  # kept by the PipCache for the entry
        return value

    return run
