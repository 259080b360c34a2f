"""Running pip: its answer read between markers whatever site hooks print, and its failures."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

import _pipenvs
import pytest
from conftest import venv_or_fail, write_script

from pipcache_ext import _pipcmd
from pipcache_ext._pipcmd import between_markers, last_error_line, pip_command, run_pip
from pipcache_ext._runner import Completed, run
from pipcache_ext._scripts import PIP_BEGIN_MARKER, PIP_END_MARKER, PIP_MARKER_ENV
from pipcache_ext.errors import (
    CacheDisabledError,
    InterpreterError,
    ParseError,
    PipCommandError,
    Remedy,
    UnsupportedPipError,
)
from pipcache_ext.models import Interpreter

# A site hook that prints at start (with and without a newline) and a path at exit; with
# HOOK=forge it also reads the nonce meant for the bootstrap and forges a marked answer, and
# with HOOK=unlink every file deletion fails as it would on a read-only filesystem.
SITECUSTOMIZE = r"""
import atexit, errno, os, sys
sys.stdout.write("hello\n")
sys.stdout.write("no newline at start")
def _bye():
    sys.stdout.write("\n/bogus/from/atexit\n")
    sys.stdout.flush()
atexit.register(_bye)
if os.environ.get("HOOK") == "forge":
    nonce = os.environ.get("PIPCACHE_EXT_PIP_NONCE", "")
    sys.stdout.write("\nPIPCACHE_EXT_PIP_BEGIN:" + nonce + "\n/forged\n")
    sys.stdout.write("\nPIPCACHE_EXT_PIP_END:" + nonce + "\n")
if os.environ.get("HOOK") == "unlink":
    def _refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", path)
    os.unlink = os.remove = _refuse
"""

# The pips of the issue: the oldest with `pip cache`, and the newest.
PIPS = [("20.1", "3.8"), ("26.3", "3.12")]


class Hooked:
    """A private copy of a cached venv with :data:`SITECUSTOMIZE` in its site-packages."""

    def __init__(self, venv: Path, pip: str, minor: str) -> None:
        self.venv = venv
        self.pip = pip
        self.python = venv / "bin" / "python"
        self.version = tuple(int(x) for x in minor.split("."))

    def interpreter(self) -> Interpreter:
        return Interpreter(
            path=self.venv,
            executable=self.python,
            version=".".join(map(str, self.version)) + ".0",
            implementation="cpython",
            prefix=self.venv,
            base_prefix=self.venv,
            is_venv=True,
            pip_version=self.pip,
        )


@pytest.fixture(scope="module", params=PIPS, ids=[pip for pip, _ in PIPS])
def hooked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Hooked:
    pip, minor = request.param
    cached = venv_or_fail(pip, minor)
    # Never the shared cached venv itself: other tests (and sessions) use it at the same time.
    venv = tmp_path_factory.mktemp(f"hooked-{pip}") / "venv"
    shutil.copytree(cached, venv, symlinks=True)
    (venv / "lib" / f"python{minor}" / "site-packages" / "sitecustomize.py").write_text(
        SITECUSTOMIZE
    )
    return Hooked(venv, pip, minor)


class Raw:
    """A runner that runs for real and keeps each raw result and environment."""

    def __init__(self) -> None:
        self.results: List[Completed] = []
        self.envs: List[Mapping[str, str]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.envs.append(env)
        self.results.append(run(argv, env, timeout))
        return self.results[-1]


def _cache_dir_env(isolated_env: Dict[str, str], cache: Path, **extra: str) -> Dict[str, str]:
    return {**isolated_env, "PIP_CACHE_DIR": str(cache), **extra}


# -- real pips with site hooks that print --------------------------------------------------------


@pytest.mark.realpip
def test_cache_dir_is_pips_answer_whatever_site_hooks_print(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    cache = tmp_path.resolve() / "the cache"
    raw = Raw()
    completed = run_pip(
        hooked.python,
        ["cache", "dir"],
        python_version=hooked.version,
        env=_cache_dir_env(isolated_env, cache),
        runner=raw,
    )
    assert completed.returncode == 0
    assert completed.stdout == f"{cache}\n"
    # The hook really printed, before and after pip's answer.
    (before, after) = raw.results[0].stdout.split(f"{cache}\n")
    assert before.startswith("hello\nno newline at start\n")
    assert after.endswith("\n/bogus/from/atexit\n")
    assert raw.results[0].stdout.splitlines()[-1] == "/bogus/from/atexit"


ODD_NAMES = {
    "newline": "two\nlines",
    "trailing-newline": "ends with a newline\n",
    "spaces": "  many   spaces  ",
    "quotes": "q'\"`$HOME",
    "non-ascii": "caf\u00e9-\u2713",
    "undecodable": "bad\udcffbyte",  # the byte 0xff, as os.fsdecode gives it
    "escape": "\x1b[31mred",
    "long": "x" * 150 + " y " + "z" * 90,
}


@pytest.mark.realpip
@pytest.mark.parametrize("name", list(ODD_NAMES.values()), ids=list(ODD_NAMES))
def test_an_odd_cache_path_round_trips(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path, name: str
) -> None:
    cache = tmp_path.resolve() / name
    cache.mkdir()
    completed = run_pip(
        hooked.python,
        ["cache", "dir"],
        python_version=hooked.version,
        env=_cache_dir_env(isolated_env, cache),
    )
    assert completed.stdout == f"{cache}\n"
    # What parse_dir should take: the whole marked text minus the one newline pip adds.
    assert Path(completed.stdout[: -len("\n")]) == cache
    assert Path(completed.stdout[: -len("\n")]).is_dir()


@pytest.mark.realpip
def test_a_hook_that_forges_markers_is_a_parse_error(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    env = _cache_dir_env(isolated_env, tmp_path / "cache", HOOK="forge")
    with pytest.raises(ParseError, match="markers missing or repeated") as info:
        pip_command(hooked.interpreter(), ["cache", "dir"], env=env)
    assert "/forged" in info.value.text
    assert info.value.pip_version == hooked.pip


@pytest.mark.realpip
def test_pip_exiting_with_an_error_still_ends_its_marked_output(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    raw = Raw()
    env = _cache_dir_env(isolated_env, tmp_path / "cache")
    with pytest.raises(PipCommandError) as info:
        pip_command(hooked.interpreter(), ["cache", "frobnicate"], env=env, runner=raw)
    nonce = raw.envs[0][PIP_MARKER_ENV]
    assert between_markers(raw.results[0].stdout, nonce) == ""  # the end marker came (SystemExit)
    assert info.value.returncode == 1
    assert info.value.stdout == ""
    assert "failed for" in str(info.value)
    assert last_error_line(info.value.stderr).startswith("ERROR: Need an action (dir, info, ")


@pytest.mark.realpip
def test_a_crashing_purge_names_the_exception(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    wheel = cache / "wheels" / "ab" / "cd" / "six-1.16.0-py2.py3-none-any.whl"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"wheel")
    env = _cache_dir_env(isolated_env, cache, HOOK="unlink")
    with pytest.raises(PipCommandError) as info:
        pip_command(hooked.interpreter(), ["cache", "purge"], env=env)
    assert "ERROR: Exception:" in info.value.stderr  # pip's own report: only "Exception:"
    line = last_error_line(info.value.stderr)
    assert "Read-only file system" in line, info.value.stderr
    assert wheel.exists()


@pytest.mark.realpip
def test_the_bootstrap_keeps_cwd_but_a_pip_folder_there_cannot_shadow_pip(
    hooked: Hooked, isolated_env: Dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    (work / "pip").mkdir(parents=True)
    (work / "pip" / "__init__.py").write_text("raise SystemExit('shadowed!')\n")
    (work / "pip" / "__main__.py").write_text("raise SystemExit('shadowed!')\n")
    monkeypatch.chdir(work)
    completed = run_pip(
        hooked.python,
        ["cache", "dir"],
        python_version=hooked.version,
        env={**isolated_env, "PIP_CACHE_DIR": "rel/cache"},
    )
    assert completed.stdout == f"{work.resolve() / 'rel' / 'cache'}\n"


@pytest.mark.realpip
def test_the_bootstrap_runs_on_python_2_7(isolated_env: Dict[str, str], tmp_path: Path) -> None:
    try:
        python = _pipenvs.pyenv_python("2.7")
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(f"{exc} (PIPCACHE_EXT_STRICT is set: real-pip tests must run)")
        pytest.skip(f"MISSING-PYTHON: {exc}")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    pip_dir = _pipenvs.pip_on_path("20.3.4")
    cache = tmp_path.resolve() / "two\nlines"
    env = {**isolated_env, "PIP_CACHE_DIR": str(cache), "PYTHONPATH": f"{pip_dir}:{hooks}"}
    completed = run_pip(python, ["cache", "dir"], python_version=(2, 7), env=env)
    assert completed.stdout == f"{cache}\n", completed.stderr


# -- stand-ins that do not run the bootstrap ---------------------------------------------------


def test_no_markers_and_a_polluted_stdout_is_a_parse_error(tmp_path: Path) -> None:
    fake = write_script(tmp_path / "python", "#!/bin/sh\necho hello\necho /bogus/path\n")
    with pytest.raises(ParseError, match="markers missing or repeated"):
        run_pip(fake, ["cache", "dir"], python_version=(3, 12), env={"PATH": "/bin"})
    relaxed = run_pip(
        fake, ["cache", "dir"], python_version=(3, 12), env={"PATH": "/bin"}, require_markers=False
    )
    assert relaxed.stdout == "hello\n/bogus/path\n"


def test_a_failed_run_without_markers_keeps_no_stdout(tmp_path: Path) -> None:
    fake = write_script(
        tmp_path / "python", "#!/bin/sh\necho /bogus\necho 'ERROR: no' >&2\nexit 1\n"
    )
    completed = run_pip(fake, ["cache", "dir"], python_version=(3, 12), env={"PATH": "/bin"})
    assert (completed.returncode, completed.stdout, completed.stderr) == (1, "", "ERROR: no\n")


def test_a_timeout_names_the_command_and_keeps_the_remedy(tmp_path: Path) -> None:
    fake = write_script(tmp_path / "python", "#!/bin/sh\nexec sleep 30\n")
    interpreter = dataclasses.replace(
        Hooked(tmp_path, "26.3", "3.12").interpreter(), executable=fake
    )
    with pytest.raises(InterpreterError) as info:
        pip_command(interpreter, ["cache", "dir"], env={"PATH": "/bin"}, timeout=1)
    assert str(info.value) == (
        f"'pip cache dir' for {tmp_path}: {fake} did not finish within 1 s and was killed;"
        " pass a larger timeout if it is just slow"
    )
    assert info.value.remedy == Remedy("timeout")
    assert info.value.interpreter == tmp_path


# -- pure functions ----------------------------------------------------------------------------

NONCE = "0123456789abcdef"


def _marked(body: str, nonce: str = NONCE) -> str:
    return f"\n{PIP_BEGIN_MARKER}{nonce}\n{body}\n{PIP_END_MARKER}{nonce}\n"


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        (_marked("/a b\n"), "/a b\n"),
        (_marked(""), ""),
        ("hello" + _marked("/x\n") + "/bogus\n", "/x\n"),
        (_marked("two\nlines\n"), "two\nlines\n"),
        (_marked("no newline"), "no newline"),
        (_marked("/x\n", nonce="other"), None),
        (_marked("/x\n") + _marked("/y\n"), None),
        (f"{PIP_BEGIN_MARKER}{NONCE}\n/x\n", None),
        (f"\n{PIP_END_MARKER}{NONCE}\n/x\n{PIP_BEGIN_MARKER}{NONCE}\n", None),
        (f"{PIP_BEGIN_MARKER}{NONCE}{PIP_END_MARKER}{NONCE}", None),
        ("", None),
    ],
)
def test_between_markers(stdout: str, expected: object) -> None:
    assert between_markers(stdout, NONCE) == expected


def test_the_environment_drops_a_stale_nonce_and_keeps_the_cache_settings() -> None:
    env = _pipcmd.pip_environment(
        {PIP_MARKER_ENV: "stale", "PIP_CACHE_DIR": "/c", "PIP_QUIET": "1", "PIP_PYTHON": "/p"},
        (3, 12),
    )
    assert PIP_MARKER_ENV not in env
    assert "PIP_PYTHON" not in env
    assert (env["PIP_CACHE_DIR"], env["PIP_QUIET"]) == ("/c", "0")


def _interpreter(pip_version: str = "26.3") -> Interpreter:
    where = Path("/envs/x")
    return Interpreter(
        where,
        where / "bin/python",
        "3.12.1",
        "cpython",
        where,
        where,
        is_venv=True,
        pip_version=pip_version,
    )


def _failed(stderr: str, returncode: int = 1) -> Completed:
    return Completed(("python", "-c", "...", "cache", "dir"), returncode, "", stderr)


def test_no_cache_command_is_unsupported_with_the_native_remedy() -> None:
    error = _pipcmd.pip_failure(
        _interpreter("19.3.1"), _failed('ERROR: unknown command "cache"\n'), ("cache", "dir")
    )
    assert isinstance(error, UnsupportedPipError)
    assert str(error) == (
        "pip 19.3.1 of /envs/x has no 'cache' command (it came in pip 20.1); use"
        " backend='native' or 'auto', or upgrade pip"
    )
    assert error.remedy == Remedy("backend-native")
    assert error.problem == "pip 19.3.1 of /envs/x has no 'cache' command (it came in pip 20.1)"


def test_other_failures_keep_their_message() -> None:
    error = _pipcmd.pip_failure(
        _interpreter(), _failed("WARNING: x\nERROR: boom\n", 2), ("cache", "info")
    )
    assert type(error) is PipCommandError
    assert str(error) == "'pip cache info' failed for /envs/x with exit code 2: boom"
    assert (error.returncode, error.remedy) == (2, None)


def test_disabled_and_not_owned_caches() -> None:
    disabled = _pipcmd.pip_failure(
        _interpreter(),
        _failed("ERROR: pip cache commands can not function since cache is disabled.\n"),
        ("cache", "dir"),
    )
    assert isinstance(disabled, CacheDisabledError)
    assert disabled.reason == "configuration"
    assert str(disabled).startswith("pip's cache is disabled for /envs/x by its configuration (")
    owner = (
        "WARNING: The directory '/c' or its parent directory is not owned or is not writable by"
        " the current user. The cache has been disabled.\nERROR: pip cache commands can not"
        " function since cache is disabled.\n"
    )
    not_owned = _pipcmd.pip_failure(_interpreter(), _failed(owner), ("cache", "dir"))
    assert isinstance(not_owned, CacheDisabledError)
    assert (not_owned.reason, not_owned.cache_dir) == ("permissions", Path("/c"))
    assert str(not_owned).startswith("pip disabled the cache of /envs/x: /c or its parent")


def test_a_logging_error_is_a_parse_error_with_the_locale_remedy() -> None:
    completed = Completed(("python",), 0, "", "--- Logging error ---\nUnicodeEncodeError\n")
    error = _pipcmd.logging_error(_interpreter(), completed, "'pip cache list'")
    assert isinstance(error, ParseError)
    assert str(error) == (
        "'pip cache list' for /envs/x could not print its output (a logging error, usually an"
        " undecodable path under a non-UTF-8 locale); set LANG=C.UTF-8"
    )
    assert error.remedy == Remedy("utf8-locale")
    assert _pipcmd.logging_error(_interpreter(), _failed(""), "x") is None


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        ("", ""),
        ("WARNING: a\nERROR: first\nERROR: second\n\n", "ERROR: second"),
        (
            (
                'ERROR: Exception:\nTraceback (most recent call last):\n  File "x", line 1\n'
                "OSError: [Errno 30] Read-only file system: '/c/x'\n"
            ),
            "OSError: [Errno 30] Read-only file system: '/c/x'",
        ),
        ("/usr/bin/python3: No module named pip\n", "/usr/bin/python3: No module named pip"),
        ("something broke\nWARNING: later warning\n", "something broke"),
        ("WARNING: only a warning\n", "WARNING: only a warning"),
    ],
)
def test_last_error_line(stderr: str, expected: str) -> None:
    assert last_error_line(stderr) == expected
