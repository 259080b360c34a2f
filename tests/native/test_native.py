"""The in-process backend, checked against the fixture cache's manifest (and, marked ``realpip``,
against real pips run on identical copies of it)."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
import shutil
import subprocess
from pathlib import Path

import _pipenvs
import pytest
from _cachetree import WHEELS, Manifest, build_cache, pip_pattern_matches, snapshot
from conftest import venv_or_fail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipcache_ext import _fs
from pipcache_ext._native import (
    ensure_safe_to_purge,
    native_info,
    native_list,
    native_purge,
    native_remove,
)
from pipcache_ext._parsers.list import wheel_name_version
from pipcache_ext._patterns import pattern_matcher, pip_glob, validate_pattern
from pipcache_ext.errors import InvalidPatternError, UnsafeOperationError

TOPS = ("http", "http-v2", "wheels")


@pytest.fixture
def manifest(tmp_path) -> Manifest:
    return build_cache(tmp_path / "cache")


# --- helpers: independent views of the filesystem -------------------------------------------


def listing(root: Path) -> tuple[set, set]:
    """``(dirs, files)`` under ``root`` as os.walk sees them (symlinks to files are files)."""
    dirs: set = set()
    files: set = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirs.update(Path(dirpath) / d for d in dirnames if not (Path(dirpath) / d).is_symlink())
        files.update(Path(dirpath) / f for f in filenames)
    return dirs, files


def expected_cleanup(cache: Path, deleted: set) -> tuple[set, set]:
    """pip 26.2+'s empty-dir pass, restated on paths: ``(dirs removed, files left afterwards)``.

    A dir under http/ or http-v2/ goes when no remaining file lies beneath it; one under wheels/
    when no remaining ``*.whl`` does. The top dirs count too; leftover files go with their dir.
    """
    all_dirs: set = set()
    all_files: set = set()
    for top in TOPS:
        if (cache / top).is_dir():
            dirs, files = listing(cache / top)
            all_dirs |= dirs | {cache / top}
            all_files |= files
    remaining = all_files - deleted
    removed = set()
    for d in all_dirs:
        beneath = [f for f in remaining if d in f.parents]
        if d == cache / "wheels" or cache / "wheels" in d.parents:
            beneath = [f for f in beneath if f.name.endswith(".whl")]
        if not beneath:
            removed.add(d)
    left = {f for f in remaining if f.parent not in removed}
    return removed, left


def all_files(cache: Path) -> set:
    return listing(cache)[1]


def untouchables_intact(m: Manifest) -> None:
    for path, size in m.untouchable.items():
        assert path.is_file(), path
        assert path.stat().st_size == size


def relative(result, root: Path):
    return dataclasses.replace(
        result,
        removed=tuple(p.relative_to(root) for p in result.removed),
        deleted=tuple(p.relative_to(root) for p in result.deleted),
        failed=tuple(p.relative_to(root) for p in result.failed),
    )


# --- info --------------------------------------------------------------------------------------


def test_info_counts_and_sizes_match_the_manifest(manifest):
    info = native_info(manifest.cache_dir, pip_version="26.3")
    http = manifest.http_files(v2=True)
    assert info.cache_dir == manifest.cache_dir
    assert info.wheels_dir == manifest.cache_dir / "wheels"
    assert info.wheel_count == manifest.wheel_count == len(WHEELS) + 1
    assert info.wheels_size == manifest.wheels_size
    assert info.http_dirs == (manifest.cache_dir / "http-v2", manifest.cache_dir / "http")
    assert info.http_files == len(http)
    assert info.http_size == sum(http.values())
    assert info.exact is True
    assert info.backend == "native"
    assert info.pip_version == "26.3"
    assert info.total_size == manifest.wheels_size + sum(http.values())


def test_info_of_a_missing_cache_is_zero(tmp_path):
    info = native_info(tmp_path / "nope", pip_version=None)
    assert (info.wheel_count, info.wheels_size, info.http_files, info.http_size) == (0, 0, 0, 0)
    assert not (tmp_path / "nope").exists()


def test_info_symlinks_follow_pips_rules(manifest, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big-1.0-py3-none-any.whl").write_bytes(b"x" * 5000)
    entry = manifest.wheels_dir / "aa" / "bb"
    entry.mkdir(parents=True)
    (entry / "linkdir").symlink_to(outside, target_is_directory=True)  # not followed
    (entry / "linked-1.0-py3-none-any.whl").symlink_to(outside / "big-1.0-py3-none-any.whl")
    (entry / "broken-1.0-py3-none-any.whl").symlink_to(tmp_path / "missing")
    info = native_info(manifest.cache_dir, pip_version=None)
    assert info.wheel_count == manifest.wheel_count + 2  # both links count, as 0 bytes
    assert info.wheels_size == manifest.wheels_size


def test_info_follows_a_symlinked_top_dir_like_pip(manifest, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.move(str(manifest.cache_dir / "http-v2"), str(moved))
    (manifest.cache_dir / "http-v2").symlink_to(moved, target_is_directory=True)
    info = native_info(manifest.cache_dir, pip_version=None)
    assert info.http_files == len(manifest.http_files(v2=True))


def vanish_on_lstat(monkeypatch, victim: Path) -> list:
    """Make ``victim`` disappear just before the code under test stats it.

    Deletion stats entries relative to their directory (``_fs.stat_child``, which is given the
    full path for messages); measuring stats full paths (``os.lstat``): both are intercepted.
    """
    real_lstat = os.lstat
    real_stat_child = _fs.stat_child
    hits: list = []

    def vanish(path) -> None:
        if os.fspath(path) == str(victim) and victim.exists():
            hits.append(path)
            victim.unlink()

    def lstat(path, *args, **kwargs):
        vanish(path)
        return real_lstat(path, *args, **kwargs)

    def stat_child(parent, name, path):
        vanish(path)
        return real_stat_child(parent, name, path)

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(_fs, "stat_child", stat_child)
    return hits


def test_info_skips_a_file_that_vanishes_mid_walk(manifest, monkeypatch):
    victim = manifest.wheels["termcolor-1.1.0-py3-none-any.whl"][0]
    hits = vanish_on_lstat(monkeypatch, victim)
    info = native_info(manifest.cache_dir, pip_version=None)
    assert hits
    assert info.wheel_count == manifest.wheel_count - 1
    assert info.wheels_size == manifest.wheels_size - manifest.wheel_sizes[victim]


# --- list --------------------------------------------------------------------------------------

# Written out from _cachetree.WHEELS by hand: (canonical name, version as in the file name).
NAMES = {
    "six-1.16.0-py2.py3-none-any.whl": ("six", "1.16.0"),
    "six-1.17.0-py2.py3-none-any.whl": ("six", "1.17.0"),
    "sixer-1.0-py3-none-any.whl": ("sixer", "1.0"),
    "Hyphen_Name-2.0-py3-none-any.whl": ("hyphen-name", "2.0"),
    "zope.interface-5.0-cp311-cp311-linux_x86_64.whl": ("zope-interface", "5.0"),
    "termcolor-1.1.0-py3-none-any.whl": ("termcolor", "1.1.0"),
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (None, sorted([*NAMES, "six-1.16.0-py2.py3-none-any.whl"])),
        ("six", ["six-1.16.0-py2.py3-none-any.whl"] * 2 + ["six-1.17.0-py2.py3-none-any.whl"]),
        ("six-1.16", ["six-1.16.0-py2.py3-none-any.whl"] * 2),
        ("Hyphen_Name", ["Hyphen_Name-2.0-py3-none-any.whl"]),
        ("hyphen-name", []),  # pip does not normalise
        ("hyphen_name", []),  # case-sensitive on POSIX
        ("*.whl", []),  # becomes *.whl-*.whl
        ("six-1.16.0-py2.py3-none-any.whl", []),  # the full name with .whl never matches
        ("six-1.16.0-py2.py3-none-any", ["six-1.16.0-py2.py3-none-any.whl"] * 2),
        (
            "six*",
            ["six-1.16.0-py2.py3-none-any.whl"] * 2
            + ["six-1.17.0-py2.py3-none-any.whl", "sixer-1.0-py3-none-any.whl"],
        ),
        ("zope.interface", ["zope.interface-5.0-cp311-cp311-linux_x86_64.whl"]),
        ("zope_interface", []),
        (
            "[st]*",
            ["six-1.16.0-py2.py3-none-any.whl"] * 2
            + ["six-1.17.0-py2.py3-none-any.whl", "sixer-1.0-py3-none-any.whl"]
            + ["termcolor-1.1.0-py3-none-any.whl"],
        ),
        ("?ix", ["six-1.16.0-py2.py3-none-any.whl"] * 2 + ["six-1.17.0-py2.py3-none-any.whl"]),
    ],
)
def test_list_applies_pips_pattern_rule(manifest, pattern, expected):
    if os.name == "nt" and pattern == "hyphen_name":
        pytest.skip("case-insensitive on Windows")
    wheels = native_list(manifest.cache_dir, pattern)
    rule = "*" if pattern is None else pattern
    from_manifest = sorted(
        (path.name, str(path))
        for path in manifest.wheel_paths
        if pip_pattern_matches(rule, path.name)
    )
    assert [(w.filename, str(w.path)) for w in wheels] == from_manifest
    if expected is not None:
        assert [w.filename for w in wheels] == expected
    for wheel in wheels:
        assert wheel.path is not None
        assert wheel.path.is_absolute()
        assert wheel.size == manifest.wheel_sizes[wheel.path]
        assert (wheel.name, wheel.version) == NAMES[wheel.filename]
        assert wheel.exact is True


def test_list_of_a_missing_cache_is_empty(tmp_path):
    assert native_list(tmp_path / "nope", None) == []


def test_list_symlinks(manifest, tmp_path):
    target = tmp_path / "real-1.0-py3-none-any.whl"
    target.write_bytes(b"y" * 321)
    link = manifest.wheels_dir / "link-1.0-py3-none-any.whl"
    link.symlink_to(target)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hidden-1.0-py3-none-any.whl").write_bytes(b"z")
    (manifest.wheels_dir / "dirlink").symlink_to(outside, target_is_directory=True)
    (wheel,) = native_list(manifest.cache_dir, "link")
    assert (wheel.filename, wheel.size, wheel.path) == (link.name, 0, link)
    assert native_list(manifest.cache_dir, "hidden") == []


def test_list_skips_a_file_that_vanishes(manifest, monkeypatch):
    victim = manifest.wheels["sixer-1.0-py3-none-any.whl"][0]
    vanish_on_lstat(monkeypatch, victim)
    assert native_list(manifest.cache_dir, "sixer") == []


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Foo.Bar_baz-1.0a-py3-none-any.whl", ("foo-bar-baz", "1.0a")),
        ("foo-notaversion-py3-none-any.whl", ("foo", "notaversion")),  # parse fails: fallback
        ("weird.whl", ("weird", "")),
        ("pkg-2.0-1build-py3-none-any.whl", ("pkg", "2.0")),
    ],
)
def test_wheel_name_and_version(filename, expected):
    assert wheel_name_version(filename) == expected


# --- remove / purge ----------------------------------------------------------------------------


def test_remove_six_deletes_exactly_its_wheels(manifest):
    before = all_files(manifest.cache_dir)
    targets = set(manifest.wheels_matching(lambda name: pip_pattern_matches("six", name)))
    assert len(targets) == 3
    removed_dirs, left = expected_cleanup(manifest.cache_dir, targets)

    result = native_remove(manifest.cache_dir, "six")

    assert set(result.removed) == targets
    assert list(result.removed) == sorted(result.removed)
    assert result.files_removed == 3
    assert result.bytes_removed == sum(manifest.wheel_sizes[p] for p in targets)
    assert result.dirs_removed == len(removed_dirs)
    assert result.matched is True
    assert result.warnings == ()
    assert (result.exact, result.dry_run, result.backend) == (True, False, "native")
    # Every other wheel, every HTTP file, selfcheck/ and the strays are still there.
    after = all_files(manifest.cache_dir)
    assert after == left | set(manifest.untouchable)
    assert after == before - targets - {f for f in before if f.parent in removed_dirs}
    for path in set(manifest.wheel_sizes) - targets:
        assert path.read_bytes()
    assert set(manifest.http_files(v2=True)) <= after
    assert manifest.wheels_dir / "README.txt" in after
    untouchables_intact(manifest)
    # The cleanup pass: the six entries' origin.json dirs, the origin-only entry, the empty dirs.
    dirs_after = listing(manifest.cache_dir)[0]
    assert not removed_dirs & dirs_after
    assert all(p.parent in removed_dirs for p in targets)
    assert not (manifest.wheels_dir / "de").exists()
    assert not (manifest.cache_dir / "http" / "0").exists()
    assert not (manifest.cache_dir / "http-v2" / "f").exists()


def test_remove_star_is_purge(tmp_path):
    a = build_cache(tmp_path / "a" / "cache")
    b = build_cache(tmp_path / "b" / "cache")
    by_remove = native_remove(a.cache_dir, "*")
    by_purge = native_purge(b.cache_dir)
    assert relative(by_remove, a.cache_dir) == relative(by_purge, b.cache_dir)
    assert snapshot(a.cache_dir) == snapshot(b.cache_dir)


def test_purge_leaves_only_selfcheck_and_strays(manifest):
    (manifest.cache_dir / "selfcheck.json").write_text("{}")
    http = manifest.http_files(v2=True)
    targets = set(manifest.wheel_sizes) | set(http)
    removed_dirs, _ = expected_cleanup(manifest.cache_dir, targets)

    result = native_purge(manifest.cache_dir)

    assert set(result.removed) == targets
    assert result.files_removed == len(targets) == manifest.wheel_count + len(http)
    assert result.bytes_removed == sum(manifest.wheel_sizes.values()) + sum(http.values())
    assert result.dirs_removed == len(removed_dirs)
    assert result.warnings == ()
    assert result.matched is True
    selfcheck = next(iter(p for p in manifest.untouchable if p.parent.name == "selfcheck"))
    assert set(snapshot(manifest.cache_dir)) == {
        "selfcheck",
        f"selfcheck/{selfcheck.name}",
        "keep-me.txt",
    }
    untouchables_intact(manifest)


def test_purge_of_an_empty_cache_warns_like_pip(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    result = native_purge(cache)
    assert result.warnings == ("No matching packages",)
    assert (result.files_removed, result.bytes_removed, result.dirs_removed) == (0, 0, 0)
    assert result.matched is False


def test_remove_with_no_match_still_runs_the_cleanup(manifest):
    removed_dirs, left = expected_cleanup(manifest.cache_dir, set())
    result = native_remove(manifest.cache_dir, "nomatch")
    assert result.warnings == ('No matching packages for pattern "nomatch"',)
    assert (result.files_removed, result.bytes_removed, result.matched) == (0, 0, False)
    assert result.dirs_removed == len(removed_dirs) > 0
    assert all_files(manifest.cache_dir) == left | set(manifest.untouchable)


def test_missing_cache_dir_is_fine(tmp_path):
    missing = tmp_path / "nope"
    result = native_remove(missing, "six")
    assert result.matched is False
    assert result.warnings == ('No matching packages for pattern "six"',)
    assert (result.files_removed, result.dirs_removed) == (0, 0)
    assert native_purge(missing).matched is False
    assert not missing.exists()


def test_legacy_selfcheck_json_goes_uncounted(manifest):
    legacy = manifest.cache_dir / "selfcheck.json"
    legacy.write_text("{}")
    result = native_remove(manifest.cache_dir, "termcolor")
    assert not legacy.exists()
    assert legacy not in result.removed
    assert result.files_removed == 1


OPERATIONS = {
    "remove six": lambda cache, **kw: native_remove(cache, "six", **kw),
    "remove six-1.16": lambda cache, **kw: native_remove(cache, "six-1.16", **kw),
    "remove *": lambda cache, **kw: native_remove(cache, "*", **kw),
    "remove nomatch": lambda cache, **kw: native_remove(cache, "nomatch", **kw),
    "purge": native_purge,
    "purge as pip 25.0": lambda cache, **kw: native_purge(cache, rules="25.0", **kw),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_dry_run_reports_the_real_run_and_touches_nothing(manifest, operation):
    (manifest.cache_dir / "selfcheck.json").write_text("{}")
    run = OPERATIONS[operation]
    before = snapshot(manifest.cache_dir)
    dry = run(manifest.cache_dir, dry_run=True)
    assert snapshot(manifest.cache_dir) == before
    assert dry.dry_run is True
    real = run(manifest.cache_dir)
    assert real.dry_run is False
    assert dry == dataclasses.replace(real, dry_run=True)


# --- symlinks ----------------------------------------------------------------------------------


def test_purge_never_follows_a_symlinked_dir(manifest, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious-1.0-py3-none-any.whl"
    precious.write_bytes(b"keep me")
    (outside / "notes.txt").write_text("keep")
    entry = manifest.wheels_dir / "ab" / "cd"
    entry.mkdir(parents=True)
    link = entry / "link"
    link.symlink_to(outside, target_is_directory=True)

    result = native_purge(manifest.cache_dir)

    assert precious.read_bytes() == b"keep me"
    assert (outside / "notes.txt").read_text() == "keep"
    assert precious not in result.removed
    assert all(outside not in p.parents for p in result.removed)
    assert result.files_removed == manifest.wheel_count + len(manifest.http_files(v2=True))
    # Like pip, the link itself goes with its wheel-less directory; never what it points to.
    assert not os.path.lexists(link)


def test_a_symlinked_wheel_is_unlinked_and_its_target_kept(manifest, tmp_path):
    target = tmp_path / "target.whl"
    target.write_bytes(b"t" * 999)
    link = manifest.wheels_dir / "aa" / "linked-1.0-py3-none-any.whl"
    link.parent.mkdir()
    link.symlink_to(target)
    result = native_remove(manifest.cache_dir, "linked")
    assert result.removed == (link,)
    assert result.bytes_removed == 0  # pip's size rule: a symlink is 0 bytes
    assert not os.path.lexists(link)
    assert target.read_bytes() == b"t" * 999


@pytest.mark.parametrize("top", TOPS)
def test_a_symlinked_top_dir_is_not_descended(manifest, tmp_path, top):
    moved = tmp_path / f"real-{top}"
    shutil.move(str(manifest.cache_dir / top), str(moved))
    (manifest.cache_dir / top).symlink_to(moved, target_is_directory=True)
    before = snapshot(moved)
    result = native_purge(manifest.cache_dir)
    assert snapshot(moved) == before
    assert (manifest.cache_dir / top).is_symlink()
    assert (
        f"Not descending into {manifest.cache_dir / top}: it is a symbolic link" in result.warnings
    )
    assert all(moved not in p.parents for p in result.removed)


# --- refusing unsafe targets -------------------------------------------------------------------


def fake_home_cache(home: Path) -> Manifest:
    """A cache layout written straight into the (fake) home directory."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".bashrc").write_text("# mine")
    return build_cache(home)


def forbid_deleting(patch: pytest.MonkeyPatch) -> None:
    def boom(*_args, **_kwargs):
        pytest.fail("nothing may be read or deleted")

    for name in ("unlink", "remove", "rmdir", "scandir"):
        patch.setattr(os, name, boom)


def test_purge_refuses_the_home_dir_and_its_ancestors(tmp_path, monkeypatch):
    home = tmp_path / "users" / "me"
    monkeypatch.setenv("HOME", str(home))
    fake_home_cache(home)
    (tmp_path / "home-link").symlink_to(home, target_is_directory=True)
    assert Path.home() == home
    before = snapshot(tmp_path)
    targets = (home, home.parent, tmp_path / "home-link", Path(str(home) + "/x/.."))
    with monkeypatch.context() as patch:
        forbid_deleting(patch)
        for target in targets:
            for dry_run in (False, True):
                with pytest.raises(UnsafeOperationError, match="home directory"):
                    native_purge(target, dry_run=dry_run)
            with pytest.raises(UnsafeOperationError):
                native_remove(target, "six")
            with pytest.raises(UnsafeOperationError):
                ensure_safe_to_purge(target)
    assert snapshot(tmp_path) == before


def test_purge_refuses_a_filesystem_root(monkeypatch):
    root = Path(Path.cwd().anchor)
    with monkeypatch.context() as patch:
        forbid_deleting(patch)
        with pytest.raises(UnsafeOperationError, match="filesystem root"):
            native_purge(root)
        with pytest.raises(UnsafeOperationError, match="filesystem root"):
            native_purge(Path("/"), dry_run=True)
        with pytest.raises(UnsafeOperationError):
            native_remove(root, "*")
        with pytest.raises(UnsafeOperationError):
            ensure_safe_to_purge(root)


def test_force_purges_a_fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    m = fake_home_cache(home)
    result = native_purge(home, force=True)
    assert result.files_removed == m.wheel_count + len(m.http_files(v2=True))
    assert set(snapshot(home)) == {
        ".bashrc",
        "selfcheck",
        *(p.relative_to(home).as_posix() for p in m.untouchable),
    }
    assert (home / ".bashrc").read_text() == "# mine"


def test_a_cache_inside_home_is_allowed(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    m = build_cache(home / ".cache" / "pip")
    ensure_safe_to_purge(m.cache_dir)
    assert native_purge(m.cache_dir).files_removed > 0


# --- failures and races ------------------------------------------------------------------------


def refuse_unlink(monkeypatch, victim: Path) -> None:
    """Make unlinking ``victim`` fail as it does for a file the user may not delete.

    (The suite runs as root, which permissions do not stop; ``tests/safety`` has real ones.)
    """
    real_unlink = _fs.unlink_child

    def unlink(parent, name, path):
        if os.fspath(path) == str(victim):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_unlink(parent, name, path)

    monkeypatch.setattr(_fs, "unlink_child", unlink)


def test_an_undeletable_wheel_is_reported_and_the_rest_deleted(manifest, monkeypatch):
    victim = manifest.wheels["six-1.17.0-py2.py3-none-any.whl"][0]
    refuse_unlink(monkeypatch, victim)
    http = manifest.http_files(v2=True)
    targets = set(manifest.wheel_sizes) | set(http)
    removed_dirs, _ = expected_cleanup(manifest.cache_dir, targets - {victim})

    result = native_purge(manifest.cache_dir)

    assert result.warnings == (f"Could not remove {victim}: Permission denied",)
    assert set(result.removed) == targets - {victim}
    assert result.files_removed == len(targets) - 1
    assert (
        result.bytes_removed
        == sum(manifest.wheel_sizes.values()) + sum(http.values()) - (manifest.wheel_sizes[victim])
    )
    assert result.dirs_removed == len(removed_dirs)
    # The wheel, its origin.json and the dirs above it stay; everything else is gone.
    left = all_files(manifest.cache_dir) - set(manifest.untouchable)
    assert left == {victim, victim.parent / "origin.json", manifest.wheels_dir / "README.txt"}


def test_an_undeletable_leftover_keeps_its_dir(manifest, monkeypatch):
    wheel = manifest.wheels["termcolor-1.1.0-py3-none-any.whl"][0]
    origin = wheel.parent / "origin.json"
    refuse_unlink(monkeypatch, origin)
    removed_dirs, _ = expected_cleanup(manifest.cache_dir, {wheel})
    blocked = {d for d in removed_dirs if d in origin.parents}
    assert len(blocked) == 4  # the entry dir and the three hash levels above it

    result = native_remove(manifest.cache_dir, "termcolor")

    assert result.removed == (wheel,)
    assert result.warnings == (f"Could not remove {origin}: Permission denied",)
    assert origin.exists()
    assert result.dirs_removed == len(removed_dirs - blocked)
    assert all(d.is_dir() for d in blocked)


def test_an_unreadable_dir_is_kept_and_reported(manifest, monkeypatch):
    wheel = manifest.wheels["zope.interface-5.0-cp311-cp311-linux_x86_64.whl"][0]
    locked = wheel.parent
    real_list_dir = _fs.list_dir

    def list_dir(handle, path):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_list_dir(handle, path)

    monkeypatch.setattr(_fs, "list_dir", list_dir)
    result = native_purge(manifest.cache_dir)
    assert result.warnings == (f"Could not read directory {locked}: Permission denied",)
    assert wheel.exists()
    assert (locked / "origin.json").exists()
    assert result.files_removed == manifest.wheel_count - 1 + len(manifest.http_files(v2=True))


def test_a_wheel_vanishing_during_purge_is_skipped(manifest, monkeypatch):
    victim = manifest.wheels["Hyphen_Name-2.0-py3-none-any.whl"][0]
    hits = vanish_on_lstat(monkeypatch, victim)
    targets = set(manifest.wheel_sizes) | set(manifest.http_files(v2=True))
    removed_dirs, _ = expected_cleanup(manifest.cache_dir, targets)
    result = native_purge(manifest.cache_dir)
    assert hits
    assert result.warnings == ()
    assert set(result.removed) == targets - {victim}
    assert result.dirs_removed == len(removed_dirs)
    assert set(snapshot(manifest.cache_dir)) >= {"selfcheck", "keep-me.txt"}
    assert not (manifest.cache_dir / "wheels").exists()


# --- patterns ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["", "a/b", "six/", "/six", "a\\b", f"x{os.sep}y"])
def test_invalid_patterns_are_refused_before_anything(manifest, pattern):
    before = snapshot(manifest.cache_dir)
    with pytest.raises(InvalidPatternError):
        native_remove(manifest.cache_dir, pattern)
    with pytest.raises(InvalidPatternError):
        native_remove(manifest.cache_dir, pattern, dry_run=True)
    with pytest.raises(InvalidPatternError):
        native_list(manifest.cache_dir, pattern)
    assert snapshot(manifest.cache_dir) == before


def test_pip_glob_examples():
    assert pip_glob("six") == "six-*.whl"
    assert pip_glob("six-1.16") == "six-1.16*.whl"
    assert pip_glob("*") == "*-*.whl"
    assert pip_glob("*.whl") == "*.whl-*.whl"


PATTERN_CHARS = st.sampled_from(list("sixSIX_.-*?[]!0123456789abz"))
patterns = st.text(PATTERN_CHARS, min_size=1, max_size=12)
names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_.]{0,8}-[0-9][0-9.a-z]{0,6}-py3-none-any\.whl\Z")


@st.composite
def pattern_and_name(draw):
    """A basename plus a pattern built from it (so matches are frequent) or drawn freely."""
    name = draw(names)
    if draw(st.booleans()):
        return draw(patterns), name
    stem = name[: draw(st.integers(1, len(name)))]
    chars = [draw(st.sampled_from([c, c, "?", "*"])) for c in stem]
    return "".join(chars), name


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern_and_name())
def test_pattern_rule_matches_pips_fnmatch_filter(case):
    pattern, name = case
    glob = pip_glob(pattern)
    full = pattern + ("*.whl" if "-" in pattern else "-*.whl")  # the rule, restated
    assert glob == full
    assert pattern_matcher(glob)(name) == bool(fnmatch.filter([name], full))
    if os.name != "nt":
        assert pattern_matcher(glob)(name) == pip_pattern_matches(pattern, name)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.sampled_from(list("ab-*/\\.:")), max_size=6))
def test_validate_pattern_refuses_exactly_empty_and_separators(pattern):
    bad = pattern == "" or any(sep in pattern for sep in ("/", "\\", os.sep, os.altsep) if sep)
    if bad:
        with pytest.raises(InvalidPatternError):
            validate_pattern(pattern)
    else:
        validate_pattern(pattern)


# --- older pips' rules, when asked for -------------------------------------------------------


def test_pip_25_has_no_cleanup_pass(manifest):
    result = native_remove(manifest.cache_dir, "six", rules="25.0")
    assert result.dirs_removed == 0
    assert (manifest.wheels_dir / "de" / "ad" / "be" / "empty").is_dir()
    targets = set(manifest.wheels_matching(lambda n: pip_pattern_matches("six", n)))
    assert set(result.removed) == targets


def test_pip_23_2_purge_ignores_http_v2(manifest):
    result = native_purge(manifest.cache_dir, rules="23.2.1")
    assert set(result.removed) == set(manifest.wheel_sizes) | set(manifest.http_v1)
    assert all(p.exists() for p in manifest.http_v2)


def test_pip_20_1_purge_keeps_http_and_words_no_match_without_pattern(manifest):
    result = native_purge(manifest.cache_dir, rules="20.1")
    assert set(result.removed) == set(manifest.wheel_sizes)
    assert native_remove(manifest.cache_dir, "x", rules="21.2.4").warnings == (
        "No matching packages",
    )


def test_pip_26_0_cleanup_skips_http_v2(manifest):
    native_remove(manifest.cache_dir, "nomatch", rules="26.0")
    assert (manifest.cache_dir / "http-v2" / "f" / "e").is_dir()
    assert not (manifest.cache_dir / "http" / "0").exists()


# --- against real pips -------------------------------------------------------------------------

_FILES_RE = re.compile(r"^Files removed: (\d+)", re.MULTILINE)
_DIRS_RE = re.compile(r"^Directories removed: (\d+)$", re.MULTILINE)


@pytest.mark.realpip
@pytest.mark.parametrize("pip_version", ["26.3", "26.0", "25.0", "23.2.1", "21.2.4", "20.1"])
@pytest.mark.parametrize("pattern", ["six", "*", "nomatch"])
def test_same_result_as_real_pip(tmp_path, pip_version, pattern):
    python = venv_or_fail(pip_version, _pipenvs.MATRIX[pip_version]) / "bin" / "python"
    by_pip = build_cache(tmp_path / "pip" / "cache").cache_dir
    by_native = build_cache(tmp_path / "native" / "cache").cache_dir
    for cache in (by_pip, by_native):
        (cache / "selfcheck.json").write_text("{}")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ["HOME"],
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_COLOR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    completed = subprocess.run(
        [str(python), "-m", "pip", "--cache-dir", str(by_pip), "cache", "remove", pattern],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    result = native_remove(by_native, pattern, rules=pip_version)

    assert snapshot(by_pip) == snapshot(by_native)
    files = _FILES_RE.search(completed.stdout)
    if files is None:  # 20.1-21.2: no match is an error
        assert "ERROR: No matching packages" in completed.stderr
        assert result.files_removed == 0
    else:
        assert int(files.group(1)) == result.files_removed
    dirs = _DIRS_RE.search(completed.stdout)
    assert (int(dirs.group(1)) if dirs else 0) == result.dirs_removed
    for warning in result.warnings:
        assert warning in completed.stderr
