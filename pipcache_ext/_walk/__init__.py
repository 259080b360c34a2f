"""Walking a cache's trees as :func:`os.walk` lists them: in parallel processes when large.

- :mod:`.trees`: the walk and its counts (:func:`tally`, :func:`tally_trees`, :func:`iter_files`);
- :mod:`.forks`: forked worker processes (:func:`fork_map`, :func:`fork_pull`);
- :mod:`.rounds`: workers in two rounds that keep what the first read (a prune's);
- :mod:`.removal`: a removal streamed shard by shard, in flat memory;
- :mod:`.scans`: whether a cache is large enough for workers;
- :mod:`.paths`: many :class:`~pathlib.Path` objects made fast, and made only when read
  (:class:`~.paths.LazyPaths`).

The walk is kernel-bound (one ``getdents`` per directory, one ``lstat`` per file): threads do
not help (the GIL is retaken after every ``lstat``: two threads were slower than one), processes
do. A tree is split into *shards*, its own fan-out directories (``wheels/aa``, ``http-v2/0``,
...); a first look (one listing per level, :func:`~.trees.estimate`) guesses its size, and only
when the trees hold enough files (:data:`~.trees.PARALLEL_MIN_FILES`) are the shards shared
among processes, one per core (at most :data:`~.forks.MAX_WORKERS`), this process being one of
them; a worker reaches each directory and file from its parent's descriptor (``fstatat``, as
``du`` does). The counts are the sequential walk's, entry for entry: the same classification,
the same checks, only summed in another order. Each worker sends back its totals only, so memory
stays flat.
"""

from __future__ import annotations

from .forks import MAX_WORKERS, can_fork, fork_map, fork_pull, workers
from .trees import PARALLEL_MIN_FILES, Tally, estimate, iter_files, tally, tally_trees

__all__ = [
    "MAX_WORKERS",
    "PARALLEL_MIN_FILES",
    "Tally",
    "can_fork",
    "estimate",
    "fork_map",
    "fork_pull",
    "iter_files",
    "tally",
    "tally_trees",
    "workers",
]
