"""``dir``, ``info``, ``list``: one answer per interpreter, checked against the library and the
files the test created."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from _cachetree import Manifest, build_cache, files_under, pip_pattern_matches
from _cli_helpers import NEWEST, Run, assert_model, cli, cli_json, fake_python, purge_targets
from conftest import venv_or_fail

from pipcache_ext import PipCache
from pipcache_ext._cli import text as fmt

pytest_plugins = ["_cli_fixtures"]


def test_dir_of_the_running_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest
) -> None:
    run = cli(capsys, "dir")
    assert run == Run(0, f"{cache.cache_dir}\n", "")
    assert PipCache().dir() == cache.cache_dir
    document = cli_json(capsys, "dir")
    (entry,) = document["results"]
    assert entry["cache_dir"] == str(cache.cache_dir)
    assert entry["error"] is None
    assert_model(entry["interpreter"], PipCache().interpreter)
    assert document["command"] == "dir"
    assert document["error"] is None


def test_info_of_the_running_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest
) -> None:
    info = PipCache().info()
    run = cli(capsys, "info")
    assert run.code == 0
    assert f"Number of locally built wheels: {cache.wheel_count}" in run.out
    assert f"Locally built wheels location: {cache.wheels_dir}" in run.out
    if not info.exact:  # a pip backend: sizes marked as rounded, with the legend
        assert f"Locally built wheels size: {fmt.ROUNDED}" in run.out
        assert fmt.ROUNDED_LEGEND in run.out
    (entry,) = cli_json(capsys, "info")["results"]
    assert_model(entry["info"], info)


@pytest.mark.realpip
def test_info_human_shows_pips_lines_and_bars(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "info", "--python", newest)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[:2] == [
        f"Package index page cache location (pip v23.3+): {cache.cache_dir / 'http-v2'}",
        f"Package index page cache location (older pips): {cache.cache_dir / 'http'}",
    ]
    http_files = len(cache.http_v1) + len(cache.http_v2)
    assert f"Number of HTTP files: {http_files}" in lines
    assert f"Number of locally built wheels: {cache.wheel_count}" in lines
    # pip 26.3 prints "86 kB" and "288 kB": rounded, marked, in one unit (kB)
    assert any(line.startswith("Package index page cache size: ~") for line in lines)
    bars = [line for line in lines if "█" in line]
    assert [b.split()[0] for b in bars] == [str(cache.cache_dir), "http", "wheels"]
    assert all(" kB " in b for b in bars)
    assert lines[-1] == fmt.ROUNDED_LEGEND


@pytest.mark.realpip
def test_info_native_is_exact_and_unmarked(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "info", "--python", newest, "--backend", "native")
    http_size = sum(cache.http_v1.values()) + sum(cache.http_v2.values())
    total = http_size + cache.wheels_size
    unit = fmt.Unit("kB", 1000)
    assert f"Package index page cache size: {fmt.format_size(http_size, unit)}" in run.out
    assert f"Locally built wheels size: {fmt.format_size(cache.wheels_size, unit)}" in run.out
    assert fmt.ROUNDED not in run.out
    share = round(100 * cache.wheels_size / total)
    wheels_line = next(line for line in run.out.splitlines() if line.lstrip().startswith("wheels"))
    assert wheels_line.endswith(f"{share}%")
    (entry,) = cli_json(capsys, "info", "--python", newest, "--backend", "native")["results"]
    assert entry["info"]["wheels_size"] == cache.wheels_size
    assert entry["info"]["http_size"] == http_size
    assert entry["info"]["total_size"] == total
    assert entry["info"]["exact"] is True


@pytest.mark.realpip
@pytest.mark.parametrize("backend", ["pip", "native"])
def test_info_json_field_by_field(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, backend: str
) -> None:
    library = PipCache(newest, backend=backend)  # type: ignore[arg-type]
    document = cli_json(capsys, "info", "--python", newest, "--backend", backend)
    (entry,) = document["results"]
    assert set(entry) == {"interpreter", "info", "error", "location", "fallback_from"}
    assert_model(entry["interpreter"], library.interpreter)
    info = library.info()
    assert_model(entry["info"], info)
    assert entry["info"]["total_size"] == info.total_size
    assert entry["info"]["wheel_count"] == cache.wheel_count
    assert entry["info"]["backend"] == backend


@pytest.mark.realpip
@pytest.mark.parametrize("pattern", [None, "six", "Hyphen_Name", "nomatch"])
def test_list_human_abspath_and_json(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, pattern: Optional[str]
) -> None:
    args = ["list", *([pattern] if pattern else []), "--python", newest]
    expected = cache.wheels_matching(
        lambda name: pattern is None or pip_pattern_matches(pattern, name)
    )
    library = PipCache(newest).list(pattern)
    assert sorted(w.path for w in library if w.path) == expected

    run = cli(capsys, *args)
    assert run.code == 0
    if expected:
        lines = run.out.splitlines()
        assert lines[:2] == ["Cache contents:", ""]
        names = [line.split(" (")[0][3:] for line in lines[2:] if line.startswith(" - ")]
        assert names == [w.filename for w in library]
        assert sorted(names) == sorted(p.name for p in expected)
    else:
        assert run.out == "No locally built wheels cached.\n"

    abspath = cli(capsys, *args, "--format", "abspath")
    assert abspath.out.splitlines() == [str(w.path) for w in library]

    (entry,) = cli_json(capsys, *args)["results"]
    assert len(entry["wheels"]) == len(library)
    for data, wheel in zip(entry["wheels"], library):
        assert_model(data, wheel)
        assert data["size"] == cache.wheel_sizes[Path(data["path"])]


@pytest.mark.realpip
def test_several_pythons_one_result_each(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope" / "python"
    args = ["--python", newest, "--python", missing, "--python", sys.executable]
    for verb, key in (("dir", "cache_dir"), ("info", "info"), ("list", "wheels")):
        document = cli_json(capsys, verb, *args)
        assert document["exit_code"] == 3, verb
        first, failed, third = document["results"]
        assert first["interpreter"]["path"] == str(newest)
        assert third["interpreter"]["path"] == sys.executable
        assert first["error"] is None
        assert third["error"] is None
        assert failed["interpreter"] is None
        assert failed[key] is None
        assert failed["error"]["type"] == "InterpreterError"
        assert failed["error"]["interpreter"] == str(missing)
        assert str(missing) in failed["error"]["message"]
    run = cli(capsys, "dir", *args)
    assert run.code == 3
    table = run.out.splitlines()
    assert table[0].split() == ["CACHE", "DIR", "PYTHON", "VERSION", "PIP"]
    assert table[1].split()[:2] == [str(cache.cache_dir), str(newest)]
    assert table[2].split() == ["(failed:", "InterpreterError)", str(missing)]
    assert run.err.splitlines() == [f"pipcache-ext: error: {missing}: no such interpreter"]
    info = cli(capsys, "info", *args)
    headers = [line for line in info.out.splitlines() if line.startswith("== ")]
    assert headers == [
        f"== {fmt.describe(PipCache(newest).interpreter)}",
        f"== {fmt.describe(PipCache(sys.executable).interpreter)}",
    ]


def test_all_skips_interpreters_without_pip(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare = fake_python(tmp_path / "bare" / "bin", None, pip=None)
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{bare.parent}")
    for verb in ("dir", "info", "list"):
        run = cli(capsys, verb, "--all", "--backend", "native")
        assert run.code == 0, verb
        assert run.err == f"pipcache-ext: skipped 1 interpreter(s) without pip: {bare}\n"
        document = cli_json(capsys, verb, "--all", "--backend", "native")
        (skipped,) = [e for e in document["results"] if e["error"] is not None]
        assert skipped["error"]["type"] == "PipNotFoundError"
        assert skipped["interpreter"]["path"] == str(bare)
    assert cli(capsys, "-q", "dir", "--all").err == ""
    # named, it is a failure
    run = cli(capsys, "dir", "--python", bare)
    assert run.code == 1
    assert "has no pip" in run.err


def test_all_and_python_adds_the_named_interpreter(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    other = build_cache(tmp_path / "cache-d")
    named = fake_python(tmp_path / "d" / "bin", other.cache_dir)
    document = cli_json(capsys, "dir", "--all", "--python", named)
    paths = {entry["interpreter"]["path"] for entry in document["results"]}
    assert paths == {str(p) for p in fakes["pythons"].values()} | {str(named)}
    missing = tmp_path / "missing" / "python"
    document = cli_json(capsys, "dir", "--all", "--python", missing)
    assert document["exit_code"] == 3
    (failed,) = [e for e in document["results"] if e["error"] is not None]
    assert failed["error"]["type"] == "InterpreterError"
    assert failed["error"]["interpreter"] == str(missing)


@pytest.mark.realpip
def test_every_verb_with_all_over_real_pips(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    newest: Path,
    discovery: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = venv_or_fail("20.1", "3.8")
    monkeypatch.setenv("PATH", f"{newest / 'bin'}{os.pathsep}{old / 'bin'}")
    before = files_under(cache.cache_dir)
    expected = {str(newest / "bin" / "python"), str(old / "bin" / "python")}
    for verb in (["dir"], ["info"], ["list", "six"], ["remove", "six", "--dry-run"],
                 ["purge", "--dry-run"], ["survey"]):  # fmt: skip
        run = cli(capsys, *verb, "--all")
        assert run.code == 0, (verb, run.err)
        assert run.err == "", verb
        document = cli_json(capsys, *verb, "--all")
        assert document["exit_code"] == 0
        entries = document["results"]
        if verb[0] in ("dir", "info", "list"):
            assert {e["interpreter"]["path"] for e in entries} == expected
        else:  # one cache, used by both, measured or cleaned by the newest pip
            (entry,) = entries
            assert entry["cache_dir"] == str(cache.cache_dir)
            assert {i["path"] for i in entry["interpreters"]} == expected
    (entry,) = cli_json(capsys, "purge", "--dry-run", "--all")["results"]
    assert entry["run_by"] == str(newest / "bin" / "python")
    assert {Path(p) for p in entry["removal"]["removed"]} == purge_targets(cache)
    (survey,) = cli_json(capsys, "survey")["results"]
    assert survey["info"]["pip_version"] == NEWEST
    assert survey["info"]["wheel_count"] == cache.wheel_count
    assert files_under(cache.cache_dir) == before
