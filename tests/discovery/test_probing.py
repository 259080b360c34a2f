"""_probing: the one probe service; its answer read between nonce markers; typed failures."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Tuple

import pytest
from _discovery_fakes import Recorder, fake_python, probes, script

from pipcache_ext import CacheDisabledError, InterpreterError, PipCommandError, PipNotFoundError
from pipcache_ext._discovery import discover
from pipcache_ext._parsers.probe import PipCacheDirAnswer, probe_data, probe_json
from pipcache_ext._probing import (
    Settings,
    cache_dir_answers,
    cache_dir_error,
    probe_cache_dir,
    probe_interpreter,
    resolve_executable,
    run_probe,
)
from pipcache_ext._scripts import PROBE_MARKER

pytest_plugins = ["_discovery_fixtures"]

NONCE = "0123456789abcdef" * 2
ANSWER = {"version": "3.12.1", "prefix": "/real/prefix"}


def marked(nonce: str, data: object) -> str:
    return f"{PROBE_MARKER}{nonce}:{json.dumps(data)}:{nonce}"


# -- reading the answer (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "noise_before",
    [
        "",
        "hello",  # printed at start without a newline: the marker is mid-line
        "hello\n/wrong/path\n",
        f'{PROBE_MARKER}{{"version": "0.0.1", "prefix": "/forged"}}\n',  # an old-style line
        marked("f" * 32, {"prefix": "/other-nonce"}) + "\n",
    ],
)
@pytest.mark.parametrize(
    "noise_after",
    ["", "/wrong/at-exit\n", f'{PROBE_MARKER}{{"prefix": "/forged-at-exit"}}\n', "bye"],
)
def test_the_answer_is_the_one_with_this_runs_nonce(noise_before: str, noise_after: str) -> None:
    stdout = noise_before + marked(NONCE, ANSWER) + "\n" + noise_after
    assert probe_json(stdout, NONCE) == json.dumps(ANSWER)
    assert probe_data(stdout, NONCE) == ANSWER


@pytest.mark.parametrize(
    "stdout",
    [
        "",
        "garbage\n",
        f"{PROBE_MARKER}{NONCE}:{{not json}}:{NONCE}\n",
        f"{PROBE_MARKER}{NONCE}:[1, 2]:{NONCE}\n",
        f"{PROBE_MARKER}{NONCE}:{json.dumps(ANSWER)}\n",  # no closing nonce
        marked(NONCE, ANSWER) + "\n" + marked(NONCE, {"prefix": "/again"}) + "\n",  # twice
        f'noise\n{PROBE_MARKER}{{"prefix": "/forged"}}\n',  # only a forged old-style line
    ],
)
def test_no_single_answer_is_no_answer(stdout: str) -> None:
    assert probe_data(stdout, NONCE) is None


def test_an_old_style_line_is_read_only_from_a_run_without_a_nonce() -> None:
    old_style = f"{PROBE_MARKER}{json.dumps(ANSWER)}\n"
    assert probe_data(old_style, NONCE) is None  # a run with a nonce: that line is forged
    assert probe_data("noise\n" + old_style, None) == ANSWER


def test_a_nonce_must_look_like_one() -> None:
    with pytest.raises(ValueError, match="not a probe nonce"):
        probe_json("", "../x")


# -- one run, with a fake interpreter ----------------------------------------------------------


def noisy_python(path: Path, *, nonce_in_answer: bool = True) -> Path:
    """A fake Python whose start-up and exit print paths and forged markers around its answer."""
    answer = json.dumps({
        "version": "3.11.7", "implementation": "cpython", "executable": str(path),
        "prefix": str(path.parent), "base_prefix": str(path.parent), "pip_version": "24.0",
        "pip_location": None, "sys_path": [], "user_site": None,
        "pip_cache": {"command": "cache", "raw": "/right", "relative": False,
                      "cache_dir": "/right"},
    })  # fmt: skip
    forged = answer.replace("/right", "/forged")
    nonce = '"$3"' if nonce_in_answer else "''"
    real = f"printf '%s%s:%s:%s\\n' '{PROBE_MARKER}' {nonce} '{answer}' {nonce}"
    return script(
        path,
        f"""#!/bin/sh
printf 'starting up '
printf '%s\\n' '/forged/at/start' '{PROBE_MARKER}{forged}'
{real}
printf '%s\\n' '/forged/at/exit' '{PROBE_MARKER}{forged}'
""",
    )


def test_probe_reads_through_site_hook_noise(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    python = noisy_python(tmp_path / "python3")
    interpreter = probe_interpreter(python, env=isolated_env)
    assert (interpreter.prefix, interpreter.pip_version) == (tmp_path, "24.0")
    answer = probe_cache_dir(interpreter, env=isolated_env, use_cache=False)
    assert (answer.state, answer.cache_dir) == ("ok", Path("/right"))


def test_forged_markers_alone_are_no_answer(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    python = noisy_python(tmp_path / "python3", nonce_in_answer=False)
    outcome = run_probe(python, env=isolated_env, timeout=10)
    assert not outcome.ok
    assert outcome.answer.startswith("does not answer like Python; it said: ")
    with pytest.raises(InterpreterError, match="does not look like a Python interpreter"):
        probe_interpreter(python, env=isolated_env)


def test_each_run_has_its_own_nonce(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    recorder = Recorder()
    python = fake_python(tmp_path / "bin" / "python3")
    for _ in range(2):
        assert run_probe(python, env=isolated_env, timeout=10, runner=recorder).ok
    nonces = [argv[3] for argv in recorder.calls]
    assert len(set(nonces)) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)


def test_run_probe_never_raises_for_a_missing_program(tmp_path: Path) -> None:
    outcome = run_probe(tmp_path / "nope", env={}, timeout=5)
    assert not outcome.ok
    assert "no such file" in outcome.answer


# -- resolving the executable: every OSError typed ---------------------------------------------


def test_resolve_executable_types_odd_paths(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="cannot be read|no such interpreter"):
        resolve_executable(f"{tmp_path}/py\0thon")
    with pytest.raises(InterpreterError, match="not a virtual environment"):
        resolve_executable(tmp_path)
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = script(tmp_path / "venv" / "bin" / "python", "#!/bin/sh\n")
    assert resolve_executable(tmp_path / "venv") == python


def test_an_unreadable_parent_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "locked" / "venv"
    real_stat = Path.stat

    def stat_as_a_user(self: Path, **kwargs: bool) -> os.stat_result:
        if str(self).startswith(str(target)):  # root reads every directory: fail as a user would
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat_as_a_user)
    with pytest.raises(InterpreterError, match="cannot be read: Permission denied") as info:
        resolve_executable(target)
    assert info.value.interpreter == target


TEST_USER = "pipcache-ext-test"


@pytest.fixture
def unprivileged() -> Tuple[int, int]:
    """``(uid, gid)`` of an unprivileged user made for these tests (root only)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a user to read a directory as someone else")
    import pwd

    try:
        user = pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        user = pwd.getpwnam(TEST_USER)
    assert user.pw_uid != 0
    return user.pw_uid, user.pw_gid


# Imports everything first (the package's own Python lives under /root, which the user cannot
# read), then becomes the user and reports what PipCache(path).interpreter raised.
AS_USER = """
import json, os, sys
import pipcache_ext
from pipcache_ext import PipCache
os.setgroups([]); os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[1]))
try:
    PipCache(sys.argv[3], env={}).interpreter
except BaseException as exc:
    print(json.dumps([type(exc).__name__, isinstance(exc, pipcache_ext.PipCacheError), str(exc)]))
else:
    print(json.dumps(["nothing", False, ""]))
"""


def test_an_unreadable_parent_directory_as_a_real_user(unprivileged: Tuple[int, int]) -> None:
    uid, gid = unprivileged
    base = Path(tempfile.mkdtemp(prefix="pipcache-ext-locked-"))
    locked = base / "locked"
    try:
        base.chmod(0o755)
        (locked / "venv" / "bin").mkdir(parents=True)
        script(locked / "venv" / "bin" / "python", "#!/bin/sh\necho should not run\n")
        (locked / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
        locked.chmod(0o700)  # root's: the user cannot enter it
        assert locked.stat().st_uid == 0
        assert not stat.S_IMODE(locked.stat().st_mode) & 0o077
        for given in (locked / "venv", locked / "venv" / "bin" / "python"):
            ran = subprocess.run(
                [sys.executable, "-c", AS_USER, str(uid), str(gid), str(given)],
                capture_output=True, text=True, timeout=60, check=False,
                env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)},
            )  # fmt: skip
            assert ran.returncode == 0, ran.stderr
            name, typed, message = json.loads(ran.stdout)
            assert (name, typed) == ("InterpreterError", True), message
            assert message == f"{given} cannot be read: Permission denied"
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=True, timeout=60)


# -- cache dir answers, in parallel, through the disk cache ------------------------------------


def test_cache_dir_answers_keep_the_given_objects(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    one = fake_python(tmp_path / "a" / "python3", cache_dir="/caches/a", counter=counter)
    none = fake_python(tmp_path / "b" / "python3", pip=None, counter=counter)
    broken = script(tmp_path / "c" / "python3", f"#!/bin/sh\necho x >> '{counter}'\nexit 4\n")
    ctx = context(path=[one.parent, none.parent])
    interpreters = list(discover(ctx, sources=["path"], use_cache=False).result.interpreters)
    assert len(probes(counter)) == 2
    gone = dataclasses.replace(interpreters[0], path=broken)

    answers = cache_dir_answers([*interpreters, gone], env=ctx.env, use_cache=True)

    assert list(answers) == [*interpreters, gone]
    by_path = {i.path: a for i, a in answers.items()}
    assert by_path[one] == PipCacheDirAnswer("ok", Path("/caches/a"), repr("/caches/a"))
    assert by_path[none] == PipCacheDirAnswer("no-pip")
    assert by_path[broken] is None
    assert len(probes(counter)) == 5
    cache_dir_answers(interpreters, env=ctx.env, use_cache=True)  # all from the disk cache
    assert len(probes(counter)) == 5
    cache_dir_answers(interpreters, env=ctx.env, use_cache=False)
    assert len(probes(counter)) == 7


def test_discoverys_stored_answers_serve_cache_dir_answers(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", cache_dir="/caches/x", counter=counter)
    ctx = context(path=[python.parent])
    (interpreter,) = discover(ctx, sources=["path"], pip_cache=True).result.interpreters
    assert len(probes(counter)) == 1
    answers = cache_dir_answers([interpreter], env=ctx.env)  # the same key and stamps
    assert answers[interpreter] == PipCacheDirAnswer("ok", Path("/caches/x"), repr("/caches/x"))
    answer = probe_cache_dir(interpreter, env=ctx.env)
    assert answer.cache_dir == Path("/caches/x")
    assert len(probes(counter)) == 1


def test_probe_cache_dir_failures_are_interpreter_errors(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    python = fake_python(tmp_path / "bin" / "python3")
    (interpreter,) = discover(context(path=[python.parent]), sources=["path"]).result.interpreters
    script(python, "#!/bin/sh\necho 'it broke' >&2\nexit 9\n")
    with pytest.raises(InterpreterError, match="exited with code 9 and said: it broke") as info:
        probe_cache_dir(interpreter, env=isolated_env, use_cache=False)
    assert info.value.interpreter == python
    python.unlink()
    with pytest.raises(InterpreterError, match="no such interpreter"):
        probe_cache_dir(interpreter, env=isolated_env, use_cache=False)


def test_settings_without_a_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    settings = Settings.current({"HOME": str(tmp_path)}, timeout=3)
    assert (settings.cwd, settings.store) == ("/", None)  # nothing stored that needs the cwd


# -- what an answer means ----------------------------------------------------------------------


def test_cache_dir_error_per_state(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    interpreter = probe_interpreter(fake_python(tmp_path / "bin" / "python3"), env=isolated_env)
    where = interpreter.path
    error = cache_dir_error(interpreter, PipCacheDirAnswer("no-pip"))
    assert isinstance(error, PipNotFoundError)
    assert error.problem == f"{where} has no pip"
    assert error.remedy is not None
    assert error.remedy.action == "install-pip"
    assert f"install it with '{interpreter.executable} -m ensurepip'" in str(error)
    error = cache_dir_error(interpreter, PipCacheDirAnswer("not-owned", Path("/c")))
    assert isinstance(error, CacheDisabledError)
    assert (error.reason, error.cache_dir) == ("permissions", Path("/c"))
    assert str(error).startswith(f"pip disabled the cache of {where}: /c or its parent is not")
    error = cache_dir_error(interpreter, PipCacheDirAnswer("disabled", detail="1"))
    assert isinstance(error, CacheDisabledError)
    assert error.reason == "configuration"
    assert "(pip <= 18.1 took PIP_NO_CACHE_DIR=true for 1)" in str(error)
    error = cache_dir_error(interpreter, PipCacheDirAnswer("error", detail="bad value"))
    assert isinstance(error, PipCommandError)
    assert str(error).startswith(f"{where} could not tell its pip's cache dir: bad value.")
