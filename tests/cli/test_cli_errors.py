"""Failures and exit codes: one line per failure, partial results, internal errors, Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import pytest
from _cachetree import Manifest, build_cache, files_under
from _cli_helpers import NEWEST, cli, cli_json, fake_python, no_traceback
from conftest import venv_or_fail
from pytest_mock import MockerFixture

from pipcache_ext import PipCache
from pipcache_ext.__main__ import main

pytest_plugins = ["_cli_fixtures"]


def test_all_with_a_failing_pip_is_partial(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = fake_python(
        tmp_path / "broken" / "bin", None, pip_action="echo 'ERROR: it broke' >&2; exit 2"
    )
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{broken.parent}")
    run = cli(capsys, "dir", "--all")
    assert run.code == 3
    (line,) = run.err.splitlines()
    assert line.startswith(f"pipcache-ext: error: 'pip cache dir' failed for {broken}")
    assert line.endswith("(run with -v to see what pip printed)")
    document = cli_json(capsys, "purge", "--all", "--dry-run", "--backend", "native")
    assert document["exit_code"] == 3
    failed = [e for e in document["results"] if e["error"] is not None]
    assert [(e["cache_dir"], e["removal"], e["error"]["type"]) for e in failed] == [
        (None, None, "PipCommandError")
    ]
    assert failed[0]["error"]["interpreter"] == str(broken)


def _garbage(tmp_path: Path) -> Path:
    return fake_python(tmp_path / "garbage", None, pip_action="echo 'Something unexpected'")


@pytest.mark.realpip
@pytest.mark.parametrize(
    ("kind", "argv", "message"),
    [
        ("InterpreterError", ["dir", "--python", "{tmp}/nope/python"], "no such interpreter"),
        ("PipNotFoundError", ["info", "--python", "{nopip}"], "has no pip"),
        ("CacheDisabledError", ["info", "--python", "{newest}"], "disabled"),
        ("PipCommandError", ["info", "--python", "{newest}"], "not an ini file"),
        (
            "UnsupportedPipError",
            ["info", "--backend", "pip", "--python", "{old}"],
            "--backend native",
        ),
        ("ParseError", ["dir", "--python", "{garbage}"], "Something unexpected"),
    ],
)
def test_each_failure_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    argv: List[str],
    message: str,
) -> None:
    places = {"tmp": str(tmp_path), "garbage": ""}
    if "{nopip}" in argv:
        places["nopip"] = str(venv_or_fail(None, "3.12"))
    if "{newest}" in argv:
        places["newest"] = str(venv_or_fail(NEWEST, "3.12"))
    if "{old}" in argv:
        places["old"] = str(venv_or_fail("20.0.2", "3.11"))
    if "{garbage}" in argv:
        places["garbage"] = str(_garbage(tmp_path))
    if kind == "CacheDisabledError":
        monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    if kind == "PipCommandError":
        config = tmp_path / "pip.conf"
        config.write_text("this is [not an ini file\n")
        monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    argv = [arg.format(**places) for arg in argv]
    interpreter = argv[argv.index("--python") + 1]

    run = cli(capsys, *argv)
    assert run.code == 1
    assert run.out == ""
    (line,) = run.err.splitlines()
    assert line.startswith("pipcache-ext: error: ")
    assert interpreter in line
    assert message in line
    no_traceback(run.err)

    document = cli_json(capsys, *argv)
    (entry,) = document["results"]
    assert entry["error"]["type"] == kind
    assert entry["error"]["interpreter"] == interpreter
    assert message in entry["error"]["message"]

    verbose = cli(capsys, "-v", *argv)
    assert verbose.code == 1
    assert "Traceback (most recent call last)" in verbose.err
    assert f"pipcache_ext.errors.{kind}" in verbose.err


def test_an_unexpected_error_is_one_line_without_v(
    capsys: pytest.CaptureFixture[str], cache: Manifest, mocker: MockerFixture
) -> None:
    mocker.patch.object(PipCache, "dir", side_effect=RuntimeError("a bug"))
    run = cli(capsys, "dir")
    assert run.code == 1
    assert run.err == (
        "pipcache-ext: internal error: RuntimeError: a bug (run with -v for the traceback)\n"
    )
    verbose = cli(capsys, "dir", "-v")
    assert "Traceback (most recent call last)" in verbose.err
    document = cli_json(capsys, "dir")
    assert document["error"] == {
        "type": "InternalError",
        "message": "RuntimeError: a bug",
        "interpreter": None,
    }


def test_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], cache: Manifest, mocker: MockerFixture
) -> None:
    mocker.patch.object(PipCache, "dir", side_effect=KeyboardInterrupt)
    assert cli(capsys, "dir").code == 130


def test_discovery_finding_nothing_fails(
    capsys: pytest.CaptureFixture[str],
    discovery: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for argv in (["dir", "--all"], ["interpreters"], ["survey"]):
        run = cli(capsys, *argv)
        assert run.code == 1, argv
        assert "no Python interpreter" in run.err or "no interpreter" in run.err


def test_one_unusable_python_among_several_is_partial(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shared = build_cache(tmp_path / "cache")
    first = fake_python(tmp_path / "a" / "bin", shared.cache_dir)
    last = fake_python(tmp_path / "b" / "bin", shared.cache_dir)
    # looking at it fails with ENAMETOOLONG: an OSError, as EACCES from an unreadable parent is
    unusable = tmp_path / ("x" * 300) / "python"
    before = files_under(shared.cache_dir)
    args = ["--backend", "native", "--python", first, "--python", unusable, "--python", last]
    for verb in (["dir"], ["info"], ["list"], ["purge", "--dry-run"], ["survey"]):
        run = cli(capsys, *verb, *args)
        assert run.code == 3, (verb, run.err)
        no_traceback(run.err)
        (line,) = run.err.splitlines()
        assert line.startswith("pipcache-ext: error: ")
        assert str(unusable) in line
        document = cli_json(capsys, *verb, *args)
        (failed,) = [e for e in document["results"] if e["error"] is not None]
        assert failed["error"]["type"] == "InterpreterError"
        assert failed["error"]["interpreter"] == str(unusable)
        answered = [e for e in document["results"] if e["error"] is None]
        users = [i["path"] for e in answered for i in e.get("interpreters", [e.get("interpreter")])]
        assert sorted(users) == sorted([str(first), str(last)]), verb
    assert files_under(shared.cache_dir) == before


def test_an_os_error_in_one_interpreters_action_is_its_own_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = fake_python(tmp_path / "good" / "bin", build_cache(tmp_path / "cache-a").cache_dir)
    bad_cache = build_cache(tmp_path / "cache-b").cache_dir
    bad = fake_python(tmp_path / "bad" / "bin", bad_cache)
    real_info = PipCache.info

    def info(self: PipCache) -> Any:
        if self.interpreter.path == bad:
            raise PermissionError(13, "Permission denied", str(bad_cache / "wheels"))
        return real_info(self)

    monkeypatch.setattr(PipCache, "info", info)
    args = ["info", "--backend", "native", "--python", good, "--python", bad]
    run = cli(capsys, *args)
    assert run.code == 3
    assert run.err == (
        f"pipcache-ext: error: {bad}: [Errno 13] Permission denied: '{bad_cache / 'wheels'}'\n"
    )
    ok, failed = cli_json(capsys, *args)["results"]
    assert ok["info"]["cache_dir"] == str(tmp_path / "cache-a")
    assert failed["interpreter"]["path"] == str(bad)
    assert failed["error"]["interpreter"] == str(bad)
    assert "Permission denied" in failed["error"]["message"]


def test_a_failed_pip_run_shows_pips_own_last_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = build_cache(tmp_path / "cache")
    wheels = manifest.cache_dir / "wheels"
    crash = (
        "ERROR: Exception:\\nTraceback (most recent call last):\\n"
        '  File "pip/_internal/commands/cache.py", line 1, in purge\\n'
        f"PermissionError: [Errno 13] Permission denied: '{wheels}'\\n"
    )
    python = fake_python(
        tmp_path / "bin",
        manifest.cache_dir,
        pip_action=(
            f'case "$*" in *purge*) printf "{crash}" >&2; exit 2 ;;'
            f" *) echo '{manifest.cache_dir}' ;; esac"
        ),
    )
    before = files_under(manifest.cache_dir)
    run = cli(capsys, "purge", "--backend", "pip", "--python", python)
    assert run.code == 1
    (line,) = run.err.splitlines()
    assert f"pip said: PermissionError: [Errno 13] Permission denied: '{wheels}'" in line
    assert line.endswith("(run with -v to see what pip printed)")
    (entry,) = cli_json(capsys, "purge", "--backend", "pip", "--python", python)["results"]
    # pip crashed part-way through a purge: it may have deleted files, and the error says so
    assert entry["error"]["type"] == "DeletionUnconfirmedError"
    assert "may have deleted files" in entry["error"]["message"]
    assert "pip said: PermissionError: [Errno 13] Permission denied" in entry["error"]["message"]
    assert files_under(manifest.cache_dir) == before


def _as_nobody(argv: List[str], out: Path, err: Path) -> int:
    """``main(argv)`` in a forked child switched to uid/gid 65534; stdout, stderr to files."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            with out.open("w") as stdout, err.open("w") as stderr:
                sys.stdout, sys.stderr = stdout, stderr
                code = main(argv)
        finally:
            os._exit(code)
    status = os.waitpid(pid, 0)[1]
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root, to run the command as an unprivileged user (root reads any directory)",
)
def test_a_python_under_an_unreadable_directory_is_one_failure_among_several(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = Path(tempfile.mkdtemp(prefix="pipcache-ext-nobody-"))
    try:
        shared.chmod(0o777)  # the unprivileged user reads the fakes and writes its output here
        monkeypatch.setenv("XDG_CACHE_HOME", str(shared / "xdg"))
        cache = build_cache(shared / "cache").cache_dir
        first = fake_python(shared / "a" / "bin", cache)
        last = fake_python(shared / "b" / "bin", cache)
        for path in (shared / "a", shared / "a" / "bin", shared / "b", shared / "b" / "bin"):
            path.chmod(0o755)
        locked = shared / "locked"
        fake_python(locked / "bin", cache)
        locked.chmod(0)  # root's, unreadable for everyone else: stat() of what is under it fails
        hidden = locked / "bin" / "python"
        out, err = shared / "out.json", shared / "err.txt"
        pythons = ["--python", str(first), "--python", str(hidden), "--python", str(last)]
        for verb in (["dir"], ["info"], ["purge", "--dry-run"]):
            code = _as_nobody(["--json", *verb, "--backend", "native", *pythons], out, err)
            document = json.loads(out.read_text())
            assert (code, document["exit_code"]) == (3, 3), verb
            (line,) = err.read_text().splitlines()
            assert line.startswith(f"pipcache-ext: error: {hidden}")
            (failed,) = [e for e in document["results"] if e["error"] is not None]
            assert failed["error"]["type"] == "InterpreterError"
            assert failed["error"]["interpreter"] == str(hidden)
            answered = [e for e in document["results"] if e["error"] is None]
            assert answered, verb
            assert all(
                cache == Path(e.get("cache_dir") or e["info"]["cache_dir"]) for e in answered
            )
    finally:
        (shared / "locked").chmod(0o755)
        shutil.rmtree(shared)
