"""Every public operation, against real pips in venvs built from PyPI wheels, on a fixture cache.

Expected values come from the files the test wrote (:mod:`_cachetree`) and from the spec's
description of each pip release (§2.2, §2.6), never from what the library parsed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Set

import pytest
from _cachetree import (
    Manifest,
    files_under,
    pip_pattern_matches,
    version_tuple,
    within_rounding,
)
from _pipenvs import MATRIX
from conftest import venv_or_fail

from pipcache_ext import CachedWheel, PipCache, RemovalResult, cache_dir, cache_info, cache_list

pytestmark = pytest.mark.realpip


@pytest.fixture(params=sorted(MATRIX, key=version_tuple), ids=str)
def pip_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def venv(pip_version: str) -> Path:
    return venv_or_fail(pip_version, MATRIX[pip_version])


@pytest.fixture
def cache(venv: Path, cache_env: Dict[str, str]) -> PipCache:
    return PipCache(venv, env=cache_env)


def _dirs(root: Path) -> Set[Path]:
    return {Path(d) / x for d, dirs, _files in os.walk(root) for x in dirs}


def test_interpreter(cache: PipCache, pip_version: str, venv: Path) -> None:
    interpreter = cache.interpreter
    assert interpreter.pip_version == pip_version
    assert interpreter.version.startswith(MATRIX[pip_version] + ".")
    assert interpreter.is_venv
    assert interpreter.prefix == venv
    assert interpreter.path == venv
    assert interpreter.implementation == "cpython"
    assert cache.backend == "pip"


def test_dir(cache: PipCache, fixture_cache: Manifest) -> None:
    assert cache.dir() == fixture_cache.cache_dir.resolve()


def test_info(cache: PipCache, fixture_cache: Manifest, pip_version: str) -> None:
    info = cache.info()
    root = fixture_cache.cache_dir.resolve()
    assert info.backend == "pip"
    assert info.pip_version == pip_version
    assert info.cache_dir == root
    assert info.wheels_dir == root / "wheels"
    assert info.wheel_count == fixture_cache.wheel_count
    assert within_rounding(info.wheels_size, fixture_cache.wheels_size)
    assert info.exact is False  # every size of the fixture is in a rounded bucket
    if version_tuple(pip_version) < (20, 3):
        assert (info.http_dirs, info.http_files, info.http_size) == ((), None, None)
        assert info.http_size_text is None
        return
    http = fixture_cache.http_files(v2=version_tuple(pip_version) >= (23, 3))
    assert info.http_files == len(http)
    assert info.http_size is not None
    assert within_rounding(info.http_size, sum(http.values()))
    if version_tuple(pip_version) >= (23, 3):
        assert info.http_dirs == (root / "http-v2", root / "http")
    else:
        assert info.http_dirs == (root / "http",)


def test_list(cache: PipCache, fixture_cache: Manifest, pip_version: str) -> None:
    wheels = cache.list()
    assert sorted(w.filename for w in wheels) == sorted(p.name for p in fixture_cache.wheel_paths)
    _check_wheels(wheels, fixture_cache, pip_version)


@pytest.mark.parametrize("pattern", ["six", "six-1.16", "Hyphen_Name", "hyphen-name", "*"])
def test_list_pattern(
    cache: PipCache, fixture_cache: Manifest, pip_version: str, pattern: str
) -> None:
    wheels = cache.list(pattern)
    expected = fixture_cache.wheels_matching(lambda name: pip_pattern_matches(pattern, name))
    assert sorted(w.filename for w in wheels) == sorted(p.name for p in expected)
    _check_wheels(wheels, fixture_cache, pip_version)


def _check_wheels(wheels: list[CachedWheel], manifest: Manifest, pip_version: str) -> None:
    assert [w.filename for w in wheels] == sorted(w.filename for w in wheels)
    for wheel in wheels:
        true_size = manifest.wheel_sizes[manifest.wheels[wheel.filename][0]]
        assert wheel.name == re.sub(r"[-_.]+", "-", wheel.filename.split("-")[0]).lower()
        assert wheel.version == wheel.filename.split("-")[1]
        if version_tuple(pip_version) < (20, 3):
            assert wheel.path is None
            assert within_rounding(wheel.size, true_size)
        else:
            assert wheel.path is not None
            assert wheel.path in {p.resolve() for p in manifest.wheels[wheel.filename]}
            assert wheel.size == manifest.wheel_sizes[wheel.path]
            assert wheel.exact


def test_remove(cache: PipCache, fixture_cache: Manifest, pip_version: str) -> None:
    root = fixture_cache.cache_dir
    before_files, before_dirs = files_under(root), _dirs(root)
    six = set(fixture_cache.wheels_matching(lambda name: pip_pattern_matches("six", name)))
    assert len(six) == 3  # six 1.16.0 twice (two entries), six 1.17.0; not sixer

    result = cache.remove("six", spare_recent=False)  # pip's own command: nothing to spare

    after = files_under(root)
    assert before_files - after >= six
    assert result.files_removed == len(six)
    assert result.matched
    assert set(result.removed) == {p.resolve() for p in six}
    assert result.dry_run is False
    sizes = sum(fixture_cache.wheel_sizes[p] for p in six)
    if version_tuple(pip_version) >= (25, 0):
        assert result.bytes_removed is not None
        assert within_rounding(result.bytes_removed, sizes)
    else:
        assert result.bytes_removed is None
    gone_extra = (before_files - after) - six
    if version_tuple(pip_version) >= (26, 0):
        # the cleanup pass: origin.json of the emptied entries and of the origin-only entry
        assert gone_extra
        assert all(p.name == "origin.json" for p in gone_extra)
        assert result.dirs_removed == len(before_dirs - _dirs(root))
        assert result.dirs_removed > 0
    else:
        assert gone_extra == set()
        assert result.dirs_removed is None
        assert _dirs(root) == before_dirs
    for path, size in fixture_cache.untouchable.items():
        assert path.stat().st_size == size


def test_remove_nomatch_is_not_an_error(
    cache: PipCache, fixture_cache: Manifest, pip_version: str
) -> None:
    before = files_under(fixture_cache.cache_dir)
    result = cache.remove("nomatch", spare_recent=False)  # pip's own command
    assert result.matched is False
    assert result.files_removed == 0
    assert result.removed == ()
    assert any("No matching packages" in w for w in result.warnings)
    if version_tuple(pip_version) < (26, 0):
        assert files_under(fixture_cache.cache_dir) == before
    else:  # 26.x cleans up origin-only entries even when nothing matched (spec §2.6)
        assert {p.name for p in before - files_under(fixture_cache.cache_dir)} == {"origin.json"}


def test_purge(cache: PipCache, fixture_cache: Manifest, pip_version: str) -> None:
    root = fixture_cache.cache_dir
    before_files, before_dirs = files_under(root), _dirs(root)
    version = version_tuple(pip_version)
    expected_removed = set(fixture_cache.wheel_sizes)
    if version >= (20, 3):
        expected_removed |= set(fixture_cache.http_v1)
    if version >= (23, 3):
        expected_removed |= set(fixture_cache.http_v2)

    result = cache.purge(spare_recent=False)  # pip's own command: nothing to spare

    after = files_under(root)
    assert result.files_removed == len(expected_removed)
    assert set(result.removed) == {p.resolve() for p in expected_removed}
    assert result.matched
    expected_left = before_files - expected_removed
    if version >= (26, 0):  # wheels/ holds no wheel any more: the whole tree goes
        expected_left -= set(fixture_cache.wheels_extra)
    assert after == expected_left
    assert set(fixture_cache.untouchable) <= after
    if version >= (26, 0):
        assert result.dirs_removed == len(before_dirs - _dirs(root))
        assert not (root / "wheels").exists()
        assert not (root / "http").exists()
        assert (root / "http-v2").exists() == (version < (26, 2))
    else:
        assert result.dirs_removed is None
        assert _dirs(root) == before_dirs


def test_a_verified_purge_leaves_nothing(
    cache: PipCache, fixture_cache: Manifest, pip_version: str
) -> None:
    """Issue 11: ``verify=True`` re-measures; every matrix pip's purge leaves no wheel and no
    HTTP file (``everything=True`` where the pip does not see ``http-v2/``: pip 26.3's rules).

    pips 23.3-25.x leave the non-wheel files of ``wheels/`` (``origin.json``, strays), as pip does:
    they are what ``wheels_size`` still counts, and not something that should have gone.
    """
    root = fixture_cache.cache_dir
    version = version_tuple(pip_version)
    old = version < (23, 3)
    result = cache.purge(verify=True, everything=old)
    left = result.remaining
    assert left is not None
    kept = sum(fixture_cache.wheels_extra.values()) if (23, 3) <= version < (26, 0) else 0
    assert (left.wheel_count, left.wheels_size, left.http_files, left.http_size) == (0, kept, 0, 0)
    assert not any(w.startswith("verify:") for w in result.warnings), result.warnings
    for area in ("http", "http-v2"):
        assert not any(p.is_file() for p in (root / area).rglob("*")), area
    assert not list((root / "wheels").rglob("*.whl"))
    assert set(fixture_cache.untouchable) <= files_under(root)


def test_purge_empty_cache(venv: Path, isolated_env: Dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "never-created"
    result = PipCache(venv, env={**isolated_env, "PIP_CACHE_DIR": str(empty)}).purge()
    assert (result.files_removed, result.matched, result.removed) == (0, False, ())
    assert not empty.exists()


def test_one_shot_functions(
    venv: Path, cache_env: Dict[str, str], fixture_cache: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CACHE_DIR", cache_env["PIP_CACHE_DIR"])
    assert cache_dir(venv) == fixture_cache.cache_dir.resolve()
    assert cache_info(venv).wheel_count == fixture_cache.wheel_count
    assert len(cache_list("six", python=venv)) == 3


@pytest.mark.parametrize("operation", ["remove six", "remove nomatch", "purge"])
def test_dry_run_predicts_the_real_run(
    cache: PipCache, fixture_cache: Manifest, pip_version: str, operation: str
) -> None:
    root = fixture_cache.cache_dir
    before = files_under(root), _dirs(root)
    verb, _, pattern = operation.partition(" ")

    def run(*, dry_run: bool) -> RemovalResult:
        if verb == "purge":  # pip's own command: nothing to spare
            return cache.purge(dry_run=dry_run, spare_recent=False)
        return cache.remove(pattern, dry_run=dry_run, spare_recent=False)

    dry = run(dry_run=True)
    assert (files_under(root), _dirs(root)) == before
    real = run(dry_run=False)
    assert dry.dry_run
    assert not real.dry_run
    assert (dry.files_removed, dry.matched) == (real.files_removed, real.matched)
    assert set(dry.removed) == set(real.removed)
    sizes = {**fixture_cache.wheel_sizes, **fixture_cache.http_v1, **fixture_cache.http_v2}
    assert dry.bytes_removed == sum(sizes[p] for p in before[0] - files_under(root) if p in sizes)
    if real.bytes_removed is not None:
        assert dry.bytes_removed is not None
        assert within_rounding(real.bytes_removed, dry.bytes_removed) or real.bytes_removed == 0
    if real.dirs_removed is not None:
        assert dry.dirs_removed == real.dirs_removed
