"""Forked worker processes: a map whose parts after the first run in children of this process.

Measured on 2 cores: a fork and its answer take 3-4 ms, a ``multiprocessing`` pool 10-22 ms with
``fork``, 160-200 ms with ``spawn`` and 240-430 ms with ``forkserver``; so workers are plain
:func:`os.fork` children (Linux only). A child does nothing but its part, write the pickled result
to a pipe and ``os._exit``: no ``atexit`` hook, no flush of the parent's buffers. Forking is done
only from a process with one thread (another thread may hold a lock the child would need; Python
3.12+ warns); otherwise, and off Linux, every part runs in this process. A child that fails or
dies has its part run here again; Ctrl-C kills every child before ``KeyboardInterrupt`` goes on.

:func:`fork_map` runs parts fixed up front; :func:`fork_pull` runs jobs that each process takes
from one queue (a pipe of job indices) when done with its last, so uneven jobs (a shard of an HTTP
area holds tens or thousands of entries) do not leave one process waiting for another.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from typing import Callable, Dict, List, Optional, Sequence, TypeVar

__all__ = ["MAX_WORKERS", "can_fork", "fork_map", "fork_pull", "workers"]

T = TypeVar("T")
R = TypeVar("R")

#: At most this many processes share one piece of work.
MAX_WORKERS = 8

#: One job's index in the queue of :func:`fork_pull`.
_RECORD = struct.Struct("=I")


def workers() -> int:
    """How many processes may walk at once: the cores this process may use, capped."""
    try:
        cores = len(os.sched_getaffinity(0))  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def can_fork() -> bool:
    """Whether worker processes may be forked from here: Linux, and no other thread running."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


def _child(fn: Callable[[T], R], part: T, write_end: int) -> None:
    """In a forked child: run ``fn(part)``, send the pickled result, and exit at once."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: die, no traceback
        data = pickle.dumps(fn(part), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        status = 0
    finally:
        os._exit(status)


def _taking(fn: Callable[[T], R], jobs: Sequence[T], queue: int) -> Dict[int, R]:
    """Take jobs from ``queue`` until it is empty, and run each: their results by index."""
    done: Dict[int, R] = {}
    while True:
        record = os.read(queue, _RECORD.size)  # one read of a pipe is atomic: never half a record
        if len(record) < _RECORD.size:
            return done
        (index,) = _RECORD.unpack(record)
        done[index] = fn(jobs[index])


def _read_all(fd: int) -> bytes:
    chunks: List[bytes] = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def fork_map(fn: Callable[[T], R], parts: Sequence[T]) -> List[R]:
    """``[fn(part) for part in parts]``, each part after the first in a forked child.

    The first part runs here while the children run. ``fn`` must only read (a part whose child
    fails is run again here) and return something picklable. Without :func:`can_fork` all
    parts run here, one after the other.
    """
    if len(parts) <= 1 or not can_fork():
        return [fn(part) for part in parts]
    children: Dict[int, int] = {}  # pid -> read end, for every child not yet reaped
    try:
        pids: List[int] = []
        for part in parts[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child exits inside _child
                os.close(read_end)
                _child(fn, part, write_end)
            os.close(write_end)
            children[pid] = read_end
            pids.append(pid)
        results = [fn(parts[0])]
        for pid, part in zip(pids, parts[1:]):
            read_end = children[pid]
            data = _read_all(read_end)
            _, status = os.waitpid(pid, 0)
            del children[pid]
            os.close(read_end)
            if status == 0 and data:
                results.append(pickle.loads(data))  # noqa: S301 - our own child's answer
            else:  # the child failed or was killed: its part is done here
                results.append(fn(part))
        return results
    finally:
        for pid, read_end in children.items():  # interrupted: no child outlives the call
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.close(read_end)


def fork_pull(fn: Callable[[T], R], jobs: Sequence[T], processes: int) -> List[R]:
    """``[fn(job) for job in jobs]``, the jobs taken in turn by this process and its children.

    Every job's index is written to a pipe before ``processes - 1`` children are forked; this
    process and each child take the next index until none is left, so they all end within one
    job of each other, however uneven the jobs. The results come back in the order of ``jobs``.
    A job whose child failed or died is run here. As :func:`fork_map`, ``fn`` must only read.
    """
    count = min(processes, len(jobs))
    if count <= 1 or not can_fork():
        return [fn(job) for job in jobs]
    queue = _queue(len(jobs))
    if queue is None:  # dealt in turn instead
        parts = [list(jobs[i::count]) for i in range(count)]
        dealt = fork_map(lambda part: [fn(job) for job in part], parts)
        return [dealt[i % count][i // count] for i in range(len(jobs))]
    try:
        taken = fork_map(lambda _none: _taking(fn, jobs, queue), [None] * count)
    finally:
        os.close(queue)
    results: Dict[int, R] = {}
    for part in taken:
        results.update(part)
    return [results[i] if i in results else fn(job) for i, job in enumerate(jobs)]


def _queue(count: int) -> Optional[int]:
    """The read end of a pipe holding the indices ``0 .. count - 1``; ``None`` if they do not fit.

    The pipe is filled before any child is forked, so it must hold them all at once (64 KiB,
    or one page when the account has used up its pipe buffers): the write does not wait.
    """
    queue, filling = os.pipe()
    try:
        os.set_blocking(filling, False)
        data = b"".join(_RECORD.pack(i) for i in range(count))
        written = os.write(filling, data)
    except BlockingIOError:
        written = 0
    finally:
        os.close(filling)  # every reader then sees the end once the queue is empty
    if written != len(data):
        os.close(queue)
        return None
    return queue
