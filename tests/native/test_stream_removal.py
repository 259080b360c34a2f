"""Issue 13: a native remove/purge streamed shard by shard is the whole-cache plan, in flat memory.

The streamed removal (``_walk.removal``, what ``native_remove``/``native_purge`` run) is checked
against the whole-cache plan (``plan_for`` + ``planned_result``, which the pip backend still
uses) on the same trees, for several pips' rules: the same files counted in the same order, the
same paths deleted and the same counts; a real run deletes exactly what its dry run lists, and
nothing outside the cache. With ``paths=False`` the counts are the same and no path is kept, and
at no time are more files held than one shard has.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Callable, List, Optional, Set

import pytest
from _cachetree import build_cache, snapshot

from pipcache_ext import _fs, _scan
from pipcache_ext._native import native_purge, native_remove, plan_for, planned_result
from pipcache_ext._walk import removal

RULES = [None, "26.2.1", "26.0", "25.0", "23.2.1", "20.3.4", "9.0.3"]
PATTERNS = ["*", "six", "p1*", "nothing-matches"]


def busy_cache(root: Path) -> Path:
    """pip's layout with many shards, files at the tops, links, leftovers and strays."""
    cache = build_cache(root / "cache").cache_dir
    outside = root / "outside"
    outside.mkdir()
    (outside / "keep-1.0-py3-none-any.whl").write_bytes(b"k" * 50)
    for index in range(60):
        name = f"{index:02x}{'cd' * 27}"
        entry = cache.joinpath("wheels", name[:2], name[2:4], name[4:6], name[6:])
        entry.mkdir(parents=True, exist_ok=True)
        (entry / f"p{index}-1.0-py3-none-any.whl").write_bytes(b"w" * (10 + index))
        (entry / "origin.json").write_text("{}")
        for top in ("http", "http-v2"):
            http = cache.joinpath(top, *name[:5])
            http.mkdir(parents=True, exist_ok=True)
            (http / name).write_bytes(b"h" * (30 + index))
            if top == "http-v2":
                (http / f"{name}.body").write_bytes(b"b" * (40 + index))
    wheels = cache / "wheels"
    (wheels / "ab-top-1.0-py3-none-any.whl").write_bytes(b"t")  # sorts between shards
    (wheels / "zz-note.txt").write_text("a stray at the top")
    (wheels / "00" / "linked-1.0-py3-none-any.whl").symlink_to(
        outside / "keep-1.0-py3-none-any.whl"
    )
    (wheels / "01" / "dirlink").symlink_to(outside, target_is_directory=True)
    (wheels / "toplink").symlink_to(outside, target_is_directory=True)
    (cache / "http" / "top-file").write_bytes(b"x" * 7)
    (cache / "http-v2" / "e" / "empty" / "dirs").mkdir(parents=True)
    (cache / "selfcheck.json").write_text("{}")
    return cache


def whole(cache: Path, pattern: str, rules: Optional[str], *, dry_run: bool):
    return planned_result(plan_for(cache, pattern, rules=rules), dry_run=dry_run)


def streamed(cache: Path, pattern: str, rules: Optional[str], *, dry_run: bool, paths=True):
    if pattern == "*":
        return native_purge(cache, dry_run=dry_run, rules=rules, paths=paths, force=True)
    return native_remove(cache, pattern, dry_run=dry_run, rules=rules, paths=paths, force=True)


def same_plan(stream, plan) -> None:
    """The same removal: counts, counted files in order, the same paths deleted, warnings."""
    assert (stream.files_removed, stream.bytes_removed, stream.dirs_removed) == (
        plan.files_removed, plan.bytes_removed, plan.dirs_removed,
    )  # fmt: skip
    assert stream.removed == plan.removed  # pip's order: wheels, then HTTP, each by path
    assert sorted(stream.deleted) == sorted(plan.deleted)
    assert len(stream.deleted) == len(set(stream.deleted))
    assert sorted(stream.warnings) == sorted(plan.warnings)
    assert (stream.matched, stream.failed, stream.exact) == (plan.matched, plan.failed, plan.exact)


@pytest.mark.parametrize("rules", RULES, ids=str)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_streamed_dry_run_is_the_whole_cache_plan(
    tmp_path: Path, pattern: str, rules: Optional[str]
) -> None:
    cache = busy_cache(tmp_path)
    before = snapshot(cache)
    stream = streamed(cache, pattern, rules, dry_run=True)
    same_plan(stream, whole(cache, pattern, rules, dry_run=True))
    assert snapshot(cache) == before


@pytest.mark.parametrize("rules", [None, "23.2.1"], ids=str)
@pytest.mark.parametrize("pattern", ["*", "six"])
def test_a_streamed_run_deletes_what_the_plan_says(
    tmp_path: Path, pattern: str, rules: Optional[str]
) -> None:
    cache = busy_cache(tmp_path / "a")
    twin = busy_cache(tmp_path / "b")
    outside = snapshot(tmp_path / "a" / "outside")
    before = set(snapshot(cache))
    dry = streamed(cache, pattern, rules, dry_run=True)
    real = streamed(cache, pattern, rules, dry_run=False)
    assert dry == dataclasses.replace(real, dry_run=True)
    gone = before - set(snapshot(cache))
    assert set(real.deleted) == {cache / p for p in gone}
    planned = whole(twin, pattern, rules, dry_run=False)  # the whole-cache run on its twin
    twin_root = str(twin)
    assert sorted(str(p).replace(twin_root, str(cache)) for p in planned.deleted) == sorted(
        str(p) for p in real.deleted
    )
    assert snapshot(tmp_path / "a" / "outside") == outside


def test_without_paths_the_counts_are_the_same_and_nothing_is_listed(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    listed = streamed(cache, "*", None, dry_run=True)
    bare = streamed(cache, "*", None, dry_run=True, paths=False)
    assert (bare.removed, bare.deleted) == ((), ())
    assert dataclasses.replace(listed, removed=(), deleted=()) == bare
    real = streamed(cache, "*", None, dry_run=False, paths=False)
    assert dataclasses.replace(real, dry_run=True) == bare
    assert not any(f.name.endswith(".whl") for f in cache.joinpath("wheels").rglob("*"))


def test_a_missing_cache_is_what_the_plan_says(tmp_path: Path) -> None:
    for dry_run in (True, False):
        same_plan(
            streamed(tmp_path / "none", "*", None, dry_run=dry_run),
            whole(tmp_path / "none", "*", None, dry_run=dry_run),
        )


def test_a_file_that_stays_keeps_its_directories_and_the_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the whole-cache run: what stays is in ``failed``, with each directory above it."""
    cache = busy_cache(tmp_path)
    stuck = next((cache / "http-v2").rglob("*.body"))
    real_unlink = _fs.unlink_child

    def unlink(parent, name, path):
        if path == str(stuck):
            raise PermissionError(13, "Permission denied")
        return real_unlink(parent, name, path)

    monkeypatch.setattr(_fs, "unlink_child", unlink)
    result = streamed(cache, "*", None, dry_run=False)
    failed = set(result.failed)
    assert stuck in failed
    above = [p for p in stuck.parents if p == cache / "http-v2" or cache / "http-v2" in p.parents]
    assert set(above) <= failed  # its directories, up to http-v2 itself
    assert all(p.exists() for p in above)
    assert not (cache / "wheels").exists()  # the other areas went
    assert any("Permission denied" in w for w in result.warnings)


def test_no_more_files_are_held_than_one_shard_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = busy_cache(tmp_path)
    live: List[int] = [0]
    most: List[int] = [0]
    real_list = _scan._list
    real_release = removal.release

    def count(node: _scan.DirNode) -> int:
        return len(node.files) + sum(count(child) for child in node.children)

    def listed(handle, node, warnings):
        real_list(handle, node, warnings)
        live[0] += len(node.files)
        most[0] = max(most[0], live[0])

    def release(node):
        live[0] -= count(node)
        real_release(node)

    monkeypatch.setattr(_scan, "_list", listed)
    monkeypatch.setattr(removal, "release", release)
    result = streamed(cache, "*", None, dry_run=True, paths=False)
    largest = max(
        sum(len(files) for _root, _dirs, files in os.walk(shard))
        for top in ("wheels", "http", "http-v2")
        for shard in (cache / top).iterdir()
        if shard.is_dir() and not shard.is_symlink()
    )
    tops = sum(1 for top in ("wheels", "http", "http-v2") for p in (cache / top).iterdir()
               if not p.is_dir() or p.is_symlink())  # fmt: skip
    assert result.files_removed > 5 * largest
    assert most[0] <= largest + tops


def peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_one_shards_not_the_caches(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    for index in range(16):  # every http-v2 shard about as big
        for extra in range(120):
            name = f"{index:x}{extra:03x}{'ef' * 26}"
            entry = cache.joinpath("http-v2", *name[:5])
            entry.mkdir(parents=True, exist_ok=True)
            (entry / name).write_bytes(b"m")
            (entry / f"{name}.body").write_bytes(b"b")
    # once each first (dry runs): what a first call imports or caches is not the walk's memory
    streamed(cache, "*", None, dry_run=True, paths=False)
    whole(cache, "*", None, dry_run=True)
    stream = peak(lambda: streamed(cache, "*", None, dry_run=True, paths=False))
    planned = peak(lambda: whole(cache, "*", None, dry_run=True))
    assert stream * 4 < planned


def test_a_vanished_top_directory_is_what_the_plan_says(tmp_path: Path) -> None:
    cache = busy_cache(tmp_path)
    shutil.rmtree(cache / "http")
    (cache / "http").symlink_to(tmp_path / "outside", target_is_directory=True)
    same_plan(streamed(cache, "*", None, dry_run=True), whole(cache, "*", None, dry_run=True))
    seen: Set[str] = set()
    result = streamed(cache, "*", None, dry_run=False)
    seen.update(str(p) for p in result.deleted)
    assert not any(p.startswith(str(tmp_path / "outside")) for p in seen)
    assert (tmp_path / "outside" / "keep-1.0-py3-none-any.whl").exists()


# -- shared among forked workers ---------------------------------------------------------------

_PARALLEL = """
import json, os, sys
from pathlib import Path
from pipcache_ext import _fs
from pipcache_ext._walk import trees
from pipcache_ext._native import native_purge, native_remove

spec = json.loads(sys.argv[1])
trees.PARALLEL_MIN_FILES = spec["min_files"]
forks = []
real_fork, real_unlink = os.fork, _fs.unlink_child

def fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid

def unlink(parent, name, path):
    if path == spec.get("stuck"):
        raise PermissionError(13, "Permission denied")
    return real_unlink(parent, name, path)

os.fork = fork
_fs.unlink_child = unlink
cache = Path(spec["cache"])
if spec["pattern"] == "*":
    r = native_purge(cache, dry_run=spec["dry_run"], paths=False, force=True)
else:
    r = native_remove(cache, spec["pattern"], dry_run=spec["dry_run"], paths=False, force=True)
print(json.dumps({
    "counts": [r.files_removed, r.bytes_removed, r.dirs_removed, r.matched],
    "warnings": list(r.warnings), "failed": [str(p) for p in r.failed],
    "removed": len(r.removed), "deleted": len(r.deleted), "forks": len(forks),
}))
"""


def in_a_child(cache: Path, pattern: str, *, dry_run: bool, min_files: int, stuck=None):
    """The removal in a fresh interpreter (one thread: it may fork), as JSON."""
    spec = {"cache": str(cache), "pattern": pattern, "dry_run": dry_run,
            "min_files": min_files, "stuck": None if stuck is None else str(stuck)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", _PARALLEL, json.dumps(spec)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def as_seen(result, cache: Path, to: Path) -> dict:
    """A sequential result in the child's terms, its paths moved from ``cache`` to ``to``."""
    return {
        "counts": [result.files_removed, result.bytes_removed, result.dirs_removed, result.matched],
        "warnings": [w.replace(str(cache), str(to)) for w in result.warnings],
        "failed": [str(p).replace(str(cache), str(to)) for p in result.failed],
        "removed": 0,
        "deleted": 0,
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
@pytest.mark.parametrize("pattern", ["*", "six"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_workers_give_the_sequential_result(tmp_path: Path, pattern: str, dry_run: bool) -> None:
    forked = busy_cache(tmp_path / "forked")
    here = busy_cache(tmp_path / "here")
    stuck = next((forked / "http-v2").rglob("*.body")) if not dry_run else None
    twin_stuck = None if stuck is None else here / stuck.relative_to(forked)
    answer = in_a_child(forked, pattern, dry_run=dry_run, min_files=0, stuck=stuck)
    assert answer.pop("forks") >= 1
    if twin_stuck is None:
        sequential = streamed(here, pattern, None, dry_run=dry_run, paths=False)
    else:
        real_unlink = _fs.unlink_child

        def unlink(parent, name, path):
            if path == str(twin_stuck):
                raise PermissionError(13, "Permission denied")
            return real_unlink(parent, name, path)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_fs, "unlink_child", unlink)
            sequential = streamed(here, pattern, None, dry_run=dry_run, paths=False)
    assert answer == as_seen(sequential, here, forked)
    if not dry_run:
        assert sorted(p.relative_to(forked) for p in forked.rglob("*")) == sorted(
            p.relative_to(here) for p in here.rglob("*")
        )  # the same files and directories are left
    if stuck is not None and pattern == "*":  # "six" leaves the HTTP files alone anyway
        assert str(stuck) in answer["failed"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_a_small_cache_is_removed_here(tmp_path: Path) -> None:
    cache = build_cache(tmp_path / "cache").cache_dir
    assert in_a_child(cache, "*", dry_run=True, min_files=10**6)["forks"] == 0
