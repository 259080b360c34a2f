"""pyenv, asdf and mise shims: resolved by reading their files, never run."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple

import pytest
from _discovery_fakes import (
    fake_python,
    script,
)

from pipcache_ext._discovery import discover

pytest_plugins = ["_discovery_fixtures"]


def _fake_pyenv(root: Path, shim_ran: Path) -> None:
    for version, minor in (("3.11.2", "3.11"), ("2.7.18", "2.7")):
        bindir = root / "versions" / version / "bin"
        fake_python(bindir / f"python{minor}", version=version)
        (bindir / f"python{minor[0]}").symlink_to(f"python{minor}")
        (bindir / "python").symlink_to(f"python{minor}")
    shim = f"#!/bin/sh\necho \"$0\" >> '{shim_ran}'\nexit 127\n"
    for name in ("python", "python2", "python2.7", "python3", "python3.11", "pip"):
        script(root / "shims" / name, shim)
    (root / "version").write_text("3.11.2\n")


def test_pyenv_versions_and_shims_never_run(tmp_path: Path, context) -> None:
    root = tmp_path / "pyenv"
    shim_ran = tmp_path / "shim-ran"
    _fake_pyenv(root, shim_ran)
    ctx = context(path=[root / "shims"], PYENV_ROOT=str(root))
    result = discover(ctx, sources=["path", "pyenv"]).result
    assert result.failures == ()
    summary = {(i.version, i.path.name): i.sources for i in result.interpreters}
    # The active version (3.11.2) is reachable from PATH through its shims; 2.7 is not.
    assert summary == {("2.7.18", "python"): ("pyenv",), ("3.11.2", "python"): ("path", "pyenv")}
    assert not shim_ran.exists()


BOTH = ("path", "pyenv")


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"PYENV_VERSION": "2.7.18"}, {"2.7.18": BOTH, "3.11.2": ("pyenv",)}),
        ({"PYENV_VERSION": "system"}, {"2.7.18": ("pyenv",), "3.11.2": ("pyenv",)}),
        ({"PYENV_VERSION": "3.11.2:2.7.18"}, {"2.7.18": BOTH, "3.11.2": BOTH}),
        ({".python-version": "# comment\n2.7\n"}, {"2.7.18": BOTH, "3.11.2": ("pyenv",)}),
        ({".python-version": "3.99.0\n"}, {"2.7.18": ("pyenv",), "3.11.2": ("pyenv",)}),
    ],
)  # fmt: skip
def test_pyenv_shims_resolve_like_pyenv(
    tmp_path: Path, context, how: Dict[str, str], expected: Dict[str, Tuple[str, ...]]
) -> None:
    root = tmp_path / "pyenv"
    shim_ran = tmp_path / "shim-ran"
    _fake_pyenv(root, shim_ran)
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    env = {k: v for k, v in how.items() if not k.startswith(".")}
    if ".python-version" in how:
        (project.parent / ".python-version").write_text(how[".python-version"])
    ctx = context(path=[root / "shims"], cwd=project, PYENV_ROOT=str(root), **env)
    result = discover(ctx, sources=["path", "pyenv"]).result
    assert {i.version: i.sources for i in result.interpreters} == expected
    assert not shim_ran.exists()


def test_asdf_installs_and_shims(tmp_path: Path, context) -> None:
    root = tmp_path / "asdf"
    installs = root / "installs" / "python"
    fake_python(installs / "3.10.4" / "bin" / "python3.10", version="3.10.4")
    (installs / "3.10.4" / "bin" / "python").symlink_to("python3.10")
    fake_python(installs / "3.12.0" / "bin" / "python3.12", version="3.12.0")
    shim_ran = tmp_path / "shim-ran"
    script(root / "shims" / "python", f"#!/bin/sh\ntouch '{shim_ran}'\nexit 127\n")
    script(root / "shims" / "python3.12", f"#!/bin/sh\ntouch '{shim_ran}'\nexit 127\n")
    (tmp_path / ".tool-versions").write_text("nodejs 20.1.0\npython 3.10.4 3.12.0\n")
    ctx = context(path=[root / "shims"], ASDF_DATA_DIR=str(root))
    result = discover(ctx, sources=["path", "asdf"]).result
    assert {i.version: i.sources for i in result.interpreters} == {
        "3.10.4": ("path", "asdf"),
        "3.12.0": ("path", "asdf"),
    }
    assert not shim_ran.exists()


def test_mise_installs_and_symlink_shims(tmp_path: Path, context) -> None:
    root = tmp_path / "mise"
    installs = root / "installs" / "python"
    real = fake_python(installs / "3.12.3" / "bin" / "python3.12", version="3.12.3")
    (installs / "3.12").symlink_to("3.12.3")  # mise's partial-version links
    mise = script(tmp_path / "tools" / "mise", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    (root / "shims").mkdir()
    (root / "shims" / "python").symlink_to(mise)
    ctx = context(path=[root / "shims"], MISE_DATA_DIR=str(root))
    result = discover(ctx, sources=["path", "mise"]).result
    (interpreter,) = result.interpreters
    assert interpreter.path == real  # not the one behind mise's link
    assert interpreter.aliases == (installs / "3.12" / "bin" / "python3.12",)
    assert interpreter.sources == ("mise",)
    assert not (tmp_path / "ran").exists()


def test_unknown_shims_are_skipped(tmp_path: Path, context) -> None:
    script(tmp_path / "shims" / "python", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    assert discover(context(path=[tmp_path / "shims"]), sources=["path"]).result.interpreters == ()
    assert not (tmp_path / "ran").exists()


def test_explicit_inactive_shim_is_not_run(tmp_path: Path, context) -> None:
    root = tmp_path / "pyenv"
    _fake_pyenv(root, tmp_path / "shim-ran")
    (root / "version").write_text("system\n")
    ctx = context(PYENV_ROOT=str(root))
    result = discover(ctx, sources=[], extra_paths=[root / "shims" / "python3"]).result
    assert [(f.path, f.reason) for f in result.failures] == [
        (root / "shims" / "python3", "a pyenv shim that is not active here (shims are never run)")
    ]
    assert not (tmp_path / "shim-ran").exists()
