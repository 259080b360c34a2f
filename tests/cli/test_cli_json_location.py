"""Every JSON result that names a cache dir says why it is that one (``location``).

``dir --json`` and ``info --json`` have their own tests; here ``usage``, ``list``, ``list --http``,
``prune`` and ``clean``, through a real pip 26.3, under the setting the test chose: the dir it
named (``--cache-dir``), ``PIP_CACHE_DIR``, ``XDG_CACHE_HOME`` or ``PIP_NO_CACHE_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
from _cachetree import Manifest, build_cache, files_under
from _cli_helpers import cli_json

pytest_plugins = ["_cli_fixtures"]

# the keys each command's entries have, a failed entry the same as a good one
USAGE_KEYS = {"interpreter", "usage", "error", "location", "fallback_from", "cache_dir"}
HTTP_KEYS = {"cache_dir", "interpreters", "entries", "warnings", "error", "location"}


def _only(document: Dict[str, Any], keys: set) -> Dict[str, Any]:
    (entry,) = document["results"]
    assert set(entry) == keys
    return entry  # type: ignore[no-any-return]


def _on_disk(manifest: Manifest) -> int:
    """Bytes of every file the test wrote into the three areas (usage's rows add up to it)."""
    areas = [manifest.cache_dir / area for area in ("wheels", "http", "http-v2")]
    return sum(p.stat().st_size for area in areas for p in files_under(area))


def _http_files(manifest: Manifest) -> List[str]:
    return sorted(str(p.resolve()) for p in {**manifest.http_v1, **manifest.http_v2})


def _listed_files(entry: Dict[str, Any]) -> List[str]:
    return sorted(f for e in entry["entries"] for f in e["files"])


@pytest.mark.realpip
def test_usage_and_list_http_name_pip_cache_dir(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    newest: Path,
) -> None:  # fmt: skip
    manifest = build_cache(tmp_path / "env-cache")
    monkeypatch.setenv("PIP_CACHE_DIR", str(manifest.cache_dir))
    root = str(manifest.cache_dir.resolve())
    for argv, keys in ((["usage"], USAGE_KEYS), (["list", "--http"], HTTP_KEYS)):
        entry = _only(cli_json(capsys, *argv, "--python", newest), keys)
        assert entry["error"] is None
        assert entry["cache_dir"] == root
        location = entry["location"]
        assert (location["source"], location["variable"]) == ("env", "PIP_CACHE_DIR")
        assert (location["cache_dir"], location["disabled"]) == (root, False)
        assert location["answered_by"] == "pip"
        assert location["pip_version"] == "26.3"
        assert location["reason"]
        if "usage" in entry:
            assert sum(row["size"] for row in entry["usage"]) == _on_disk(manifest)
        else:
            assert _listed_files(entry) == _http_files(manifest)


@pytest.mark.realpip
def test_the_default_dir_moved_by_xdg_cache_home(
    capsys: pytest.CaptureFixture[str], isolated_env: Dict[str, str], newest: Path
) -> None:
    manifest = build_cache(Path(isolated_env["XDG_CACHE_HOME"]) / "pip")
    root = str(manifest.cache_dir.resolve())
    for argv, keys in ((["usage"], USAGE_KEYS), (["list", "--http"], HTTP_KEYS)):
        location = _only(cli_json(capsys, *argv, "--python", newest), keys)["location"]
        assert (location["source"], location["variable"]) == ("default", "XDG_CACHE_HOME")
        assert location["cache_dir"] == root


@pytest.mark.realpip
def test_a_named_dir_is_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    newest: Path,
) -> None:  # fmt: skip
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))
    other_files = files_under(other.cache_dir)
    where = ["--python", newest, "--cache-dir", named.cache_dir]
    root = str(named.cache_dir.resolve())
    for argv, keys in ((["usage"], USAGE_KEYS), (["list", "--http"], HTTP_KEYS)):
        entry = _only(cli_json(capsys, *argv, *where), keys)
        assert entry["cache_dir"] == root
        assert (entry["location"]["source"], entry["location"]["cache_dir"]) == ("option", root)
        if "entries" in entry:
            assert _listed_files(entry) == _http_files(named)

    removal_keys = {"cache_dir", "interpreters", "run_by", "removal", "error", "location"}
    for argv in (["clean", "zope.interface"], ["prune", "--max-size", "0"]):
        entry = _only(cli_json(capsys, *argv, *where, "--dry-run"), removal_keys)
        assert entry["error"] is None
        assert (entry["cache_dir"], entry["location"]["source"]) == (root, "option")
        assert entry["removal"]["dry_run"] is True
    assert all(p.exists() for p in named.wheel_paths)  # dry runs
    assert files_under(other.cache_dir) == other_files


@pytest.mark.realpip
def test_a_disabled_cache_names_its_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, newest: Path
) -> None:
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    for argv, keys in ((["usage"], USAGE_KEYS), (["list", "--http"], HTTP_KEYS)):
        document = cli_json(capsys, *argv, "--python", newest)
        assert document["exit_code"] == 1
        entry = _only(document, keys)
        assert entry["error"]["type"] == "CacheDisabledError"
        assert "PIP_NO_CACHE_DIR" in entry["error"]["message"]
        assert entry["cache_dir"] is None
        location = entry["location"]
        assert location["disabled"] is True
        assert location["cache_dir"] is None
        assert location["disabled_by"].startswith("PIP_NO_CACHE_DIR=")
        assert location["would_use"] == os.path.join(os.environ["XDG_CACHE_HOME"], "pip")


# ``list --json`` (the locally built wheels): each interpreter's entry says why its dir is that one
LIST_KEYS = {"interpreter", "wheels", "error", "location", "fallback_from"}


def _listed_wheels(entry: Dict[str, Any]) -> List[str]:
    return sorted(str(Path(w["path"]).resolve()) for w in entry["wheels"])


def _written_wheels(manifest: Manifest) -> List[str]:
    return sorted(str(p.resolve()) for p in manifest.wheel_paths)


@pytest.mark.realpip
def test_list_names_the_dir_it_was_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    newest: Path,
) -> None:  # fmt: skip
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")  # the same wheels, in another dir
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))  # not the one listed
    entry = _only(cli_json(capsys, "list", "--python", newest, "--cache-dir", named.cache_dir),
                  LIST_KEYS)  # fmt: skip
    assert entry["error"] is None
    assert _listed_wheels(entry) == _written_wheels(named)
    location = entry["location"]
    root = str(named.cache_dir.resolve())
    assert (location["source"], location["cache_dir"], location["disabled"]) == (
        "option", root, False
    )  # fmt: skip
    assert location["variable"] is None
    assert location["reason"]


@pytest.mark.realpip
def test_list_names_pip_cache_dir(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    newest: Path,
) -> None:  # fmt: skip
    manifest = build_cache(tmp_path / "env-cache")
    monkeypatch.setenv("PIP_CACHE_DIR", str(manifest.cache_dir))
    entry = _only(cli_json(capsys, "list", "--python", newest), LIST_KEYS)
    assert entry["error"] is None
    assert _listed_wheels(entry) == _written_wheels(manifest)
    location = entry["location"]
    assert (location["source"], location["variable"]) == ("env", "PIP_CACHE_DIR")
    assert location["cache_dir"] == str(manifest.cache_dir.resolve())
    assert (location["answered_by"], location["pip_version"]) == ("pip", "26.3")
    assert location["reason"]


@pytest.mark.realpip
def test_list_of_a_disabled_cache_names_its_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, newest: Path
) -> None:
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    document = cli_json(capsys, "list", "--python", newest)
    assert document["exit_code"] == 1
    entry = _only(document, LIST_KEYS)
    assert entry["wheels"] is None
    assert entry["error"]["type"] == "CacheDisabledError"
    assert "PIP_NO_CACHE_DIR" in entry["error"]["message"]
    location = entry["location"]
    assert (location["disabled"], location["cache_dir"]) == (True, None)
    assert location["disabled_by"].startswith("PIP_NO_CACHE_DIR=")
    assert location["would_use"] == os.path.join(os.environ["XDG_CACHE_HOME"], "pip")


@pytest.mark.realpip
def test_list_of_a_missing_interpreter_has_no_location(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    newest: Path,
) -> None:  # fmt: skip
    manifest = build_cache(tmp_path / "env-cache")
    monkeypatch.setenv("PIP_CACHE_DIR", str(manifest.cache_dir))
    missing = tmp_path / "nope" / "python"
    document = cli_json(capsys, "list", "--python", newest, "--python", missing)
    assert document["exit_code"] == 3
    found, failed = document["results"]
    assert set(found) == set(failed) == LIST_KEYS
    assert _listed_wheels(found) == _written_wheels(manifest)
    assert found["location"]["cache_dir"] == str(manifest.cache_dir.resolve())
    assert failed["error"]["type"] == "InterpreterError"
    assert (failed["wheels"], failed["location"]) == (None, None)
