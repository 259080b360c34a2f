"""The command line says where each cache is and why, and works on a named dir, old pips too.

``dir --explain`` and ``survey``'s WHY column under the setting the test wrote (a variable, a
config file, nothing), a disabled cache's error; ``--cache-dir`` on ``usage``, ``list --http``,
``clean`` and ``prune`` with pips 9.0.3 (no ``cache`` command) and 26.3, a second cache in
``PIP_CACHE_DIR`` untouched and a canary kept.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict

import pytest
from _cachetree import Manifest, build_cache, files_under
from cli._cli_helpers import cli, cli_json
from conftest import venv_or_fail


def _config(tmp_path: Path, cache_dir: Path) -> Path:
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\ncache-dir = {cache_dir}\n")
    return config


@pytest.mark.realpip
@pytest.mark.parametrize(("pip", "minor"), [("9.0.3", "3.6"), ("26.3", "3.12")])
def test_dir_explain_names_the_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    isolated_env: Dict[str, str], pip: str, minor: str,
) -> None:  # fmt: skip
    python = venv_or_fail(pip, minor)
    xdg = Path(isolated_env["XDG_CACHE_HOME"])
    run = cli(capsys, "dir", "--explain", "--python", python)
    assert run.code == 0, run.err
    assert run.out == f"{xdg / 'pip'}  (pip's default under XDG_CACHE_HOME={xdg})\n"

    env_dir = tmp_path / "from-env"
    monkeypatch.setenv("PIP_CACHE_DIR", str(env_dir))
    run = cli(capsys, "dir", "--explain", "--python", python)
    assert run.out == f"{env_dir}  (PIP_CACHE_DIR={env_dir})\n"
    monkeypatch.delenv("PIP_CACHE_DIR")

    config = _config(tmp_path, tmp_path / "from-config")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    second = venv_or_fail(*(("26.3", "3.12") if pip == "9.0.3" else ("9.0.3", "3.6")))
    run = cli(capsys, "dir", "--explain", "--python", python, "--python", second)
    assert run.out.splitlines() == [  # one line per interpreter
        f"{python}: {tmp_path / 'from-config'}  (cache-dir in {config} [global])",
        f"{second}: {tmp_path / 'from-config'}  (cache-dir in {config} [global])",
    ]

    named = build_cache(tmp_path / "named").cache_dir
    run = cli(capsys, "dir", "--explain", "--python", python, "--cache-dir", named)
    assert run.out == f"{named.resolve()}  (given explicitly (--cache-dir / cache_dir=))\n"

    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    run = cli(capsys, "dir", "--explain", "--python", python)
    assert (run.code, run.out) == (1, "")
    assert "PIP_NO_CACHE_DIR=" in run.err
    assert f"--cache-dir {tmp_path / 'from-config'}" in run.err  # how to clean it anyway


@pytest.mark.realpip
def test_survey_says_why_in_its_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = venv_or_fail("9.0.3", "3.6"), venv_or_fail("26.3", "3.12")
    cache = build_cache(tmp_path / "configured")
    config = _config(tmp_path, cache.cache_dir)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    run = cli(capsys, "survey", "--python", old, "--python", new)
    assert run.code == 0, run.err
    header = run.out.splitlines()[0]
    (row,) = [line for line in run.out.splitlines() if line.startswith(str(cache.cache_dir))]
    assert row[header.index("WHY") :] == f"cache-dir in {config} [global]"
    document = cli_json(capsys, "survey", "--python", old, "--python", new)
    (entry,) = document["results"]
    assert len(entry["interpreters"]) == 2
    assert {(loc["source"], loc["config_file"]) for loc in entry["locations"]} == {
        ("config", str(config))
    }


def _old(manifest: Manifest, name: str) -> None:
    """The entries of wheel ``name`` last used 40 days ago."""
    when = time.time() - 40 * 86400
    for path in manifest.wheels[name]:
        for entry in (path, path.with_name("origin.json")):
            os.utime(entry, (when, when))


@pytest.mark.realpip
@pytest.mark.parametrize(("pip", "minor"), [("9.0.3", "3.6"), ("26.3", "3.12")])
def test_cache_dir_on_usage_list_http_clean_and_prune(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    pip: str, minor: str,
) -> None:  # fmt: skip
    python = venv_or_fail(pip, minor)
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))
    other_files = files_under(other.cache_dir)
    canary = tmp_path / "canary.whl"
    canary.write_bytes(b"keep")
    where = ["--python", python, "--cache-dir", named.cache_dir]

    (entry,) = cli_json(capsys, "usage", *where)["results"]
    areas = [named.cache_dir / area for area in ("wheels", "http", "http-v2")]
    assert sum(row["size"] for row in entry["usage"]) == sum(
        p.stat().st_size for area in areas for p in files_under(area)
    )
    (entry,) = cli_json(capsys, "list", "--http", *where)["results"]
    written = {str(p.resolve()) for p in {**named.http_v1, **named.http_v2}}
    assert {f for e in entry["entries"] for f in e["files"]} == written

    run = cli(capsys, "clean", "zope.interface", *where)
    assert run.code == 0, run.err
    (zope,) = named.wheels["zope.interface-5.0-cp311-cp311-linux_x86_64.whl"]
    assert not zope.exists()
    _old(named, "six-1.17.0-py2.py3-none-any.whl")
    run = cli(capsys, "prune", "--older-than", "30d", *where)
    assert run.code == 0, run.err
    gone = {zope, *named.wheels["six-1.17.0-py2.py3-none-any.whl"]}
    assert [p for p in named.wheel_paths if not p.exists()] == sorted(gone)
    assert all(p.exists() for p in named.untouchable)
    assert files_under(other.cache_dir) == other_files
    assert canary.read_bytes() == b"keep"


@pytest.mark.realpip
def test_survey_measures_a_named_dir_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = venv_or_fail("26.3", "3.12")
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))
    document = cli_json(capsys, "survey", "--python", python, "--cache-dir", named.cache_dir)
    assert document["exit_code"] == 0
    rows = {entry["cache_dir"]: entry for entry in document["results"]}
    assert set(rows) == {str(named.cache_dir.resolve()), str(other.cache_dir.resolve())}
    row = rows[str(named.cache_dir.resolve())]
    assert (row["interpreters"], row["state"]) == ([], "ok")
    assert [loc["source"] for loc in row["locations"]] == ["option"]
    assert (row["info"]["wheel_count"], row["info"]["wheels_size"]) == (
        named.wheel_count, named.wheels_size,
    )  # fmt: skip
    assert row["info"]["http_files"] == len(named.http_v1) + len(named.http_v2)
    assert len(rows[str(other.cache_dir.resolve())]["interpreters"]) == 1

    monkeypatch.setenv("PIP_CACHE_DIR", str(named.cache_dir))  # the interpreter's own: one row
    run = cli(capsys, "survey", "--python", python, "--cache-dir", named.cache_dir)
    (row,) = [line for line in run.out.splitlines() if line.startswith(str(named.cache_dir))]
    assert row.endswith(
        f"PIP_CACHE_DIR={named.cache_dir}; given explicitly (--cache-dir / cache_dir=)"
    )
    assert run.out.count("used by:") == 1


def test_interpreters_refuses_a_cache_dir(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for where in (["--cache-dir", str(tmp_path)], ["--user", "root"]):
        run = cli(capsys, "interpreters", *where)
        assert (run.code, run.out) == (2, "")
        assert "--cache-dir and --user mean nothing" in run.err
        document = cli_json(capsys, "interpreters", *where)
        assert document["error"]["type"] == "UsageError"
