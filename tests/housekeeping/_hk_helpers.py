"""Caches filled by real pips, with a wheel built from a local sdist, and their entries as the
tests see them (grouped from file names and the index's request log, never by the library)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

# The loopback index and caches of the HTTP tests, the CLI tests' fixtures: reused here.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "http"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cli"))

from _http_helpers import Caches, Fill, area_of, entry_files, files_under, run_pip
from _index import Index

AREAS = ("wheels", "http", "http-v2")
DAY = 86400.0


@dataclass
class Entry:
    """A whole entry as the test groups it: its files and its project."""

    files: List[Path]
    project: Optional[str]

    @property
    def key(self) -> str:
        return str(self.files[0])


def pip_args(pip: str, args: Sequence[str]) -> List[str]:
    version = tuple(int(p) for p in pip.split("."))
    extra = ["--use-deprecated=legacy-certs"] if version >= (24, 2) else []
    return [*args, *extra]


def build_wheel(fill: Fill, index: Index, work: Path) -> None:
    """pip 26.3 installs the sdist-only project: its wheel, built here, lands in wheels/."""
    pip = "26.3"
    target = work / "target-build"
    run_pip(
        fill.pythons[pip],
        pip_args(pip, ["install", "--no-deps", "--target", str(target), "sdistonly"]),
        fill.env,
    )
    assert list((fill.cache / "wheels").rglob("sdistonly-0.3-*.whl"))


def copy_fill(fill: Fill, caches: Caches, dest: Path) -> Fill:
    shutil.copytree(fill.cache, dest, symlinks=True)
    return Fill(
        fill.name, dest, caches.index.env(caches.base_env, dest), dict(fill.pythons),
        dict(fill.fetched),
    )  # fmt: skip


def area_files(cache: Path) -> Dict[str, int]:
    found: Dict[str, int] = {}
    for area in AREAS:
        found.update(files_under(cache / area))
    return found


def entries(fill: Fill, index: Index) -> List[Entry]:
    """Every entry of the cache: HTTP ones mapped to the URLs the index log says were fetched."""
    project_of: Dict[str, str] = {}
    for pip, paths in fill.fetched.items():
        for path in paths:
            for file in entry_files(fill.cache / area_of(pip), index.base + path):
                project_of[str(file)] = index.served[path].project
    grouped: Dict[str, List[Path]] = {}
    for area in ("http", "http-v2"):
        for name in sorted(files_under(fill.cache / area)):
            head = name[: -len(".body")] if name.endswith(".body") else name
            grouped.setdefault(head, []).append(Path(name))
    result = [Entry(sorted(files, key=lambda p: p.name.endswith(".body")), None) for files in
              grouped.values()]  # fmt: skip
    for entry in result:
        projects = {project_of.get(str(p)) for p in entry.files}
        assert len(projects) == 1, entry
        assert None not in projects, entry  # every entry is accounted for
        entry.project = projects.pop()
    result.extend(
        Entry([wheel, wheel.parent / "origin.json"], wheel.name.split("-")[0])
        for wheel in (fill.cache / "wheels").rglob("*.whl")
    )
    return result


def set_times(entry: Entry, when: float) -> None:
    for path in entry.files:
        os.utime(path, (when, when), follow_symlinks=False)


def snapshot(root: Path, skip: Set[Path]) -> Dict[str, bytes]:
    """Every file under ``root`` but those under ``skip``, with its content."""
    found: Dict[str, bytes] = {}
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if Path(dirpath, d) not in skip]
        for name in names:
            path = Path(dirpath, name)
            found[str(path)] = path.read_bytes() if not path.is_symlink() else b"link"
    return found
