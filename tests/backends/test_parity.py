"""The native backend and real pips agree, on the same fixture cache."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
from _cachetree import build_cache, snapshot, within_rounding
from _pipenvs import MATRIX
from conftest import venv_or_fail

from pipcache_ext import PipCache
from pipcache_ext._native import native_info
from pipcache_ext._probing import probe_cache_dir

pytestmark = pytest.mark.realpip

PARITY = ["20.3.4", "22.2.1", "23.3", "25.0", "26.3"]


@pytest.mark.parametrize("pip_version", PARITY)
def test_info_agrees(pip_version: str, isolated_env: Dict[str, str], tmp_path: Path) -> None:
    venv = venv_or_fail(pip_version, MATRIX[pip_version])
    manifest = build_cache(tmp_path / "cache")
    by_pip = PipCache(venv, env={**isolated_env, "PIP_CACHE_DIR": str(manifest.cache_dir)}).info()
    native = native_info(by_pip.cache_dir, pip_version=pip_version, rules=pip_version)
    assert native.exact
    assert (native.cache_dir, native.wheels_dir, native.http_dirs) == (
        by_pip.cache_dir, by_pip.wheels_dir, by_pip.http_dirs,
    )  # fmt: skip
    assert native.wheel_count == by_pip.wheel_count
    assert native.http_files == by_pip.http_files
    assert within_rounding(by_pip.wheels_size, native.wheels_size)
    assert native.http_size is not None
    assert by_pip.http_size is not None
    assert within_rounding(by_pip.http_size, native.http_size)
    # and the native figures are the files the test wrote, to the byte
    assert native.wheels_size == manifest.wheels_size


@pytest.mark.parametrize("pip_version", PARITY)
@pytest.mark.parametrize("pattern", [None, "six", "Hyphen_Name", "zope.interface"])
def test_list_agrees(
    pip_version: str, pattern: str | None, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    venv = venv_or_fail(pip_version, MATRIX[pip_version])
    manifest = build_cache(tmp_path / "cache")
    env = {**isolated_env, "PIP_CACHE_DIR": str(manifest.cache_dir)}
    by_pip = PipCache(venv, env=env, backend="pip").list(pattern)
    native = PipCache(venv, env=env, backend="native").list(pattern)
    assert by_pip == native
    assert by_pip  # every pattern above matches something in the fixture


def test_purge_leaves_the_tree_pip_26_3_leaves(
    isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    venv = venv_or_fail("26.3", MATRIX["26.3"])
    results = {}
    trees = {}
    for backend in ("pip", "native"):
        manifest = build_cache(tmp_path / backend / "cache")
        (manifest.cache_dir / "selfcheck.json").write_text("{}")  # legacy file 26.x deletes
        env = {**isolated_env, "PIP_CACHE_DIR": str(manifest.cache_dir)}
        results[backend] = PipCache(venv, env=env, backend=backend).purge()  # type: ignore[arg-type]
        trees[backend] = snapshot(manifest.cache_dir)
    assert trees["pip"] == trees["native"]
    pip, native = results["pip"], results["native"]
    assert (pip.files_removed, pip.dirs_removed, pip.matched) == (
        native.files_removed, native.dirs_removed, native.matched,
    )  # fmt: skip
    assert pip.bytes_removed is not None
    assert native.bytes_removed is not None
    assert within_rounding(pip.bytes_removed, native.bytes_removed)
    assert sorted(p.name for p in pip.removed) == sorted(p.name for p in native.removed)


@pytest.mark.parametrize("pip_version", ["20.1", "22.2.1", "26.3"])
@pytest.mark.parametrize("setting", ["default", "PIP_CACHE_DIR", "XDG_CACHE_HOME", "config"])
def test_legacy_probe_agrees_with_pip_cache_dir(
    pip_version: str, setting: str, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    """The in-interpreter probe used for pip < 20.1 gives what ``pip cache dir`` gives."""
    venv = venv_or_fail(pip_version, MATRIX[pip_version])
    env = dict(isolated_env)
    if setting == "PIP_CACHE_DIR":
        env["PIP_CACHE_DIR"] = str(tmp_path / "env-cache")
    elif setting == "XDG_CACHE_HOME":
        env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    elif setting == "config":
        config = tmp_path / "pip.conf"
        config.write_text(f"[global]\ncache-dir = {tmp_path / 'conf-cache'}\n")
        env["PIP_CONFIG_FILE"] = str(config)
    cache = PipCache(venv, env=env)
    answer = probe_cache_dir(cache.interpreter, env=env, use_cache=False)
    assert answer.state == "ok"
    assert answer.cache_dir == cache.dir()
