"""Issue 13 for usage: with its HTTP areas read by forked workers it is the sequential usage.

Both run on the same cache (built wheels under ``wheels/`` with their ``origin.json``, HTTP
entries in many shards of both areas, bad entries, strays, a FIFO, a symlinked shard), each with
its own disk cache, first and repeated: the rows (every field) and the warnings in their order
must be equal, and the totals are checked against the files the test wrote. The parallel run is
in a fresh interpreter (the listing never forks from a process with other threads), which
counts its forks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "http"))

from _dists import wheel
from _sharded import build

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the scan forks on Linux only"
)

_USAGE = """
import json, os, sys
from pathlib import Path
from pipcache_ext._http import shards
from pipcache_ext._housekeeping.usage import usage

spec = json.loads(sys.argv[1])
forks = []
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = fork
shards.workers = lambda: 2  # two processes even on one core
rows, warnings = usage(Path(spec["cache"]), store=Path(spec["store"]), parallel=spec["parallel"])
out = [[r.project, r.wheel_count, r.wheels_size, r.http_entries, r.http_size, r.size,
        list(r.versions), r.last_used.isoformat() if r.last_used else None] for r in rows]
try:
    os.waitpid(-1, os.WNOHANG)
    left = True
except ChildProcessError:
    left = False
print(json.dumps({"rows": out, "warnings": warnings, "forks": len(forks), "children_left": left}))
"""


def usage_in_a_child(cache: Path, store: Path, *, parallel: bool) -> Dict[str, Any]:
    spec = {"cache": str(cache), "store": str(store), "parallel": parallel}
    done = subprocess.run(
        [sys.executable, "-c", _USAGE, json.dumps(spec)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer: Dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["children_left"] is False
    return answer


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
    return size


@linux_only
def test_the_parallel_usage_is_the_sequential_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    made = build(cache)
    wheels_size = wheels(cache)
    http_size = sum(p.lstat().st_size for files in made.values() for p in files)
    for step in ("first", "repeated"):
        sequential = usage_in_a_child(cache, tmp_path / "store-sequential", parallel=False)
        parallel = usage_in_a_child(cache, tmp_path / "store-parallel", parallel=True)
        assert sequential["forks"] == 0
        assert parallel["forks"] >= 1, "the parallel usage forked no worker"
        assert parallel["rows"] == sequential["rows"], step
        assert parallel["warnings"] == sequential["warnings"], step
    rows = {row[0]: row for row in parallel["rows"]}
    assert sum(row[3] for row in rows.values()) == len(made)  # every HTTP entry in one row
    assert sum(row[4] for row in rows.values()) == http_size
    assert sum(row[2] for row in rows.values()) == wheels_size
    assert rows["proj00"][1] == 2
    assert rows["proj00"][6] == ["1.0", "2.0"]
    assert any(w.startswith(str(made["http-v2 corrupt"][0])) for w in parallel["warnings"])
