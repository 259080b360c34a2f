"""Issue 11 on issue 13's stream: a remove/purge that spares recent entries, shard by shard, is
the whole-cache sparing plan.

``PipCache.purge()`` spares by default what a running ``pip install`` may be using; the native
removal then streams shard by shard (``_walk.removal`` with ``spare_at``). Checked against the
whole-cache plan with the same moment (``plan_for(spare_at=...)`` + ``planned_result``) on the
same trees: the same files counted in the same order, the same paths deleted and spared, the same
counts and warnings; a real run deletes what its dry run said and leaves what it spared.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Optional

import pytest
from _aging import age_tree
from test_stream_removal import busy_cache, same_plan

from pipcache_ext._native import native_purge, native_remove, plan_for, planned_result

NOW = time.time_ns()
RULES = [None, "26.0", "23.2.1", "9.0.3"]


def sparing_cache(root: Path) -> Path:
    """``busy_cache`` dated an hour back, with recent entries in every area and a new empty dir."""
    cache = busy_cache(root)
    age_tree(cache)
    recent = NOW // 1_000_000_000 - 30
    touched = [
        next((cache / "wheels" / "05").rglob("*.whl")),  # one wheel of a directory
        next((cache / "http" / "0a").rglob("*")) if (cache / "http" / "0a").exists() else None,
    ]
    bodies = sorted((cache / "http-v2").rglob("*.body"))
    touched += [bodies[0], bodies[len(bodies) // 2]]
    for path in (p for p in touched if p is not None and p.is_file()):
        os.utime(path, (recent, recent))
    fresh = cache / "wheels" / "3f" / "fresh" / "building"
    fresh.mkdir(parents=True)  # pip makes a wheel's directory before it builds into it
    for directory in (fresh, fresh.parent):
        os.utime(directory, (recent, recent))
    return cache


def whole(cache: Path, pattern: str, rules: Optional[str], *, dry_run: bool):
    return planned_result(plan_for(cache, pattern, rules=rules, spare_at=NOW), dry_run=dry_run)


def streamed(cache: Path, pattern: str, rules: Optional[str], *, dry_run: bool):
    if pattern == "*":
        return native_purge(
            cache, dry_run=dry_run, rules=rules, force=True, spare_recent=True, now=NOW
        )
    return native_remove(
        cache, pattern, dry_run=dry_run, rules=rules, force=True, spare_recent=True, now=NOW
    )


@pytest.mark.parametrize("rules", RULES, ids=str)
@pytest.mark.parametrize("pattern", ["*", "p5", "nothing-matches"])
def test_a_streamed_sparing_dry_run_is_the_whole_cache_sparing_plan(
    tmp_path: Path, rules: Optional[str], pattern: str
) -> None:
    cache = sparing_cache(tmp_path)
    stream = streamed(cache, pattern, rules, dry_run=True)
    plan = whole(cache, pattern, rules, dry_run=True)
    same_plan(stream, plan)
    assert sorted(stream.spared) == sorted(plan.spared)
    if pattern == "*":
        assert stream.spared  # the test's recent files are there to be spared
        assert any("spare_recent=False" in w for w in stream.warnings)


@pytest.mark.parametrize("rules", [None, "23.2.1"], ids=str)
def test_a_streamed_sparing_purge_deletes_what_its_dry_run_said(
    tmp_path: Path, rules: Optional[str]
) -> None:
    cache = sparing_cache(tmp_path / "a")
    copy = tmp_path / "b" / "cache"
    shutil.copytree(cache, copy, symlinks=True)
    dry = streamed(copy, "*", rules, dry_run=True)
    before = set(copy.rglob("*"))
    real = streamed(copy, "*", rules, dry_run=False)
    after = set(copy.rglob("*"))
    assert (real.files_removed, real.bytes_removed, real.dirs_removed) == (
        dry.files_removed, dry.bytes_removed, dry.dirs_removed,
    )  # fmt: skip
    assert set(real.deleted) == before - after
    assert sorted(real.spared) == sorted(dry.spared)
    assert all(path.exists() for path in real.spared)
    assert (copy / "wheels" / "3f" / "fresh" / "building").is_dir()
    outside = tmp_path / "a" / "outside" / "keep-1.0-py3-none-any.whl"
    assert outside.read_bytes() == b"k" * 50
