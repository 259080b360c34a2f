"""Discovery of real interpreters: pyenv's Pythons, a venv, and real pips' cache dirs."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, Mapping

import _pipenvs
import pytest
from _discovery_fakes import (
    PYENV_MINORS,
    pyenv_or_fail,
)
from conftest import venv_or_fail

from pipcache_ext import discover_interpreters, run_discovery
from pipcache_ext._discovery import DiscoveryContext, discover

pytest_plugins = ["_discovery_fixtures"]


def _pip_version_of(python: Path, env: Mapping[str, str]) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "--version"],
        capture_output=True, text=True, env=dict(env), timeout=120, check=True,
    )  # fmt: skip
    match = re.match(r"pip (\S+) from ", out.stdout)
    assert match, out.stdout
    return match.group(1)


def _pip_cache_dir_of(python: Path, env: Mapping[str, str]) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "cache", "dir"],
        capture_output=True, text=True, env=dict(env), timeout=120, check=True,
    )  # fmt: skip
    return out.stdout.strip()


@pytest.mark.realpip
def test_real_pyenv_versions(isolated_env: Dict[str, str]) -> None:
    pythons = {minor: pyenv_or_fail(minor) for minor in PYENV_MINORS}
    env = {**isolated_env, "PYENV_ROOT": str(_pipenvs.PYENV_ROOT)}
    expected = {
        python.parent.parent.name: _pip_version_of(python, env) for python in pythons.values()
    }
    ctx = DiscoveryContext.current(env)
    discovered = discover(ctx, sources=["pyenv"], pip_cache=True)
    installs = [i for i in discovered.result.interpreters if not i.is_venv]
    versions = [i.version for i in installs]
    for version, pip_version in expected.items():
        assert versions.count(version) == 1, versions
        (interpreter,) = (i for i in installs if i.version == version)
        assert interpreter.pip_version == pip_version
        assert interpreter.sources == ("pyenv",)
        assert interpreter.path.parent.parent == _pipenvs.PYENV_ROOT / "versions" / version
        answer = discovered.pip_cache[interpreter]
        if tuple(int(x) for x in pip_version.split(".")[:2]) >= (20, 1):
            assert answer.state == "ok"
            assert str(answer.cache_dir) == _pip_cache_dir_of(interpreter.executable, env)
        else:  # pip 18.1 / 19.2.3: no `pip cache`; their install command's dir, the default
            assert (answer.state, answer.cache_dir) == (
                "ok", Path(env["XDG_CACHE_HOME"]) / "pip"
            ), answer  # fmt: skip
    # The public function, from the disk cache now: same interpreters, no probe.
    started = time.monotonic()
    assert discover_interpreters(sources=["pyenv"], env=env) == list(discovered.result.interpreters)
    assert time.monotonic() - started < 2


@pytest.mark.realpip
def test_real_machine_activated_venv_and_system_python(isolated_env: Dict[str, str]) -> None:
    pythons = {minor: pyenv_or_fail(minor) for minor in PYENV_MINORS}
    venv = venv_or_fail("26.3", "3.12")
    env = {
        **isolated_env,
        "PYENV_ROOT": str(_pipenvs.PYENV_ROOT),
        "VIRTUAL_ENV": str(venv),
        "PATH": os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "")]),
    }
    result = run_discovery(env=env)
    interpreters = result.interpreters
    every_path = [p for i in interpreters for p in (i.path, *i.aliases)]
    assert len(every_path) == len(set(every_path)), "a path belongs to two interpreters"
    for python in pythons.values():
        version = python.parent.parent.name
        matches = [i for i in interpreters if python in (i.path, *i.aliases)]
        assert len(matches) == 1, version
        assert matches[0].version == version
        assert "pyenv" in matches[0].sources
    (activated,) = [i for i in interpreters if i.prefix == venv]
    assert activated.sources[:2] == ("active-venv", "path")
    assert activated.pip_version == "26.3"
    assert activated.is_venv
    system = Path("/usr/bin/python3")
    if system.exists():  # not required, but where it exists it is found, once
        assert len([i for i in interpreters if system in (i.path, *i.aliases)]) == 1


def _cache_dir_answer(python_or_venv: Path, env: Mapping[str, str]):
    ctx = DiscoveryContext.current(env)
    discovered = discover(
        ctx, sources=[], extra_paths=[python_or_venv], use_cache=False, pip_cache=True
    )
    assert discovered.result.failures == ()
    (answer,) = discovered.pip_cache.values()
    return answer


@pytest.mark.realpip
@pytest.mark.parametrize(
    ("pip", "minor"),
    [("8.1.2", "3.6"), ("10.0.1", "3.6"), ("20.0.2", "3.11"), ("20.1", "3.8"), ("26.3", "3.12")],
)
def test_pip_cache_dir_from_real_pips(
    pip: str, minor: str, tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    venv = venv_or_fail(pip, minor)
    default = Path(isolated_env["XDG_CACHE_HOME"]) / "pip"
    answer = _cache_dir_answer(venv, isolated_env)
    assert (answer.state, answer.cache_dir) == ("ok", default)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_CACHE_DIR": str(tmp_path / "link")})
    assert (answer.state, answer.cache_dir) == ("ok", tmp_path / "real")  # normalised (§3.5)
    # pip 8-18.1 read "false" as 0, 19+ as "disable": disabled either way (spec §3.4).
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_NO_CACHE_DIR": "false"})
    assert answer.state == "disabled"
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_NO_CACHE_DIR": "maybe"})
    assert answer.state == "error"
    assert "invalid truth value 'maybe'" in (answer.detail or "")
    if os.geteuid() == 0:  # pip's ownership check for root: the dir must be root's
        theirs = tmp_path / "theirs"
        theirs.mkdir()
        os.chown(theirs, 65534, 65534)
        answer = _cache_dir_answer(venv, {**isolated_env, "PIP_CACHE_DIR": str(theirs)})
        assert (answer.state, answer.cache_dir) == ("not-owned", theirs)


@pytest.mark.realpip
def test_pip_that_cannot_be_imported_leaves_the_probe_intact(
    isolated_env: Dict[str, str],
) -> None:
    python = pyenv_or_fail("3.11")
    env = {**isolated_env, "PYTHONPATH": str(_pipenvs.pip_on_path("19.0.3"))}
    ctx = DiscoveryContext.current(env)
    discovered = discover(ctx, sources=[], extra_paths=[python], use_cache=False, pip_cache=True)
    ((interpreter, answer),) = discovered.pip_cache.items()
    assert interpreter.pip_version == "19.0.3"
    assert answer.state == "error"
    assert "cannot import name 'Mapping'" in (answer.detail or "")
