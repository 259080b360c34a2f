"""Bad input gets a clear, typed error and changes nothing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Dict

import pytest
from _cachetree import Manifest, files_under
from conftest import venv_or_fail, write_script

from pipcache_ext import (
    CacheDisabledError,
    InterpreterError,
    InvalidPatternError,
    ParseError,
    PipCache,
    PipCacheError,
    PipCommandError,
    PipNotFoundError,
    UnsupportedPipError,
)

NEWEST = "26.3"


@pytest.fixture
def newest(isolated_env: Dict[str, str]) -> Path:
    return venv_or_fail(NEWEST, "3.12")


def _fake_python(tmp_path: Path, pip_action: str, *, pip_version: str = "26.3") -> Path:
    """A shell script that answers the probe like Python 3.11 with ``pip_version``, then runs
    ``pip_action`` (shell) whenever it is asked to run pip, between the markers the real
    bootstrap prints around pip's output."""
    answer = json.dumps({
        "version": "3.11.7", "implementation": "cpython", "executable": str(tmp_path / "python"),
        "prefix": str(tmp_path), "base_prefix": str(tmp_path), "pip_version": pip_version,
        "pip_location": None,
    })  # fmt: skip
    return write_script(
        tmp_path / "python",
        f"""#!/bin/sh
case "$2" in
  *PIPCACHE_EXT_PROBE*) printf 'PIPCACHE_EXT_PROBE:%s:%s:%s\\n' "$3" '{answer}' "$3" ;;
  *) printf '\\n%s%s\\n' PIPCACHE_EXT_PIP_BEGIN: "$PIPCACHE_EXT_PIP_NONCE"
     ( {pip_action} ); status=$?
     printf '\\n%s%s\\n' PIPCACHE_EXT_PIP_END: "$PIPCACHE_EXT_PIP_NONCE"; exit $status ;;
esac
""",
    )


# -- not an interpreter ------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="no such interpreter") as info:
        PipCache(tmp_path / "nope" / "python").info()
    assert info.value.interpreter == tmp_path / "nope" / "python"


def test_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "python"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(InterpreterError, match="dangling symlink"):
        PipCache(link).dir()


def test_directory_that_is_not_a_venv(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="not a virtual environment"):
        PipCache(tmp_path).info()


def test_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(InterpreterError, match="not executable"):
        PipCache(script).info()


def test_not_a_program(tmp_path: Path) -> None:
    data = write_script(tmp_path / "python", "")
    data.write_bytes(b"\x7fELF\x00garbage")
    with pytest.raises(InterpreterError, match="cannot be run|does not look like"):
        PipCache(data).info()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo 'hello, I am not Python'", "does not look like a Python interpreter"),
        ("echo 'command not found' >&2; exit 127", "exited with code 127"),
        ("exit 0", "no output"),
    ],
)
def test_not_python(tmp_path: Path, body: str, expected: str) -> None:
    script = write_script(tmp_path / "python", f"#!/bin/sh\n{body}\n")
    with pytest.raises(InterpreterError, match=expected):
        _ = PipCache(script).interpreter


def test_hanging_interpreter_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    script = write_script(tmp_path / "python", f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 60\n")
    started = time.monotonic()
    with pytest.raises(InterpreterError, match="did not finish within 1 s and was killed"):
        _ = PipCache(script, timeout=1).interpreter
    assert time.monotonic() - started < 20
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_hanging_pip_is_killed(tmp_path: Path, fixture_cache: Manifest) -> None:
    pidfile = tmp_path / "pid"
    hang = f"echo $$ > {pidfile}; exec sleep 60"
    fake = _fake_python(
        tmp_path, f'case "$*" in *purge*) {hang} ;; *) echo {fixture_cache.cache_dir} ;; esac'
    )
    before = files_under(fixture_cache.cache_dir)
    with pytest.raises(InterpreterError, match="'pip -v cache purge' for .*was killed"):
        PipCache(fake, timeout=1).purge(spare_recent=False)  # pip's own purge runs
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert files_under(fixture_cache.cache_dir) == before


# -- pip that is missing, old or disabled ------------------------------------------------------


@pytest.mark.realpip
def test_python_without_pip(isolated_env: Dict[str, str]) -> None:
    venv = venv_or_fail(None, "3.12")
    cache = PipCache(venv, env=isolated_env)
    assert cache.interpreter.pip_version is None
    assert cache.interpreter.is_venv
    for operation in (cache.dir, cache.info, cache.list, cache.purge):
        with pytest.raises(PipNotFoundError, match="has no pip; install it with .*ensurepip"):
            operation()


@pytest.mark.realpip
def test_pip_without_cache_command(cache_env: Dict[str, str], fixture_cache: Manifest) -> None:
    venv = venv_or_fail("20.0.2", "3.11")
    before = files_under(fixture_cache.cache_dir)
    cache = PipCache(venv, env=cache_env, backend="pip")
    with pytest.raises(UnsupportedPipError, match="has no 'cache' command") as info:
        cache.info()
    error = info.value
    assert isinstance(error, PipCommandError)
    assert error.returncode == 1
    assert 'unknown command "cache"' in error.stderr
    assert error.pip_version == "20.0.2"
    assert error.argv[0] == str(venv / "bin" / "python")
    assert error.argv[-2:] == ("cache", "info")
    with pytest.raises(UnsupportedPipError):
        cache.remove("six")
    assert files_under(fixture_cache.cache_dir) == before


@pytest.mark.realpip
@pytest.mark.parametrize("pip_version", ["20.1", NEWEST])
@pytest.mark.parametrize("how", ["env", "config"])
def test_disabled_cache(
    cache_env: Dict[str, str], fixture_cache: Manifest, tmp_path: Path, pip_version: str, how: str
) -> None:
    venv = venv_or_fail(pip_version, "3.8" if pip_version == "20.1" else "3.12")
    env = dict(cache_env)
    if how == "env":
        env["PIP_NO_CACHE_DIR"] = "1"
    else:
        config = tmp_path / "pip.conf"
        config.write_text("[global]\nno-cache-dir = true\n")
        env["PIP_CONFIG_FILE"] = str(config)
    before = files_under(fixture_cache.cache_dir)
    cache = PipCache(venv, env=env)
    for operation in (cache.dir, cache.info, cache.list, lambda: cache.remove("six"), cache.purge):
        with pytest.raises(CacheDisabledError, match="disabled .* by its configuration") as info:
            operation()
        assert info.value.reason == "configuration"
    assert files_under(fixture_cache.cache_dir) == before


@pytest.mark.realpip
@pytest.mark.parametrize("pip_version", ["20.1", NEWEST])
def test_cache_dir_owned_by_another_user(
    isolated_env: Dict[str, str], tmp_path: Path, pip_version: str
) -> None:
    venv = venv_or_fail(pip_version, "3.8" if pip_version == "20.1" else "3.12")
    parent = tmp_path / "shared"
    cache_dir = parent / "cache"
    (cache_dir / "wheels").mkdir(parents=True)
    wheel = cache_dir / "wheels" / "six-1.16.0-py2.py3-none-any.whl"
    wheel.write_bytes(b"x" * 100)
    if os.geteuid() == 0:  # pip's check for root: the owner must be root
        os.chown(cache_dir, 65534, 65534)
    else:  # for others: the dir must be writable
        cache_dir.chmod(0o500)
    try:
        cache = PipCache(venv, env={**isolated_env, "PIP_CACHE_DIR": str(cache_dir)})
        with pytest.raises(CacheDisabledError, match="not owned by, or not writable") as info:
            cache.purge()
        assert info.value.reason == "permissions"
        assert info.value.cache_dir == cache_dir
        assert wheel.exists()
    finally:
        cache_dir.chmod(0o700)


@pytest.mark.realpip
def test_malformed_config_is_a_command_error(
    cache_env: Dict[str, str], tmp_path: Path, newest: Path
) -> None:
    config = tmp_path / "pip.conf"
    config.write_text("this is [not an ini file\n")
    with pytest.raises(PipCommandError) as info:
        PipCache(newest, env={**cache_env, "PIP_CONFIG_FILE": str(config)}).info()
    assert info.value.returncode == 2
    assert "Configuration file could not be loaded" in info.value.stderr
    assert "exit code 2" in str(info.value)


# -- garbage from pip --------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["echo 'Something unexpected happened'", "true"])
@pytest.mark.parametrize("pip_version", ["20.2.4", "26.3"])
def test_garbage_output_is_a_parse_error(tmp_path: Path, output: str, pip_version: str) -> None:
    cache = PipCache(_fake_python(tmp_path, output, pip_version=pip_version))
    operations = [cache.dir, cache.info, lambda: cache.remove("six")]
    if output != "true" or pip_version == "20.2.4":
        # Empty output is a valid, empty abspath listing (20.3+), but not a human one.
        operations.append(cache.list)
    for operation in operations:
        with pytest.raises(ParseError) as info:
            operation()
        assert isinstance(info.value, ValueError)
        assert info.value.pip_version == pip_version
        assert f"pip {pip_version}" in str(info.value)


def test_empty_abspath_listing_is_an_empty_cache(tmp_path: Path) -> None:
    assert PipCache(_fake_python(tmp_path, "true")).list() == []


def test_logging_error_is_not_an_empty_answer(tmp_path: Path) -> None:
    fake = _fake_python(tmp_path, "echo '--- Logging error ---' >&2; echo 'UnicodeEncodeError' >&2")
    with pytest.raises(ParseError, match="could not print its output"):
        PipCache(fake).list()


def test_empty_dir_output_is_an_error_not_a_path(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="printed nothing"):
        PipCache(_fake_python(tmp_path, "true")).dir()


def test_parse_error_of_remove_keeps_the_text(tmp_path: Path) -> None:
    cache = PipCache(_fake_python(tmp_path, "echo 'Removed nothing today'"))
    with pytest.raises(ParseError) as info:
        cache.remove("six")
    assert "Removed nothing today" in info.value.text


# -- patterns ----------------------------------------------------------------------------------


@pytest.mark.realpip
@pytest.mark.parametrize("pattern", ["", "wheels/six", "..\\six", "/"])
def test_invalid_patterns_change_nothing(
    cache_env: Dict[str, str], fixture_cache: Manifest, newest: Path, pattern: str
) -> None:
    before = files_under(fixture_cache.cache_dir)
    cache = PipCache(newest, env=cache_env)
    with pytest.raises(InvalidPatternError):
        cache.remove(pattern)
    with pytest.raises(InvalidPatternError):
        cache.list(pattern)
    assert isinstance(InvalidPatternError("x"), (PipCacheError, ValueError))
    assert files_under(fixture_cache.cache_dir) == before


# -- the environment pip runs in ---------------------------------------------------------------


@pytest.mark.realpip
def test_pip_folder_in_cwd_does_not_shadow_pip(
    cache_env: Dict[str, str], fixture_cache: Manifest, newest: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    shadow = tmp_path / "work" / "pip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise SystemExit('shadowed!')\n__version__ = '0.0'\n")
    (shadow / "__main__.py").write_text("raise SystemExit('shadowed!')\n")
    monkeypatch.chdir(shadow.parent)
    cache = PipCache(newest, env=cache_env)
    assert cache.interpreter.pip_version == NEWEST
    assert cache.info().wheel_count == fixture_cache.wheel_count


@pytest.mark.realpip
def test_relative_cache_dir_resolves_against_the_callers_cwd(
    isolated_env: Dict[str, str], newest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cache = PipCache(newest, env={**isolated_env, "PIP_CACHE_DIR": "rel/cache"})
    assert cache.dir() == tmp_path.resolve() / "rel" / "cache"


@pytest.mark.realpip
def test_hostile_pip_environment_is_neutralised(
    cache_env: Dict[str, str], fixture_cache: Manifest, newest: Path
) -> None:
    other = venv_or_fail("20.1", "3.8")
    env = {
        **cache_env,
        "PIP_QUIET": "1",  # would silence every line of pip cache's output
        "PIP_VERBOSE": "2",
        "PIP_PYTHON": str(other / "bin" / "python"),  # would re-run pip under another Python
        "FORCE_COLOR": "1",
    }
    cache = PipCache(newest, env=env)
    assert cache.info().wheel_count == fixture_cache.wheel_count
    result = cache.remove("nomatch")
    assert result.warnings == ('No matching packages for pattern "nomatch"',)


@pytest.mark.realpip
def test_default_cache_dir_follows_the_isolated_home(
    isolated_env: Dict[str, str], newest: Path
) -> None:
    expected = Path(isolated_env["XDG_CACHE_HOME"]) / "pip"
    assert PipCache(newest).dir() == expected.resolve()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="backend"):
        PipCache(backend="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        PipCache(timeout=0)
