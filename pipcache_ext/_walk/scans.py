"""Whether a cache's areas are large enough to be read by forked workers.

:func:`parallel` guesses from each area's first look (:func:`~.trees.estimate`): below
:data:`~.trees.PARALLEL_MIN_FILES` files the forks and the shards' overhead cost about what a
second core saves. The prune's shards are read by its own workers
(:mod:`pipcache_ext._housekeeping.prune`).
"""

# ruff: noqa: PTH118

from __future__ import annotations

import os
from typing import Optional, Sequence

from .forks import can_fork, workers
from .trees import PARALLEL_MIN_FILES, estimate

__all__ = ["parallel"]


def parallel(cache_dir: str, names: Sequence[str], wanted: Optional[bool] = None) -> bool:
    """Whether the areas ``names`` are to be read by workers (``wanted``: ``None`` decides)."""
    if wanted is not None:
        return wanted
    if workers() <= 1 or not can_fork():
        return False
    guess = sum(estimate(os.path.join(cache_dir, name)) for name in names)
    return guess >= PARALLEL_MIN_FILES
