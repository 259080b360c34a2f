"""Run work over several items in threads, and stop at once on Ctrl-C.

A plain ``ThreadPoolExecutor`` waits for its running work on ``KeyboardInterrupt``, and Python's
exit joins its worker threads again (an ``atexit`` hook), so a worker waiting on a hung child
holds the process. Here the workers are daemon threads of this module's own: on an interrupt the
children they wait on are killed (:func:`pipcache_ext._runner.interrupt`), pending work is
cancelled, and the interrupt is re-raised without waiting for anything.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar, cast

from ._runner import interrupt

__all__ = ["parallel_map"]

T = TypeVar("T")
R = TypeVar("R")

# How often the calling thread wakes while it waits (Ctrl-C cannot interrupt a wait on Windows).
_TICK = 0.25


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
    :raises KeyboardInterrupt: (from the calling thread, ``on_done`` or ``fn``) after killing
        every live child and cancelling pending work, without waiting for running work; new
        children are refused until the workers have returned.
    :raises Exception: the first exception ``fn`` raised, in the items' order, once all are done;
        one raised by ``on_done`` at once, after stopping the work as an interrupt does.
    """
    if not items:
        return []
    if workers <= 1 or len(items) == 1:
        results: List[R] = []
        try:
            for count, item in enumerate(items, 1):
                results.append(fn(item))
                if on_done is not None:
                    on_done(count)
        except KeyboardInterrupt:
            interrupt()()  # kill every live child; no worker of ours to wait for
            raise
        return results
    return _Pool(fn, items, min(workers, len(items))).run(on_done)


class _Pool(Generic[T, R]):
    """Daemon worker threads taking items in order, and the calling thread collecting."""

    def __init__(self, fn: Callable[[T], R], items: Sequence[T], workers: int) -> None:
        self._fn = fn
        self._items = items
        self._lock = threading.Lock()
        self._next = 0
        self._cancelled = False
        self._alive = workers
        self._release: Optional[Callable[[], None]] = None
        self._results: List[Optional[R]] = [None] * len(items)
        # (index, what fn raised or None) for each item done, in the order they finish
        self._done: queue.Queue[Tuple[int, Optional[BaseException]]] = queue.Queue()
        for number in range(workers):
            name = f"pipcache_ext-worker-{number}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._cancelled or self._next >= len(self._items):
                        return
                    index, self._next = self._next, self._next + 1
                try:
                    self._results[index] = self._fn(self._items[index])
                except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                    self._done.put((index, exc))
                else:
                    self._done.put((index, None))
        finally:
            with self._lock:
                self._alive -= 1
                release = self._release if self._alive == 0 else None
            if release is not None:
                release()  # the last worker of an interrupted map: children may start again

    def run(self, on_done: Optional[Callable[[int], None]]) -> List[R]:
        errors: Dict[int, BaseException] = {}
        try:
            self._collect(on_done, errors)
        except BaseException:
            self._interrupt()
            raise
        if errors:
            raise errors[min(errors)]
        return cast("List[R]", self._results)  # every item done without an error

    def _collect(
        self, on_done: Optional[Callable[[int], None]], errors: Dict[int, BaseException]
    ) -> None:
        """Wait for every item; a ``KeyboardInterrupt`` from ``fn`` is raised here at once."""
        finished = 0
        while finished < len(self._items):
            try:
                index, error = self._done.get(timeout=_TICK)
            except queue.Empty:
                continue
            if isinstance(error, KeyboardInterrupt):
                raise error
            if error is not None:
                errors[index] = error
            finished += 1
            if on_done is not None:
                on_done(finished)

    def _interrupt(self) -> None:
        release: Optional[Callable[[], None]] = interrupt()
        with self._lock:
            self._cancelled = True
            if self._alive:
                self._release, release = release, None
        if release is not None:
            release()
