"""A directory written into between a purge's scan and its ``rmdir`` is kept, and not a failure.

pip writes into the cache while a purge runs (issue 11: "safe alongside pip"): it may make a
file in a directory the purge has just emptied and is about to remove. The file is new (the plan
never saw it): the directory and those above it stay, with a warning; every file the plan saw
goes; ``failed`` stays empty (it is for what the plan meant to remove and could not). The test
plans a real purge, writes a file into a planned directory, then runs the plan.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipcache_ext._native import plan_for, planned_result


def _cache(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    for folder, name in (
        ("wheels/55/f9/ca/" + "8" * 56, "slowa-1.0-py3-none-any.whl"),
        ("wheels/aa/bb/cc/" + "9" * 56, "six-1.0-py3-none-any.whl"),
        ("http-v2/1/2/3/4/5", "a" * 56),
    ):
        (cache / folder).mkdir(parents=True)
        (cache / folder / name).write_bytes(b"old")
    return cache


def test_a_directory_written_into_meanwhile_is_kept_with_a_warning(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("canary")
    planned = plan_for(cache, "*", rules=None)
    seen = sorted(str(p) for p in cache.rglob("*"))
    target = cache / "wheels/55/f9/ca" / ("8" * 56)
    planned_dirs = {node.path for node in planned.plan.dirs}
    assert str(target) in planned_dirs
    new = target / "slowa-1.0-py3-none-any.whl.tmp"  # pip's half-written wheel, after the scan
    new.write_bytes(b"new")
    result = planned_result(planned, dry_run=False)
    assert result.failed == ()
    kept = [target, target.parent, target.parent.parent, cache / "wheels/55"]
    assert all(path.is_dir() for path in kept)
    assert new.read_bytes() == b"new"
    assert any(
        w.startswith(f"Kept {target}: something was written into it") for w in result.warnings
    )
    # everything the plan saw is gone, but the kept chain and what holds it
    left = sorted(str(p) for p in cache.rglob("*"))
    assert left == sorted([str(new), *map(str, kept), str(cache / "wheels")])
    assert set(map(str, result.deleted)) == set(seen) - set(map(str, kept)) - {
        str(cache / "wheels")
    }
    assert outside.read_text() == "canary"


def test_a_directory_that_could_not_be_emptied_is_still_a_failure(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    planned = plan_for(cache, "*", rules=None)
    stuck = cache / "http-v2/1/2/3/4/5" / ("a" * 56)
    os.unlink(stuck)
    stuck.mkdir()  # a planned file replaced by a directory: it cannot be unlinked
    (stuck / "x").write_bytes(b"x")
    result = planned_result(planned, dry_run=False)
    assert str(stuck) in map(str, result.failed)
    assert str(cache / "http-v2") in map(str, result.failed)  # and what holds it stays, failed
