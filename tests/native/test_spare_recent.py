"""Issue 11, "safe alongside pip": a purge/remove leaves what a running ``pip install`` may use.

The rule (``_plan.spare_recent``, run by ``native_purge``/``native_remove(spare_recent=True)``
and by ``PipCache`` by default): a whole entry (a wheel's directory; an HTTP entry's metadata
file and body) with a file modified in the last five minutes stays, with the directories above
it; so does an empty directory made then (pip makes a wheel's directory before it builds into
it). The cache is written by the test and dated an hour back; the "recent" files are then
written (or re-dated) by the test, so what must stay is the test's own list.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
from _aging import age_tree
from _cachetree import Manifest, build_cache, files_under

from pipcache_ext import PipCache, _fs
from pipcache_ext._housekeeping.lastuse import RECENT_NS
from pipcache_ext._native import native_purge, native_remove
from pipcache_ext._pipversions import AREAS, deletion_rules
from pipcache_ext._plan import Plan, plan_removal, scan_cache, spare_recent
from pipcache_ext.models import RemovalResult

KEY_A = "a" * 56
KEY_B = "b" * 56


def _touch(path: Path, when: float) -> None:
    os.utime(path, (when, when), follow_symlinks=False)


@pytest.fixture
def manifest(tmp_path: Path) -> Manifest:
    built = build_cache(tmp_path / "cache")  # dated an hour back
    canary = tmp_path / "canary.txt"
    canary.write_text("outside")
    return built


def _spared_warning(result: RemovalResult) -> List[str]:
    return [w for w in result.warnings if "modified in the last 5 minutes" in w]


def test_an_old_cache_is_purged_whole_with_no_warning(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    result = native_purge(cache, spare_recent=True)
    assert _spared_warning(result) == []
    assert files_under(cache / "wheels") == set()
    assert files_under(cache / "http") == set()
    assert files_under(cache / "http-v2") == set()
    counted = len(manifest.wheel_paths) + len(manifest.http_v1) + len(manifest.http_v2)
    assert result.files_removed == counted  # the stray README.txt goes uncounted
    assert not (cache / "wheels").exists()
    assert (cache.parent / "canary.txt").read_text() == "outside"


def test_a_wheel_directory_with_a_recent_file_stays_whole(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    fresh = manifest.wheel_paths[0]  # its wheel is old; its origin.json was just rewritten
    origin = fresh.parent / "origin.json"
    origin.write_text('{"url": "https://example.invalid/rewritten"}')
    just_built = manifest.wheel_paths[1]  # a wheel pip has just moved in (mtime now)
    _touch(just_built, time.time() - 2)
    dry = native_purge(cache, spare_recent=True, dry_run=True)
    real = native_purge(cache, spare_recent=True)
    assert dry.deleted == real.deleted
    assert dry.removed == real.removed
    assert (dry.files_removed, dry.bytes_removed, dry.dirs_removed) == (
        real.files_removed,
        real.bytes_removed,
        real.dirs_removed,
    )
    kept = {fresh, origin, just_built, just_built.parent / "origin.json"}
    stray = cache / "wheels" / "README.txt"  # left in wheels/, which stays: it holds them
    assert files_under(cache / "wheels") == {*kept, stray}
    for path in kept:  # nor any directory above them
        assert Path(path).exists()
    gone = set(manifest.wheel_paths) - {fresh, just_built}
    assert not any(p.exists() for p in gone)
    assert set(real.deleted).isdisjoint(kept)
    (warning,) = _spared_warning(real)
    assert warning.startswith(f"Left {len(kept) + 1} file(s) (")
    assert f"({sum(p.stat().st_size for p in (*kept, stray))} bytes)" in warning
    assert "spare_recent=False" in warning
    assert "--include-recent" in warning


def test_an_http_entry_stays_with_its_body_or_its_metadata(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    area = cache / "http-v2" / "a" / "b" / "c" / "d" / "e"
    area.mkdir(parents=True)
    for key in (KEY_A, KEY_B):
        (area / key).write_bytes(b"m" * 10)
        (area / f"{key}.body").write_bytes(b"b" * 20)
    age_tree(area.parent.parent.parent.parent)  # http-v2/a: an hour old
    _touch(area / f"{KEY_A}.body", time.time())  # A's body was just written: A stays whole
    _touch(area / KEY_B, time.time() - 6 * 60)  # older than the window: B goes
    v1 = next(iter(manifest.http_v1))
    _touch(v1, time.time())  # an http/ entry is one file
    result = native_purge(cache, spare_recent=True)
    assert files_under(cache / "http-v2") == {area / KEY_A, area / f"{KEY_A}.body"}
    assert files_under(cache / "http") == {v1}
    assert result.failed == ()
    (warning,) = _spared_warning(result)
    assert warning.startswith("Left 3 file(s) (")


def test_a_recent_empty_directory_stays_and_an_old_one_goes(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    made = cache / "wheels" / "f0" / "0d" / "12" / "new-entry"  # pip is building into it
    made.mkdir(parents=True)
    old_empty = cache / "wheels" / "de" / "ad" / "be" / "empty"  # the fixture's, an hour old
    assert old_empty.is_dir()
    dry = native_purge(cache, spare_recent=True, dry_run=True)
    real = native_purge(cache, spare_recent=True)
    assert dry.deleted == real.deleted
    assert made.is_dir()
    assert not old_empty.exists()
    (warning,) = _spared_warning(real)
    assert "director" in warning


def test_without_sparing_recent_entries_go(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    _touch(manifest.wheel_paths[0], time.time())
    made = cache / "wheels" / "f0" / "0d" / "12" / "new-entry"
    made.mkdir(parents=True)
    result = native_purge(cache)  # pip's rule: spare_recent=False
    assert _spared_warning(result) == []
    assert files_under(cache / "wheels") == set()
    assert not (cache / "wheels").exists()


def test_a_remove_spares_only_within_what_its_pattern_matches(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    six = manifest.wheels["six-1.16.0-py2.py3-none-any.whl"]
    _touch(six[0], time.time())
    sixer = manifest.wheels["sixer-1.0-py3-none-any.whl"][0]
    _touch(sixer, time.time())  # recent, but "six" does not match it: no warning about it
    result = native_remove(cache, "six", spare_recent=True)
    assert result.matched
    assert six[0].exists()
    assert not six[1].exists()
    assert not any(p.exists() for p in manifest.wheels["six-1.17.0-py2.py3-none-any.whl"])
    assert sixer.exists()
    (warning,) = _spared_warning(result)
    assert warning.startswith("Left 2 file(s) (")  # six-1.16.0's wheel and its origin.json


def test_only_recent_matches_is_still_a_match(manifest: Manifest) -> None:
    cache = manifest.cache_dir
    (wheel,) = manifest.wheels["termcolor-1.1.0-py3-none-any.whl"]
    _touch(wheel, time.time())
    result = native_remove(cache, "termcolor", spare_recent=True)
    assert result.matched
    assert result.files_removed == 0
    assert wheel.exists()
    assert not any("No matching packages" in w for w in result.warnings)


def test_the_window_is_counted_from_now(manifest: Manifest) -> None:
    """``now`` moves the window: the same files are recent or not."""
    cache = manifest.cache_dir
    wheel = manifest.wheel_paths[0]
    written = wheel.stat().st_mtime_ns
    inside = native_purge(cache, spare_recent=True, dry_run=True, now=written + RECENT_NS - 10**9)
    assert wheel not in inside.removed
    after = native_purge(cache, spare_recent=True, dry_run=True, now=written + RECENT_NS + 10**9)
    assert wheel in after.removed


def _plan(cache: Path) -> Plan:
    root = _fs.open_root(os.fspath(cache))
    try:
        scan = scan_cache(root, os.fspath(cache), AREAS)
    finally:
        _fs.close(root)
    return plan_removal(scan, "*", deletion_rules(None))


def test_a_whole_entry_of_the_plan_stays_when_one_of_its_files_does(tmp_path: Path) -> None:
    """With ``Plan.entries`` (prune's and remove_project's plans) entries are kept whole."""
    cache = tmp_path / "cache"
    area = cache / "http-v2" / "a"
    area.mkdir(parents=True)
    for key in (KEY_A, KEY_B):
        (area / key).write_bytes(b"m")
        (area / f"{key}.body").write_bytes(b"bb")
    age_tree(cache)
    _touch(area / KEY_A, time.time())
    plan = _plan(cache)
    assert [node.child_path(e.name) for node, e in plan.counted] == [
        str(area / KEY_A), str(area / f"{KEY_A}.body"), str(area / KEY_B),
        str(area / f"{KEY_B}.body"),
    ]  # fmt: skip
    spared = spare_recent(plan._replace(entries=(2, 2)), time.time_ns())
    assert [node.child_path(e.name) for node, e in spared.counted] == [
        str(area / KEY_B), str(area / f"{KEY_B}.body"),
    ]  # fmt: skip
    assert spared.entries == (2,)
    assert spared.spared is not None
    assert spared.spared.files == (str(area / KEY_A), str(area / f"{KEY_A}.body"))
    assert spared.spared.size == 3
    assert spared.dirs == []  # http-v2/a and http-v2 hold what stays
    assert spare_recent(plan, time.time_ns() + 2 * RECENT_NS) == plan  # nothing recent then


def test_verify_names_what_should_have_gone_but_not_what_was_spared(
    manifest: Manifest, isolated_env: Dict[str, str]
) -> None:
    cache = manifest.cache_dir
    fresh = manifest.wheels["six-1.17.0-py2.py3-none-any.whl"][0]
    _touch(fresh, time.time())
    stuck = next(iter(manifest.http_v1))
    done = subprocess.run(["chattr", "+i", str(stuck)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("chattr +i needs root on ext4/xfs/btrfs")
    try:
        env = {**isolated_env, "PIP_CACHE_DIR": str(cache)}
        result = PipCache(sys.executable, env=env, backend="native").purge(verify=True)
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=False)
    assert fresh in result.spared
    assert fresh.exists()
    assert stuck in result.failed
    size = manifest.http_v1[stuck]
    notes = [w for w in result.warnings if w.startswith("verify:")]
    assert notes == [
        f"verify: 1 file(s) ({size} bytes) that the purge should have removed are still in {cache}"
    ]
    assert result.remaining is not None
    assert result.remaining.wheel_count == 1
