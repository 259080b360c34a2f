"""Which candidate paths are one interpreter: symlinks, hard links, merged /usr/bin, venvs."""

from __future__ import annotations

import os
from pathlib import Path

from _discovery_fakes import (
    fake_python,
    found,
    make_venv,
    script,
)

from pipcache_ext._discovery import discover

pytest_plugins = ["_discovery_fixtures"]


def test_path_names_and_symlink_aliases(tmp_path: Path, context) -> None:
    bindir = tmp_path / "bin"
    real = fake_python(bindir / "python3.12", version="3.12.1")
    (bindir / "python3").symlink_to("python3.12")
    (bindir / "python").symlink_to("python3")
    pypy = fake_python(bindir / "pypy3", version="3.10.14", implementation="pypy")
    for other in ("python3-config", "python3.12m", "idle3", "pythonista", "python4"):
        script(bindir / other, "#!/bin/sh\nexit 3\n")
    result = discover(context(path=[bindir]), sources=["path"]).result
    assert result.failures == ()
    assert result.sources == ("path",)
    assert [(i.implementation, i.path) for i in result.interpreters] == [
        ("cpython", bindir / "python"),
        ("pypy", pypy),
    ]
    cpython = result.interpreters[0]
    assert cpython.aliases == (bindir / "python3", real)
    assert cpython.sources == ("path",)
    assert cpython.executable == bindir / "python"  # probed through the preferred name
    assert cpython.pip_version == "24.0"


def test_hard_links_in_one_directory_are_one_interpreter(tmp_path: Path, context) -> None:
    bindir = tmp_path / "bin"
    real = fake_python(bindir / "python3.6")
    os.link(real, bindir / "python3")
    result = discover(context(path=[bindir]), sources=["path"]).result
    assert [(i.path, i.aliases) for i in result.interpreters] == [(bindir / "python3", (real,))]


def test_merged_usr_bin_is_one_interpreter(tmp_path: Path, context) -> None:
    usr_bin = tmp_path / "usr" / "bin"
    fake_python(usr_bin / "python3.11", version="3.11.2")
    (usr_bin / "python3").symlink_to("python3.11")
    (tmp_path / "bin").symlink_to("usr/bin")
    bin_ = tmp_path / "bin"
    result = discover(context(path=[bin_, usr_bin]), sources=["path"]).result
    (interpreter,) = result.interpreters
    assert interpreter.path == usr_bin / "python3"  # not the one behind the /bin link
    assert set(interpreter.aliases) == {
        bin_ / "python3",
        bin_ / "python3.11",
        usr_bin / "python3.11",
    }


def test_a_venv_is_never_merged_into_its_base(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3.12", version="3.12.1")
    venv_python = make_venv(tmp_path / "venv", base)
    (tmp_path / "venv" / "bin" / "python3").symlink_to("python")
    result = discover(
        context(path=[tmp_path / "venv" / "bin", base.parent]), sources=["path"]
    ).result
    by_path = found(result)
    assert set(by_path) == {base, venv_python}
    assert not by_path[base].is_venv
    venv = by_path[venv_python]
    assert venv.is_venv
    assert venv.prefix == tmp_path / "venv"
    assert venv.aliases == (tmp_path / "venv" / "bin" / "python3",)


def test_the_same_path_from_two_sources(tmp_path: Path, context) -> None:
    venv_python = make_venv(tmp_path / "venv", fake_python(tmp_path / "b" / "bin" / "python"))
    ctx = context(path=[venv_python.parent], VIRTUAL_ENV=str(tmp_path / "venv"))
    (interpreter,) = discover(ctx, sources=["active-venv", "path"]).result.interpreters
    assert interpreter.sources == ("active-venv", "path")
