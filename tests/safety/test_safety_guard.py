"""Issue 8's stricter guard: every passwd home counts, and a purge needs something like a cache.

- A cache dir equal to another account's home (``pwd.getpwall()``; ``$HOME`` points elsewhere),
  or an ancestor of it, is refused by remove and purge, dry or real, without ``force``.
- A link target of an area (``wheels -> an ancestor of $HOME``) is refused the same way.
- A purge of a directory with none of ``wheels/``, ``http/``, ``http-v2/`` and other files in
  it is refused without ``force``; an empty directory is not.

Everything is under ``tmp_path``; ``force=True`` is only ever aimed there.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, Union

import pytest
from _cachetree import build_cache
from _canaries import (
    PIPS,
    assert_unchanged,
    build_scene,
    changed_outside,
    interpreter,
    real,
    run_op,
    state,
    write_tree,
)
from conftest import venv_or_fail

from pipcache_ext import PipCache, PipCacheError, RemovalResult, UnsafeOperationError

pytestmark = pytest.mark.realpip

ACCOUNT_PREFIX = "pipcache-ext-guard-"  # + the pid: parallel workers do not share an account
HOME_CANARIES = {".bashrc": b"alias ll='ls -l'\n", "project/main.py": b"print(1)\n"}


def _cache(venv: Path, env: Dict[str, str], backend: str) -> PipCache:
    return PipCache(interpreter(venv, env), env=env, backend=backend)  # type: ignore[arg-type]


def _call(
    cache: PipCache, op: str, *, dry_run: bool, force: bool = False
) -> Union[RemovalResult, PipCacheError]:
    try:
        return run_op(cache, op, dry_run=dry_run, force=force)
    except PipCacheError as exc:
        return exc


def _account_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    """useradd/userdel, retried while another process holds the passwd lock."""
    for _attempt in range(20):
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        if "lock" not in done.stderr.lower():
            return done
        time.sleep(0.25)
    return done


def _remove_stale_accounts() -> None:
    """Accounts of interrupted runs: ours by name, their temp home gone."""
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(ACCOUNT_PREFIX) and not os.path.exists(entry.pw_dir):
            _account_tool("userdel", entry.pw_name)


@pytest.fixture
def other_home(tmp_path: Path) -> Iterator[Path]:
    """A passwd account, made for the test, whose home is a temp dir (not $HOME)."""
    if os.geteuid() != 0:
        pytest.skip("adding a passwd account (useradd) for the test needs root")
    if shutil.which("useradd") is None or shutil.which("userdel") is None:
        pytest.skip("useradd/userdel are not installed")
    home = real(tmp_path) / "homes" / "guard"
    home.mkdir(parents=True)
    _remove_stale_accounts()
    account = f"{ACCOUNT_PREFIX}{os.getpid()}"
    made = _account_tool(
        "useradd", "--system", "--no-create-home", "--home-dir", str(home),
        "--shell", "/usr/sbin/nologin", account,
    )  # fmt: skip
    assert made.returncode == 0, f"useradd failed: {made.stderr}"
    try:
        assert str(home) in {entry.pw_dir for entry in pwd.getpwall()}
        yield home
    finally:
        _account_tool("userdel", account)


@pytest.mark.parametrize("backend", ["native", "auto"])
def test_another_accounts_home_and_its_ancestor_are_refused(
    tmp_path: Path, isolated_env: Dict[str, str], other_home: Path, backend: str
) -> None:
    """$HOME points elsewhere; the cache dir is another account's home, then the directory
    holding it (both look like pip caches): refused, dry or real, nothing deleted. With
    force=True (safe here: a temp dir) the purge runs and touches nothing outside the areas."""
    venv = venv_or_fail("26.3", PIPS["26.3"])
    assert Path(isolated_env["HOME"]) != other_home
    homes = other_home.parent
    build_cache(other_home)
    write_tree(other_home, HOME_CANARIES)
    build_cache(homes)  # the ancestor looks like a pip cache too
    write_tree(real(tmp_path), {"outside/canary.txt": b"outside"})
    watched = (real(tmp_path), Path(isolated_env["HOME"]))
    for cache_dir in (other_home, homes):
        env = {**isolated_env, "PIP_CACHE_DIR": str(cache_dir)}
        cache = _cache(venv, env, backend)
        for op, dry_run in (("purge", False), ("purge", True), ("remove-six", False)):
            before = state(*watched)
            outcome = _call(cache, op, dry_run=dry_run)
            assert_unchanged(before, state(*watched))
            assert isinstance(outcome, UnsafeOperationError), f"{cache_dir} {op}: {outcome!r}"
            assert str(cache_dir) in str(outcome) or str(other_home) in str(outcome), outcome

    env = {**isolated_env, "PIP_CACHE_DIR": str(other_home)}
    before = state(*watched)
    result = run_op(_cache(venv, env, backend), "purge", dry_run=False, force=True)
    after = state(*watched)
    assert result.files_removed > 0
    changed = changed_outside(before, after, other_home)
    assert not changed, changed
    for rel in HOME_CANARIES:  # not pip's: kept
        assert str(other_home / rel) in after, rel
    kept = {p for p in after if p.endswith(".whl") and p.startswith(str(other_home))}
    assert not kept, kept


def test_a_link_target_that_is_an_ancestor_of_home_is_refused(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    """native: ``http-v2 -> the directory holding $HOME`` is refused, not just skipped."""
    home = Path(isolated_env["HOME"])
    scene = build_scene(tmp_path / "scene", home, "http-v2-link")
    link = scene.cache_dir / "http-v2"
    link.unlink()
    ancestor = real(home).parent
    link.symlink_to(ancestor, target_is_directory=True)
    watched = (*scene.roots, ancestor)
    cache = _cache(venv_or_fail("26.3", PIPS["26.3"]), scene.env(isolated_env), "native")
    for op, dry_run in (("purge", True), ("purge", False), ("remove-nomatch", False)):
        before = state(*watched)
        outcome = _call(cache, op, dry_run=dry_run)
        assert_unchanged(before, state(*watched))
        assert isinstance(outcome, UnsafeOperationError), f"{op}: {outcome!r}"
        assert str(link) in str(outcome), str(outcome)
        assert str(ancestor) in str(outcome), str(outcome)


NOT_A_CACHE = {
    "notes.txt": b"my notes",
    "src/main.py": b"print('mine')\n",
    "data/six-1.16.0-py2.py3-none-any.whl": b"a wheel, but no wheels/ dir",
    "selfcheck/x": b"",
}


@pytest.mark.parametrize("backend", ["native", "auto"])
def test_purging_a_directory_that_is_not_a_pip_cache_is_refused(
    tmp_path: Path, isolated_env: Dict[str, str], backend: str
) -> None:
    """No wheels/, http/, http-v2/ and other files present: purge refused, dry or real; with
    force=True it runs and deletes none of those files (they are not in pip's areas)."""
    base = real(tmp_path)
    target = base / "not-a-cache"
    write_tree(target, NOT_A_CACHE)
    write_tree(base, {"sibling/canary.txt": b"sibling"})
    env = {**isolated_env, "PIP_CACHE_DIR": str(target)}
    cache = _cache(venv_or_fail("26.3", PIPS["26.3"]), env, backend)
    for dry_run in (True, False):
        before = state(base)
        outcome = _call(cache, "purge", dry_run=dry_run)
        assert_unchanged(before, state(base))
        assert isinstance(outcome, UnsafeOperationError), f"dry={dry_run}: {outcome!r}"
        assert str(target) in str(outcome), str(outcome)
    before = state(base)
    result = run_op(cache, "purge", dry_run=False, force=True)
    assert_unchanged(before, state(base))
    assert result.files_removed == 0
    assert tuple(result.failed) == ()
    assert tuple(result.deleted) == ()


@pytest.mark.parametrize("backend", ["native", "auto"])
def test_purging_an_empty_directory_is_not_refused(
    tmp_path: Path, isolated_env: Dict[str, str], backend: str
) -> None:
    """The "not a pip cache" rule needs other files: an empty dir is purged (0 files)."""
    base = real(tmp_path)
    target = base / "empty-cache"
    target.mkdir()
    write_tree(base, {"sibling/canary.txt": b"sibling"})
    env = {**isolated_env, "PIP_CACHE_DIR": str(target)}
    cache = _cache(venv_or_fail("26.3", PIPS["26.3"]), env, backend)
    before = state(base)
    for dry_run in (True, False):
        result = run_op(cache, "purge", dry_run=dry_run)
        assert result.files_removed == 0, result
        assert tuple(result.deleted) == (), result
    assert_unchanged(before, state(base))
