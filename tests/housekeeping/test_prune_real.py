"""prune, usage and verify on caches real pips filled through the loopback index (both layouts:
pip 23.2.1 wrote http/, 26.3 http-v2/, and 26.3 built a wheel from a local sdist).

Last use is set by the test with ``os.utime``; what must go is decided from the test's own
grouping of the files and the index's request log; afterwards the same real pips download again
and the log says what they had to fetch."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List, Set

import pytest
from _aging import age_tree
from _hk_helpers import (
    DAY,
    Entry,
    area_files,
    build_wheel,
    copy_fill,
    entries,
    pip_args,
    set_times,
    snapshot,
)
from _http_helpers import FIRST, Caches, Fill
from _index import Index

from pipcache_ext import PipCache

pytest_plugins = ["_http_fixtures"]

NAME = "23.2.1+26.3"
OLD = {"six", "sdistonly"}


@pytest.fixture(scope="session")
def built(caches: Caches, http_index: Index, tmp_path_factory: pytest.TempPathFactory) -> Fill:
    """The shared cache, copied once, with a wheel pip 26.3 built from the sdist-only project."""
    work = tmp_path_factory.mktemp("hk-built")
    fill = copy_fill(caches.get(NAME), caches, work / "cache")
    build_wheel(fill, http_index, work)
    age_tree(fill.cache)  # the built wheel too: a purge is not to take it for pip's (issue 11)
    return fill


@pytest.fixture
def fill(built: Fill, caches: Caches, tmp_path: Path) -> Iterator[Fill]:
    canary = tmp_path / "canary"
    canary.write_text("outside")
    (built.cache.parent / "canary").write_text("beside")
    yield copy_fill(built, caches, tmp_path / "cache")
    assert canary.read_text() == "outside"


def _files(chosen: List[Entry]) -> Set[Path]:
    return {path for entry in chosen for path in entry.files}


def _refetched(fill: Fill, index: Index, tmp_path: Path) -> Dict[str, Set[str]]:
    """Each pip downloads FIRST again: the files (not pages) the index served it."""
    again = {}
    for pip in fill.pythons:
        fetched = fill.download(index, pip, FIRST, tmp_path / f"again-{pip}")
        again[pip] = {p for p in fetched if not p.startswith("/simple/")}
    return again


@pytest.mark.realpip
def test_prune_by_age_removes_exactly_the_older_entries_and_pip_fetches_only_those(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    now = time.time()
    found = entries(fill, http_index)
    assert {e.project for e in found} >= OLD | {"zope-fake-iface", "twover", "moved"}
    for entry in found:
        set_times(entry, now - (60 if entry.project in OLD else 2) * DAY)
    old = [e for e in found if e.project in OLD]
    before = area_files(fill.cache)
    cache = PipCache(fill.pythons["26.3"], env=fill.env)
    dry = cache.prune(older_than=30 * DAY, dry_run=True)
    assert area_files(fill.cache) == before
    result = cache.prune(older_than=30 * DAY)
    assert set(result.removed) | {p for p in result.deleted if p.name == "origin.json"} == _files(
        old
    )
    assert result.failed == ()
    assert result.bytes_removed == sum(before[str(p)] for p in result.removed)
    assert (dry.removed, dry.deleted, dry.files_removed, dry.bytes_removed, dry.dirs_removed) == (
        result.removed, result.deleted, result.files_removed, result.bytes_removed,
        result.dirs_removed,
    )  # fmt: skip
    assert set(area_files(fill.cache)) == set(before) - {str(p) for p in _files(old)}
    again = _refetched(fill, http_index, tmp_path)
    for pip, paths in again.items():
        projects = {http_index.served[p].project for p in paths}
        assert projects == OLD, (pip, paths)  # the kept projects' files came from the cache


@pytest.mark.realpip
def test_prune_to_a_size_removes_the_least_recently_used_first_and_stops_at_the_cap(
    fill: Fill, http_index: Index
) -> None:
    now = time.time()
    found = sorted(entries(fill, http_index), key=lambda e: e.key)
    for position, entry in enumerate(found):  # each entry its own last use, 1 hour apart
        set_times(entry, now - (len(found) - position) * 3600 - DAY)
    before = area_files(fill.cache)

    def size(entry: Entry) -> int:
        return sum(before.get(str(p), 0) for p in entry.files)

    total = sum(before.values())
    cap = total - sum(size(e) for e in found[:3])
    cache = PipCache(fill.pythons["26.3"], env=fill.env)
    dry = cache.prune(max_size=cap, dry_run=True)
    result = cache.prune(max_size=cap, verify=True)
    assert set(result.deleted) >= _files(found[:3])
    assert set(result.removed) == _files(found[:3]) - {
        p for p in _files(found[:3]) if p.name == "origin.json"
    }
    assert dry.deleted == result.deleted
    left = area_files(fill.cache)
    assert sum(left.values()) <= cap
    assert set(left) == set(before) - {str(p) for p in _files(found[:3])}
    assert result.remaining is not None
    assert result.remaining.wheels_size + (result.remaining.http_size or 0) == sum(left.values())
    # combined: the age rule takes the next two, the cap one more
    cut = now - (len(found) - 5) * 3600 - DAY + 1  # entries 3 and 4 are older than this
    cap = sum(left.values()) - sum(size(e) for e in found[3:6])
    result = cache.prune(older_than=now - cut, max_size=cap)
    assert set(result.deleted) >= _files(found[3:6])
    assert set(area_files(fill.cache)) == set(left) - {str(p) for p in _files(found[3:6])}


@pytest.mark.realpip
def test_usage_totals_equal_the_files_on_disk(fill: Fill, http_index: Index) -> None:
    found = entries(fill, http_index)
    files = area_files(fill.cache)
    cache = PipCache(fill.pythons["26.3"], env=fill.env)
    rows = cache.usage()
    assert cache.usage() == rows  # the second from the tally of the first
    assert sum(row.size for row in rows) == sum(files.values())
    assert [row.size for row in rows if row.project] == sorted(
        (row.size for row in rows if row.project), reverse=True
    )
    by_project = {row.project: row for row in rows}
    for project in {e.project for e in found}:
        http = [e for e in found if e.project == project and "wheels" not in e.files[0].parts]
        row = by_project[project]
        assert row.http_entries == len(http), project
        assert row.http_size == sum(files[str(p)] for e in http for p in e.files), project
    wheel = by_project["sdistonly"]
    assert wheel.wheel_count == 1
    assert "0.3" in wheel.versions
    assert by_project["twover"].versions == ("1.0", "2.0")
    assert all(row.last_used is not None for row in rows)


@pytest.mark.realpip
@pytest.mark.parametrize("pip", ["23.2.1", "26.3"])
def test_verify_gives_zero_remaining_after_a_purge(fill: Fill, pip: str) -> None:
    cache = PipCache(fill.pythons[pip], env=fill.env)
    result = cache.purge(verify=True, everything=pip == "23.2.1")
    assert result.remaining is not None
    left = result.remaining
    assert (left.wheel_count, left.wheels_size, left.http_files, left.http_size) == (0, 0, 0, 0)
    assert area_files(fill.cache) == {}
    assert not any("verify:" in w for w in result.warnings)


@pytest.mark.realpip
def test_verify_names_what_an_old_pips_purge_left(fill: Fill) -> None:
    v2 = {k: v for k, v in area_files(fill.cache).items() if "/http-v2/" in k}
    assert v2
    result = PipCache(fill.pythons["23.2.1"], env=fill.env).purge(verify=True)
    assert result.remaining is not None
    assert (result.remaining.http_files, result.remaining.http_size) == (len(v2), sum(v2.values()))
    assert any("does not see" in w for w in result.warnings)


@pytest.mark.realpip
def test_a_prune_while_pip_installs_into_the_same_cache_leaves_the_install_working(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    """The cache is pruned again and again while pip 26.3 installs through it.

    (A purge in the same place can delete the wheel pip has just built before pip installs it:
    pip fails with ``No such file or directory``, as it does with pip's own purge.)
    """
    now = time.time()
    for entry in entries(fill, http_index):
        set_times(entry, now - 60 * DAY)
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.txt").write_text("keep")
    (outside / "link-to-cache").symlink_to(fill.cache)
    before = snapshot(tmp_path, skip={fill.cache, tmp_path / "target"})
    target = tmp_path / "target"
    python = fill.pythons["26.3"]
    args = pip_args("26.3", ["install", "--no-deps", "--target", str(target), *FIRST])
    cache = PipCache(python, env=fill.env)
    with subprocess.Popen(
        [str(python), "-m", "pip", *args], env=fill.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    ) as pip:  # fmt: skip
        rounds = removed = 0
        while pip.poll() is None or rounds == 0:
            result = cache.prune(older_than=0)
            assert result.failed == ()
            rounds += 1
            removed += result.files_removed
        output = pip.communicate()[0]
    assert pip.returncode == 0, output
    assert removed > 0
    for name in ("six", "twover", "moved"):
        assert list(target.glob(f"{name}*")), (name, sorted(os.listdir(target)))
    assert snapshot(tmp_path, skip={fill.cache, target}) == before


@pytest.mark.realpip
@pytest.mark.parametrize("name", ["9.0.3", "20.3.4", "22.3.1", "23.3", "25.3"])
def test_verify_gives_zero_remaining_after_a_purge_on_every_pip(
    caches: Caches, name: str, tmp_path: Path
) -> None:
    """Each fill's own pip purges it (everything=True where it does not see http-v2/)."""
    fill = caches.copy(name, tmp_path / "cache")
    assert area_files(fill.cache)
    canary = tmp_path / "canary"
    canary.write_text("outside")
    pip = fill.newest
    old = tuple(int(p) for p in pip.split(".")) < (23, 3)
    result = PipCache(fill.pythons[pip], env=fill.env).purge(verify=True, everything=old)
    left = result.remaining
    assert left is not None
    assert (left.wheel_count, left.wheels_size, left.http_files, left.http_size) == (0, 0, 0, 0)
    assert area_files(fill.cache) == {}
    assert canary.read_text() == "outside"
