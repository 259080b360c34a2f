"""Issue 11's speed for usage: a usage of an unchanged cache from the tally of the last one.

The tallied usage must be the listed one, field for field and warning for warning, on a cache
with bad entries, strays, a FIFO, a file symlink and a symlinked shard; any change to the set of
entries (one added, one replaced by pip's rename, one removed) must send it the long way, while a
read of an entry (its atime moves, nothing else) must not, and must show in ``last_used``. A
tally that is not the cache's (corrupt, another format, another cache dir, codes that do not
fit) is never used, and a listing in which a read failed leaves none. Expected values come from
a usage without any disk cache (every entry read) and from the files the test wrote.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "http"))

from _dists import wheel
from _httpcache import put
from _sharded import FILES, build

from pipcache_ext._housekeeping import tally
from pipcache_ext._housekeeping import usage as usage_module
from pipcache_ext._http import areas
from pipcache_ext._http.sniff import unknown
from pipcache_ext._http.store import entry_hash, key_of

Rows = List[Tuple[Any, ...]]


def usage(cache: Path, store: Optional[Path]) -> Tuple[Rows, List[str]]:
    rows, warnings = usage_module.usage(cache, store=store, parallel=False)
    return [
        (r.project, r.wheel_count, r.wheels_size, r.http_entries, r.http_size, r.size,
         r.versions, r.last_used)
        for r in rows
    ], warnings  # fmt: skip


@pytest.fixture
def listings(monkeypatch: pytest.MonkeyPatch) -> List[Path]:
    """The cache dirs of each usage made the long way (a listing of the HTTP entries)."""
    made: List[Path] = []
    real = usage_module._listed

    def spy(root: Any, path: Path, *args: Any) -> Any:
        made.append(path)
        return real(root, path, *args)

    monkeypatch.setattr(usage_module, "_listed", spy)
    return made


def rich_cache(cache: Path) -> Dict[str, List[Path]]:
    """The parallel tests' cache, with wheels and a symlink standing for an HTTP entry's file."""
    made = build(cache)
    for i, version in enumerate(("1.0", "2.0")):
        folder = cache / "wheels" / f"{i:02x}" / "ab"
        folder.mkdir(parents=True)
        dist = wheel("builtproj", version)
        (folder / dist.filename).write_bytes(dist.data)
    linked = made["http-v2 proj02"][0].parent / ("e" * 56)
    linked.symlink_to(made["http-v2 proj02"][0])  # an entry whose file is a link (0 bytes)
    made["http-v2 link"] = [linked]
    # an entry whose body is a link: a pair of files, not the common one
    _meta, body = made["http-v2 proj07"]
    target = cache.parent / "elsewhere.body"
    target.write_bytes(body.read_bytes())
    body.unlink()
    body.symlink_to(target)
    return made


def disk_bytes(cache: Path) -> int:
    """What the areas hold, as pip counts it: a link is 0 bytes; nothing below a linked dir."""
    total = 0
    for area in ("wheels", "http", "http-v2"):
        for folder, dirs, files in os.walk(cache / area):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            for name in files:
                st = os.lstat(os.path.join(folder, name))
                total += 0 if os.path.islink(os.path.join(folder, name)) else st.st_size
    return total


def test_a_repeated_usage_is_tallied_and_is_the_listed_one(
    tmp_path: Path, listings: List[Path]
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    made = rich_cache(cache)
    first = usage(cache, store)
    assert len(listings) == 1
    kept = tally.summary_file(store, str(cache))
    assert kept.is_file()
    again = usage(cache, store)
    assert len(listings) == 1, "the repeated usage listed the HTTP entries again"
    assert again == first
    assert usage(cache, None) == first  # every entry read, no disk cache
    rows = {row[0]: row for row in first[0]}
    assert sum(row[5] for row in first[0]) == disk_bytes(cache)
    assert sum(row[3] for row in first[0]) == len(made)  # every HTTP entry in one row
    assert rows["builtproj"][1:3] == (2, sum(p.stat().st_size for p in cache.rglob("*.whl")))
    assert any(w.startswith(str(made["http-v2 corrupt"][0])) for w in first[1])
    assert len(first[1]) == len(set(first[1])) > 3


def _added(cache: Path) -> None:
    put(cache, "http-v2", FILES + "newproj-1.0-py3-none-any.whl", wheel("newproj", "1.0").data)


def _replaced(cache: Path) -> None:
    """pip's way: a new file renamed over the old one (same size, new inode)."""
    entry = next((cache / "http").rglob("?" * 56))
    tmp = entry.with_name("replacing.tmp")
    tmp.write_bytes(entry.read_bytes())
    os.utime(tmp, ns=(entry.stat().st_atime_ns, entry.stat().st_mtime_ns))
    tmp.replace(entry)


def _removed(cache: Path) -> None:
    for path in sorted((cache / "http-v2").rglob("*.body"))[:1]:
        path.unlink()
        path.with_name(path.name[: -len(".body")]).unlink(missing_ok=True)


@pytest.mark.parametrize("change", [_added, _replaced, _removed])
def test_a_changed_cache_is_listed_again(
    tmp_path: Path, listings: List[Path], change: Callable[[Path], None]
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    rich_cache(cache)
    before = usage(cache, store)
    change(cache)
    after = usage(cache, store)
    assert len(listings) == 2, "a changed cache was counted from the old tally"
    assert after == usage(cache, None)
    if change is not _replaced:  # the same bytes under a new inode: the same rows
        assert after != before
    assert sum(row[5] for row in after[0]) == disk_bytes(cache)
    assert usage(cache, store) == after  # tallied anew
    assert len(listings) == 3  # and the one without a disk cache


def test_a_read_moves_last_used_and_is_still_tallied(tmp_path: Path, listings: List[Path]) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    made = rich_cache(cache)
    usage(cache, store)
    newest = max(p.stat().st_mtime_ns for p in cache.rglob("*") if not p.is_symlink())
    later = {"proj04": newest + 86400 * 10**9, "proj08": newest + 2 * 86400 * 10**9}
    # read: only the atime moves, of an http/ entry's file and of an http-v2 entry's metadata
    for path, when in ((made["http proj04"][0], later["proj04"]),
                       (made["http-v2 proj08"][0], later["proj08"])):  # fmt: skip
        os.utime(path, ns=(when, path.stat().st_mtime_ns))
    after = usage(cache, store)
    assert len(listings) == 1, "a read alone sent the usage the long way"
    rows = {row[0]: row for row in after[0]}
    for project, when in later.items():
        assert rows[project][7] is not None
        assert abs(rows[project][7].timestamp() - when / 1e9) < 1e-5, project
    assert after == usage(cache, None)


def _garbage(text: str, cache: Path) -> str:
    return "{not json"


def _other_format(text: str, cache: Path) -> str:
    return text.replace('"format":"', '"format":"0.', 1)


def _other_cache(text: str, cache: Path) -> str:
    return text.replace(json.dumps(str(cache)), json.dumps(str(cache) + "-other"), 1)


def _codes_out_of_range(text: str, cache: Path) -> str:
    data = json.loads(text)
    shard = next(iter(data["shards"]))
    data["shards"][shard][0] = len(data["codes"])
    return json.dumps(data)


def _one_code_short(text: str, cache: Path) -> str:
    """Valid, with the right fingerprint, but a shard's codes one short: never trusted."""
    data = json.loads(text)
    shard = max(data["shards"], key=lambda name: len(data["shards"][name]))
    data["shards"][shard].pop()
    return json.dumps(data)


def _problem_named(text: str, cache: Path) -> str:
    """The codes made to say another project: the fingerprint is all a tally is checked by."""
    data = json.loads(text)
    data["codes"] = [["someone", None, None] for _code in data["codes"]]
    return json.dumps(data)


@pytest.mark.parametrize(
    "spoil", [_garbage, _other_format, _other_cache, _codes_out_of_range, _one_code_short]
)
def test_a_tally_that_is_not_the_caches_is_never_used(
    tmp_path: Path, listings: List[Path], spoil: Callable[[str, Path], str]
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    rich_cache(cache)
    first = usage(cache, store)
    kept = tally.summary_file(store, str(cache))
    kept.write_text(spoil(kept.read_text(), cache))
    assert usage(cache, store) == first
    assert len(listings) == 2
    assert tally.load(kept, str(cache)) is not None  # written anew by that listing


def test_the_tally_stands_for_the_listing_it_was_made_from(
    tmp_path: Path, listings: List[Path]
) -> None:
    """What it counts is what it says (the test of the test above: a tally is used as it is)."""
    cache, store = tmp_path / "cache", tmp_path / "store"
    rich_cache(cache)
    usage(cache, store)
    kept = tally.summary_file(store, str(cache))
    kept.write_text(_problem_named(kept.read_text(), cache))
    rows, warnings = usage(cache, store)
    assert len(listings) == 1
    http = [row for row in rows if row[3]]
    assert [row[0] for row in http] == ["someone"]
    assert not any("msgpack" in w or "without" in w for w in warnings)


def test_a_listing_with_a_failed_read_leaves_no_tally(
    tmp_path: Path, listings: List[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    made = rich_cache(cache)
    failing = made["http proj05"][0].name
    real = areas.read_entry

    def flaky(opened: Any, node: Any, area: str, meta: Any, body: Any) -> Any:
        if meta is not None and meta.name == failing:
            return unknown("could not be read: Input/output error"), False  # not kept
        return real(opened, node, area, meta, body)

    monkeypatch.setattr(areas, "read_entry", flaky)
    first = usage(cache, store)
    assert not tally.summary_file(store, str(cache)).exists()
    assert any("Input/output error" in w for w in first[1])
    monkeypatch.setattr(areas, "read_entry", real)
    again = usage(cache, store)
    assert len(listings) == 2  # no tally: listed again, and the entry read again this time
    assert not any("Input/output error" in w for w in again[1])
    assert tally.summary_file(store, str(cache)).exists()


@pytest.mark.parametrize("body_first", [False, True])
def test_a_pair_of_files_is_one_entry_whichever_is_listed_first(
    tmp_path: Path, body_first: bool
) -> None:
    key = "ab" * 28
    meta, body = tmp_path / key, tmp_path / f"{key}.body"
    meta.write_bytes(b"m" * 10)
    body.write_bytes(b"b" * 300)
    os.utime(meta, ns=(5_000, 1_000))
    os.utime(body, ns=(2_000, 3_000))
    files = [(meta.name, meta.lstat()), (body.name, body.lstat())]
    counter = tally.ShardTally("http-v2", 0, mtime_only=False)
    counter.add(files[::-1] if body_first else files, "http-v2/a")
    relative = os.path.join("http-v2/a", key)
    assert counter.paths == [relative]
    assert counter.sizes == [310]
    assert counter.lasts == [5_000]  # the metadata file's atime, the newest of the four
    assert counter.total == entry_hash(relative, key_of([meta.lstat(), body.lstat()]))
    by_mtime = tally.ShardTally("http-v2", 0, mtime_only=True)
    by_mtime.add(files, "http-v2/a")
    assert by_mtime.lasts == [3_000]


def test_a_shard_with_more_entries_than_tallied_stops_the_walk(
    tmp_path: Path, listings: List[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    rich_cache(cache)
    usage(cache, store)
    shards = [p for p in (cache / "http-v2").iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(shards) > 3
    for shard in shards:  # what a pip install leaves: an entry more in each
        (shard / "written-since.tmp").write_bytes(b"x")
    walked: List[str] = []
    real = tally.walk

    def counting(parent: int, name: str, path: str, *args: Any) -> None:
        walked.append(path)
        real(parent, name, path, *args)

    monkeypatch.setattr(tally, "walk", counting)
    after = usage(cache, store)
    tops = [path for path in walked if Path(path).parent.name in ("http-v2", "http")]
    assert len(tops) == 1, "the walk went on after a shard said the tally does not stand"
    assert len(listings) == 2
    monkeypatch.setattr(tally, "walk", real)
    assert after == usage(cache, None)


def test_the_warnings_of_the_areas_come_in_one_order_however_counted(
    tmp_path: Path, listings: List[Path]
) -> None:
    cache, store = tmp_path / "cache", tmp_path / "store"
    rich_cache(cache)
    for area in ("http", "http-v2"):  # both linked away: never entered, each a warning
        moved = tmp_path / f"moved-{area}"
        (cache / area).rename(moved)
        (cache / area).symlink_to(moved, target_is_directory=True)
    listed = usage(cache, store)
    said = [w for w in listed[1] if "symbolic link" in w]
    assert said == [
        f"Not descending into {cache / 'http-v2'}: it is a symbolic link",
        f"Not descending into {cache / 'http'}: it is a symbolic link",
    ]
    assert usage(cache, store) == listed  # tallied
    assert len(listings) == 1
    assert listed[0] == [row for row in listed[0] if row[3] == 0]  # no HTTP entry counted
