"""The one module that runs other processes.

Everything here takes argv lists (never a shell), kills the child (and its process group) when
the timeout expires, decodes output without ever raising on odd bytes, and turns every
``subprocess``/``OSError`` failure into a :class:`~pipcache_ext.errors.InterpreterError`.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import threading
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Sequence, Set

from ._scripts import PIP_BOOTSTRAP
from .errors import InterpreterError

__all__ = ["Completed", "Runner", "kill_all", "pip_argv", "pip_environment", "run"]

logger = logging.getLogger("pipcache_ext")


class Completed(NamedTuple):
    """A finished process: its argv, exit code and decoded output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


#: ``runner(argv, env, timeout) -> Completed``: how commands run; injectable for tests.
Runner = Callable[[Sequence[str], Mapping[str, str], float], Completed]


def _decode(data: bytes) -> str:
    # Paths are bytes on POSIX: keep undecodable ones round-trippable (os.fsencode undoes it).
    return data.decode("utf-8", "surrogateescape")


def _kill(process: subprocess.Popen[bytes]) -> None:
    if sys.platform != "win32":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:  # already gone, or not a group leader
            process.kill()
    else:  # pragma: no cover - Windows
        process.kill()


# Every child still running, so that an interrupt can kill them all (their process groups).
_LIVE: Set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()
_INTERRUPTED = threading.Event()


def kill_all() -> None:
    """Kill every live child (with its process group) and refuse to start new ones.

    Called on ``KeyboardInterrupt``: worker threads waiting on children then return at once.
    """
    _INTERRUPTED.set()
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        _kill(process)


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
    """Run ``argv`` to completion with ``env``, no stdin, and a timeout that kills it.

    :raises InterpreterError: the program is missing, not executable, or timed out.
    """
    argv = tuple(str(arg) for arg in argv)
    logger.debug("running %s", shlex.join(argv))
    if _INTERRUPTED.is_set():
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
    with _LIVE_LOCK:
        _LIVE.add(process)
    try:
        return _wait(argv, process, timeout)
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(process)


def _wait(argv: tuple[str, ...], process: subprocess.Popen[bytes], timeout: float) -> Completed:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill(process)
        process.communicate()
        raise InterpreterError(
            f"{argv[0]} did not finish within {timeout:g} s and was killed;"
            " pass a larger timeout if it is just slow"
        ) from exc
    except BaseException:
        _kill(process)
        process.wait()
        raise
    completed = Completed(argv, process.returncode, _decode(out), _decode(err))
    if completed.returncode != 0:
        logger.debug("exit %s, stderr: %s", completed.returncode, completed.stderr.strip())
    return completed


# What makes pip's output unparsable, neutralised (spec §5.3). Environment variables rather than
# flags, because a pip that does not know a flag fails while it ignores an unknown PIP_* variable.
_PIP_OVERRIDES: Dict[str, str] = {
    "PIP_QUIET": "0",  # -q/quiet=1 silence every INFO line, i.e. all of pip cache's output
    "PIP_VERBOSE": "0",
    "PIP_NO_COLOR": "1",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
# PIP_PYTHON (22.3+) would silently re-run pip under another interpreter.
_PIP_SCRUBBED = ("PIP_PYTHON", "FORCE_COLOR", "PIP_FORCE_COLOR", "CLICOLOR_FORCE")


def pip_environment(
    base: Optional[Mapping[str, str]], python_version: tuple[int, ...]
) -> Dict[str, str]:
    """The environment pip runs in: the user's (cache settings and config files kept) made parsable.

    Never adds ``--isolated``/``PIP_ISOLATED``: it hides ``PIP_CACHE_DIR`` (spec §3.1).
    """
    env = dict(os.environ if base is None else base)
    for name in _PIP_SCRUBBED:
        env.pop(name, None)
    env.update(_PIP_OVERRIDES)
    if python_version < (3, 6):
        # Silences the DEPRECATION line pip 19.0-20.3 print on Python 2.7/3.5. Only there: pip
        # 25.0 prints a DEPRECATION line of its own *because* this variable is set.
        env["PIP_NO_PYTHON_VERSION_WARNING"] = "1"
    else:
        env.pop("PIP_NO_PYTHON_VERSION_WARNING", None)
    # Python 2 has no surrogateescape handler; Python 3 needs it for undecodable paths (§1.1).
    env["PYTHONIOENCODING"] = "utf-8:surrogateescape" if python_version >= (3,) else "utf-8"
    return env


def pip_argv(executable: os.PathLike[str] | str, args: Sequence[str]) -> tuple[str, ...]:
    """``python -m pip <args>``, except that the current directory cannot shadow pip.

    ``python -m pip`` puts the working directory first on ``sys.path``, so a ``pip/`` folder there
    would be imported instead of the interpreter's pip (spec §5.4). The bootstrap drops that entry
    and then runs pip's ``__main__`` exactly as ``-m`` does; the working directory itself is kept,
    so relative ``PIP_CACHE_DIR``/config values resolve as they do for the user.
    """
    return (os.fspath(executable), "-c", PIP_BOOTSTRAP, *args)
