"""The installed console script and ``python -m pipcache_ext``, in subprocesses."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Set

import pytest
from _cachetree import Manifest, files_under
from _cli_helpers import cli_json, console_script, fake_python, no_traceback

pytest_plugins = ["_cli_fixtures"]


@pytest.mark.realpip
def test_console_script_and_python_m(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    script = console_script()
    argv = ["info", "--json", "--python", str(newest), "--backend", "native"]
    completed = subprocess.run(
        [str(script), *argv], capture_output=True, text=True, env=dict(os.environ), check=False
    )
    assert (completed.returncode, completed.stderr) == (0, "")
    assert json.loads(completed.stdout) == cli_json(capsys, *argv[:1], *argv[2:])

    module = subprocess.run(
        [sys.executable, "-m", "pipcache_ext", "dir"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert (module.returncode, module.stdout, module.stderr) == (0, f"{cache.cache_dir}\n", "")

    failed = subprocess.run(
        [str(script), "dir", "--python", "/nonexistent/python"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    no_traceback(failed.stderr)

    usage = subprocess.run([str(script), "bogus"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2

    before = files_under(cache.cache_dir)
    purge = subprocess.run(
        [str(script), "purge", "--python", str(newest), "--dry-run"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
        check=False,
    )
    assert purge.returncode == 0
    assert "\r" not in purge.stderr  # no progress when piped
    assert files_under(cache.cache_dir) == before


def _alive_in(groups: Set[int]) -> List[int]:
    """The processes of the process ``groups`` still running (zombies count as gone)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        state, group = fields[0], int(fields[2])
        if group in groups and state != "Z":
            alive.append(int(entry))
    return alive


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process is POSIX")
def test_ctrl_c_exits_130_at_once_and_leaves_no_child(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    pids = tmp_path / "pids"
    hang = f"echo $$ >> '{pids}'; exec sleep 600"  # $$: the script, leader of its process group
    pythons = [fake_python(tmp_path / n / "bin", tmp_path / "c", pip_action=hang) for n in "abc"]
    argv = [str(console_script()), "info"]
    for python in pythons:
        argv += ["--python", str(python)]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=isolated_env
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < 60 and process.poll() is None:
            if pids.exists() and len(pids.read_text().split()) == 3:
                break
            time.sleep(0.05)
        groups = {int(pid) for pid in pids.read_text().split()}
        assert len(groups) == 3, "the three pips did not all start"
        assert all(_alive_in({group}) for group in groups)
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        try:
            _out, err = process.communicate(timeout=3)  # the bound the issue sets
        except subprocess.TimeoutExpired:
            pytest.fail("pipcache-ext did not exit within 3 s of SIGINT")
        assert process.returncode == 130
        assert err.decode().endswith("pipcache-ext: interrupted\n")
        while _alive_in(groups) and time.monotonic() - interrupted < 3:
            time.sleep(0.05)
        assert _alive_in(groups) == []
    finally:
        process.kill()
        process.communicate()
        for group in [int(p) for p in pids.read_text().split()] if pids.exists() else []:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
