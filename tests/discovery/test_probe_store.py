"""The disk cache of probe answers: what makes an answer stale, what is kept, what is pruned."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict

from _discovery_fakes import (
    Recorder,
    fake_python,
    probes,
    script,
)

from pipcache_ext._discovery import discover
from pipcache_ext._probing.store import user_cache_dir

pytest_plugins = ["_discovery_fixtures"]


def test_second_discovery_runs_nothing(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    garbage = script(
        tmp_path / "bin" / "python3.1", f"#!/bin/sh\necho \"$0\" >> '{counter}'\necho garbage\n"
    )
    first = discover(context(path=[python.parent]), sources=["path"]).result
    recorder = Recorder()
    second = discover(context(path=[python.parent], runner=recorder), sources=["path"]).result
    assert recorder.calls == []
    assert sorted(probes(counter)) == sorted([str(python), str(garbage)])
    assert first == second
    assert [f.path for f in second.failures] == [garbage]  # the failure is remembered too
    stored = list((user_cache_dir(isolated_env) / "probes").glob("*.json"))
    assert len(stored) == 2
    assert user_cache_dir(isolated_env) == Path(isolated_env["XDG_CACHE_HOME"]) / "pipcache_ext"


def test_a_changed_executable_is_probed_again(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"])
    stat = python.stat()
    os.utime(python, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2


def test_a_pip_install_makes_the_answer_stale(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "env" / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"])
    site = tmp_path / "env" / "lib" / "site-packages"  # the fake reports it in sys.path
    site.mkdir(parents=True)
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2
    (site / "pip-99.0.dist-info").mkdir()
    os.utime(site, ns=(0, site.stat().st_mtime_ns + 10**9))
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 3


def test_a_new_pip_config_file_makes_the_answer_stale(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    config = tmp_path / "pip.conf"
    ctx = context(path=[python.parent], PIP_CONFIG_FILE=str(config))
    discover(ctx, sources=["path"], pip_cache=True)
    config.write_text("[global]\ncache-dir = /elsewhere\n")
    discover(ctx, sources=["path"], pip_cache=True)
    assert len(probes(counter)) == 2
    config.write_text("[global]\ncache-dir = /elsewhere/again\n")
    discover(ctx, sources=["path"])  # the stored answer is stale: probed again, quickly
    config.write_text("[global]\ncache-dir = /elsewhere/once/more\n")
    discover(ctx, sources=["path"])  # without the cache dir, the config does not matter
    assert len(probes(counter)) == 3


def test_the_environment_is_part_of_the_key(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    discover(context(path=[python.parent]), sources=["path"])
    discover(context(path=[python.parent], PIP_CACHE_DIR="/x"), sources=["path"])
    discover(context(path=[python.parent, tmp_path]), sources=["path"])  # PATH is not
    assert len(probes(counter)) == 2


def test_a_failure_is_retried_with_a_longer_timeout(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    broken = script(tmp_path / "bin" / "python3", f"#!/bin/sh\necho x >> '{counter}'\nexit 127\n")
    for timeout in (2.0, 1.0, 2.0):
        result = discover(context(path=[broken.parent], timeout=timeout), sources=["path"]).result
        assert [f.path for f in result.failures] == [broken]
    assert len(probes(counter)) == 1
    discover(context(path=[broken.parent], timeout=5.0), sources=["path"])
    assert len(probes(counter)) == 2


def test_corrupt_or_unwritable_cache_is_ignored(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    expected = discover(ctx, sources=["path"]).result
    store = user_cache_dir(isolated_env) / "probes"
    for bad in ("{not json", "[]", '{"format": 1, "ok": "yes", "answer": 3}', ""):
        for stored in store.glob("*.json"):
            stored.write_text(bad)
        assert discover(ctx, sources=["path"]).result == expected
    assert len(probes(counter)) == 5
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert discover(ctx, sources=["path"], cache_root=blocked).result == expected


def test_use_cache_false_neither_reads_nor_writes(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"], use_cache=False)
    assert not user_cache_dir(isolated_env).exists()
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"], use_cache=False)
    assert len(probes(counter)) == 3


def test_probes_run_in_parallel(tmp_path: Path, context) -> None:
    dirs = [tmp_path / f"d{n}" for n in range(6)]
    for directory in dirs:
        directory.mkdir()
        script(directory / "python3", "#!/bin/sh\n/bin/sleep 1\necho nope\n")
    started = time.monotonic()
    result = discover(context(path=dirs), sources=["path"]).result
    assert len(result.failures) == 6
    assert time.monotonic() - started < 4.5  # sequentially: 6 s


def test_user_cache_dir_per_platform() -> None:
    env = {"HOME": "/h", "XDG_CACHE_HOME": "/x", "LOCALAPPDATA": "C:\\L"}
    assert user_cache_dir(env, "linux") == Path("/x/pipcache_ext")
    assert user_cache_dir({**env, "XDG_CACHE_HOME": "rel"}, "linux") == Path(
        "/h/.cache/pipcache_ext"
    )
    assert user_cache_dir(env, "darwin") == Path("/h/Library/Caches/pipcache_ext")
    assert user_cache_dir(env, "win32") == Path("C:\\L") / "pipcache_ext" / "Cache"


def test_old_answers_are_pruned_when_probes_are_written(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    store = user_cache_dir(isolated_env) / "probes"
    store.mkdir(parents=True)
    old = store / ("0" * 64 + ".json")
    old.write_text("{}")
    os.utime(old, (0, 0))
    python = fake_python(tmp_path / "bin" / "python3")
    discover(context(path=[python.parent]), sources=["path"])
    assert not old.exists()
    assert len(list(store.glob("*.json"))) == 1
