"""The facade: one probe per PipCache, injected runners and interpreters, deletion guards."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Mapping, Sequence

import pytest
from _cachetree import Manifest, build_cache, files_under
from conftest import venv_or_fail
from pytest_mock import MockerFixture

import pipcache_ext
from pipcache_ext import PipCache, UnsafeOperationError
from pipcache_ext._runner import Completed, run
from pipcache_ext._scripts import PROBE

NEWEST = "26.3"


@pytest.fixture
def newest() -> Path:
    return venv_or_fail(NEWEST, "3.12")


class Recorder:
    """A runner that runs for real and remembers each argv."""

    def __init__(self) -> None:
        self.calls: List[Sequence[str]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.calls.append(argv)
        return run(argv, env, timeout)


@pytest.mark.realpip
def test_the_interpreter_is_probed_once(
    newest: Path, cache_env: Dict[str, str], fixture_cache: Manifest
) -> None:
    recorder = Recorder()
    cache = PipCache(newest, env=cache_env, runner=recorder)
    cache.dir()
    cache.info()
    cache.list("six")
    cache.remove("nomatch", dry_run=True)
    assert [c[2] for c in recorder.calls].count(PROBE) == 1
    assert fixture_cache.wheel_count == cache.info().wheel_count
    assert [c[2] for c in recorder.calls].count(PROBE) == 1


@pytest.mark.realpip
def test_an_interpreter_object_is_not_probed_again(
    newest: Path, cache_env: Dict[str, str], mocker: MockerFixture
) -> None:
    interpreter = PipCache(newest, env=cache_env).interpreter
    spy = mocker.spy(pipcache_ext.api, "probe_interpreter")
    cache = PipCache(interpreter, env=cache_env)
    assert cache.interpreter is interpreter
    assert cache.dir().name == "cache"
    assert spy.call_count == 0


@pytest.mark.realpip
def test_a_venv_dir_and_its_python_are_the_same_interpreter(
    newest: Path, isolated_env: Dict[str, str]
) -> None:
    by_dir = PipCache(newest, env=isolated_env).interpreter
    by_exe = PipCache(newest / "bin" / "python", env=isolated_env).interpreter
    assert by_dir.path == newest
    assert by_exe.path == newest / "bin" / "python"
    assert by_dir.executable == by_exe.executable
    assert (by_dir.prefix, by_dir.pip_version) == (by_exe.prefix, by_exe.pip_version)


def test_the_running_interpreter_is_the_default(isolated_env: Dict[str, str]) -> None:
    import sys

    interpreter = PipCache(env=isolated_env).interpreter
    assert interpreter.version == ".".join(map(str, sys.version_info[:3]))
    assert interpreter.prefix == Path(sys.prefix)


@pytest.mark.realpip
@pytest.mark.parametrize("backend", ["pip", "native"])
@pytest.mark.parametrize("operation", ["purge", "remove *", "remove six"])
def test_a_home_directory_cache_is_refused_without_force(
    newest: Path, isolated_env: Dict[str, str], backend: str, operation: str
) -> None:
    home = Path(isolated_env["HOME"])
    manifest = build_cache(home)  # the cache layout written straight into $HOME
    (home / ".bashrc").write_text("# mine")
    cache = PipCache(newest, env={**isolated_env, "PIP_CACHE_DIR": str(home)}, backend=backend)  # type: ignore[arg-type]
    before = files_under(home)

    def do(**kwargs: bool) -> pipcache_ext.RemovalResult:
        if operation == "purge":
            return cache.purge(**kwargs)
        return cache.remove(operation.split()[1], **kwargs)

    for dry_run in (True, False):
        with pytest.raises(UnsafeOperationError, match="home directory"):
            do(dry_run=dry_run)
    assert files_under(home) == before
    result = do(force=True)
    assert result.files_removed > 0
    assert (home / ".bashrc").read_text() == "# mine"
    assert set(manifest.untouchable) <= files_under(home)


@pytest.mark.realpip
@pytest.mark.parametrize("backend", ["pip", "native"])
def test_a_root_cache_is_refused(newest: Path, isolated_env: Dict[str, str], backend: str) -> None:
    cache = PipCache(newest, env={**isolated_env, "PIP_CACHE_DIR": "/"}, backend=backend)  # type: ignore[arg-type]
    with pytest.raises(UnsafeOperationError, match="filesystem root"):
        cache.purge(dry_run=True)
    with pytest.raises(UnsafeOperationError, match="filesystem root"):
        cache.remove("six")


@pytest.mark.realpip
def test_native_backend_on_a_modern_pip(
    newest: Path, cache_env: Dict[str, str], fixture_cache: Manifest
) -> None:
    cache = PipCache(newest, env=cache_env, backend="native")
    info = cache.info()
    assert (info.backend, info.exact, info.pip_version) == ("native", True, NEWEST)
    assert info.wheels_size == fixture_cache.wheels_size
    result = cache.purge()
    assert result.backend == "native"
    assert files_under(fixture_cache.cache_dir) == set(fixture_cache.untouchable)
