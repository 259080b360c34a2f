"""Issue 13 for the HTTP listing: read by forked workers, shard by shard, it is the sequential one.

Both readings run on the same cache (good entries in many shards, bad ones of every kind, strays
at an area's top and in a shard, a symlinked shard, a FIFO, a lone body and a lone metadata
file), each with its own disk cache: the entries (every field), the warnings in their order and
the disk cache written must be equal, for a first listing, a repeated one (from the disk cache)
and one after an entry changed. The entries are also checked against the files the test wrote.

The parallel reading runs in a fresh interpreter (a pytest-xdist worker has threads, and the
listing never forks from a process with other threads), which also counts its forks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from _dists import wheel
from _fresh import linux_only, run_fresh
from _sharded import INDEX, build

# In a fresh interpreter: list the cache as asked, say every entry, the warnings, the disk
# cache written, the forks made and whether a child is left.
_LISTER = """
import json, os, sys
from pathlib import Path
from pipcache_ext import _fs
from pipcache_ext._http import shards
from pipcache_ext._http.listing import scan_http, _sort_key

spec = json.loads(sys.argv[1])
shards.workers = lambda: 2  # two processes even on one core
cache, store = Path(spec["cache"]), Path(spec["store"])
root = _fs.open_root(str(cache))
scanned = scan_http(root, cache, urls=[spec["index"]], store=store, parallel=spec["parallel"])
_fs.close(root)
entries = [
    [e.kind, e.project, e.version, e.filename, e.url, e.area, [str(p) for p in e.files], e.size,
     e.last_used.isoformat()]
    for e in sorted(scanned.entries, key=_sort_key)
]
kept = [json.loads(p.read_text()) for p in sorted(store.iterdir())] if store.is_dir() else []
print(json.dumps({"entries": entries, "warnings": scanned.warnings, "store": kept,
                  "forks": len(forks), "children_left": children_left()}))
"""


def list_in_a_child(cache: Path, store: Path, *, parallel: bool) -> Dict[str, Any]:
    spec = {"cache": str(cache), "store": str(store), "index": INDEX, "parallel": parallel}
    return run_fresh(_LISTER, spec)


@linux_only
def test_the_parallel_listing_is_the_sequential_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    made = build(cache)
    sizes = {name: sum(p.lstat().st_size for p in files) for name, files in made.items()}
    shards = {p.relative_to(cache).parts[1] for files in made.values() for p in files}
    assert len(shards) >= 12  # the entries are spread over many shards of each area
    stores = {mode: tmp_path / f"store-{mode}" for mode in ("sequential", "parallel")}
    rounds = []
    for step in ("first", "repeated", "changed"):
        if step == "changed":
            made["http-v2 proj05"][1].write_bytes(wheel("proj05", "2.0").data)
        sequential = list_in_a_child(cache, stores["sequential"], parallel=False)
        parallel = list_in_a_child(cache, stores["parallel"], parallel=True)
        assert sequential["forks"] == 0
        assert parallel["forks"] >= 1, "the parallel listing forked no worker"
        for key in ("entries", "warnings", "store"):
            assert parallel[key] == sequential[key], (step, key)
        rounds.append(parallel)
    first, repeated, changed = rounds
    # against what the test wrote: one entry per group of files, every file in one entry
    listed = sorted(tuple(entry[6]) for entry in first["entries"])
    assert listed == sorted(tuple(str(p) for p in files) for files in made.values())
    by_files = {tuple(entry[6]): entry for entry in first["entries"]}
    for name, files in made.items():
        entry = by_files[tuple(str(p) for p in files)]
        assert entry[7] == sizes[name], name
        if " proj" in name and "page" not in name:
            kind = "sdist" if int(name.split("proj")[1][:2]) % 3 == 0 else "wheel"
            assert entry[:3] == [kind, name.split()[1], "1.0"], name
    unread = {"corrupt", "not an entry", "fifo", "truncated", "meta without body"}
    warned = {name for name, files in made.items() for w in first["warnings"]
              if w.startswith(f"{files[0]}: ")}  # fmt: skip
    assert warned == {name for name in made if name.split(" ", 1)[1] in unread}
    assert any("symbolic link" in w for w in first["warnings"])  # the FIFO is not opened
    assert repeated["entries"] == first["entries"]
    proj05 = next(e for e in changed["entries"] if e[1] == "proj05" and e[5] == "http-v2")
    assert proj05[2] == "2.0"  # read again: its key changed


@linux_only
def test_areas_without_shards_are_listed_alike(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "http-v2").mkdir(parents=True)
    (cache / "http-v2" / "stray.tmp").write_bytes(b"half written")
    (tmp_path / "elsewhere").mkdir()
    (cache / "http").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    sequential = list_in_a_child(cache, tmp_path / "store-sequential", parallel=False)
    parallel = list_in_a_child(cache, tmp_path / "store-parallel", parallel=True)
    for key in ("entries", "warnings", "store"):
        assert parallel[key] == sequential[key], key
    assert [entry[6] for entry in parallel["entries"]] == [[str(cache / "http-v2" / "stray.tmp")]]
    assert parallel["warnings"] == [f"Not descending into {cache / 'http'}: it is a symbolic link"]
    (cache / "http").unlink()
    (cache / "http-v2" / "stray.tmp").unlink()
    assert list_in_a_child(cache, tmp_path / "store-parallel", parallel=True)["entries"] == []
