"""Issue 13: no process when the answer is known. A warm native ``info()`` runs no child at all.

The interpreter probe and the cache-dir answer come from the library's disk cache (under the
isolated ``XDG_CACHE_HOME``) while the executable, pip, the config files and the environment
variables that change the answer are unchanged; a changed config file or ``PIP_CACHE_DIR``
makes the next call ask again. Runner calls are counted; answers are checked against the dirs
and files the test made.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

import pytest
from _cachetree import Manifest, build_cache
from conftest import venv_or_fail

from pipcache_ext import PipCache
from pipcache_ext._probing import probe_interpreter
from pipcache_ext._runner import Completed, run
from pipcache_ext._scripts import PROBE

pytestmark = pytest.mark.realpip

NEWEST = "26.3"
LEGACY = ("19.3.1", "3.11")  # a pip without `pip cache`: the probe was always its only way


class Recorder:
    """A runner that runs for real and remembers each argv."""

    def __init__(self) -> None:
        self.calls: List[Sequence[str]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.calls.append(argv)
        return run(argv, env, timeout)

    @property
    def probes(self) -> int:
        return sum(1 for argv in self.calls if len(argv) > 2 and argv[2] == PROBE)


@pytest.fixture
def newest() -> Path:
    return venv_or_fail(NEWEST, "3.12")


def native(python: Path, env: Dict[str, str], recorder: Recorder) -> PipCache:
    return PipCache(python, env=env, backend="native", runner=recorder)


def test_a_warm_native_info_starts_no_process(
    newest: Path, cache_env: Dict[str, str], fixture_cache: Manifest
) -> None:
    cold = Recorder()
    first = native(newest, cache_env, cold).info()
    assert cold.calls  # the first call asked the interpreter
    assert all(argv[2] == PROBE for argv in cold.calls)  # only probes: no `pip cache dir`
    warm = Recorder()
    cache = native(newest, cache_env, warm)
    info = cache.info()
    assert warm.calls == []
    assert info == first
    assert info.cache_dir == fixture_cache.cache_dir
    assert info.wheels_size == fixture_cache.wheels_size
    assert cache.interpreter.pip_version == NEWEST
    assert cache.list("six")  # list and dry runs too
    cache.remove("nomatch", dry_run=True)
    assert warm.calls == []


def test_a_legacy_pip_is_warm_too(isolated_env: Dict[str, str], tmp_path: Path) -> None:
    python = venv_or_fail(*LEGACY) / "bin" / "python"
    manifest = build_cache(tmp_path / "cache")
    env = {**isolated_env, "PIP_CACHE_DIR": str(manifest.cache_dir)}
    assert native(python, env, Recorder()).info().wheels_size == manifest.wheels_size
    warm = Recorder()
    assert native(python, env, warm).dir() == manifest.cache_dir
    assert warm.calls == []


def test_the_interpreter_probe_is_served_from_the_disk_cache(
    newest: Path, isolated_env: Dict[str, str]
) -> None:
    cold = Recorder()
    first = PipCache(newest, env=isolated_env, runner=cold).interpreter
    assert cold.probes == 1
    again = Recorder()  # the plain probe reads the disk cache but never writes it
    assert PipCache(newest, env=isolated_env, runner=again).interpreter == first
    assert again.probes == 1
    native(newest, isolated_env, Recorder()).info()  # the cache-dir answer is stored
    warm = Recorder()
    served = probe_interpreter(newest, env=isolated_env, runner=warm)
    assert warm.calls == []
    assert served == first
    assert served.prefix == newest  # what the venv is, not what was stored for another path
    by_exe = probe_interpreter(newest / "bin" / "python", env=isolated_env, runner=warm)
    assert by_exe.path == newest / "bin" / "python"
    uncached = Recorder()
    probe_interpreter(newest, env=isolated_env, runner=uncached, use_cache=False)
    assert uncached.probes == 1


@pytest.mark.parametrize("operation", ["purge", "dry purge", "remove", "dir"])
def test_a_deletion_stores_no_probe_answer(
    newest: Path, cache_env: Dict[str, str], operation: str
) -> None:
    """PipCache probes before it knows it will delete: a deletion leaves the answers alone."""
    probes = Path(cache_env["XDG_CACHE_HOME"]) / "pipcache_ext" / "probes"
    cache = native(newest, cache_env, Recorder())
    if operation == "purge":
        assert cache.purge().files_removed > 0
    elif operation == "dry purge":
        assert cache.purge(dry_run=True).files_removed > 0
    elif operation == "remove":
        assert cache.remove("six").files_removed > 0
    else:
        assert cache.dir() == Path(cache_env["PIP_CACHE_DIR"])
    assert not probes.exists()
    native(newest, cache_env, Recorder()).info()
    assert len(list(probes.glob("*.json"))) == 1  # and the same interpreter's info() does


def test_a_changed_config_file_is_asked_again(
    newest: Path, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "pip.conf"
    first_dir, second_dir = tmp_path / "conf-cache-a", tmp_path / "conf-cache-b-longer"
    config.write_text(f"[global]\ncache-dir = {first_dir}\n")
    env = {**isolated_env, "PIP_CONFIG_FILE": str(config)}
    assert native(newest, env, Recorder()).info().cache_dir == first_dir
    warm = Recorder()
    assert native(newest, env, warm).info().cache_dir == first_dir
    assert warm.calls == []
    config.write_text(f"[global]\ncache-dir = {second_dir}\n")
    again = Recorder()
    assert native(newest, env, again).info().cache_dir == second_dir
    assert 1 <= again.probes <= 2  # the stored answer is stale (the interpreter's part too)
    config.unlink()  # no config file at all: pip's default under the isolated XDG_CACHE_HOME
    gone = Recorder()
    assert (
        native(newest, env, gone).info().cache_dir == Path(isolated_env["XDG_CACHE_HOME"]) / "pip"
    )
    assert 1 <= gone.probes <= 2


def test_a_user_config_file_that_appears_is_asked_again(
    newest: Path, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in isolated_env.items() if k != "PIP_CONFIG_FILE"}
    default = Path(env["XDG_CACHE_HOME"]) / "pip"
    assert native(newest, env, Recorder()).info().cache_dir == default
    user_config = Path(env["XDG_CONFIG_HOME"]) / "pip" / "pip.conf"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(f"[global]\ncache-dir = {tmp_path / 'user-cache'}\n")
    again = Recorder()
    assert native(newest, env, again).info().cache_dir == tmp_path / "user-cache"
    assert 1 <= again.probes <= 2


def test_another_pip_cache_dir_is_asked_again(
    newest: Path, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    for name in ("one", "two", "one"):
        env = {**isolated_env, "PIP_CACHE_DIR": str(tmp_path / name)}
        assert native(newest, env, Recorder()).info().cache_dir == tmp_path / name
    warm = Recorder()
    env = {**isolated_env, "PIP_CACHE_DIR": str(tmp_path / "two")}
    assert native(newest, env, warm).info().cache_dir == tmp_path / "two"
    assert warm.calls == []
    relative = Recorder()  # a relative PIP_CACHE_DIR depends on the working directory
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        env = {**isolated_env, "PIP_CACHE_DIR": "rel"}
        assert native(newest, env, relative).info().cache_dir == tmp_path / "rel"
        (tmp_path / "elsewhere").mkdir()
        os.chdir(tmp_path / "elsewhere")
        moved = Recorder()
        assert native(newest, env, moved).info().cache_dir == tmp_path / "elsewhere" / "rel"
        assert 1 <= moved.probes <= 2
    finally:
        os.chdir(cwd)


def test_no_disk_cache_is_written_outside_the_isolated_home(
    newest: Path, cache_env: Dict[str, str]
) -> None:
    native(newest, cache_env, Recorder()).info()
    probes = Path(cache_env["XDG_CACHE_HOME"]) / "pipcache_ext" / "probes"
    assert len(list(probes.glob("*.json"))) == 1  # one record: identity and cache dir together
