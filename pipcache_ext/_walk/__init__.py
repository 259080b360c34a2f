"""Walking a cache's trees as :func:`os.walk` lists them: in parallel processes when large.

- :mod:`.trees`: the walk and its counts (:func:`tally`, :func:`tally_trees`, :func:`iter_files`);
- :mod:`.forks`: forked worker processes (:func:`fork_map`);
- :mod:`.removal`: a removal streamed shard by shard, in flat memory.

The walk is kernel-bound (one ``getdents`` per directory, one ``lstat`` per file): threads do
not help (the GIL is retaken after every ``lstat``: two threads were slower than one), processes
do. A tree is split into *shards*, its own fan-out directories (``wheels/aa``, ``http-v2/0``,
...); the first shard of each tree is walked here first, and only when the trees it stands for
hold enough files (:data:`~.trees.PARALLEL_MIN_FILES`) are the other shards shared among
processes, one per core (at most :data:`~.forks.MAX_WORKERS`), this process being one of them.
The counts are the sequential walk's, entry for entry: the same classification, the same order
of checks, only summed in another order. Each worker sends back its totals only, so memory stays
flat.
"""

from __future__ import annotations

from .forks import MAX_WORKERS, can_fork, fork_map, workers
from .trees import PARALLEL_MIN_FILES, Tally, iter_files, tally, tally_trees

__all__ = [
    "MAX_WORKERS",
    "PARALLEL_MIN_FILES",
    "Tally",
    "can_fork",
    "fork_map",
    "iter_files",
    "tally",
    "tally_trees",
    "workers",
]
