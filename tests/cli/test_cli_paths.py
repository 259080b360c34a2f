"""Issue 13: a removal's JSON is bounded; every path only when asked (``--paths``, ``-v``).

A dry run of a cache holding more files than ``documents.LISTED_PATHS`` gives ``null`` for
``removed`` and ``deleted`` (the counts are complete); with ``--paths`` or ``-v`` every path is
listed and checked against the files the test wrote.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path
from typing import Dict, Set

import pytest
from _aging import age_tree
from _cachetree import build_cache, files_under
from _cli_helpers import cli_json, fake_python

from pipcache_ext._cli import documents

EXTRA = documents.LISTED_PATHS + 200


def big_cache(root: Path) -> Path:
    cache = build_cache(root / "cache").cache_dir
    for index in range(EXTRA):
        name = hashlib.sha224(f"entry-{index}".encode()).hexdigest()
        entry = cache.joinpath("http-v2", *name[:5])
        entry.mkdir(parents=True, exist_ok=True)
        (entry / name).write_bytes(b"m" * 10)
    age_tree(cache)  # not what a running pip may be using: a purge takes it all
    return cache


def purge_targets_of(cache: Path) -> Set[Path]:
    """What pip 26.3's purge counts: every HTTP file, and the ``*-*.whl`` under ``wheels/``."""
    found: Set[Path] = set()
    for area in ("http", "http-v2", "wheels"):
        for root, _dirs, names in os.walk(cache / area):
            found.update(
                Path(root) / name
                for name in names
                if area != "wheels" or fnmatch.fnmatchcase(name, "*-*.whl")
            )
    return found


@pytest.fixture
def python(tmp_path: Path) -> Path:
    return fake_python(tmp_path / "bin", big_cache(tmp_path))


def removal(capsys: pytest.CaptureFixture[str], python: Path, *extra: str) -> Dict:
    document = cli_json(
        capsys, "purge", "--dry-run", "--backend", "native", "--python", python, *extra
    )
    (entry,) = document["results"]
    return entry["removal"]


def test_a_large_removal_lists_no_path(
    capsys: pytest.CaptureFixture[str], python: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    targets: Set[Path] = purge_targets_of(cache)
    result = removal(capsys, python)
    assert len(targets) > documents.LISTED_PATHS
    assert (result["removed"], result["deleted"]) == (None, None)
    assert result["files_removed"] == len(targets)
    assert result["failed"] == []
    assert files_under(cache) >= targets  # a dry run


@pytest.mark.parametrize("ask", ["--paths", "-v"])
def test_every_path_when_asked(
    capsys: pytest.CaptureFixture[str], python: Path, tmp_path: Path, ask: str
) -> None:
    targets = purge_targets_of(tmp_path / "cache")
    result = removal(capsys, python, ask)
    assert {Path(p) for p in result["removed"]} == targets
    assert len(result["removed"]) == result["files_removed"]
    assert set(map(Path, result["removed"])) <= set(map(Path, result["deleted"]))


def test_a_small_removal_lists_its_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    manifest = build_cache(tmp_path / "small")
    python = fake_python(tmp_path / "small-bin", manifest.cache_dir)
    result = removal(capsys, python)
    assert {Path(p) for p in result["removed"]} == purge_targets_of(manifest.cache_dir)
    assert result["deleted"] is not None


def test_the_document_stays_small(capsys: pytest.CaptureFixture[str], python: Path) -> None:
    bounded = removal(capsys, python)
    listed = removal(capsys, python, "--paths")
    assert len(str(bounded)) * 20 < len(str(listed))
