"""The discovery pipeline: its public surface, bad candidates, extra paths, pip's cache dir."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Dict, List

import pytest
from _discovery_fakes import (
    Recorder,
    fake_python,
    make_venv,
    probes,
    script,
)

import pipcache_ext
from pipcache_ext import Interpreter, discover_interpreters
from pipcache_ext._discovery import context as discovery_context
from pipcache_ext._discovery import discover

pytest_plugins = ["_discovery_fixtures"]


def test_exported() -> None:
    for name in ("discover_interpreters", "run_discovery", "DiscoveryResult", "DiscoveryFailure"):
        assert name in pipcache_ext.__all__
        assert hasattr(pipcache_ext, name)


def test_unknown_source_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown discovery source\(s\) 'pyenvv'.*pyenv, asdf"):
        discover_interpreters(sources=["path", "pyenvv"])


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        discover_interpreters(timeout=0)


def test_interpreter_gains_sources_and_aliases_at_the_end() -> None:
    fields = [f.name for f in Interpreter.__dataclass_fields__.values()]
    assert fields[-2:] == ["sources", "aliases"]
    assert fields[:9] == [
        "path", "executable", "version", "implementation", "prefix", "base_prefix", "is_venv",
        "pip_version", "pip_location",
    ]  # fmt: skip


def test_public_function_with_extra_paths_only(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    python = fake_python(tmp_path / "x" / "bin" / "python3")
    env = {**isolated_env, "PATH": ""}
    interpreters = discover_interpreters(sources=[], extra_paths=[python], env=env)
    assert [(i.path, i.sources, i.version) for i in interpreters] == [
        (python, ("explicit",), "3.11.7")
    ]
    # A single name is accepted as well as a list of them.
    assert discover_interpreters(sources="path", env=env) == []


def test_sorted_by_implementation_version_and_path(tmp_path: Path, context) -> None:
    fake_python(tmp_path / "a" / "bin" / "python3.10", version="3.10.0")
    fake_python(tmp_path / "b" / "bin" / "python3.9", version="3.9.1")
    fake_python(tmp_path / "c" / "bin" / "pypy3", version="3.9.0", implementation="pypy")
    fake_python(tmp_path / "d" / "bin" / "python2", version="2.7.18")
    ctx = context(path=[tmp_path / d / "bin" for d in "dcba"])
    result = discover(ctx, sources=["path"]).result
    assert [(i.implementation, i.version) for i in result.interpreters] == [
        ("cpython", "2.7.18"), ("cpython", "3.9.1"), ("cpython", "3.10.0"), ("pypy", "3.9.0")
    ]  # fmt: skip


def test_bad_candidates_are_reported_and_do_not_stop_discovery(
    tmp_path: Path, context, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = fake_python(tmp_path / "good" / "python3")
    bad = tmp_path / "bad"
    bad.mkdir()
    pidfile = tmp_path / "pid"
    script(bad / "python3.1", f"#!/bin/sh\necho $$ > '{pidfile}'\nexec /bin/sleep 60\n")
    script(bad / "python3.2", "#!/bin/sh\necho 'hello, I am not Python'\n")
    script(bad / "python3.3", "#!/bin/sh\necho 'python3.3: not found' >&2\nexit 127\n")
    (bad / "python3.4").symlink_to(tmp_path / "gone")
    (bad / "python3.5").write_text("#!/bin/sh\n")  # not executable
    locked = tmp_path / "locked"
    fake_python(locked / "python3")
    locked.chmod(0)
    real_scandir = discovery_context.scandir_names

    def scandir(directory: Path) -> List[str]:
        if directory == locked:  # root can list any directory: fail as a user would
            raise PermissionError(13, "Permission denied", str(directory))
        return real_scandir(directory)

    monkeypatch.setattr(discovery_context, "scandir_names", scandir)
    missing = tmp_path / "no-such-dir"
    ctx = context(path=[missing, locked, bad, good.parent], timeout=1)
    started = time.monotonic()
    try:
        result = discover(ctx, sources=["path"]).result
    finally:
        locked.chmod(0o755)
    assert time.monotonic() - started < 15
    assert [i.path for i in result.interpreters] == [good]
    reasons = {failure.path: failure.reason for failure in result.failures}
    assert set(reasons) == {locked, *(bad / f"python3.{n}" for n in range(1, 6))}
    assert re.search(r"did not finish within 1 s and was killed", reasons[bad / "python3.1"])
    assert "does not answer like Python; it said: hello" in reasons[bad / "python3.2"]
    assert "exited with code 127 and said: python3.3: not found" in reasons[bad / "python3.3"]
    assert f"a dangling symlink (to {tmp_path / 'gone'})" in reasons[bad / "python3.4"]
    assert reasons[bad / "python3.5"] == "not executable"
    assert reasons[locked] == "cannot list this PATH directory: Permission denied"
    assert all(failure.sources == ("path",) for failure in result.failures)
    with pytest.raises(ProcessLookupError):  # the hanging one was killed
        os.kill(int(pidfile.read_text()), 0)


def test_extra_paths(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    venv_python = make_venv(tmp_path / "venv", base)
    (tmp_path / "empty").mkdir()
    ctx = context(cwd=tmp_path)
    result = discover(
        ctx,
        sources=[],
        extra_paths=["venv", base, tmp_path / "empty", tmp_path / "missing" / "python"],
    ).result
    assert sorted(i.path for i in result.interpreters) == sorted([base, venv_python])
    assert all(i.sources == ("explicit",) for i in result.interpreters)
    reasons = {f.path: f.reason for f in result.failures}
    assert reasons[tmp_path / "empty"].startswith("a directory with no interpreter in it")
    assert reasons[tmp_path / "missing" / "python"] == ("cannot be read: No such file or directory")


def test_pip_cache_dir_answer_is_kept_per_interpreter(tmp_path: Path, context) -> None:
    with_pip = fake_python(tmp_path / "a" / "python3", cache_dir="/somewhere/pip")
    without = fake_python(tmp_path / "b" / "python3", pip=None)
    ctx = context(path=[with_pip.parent, without.parent])
    assert discover(ctx, sources=["path"]).pip_cache == {}  # not asked: the fast probe
    discovered = discover(ctx, sources=["path"], pip_cache=True)
    answers = {i.path: a for i, a in discovered.pip_cache.items()}
    assert answers[with_pip].state == "ok"
    assert answers[with_pip].cache_dir == Path("/somewhere/pip")
    assert answers[without].state == "no-pip"


def test_the_cache_dir_question_is_asked_only_when_wanted(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    recorder = Recorder()
    ctx = context(path=[python.parent], runner=recorder)
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"], pip_cache=True)  # the stored answer lacks it: asked now
    discover(ctx, sources=["path"])  # the complete answer serves a plain discovery
    discover(ctx, sources=["path"], pip_cache=True)
    assert [call[4:] for call in recorder.calls] == [(), ("--pip-cache-dir",)]
    nonces = [call[3] for call in recorder.calls]  # a fresh nonce for each run
    assert len(set(nonces)) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)
    assert len(probes(counter)) == 2


def test_extra_paths_that_cannot_be_looked_at_are_failures(tmp_path: Path, context) -> None:
    odd = f"{tmp_path}/py\0thon"
    result = discover(context(cwd=tmp_path), sources=[], extra_paths=[odd, "~nosuchuser/x"]).result
    assert result.interpreters == ()
    reasons = {os.fspath(f.path): f.reason for f in result.failures}
    assert reasons[odd] == "cannot be read: embedded null byte"
    assert reasons["~nosuchuser/x"].startswith("cannot be read: ")
    assert all(f.sources == ("explicit",) for f in result.failures)
