"""The runner's bounds, with real processes: time (setsid grandchildren), output size, kill_all."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from _procs import all_gone, is_gone, kill_quietly, this_package_env, wait_for_files
from conftest import write_script

from pipcache_ext import _runner
from pipcache_ext._runner import Completed, allow_new_children, kill_all, run
from pipcache_ext.errors import InterpreterError, Remedy

MIB = 1024 * 1024
SH_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(autouse=True)
def _children_allowed_again() -> Iterator[None]:
    yield
    allow_new_children()


def _holding_fake(tmp_path: Path, then: str) -> Path:
    """A fake interpreter that starts a grandchild in a session of its own (setsid) holding its
    stdout and stderr, writes its own pid and the grandchild's, prints, then runs ``then``."""
    return write_script(
        tmp_path / "python",
        f"""#!/bin/sh
setsid sh -c 'echo $$ > {tmp_path}/gpid; exec sleep 30' &
echo $$ > {tmp_path}/pid
echo hello
echo oops >&2
{then}
""",
    )


def test_timeout_returns_although_a_setsid_grandchild_holds_the_pipes(tmp_path: Path) -> None:
    fake = _holding_fake(tmp_path, "exec sleep 30")
    started = time.monotonic()
    try:
        with pytest.raises(InterpreterError, match="did not finish within 1 s and was") as info:
            run([str(fake)], SH_ENV, 1)
        elapsed = time.monotonic() - started
        pid, gpid = wait_for_files([tmp_path / "pid", tmp_path / "gpid"])
        assert elapsed < 4, f"took {elapsed:.1f} s"
        assert is_gone(pid)
        assert not is_gone(gpid)  # the grandchild really held the pipes all along
    finally:
        kill_quietly(wait_for_files([tmp_path / "gpid"]))
    assert info.value.remedy == Remedy("timeout")
    assert str(info.value) == (
        f"{fake} did not finish within 1 s and was killed; pass a larger timeout if it is just slow"
    )


def test_a_child_that_exits_while_a_grandchild_holds_the_pipes_returns(tmp_path: Path) -> None:
    fake = _holding_fake(tmp_path, "exit 3")
    started = time.monotonic()
    try:
        completed = run([str(fake)], SH_ENV, 30)
        elapsed = time.monotonic() - started
    finally:
        kill_quietly(wait_for_files([tmp_path / "gpid"]))
    assert elapsed < 4, f"took {elapsed:.1f} s"
    assert completed == Completed((str(fake),), 3, "hello\n", "oops\n")


def test_a_child_that_closes_its_pipes_still_times_out(tmp_path: Path) -> None:
    fake = write_script(
        tmp_path / "python", f"#!/bin/sh\necho $$ > {tmp_path}/pid\nexec sleep 30 >&- 2>&-\n"
    )
    started = time.monotonic()
    with pytest.raises(InterpreterError, match="did not finish within 1 s"):
        run([str(fake)], SH_ENV, 1)
    assert time.monotonic() - started < 4
    assert all_gone(wait_for_files([tmp_path / "pid"]))


_MEASURE = """
import json, resource, sys
from pipcache_ext._runner import run
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
completed = run([sys.argv[1]], {"PATH": "/usr/bin:/bin"}, 120)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "growth_kib": after - before,
    "truncated": getattr(completed, "truncated", None),
    "returncode": completed.returncode,
    "stdout_ok": completed.stdout == "y\\n" * (8 * 1024 * 1024),
    "stderr_ok": completed.stderr == "e\\n" * (8 * 1024 * 1024),
}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_output_is_capped_and_memory_stays_bounded(tmp_path: Path) -> None:
    # 200 MiB on stdout and 20 MiB on stderr; each stream keeps its first 16 MiB.
    fake = write_script(
        tmp_path / "python",
        "#!/bin/sh\nyes y | head -c 209715200\nyes e | head -c 20971520 >&2\n",
    )
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(fake)],
        capture_output=True, text=True, timeout=120, check=True, env=this_package_env(),
    )  # fmt: skip
    result = json.loads(measured.stdout)
    assert result["growth_kib"] < 100 * 1024, f"peak RSS grew {result['growth_kib']} KiB"
    assert result["returncode"] == 0
    assert result["truncated"] is True
    assert result["stdout_ok"], "stdout is not the first 16 MiB of what was printed"
    assert result["stderr_ok"], "stderr is not the first 16 MiB of what was printed"


def test_output_under_the_cap_is_whole_and_not_truncated(tmp_path: Path) -> None:
    fake = write_script(tmp_path / "python", "#!/bin/sh\nyes y | head -c 1048576\nprintf '\\377'\n")
    completed = run([str(fake)], SH_ENV, 30)
    assert completed.truncated is False
    assert completed.stdout == "y\n" * (MIB // 2) + "\udcff"  # undecodable bytes round-trip


class _InThread:
    """``run`` in a thread of its own, keeping what it returned or raised."""

    def __init__(self, argv: List[str]) -> None:
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(argv,), daemon=True)
        self.thread.start()

    def _run(self, argv: List[str]) -> None:
        try:
            run(argv, SH_ENV, 60)
        except BaseException as exc:  # noqa: BLE001 - kept for the test to look at
            self.error = exc


def test_kill_all_kills_the_group_and_refuses_new_children(tmp_path: Path) -> None:
    fake = write_script(
        tmp_path / "python",
        f"#!/bin/sh\necho $$ > {tmp_path}/pid\nsleep 60 &\necho $! > {tmp_path}/gpid\nwait\n",
    )
    running = _InThread([str(fake)])
    pids = wait_for_files([tmp_path / "pid", tmp_path / "gpid"])
    kill_all()
    running.thread.join(3)
    assert not running.thread.is_alive()
    assert isinstance(running.error, KeyboardInterrupt)
    assert all_gone(pids)  # the child and the grandchild in its group
    assert not _runner._LIVE

    marker = tmp_path / "started"
    starter = write_script(tmp_path / "starter", f"#!/bin/sh\ntouch {marker}\n")
    with pytest.raises(KeyboardInterrupt):
        run([str(starter)], SH_ENV, 10)
    assert not marker.exists()

    allow_new_children()
    assert run([str(starter)], SH_ENV, 10).returncode == 0
    assert marker.exists()


def test_a_keyboard_interrupt_while_waiting_kills_the_child(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    fake = write_script(tmp_path / "python", f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 30\n")
    script = textwrap.dedent(f"""
        import signal, sys, threading, os
        from pipcache_ext._runner import run
        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            run([{str(fake)!r}], {{"PATH": "/usr/bin:/bin"}}, 60)
        except KeyboardInterrupt:
            sys.exit(130)
    """)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], timeout=60, check=False, env=this_package_env()
    )
    assert done.returncode == 130
    assert time.monotonic() - started < 10  # 1 s before the interrupt, interpreter start-up
    assert all_gone(wait_for_files([tmp_path / "pid"]))


def test_missing_program_is_an_interpreter_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="no such file"):
        run([str(tmp_path / "nope")], SH_ENV, 5)


def test_positional_completed_still_builds() -> None:
    completed = Completed(("x",), 0, "out", "err")
    assert completed.truncated is False
    assert completed._replace(stdout="") == Completed(("x",), 0, "", "err", truncated=False)


def test_env_is_passed_as_given(tmp_path: Path) -> None:
    fake = write_script(tmp_path / "python", '#!/bin/sh\nprintf %s "$ONLY_THIS"\n')
    env: Dict[str, str] = {**SH_ENV, "ONLY_THIS": "a b\nc"}
    assert run([str(fake)], env, 10).stdout == "a b\nc"
