"""Issue 13: a cold survey asks each group of equal answers once, and measures early.

Real pips decide what "the same answer" means: venvs of one pip version share one question, a
venv with its own ``pip.conf`` in its prefix or a ``sitecustomize`` that sets ``PIP_CACHE_DIR``
is asked on its own, and every shared answer equals the one that interpreter gives when asked
alone. Fakes count the questions and show that a dir is measured while a slower interpreter is
still being asked.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import _pipenvs
import pytest
from _cachetree import build_cache
from _discovery_fakes import script
from conftest import venv_or_fail

from pipcache_ext import CacheReport, Interpreter, survey
from pipcache_ext import _survey as survey_module
from pipcache_ext._discovery import DiscoveryContext, discover
from pipcache_ext._probing import Settings, probe_cache_dir
from pipcache_ext._probing.shared import shared_outcomes
from pipcache_ext._runner import Completed, run
from pipcache_ext._scripts import PROBE_CACHE_DIR_MODE

pytest_plugins = ["_discovery_fixtures"]


class Recorder:
    """A runner that runs for real and counts the cache-dir questions."""

    def __init__(self) -> None:
        self.asked: List[str] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        if PROBE_CACHE_DIR_MODE in argv:
            self.asked.append(argv[0])
        return run(argv, env, timeout)


def discovered(paths: Sequence[Path], env: Dict[str, str]) -> List[Interpreter]:
    """The interpreters at ``paths``, probed (plainly) as discovery does, answers on disk."""
    ctx = DiscoveryContext.current({**env, "PATH": ""}, timeout=30.0)
    result = discover(ctx, sources=[], extra_paths=[str(p) for p in paths]).result
    assert not result.failures, result.failures
    by_path = {i.path: i for i in result.interpreters}
    return [by_path[p] for p in paths]


# -- real pips ---------------------------------------------------------------------------------


@pytest.fixture
def venvs(tmp_path: Path) -> Dict[str, Path]:
    """Four venvs of pip 26.3 on one Python: two plain, one with a site pip.conf, one hooked."""
    base = _pipenvs.pyenv_python("3.12")
    venv_or_fail("26.3", "3.12")  # the real-pip venv of the matrix: the wheel is at hand
    wheel = _pipenvs.pip_wheel("26.3")
    made = {name: _pipenvs.make_venv(tmp_path / name, base, wheel) for name in
            ("plain-a", "plain-b", "site-conf", "hooked")}  # fmt: skip
    (tmp_path / "site-conf" / "pip.conf").write_text(
        f"[global]\ncache-dir = {tmp_path / 'site-cache'}\n"
    )
    site_packages = next((tmp_path / "hooked" / "lib").glob("python3*/site-packages"))
    (site_packages / "sitecustomize.py").write_text(
        f"import os\nos.environ['PIP_CACHE_DIR'] = {str(tmp_path / 'hooked-cache')!r}\n"
    )
    return made


@pytest.mark.realpip
def test_equal_pips_are_asked_once_and_the_rest_alone(
    venvs: Dict[str, Path], isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in isolated_env.items() if k != "PIP_CONFIG_FILE"}  # site files count
    interpreters = discovered(list(venvs.values()), env)
    recorder = Recorder()
    settings = Settings.current(env, timeout=30.0, runner=recorder)
    outcomes = shared_outcomes(interpreters, settings)
    assert len(recorder.asked) == 3  # the two plain venvs share one question
    default = Path(env["XDG_CACHE_HOME"]) / "pip"
    dirs = {i.path.parent.parent.name: outcomes[i].cache_dir for i in interpreters}
    assert dirs == {
        "plain-a": default,
        "plain-b": default,
        "site-conf": tmp_path / "site-cache",
        "hooked": tmp_path / "hooked-cache",
    }
    for interpreter in interpreters:  # what each says when asked alone
        alone = probe_cache_dir(interpreter, env=env, use_cache=False)
        assert (alone.state, alone.cache_dir) == (outcomes[interpreter].state, dirs[
            interpreter.path.parent.parent.name])  # fmt: skip
    again = Recorder()
    shared_outcomes(interpreters, Settings.current(env, timeout=30.0, runner=again))
    assert again.asked == []  # every member's answer was stored as its own


@pytest.mark.realpip
def test_a_survey_of_equal_pips_measures_their_dir_once(
    venvs: Dict[str, Path], isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    manifest = build_cache(tmp_path / "shared")
    env = {**isolated_env, "PIP_CACHE_DIR": str(manifest.cache_dir)}
    interpreters = discovered([venvs["plain-a"], venvs["plain-b"]], env)
    (row,) = survey(interpreters, env=env)
    assert row.cache_dir == manifest.cache_dir
    assert row.interpreters == tuple(interpreters)
    assert row.info is not None
    assert row.info.wheel_count == manifest.wheel_count


# -- fakes -------------------------------------------------------------------------------------


def fake(
    path: Path,
    *,
    pip: str,
    cache_dir: Path,
    counter: Path,
    sleep: float = 0.0,
    done: Optional[Path] = None,
) -> Path:
    """An interpreter whose pip (``pip``, at a site-packages of its own) says ``cache_dir``.

    The cache-dir question is logged to ``counter``; it takes ``sleep`` seconds, and then
    ``done`` is written.
    """
    prefix = path.parent.parent
    site = prefix / "lib" / "site-packages"
    (site / "pip").mkdir(parents=True, exist_ok=True)
    answer = {
        "version": "3.12.1", "implementation": "cpython", "executable": str(path),
        "prefix": str(prefix), "base_prefix": str(prefix), "pip_version": pip,
        "pip_location": str(site / "pip"), "sys_path": [str(site)], "user_site": None,
    }  # fmt: skip
    full = {**answer, "pip_cache": {"command": "cache", "raw": repr(str(cache_dir)),
                                    "relative": False, "cache_dir": str(cache_dir)}}  # fmt: skip
    finish = f"echo done > '{done}'" if done is not None else ":"
    return script(
        path,
        f"""#!/bin/sh
case "$4" in
  --pip-cache-dir) echo "$0" >> '{counter}'; sleep {sleep}; {finish}
     printf '%s\\n' "PIPCACHE_EXT_PROBE:$3:{json.dumps(full).replace('"', chr(92) + '"')}:$3" ;;
  *) printf '%s\\n' "PIPCACHE_EXT_PROBE:$3:{json.dumps(answer).replace('"', chr(92) + '"')}:$3" ;;
esac
""",
    )


def asked(counter: Path) -> List[str]:
    return counter.read_text().splitlines() if counter.exists() else []


def test_one_question_per_pip_version(tmp_path: Path, isolated_env: Dict[str, str]) -> None:
    counter = tmp_path / "asked"
    cache = tmp_path / "cache"
    paths = [
        fake(tmp_path / name / "bin" / "python", pip=pip, cache_dir=cache, counter=counter)
        for name, pip in (("a", "26.3"), ("b", "26.3"), ("c", "26.3"), ("d", "24.0"))
    ]
    interpreters = discovered(paths, isolated_env)
    outcomes = shared_outcomes(interpreters, Settings.current(isolated_env, timeout=10.0))
    assert sorted(asked(counter)) == sorted([str(paths[0]), str(paths[3])])
    assert {outcomes[i].cache_dir for i in interpreters} == {cache}


def test_without_stored_plain_answers_each_is_asked(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "asked"
    paths = [
        fake(tmp_path / name / "bin" / "python", pip="26.3", cache_dir=tmp_path, counter=counter)
        for name in "ab"
    ]
    interpreters = discovered(paths, isolated_env)
    settings = Settings.current(isolated_env, timeout=10.0, use_cache=False)
    shared_outcomes(interpreters, settings)
    assert sorted(asked(counter)) == sorted(map(str, paths))  # nothing to tell them alike


def test_a_dir_is_measured_while_a_slower_pip_is_still_asked(
    tmp_path: Path, isolated_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "asked"
    done = tmp_path / "slow-answered"
    cache = build_cache(tmp_path / "cache").cache_dir
    newest = fake(tmp_path / "new" / "bin" / "python", pip="26.3", cache_dir=cache,
                  counter=counter)  # fmt: skip
    slow = fake(tmp_path / "old" / "bin" / "python", pip="19.3.1", cache_dir=cache,
                counter=counter, sleep=1.5, done=done)  # fmt: skip
    interpreters = discovered([slow, newest], isolated_env)
    seen: List[bool] = []
    real = survey_module._measure

    def spy(cache_dir: Path, users: object, actor: Interpreter, **kwargs: object) -> CacheReport:
        seen.append(done.exists())
        return real(cache_dir, users, actor, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(survey_module, "_measure", spy)
    start = time.monotonic()
    (row,) = survey(interpreters, env=isolated_env, backend="native")
    assert time.monotonic() - start >= 1.5  # the slow one was waited for
    assert seen == [False]  # measured once, before the slow pip had answered
    assert row.interpreters == tuple(interpreters)
    assert row.info is not None
    assert row.info.pip_version == "26.3"  # by the newest pip


def test_a_newer_pip_still_asked_holds_the_measurement(
    tmp_path: Path, isolated_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "asked"
    done = tmp_path / "newest-answered"
    cache = build_cache(tmp_path / "cache").cache_dir
    older = fake(tmp_path / "old" / "bin" / "python", pip="24.0", cache_dir=cache,
                 counter=counter)  # fmt: skip
    newest = fake(tmp_path / "new" / "bin" / "python", pip="26.3", cache_dir=cache,
                  counter=counter, sleep=1.0, done=done)  # fmt: skip
    interpreters = discovered([older, newest], isolated_env)
    seen: List[bool] = []
    actors: List[Interpreter] = []
    real = survey_module._measure

    def spy(cache_dir: Path, users: object, actor: Interpreter, **kwargs: object) -> CacheReport:
        seen.append(done.exists())
        actors.append(actor)
        return real(cache_dir, users, actor, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(survey_module, "_measure", spy)
    (row,) = survey(interpreters, env=isolated_env, backend="native")
    assert seen == [True]  # it waited for the newer pip, the dir's actor
    assert actors == [interpreters[1]]
    assert row.info is not None
    assert os.fspath(row.cache_dir) == os.fspath(cache)
