"""The POSIX sources on fake roots: PATH, install managers, conda, virtual environments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

from _discovery_fakes import (
    fake_python,
    make_venv,
    script,
)

from pipcache_ext._discovery import discover

pytest_plugins = ["_discovery_fixtures"]


def test_empty_and_relative_path_entries_are_ignored(tmp_path: Path, context) -> None:
    fake_python(tmp_path / "python3")
    ctx = context(cwd=tmp_path, PATH=os.pathsep.join(["", ".", "relative"]))
    assert discover(ctx, sources=["path"]).result.interpreters == ()


def test_uv_managed(tmp_path: Path, context) -> None:
    root = tmp_path / "uv-python"
    fake_python(root / "cpython-3.12.1-linux-x86_64-gnu" / "bin" / "python3.12", version="3.12.1")
    fake_python(root / ".temp" / "bin" / "python3", version="0.0.0")
    (root / ".lock").write_text("")
    result = discover(context(UV_PYTHON_INSTALL_DIR=str(root)), sources=["uv"]).result
    assert [(i.version, i.sources) for i in result.interpreters] == [("3.12.1", ("uv",))]


def test_uv_default_dir_is_xdg_data(tmp_path: Path, context, isolated_env: Dict[str, str]) -> None:
    root = Path(isolated_env["XDG_DATA_HOME"]) / "uv" / "python"
    fake_python(root / "cpython-3.13.0-linux-x86_64-gnu" / "bin" / "python3", version="3.13.0")
    assert [i.version for i in discover(context(), sources=["uv"]).result.interpreters] == [
        "3.13.0"
    ]


def test_rye_toolchains(tmp_path: Path, context) -> None:
    root = tmp_path / "rye"
    fake_python(root / "py" / "cpython@3.11.5" / "bin" / "python3", version="3.11.5")
    fake_python(root / "py" / "cpython@3.8.17" / "install" / "bin" / "python3", version="3.8.17")
    result = discover(context(RYE_HOME=str(root)), sources=["rye"]).result
    assert [i.version for i in result.interpreters] == ["3.8.17", "3.11.5"]


def test_conda_bases_envs_and_environments_txt(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    base = tmp_path / "miniconda3"
    base_python = fake_python(base / "bin" / "python3.11", version="3.11.5")
    (base / "bin" / "python").symlink_to("python3.11")
    (base / "conda-meta").mkdir()
    script(base / "bin" / "conda", "#!/bin/sh\nexit 1\n")
    env = base / "envs" / "science"
    (env / "bin").mkdir(parents=True)
    os.link(base_python, env / "bin" / "python3.11")  # conda hard-links from its package cache
    (env / "conda-meta").mkdir()
    fake_python(base / "envs" / "not-an-env" / "bin" / "python", version="0.0.1")
    elsewhere = fake_python(
        tmp_path / "elsewhere" / "bin" / "python", version="3.9.7"
    ).parent.parent
    (elsewhere / "conda-meta").mkdir()
    home = Path(isolated_env["HOME"])
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{base}\n{elsewhere}\n{tmp_path / 'gone'}\n")
    ctx = context(CONDA_EXE=str(base / "bin" / "conda"))
    result = discover(ctx, sources=["conda"]).result
    assert result.failures == ()
    assert sorted((i.version, i.prefix) for i in result.interpreters) == [
        ("3.11.5", base), ("3.11.5", env), ("3.9.7", elsewhere)
    ]  # fmt: skip


def test_conda_well_known_base(tmp_path: Path, context, isolated_env: Dict[str, str]) -> None:
    base = Path(isolated_env["HOME"]) / "miniforge3"
    fake_python(base / "bin" / "python", version="3.12.2")
    (base / "conda-meta").mkdir()
    root_base = tmp_path / "root" / "opt" / "conda"
    fake_python(root_base / "bin" / "python", version="3.10.9")
    (root_base / "conda-meta").mkdir()
    result = discover(context(), sources=["conda"]).result
    assert [i.version for i in result.interpreters] == ["3.10.9", "3.12.2"]


def test_active_venv(tmp_path: Path, context) -> None:
    venv_python = make_venv(tmp_path / "venv", fake_python(tmp_path / "base" / "bin" / "python3"))
    ctx = context(VIRTUAL_ENV=str(tmp_path / "venv"))
    (interpreter,) = discover(ctx, sources=["active-venv"]).result.interpreters
    assert (interpreter.path, interpreter.is_venv) == (venv_python, True)


def test_dot_venv_in_cwd_and_parents(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    outer = make_venv(tmp_path / "work" / ".venv", base)
    inner = make_venv(tmp_path / "work" / "project" / ".venv", base)
    (tmp_path / "work" / "project" / "src").mkdir()
    ctx = context(cwd=tmp_path / "work" / "project" / "src")
    result = discover(ctx, sources=["dot-venv"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([outer, inner])
    assert all(i.is_venv and i.sources == ("dot-venv",) for i in result.interpreters)


def test_virtualenvwrapper(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    workon = tmp_path / "envs"
    one = make_venv(workon / "one", base)
    two = make_venv(workon / "two", base)
    result = discover(context(WORKON_HOME=str(workon)), sources=["virtualenvwrapper"]).result
    assert sorted(i.path for i in result.interpreters) == [one, two]


def test_virtualenvwrapper_default_home(context, isolated_env: Dict[str, str]) -> None:
    home = Path(isolated_env["HOME"])
    venv = make_venv(home / ".virtualenvs" / "x", fake_python(home / "base" / "bin" / "python"))
    assert [
        i.path for i in discover(context(), sources=["virtualenvwrapper"]).result.interpreters
    ] == [venv]


def test_pipx_venvs_and_shared(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    pipx = tmp_path / "pipx"
    black = make_venv(pipx / "venvs" / "black", base)
    shared = make_venv(pipx / "shared", base)
    result = discover(context(PIPX_HOME=str(pipx)), sources=["pipx"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([black, shared])


def test_pipx_default_home(context, isolated_env: Dict[str, str]) -> None:
    data = Path(isolated_env["XDG_DATA_HOME"])
    venv = make_venv(data / "pipx" / "venvs" / "tox", fake_python(data / "b" / "bin" / "python"))
    assert [i.path for i in discover(context(), sources=["pipx"]).result.interpreters] == [venv]


def test_running_interpreter(tmp_path: Path, context) -> None:
    python = fake_python(tmp_path / "bin" / "python3")
    (interpreter,) = discover(
        context(executable=str(python)), sources=["running"]
    ).result.interpreters
    assert interpreter.sources == ("running",)
    assert discover(context(), sources=["running"]).result.sources == ()
    embedding = script(tmp_path / "bin" / "uwsgi", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    assert discover(context(executable=str(embedding)), sources=["running"]).result.sources == ()
    assert not (tmp_path / "ran").exists()
