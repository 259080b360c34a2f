"""The prune's two rounds by workers: the plan's order, and a file replaced between the rounds.

A prune reads every shard in round one and deletes in round two from what its worker read
(:mod:`pipcache_ext._housekeeping.prune`); the executor re-checks each file then. These run the
prune in a fresh interpreter with two workers (the library never forks from a process with other
threads), and check its results against the files the test wrote.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "http"))

from _dists import wheel
from _fresh import linux_only, run_fresh
from _sharded import build

from pipcache_ext import _fs
from pipcache_ext._housekeeping.prune import _evict, prune

NOW = 1_900_000_000 * 10**9
OLD = NOW - 90 * 86400 * 10**9

_PRUNE = """
import json, os, sys
from pathlib import Path
from pipcache_ext._walk import scans
from pipcache_ext._housekeeping import prune as prune_module, shards

spec = json.loads(sys.argv[1])
scans.workers = prune_module.workers = lambda: 2  # two processes even on one core
swaps = Path(spec["swaps"]) if spec.get("swaps") else None
real_decide = shards.decide

def decide(found, top, area, threshold, **options):
    # between the rounds: the first wheel a worker read is replaced by another file, old too
    if swaps is not None and found.entries:
        path = found.entries[0].key[1]
        swapped = path + ".new"
        with open(swapped, "wb") as handle:
            handle.write(b"another file")
        os.utime(swapped, ns=(spec["old"], spec["old"]))
        os.replace(swapped, path)
        with open(swaps, "a") as log:  # the children's swaps too
            log.write(path + "\\n")
    return real_decide(found, top, area, threshold, **options)

shards.decide = decide
r = prune_module.prune(Path(spec["cache"]), older_than=30 * 86400, dry_run=spec["dry_run"],
                       force=True, now=spec["now"], parallel=True)
print(json.dumps({"removed": [str(p) for p in r.removed], "deleted": [str(p) for p in r.deleted],
                  "failed": [str(p) for p in r.failed], "warnings": list(r.warnings),
                  "files": r.files_removed, "forks": len(forks),
                  "children_left": children_left()}))
"""


def prune_in_a_child(cache: Path, **spec: Any) -> Dict[str, Any]:
    return run_fresh(_PRUNE, {"cache": str(cache), "now": NOW, "old": OLD, **spec})


def files_under(root: Path) -> Set[str]:
    return {str(p) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def age_everything(root: Path) -> None:
    for path in root.rglob("*"):
        if not path.is_symlink():
            os.utime(path, ns=(OLD, OLD))


@linux_only
def test_the_result_is_in_the_plans_order_files_by_path_then_directories_children_first(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    build(cache, fifo=False)  # both HTTP areas, many shards, files at the areas' tops too
    for i in range(30):
        folder = cache / "wheels" / f"{i % 7:02x}" / f"{i:02x}"
        folder.mkdir(parents=True, exist_ok=True)
        dist = wheel(f"proj{i:02d}", "1.0")
        (folder / dist.filename).write_bytes(dist.data)
    top_wheel = wheel("attop", "1.0")  # a wheel at the top of wheels/: among the shards by path
    (cache / "wheels" / top_wheel.filename).write_bytes(top_wheel.data)
    age_everything(cache)
    before = files_under(cache)
    answer = prune_in_a_child(cache, dry_run=True)
    assert answer["forks"] >= 1
    removed: List[str] = answer["removed"]
    assert set(removed) <= before
    assert len(removed) == answer["files"] > 60
    assert str(cache / "wheels" / top_wheel.filename) in removed
    # every entry by its first file's path; an http-v2 body right after its metadata file
    firsts = [p for p in removed if not p.endswith(".body") or p[:-5] not in removed]
    assert firsts == sorted(firsts)
    for index, path in enumerate(removed):
        if path.endswith(".body") and path[:-5] in removed:
            assert removed[index - 1] == path[:-5], path
    deleted: List[str] = answer["deleted"]
    assert deleted[: len(removed)] == removed
    rest = deleted[len(removed) :]
    assert rest
    assert len(set(deleted)) == len(deleted)
    for index, path in enumerate(rest):  # a directory after everything below it
        assert not any(later.startswith(path + os.sep) for later in rest[index + 1 :]), path
    dirs = [p for p in rest if Path(p).is_dir()]
    assert dirs
    assert all(str(cache) != p for p in dirs)
    assert not any(p in (str(cache / a) for a in ("wheels", "http", "http-v2")) for p in dirs)


@linux_only
def test_a_file_replaced_between_the_rounds_is_left_and_named_and_nothing_else_stays(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    canary = tmp_path / "outside" / "canary.whl"
    canary.parent.mkdir()
    canary.write_bytes(b"not the cache's")
    for i in range(40):  # 40 shards, two wheels each (each with its origin.json)
        for sub in ("ab", "cd"):
            folder = cache / "wheels" / f"{i:02x}" / sub
            folder.mkdir(parents=True)
            dist = wheel(f"proj{i:02d}{sub}", "1.0")
            (folder / dist.filename).write_bytes(dist.data)
            (folder / "origin.json").write_text("{}")
    (cache / "wheels" / "00" / "ab" / "outside").symlink_to(canary.parent)
    age_everything(cache)
    swaps = tmp_path / "swaps.txt"
    answer = prune_in_a_child(cache, dry_run=False, swaps=str(swaps))
    assert answer["forks"] >= 1
    swapped = set(swaps.read_text().split())
    assert len(swapped) == 40  # every shard's worker swapped its wheel
    for path in swapped:
        assert Path(path).read_bytes() == b"another file", path  # left alone
        assert path in answer["failed"], path
        assert (
            f"Left {path} alone: it was replaced while the cache was cleaned" in answer["warnings"]
        )
    left = files_under(cache)
    origins = {str(Path(p).parent / "origin.json") for p in swapped}
    link = str(cache / "wheels" / "00" / "ab" / "outside")
    assert left == swapped | origins | {link}  # the rest went, the link stayed unfollowed
    assert answer["files"] == 40
    assert len(answer["removed"]) == 40
    assert not set(answer["removed"]) & swapped
    assert canary.read_bytes() == b"not the cache's"


def _evict_by_key(uses: List[int], sizes: List[int], paths: List[str], excess: int) -> Any:
    """The size cap's rule as stated: by (last use, path), while fewer than ``excess`` went."""
    last, taken = None, 0
    for use, path, size in sorted(zip(uses, paths, sizes)):
        if taken >= excess:
            break
        last, taken = (use, path), taken + size
    return last, taken


def test_the_size_caps_threshold_is_the_rule_by_last_use_then_path() -> None:
    rng = random.Random(11)  # noqa: S311 - test data, not secrets
    for case in range(400):
        count = rng.randint(0, 40)
        uses = [rng.choice([5, 7, 7, 9, 9, 9, 12]) * 10**9 for _ in range(count)]  # many ties
        paths = rng.sample([f"/c/http-v2/{i:03d}" for i in range(100)], count)
        sizes = [rng.choice([0, 1, 10, 100, 1000]) for _ in range(count)]
        excess = rng.randint(-5, sum(sizes) + 50)
        want = _evict_by_key(uses, sizes, paths, excess) if excess > 0 else (None, 0)
        assert _evict(uses, sizes, paths, excess) == want, (case, uses, sizes, paths, excess)


def _relative(result: Any, cache: Path) -> List[Any]:
    rel = lambda paths: [str(Path(p).relative_to(cache)) for p in paths]  # noqa: E731
    return [result.files_removed, result.bytes_removed, result.dirs_removed, rel(result.removed),
            rel(result.deleted), rel(result.failed),
            [w.replace(str(cache), "CACHE") for w in result.warnings]]  # fmt: skip


def test_without_directory_handles_the_prune_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where handles are paths (Windows' fallback) every entry is classified by its lstat."""
    caches = [tmp_path / name / "cache" for name in ("fd", "paths")]
    for cache in caches:
        build(cache, fifo=False)
        folder = cache / "wheels" / "0a" / "bb"
        folder.mkdir(parents=True)
        dist = wheel("proj", "1.0")
        (folder / dist.filename).write_bytes(dist.data)
        (folder / "origin.json").write_text("{}")
        (cache / "wheels" / "0a" / "link").symlink_to(tmp_path, target_is_directory=True)
        age_everything(cache)
    dry = {}
    for cache, handles in zip(caches, (True, False)):
        monkeypatch.setattr(_fs, "FD_SAFE", handles)
        dry[handles] = _relative(
            prune(cache, older_than=30 * 86400, dry_run=True, force=True, now=NOW, parallel=False),
            cache,
        )
    assert dry[False] == dry[True]
    assert dry[True][0] > 50
    assert any("0a/link" in w for w in dry[True][6])  # the link named, never followed
    for cache, handles in zip(caches, (True, False)):
        monkeypatch.setattr(_fs, "FD_SAFE", handles)
        real = prune(cache, older_than=30 * 86400, force=True, now=NOW, parallel=False)
        assert _relative(real, cache)[:6] == dry[True][:6]
    left = [sorted(str(p.relative_to(c)) for p in c.rglob("*")) for c in caches]
    assert left[0] == left[1]
    assert "wheels/0a/link" in left[0]
    assert (tmp_path / "fd").exists()  # what the link led to is untouched
