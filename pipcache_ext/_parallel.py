"""Run work over several items in threads, and stop at once on Ctrl-C.

A plain ``ThreadPoolExecutor`` waits for its running work on ``KeyboardInterrupt``; here the
children that work is waiting on are killed first (:func:`pipcache_ext._runner.kill_all`), pending
work is cancelled, and the interrupt is re-raised without waiting.
"""

from __future__ import annotations

import concurrent.futures
from typing import Callable, List, Optional, Sequence, TypeVar

from ._runner import kill_all

__all__ = ["parallel_map"]

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    on_done: Optional[Callable[[int], None]] = None,
) -> List[R]:
    """``[fn(item) for item in items]``, ``workers`` at a time, results in the items' order.

    :param on_done: called in the calling thread with the number of items finished so far, each
        time one finishes (for progress).
    :raises KeyboardInterrupt: after killing every live child and cancelling pending work.
    :raises Exception: the first exception ``fn`` raised, in the items' order.
    """
    if not items:
        return []
    if workers <= 1 or len(items) == 1:
        results = []
        for count, item in enumerate(items, 1):
            results.append(fn(item))
            if on_done is not None:
                on_done(count)
        return results
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(items)))
    futures = [pool.submit(fn, item) for item in items]
    try:
        for count, _future in enumerate(concurrent.futures.as_completed(futures), 1):
            if on_done is not None:
                on_done(count)
    except BaseException:
        kill_all()
        for future in futures:
            future.cancel()
        pool.shutdown(wait=False)
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]
