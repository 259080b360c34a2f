"""Issue 11, "safe alongside pip": a purge that runs while ``pip install`` fills the same cache
leaves the install working.

Real pip 26.3 installs through the loopback index (the HTTP cache is written meanwhile) and
builds local sdists whose backend takes a second (so the wheel's directory waits empty, then the
built wheel waits for the other builds before pip installs it), while ``PipCache.purge()`` (auto
backend) runs again and again on that cache. What is old and what is recent is set by the test
(``os.utime``) on a cache real pips filled; what must stay is the test's own grouping of the
files (``_hk_helpers.entries``), never the library's.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Iterator, List, Set

import pytest
from _hk_helpers import DAY, Entry, area_files, build_wheel, entries, pip_args, set_times, snapshot

# isort: split
# _hk_helpers puts tests/http and tests/cli on sys.path
from _aging import age_tree
from _cachetree import build_cache, files_under
from _cli_helpers import cli
from _dists import _BACKEND
from _http_helpers import FIRST, PYTHONS, Caches, Fill
from _index import Index
from conftest import venv_or_fail

from pipcache_ext import PipCache, RemovalResult

pytest_plugins = ["_http_fixtures"]

NAME = "23.2.1+26.3"
PIP = "26.3"
SLOW = ("slowa", "slowb", "slowc")  # sdist-only, each build takes a second
SPARED = "modified in the last 5 minutes"
IN_PROCESS = f"Deleted in-process under pip {PIP}'s rules, not by pip"


def slow_sdist(dest: Path, name: str, seconds: float) -> Path:
    """``<name>-1.0.tar.gz`` with the in-tree backend of the index's sdists, slowed down."""
    backend = _BACKEND.format(name=name, version="1.0").replace(
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n",
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        f"    import time; time.sleep({seconds})\n",
    )
    assert "time.sleep" in backend
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        "pyproject.toml": (
            b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        "backend.py": backend.encode(),
    }
    path = dest / f"{name}-1.0.tar.gz"
    with tarfile.open(path, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member, data in files.items():
            info = tarfile.TarInfo(f"{name}-1.0/{member}")
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def fill(caches: Caches, tmp_path: Path) -> Iterator[Fill]:
    """A copy of the cache pips 23.2.1 and 26.3 filled (an hour old), with canaries beside it."""
    canary = tmp_path / "canary"
    canary.write_text("outside")
    yield caches.copy(NAME, tmp_path / "cache")
    assert canary.read_text() == "outside"


def _spared(result: RemovalResult) -> List[str]:
    return [w for w in result.warnings if SPARED in w]


@pytest.mark.realpip
def test_a_purge_while_pip_installs_into_the_same_cache_leaves_the_install_working(
    fill: Fill, tmp_path: Path
) -> None:
    age_tree(fill.cache, 60 * DAY)
    old = set(area_files(fill.cache))
    assert old
    sdists = tmp_path / "sdists"
    sdists.mkdir()
    local = [str(slow_sdist(sdists, name, 1.0)) for name in SLOW]
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.txt").write_text("keep")
    (outside / "link-to-cache").symlink_to(fill.cache)
    target = tmp_path / "target"
    before = snapshot(tmp_path, skip={fill.cache, target})
    python = fill.pythons[PIP]
    args = pip_args(PIP, ["install", "--no-deps", "--target", str(target), *FIRST, *local])
    cache = PipCache(python, env=fill.env)
    results: List[RemovalResult] = []
    started = time.time()
    with subprocess.Popen(
        [str(python), "-m", "pip", *args], env=fill.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    ) as pip:  # fmt: skip
        while pip.poll() is None or not results:
            result = cache.purge()
            assert result.failed == ()
            results.append(result)
        output = pip.communicate()[0]
    assert pip.returncode == 0, output
    for name in ("six", "twover", "moved", "sdistonly", *SLOW):
        assert list(target.glob(f"{name}*")), (name, sorted(os.listdir(target)))
    assert snapshot(tmp_path, skip={fill.cache, target}) == before
    assert {r.backend for r in results} == {"native"}
    # the old cache went; what pip wrote meanwhile (new entries, and old ones it downloaded
    # again) was left, and the purges said so
    left = {path: os.lstat(path).st_mtime for path in area_files(fill.cache)}
    assert left
    assert all(when >= started - 1 for when in left.values()), left
    assert sum(r.files_removed for r in results) >= len(old - set(left))
    assert any(_spared(r) for r in results)
    built = {p.name for p in (fill.cache / "wheels").rglob("*.whl")}
    assert {n for n in built if n.startswith("slow")} == {f"{n}-1.0-py3-none-any.whl" for n in SLOW}


def _half_recent(fill: Fill, index: Index) -> Set[str]:
    """Every entry dated: one in two modified 30 s ago, the others 60 days ago; the recent
    entries' files (with the wheel pip 26.3 built, recent too)."""
    found: List[Entry] = entries(fill, index)
    assert any(e.files[0].name.endswith(".whl") for e in found)
    now = time.time()
    recent: Set[str] = set()
    for number, entry in enumerate(sorted(found, key=lambda e: e.key)):
        fresh = number % 2 == 0 or entry.files[0].name.endswith(".whl")
        set_times(entry, now - 30 if fresh else now - 60 * DAY)
        if fresh:
            recent.update(str(p) for p in entry.files)
    assert recent
    assert recent != set(area_files(fill.cache))
    return recent


@pytest.mark.realpip
def test_a_dry_run_is_the_real_run_and_only_the_recent_entries_stay(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    build_wheel(fill, http_index, tmp_path)
    recent = _half_recent(fill, http_index)
    cache = PipCache(fill.pythons[PIP], env=fill.env)
    dry = cache.purge(dry_run=True)
    assert set(area_files(fill.cache)) >= recent  # nothing deleted yet
    real = cache.purge()
    assert real.deleted == dry.deleted
    assert real.removed == dry.removed
    assert (real.files_removed, real.bytes_removed, real.dirs_removed) == (
        dry.files_removed, dry.bytes_removed, dry.dirs_removed,
    )  # fmt: skip
    assert set(area_files(fill.cache)) == recent
    assert real.failed == ()
    assert (dry.backend, real.backend) == ("native", "native")
    for result in (dry, real):
        (warning,) = _spared(result)
        assert warning.startswith(f"Left {len(recent)} file(s) (")
        assert any(w.startswith(IN_PROCESS) for w in result.warnings)


@pytest.mark.realpip
def test_without_sparing_pips_own_purge_runs_and_recent_entries_go(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    build_wheel(fill, http_index, tmp_path)
    _half_recent(fill, http_index)
    result = PipCache(fill.pythons[PIP], env=fill.env).purge(spare_recent=False)
    assert result.backend == "pip"
    assert area_files(fill.cache) == {}
    assert _spared(result) == []


@pytest.mark.realpip
def test_an_explicit_pip_backend_runs_pips_purge_as_it_is(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    build_wheel(fill, http_index, tmp_path)
    _half_recent(fill, http_index)
    result = PipCache(fill.pythons[PIP], env=fill.env, backend="pip").purge()
    assert result.backend == "pip"
    assert area_files(fill.cache) == {}
    assert _spared(result) == []
    assert not any(w.startswith(IN_PROCESS) for w in result.warnings)


@pytest.mark.realpip
def test_remove_and_remove_project_spare_the_recent_entries_too(
    fill: Fill, http_index: Index, tmp_path: Path
) -> None:
    build_wheel(fill, http_index, tmp_path)  # its wheel is recent
    (wheel,) = (fill.cache / "wheels").rglob("sdistonly-0.3-*.whl")
    cache = PipCache(fill.pythons[PIP], env=fill.env)
    kept = cache.remove("sdistonly")
    assert wheel.exists()
    assert kept.matched
    assert kept.files_removed == 0
    (warning,) = _spared(kept)
    assert warning.startswith("Left 2 file(s) (")  # the wheel and its origin.json
    six = [e for e in entries(fill, http_index) if e.project == "six"]
    assert six
    now = time.time()
    for entry in six:
        set_times(entry, now - 10)
    clean = cache.remove_project("six")
    assert all(p.exists() for e in six for p in e.files)
    assert clean.files_removed == 0
    assert _spared(clean)
    gone = cache.remove_project("six", spare_recent=False)
    assert not any(p.exists() for e in six for p in e.files)
    assert gone.files_removed == sum(len(e.files) for e in six)
    cache.remove("sdistonly", spare_recent=False)
    assert not wheel.exists()


@pytest.mark.realpip
def test_the_command_line_spares_by_default_and_include_recent_deletes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = build_cache(tmp_path / "cache")  # dated an hour back
    fresh = manifest.wheels["six-1.16.0-py2.py3-none-any.whl"][0]
    os.utime(fresh)  # pip has just moved it in
    python = venv_or_fail(PIP, PYTHONS[PIP]) / "bin" / "python"
    where = ["--python", python, "--cache-dir", manifest.cache_dir]
    for command in (["remove", "six"], ["clean", "six"], ["purge"]):
        run = (
            cli(capsys, *command, "--yes", *where)
            if command[0] != "clean"
            else cli(capsys, *command, *where)
        )
        assert run.code == 0, run
        assert fresh.exists(), command
        assert "--include-recent" in run.out + run.err, command
    assert files_under(manifest.cache_dir / "wheels") >= {fresh, fresh.parent / "origin.json"}
    assert not files_under(manifest.cache_dir / "http-v2")
    run = cli(capsys, "purge", "--yes", "--include-recent", *where)
    assert run.code == 0, run
    assert not (manifest.cache_dir / "wheels").exists()
    assert (tmp_path / "cache" / "keep-me.txt").exists()
