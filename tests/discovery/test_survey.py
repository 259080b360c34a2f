"""survey(): interpreters grouped by the cache dir their pip uses, one info() per dir."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import _pipenvs
import pytest
from _cachetree import build_cache
from _discovery_fakes import fake_python, make_venv, script
from conftest import venv_or_fail, write_script

from pipcache_ext import (
    CacheDisabledError,
    CacheReport,
    Interpreter,
    InterpreterError,
    PipCache,
    PipNotFoundError,
    survey,
)
from pipcache_ext import _survey as survey_module
from pipcache_ext._discovery import discover

pytest_plugins = ["_discovery_fixtures"]


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


@pytest.mark.realpip
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


@pytest.mark.realpip
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


@pytest.mark.realpip
def test_native_backend_measures_in_process(cache_env: Dict[str, str]) -> None:
    interpreter = PipCache(venv_or_fail("26.3", "3.12"), env=cache_env).interpreter
    (row,) = survey([interpreter], env=cache_env, backend="native", use_cache=False)
    assert row.info is not None
    assert (row.info.backend, row.info.exact) == ("native", True)


@pytest.mark.realpip
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


# -- the interpreters given are the ones returned ----------------------------------------------


@pytest.fixture
def actors(monkeypatch: pytest.MonkeyPatch) -> List[Interpreter]:
    """Record the interpreter that measures each dir."""
    chosen: List[Interpreter] = []
    real = survey_module._measure

    def spy(cache_dir: Path, users: object, actor: Interpreter, **kwargs: object) -> CacheReport:
        chosen.append(actor)
        return real(cache_dir, users, actor, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(survey_module, "_measure", spy)
    return chosen


def test_survey_keeps_the_interpreters_it_is_given(
    tmp_path: Path, context, isolated_env: Dict[str, str], actors: List[Interpreter]
) -> None:
    shared = build_cache(tmp_path / "shared")
    bindir = tmp_path / "bin"
    # "z" sorts after "a": the old survey took the greatest path among equal pips
    first = fake_python(bindir / "python3.12", version="3.12.1", cache_dir=str(shared.cache_dir))
    (bindir / "python3").symlink_to("python3.12")
    base = fake_python(tmp_path / "z" / "bin" / "python3", cache_dir=str(shared.cache_dir))
    make_venv(tmp_path / "a-venv", base)
    ctx = context(path=[bindir, tmp_path / "a-venv" / "bin"])
    found = discover(ctx, sources=["path"]).result.interpreters
    given = sorted(found, key=lambda i: i.path != bindir / "python3")  # the bin/ one first
    assert [i.path for i in given] == [bindir / "python3", tmp_path / "a-venv" / "bin" / "python"]
    assert given[0].aliases == (first,)

    (row,) = survey(given, env=ctx.env, backend="native", use_cache=False)

    assert row.error is None
    assert row.cache_dir == shared.cache_dir
    assert row.interpreters == tuple(given)
    assert all(kept is mine for kept, mine in zip(row.interpreters, given))
    assert row.interpreters[0].sources == ("path",)  # not ("explicit",)
    assert row.interpreters[0].aliases == (first,)
    assert row.info is not None
    assert row.info.wheel_count == shared.wheel_count
    assert actors == [given[0]]  # same pip version: the first given measures the dir
    (row,) = survey(given[::-1], env=ctx.env, backend="native", use_cache=False)
    assert actors[-1] is given[1]


def test_survey_of_a_given_interpreter_that_fails_keeps_it_in_its_row(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    python = fake_python(tmp_path / "bin" / "python3")
    ctx = context(path=[python.parent])
    (interpreter,) = discover(ctx, sources=["path"], use_cache=False).result.interpreters
    script(python, "#!/bin/sh\necho 'I changed my mind' >&2\nexit 3\n")  # broken since

    (row,) = survey([interpreter], env=ctx.env, use_cache=False)

    assert row.interpreters == (interpreter,)
    assert row.interpreters[0] is interpreter
    assert (row.cache_dir, row.info) == (None, None)
    assert isinstance(row.error, InterpreterError)
    assert "exited with code 3 and said: I changed my mind" in str(row.error)
