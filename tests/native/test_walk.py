"""Issue 13: the parallel walk counts exactly what the sequential walk counts.

Both walks run on the same trees (pip's layout from ``_cachetree`` plus symlinks of every kind,
strays at the top, a symlinked shard, files vanishing mid-walk), and both are checked against an
``os.walk`` count the test makes itself. Forked children are real processes; the tests also check
that none outlives a call, that a failing child's shards are walked again, and that a small tree
or a process with other threads never forks.
"""

from __future__ import annotations

import fnmatch
import os
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import pytest
from _cachetree import build_cache

from pipcache_ext import _walk
from pipcache_ext._native import native_info
from pipcache_ext._patterns import pattern_matcher, pip_glob

# Elsewhere the walk never forks (it is sequential): only the tests that count forks need Linux.
linux_only = pytest.mark.skipif(not _walk.can_fork(), reason="forked walkers run on Linux only")

WHEEL_GLOB = "*-*.whl"
Trees = List[Tuple[str, Optional[Callable[[str], bool]]]]


def os_walk_tally(top: Path, glob: Optional[str]) -> Tuple[int, int, int]:
    """What pip counts under ``top``: os.walk's files, symlinks 0 bytes, basenames matching."""
    files = size = matching = 0
    for root, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(root, name)
            files += 1
            size += 0 if os.path.islink(path) else os.lstat(path).st_size
            matching += glob is not None and fnmatch.fnmatchcase(name, glob)
    return files, size, matching


def busy_cache(root: Path) -> Path:
    """A cache in pip's layout, many shards, and every odd thing a walk can meet."""
    cache = build_cache(root / "cache").cache_dir
    outside = root / "outside"
    outside.mkdir()
    (outside / "big-1.0-py3-none-any.whl").write_bytes(b"x" * 5000)
    for index in range(40):  # more shards, in all three trees
        name = f"{index:02x}{'ab' * 27}"
        wheel = cache.joinpath("wheels", name[:2], name[2:4], name[4:6], name[6:])
        wheel.mkdir(parents=True, exist_ok=True)
        (wheel / f"p{index}-1.0-py3-none-any.whl").write_bytes(b"w" * (100 + index))
        (wheel / "origin.json").write_text("{}")
        for top in ("http", "http-v2"):
            entry = cache.joinpath(top, *name[:5])
            entry.mkdir(parents=True, exist_ok=True)
            (entry / name).write_bytes(b"h" * (300 + index))
    shard = cache / "wheels" / "00"
    (shard / "linkdir").symlink_to(outside, target_is_directory=True)  # never followed
    (shard / "linked-1.0-py3-none-any.whl").symlink_to(outside / "big-1.0-py3-none-any.whl")
    (shard / "broken-1.0-py3-none-any.whl").symlink_to(root / "missing")
    (cache / "wheels" / "top-1.0-py3-none-any.whl").write_bytes(b"t" * 77)  # a file at the top
    (cache / "wheels" / "toplink").symlink_to(outside, target_is_directory=True)
    (cache / "http-v2" / "9").symlink_to(outside, target_is_directory=True)  # a linked shard
    (cache / "http" / "e" / "f").mkdir(parents=True)  # empty nested dirs
    return cache


def trees_of(cache: Path) -> Trees:
    match = pattern_matcher(pip_glob("*"))
    return [
        (str(cache / "wheels"), match),
        (str(cache / "http-v2"), None),
        (str(cache / "http"), None),
    ]


def expected(cache: Path) -> List[Tuple[int, int, int]]:
    return [
        os_walk_tally(cache / "wheels", WHEEL_GLOB),
        os_walk_tally(cache / "http-v2", None),
        os_walk_tally(cache / "http", None),
    ]


def no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("processes", [2, 3, 8])
def test_parallel_equals_sequential_equals_os_walk(tmp_path: Path, processes: int) -> None:
    cache = busy_cache(tmp_path)
    trees = trees_of(cache)
    sequential = _walk.tally_trees(trees, parallel=False)
    parallel = _walk.tally_trees(trees, parallel=True, processes=processes)
    assert sequential == parallel == expected(cache)
    assert no_child_left()


def test_the_wheel_count_covers_links_and_top_files(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    (count, _size, matching), *_ = _walk.tally_trees(trees_of(cache), parallel=True, processes=2)
    # 7 fixture wheels, 40 added, the top one, a link to a wheel and a broken one
    assert matching == 7 + 40 + 1 + 2
    assert count == expected(cache)[0][0]


@linux_only
def test_native_info_is_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = busy_cache(tmp_path)
    monkeypatch.setattr(_walk.trees, "PARALLEL_MIN_FILES", 10**9)
    sequential = native_info(cache, pip_version=None)
    forks = count_forks(monkeypatch)
    monkeypatch.setattr(_walk.trees, "PARALLEL_MIN_FILES", 0)
    parallel = native_info(cache, pip_version=None)
    assert forks
    assert parallel == sequential
    (_wheel_files, wheel_bytes, wheels), v2, v1 = expected(cache)
    assert (parallel.wheel_count, parallel.wheels_size) == (wheels, wheel_bytes)
    assert (parallel.http_files, parallel.http_size) == (v2[0] + v1[0], v2[1] + v1[1])


def count_forks(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """Record each fork this process makes (the children run on as usual)."""
    forks: List[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forks


def test_a_small_tree_is_walked_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = build_cache(tmp_path / "cache").cache_dir
    forks = count_forks(monkeypatch)
    assert _walk.tally_trees(trees_of(cache)) == expected(cache)
    assert forks == []


@linux_only
def test_a_large_estimate_forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = busy_cache(tmp_path)
    monkeypatch.setattr(_walk.trees, "PARALLEL_MIN_FILES", 20)  # the first look sees far more
    forks = count_forks(monkeypatch)
    assert _walk.tally_trees(trees_of(cache), processes=2) == expected(cache)
    assert len(forks) == 1  # this process is the other walker


def test_no_fork_while_another_thread_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = busy_cache(tmp_path)
    forks = count_forks(monkeypatch)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not _walk.can_fork()
        assert _walk.tally_trees(trees_of(cache), parallel=True, processes=2) == expected(cache)
    finally:
        release.set()
        other.join()
    assert forks == []


def test_files_vanishing_mid_walk_are_skipped_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    real_lstat = os.lstat
    for parallel in (False, True):
        cache = busy_cache(tmp_path / str(parallel))
        victims = {str(p) for p in (cache / "http-v2").rglob("*") if p.is_file()}
        victims = set(sorted(victims)[::3])  # a third of them, in shards of every worker

        def lstat(path, *args, victims=victims, **kwargs):
            if os.fspath(path) in victims:
                os.unlink(path)
            return real_lstat(path, *args, **kwargs)

        monkeypatch.setattr(os, "lstat", lstat)
        got = _walk.tally_trees(trees_of(cache), parallel=parallel, processes=3)
        monkeypatch.setattr(os, "lstat", real_lstat)
        assert got == expected(cache)  # what is left: the victims are gone, not counted
        assert not any(os.path.lexists(v) for v in victims)
        results.append(got)
    assert results[0] == results[1]


@linux_only
def test_a_failing_child_has_its_shards_walked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = busy_cache(tmp_path)
    parent = os.getpid()
    real_scandir = os.scandir

    def scandir(path):
        if os.getpid() != parent:
            os._exit(3)  # a child dies as if killed
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert _walk.tally_trees(trees_of(cache), parallel=True, processes=3) == expected(cache)
    assert no_child_left()


@linux_only
def test_an_interrupt_leaves_no_child(tmp_path: Path) -> None:
    def work(part: int) -> int:
        if part == 0:  # this process's own part
            time.sleep(0.2)  # the children are running by now
            raise KeyboardInterrupt
        time.sleep(60)  # a child that would hold the call for a minute
        return part

    with pytest.raises(KeyboardInterrupt):
        _walk.fork_map(work, [0, 1, 2])
    assert no_child_left()


def test_fork_map_keeps_the_order_of_the_parts() -> None:
    assert _walk.fork_map(lambda part: (part, os.getpid()), [0, 1, 2, 3])[0][1] == os.getpid()
    assert [r[0] for r in _walk.fork_map(lambda part: (part, os.getpid()), [5, 6, 7])] == [5, 6, 7]


def test_a_missing_cache_counts_nothing(tmp_path: Path) -> None:
    assert _walk.tally_trees(trees_of(tmp_path / "nothing"), parallel=True) == [(0, 0, 0)] * 3
