"""``survey`` and ``interpreters``, and the progress line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from _cli_helpers import NEWEST, TTY, assert_model, cli, cli_json

import pipcache_ext
from pipcache_ext import PipCache
from pipcache_ext.__main__ import main
from pipcache_ext._cli import text as fmt

pytest_plugins = ["_cli_fixtures"]


def test_survey_groups_caches_with_their_interpreters(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    pythons, cache_a, cache_b = fakes["pythons"], fakes["A"], fakes["B"]
    document = cli_json(capsys, "survey", "--backend", "native")
    assert document["exit_code"] == 0
    by_dir = {entry["cache_dir"]: entry for entry in document["results"]}
    assert set(by_dir) == {str(cache_a.cache_dir), str(cache_b.cache_dir)}
    for manifest in (cache_a, cache_b):
        entry = by_dir[str(manifest.cache_dir)]
        assert set(entry) == {
                "cache_dir", "interpreters", "info", "error", "locations", "owner", "state"
            }  # fmt: skip
        info = PipCache(pythons["b"] if manifest is cache_b else pythons["a"], backend="native")
        assert_model(entry["info"], info.info())
        http = sum(manifest.http_v1.values()) + sum(manifest.http_v2.values())
        assert entry["info"]["total_size"] == manifest.wheels_size + http
    assert sorted(i["path"] for i in by_dir[str(cache_a.cache_dir)]["interpreters"]) == sorted(
        [str(pythons["a"]), str(pythons["c"])]
    )

    run = cli(capsys, "survey", "--backend", "native")
    assert run.code == 0
    lines = run.out.splitlines()
    header = ["CACHE", "DIR", "SIZE", "HTTP", "FILES", "WHEELS", "PYTHONS", "PIP", "WHY"]
    assert lines[0].split() == header
    totals = {
        m.cache_dir: m.wheels_size + sum(m.http_v1.values()) + sum(m.http_v2.values())
        for m in (cache_a, cache_b)
    }
    kb = fmt.Unit("kB", 1000)
    row_a = next(line for line in lines if line.startswith(f"{cache_a.cache_dir} ")).split()
    assert " ".join(row_a[1:3]) == fmt.format_size(totals[cache_a.cache_dir], kb)  # exact
    http_files = len(cache_a.http_v1) + len(cache_a.http_v2)
    assert row_a[-4:] == [str(http_files), str(cache_a.wheel_count), "2", NEWEST]
    assert sum(line.lstrip().startswith(("http ", "wheels ")) for line in lines) == 4
    assert sum("█" in line for line in lines) == 6  # a bar per cache and per part
    assert f"  used by: {pythons['b']}" in lines
    assert lines[-1] == f"2 caches, {fmt.format_size(sum(totals.values()), kb)} in all"


def test_survey_of_named_interpreters_only(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    pythons = fakes["pythons"]
    missing = tmp_path / "nope" / "python"
    document = cli_json(
        capsys, "survey", "--backend", "native", "--python", pythons["b"], "--python", missing
    )
    assert fakes["discovery"].call_count == 0
    assert document["exit_code"] == 3
    ok, failed = document["results"]
    assert ok["cache_dir"] == str(fakes["B"].cache_dir)
    assert failed["cache_dir"] is None
    assert failed["error"]["type"] == "InterpreterError"
    assert failed["error"]["interpreter"] == str(missing)


def test_interpreters_lists_what_discovery_finds(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    dangling = tmp_path / "dangling" / "bin"
    dangling.mkdir(parents=True)
    (dangling / "python3").symlink_to(tmp_path / "gone")
    os.environ["PATH"] += os.pathsep + str(dangling)
    found = pipcache_ext.run_discovery()
    document = cli_json(capsys, "interpreters")
    assert document["exit_code"] == 0
    assert document["sources"] == list(found.sources)
    assert len(document["results"]) == len(found.interpreters) == 3
    for entry, interpreter in zip(document["results"], found.interpreters):
        assert entry["error"] is None
        assert_model(entry["interpreter"], interpreter)
    assert document["failures"] == [
        {"path": str(f.path), "reason": f.reason, "sources": list(f.sources)}
        for f in found.failures
    ]
    run = cli(capsys, "interpreters")
    lines = run.out.splitlines()
    assert lines[0].split() == ["PYTHON", "VERSION", "PIP", "VENV", "FOUND", "BY"]
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(
        str(p) for p in fakes["pythons"].values()
    )
    assert all(
        line.split()[1:] == ["CPython", "3.11.7", NEWEST, "no", "path"] for line in lines[1:]
    )
    assert run.err == "pipcache-ext: 1 other candidate(s) could not be used (-v lists them)\n"
    verbose = cli(capsys, "-v", "interpreters")
    assert f"not used: {dangling / 'python3'}: a dangling symlink" in verbose.err


def test_progress_on_a_terminal_only(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = cli(capsys, "survey", "--backend", "native")
    assert "\r" not in piped.err
    terminal = TTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    assert main(["survey", "--backend", "native"]) == 0
    progress = terminal.getvalue()
    assert "\r\x1b[Kpipcache-ext: discovering interpreters" in progress
    assert "surveying 3 interpreters" in progress or "asking for cache dirs" in progress
    assert progress.endswith("\r\x1b[K")  # erased when done
    terminal.truncate(0)
    assert main(["-q", "survey", "--backend", "native"]) == 0
    assert terminal.getvalue().strip("\x00") == ""
    assert capsys.readouterr().out.count("CACHE DIR") == 2
