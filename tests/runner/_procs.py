"""Runner test helpers: pid files written by fake interpreters, and whether a pid is gone."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Dict, List

import pipcache_ext


def wait_for_files(paths: List[Path], bound: float = 20.0) -> List[int]:
    """The pids in ``paths``, once every file is written (fails after ``bound`` seconds)."""
    end = time.monotonic() + bound
    while time.monotonic() < end:
        texts = [p.read_text() if p.exists() else "" for p in paths]
        if all(t.endswith("\n") for t in texts):
            return [int(t) for t in texts]
        time.sleep(0.02)
    raise AssertionError(f"the fake interpreters did not write {paths}")


def is_gone(pid: int) -> bool:
    """No such process, or only a zombie left (PID 1 of a container may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def all_gone(pids: List[int], bound: float = 3.0) -> bool:
    """Whether every pid is gone within ``bound`` seconds (SIGKILL is delivered asynchronously)."""
    end = time.monotonic() + bound
    while time.monotonic() < end:
        if all(is_gone(pid) for pid in pids):
            return True
        time.sleep(0.02)
    return all(is_gone(pid) for pid in pids)


def kill_quietly(pids: List[int]) -> None:
    """Clean up what a test left on purpose (grandchildren in sessions of their own)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def this_package_env() -> Dict[str, str]:
    """``os.environ`` with ``PYTHONPATH`` set so a child Python imports this very pipcache_ext."""
    return {**os.environ, "PYTHONPATH": str(Path(pipcache_ext.__file__).parent.parent)}
