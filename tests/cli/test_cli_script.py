"""The installed console script and ``python -m pipcache_ext``, in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cachetree import Manifest, files_under
from _cli_helpers import cli_json, no_traceback

pytest_plugins = ["_cli_fixtures"]


def _console_script() -> Path:
    script = Path(sys.executable).parent / "pipcache-ext"
    if not script.exists():
        pytest.fail(f"{script} is missing: pip install -e . in this venv")
    return script


@pytest.mark.realpip
def test_console_script_and_python_m(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    script = _console_script()
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
