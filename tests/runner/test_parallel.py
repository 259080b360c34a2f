"""parallel_map: order and errors, and an interrupt that waits for nothing (real hung children)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest
from _procs import all_gone, kill_quietly, this_package_env, wait_for_files
from conftest import write_script

from pipcache_ext._parallel import parallel_map
from pipcache_ext._runner import allow_new_children, run

SH_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(autouse=True)
def _children_allowed_again() -> Iterator[None]:
    yield
    allow_new_children()


def _hanging_fake(tmp_path: Path) -> Path:
    """``fake N``: writes pid-N, starts a grandchild in its group (gpid-N) and one in a session
    of its own that holds its pipes (spid-N), then hangs."""
    return write_script(
        tmp_path / "python",
        f"""#!/bin/sh
d={tmp_path}
setsid sh -c "echo \\$\\$ > $d/spid-$1; exec sleep 60" &
sleep 60 &
echo $! > $d/gpid-$1
echo $$ > $d/pid-$1
wait
""",
    )


def _pid_files(tmp_path: Path, kind: str, count: int) -> List[Path]:
    return [tmp_path / f"{kind}-{n}" for n in range(count)]


def test_results_come_in_the_items_order() -> None:
    def slow_first(n: int) -> int:
        time.sleep(0.2 if n == 0 else 0)
        return n * n

    assert parallel_map(slow_first, list(range(6)), workers=3) == [0, 1, 4, 9, 16, 25]
    assert parallel_map(slow_first, [], workers=3) == []
    assert parallel_map(slow_first, [3], workers=3) == [9]


def test_the_first_error_in_the_items_order_is_raised_after_all_ran() -> None:
    ran: List[int] = []
    lock = threading.Lock()

    def work(n: int) -> int:
        time.sleep(0.1 if n == 1 else 0)
        with lock:
            ran.append(n)
        if n in (1, 3):
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 1"):
        parallel_map(work, [0, 1, 2, 3, 4], workers=2)
    assert sorted(ran) == [0, 1, 2, 3, 4]


def test_progress_counts_every_item() -> None:
    counts: List[int] = []
    parallel_map(lambda n: n, list(range(5)), workers=2, on_done=counts.append)
    assert counts == [1, 2, 3, 4, 5]


def test_keyboard_interrupt_in_on_done_waits_for_no_child(tmp_path: Path) -> None:
    fake = _hanging_fake(tmp_path)
    fast = write_script(tmp_path / "fast", "#!/bin/sh\nexit 0\n")

    def work(n: int) -> int:
        if n == 0:  # finishes once the others hang, so on_done interrupts them mid-run
            wait_for_files(_pid_files(tmp_path, "pid", 3)[1:])
            return run([str(fast)], SH_ENV, 60).returncode
        return run([str(fake), str(n)], SH_ENV, 600).returncode

    def on_done(count: int) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            parallel_map(work, [0, 1, 2], workers=3, on_done=on_done)
        elapsed = time.monotonic() - started
        hung = _pid_files(tmp_path, "pid", 3)[1:] + _pid_files(tmp_path, "gpid", 3)[1:]
        assert all_gone(wait_for_files(hung))
    finally:
        kill_quietly(wait_for_files(_pid_files(tmp_path, "spid", 3)[1:]))
    assert elapsed < 3, f"took {elapsed:.1f} s"
    # Once the interrupted workers have returned, children may start again.
    end = time.monotonic() + 3
    while True:
        try:
            assert run([str(fast)], SH_ENV, 10).returncode == 0
            break
        except KeyboardInterrupt:
            assert time.monotonic() < end, "new children still refused after the workers ended"
            time.sleep(0.05)


_INTERRUPTED_MAP = """
import sys
from pipcache_ext._parallel import parallel_map
from pipcache_ext._runner import run
fake = sys.argv[1]
try:
    parallel_map(lambda n: run([fake, str(n)], {"PATH": "/bin"}, 600), [0, 1, 2], workers=3)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_sigint_with_three_hanging_children_exits_at_once(tmp_path: Path) -> None:
    fake = _hanging_fake(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_INTERRUPTED_MAP), str(fake)], env=this_package_env()
    )
    try:
        pids = wait_for_files(_pid_files(tmp_path, "pid", 3) + _pid_files(tmp_path, "gpid", 3))
        wait_for_files(_pid_files(tmp_path, "spid", 3))
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=30)
        elapsed = time.monotonic() - started
        assert returncode == 130
        assert elapsed < 2, f"exited {elapsed:.1f} s after SIGINT"
        assert all_gone(pids)  # every child and the grandchildren in their groups
    finally:
        process.kill()
        process.wait()
        kill_quietly(wait_for_files(_pid_files(tmp_path, "spid", 3)))


def test_an_interrupt_in_one_worker_mode_leaves_children_allowed(tmp_path: Path) -> None:
    fast = write_script(tmp_path / "fast", "#!/bin/sh\nexit 0\n")

    def work(n: int) -> int:
        if n == 1:
            raise KeyboardInterrupt
        return run([str(fast)], SH_ENV, 10).returncode

    with pytest.raises(KeyboardInterrupt):
        parallel_map(work, [0, 1, 2], workers=1)
    with pytest.raises(ValueError, match="plain"):
        parallel_map(int, ["plain"], workers=1)
    assert run([str(fast)], SH_ENV, 10).returncode == 0
