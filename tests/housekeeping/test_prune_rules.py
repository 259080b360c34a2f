"""What prune never touches and always removes, on a cache laid out by the test; the lock."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Dict, Iterator

import pytest

import pipcache_ext
from pipcache_ext import CacheBusyError, PipCache
from pipcache_ext._housekeeping.lastuse import noatime_mount
from pipcache_ext._housekeeping.lock import cache_lock
from pipcache_ext._housekeeping.prune import prune

DAY = 86400.0
KEY = "0123456789abcdef0123456789abcdef0123456789abcdef01234567"  # 56 hex digits


def _put(path: Path, data: bytes, when: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when, when))
    return path


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[Dict[str, Path]]:
    now = time.time()
    old = now - 90 * DAY
    cache = tmp_path / "cache"
    v2 = cache / "http-v2" / "0" / "1" / "2" / "3" / "4"
    made = {
        "cache": cache,
        "old meta": _put(v2 / KEY, b"m" * 10, old),
        "old body": _put(v2 / (KEY + ".body"), b"b" * 1000, old),
        # atime old, mtime two minutes ago: pip may be writing it: never pruned
        "recent": _put(cache / "http" / "a" / "b" / "c" / "d" / "e" / KEY[::-1][:56], b"r", old),
        "stale tmp": _put(cache / "http" / "a" / "leftover.tmp", b"t" * 5, now - 2 * 3600),
        "fresh tmp": _put(cache / "http" / "a" / "writing.tmp", b"t" * 5, now - 600),
        "stray": _put(cache / "http-v2" / "notes.txt", b"s", old),
        "selfcheck": _put(cache / "selfcheck" / "abc.json", b"{}", old),
        "wheel": _put(cache / "wheels" / "aa" / "bb" / "six-1.0-py3-none-any.whl", b"w" * 50, old),
        "origin": _put(cache / "wheels" / "aa" / "bb" / "origin.json", b"{}", old),
        "canary": _put(tmp_path / "canary", b"outside", old),
    }
    os.utime(made["recent"], (old, now - 120))
    (cache / "http-v2" / "link").symlink_to(tmp_path / "canary")
    os.utime(cache / "http-v2" / "link", (old, old), follow_symlinks=False)
    yield made
    assert made["canary"].read_bytes() == b"outside"


def test_everything_old_goes_but_the_recent_the_fresh_tmp_and_what_belongs_to_no_entry(
    layout: Dict[str, Path],
) -> None:
    cache = layout["cache"]
    result = prune(cache, max_size=0)
    gone = {"old meta", "old body", "stale tmp", "wheel", "origin"}
    for name, path in layout.items():
        assert os.path.lexists(path) == (name not in gone), name
    assert result.removed[:2] == (layout["old meta"], layout["old body"])  # metadata first
    assert (cache / "http-v2" / "link").is_symlink()
    assert not (cache / "wheels" / "aa").exists()  # the emptied wheel dirs go, the top stays
    assert (cache / "wheels").is_dir()
    assert any("notes.txt" in w and "link" in w for w in result.warnings)
    assert any("over the cap" in w for w in result.warnings)


def test_the_age_rule_keeps_what_is_younger(layout: Dict[str, Path]) -> None:
    result = prune(layout["cache"], older_than=100 * DAY)
    assert result.removed == (layout["stale tmp"],)  # a stale temporary file always goes
    assert layout["old body"].exists()


def test_rules_are_checked(layout: Dict[str, Path], isolated_env: Dict[str, str]) -> None:
    cache = PipCache(sys.executable, env={**isolated_env, "PIP_CACHE_DIR": str(layout["cache"])})
    with pytest.raises(ValueError, match="older_than, max_size"):
        cache.prune()
    with pytest.raises(ValueError, match="max_size"):
        cache.prune(max_size=-1)
    with pytest.raises(ValueError, match="older_than"):
        cache.prune(older_than="30d")  # type: ignore[arg-type]
    result = cache.prune(older_than=timedelta(days=30), dry_run=True)
    assert set(result.removed) == {
        layout["old meta"], layout["old body"], layout["stale tmp"], layout["wheel"]
    }  # fmt: skip
    assert layout["old meta"].exists()


def test_noatime_is_read_from_mountinfo() -> None:
    info = (
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "40 22 8:2 / /srv/cache\\040dir rw,noatime shared:2 - ext4 /dev/sda2 rw\n"
    )
    assert noatime_mount("/srv/cache dir/pip", mountinfo=info)
    assert not noatime_mount("/srv/cache", mountinfo=info)
    assert not noatime_mount("/home/u/.cache/pip", mountinfo=info)


def test_a_second_deletion_waits_for_the_lock_and_says_so(
    layout: Dict[str, Path], isolated_env: Dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    env = {**isolated_env, "PIP_CACHE_DIR": str(layout["cache"])}
    cache = PipCache(sys.executable, env=env)
    done: Dict[str, object] = {}
    real = os.path.realpath(layout["cache"])
    with caplog.at_level(logging.WARNING, logger="pipcache_ext"):
        with cache_lock(layout["cache"] / "." / "", env):  # another clean holds the lock
            with pytest.raises(CacheBusyError, match="another pipcache-ext clean"):
                cache.prune(max_size=0, wait=False)
            with pytest.raises(CacheBusyError):
                cache.purge(wait=False)
            worker = threading.Thread(target=lambda: done.update(r=cache.prune(max_size=0)))
            worker.start()
            deadline = time.monotonic() + 60
            while f"waiting for another pipcache-ext clean of {real}" not in caplog.text:
                assert time.monotonic() < deadline, caplog.text
                time.sleep(0.05)
            assert worker.is_alive()  # it cannot get the lock while it is held
            assert layout["old body"].exists()
        worker.join(60)
    assert not worker.is_alive()
    assert not layout["old body"].exists()


def test_the_lock_holds_across_processes(
    layout: Dict[str, Path], isolated_env: Dict[str, str]
) -> None:
    env = {**isolated_env, "PIP_CACHE_DIR": str(layout["cache"])}
    code = (
        "import sys; from pipcache_ext import PipCache, CacheBusyError\n"
        "try:\n    PipCache(sys.executable).prune(max_size=0, wait=False)\n"
        "except CacheBusyError as e:\n    print('busy:', e); sys.exit(7)\n"
    )
    with cache_lock(layout["cache"], env):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
    assert done.returncode == 7, done.stderr
    assert layout["old body"].exists()


def test_verify_names_what_a_purge_should_have_removed_and_did_not(
    layout: Dict[str, Path], isolated_env: Dict[str, str]
) -> None:
    stuck = layout["old body"]
    done = subprocess.run(["chattr", "+i", str(stuck)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("chattr +i needs root on ext4/xfs/btrfs")
    try:
        env = {**isolated_env, "PIP_CACHE_DIR": str(layout["cache"])}
        cache = PipCache(sys.executable, env=env, backend="native")
        result = cache.purge(verify=True, spare_recent=False)  # the layout's recent entry too
        assert result.remaining is not None
        assert (result.remaining.http_files, result.remaining.http_size) == (1, 1000)
        assert stuck in result.failed
        assert any(w.startswith("verify: 1 file(s) (1000 bytes)") for w in result.warnings)
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=False)


def test_remove_project_and_the_one_shot_prune_measure_what_is_left(
    layout: Dict[str, Path], isolated_env: Dict[str, str]
) -> None:
    env = {**isolated_env, "PIP_CACHE_DIR": str(layout["cache"])}
    result = PipCache(sys.executable, env=env).remove_project("six", verify=True)
    assert result.removed == (layout["wheel"],)
    assert result.remaining is not None
    assert result.remaining.wheel_count == 0
    pruned = pipcache_ext.cache_prune(python=sys.executable, env=env, max_size=0, verify=True)
    assert set(pruned.removed) == {layout["old meta"], layout["old body"], layout["stale tmp"]}
    assert pruned.remaining is not None
    left = [p for name, p in layout.items() if name in ("recent", "fresh tmp", "stray")]
    assert pruned.remaining.http_files == len(left) + 1  # and the link
    assert pruned.remaining.http_size == sum(p.stat().st_size for p in left)


def test_on_a_noatime_mount_last_use_is_the_mtime_and_a_warning_says_so(
    layout: Dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    for name in ("old meta", "old body"):  # read yesterday, written 90 days ago
        os.utime(layout[name], (now - DAY, now - 90 * DAY))
    kept = prune(layout["cache"], older_than=30 * DAY, dry_run=True)
    assert layout["old body"] not in kept.removed  # atime counts where the mount keeps it
    monkeypatch.setattr("pipcache_ext._housekeeping.prune.noatime_mount", lambda _path: True)
    result = prune(layout["cache"], older_than=30 * DAY, dry_run=True)
    assert {layout["old meta"], layout["old body"]} <= set(result.removed)
    assert any("mounted noatime" in w for w in result.warnings)
