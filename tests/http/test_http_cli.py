"""The command line on caches real pips filled: list --http, clean, info, purge --everything."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest
from _http_helpers import Caches, Fill, entry_files, expected, files_under
from _index import Index

from pipcache_ext._cli import main

pytest_plugins = ["_http_fixtures"]


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fill: Fill, *argv: str
) -> Tuple[int, str, str]:
    for name, value in fill.env.items():
        monkeypatch.setenv(name, value)
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fill: Fill, *argv: str
) -> Dict[str, Any]:
    code, out, _err = run(capsys, monkeypatch, fill, "--json", *argv)
    document: Dict[str, Any] = json.loads(out)
    assert document["exit_code"] == code
    return document


@pytest.mark.realpip
def test_list_http_shows_every_entry_once_per_cache(
    caches: Caches, http_index: Index, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    fill = caches.get("23.2.1+26.3")
    pythons = [arg for python in fill.pythons.values() for arg in ("--python", str(python))]
    document = as_json(capsys, monkeypatch, fill, "list", "--http", *pythons)
    assert document["exit_code"] == 0
    (result,) = document["results"]  # both interpreters use one cache dir: listed once
    assert result["cache_dir"] == str(fill.cache)
    assert len(result["interpreters"]) == 2
    rows = {
        (e["area"], e["kind"], e["project"], e["version"], e["filename"], e["url"])
        for e in result["entries"]
    }
    assert rows == expected(http_index, fill)
    assert result["warnings"] == []
    assert all(e["last_used"].endswith("+00:00") for e in result["entries"])
    code, out, _err = run(capsys, monkeypatch, fill, "list", "--http", "Zope.Fake_Iface", *pythons)
    assert code == 0
    lines = out.splitlines()
    assert lines.pop(0) == f"== {fill.cache}"  # several interpreters: the dir is named
    assert lines[0].split() == [
        "PROJECT",
        "VERSION",
        "KIND",
        "AREA",
        "SIZE",
        "LAST",
        "USED",
        "FILE",
    ]
    body = [line for line in lines[1:-1] if line.strip()]
    assert body
    assert all(line.startswith("zope-fake-iface ") for line in body)
    assert lines[-1].startswith(f"{len(body)} entries, ")


@pytest.mark.realpip
def test_clean_info_and_purge_everything(
    caches: Caches, http_index: Index, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    fill = caches.copy("23.2.1+26.3", tmp_path / "cache")
    canary = tmp_path / "canary"
    canary.write_text("outside")
    old = ["--python", str(fill.pythons["23.2.1"])]
    six = sorted(
        str(p)
        for row in expected(http_index, fill)
        if row[2] == "six"
        for p in entry_files(fill.cache / row[0], row[5])
    )
    dry = as_json(capsys, monkeypatch, fill, "clean", "six", "--dry-run", *old)
    (dry_result,) = dry["results"]
    assert sorted(dry_result["removal"]["removed"]) == six
    assert all(os.path.exists(p) for p in six)
    done = as_json(capsys, monkeypatch, fill, "clean", "SIX", *old)
    (result,) = done["results"]
    assert sorted(result["removal"]["removed"]) == six
    assert result["removal"]["deleted"] == dry_result["removal"]["deleted"]
    assert not any(os.path.exists(p) for p in six)
    v2 = files_under(fill.cache / "http-v2")
    code, out, _err = run(capsys, monkeypatch, fill, "info", *old)
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("Not seen by pip 23.2.1")]
    assert str(fill.cache / "http-v2") in line
    assert f"in {len(v2)} files" in line
    (entry,) = as_json(capsys, monkeypatch, fill, "info", *old)["results"]
    assert (entry["info"]["unreported_files"], entry["info"]["unreported_size"]) == (
        len(v2), sum(v2.values()),
    )  # fmt: skip
    code, out, _err = run(capsys, monkeypatch, fill, "purge", "--everything", "--yes", *old)
    assert code == 0
    assert "0 files left" in out
    assert files_under(fill.cache) == {}
    assert canary.read_text() == "outside"


def test_clean_takes_project_names_only(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("six*", "six/x", "a[b]"):
        assert main(["clean", bad]) == 2
        assert "pipcache-ext: error:" in capsys.readouterr().err
