"""``--python`` as a command or a version, and a running interpreter without pip (uv tools).

``PATH`` is the test's own directory of links, so what "python3" or "3.12" must resolve to is
known from the links the test made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import _pipenvs
import pytest
from _cachetree import build_cache
from cli._cli_helpers import cli_json
from conftest import venv_or_fail

import pipcache_ext
import pipcache_ext._discovery
from pipcache_ext import Interpreter, InterpreterError, PipCache
from pipcache_ext.models import DiscoveryResult

REPO = Path(__file__).resolve().parent.parent.parent


def _pyenv(minor: str) -> Path:
    try:
        return _pipenvs.pyenv_python(minor)
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(str(exc))
        pytest.skip(f"MISSING-PYTHON: {exc}")


def _bin(tmp_path: Path, links: Dict[str, Path]) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, target in links.items():
        (bin_dir / name).symlink_to(target)
    return bin_dir


@pytest.mark.realpip
def test_a_command_and_versions_resolve(
    tmp_path: Path,
    isolated_env: Dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    newest = venv_or_fail("26.3", "3.12") / "bin"  # a venv's python3 is its own only there
    py312, py27 = _pyenv("3.12"), _pyenv("2.7")
    bin_dir = _bin(tmp_path, {"python3.12": py312, "python2.7": py27})
    monkeypatch.setenv("PATH", os.pathsep.join(map(str, (newest, bin_dir, "/usr/bin", "/bin"))))
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ)

    found = PipCache("python3", env=env).interpreter
    assert found.pip_version == "26.3"  # the venv python3 leads to
    assert found.executable.parent == newest
    for request, target, version in (("3.12", py312, "3.12."), ("2.7", py27, "2.7.")):
        interpreter = PipCache(request, env=env).interpreter
        assert interpreter.version.startswith(version), request
        assert os.path.realpath(interpreter.executable) == os.path.realpath(target), request
    document = cli_json(capsys, "dir", "--python", "3.12", "--python", "python3")
    versions = [entry["interpreter"]["version"] for entry in document["results"]]
    assert [v.rsplit(".", 1)[0] for v in versions] == ["3.12", "3.12"]
    assert document["results"][1]["interpreter"]["pip_version"] == "26.3"

    with pytest.raises(InterpreterError, match="no command of that name on PATH"):
        PipCache("no-such-python", env=env).interpreter  # noqa: B018
    with pytest.raises(InterpreterError, match="found no Python 9000"):  # pythonX.Y: a version
        PipCache("python9000", env=env).interpreter  # noqa: B018
    with pytest.raises(InterpreterError, match="found no Python 3.99"):
        PipCache("3.99", env=env).interpreter  # noqa: B018


def _fake(path: str, version: str) -> Interpreter:
    return Interpreter(
        Path(path), Path(path), version, "cpython", Path(path).parent, Path(path).parent,
        is_venv=False, pip_version="26.3",
    )  # fmt: skip


def test_an_ambiguous_version_names_the_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    found = (_fake("/a/python3.12", "3.12.1"), _fake("/b/python3.12", "3.12.1"),
             _fake("/c/python3.11", "3.11.9"))  # fmt: skip
    monkeypatch.setattr(
        pipcache_ext._discovery, "run_discovery", lambda **_: DiscoveryResult(found, (), ())
    )
    with pytest.raises(InterpreterError, match="ambiguous") as info:
        PipCache("3.12").interpreter  # noqa: B018
    assert "/a/python3.12" in str(info.value)
    assert "/b/python3.12" in str(info.value)
    assert "/c/python3.11" not in str(info.value)
    assert PipCache("3.11").interpreter is found[2]  # one match: no question


# -- a running interpreter without pip --------------------------------------------------------


def _package_path(tmp_path: Path) -> Path:
    """This package and ``packaging`` on a path of their own: no pip comes with them."""
    root = tmp_path / "pythonpath"
    root.mkdir()
    (root / "pipcache_ext").symlink_to(REPO / "pipcache_ext")
    import packaging

    (root / "packaging").symlink_to(Path(packaging.__file__).parent)
    return root


def _run(host: Path, env: Dict[str, str], *argv: str) -> Tuple[int, str, str]:
    done = subprocess.run(
        [str(host), "-m", "pipcache_ext", *argv],
        env=env, capture_output=True, text=True, timeout=300, check=False, cwd="/",
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.mark.realpip
def test_a_host_without_pip_falls_back_and_says_so(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    host = venv_or_fail(None, "3.12") / "bin" / "python"
    newest = venv_or_fail("26.3", "3.12") / "bin" / "python"
    active = venv_or_fail("23.2.1", "3.11")
    cache = build_cache(tmp_path / "cache")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    base = {
        **isolated_env,
        "PYTHONPATH": str(_package_path(tmp_path)),
        "PIP_CACHE_DIR": str(cache.cache_dir),
    }
    assert subprocess.run([host, "-c", "import pip"], env=base, check=False).returncode == 1

    on_path = {**base, "PATH": str(newest.parent)}
    code, out, err = _run(host, on_path, "dir")
    assert (code, out) == (0, f"{cache.cache_dir.resolve()}\n")
    assert f"{host} has no pip; using" in err
    assert "pip 26.3" in err
    code, out, _err = _run(host, on_path, "--json", "info")
    (entry,) = json.loads(out)["results"]
    assert entry["fallback_from"] == str(host)
    assert entry["interpreter"]["pip_version"] == "26.3"
    assert entry["info"]["wheel_count"] == cache.wheel_count

    code, out, err = _run(host, {**on_path, "VIRTUAL_ENV": str(active)}, "--json", "dir")
    (entry,) = json.loads(out)["results"]
    assert entry["interpreter"]["pip_version"] == "23.2.1"  # the active venv comes first
    assert entry["fallback_from"] == str(host)


@pytest.mark.realpip
def test_no_pip_anywhere_answers_by_the_rules(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    host = venv_or_fail(None, "3.12") / "bin" / "python"
    cache = build_cache(tmp_path / "cache")
    canary = tmp_path / "canary.whl"
    canary.write_bytes(b"keep")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {
        **isolated_env,
        "PYTHONPATH": str(_package_path(tmp_path)),
        "PIP_CACHE_DIR": str(cache.cache_dir),
        "PATH": str(empty),
    }
    code, out, err = _run(host, env, "dir")
    assert (code, out) == (0, f"{cache.cache_dir.resolve()}\n")
    assert "no other interpreter with pip was found" in err
    code, out, _err = _run(host, env, "--json", "info")
    (entry,) = json.loads(out)["results"]
    assert entry["location"]["answered_by"] == "rules"
    assert entry["location"]["variable"] == "PIP_CACHE_DIR"
    assert entry["info"]["wheel_count"] == cache.wheel_count
    assert entry["info"]["wheels_size"] == cache.wheels_size
    code, _out, err = _run(host, env, "purge", "-y")  # pip's rules are not enough to delete
    assert code == 1
    assert "--cache-dir" in err
    assert all(p.exists() for p in cache.wheel_paths)
    code, _out, err = _run(host, env, "purge", "-y", "--cache-dir", str(cache.cache_dir))
    assert code == 0, err
    assert not any(p.exists() for p in cache.wheel_paths)
    assert canary.exists()


def test_resolution_keeps_paths_and_venv_dirs(tmp_path: Path) -> None:
    from pipcache_ext._api_location import resolve_request

    venv_like = tmp_path / "venv"
    venv_like.mkdir()
    names: List[str] = [str(venv_like), "./python3", "~/python3", os.fspath(sys.executable)]
    for name in names:
        assert resolve_request(name, {}, 10.0) == name
    assert pipcache_ext.PipCache(sys.executable).interpreter.executable == Path(sys.executable)
