"""Jobs in two rounds by forked workers that keep, between the rounds, what the first one read.

:func:`fork_rounds` is :func:`~.forks.fork_pull` with a pause: each process (this one among them)
takes jobs from one queue and runs ``first`` on each, which returns a summary and a state; the
summaries come here, where ``decide`` makes one value of them all; each process then runs
``second(state, value)`` for the jobs it took, on the states it kept. A prune reads its shards
once, sends back (last use, path, size) per entry, and only after the one threshold that caps the
cache is chosen here, plans (and deletes) each shard from what its worker read.

A message is a pickle after its length (8 bytes). A child that fails or dies before its summaries
came has the jobs nobody answered for run here (both rounds); one that fails in the second round
has its jobs run here again, both rounds, from a fresh read (``second`` must stand being run
again on what a dead child left: a prune's deletions re-check every file). Ctrl-C kills every
child before ``KeyboardInterrupt`` goes on.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
from typing import Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

from .forks import _RECORD, _queue, can_fork

__all__ = ["fork_rounds"]

T = TypeVar("T")  # a job
R = TypeVar("R")  # its summary
S = TypeVar("S")  # the state a worker keeps for it
A = TypeVar("A")  # the value decided from every summary
O = TypeVar("O")  # noqa: E741 - a job's outcome

_LENGTH = struct.Struct("=Q")


def _send(fd: int, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> Optional[bytes]:
    chunks: List[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None  # the writer is gone
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int) -> Optional[object]:
    """The next message on ``fd``; ``None`` when its writer died or closed it first."""
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    data = _read_exactly(fd, _LENGTH.unpack(head)[0])
    return None if data is None else pickle.loads(data)  # noqa: S301 - our own child's


class _Worker(Generic[T, R, S]):
    """One process's share: the jobs it took, their summaries and the states it keeps."""

    def __init__(self, first: Callable[[T], Tuple[R, S]], jobs: Sequence[T]) -> None:
        self.first = first
        self.jobs = jobs
        self.summaries: Dict[int, R] = {}
        self.states: Dict[int, S] = {}

    def take(self, queue: int) -> None:
        while True:
            record = os.read(queue, _RECORD.size)  # one read of a pipe is atomic
            if len(record) < _RECORD.size:
                return
            self.run(_RECORD.unpack(record)[0])

    def run(self, index: int) -> None:
        self.summaries[index], self.states[index] = self.first(self.jobs[index])


def _child(
    worker: _Worker[T, R, S], queue: int, up: int, down: int, second: Callable[[S, A], O]
) -> None:
    """In a forked child: round one from the queue, its summaries up, the value down, round two."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: die, no traceback
        worker.take(queue)
        os.close(queue)
        _send(up, worker.summaries)
        value = _receive(down)
        if isinstance(value, tuple):
            decided: A = value[0]
            _send(up, {i: second(state, decided) for i, state in worker.states.items()})
            status = 0
    finally:
        os._exit(status)


def fork_rounds(
    first: Callable[[T], Tuple[R, S]],
    decide: Callable[[List[R]], A],
    second: Callable[[S, A], O],
    jobs: Sequence[T],
    processes: int,
) -> Tuple[A, List[O]]:
    """``decide`` of every job's summary, and ``second(state, decided)`` of each job, in order.

    Without :func:`~.forks.can_fork` (or with one process or job) everything runs here.
    """
    count = min(processes, len(jobs))
    queue = _queue(len(jobs)) if count > 1 and can_fork() else None
    here: _Worker[T, R, S] = _Worker(first, jobs)
    if queue is None:
        for index in range(len(jobs)):
            here.run(index)
        decided = decide([here.summaries[i] for i in range(len(jobs))])
        return decided, [second(here.states[i], decided) for i in range(len(jobs))]
    children: Dict[int, Tuple[int, int]] = {}  # pid -> (read end of up, write end of down)
    try:
        for _ in range(count - 1):
            up_read, up_write = os.pipe()
            down_read, down_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child exits inside _child
                os.close(up_read)
                os.close(down_write)
                _child(here, queue, up_write, down_read, second)
            os.close(up_write)
            os.close(down_read)
            children[pid] = (up_read, down_write)
        here.take(queue)
        os.close(queue)
        queue = None
        return _join(here, children, decide, second)
    finally:
        if queue is not None:
            os.close(queue)
        _reap(children, kill=True)


def _join(
    here: _Worker[T, R, S],
    children: Dict[int, Tuple[int, int]],
    decide: Callable[[List[R]], A],
    second: Callable[[S, A], O],
) -> Tuple[A, List[O]]:
    """Gather round one, decide, send the value, run round two here, gather the children's."""
    theirs: Dict[int, List[int]] = {}  # pid -> the jobs its summaries answered for
    for pid, (up, _down) in children.items():
        got = _receive(up)
        if isinstance(got, dict):
            theirs[pid] = list(got)
            here.summaries.update(got)
    for index in range(len(here.jobs)):
        if index not in here.summaries:  # taken by a child that died: read here
            here.run(index)
    decided = decide([here.summaries[i] for i in range(len(here.jobs))])
    for _up, down in children.values():
        with contextlib.suppress(OSError):  # a dead child: its jobs are run here below
            _send(down, (decided,))
    outcomes: Dict[int, O] = {i: second(state, decided) for i, state in here.states.items()}
    for pid, (up, _down) in children.items():
        got = _receive(up) if pid in theirs else None
        if isinstance(got, dict) and set(got) == set(theirs[pid]):
            outcomes.update(got)
            continue
        for index in theirs.get(pid, ()):  # failed in round two: its jobs again, here
            here.run(index)
            outcomes[index] = second(here.states[index], decided)
    _reap(children, kill=False)
    return decided, [outcomes[i] for i in range(len(here.jobs))]


def _reap(children: Dict[int, Tuple[int, int]], *, kill: bool) -> None:
    """Wait for (with ``kill``: first kill) every child, and close its pipes."""
    for pid, (up, down) in children.items():
        if kill:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
        for fd in (up, down):
            with contextlib.suppress(OSError):
                os.close(fd)
    children.clear()
