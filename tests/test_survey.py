"""survey(): interpreters grouped by the cache dir their pip uses, one info() per dir."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import _pipenvs
import pytest
from _cachetree import build_cache
from conftest import venv_or_fail, write_script

from pipcache_ext import (
    CacheDisabledError,
    CacheReport,
    InterpreterError,
    PipCache,
    PipNotFoundError,
    survey,
)
from pipcache_ext import _survey as survey_module

pytestmark = pytest.mark.realpip


def _venv_with_config(root: Path, name: str, config: str) -> Path:
    """A fresh venv with pip 26.3 and a site config file, ``<venv>/pip.conf``."""
    venv = root / name
    try:
        base = _pipenvs.pyenv_python("3.12")
    except _pipenvs.MissingPython as exc:
        venv_or_fail("26.3", "3.12")  # skips, or fails under PIPCACHE_EXT_STRICT, with the reason
        raise AssertionError from exc
    _pipenvs.make_venv(venv, base, _pipenvs.pip_wheel("26.3"))
    (venv / "pip.conf").write_text(config)
    return venv


@pytest.fixture
def count_measures(monkeypatch: pytest.MonkeyPatch) -> List[Path]:
    """Record each cache dir measured."""
    measured: List[Path] = []
    real = survey_module._measure

    def spy(cache_dir: Path, *args: object, **kwargs: object) -> CacheReport:
        measured.append(cache_dir)
        return real(cache_dir, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(survey_module, "_measure", spy)
    return measured


def test_interpreters_grouped_by_cache_dir(
    tmp_path: Path, isolated_env: Dict[str, str], count_measures: List[Path]
) -> None:
    one = build_cache(tmp_path / "one")
    two = build_cache(tmp_path / "two")
    venvs = [
        _venv_with_config(tmp_path, "a1", f"[global]\ncache-dir = {one.cache_dir}\n"),
        _venv_with_config(tmp_path, "a2", f"[global]\ncache-dir = {one.cache_dir}\n"),
        _venv_with_config(tmp_path, "b", f"[global]\ncache-dir = {two.cache_dir}\n"),
        _venv_with_config(tmp_path, "off", "[global]\nno-cache-dir = true\n"),
    ]
    no_pip = venv_or_fail(None, "3.12")
    # PIP_CONFIG_FILE=/dev/null would hide the site config files; the venvs' own config wins over
    # the machine's /etc/pip.conf, and the isolated HOME holds no user config.
    env = {k: v for k, v in isolated_env.items() if k != "PIP_CONFIG_FILE"}
    interpreters = [PipCache(v, env=env).interpreter for v in [*venvs, no_pip]]

    rows = survey(interpreters, env=env, use_cache=False)

    by_dir = {row.cache_dir: row for row in rows if row.info is not None}
    assert set(by_dir) == {one.cache_dir.resolve(), two.cache_dir.resolve()}
    assert sorted(count_measures) == sorted(by_dir)  # one info() per dir, not per interpreter
    shared = by_dir[one.cache_dir.resolve()]
    assert sorted(i.prefix for i in shared.interpreters) == [venvs[0], venvs[1]]
    assert shared.info is not None
    assert shared.info.wheel_count == one.wheel_count
    assert shared.info.backend == "pip"
    assert shared.error is None
    assert [i.prefix for i in by_dir[two.cache_dir.resolve()].interpreters] == [venvs[2]]
    errors = {row.interpreters[0].prefix: row.error for row in rows if row.error is not None}
    assert isinstance(errors[venvs[3]], CacheDisabledError)
    assert isinstance(errors[no_pip], PipNotFoundError)
    assert len(rows) == 4


def test_legacy_and_modern_pips_share_a_dir(
    cache_env: Dict[str, str], tmp_path: Path, count_measures: List[Path]
) -> None:
    venvs = [
        venv_or_fail("19.0.3", "3.6"),
        venv_or_fail("20.1", "3.8"),
        venv_or_fail("26.3", "3.12"),
    ]
    interpreters = [PipCache(v, env=cache_env).interpreter for v in venvs]
    (row,) = survey(interpreters, env=cache_env, use_cache=False)
    assert row.cache_dir == Path(cache_env["PIP_CACHE_DIR"]).resolve()
    assert len(row.interpreters) == 3
    assert row.info is not None
    assert row.info.pip_version == "26.3"  # measured by the newest pip, once
    assert count_measures == [row.cache_dir]


def test_native_backend_measures_in_process(cache_env: Dict[str, str]) -> None:
    interpreter = PipCache(venv_or_fail("26.3", "3.12"), env=cache_env).interpreter
    (row,) = survey([interpreter], env=cache_env, backend="native", use_cache=False)
    assert row.info is not None
    assert (row.info.backend, row.info.exact) == ("native", True)


def test_discovery_failures_get_rows_and_never_abort(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "python3.99", "#!/bin/sh\necho 'no such thing' >&2\nexit 127\n")
    write_script(bin_dir / "python3.98", "#!/bin/sh\necho garbage\n")
    env = {**isolated_env, "PATH": str(bin_dir)}
    rows = survey(env=env, use_cache=False, timeout=5)
    failed = {row.error.interpreter for row in rows if isinstance(row.error, InterpreterError)}
    assert {bin_dir / "python3.99", bin_dir / "python3.98"} <= failed
    # the running interpreter was still surveyed
    assert any(row.info is not None or row.interpreters for row in rows)
