"""Real pips fill real caches through the loopback index; the library names, measures and cleans.

What a cache must hold comes from the index's request log (each URL answered 200 or 301 is one
entry, in the area of the pip that fetched it), and file paths from CacheControl's rule computed
here: never from what the library says.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List

import pytest
from _aging import age_tree
from _http_helpers import FILLS, FIRST, Caches, Fill, entry_files, expected, files_under, run_pip
from _index import Index

from pipcache_ext import PipCache

pytest_plugins = ["_http_fixtures"]


def http_files(cache: Path) -> Dict[str, int]:
    return {**files_under(cache / "http"), **files_under(cache / "http-v2")}


def http_file_count(python: Path, env: Dict[str, str]) -> int:
    out = run_pip(python, ["cache", "info"], env)
    match = re.search(r"^Number of HTTP files: (\d+)$", out, re.MULTILINE)
    assert match is not None, out
    return int(match.group(1))


@pytest.mark.realpip
@pytest.mark.parametrize("name", list(FILLS))
def test_list_http_names_exactly_what_was_downloaded(
    caches: Caches, http_index: Index, name: str
) -> None:
    fill = caches.get(name)
    on_disk = http_files(fill.cache)
    atimes = {path: os.lstat(path).st_atime_ns for path in on_disk}
    cache = PipCache(fill.pythons[fill.newest], env=fill.env)
    listing = cache.http_listing()
    rows = [(e.area, e.kind, e.project, e.version, e.filename, e.url) for e in listing.entries]
    want = expected(http_index, fill)
    assert sorted(rows, key=str) == sorted(want, key=str)
    assert len(rows) == len(want)  # each entry once
    assert listing.warnings == ()
    kinds = {row[1] for row in want}
    assert {"wheel", "index-page", "redirect"} <= kinds
    assert ("sdist" in kinds) == (name != "9.0.3")
    # counts and sizes are the files on disk; each entry's files are where its URL is filed
    listed = [str(p) for e in listing.entries for p in e.files]
    assert sorted(listed) == sorted(on_disk)
    for entry in listing.entries:
        assert entry.url is not None
        assert [str(p) for p in entry.files] == [
            str(p) for p in entry_files(fill.cache / entry.area, entry.url)
        ]
        assert entry.size == sum(on_disk[str(p)] for p in entry.files)
        newest = max(max(os.lstat(p).st_mtime_ns, os.lstat(p).st_atime_ns) for p in entry.files)
        assert entry.last_used.timestamp() == pytest.approx(newest / 1e9, abs=1e-5)
        assert entry.last_used.utcoffset() is not None
    # reading the entries changed no atime (O_NOATIME)
    assert {path: os.lstat(path).st_atime_ns for path in on_disk} == atimes
    # one project, any spelling
    zope = {row for row in want if row[2] == "zope-fake-iface"}
    for spelling in ("zope.fake_iface", "Zope.Fake-Iface", "ZOPE_FAKE_IFACE"):
        got = cache.list_http(spelling)
        assert {(e.area, e.kind, e.project, e.version, e.filename, e.url) for e in got} == zope
    twover = {e.version for e in cache.list_http("twover") if e.kind == "wheel"}
    assert twover == {"1.0", "2.0"}
    # a second listing reads the disk cache and says the same
    assert cache.http_listing().entries == listing.entries


def _six_paths(index: Index, fill: Fill) -> List[Path]:
    rows = [row for row in expected(index, fill) if row[2] == "six"]
    return [p for row in rows for p in entry_files(fill.cache / row[0], row[5])]


@pytest.mark.realpip
@pytest.mark.parametrize("name", ["20.3.4", "23.2.1+26.3"])
def test_remove_project_then_pip_fetches_only_that_project_again(
    caches: Caches, http_index: Index, name: str, tmp_path: Path
) -> None:
    fill = caches.copy(name, tmp_path / "cache")
    canary = tmp_path / "canary.whl"
    canary.write_bytes(b"not a cache file")
    wheels = fill.cache / "wheels" / "ab" / "cd"
    wheels.mkdir(parents=True)
    link = wheels / "six-9.9-py3-none-any.whl"  # a six "wheel" that is a link out of the cache
    link.symlink_to(canary)
    age_tree(fill.cache)  # the link too: not what a running pip may be using (issue 11)
    six = _six_paths(http_index, fill)
    assert len(six) >= 2
    before = files_under(fill.cache)
    newest = fill.pythons[fill.newest]
    count = http_file_count(newest, fill.env)
    cache = PipCache(newest, env=fill.env)
    dry = cache.remove_project("Six", dry_run=True)
    assert files_under(fill.cache) == before
    result = cache.remove_project("six")
    assert sorted(result.removed) == sorted([*six, link])
    assert result.files_removed == len(six) + 1
    assert result.bytes_removed == sum(before[str(p)] for p in six)  # the link counts 0
    assert (dry.removed, dry.deleted, dry.files_removed, dry.bytes_removed, dry.dirs_removed) == (
        result.removed, result.deleted, result.files_removed, result.bytes_removed,
        result.dirs_removed,
    )  # fmt: skip
    assert result.failed == ()
    left = files_under(fill.cache)
    assert set(left) == set(before) - {str(p) for p in result.removed}
    assert canary.read_bytes() == b"not a cache file"
    assert not any(str(p.parent) in {str(q.parent) for q in six} for p in map(Path, left))
    assert http_file_count(newest, fill.env) == count - len(six)
    # the same pips download everything again: six's file is fetched anew, nothing else is
    for pip in fill.pythons:
        first = [r for r in FIRST if pip != "9.0.3" or r != "sdistonly"]
        fetched = fill.download(http_index, pip, first, tmp_path / f"again-{pip}")
        files = {path for path in fetched if not path.startswith("/simple/")}
        assert files
        assert all(path.startswith("/files/six-1.16.0") for path in files), files
        assert "/files/six-1.16.0-py3-none-any.whl" in files


@pytest.mark.realpip
def test_an_old_pip_counts_and_purges_what_it_sees_and_everything_removes_the_rest(
    caches: Caches, tmp_path: Path
) -> None:
    fill = caches.copy("23.2.1+26.3", tmp_path / "cache")
    canary = tmp_path / "canary"
    canary.write_text("outside")
    (fill.cache / "http-v2" / "link").symlink_to(canary)
    age_tree(fill.cache)  # the link too: not what a running pip may be using (issue 11)
    v2 = files_under(fill.cache / "http-v2")
    v2[str(fill.cache / "http-v2" / "link")] = 0  # pip counts a link 0 bytes
    assert len(v2) > 10
    old = PipCache(fill.pythons["23.2.1"], env=fill.env)
    new = PipCache(fill.pythons["26.3"], env=fill.env)
    info = old.info()
    assert info.backend == "pip"
    assert (info.unreported_files, info.unreported_size) == (len(v2), sum(v2.values()))
    assert info.unreported_dirs == (fill.cache / "http-v2",)
    assert info.http_files == len(files_under(fill.cache / "http"))
    assert (new.info().unreported_files, new.info().unreported_size) == (0, 0)
    plain = old.purge(dry_run=True)
    note = [w for w in plain.warnings if "does not see" in w]
    assert len(note) == 1
    assert str(fill.cache / "http-v2") in note[0]
    assert f"{len(v2)} file(s) ({sum(v2.values())} bytes)" in note[0]
    assert "everything" in note[0]
    everything = files_under(fill.cache)
    dry = old.purge(dry_run=True, everything=True)
    assert files_under(fill.cache) == everything
    result = old.purge(everything=True)
    assert files_under(fill.cache) == {}
    assert canary.read_text() == "outside"
    assert result.files_removed == dry.files_removed == len(everything)
    assert sorted(map(str, result.removed)) == sorted(everything) == sorted(map(str, dry.removed))
    assert sorted(result.deleted) == sorted(dry.deleted)
    assert result.failed == ()
    assert not any("does not see" in w for w in result.warnings)
