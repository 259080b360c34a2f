"""``prune`` and ``usage`` on the command line; purge and prune say what is left."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import _hk_helpers  # noqa: F401 - puts the shared test helpers on sys.path
import pytest
from _cli_helpers import cli, cli_json
from pytest_mock import MockerFixture

import pipcache_ext
from pipcache_ext import PipCache
from pipcache_ext._housekeeping.lock import cache_lock

pytest_plugins = ["_cli_fixtures"]

DAY = 86400.0
KEYS = ("1" * 56, "2" * 56)


def _files(root: Path) -> Dict[str, int]:
    return {
        os.path.join(d, n): os.lstat(os.path.join(d, n)).st_size
        for area in ("wheels", "http", "http-v2")
        for d, _dirs, names in os.walk(root / area)
        for n in names
    }


def _age(cache: Path) -> List[Path]:
    """Every file of the cache used now; two http-v2 entries written by the test, 60 days old."""
    now = time.time()
    for path in _files(cache):
        os.utime(path, (now, now), follow_symlinks=False)
    old: List[Path] = []
    for key in KEYS:
        folder = cache / "http-v2" / key[0] / key[1] / key[2] / key[3] / key[4]
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in ((key, b"meta"), (key + ".body", b"body" * 100)):
            (folder / name).write_bytes(data)
            os.utime(folder / name, (now - 60 * DAY, now - 60 * DAY))
            old.append(folder / name)
    return old


def test_prune_all_runs_once_per_cache_dir_and_removes_exactly_the_old_entries(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], mocker: MockerFixture
) -> None:
    old = {"A": _age(fakes["A"].cache_dir), "B": _age(fakes["B"].cache_dir)}
    spy = mocker.spy(PipCache, "prune")
    document = cli_json(capsys, "prune", "--all", "--backend", "native", "--older-than", "30d",
                        "--dry-run")  # fmt: skip
    assert document["exit_code"] == 0
    assert spy.call_count == 2
    for entry, name in zip(document["results"], ("A", "B")):
        assert entry["cache_dir"] == str(fakes[name].cache_dir)
        assert sorted(entry["removal"]["removed"]) == sorted(str(p) for p in old[name])
        assert entry["removal"]["dry_run"] is True
    assert all(p.exists() for paths in old.values() for p in paths)
    before = {name: _files(fakes[name].cache_dir) for name in ("A", "B")}
    run = cli(capsys, "prune", "--all", "--backend", "native", "--older-than", "30d")
    assert run.code == 0, run.err
    assert run.out.count("Files removed: 4") == 2
    for name in ("A", "B"):
        left = _files(fakes[name].cache_dir)
        assert set(left) == set(before[name]) - {str(p) for p in old[name]}
        assert f"{sum(1 for p in left if p.endswith('.whl') and '-' in Path(p).name)}" in run.out


@pytest.mark.parametrize(
    ("args", "forms"),
    [
        (["--older-than", "30x"], "30d, 2w"),
        (["--older-than=-3d"], "30d, 2w"),
        (["--max-size", "1XB"], "2GiB"),
        (["--max-size", "GB"], "2GiB"),
        ([], "--older-than AGE, --max-size SIZE"),
    ],
)
def test_a_bad_age_or_size_is_a_usage_error_naming_the_forms(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], args: List[str], forms: str
) -> None:
    before = _files(fakes["A"].cache_dir)
    run = cli(capsys, "prune", "--python", fakes["pythons"]["a"], *args)
    assert run.code == 2
    assert forms in run.err
    assert _files(fakes["A"].cache_dir) == before


def test_sizes_accept_decimal_and_binary_units(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], mocker: MockerFixture
) -> None:
    spy = mocker.spy(PipCache, "prune")
    for text, size in (("2GiB", 2 * 1024**3), ("500MB", 500 * 10**6), ("1gb", 10**9), ("7", 7)):
        run = cli(capsys, "prune", "--python", fakes["pythons"]["a"], "--backend", "native",
                  "--max-size", text, "--dry-run")  # fmt: skip
        assert run.code == 0, run.err
        assert spy.call_args.kwargs["max_size"] == size


def test_purge_and_prune_say_what_is_left(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    python = fakes["pythons"]["a"]
    run = cli(capsys, "purge", "--python", python, "--backend", "native", "--yes")
    assert run.code == 0, run.err
    assert _files(fakes["A"].cache_dir) == {}
    assert run.out.splitlines()[-1] == "0 files left (0 B)"
    python = fakes["pythons"]["b"]
    document = cli_json(capsys, "purge", "--python", python, "--backend", "native", "--yes")
    remaining = document["results"][0]["removal"]["remaining"]
    assert (remaining["wheel_count"], remaining["http_files"], remaining["total_size"]) == (0, 0, 0)


def test_usage_adds_up_to_the_files_on_disk(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    cache = fakes["A"].cache_dir
    files = _files(cache)
    document = cli_json(capsys, "usage", "--python", fakes["pythons"]["a"], "--backend", "native")
    assert document["results"], document
    rows = document["results"][0]["usage"]
    assert sum(row["size"] for row in rows) == sum(files.values())
    keys = {"project", "wheel_count", "wheels_size", "http_entries", "http_size", "size",
            "versions", "last_used"}  # fmt: skip
    assert all(set(row) == keys for row in rows)
    wheels = [p for p in files if p.endswith(".whl") and "-" in Path(p).name]
    assert sum(row["wheel_count"] for row in rows) == len(wheels)
    named = [row for row in rows if row["project"] is not None]
    assert [row["size"] for row in named] == sorted((row["size"] for row in named), reverse=True)
    run = cli(capsys, "usage", "--python", fakes["pythons"]["a"], "--top", "1")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].split()[:2] == ["Project", "Versions"]
    assert lines[1].startswith(named[0]["project"])
    assert any(line.startswith("... and ") for line in lines) == (len(named) > 1)
    assert lines[-1].startswith("Total: ")


def test_a_second_clean_waits_and_says_so(fakes: Dict[str, Any], tmp_path: Path) -> None:
    cache = fakes["A"].cache_dir
    old = _age(cache)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(pipcache_ext.__file__).parent.parent)
    lines: List[str] = []
    argv = [sys.executable, "-m", "pipcache_ext", "prune", "--python", str(fakes["pythons"]["a"]),
            "--backend", "native", "--older-than", "30d"]  # fmt: skip
    with cache_lock(cache, env):  # another clean of the same dir is running
        second = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert second.stderr is not None
        reader = threading.Thread(target=lambda: lines.append(second.stderr.readline()))
        reader.start()
        reader.join(120)
        assert lines == [f"waiting for another pipcache-ext clean of {cache}\n"]
        assert all(p.exists() for p in old)
    out, _err = second.communicate(timeout=120)
    assert second.returncode == 0
    assert "Files removed: 4" in out
    assert not any(p.exists() for p in old)


def test_a_dry_prune_names_the_wheels_that_would_go_and_with_v_every_file(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    cache = fakes["A"].cache_dir
    _age(cache)
    then = time.time() - 60 * DAY
    for path in _files(cache):
        os.utime(path, (then, then), follow_symlinks=False)
    files = _files(cache)
    wheels = sorted(p for p in files if p.endswith(".whl") and "-" in Path(p).name)
    assert wheels
    args = ("prune", "--python", fakes["pythons"]["a"], "--backend", "native", "--older-than",
            "30d", "--dry-run")  # fmt: skip
    run = cli(capsys, *args)
    assert run.code == 0, run.err
    named = sorted(line[len("Would remove ") :] for line in run.out.splitlines()
                   if line.startswith("Would remove "))  # fmt: skip
    assert named == wheels
    every = cli(capsys, *args, "-v")
    assert every.code == 0, every.err
    named = {line[len("Would remove ") :] for line in every.out.splitlines()
             if line.startswith("Would remove ")}  # fmt: skip
    assert set(wheels) < named <= set(files)
    assert {p for p in files if "/http-v2/" in p} <= named
    assert _files(cache) == files  # a dry run
