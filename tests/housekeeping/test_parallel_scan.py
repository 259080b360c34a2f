"""Issue 13 for usage: with its HTTP areas read by forked workers it is the sequential usage.

Listed (first) and tallied (repeated), each way.

Both run on the same cache (built wheels under ``wheels/`` with their ``origin.json``, HTTP
entries in many shards of both areas, bad entries, strays, a FIFO, a symlinked shard), each with
its own disk cache, first and repeated: the rows (every field) and the warnings in their order
must be equal, and the totals are checked against the files the test wrote. The parallel run is
in a fresh interpreter (the listing never forks from a process with other threads), which
counts its forks.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "http"))

from _dists import wheel
from _fresh import linux_only, run_fresh
from _sharded import build

_USAGE = """
import json, os, sys
from pathlib import Path
from pipcache_ext._http import shards
from pipcache_ext._housekeeping import usage as usage_module
from pipcache_ext._housekeeping.usage import usage

spec = json.loads(sys.argv[1])
shards.workers = lambda: 2  # two processes even on one core
usage_module.workers = lambda: 2  # and for the shards of wheels/
listed = []
real_listed = usage_module._listed
usage_module._listed = lambda *args: listed.append(1) or real_listed(*args)
rows, warnings = usage(Path(spec["cache"]), store=Path(spec["store"]), parallel=spec["parallel"])
out = [[r.project, r.wheel_count, r.wheels_size, r.http_entries, r.http_size, r.size,
        list(r.versions), r.last_used.isoformat() if r.last_used else None] for r in rows]
print(json.dumps({"rows": out, "warnings": warnings, "forks": len(forks), "listed": len(listed),
                  "children_left": children_left()}))
"""


def usage_in_a_child(cache: Path, store: Path, *, parallel: bool) -> Dict[str, Any]:
    return run_fresh(_USAGE, {"cache": str(cache), "store": str(store), "parallel": parallel})


def wheels(cache: Path) -> int:
    """Built wheels under ``wheels/``, two sharing a directory; their bytes."""
    size = 0
    for i in range(6):
        entry = cache / "wheels" / f"{i:02x}" / "ab" / "cd" / f"{i:056x}"
        entry.mkdir(parents=True)
        for version in ("1.0", "2.0") if i == 0 else ("1.0",):
            dist = wheel(f"proj{i:02d}", version)
            (entry / dist.filename).write_bytes(dist.data)
        (entry / "origin.json").write_text(json.dumps({"url": f"file:///src/proj{i:02d}"}))
        size += sum(p.lstat().st_size for p in entry.iterdir())
    # a stray beside proj03's wheel (its row), and two projects' wheels with a file of neither
    (cache / "wheels" / "03" / "ab" / "cd" / f"{3:056x}" / "notes.txt").write_text("stray")
    shared = cache / "wheels" / "0f" / "aa"
    shared.mkdir(parents=True)
    for name in ("proj01", "proj04"):
        dist = wheel(name, "3.0")
        (shared / dist.filename).write_bytes(dist.data)
    (shared / "origin.json").write_text("{}")
    return size + sum(
        p.lstat().st_size
        for p in [
            *shared.iterdir(),
            cache / "wheels" / "03" / "ab" / "cd" / f"{3:056x}" / "notes.txt",
        ]
    )


@linux_only
def test_the_parallel_usage_is_the_sequential_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    made = build(cache)
    wheels_size = wheels(cache)
    http_size = sum(p.lstat().st_size for files in made.values() for p in files)
    runs = []
    for step in ("first", "repeated"):  # the repeated usage is tallied (test_usage_tally.py)
        sequential = usage_in_a_child(cache, tmp_path / "store-sequential", parallel=False)
        parallel = usage_in_a_child(cache, tmp_path / "store-parallel", parallel=True)
        assert sequential["forks"] == 0
        assert parallel["forks"] >= 1, "the parallel usage forked no worker"
        assert parallel["rows"] == sequential["rows"], step
        assert parallel["warnings"] == sequential["warnings"], step
        assert parallel["listed"] == sequential["listed"] == (step == "first"), step
        runs.append(parallel)
    assert runs[1]["rows"] == runs[0]["rows"]
    assert runs[1]["warnings"] == runs[0]["warnings"]
    rows = {row[0]: row for row in parallel["rows"]}
    assert sum(row[3] for row in rows.values()) == len(made)  # every HTTP entry in one row
    assert sum(row[4] for row in rows.values()) == http_size
    assert sum(row[2] for row in rows.values()) == wheels_size
    assert rows["proj00"][1] == 2
    assert rows["proj00"][6] == ["1.0", "2.0"]
    assert rows["proj01"][1] == 2
    assert rows["proj01"][6] == ["1.0", "3.0"]
    assert rows[None][2] == 2  # origin.json beside two projects' wheels: nobody's
    assert any(w.startswith(str(made["http-v2 corrupt"][0])) for w in parallel["warnings"])


# In a fresh interpreter: prune the cache as asked, with the paths made relative to it.
_PRUNE = """
import json, os, sys
from pathlib import Path
from pipcache_ext._walk import scans
from pipcache_ext._housekeeping.prune import prune

spec = json.loads(sys.argv[1])
scans.workers = lambda: 2  # two processes even on one core
cache = Path(spec["cache"])
r = prune(cache, older_than=spec["older_than"], max_size=spec["max_size"],
          dry_run=spec["dry_run"], force=True, now=spec["now"], parallel=spec["parallel"])
rel = lambda paths: [str(Path(p).relative_to(cache)) for p in paths]
out = [r.files_removed, r.bytes_removed, r.dirs_removed, rel(r.removed), rel(r.deleted),
       rel(r.failed), [w.replace(str(cache), "CACHE") for w in r.warnings], r.matched]
print(json.dumps({"result": out, "forks": len(forks), "children_left": children_left()}))
"""

DAY_NS = 86400 * 10**9
NOW = 1_900_000_000 * 10**9


def prune_in_a_child(cache: Path, **spec: Any) -> Dict[str, Any]:
    return run_fresh(_PRUNE, {"cache": str(cache), **spec})


def aged_cache(cache: Path) -> Tuple[Dict[str, int], List[Tuple[List[str], List[str]]]]:
    """The sharded cache with wheels, every file last used 1 to 90 days ago; its entries.

    An entry: its files, and the files whose last use is its own (a directory's only wheel
    goes with its ``origin.json``, whose use counts).
    """
    made = build(cache, fifo=False)
    wheels(cache)
    rel = lambda path: str(path.relative_to(cache))  # noqa: E731
    groups = [([rel(p) for p in files], [rel(p) for p in files]) for files in made.values()]
    for folder in sorted({p.parent for p in (cache / "wheels").rglob("*.whl")}):
        built = sorted(folder.glob("*.whl"))
        origin = [rel(folder / "origin.json")] if len(built) == 1 else []
        groups += [([rel(p)], [rel(p), *origin]) for p in built]
    ages: Dict[str, int] = {}
    files = sorted(p for p in cache.rglob("*") if p.is_file() and not p.is_symlink())
    for i, path in enumerate(files):
        days = 1 + (i * 37) % 90
        when = NOW - days * DAY_NS
        used = i % 3 == 0 and days > 20  # read since it was written: its atime is newer
        atime = when + 20 * DAY_NS if used else when
        os.utime(path, ns=(atime, when))
        ages[str(path.relative_to(cache))] = days - 20 if used else days
    for shard in sorted(p for p in (cache / "http-v2").iterdir() if not p.is_symlink()):
        if shard.is_dir():  # a directory link in every shard: never followed, never counted
            (shard / "linked").symlink_to(cache.parent, target_is_directory=True)
    return ages, groups


@linux_only
def test_the_parallel_prune_is_the_sequential_one(tmp_path: Path) -> None:
    one, two = tmp_path / "one" / "cache", tmp_path / "two" / "cache"
    ages, groups = aged_cache(one)
    assert aged_cache(two) == (ages, groups)
    rules = [
        {"older_than": 30 * 86400, "max_size": None},
        {"older_than": None, "max_size": 200_000},
        {"older_than": 60 * 86400, "max_size": 100_000},
    ]
    for rule in rules:
        runs = {
            mode: prune_in_a_child(one, dry_run=True, now=NOW, parallel=mode == "parallel", **rule)
            for mode in ("sequential", "parallel")
        }
        assert runs["sequential"]["forks"] == 0
        assert runs["parallel"]["forks"] >= 1, "the parallel prune forked no worker"
        assert runs["parallel"]["result"] == runs["sequential"]["result"], rule
        assert runs["parallel"]["result"][0] > 0, rule
    dry = runs["parallel"]["result"]
    real_one = prune_in_a_child(one, dry_run=False, now=NOW, parallel=False, **rules[-1])
    real_two = prune_in_a_child(two, dry_run=False, now=NOW, parallel=True, **rules[-1])
    assert real_two["result"][:6] == real_one["result"][:6]
    assert real_two["result"][:5] == dry[:5]  # the dry run said what the real run does
    for relative in dry[4]:
        assert not os.path.lexists(two / relative), relative
    left = sorted(str(p.relative_to(two)) for p in two.rglob("*") if p.is_file())
    assert left == sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file())
    # by age alone: exactly the entries whose newest file the test made older than 30 days go
    # (half-written *.tmp files older than an hour go whatever the rule)
    fresh = tmp_path / "three" / "cache"
    aged_cache(fresh)
    by_age = prune_in_a_child(fresh, dry_run=False, now=NOW, parallel=True, **rules[0])
    old = [f for files, used in groups for f in files
           if min(ages[g] for g in used) > 30 or files[0].endswith(".tmp")]  # fmt: skip
    assert sorted(by_age["result"][3]) == sorted(old)
    assert all(not (fresh / f).exists() for f in old)
    assert all((fresh / f).exists() for files, _used in groups for f in files if f not in old)
