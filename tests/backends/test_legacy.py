"""Pips without ``pip cache`` (8.0-20.0): the same API through the native backend, for real.

Each pip runs on a Python it imports on: 8.1.2-19.0.3 on 3.6, 19.2.3 on 2.7 (no venv there:
pyenv's 2.7 with the pip on ``PYTHONPATH``), 19.3.1 and 20.0.2 on 3.11.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Tuple

import _pipenvs
import pytest
from _cachetree import Manifest, files_under, pip_pattern_matches
from conftest import venv_or_fail

from pipcache_ext import CacheDisabledError, PipCache, PipCommandError, UnsupportedPipError

pytestmark = pytest.mark.realpip

LEGACY = {
    "8.1.2": "3.6",
    "9.0.3": "3.6",
    "10.0.1": "3.6",
    "18.1": "3.6",
    "19.0.3": "3.6",
    "19.2.3": "2.7",
    "19.3.1": "3.11",
    "20.0.2": "3.11",
}


@pytest.fixture(params=list(LEGACY), ids=str)
def pip_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def legacy(pip_version: str, isolated_env: Dict[str, str]) -> Tuple[Path, Dict[str, str]]:
    """``(python, env)`` running ``pip_version``; the env is the isolated one."""
    minor = LEGACY[pip_version]
    if minor != "2.7":
        return venv_or_fail(pip_version, minor) / "bin" / "python", dict(isolated_env)
    try:
        python = _pipenvs.pyenv_python(minor)
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(str(exc))
        pytest.skip(f"MISSING-PYTHON: {exc}")
    return python, {**isolated_env, "PYTHONPATH": str(_pipenvs.pip_on_path(pip_version))}


def _cache(legacy: Tuple[Path, Dict[str, str]], **env: str) -> PipCache:
    python, base = legacy
    return PipCache(python, env={**base, **env})


def test_interpreter_and_backend(legacy: Tuple[Path, Dict[str, str]], pip_version: str) -> None:
    cache = _cache(legacy)
    assert cache.interpreter.pip_version == pip_version
    assert cache.interpreter.version.startswith(LEGACY[pip_version] + ".")
    assert cache.backend == "native"


def test_dir_from_pip_cache_dir(legacy: Tuple[Path, Dict[str, str]], tmp_path: Path) -> None:
    assert _cache(legacy, PIP_CACHE_DIR=str(tmp_path / "c")).dir() == tmp_path.resolve() / "c"


def test_dir_from_xdg_cache_home(legacy: Tuple[Path, Dict[str, str]], tmp_path: Path) -> None:
    cache = _cache(legacy, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert cache.dir() == tmp_path.resolve() / "xdg" / "pip"


def test_dir_default_is_under_home(legacy: Tuple[Path, Dict[str, str]]) -> None:
    _python, env = legacy
    env.pop("XDG_CACHE_HOME")
    assert PipCache(legacy[0], env=env).dir() == Path(env["HOME"]).resolve() / ".cache" / "pip"


def test_dir_from_config_file(legacy: Tuple[Path, Dict[str, str]], tmp_path: Path) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\ncache-dir = {tmp_path / 'from-config'}\n")
    cache = _cache(legacy, PIP_CONFIG_FILE=str(config))
    assert cache.dir() == tmp_path.resolve() / "from-config"


@pytest.mark.parametrize(
    "how", ["PIP_NO_CACHE_DIR=1", "PIP_NO_CACHE_DIR=false", "PIP_NO_CACHE_DIR=off", "config"]
)
def test_disabled_cache(
    legacy: Tuple[Path, Dict[str, str]], fixture_cache: Manifest, tmp_path: Path, how: str
) -> None:
    env = {"PIP_CACHE_DIR": str(fixture_cache.cache_dir)}
    if how == "config":
        config = tmp_path / "pip.conf"
        config.write_text("[global]\nno-cache-dir = true\n")
        env = {"PIP_CONFIG_FILE": str(config)}
    else:
        name, value = how.split("=")
        env[name] = value
    before = files_under(fixture_cache.cache_dir)
    cache = _cache(legacy, **env)
    for operation in (cache.dir, cache.info, cache.list, cache.purge):
        with pytest.raises(CacheDisabledError, match="disabled .* by its configuration") as info:
            operation()
        assert info.value.reason == "configuration"
    assert files_under(fixture_cache.cache_dir) == before


def test_invalid_configuration_is_a_command_error(legacy: Tuple[Path, Dict[str, str]]) -> None:
    with pytest.raises(PipCommandError, match="could not tell its cache dir"):
        _cache(legacy, PIP_NO_CACHE_DIR="maybe").dir()


def test_cache_dir_not_owned(legacy: Tuple[Path, Dict[str, str]], tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared" / "cache"
    (cache_dir / "wheels").mkdir(parents=True)
    keep = cache_dir / "wheels" / "six-1.0-py3-none-any.whl"
    keep.write_bytes(b"x")
    if os.geteuid() == 0:
        os.chown(cache_dir, 65534, 65534)
    else:
        cache_dir.chmod(0o500)
    try:
        with pytest.raises(CacheDisabledError) as info:
            _cache(legacy, PIP_CACHE_DIR=str(cache_dir)).purge()
        assert info.value.reason == "permissions"
        assert keep.exists()
    finally:
        cache_dir.chmod(0o700)


def test_info_is_exact(legacy: Tuple[Path, Dict[str, str]], fixture_cache: Manifest) -> None:
    info = _cache(legacy, PIP_CACHE_DIR=str(fixture_cache.cache_dir)).info()
    root = fixture_cache.cache_dir.resolve()
    assert info.backend == "native"
    assert info.exact
    assert info.cache_dir == root
    assert info.wheel_count == fixture_cache.wheel_count
    assert info.wheels_size == fixture_cache.wheels_size
    http = fixture_cache.http_files(v2=True)
    assert (info.http_files, info.http_size) == (len(http), sum(http.values()))
    assert info.http_dirs == (root / "http-v2", root / "http")


@pytest.mark.parametrize("pattern", [None, "six", "zope.interface"])
def test_list(
    legacy: Tuple[Path, Dict[str, str]], fixture_cache: Manifest, pattern: str | None
) -> None:
    wheels = _cache(legacy, PIP_CACHE_DIR=str(fixture_cache.cache_dir)).list(pattern)
    expected = fixture_cache.wheels_matching(lambda n: pip_pattern_matches(pattern or "*", n))
    assert sorted(w.path for w in wheels if w.path) == sorted(p.resolve() for p in expected)
    for wheel in wheels:
        assert wheel.path is not None
        assert wheel.size == fixture_cache.wheel_sizes[wheel.path]
        assert wheel.exact


def test_remove(legacy: Tuple[Path, Dict[str, str]], fixture_cache: Manifest) -> None:
    root = fixture_cache.cache_dir
    before = files_under(root)
    six = set(fixture_cache.wheels_matching(lambda n: pip_pattern_matches("six", n)))
    cache = _cache(legacy, PIP_CACHE_DIR=str(root))
    dry = cache.remove("six", dry_run=True)
    assert files_under(root) == before
    result = cache.remove("six")
    assert {p.resolve() for p in result.removed} == {p.resolve() for p in six}
    assert result.files_removed == 3
    assert result.bytes_removed == sum(fixture_cache.wheel_sizes[p] for p in six)
    gone = before - files_under(root)
    assert six <= gone
    assert {p.name for p in gone - six} == {"origin.json"}  # pip 26.3's cleanup pass
    assert dry.dry_run
    assert (dry.files_removed, dry.bytes_removed, dry.dirs_removed) == (
        result.files_removed, result.bytes_removed, result.dirs_removed,
    )  # fmt: skip


def test_purge(legacy: Tuple[Path, Dict[str, str]], fixture_cache: Manifest) -> None:
    root = fixture_cache.cache_dir
    result = _cache(legacy, PIP_CACHE_DIR=str(root)).purge()
    assert files_under(root) == set(fixture_cache.untouchable)
    removed = {**fixture_cache.wheel_sizes, **fixture_cache.http_v1, **fixture_cache.http_v2}
    assert result.files_removed == len(removed)
    assert result.bytes_removed == sum(removed.values())
    assert result.matched


def test_pip_backend_is_refused(legacy: Tuple[Path, Dict[str, str]], pip_version: str) -> None:
    python, env = legacy
    with pytest.raises(UnsupportedPipError, match=f"pip {pip_version} .* has no 'cache' command"):
        PipCache(python, env=env, backend="pip").info()
