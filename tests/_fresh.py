"""Code under test run in a fresh interpreter, so that it may fork its workers; what it says.

A pytest-xdist worker has threads of its own, and the library never forks from a process with
other threads: the tests of forked workers run a script in a child interpreter instead. Every
script gets :data:`COUNT_FORKS` in front of it (``forks``: the pids it forked; ``children_left()``:
whether a forked child outlived the call) and the JSON spec as ``sys.argv[1]``; it prints one JSON
object last, with ``children_left``, which :func:`run_fresh` checks is false.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, Mapping

import pytest

__all__ = ["COUNT_FORKS", "linux_only", "run_fresh"]

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers are forked on Linux only"
)

COUNT_FORKS = """
import os
forks = []
_real_fork = os.fork
def _counted_fork():
    pid = _real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = _counted_fork

def children_left():
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True
"""


def run_fresh(script: str, spec: Mapping[str, Any]) -> Dict[str, Any]:
    """Run ``script`` (after :data:`COUNT_FORKS`) with ``spec``; the JSON object it printed last."""
    done = subprocess.run(
        [sys.executable, "-c", COUNT_FORKS + script, json.dumps(spec)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer: Dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["children_left"] is False
    return answer
