"""The one module that runs other processes.

Everything here takes argv lists (never a shell), runs each child in a process group of its own,
and bounds what a child can cost: its time (the timeout kills the group; a grandchild in another
session that keeps the pipes open is cut off after a short grace), its output (16 MiB a stream,
the rest read and dropped) and an interrupt (:func:`kill_all`). Output is decoded without ever
raising on odd bytes; every ``subprocess``/``OSError`` failure becomes an
:class:`~pipcache_ext.errors.InterpreterError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Callable, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple

from .errors import InterpreterError, Remedy

__all__ = [
    "OUTPUT_LIMIT",
    "Completed",
    "Runner",
    "allow_new_children",
    "interrupt",
    "kill_all",
    "run",
]

logger = logging.getLogger("pipcache_ext")

#: The most of each stream (stdout, stderr) a child's result keeps, in bytes; the rest is read
#: and dropped, so the child never blocks on a full pipe and memory stays bounded.
OUTPUT_LIMIT = 16 * 1024 * 1024

# How long the pipes may stay open once the child has exited or been killed: a grandchild in
# another session (setsid) can hold them for ever, and must not hold the caller.
_GRACE = 1.0
# How often the read loop looks at the child and the clock when no output arrives.
_TICK = 0.05
_CHUNK = 1 << 16


class Completed(NamedTuple):
    """A finished process: its argv, exit code and decoded output.

    :ivar truncated: a stream was longer than :data:`OUTPUT_LIMIT` and was cut there.
    """

    argv: Tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    truncated: bool = False


#: ``runner(argv, env, timeout) -> Completed``: how commands run; injectable for tests.
Runner = Callable[[Sequence[str], Mapping[str, str], float], Completed]


# -- live children, and refusing new ones after an interrupt -----------------------------------

_LOCK = threading.Lock()
# Each live child, with the event set when an interrupt killed it (its run then stops waiting).
_LIVE: Dict[subprocess.Popen[bytes], threading.Event] = {}
# How many interrupts are in force; while any is, no child starts.
_refusals = 0


def _refusing() -> bool:
    return _refusals > 0  # one int read: atomic under the GIL


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (it leads one: ``start_new_session``)."""
    if sys.platform == "win32":  # pragma: no cover - no process groups there, only the child
        with contextlib.suppress(OSError):
            process.kill()
        return
    with contextlib.suppress(OSError):  # the group is gone (the child may be a zombie to reap)
        os.killpg(process.pid, signal.SIGKILL)


def interrupt() -> Callable[[], None]:
    """Kill every live child with its process group, and refuse new children until released.

    Runs waiting on a killed child, and runs that try to start one, raise ``KeyboardInterrupt``.

    :returns: the function that lifts this refusal (:func:`~pipcache_ext._parallel.parallel_map`
        calls it once its worker threads are done); calling it again does nothing.
    """
    global _refusals  # noqa: PLW0603 - the one process-wide switch, under _LOCK
    with _LOCK:
        _refusals += 1
        live = list(_LIVE.items())
    for process, killed in live:
        killed.set()
        _kill(process)
    released = threading.Event()

    def release() -> None:
        global _refusals  # noqa: PLW0603
        with _LOCK:
            if not released.is_set():
                released.set()
                _refusals = max(0, _refusals - 1)

    return release


def kill_all() -> None:
    """Kill every live child (with its process group) and refuse to start new ones.

    Called on ``KeyboardInterrupt``: worker threads waiting on children then return at once. The
    refusal lasts until :func:`allow_new_children`.
    """
    interrupt()


def allow_new_children() -> None:
    """Lift every refusal of :func:`kill_all`/:func:`interrupt`: children may start again."""
    global _refusals  # noqa: PLW0603
    with _LOCK:
        _refusals = 0


# -- running one child -------------------------------------------------------------------------


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
    """Run ``argv`` to completion with ``env``, no stdin, and a timeout that kills it.

    Returns within ``timeout`` plus about two seconds whatever the child does: at the timeout
    its process group is killed, the pipes get a second to close (a grandchild in another
    session may hold them), and are then closed. A child that exits while a leftover process
    still holds its pipes is treated the same way, without the error. Each stream keeps its
    first :data:`OUTPUT_LIMIT` bytes (``Completed.truncated`` says when one was cut).

    :raises InterpreterError: the program is missing, not executable, or timed out.
    :raises KeyboardInterrupt: :func:`kill_all` was called before or while it ran.
    """
    argv = tuple(str(arg) for arg in argv)
    logger.debug("running %s", shlex.join(argv))
    if _refusing():
        raise KeyboardInterrupt
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=sys.platform != "win32",
        )
    except FileNotFoundError as exc:
        raise InterpreterError(f"{argv[0]}: no such file", interpreter=None) from exc
    except PermissionError as exc:
        raise InterpreterError(f"{argv[0]}: not executable (permission denied)") from exc
    except OSError as exc:  # ENOEXEC and friends: not a program at all
        raise InterpreterError(f"{argv[0]}: cannot be run ({exc.strerror or exc})") from exc
    killed = threading.Event()
    with _LOCK:
        _LIVE[process] = killed
        if _refusing():  # an interrupt came between the check above and here: it missed us
            killed.set()
    try:
        return _wait(argv, process, timeout, killed)
    finally:
        with _LOCK:
            _LIVE.pop(process, None)


class _Sink:
    """One stream's output: the first ``OUTPUT_LIMIT`` bytes kept, the rest counted."""

    def __init__(self) -> None:
        self.kept = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = max(0, OUTPUT_LIMIT - len(self.kept))
        self.kept += data[:room]
        self.dropped += max(0, len(data) - room)

    def text(self) -> str:
        """The kept output, decoded; the buffer is freed (the text is taken once)."""
        # Paths are bytes on POSIX: keep undecodable ones round-trippable (os.fsencode undoes it).
        text = self.kept.decode("utf-8", "surrogateescape")
        self.kept = bytearray()
        return text


class _Watch(NamedTuple):
    """What the read loop watches: the child, its deadline, and the interrupt that killed it."""

    process: subprocess.Popen[bytes]
    deadline: float
    killed: threading.Event


def _wait(
    argv: Tuple[str, ...],
    process: subprocess.Popen[bytes],
    timeout: float,
    killed: threading.Event,
) -> Completed:
    out, err = _Sink(), _Sink()
    watch = _Watch(process, time.monotonic() + timeout, killed)
    if killed.is_set():
        _kill(process)
        _close(process)
        _reap(process)
        raise KeyboardInterrupt
    try:
        if sys.platform == "win32":  # pragma: no cover - selectors cannot wait on its pipes
            timed_out = _communicate_threads(watch, out, err)
        else:
            timed_out = _communicate(watch, out, err)
    except BaseException:  # KeyboardInterrupt in this thread: kill and go, no grace
        _kill(process)
        raise
    finally:
        _close(process)
        _reap(process)
    if timed_out:
        raise InterpreterError(
            f"{argv[0]} did not finish within {timeout:g} s and was killed",
            remedy=Remedy("timeout"),
            joiner="; ",
        )
    if killed.is_set():  # killed by kill_all(): its exit code and output mean nothing
        raise KeyboardInterrupt
    truncated = bool(out.dropped or err.dropped)
    if truncated:
        logger.debug(
            "output of %s cut at %d bytes a stream: %d bytes of stdout, %d of stderr dropped",
            argv[0], OUTPUT_LIMIT, out.dropped, err.dropped,
        )  # fmt: skip
    returncode = process.returncode if process.returncode is not None else -signal.SIGKILL
    completed = Completed(argv, returncode, out.text(), err.text(), truncated)
    if completed.returncode != 0:
        logger.debug("exit %s, stderr: %s", completed.returncode, completed.stderr.strip())
    return completed


def _communicate(watch: _Watch, out: _Sink, err: _Sink) -> bool:
    """Read both pipes until they close and the child is gone, or a bound says stop.

    :returns: whether the deadline passed (the group was then killed).
    """
    import selectors  # noqa: PLC0415 - POSIX only

    process = watch.process
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None  # noqa: S101 - PIPE in run()
    assert stderr is not None  # noqa: S101
    sinks = {stdout.fileno(): out, stderr.fileno(): err}
    timed_out = False
    ended: Optional[float] = None  # when the child exited or was killed
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        selector.register(stderr, selectors.EVENT_READ)
        while selector.get_map() and not watch.killed.is_set():
            now = time.monotonic()
            if ended is None and _exited(process):
                ended = now
            elif ended is None and now >= watch.deadline:
                _kill(process)
                timed_out, ended = True, now
            if ended is not None and now >= ended + _GRACE:
                # A leftover holds the pipes: kill what is left of the group (a grandchild in
                # another session survives that; closing the pipes then cuts it off).
                _kill(process)
                break
            for key, _events in selector.select(_TICK):
                data = _read(key.fd)
                if data:
                    sinks[key.fd].add(data)
                else:
                    selector.unregister(key.fileobj)
    if timed_out or watch.killed.is_set():
        return timed_out
    return _wait_exit(watch)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _CHUNK)
    except OSError:  # pragma: no cover - EIO and the like: as good as closed
        return b""


def _wait_exit(watch: _Watch) -> bool:
    """The pipes closed; wait for a child that may still run (it closed stdout and stderr).

    :returns: whether the deadline passed (the group was then killed).
    """
    while not _exited(watch.process):
        if watch.killed.is_set():
            return False
        if time.monotonic() >= watch.deadline:
            _kill(watch.process)
            return True
        time.sleep(_TICK)
    return False


def _exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the child has exited, without reaping it where the platform allows.

    Unreaped, its pid (its process group's id) cannot be reused, so killing the group later
    cannot hit a stranger.
    """
    waitid = getattr(os, "waitid", None)
    if waitid is None or not hasattr(os, "WNOWAIT") or process.returncode is not None:
        return process.poll() is not None
    try:
        return waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere (a SIGCHLD handler)
        return True


def _close(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):  # a reader thread still holds it (Windows)
                stream.close()


def _reap(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=_GRACE)
    except subprocess.TimeoutExpired:  # unkillable for now (uninterruptible sleep): let it be
        logger.debug("pid %s did not go away after SIGKILL", process.pid)


def _communicate_threads(watch: _Watch, out: _Sink, err: _Sink) -> bool:  # pragma: no cover
    """The Windows fallback, where pipes cannot be selected on: a daemon reader thread a pipe.

    A blocking read cannot be interrupted there, so after the bounds the readers are abandoned
    (daemon threads) rather than joined: what they read after that is lost.
    """
    process = watch.process
    readers = [
        threading.Thread(target=_drain, args=(stream, sink), daemon=True)
        for stream, sink in ((process.stdout, out), (process.stderr, err))
        if stream is not None
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    while process.poll() is None and not watch.killed.is_set():
        if time.monotonic() >= watch.deadline:
            _kill(process)
            timed_out = True
            break
        time.sleep(_TICK)
    grace_end = time.monotonic() + _GRACE
    for reader in readers:
        reader.join(max(0.0, grace_end - time.monotonic()))
    return timed_out


def _drain(stream: IO[bytes], sink: _Sink) -> None:  # pragma: no cover - Windows
    with contextlib.suppress(OSError, ValueError):  # closed under us
        for data in iter(lambda: stream.read(_CHUNK), b""):
            sink.add(data)
