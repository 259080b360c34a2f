"""Issue 13: the parallel walk counts exactly what the sequential walk counts.

Both walks run on the same trees (pip's layout from ``_cachetree`` plus symlinks of every kind,
strays at the top, a symlinked shard, files vanishing mid-walk), and both are checked against an
``os.walk`` count the test makes itself. Forked children are real processes; the tests also check
that none outlives a call, that a failing child's shards are walked again, and that a small tree
or a process with other threads never forks.

The walks that fork run in a fresh interpreter (``walk_in_a_child``): a pytest-xdist worker has
threads of its own, and the walk never forks from a process with other threads.
"""

from __future__ import annotations

import fnmatch
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from _cachetree import build_cache
from _fresh import linux_only, run_fresh

from pipcache_ext import _walk
from pipcache_ext._patterns import pattern_matcher, pip_glob

WHEEL_GLOB = "*-*.whl"
Trees = List[Tuple[str, Optional[Callable[[str], bool]]]]

# Runs in a fresh interpreter (one thread): the walk of a cache as asked, the forks it made, and
# whether any child is left afterwards.
_WALKER = """
import json, os, sys, time
from pathlib import Path
from pipcache_ext import _walk
from pipcache_ext._walk import trees
from pipcache_ext._native import native_info
from pipcache_ext._patterns import pattern_matcher, pip_glob

spec = json.loads(sys.argv[1])
cache = Path(spec["cache"])
parent = os.getpid()
real_scandir = os.scandir

class Listing:
    # a victim is deleted right after it is listed, before the walk can stat it
    def __init__(self, where):
        self.where, self.inner = where, real_scandir(where)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.inner.close()
    def __iter__(self):
        for entry in self.inner:
            if entry.name in victims:
                if isinstance(self.where, int):
                    os.unlink(entry.name, dir_fd=self.where)
                else:
                    os.unlink(os.path.join(self.where, entry.name))
            yield entry

def scandir(where="."):
    if spec.get("fail_children") and os.getpid() != parent:
        os._exit(3)  # every child dies as if killed
    return Listing(where)

victims = {os.path.basename(v) for v in spec.get("vanish", ())}
os.scandir = scandir
if "min_files" in spec:
    trees.PARALLEL_MIN_FILES = spec["min_files"]
answer = {}
if spec.get("interrupt"):
    def work(part):
        if part == 0:
            time.sleep(0.2)  # the children are running by now
            raise KeyboardInterrupt
        time.sleep(60)  # a child that would hold the call for a minute
        return part
    try:
        _walk.fork_map(work, [0, 1, 2])
    except KeyboardInterrupt:
        answer["interrupted"] = True
elif spec.get("native_info"):
    info = native_info(cache, pip_version=None)
    answer["info"] = [info.wheel_count, info.wheels_size, info.http_files, info.http_size]
else:
    match = pattern_matcher(pip_glob("*"))
    walked = [(str(cache / "wheels"), match), (str(cache / "http-v2"), None),
              (str(cache / "http"), None)]
    answer["tallies"] = _walk.tally_trees(
        walked, parallel=spec.get("parallel"), processes=spec.get("processes")
    )
answer["children_left"] = children_left()
answer["forks"] = len(forks)
print(json.dumps(answer))
"""


def walk_in_a_child(cache: Path, **spec: Any) -> Dict[str, Any]:
    """Walk ``cache`` in a fresh interpreter as ``spec`` asks; its JSON answer."""
    return run_fresh(_WALKER, {"cache": str(cache), **spec})


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


def expected(cache: Path) -> List[List[int]]:
    return [
        list(os_walk_tally(cache / "wheels", WHEEL_GLOB)),
        list(os_walk_tally(cache / "http-v2", None)),
        list(os_walk_tally(cache / "http", None)),
    ]


def tallies(cache: Path, **kwargs: Any) -> List[List[int]]:
    """The walk in this process, as JSON would hold it."""
    return [list(t) for t in _walk.tally_trees(trees_of(cache), **kwargs)]


@linux_only
@pytest.mark.parametrize("processes", [2, 3, 8])
def test_parallel_equals_sequential_equals_os_walk(tmp_path: Path, processes: int) -> None:
    cache = busy_cache(tmp_path)
    parallel = walk_in_a_child(cache, parallel=True, processes=processes)
    assert parallel["forks"] == processes - 1
    assert parallel["tallies"] == tallies(cache, parallel=False) == expected(cache)


def test_the_wheel_count_covers_links_and_top_files(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    (count, _size, matching), *_ = tallies(cache, parallel=False)
    # 7 fixture wheels, 40 added, the top one, a link to a wheel and a broken one
    assert matching == 7 + 40 + 1 + 2
    assert count == expected(cache)[0][0]


@linux_only
def test_native_info_is_the_same_either_way(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    sequential = walk_in_a_child(cache, native_info=True, min_files=10**9)
    parallel = walk_in_a_child(cache, native_info=True, min_files=0)
    assert (sequential["forks"], parallel["forks"]) == (0, _walk.workers() - 1)  # a core each
    assert parallel["info"] == sequential["info"]
    (_files, wheel_bytes, wheels), v2, v1 = expected(cache)
    assert parallel["info"] == [wheels, wheel_bytes, v2[0] + v1[0], v2[1] + v1[1]]


@linux_only
def test_a_small_tree_is_walked_here(tmp_path: Path) -> None:
    cache = build_cache(tmp_path / "cache").cache_dir
    answer = walk_in_a_child(cache)
    assert answer["forks"] == 0
    assert answer["tallies"] == expected(cache)


@linux_only
def test_a_large_estimate_forks(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    answer = walk_in_a_child(cache, min_files=20, processes=2)  # the first look sees far more
    assert answer["forks"] == 1  # this process is the other walker
    assert answer["tallies"] == expected(cache)


def test_no_fork_while_another_thread_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = busy_cache(tmp_path)
    forks: List[int] = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not _walk.can_fork()
        assert tallies(cache, parallel=True, processes=2) == expected(cache)
    finally:
        release.set()
        other.join()
    assert forks == []


@linux_only
@pytest.mark.parametrize("parallel", [False, True])
def test_files_vanishing_mid_walk_are_skipped_either_way(tmp_path: Path, parallel: bool) -> None:
    cache = busy_cache(tmp_path)
    victims = sorted(str(p) for p in (cache / "http-v2").rglob("*") if p.is_file())[::3]
    answer = walk_in_a_child(cache, parallel=parallel, processes=3, vanish=victims)
    assert answer["forks"] == (2 if parallel else 0)
    assert not any(os.path.lexists(v) for v in victims)  # a third of them, in every worker
    assert answer["tallies"] == expected(cache)  # what is left: the victims are not counted


@linux_only
def test_a_failing_child_has_its_shards_walked_again(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    answer = walk_in_a_child(cache, parallel=True, processes=3, fail_children=True)
    assert answer["forks"] == 2
    assert answer["tallies"] == expected(cache)


@linux_only
def test_an_interrupt_leaves_no_child(tmp_path: Path) -> None:
    answer = walk_in_a_child(tmp_path, interrupt=True)
    assert answer["interrupted"] is True
    assert answer["forks"] == 2  # and walk_in_a_child checked that none is left


def test_fork_map_keeps_the_order_of_the_parts() -> None:
    assert _walk.fork_map(lambda part: (part, os.getpid()), [0, 1, 2, 3])[0][1] == os.getpid()
    assert [r[0] for r in _walk.fork_map(lambda part: (part, os.getpid()), [5, 6, 7])] == [5, 6, 7]


def test_a_missing_cache_counts_nothing(tmp_path: Path) -> None:
    assert tallies(tmp_path / "nothing", parallel=True) == [[0, 0, 0]] * 3


def test_the_first_look_guesses_a_fan_out_tree(tmp_path: Path) -> None:
    top = tmp_path / "http-v2"
    for first in "0123456789abcdef":
        for second in "0123456789abcdef":
            leaf = top / first / second
            leaf.mkdir(parents=True)
            (leaf / "meta").write_bytes(b"m")
            (leaf / "meta.body").write_bytes(b"b")
    (top / "stray").write_bytes(b"s")
    assert _walk.trees.estimate(str(top)) == 16 * 16 * 2 + 1 == os_walk_tally(top, None)[0]
    assert _walk.trees.estimate(str(tmp_path / "missing")) == 0
