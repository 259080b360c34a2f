"""Issue 8: a directory swapped for a symlink during a native purge cannot redirect the deletion.

A thread keeps renaming a directory of the cache away, putting a symlink to an outside tree
(the same file names, canaries) in its place, and swapping back, while
``purge(backend="native")`` runs. A deletion that re-resolves full paths after its scan unlinks
the outside files; one relative to directory file descriptors (``O_NOFOLLOW``, ``fstatat``
re-checks) cannot. Every trial is bounded in time; 0 outside files may be lost over them all.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from _canaries import State, interpreter, real, state, write_tree
from conftest import venv_or_fail

from pipcache_ext import PipCache, PipCacheError

pytestmark = pytest.mark.realpip

TRIALS = 20  # alternating a wheels/ shard and an http-v2/ shard
TRIAL_SECONDS = 1.0  # the swapper stops after this even if the purge has not returned
HOLD_SECONDS = 0.001  # the link lasts up to this, the directory up to twice this
FILES_PER_SUBDIR = 100
SUBDIRS = ("s0", "s1", "s2")


class Swapper(threading.Thread):
    """Swap ``victim`` for a symlink to ``target`` and back, as fast as it can."""

    def __init__(self, victim: Path, target: Path) -> None:
        super().__init__(daemon=True)
        self.victim = str(victim)
        self.away = str(victim.with_name("." + victim.name + "-away"))  # same parent: in the cache
        self.target = str(target)
        self.stop = threading.Event()
        self.swaps = 0

    def run(self) -> None:
        # The real directory and the symlink each hold the name for a random time of about a
        # millisecond: the scan must see the directory, the deletion must meet the link.
        rng = random.Random(self.victim)  # noqa: S311 - timing jitter, not secrets
        deadline = time.monotonic() + TRIAL_SECONDS
        while not self.stop.is_set() and time.monotonic() < deadline:
            time.sleep(rng.uniform(0, 2 * HOLD_SECONDS))
            try:
                os.rename(self.victim, self.away)
            except OSError:
                continue
            try:
                os.symlink(self.target, self.victim, target_is_directory=True)
                self.swaps += 1
                time.sleep(rng.uniform(0, HOLD_SECONDS))
            except OSError:
                pass
            self._restore()

    def _restore(self) -> None:
        try:
            if os.path.islink(self.victim):
                os.unlink(self.victim)
        except OSError:
            pass
        try:
            if not os.path.lexists(self.victim):
                os.rename(self.away, self.victim)
        except OSError:
            pass

    def finish(self) -> None:
        self.stop.set()
        self.join(TRIAL_SECONDS + 5)
        assert not self.is_alive()
        self._restore()


def _names(area: str) -> Dict[str, bytes]:
    """The victim's files (relative to it); the outside tree gets the same names."""
    files: Dict[str, bytes] = {}
    for sub in SUBDIRS:
        for n in range(FILES_PER_SUBDIR):
            name = f"pkg{n:03d}-1.0-py3-none-any.whl" if area == "wheels" else f"{n:056x}"
            files[f"{sub}/{name}"] = f"{area} {sub} {n}".encode()
        if area == "wheels":
            files[f"{sub}/origin.json"] = b"{}"
    return files


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads every microsecond, so that the swapper interleaves with the deletion."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def test_native_purge_cannot_be_redirected_by_a_swapped_symlink(
    tmp_path: Path, isolated_env: Dict[str, str], fast_switching: None
) -> None:
    venv = venv_or_fail("26.3", "3.12")
    base = real(tmp_path)
    lost: List[str] = []
    swaps = trials = 0
    errors: List[str] = []
    for trial in range(TRIALS):
        area = "wheels" if trial % 2 == 0 else "http-v2"
        root = base / f"trial{trial:02d}"
        cache_dir = root / "cache"
        victim = cache_dir / area / "ab" / "victim"
        files = _names(area)
        write_tree(victim, files)
        write_tree(cache_dir / area / "cd", {"other/file-1.0-py3-none-any.whl": b"x"})
        outside = root / "outside"
        write_tree(outside, files)  # the same names: where a redirected unlink lands
        write_tree(root, {"sibling/keep.txt": b"sibling", "parent.txt": b"parent"})
        canaries: State = state(outside, root / "sibling", root / "parent.txt")
        env = {**isolated_env, "PIP_CACHE_DIR": str(cache_dir)}
        cache = PipCache(interpreter(venv, env), env=env, backend="native")
        swapper = Swapper(victim, outside)
        swapper.start()
        try:
            cache.purge()
        except PipCacheError as exc:  # a typed refusal is fine; losing outside files is not
            errors.append(f"trial {trial}: {exc!r}")
        finally:
            swapper.finish()
        after = state(outside, root / "sibling", root / "parent.txt")
        lost += [p for p in canaries if after.get(p) != canaries[p]]
        swaps += swapper.swaps
        trials += 1
    assert trials >= 20
    assert swaps >= trials, f"the race barely ran: {swaps} swaps in {trials} trials"
    assert not lost, (
        f"{len(lost)} outside files lost or changed over {trials} trials ({swaps} swaps): "
        + ", ".join(sorted(lost)[:10])
        + (f"; errors: {errors[:3]}" if errors else "")
    )
