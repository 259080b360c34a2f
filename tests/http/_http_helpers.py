"""The caches real pips fill through the loopback index, and helpers of the HTTP tests.

One index per session (127.0.0.1 only, https with a certificate made here). Each cache is
filled once, on first use, by real pips running ``pip download --no-deps`` against it; the
index's request log during each fill says what that pip fetched, i.e. what its cache must hold.
Destructive tests work on copies (:meth:`Caches.copy`).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Set, Tuple

from _aging import age_tree
from _dists import Dist, sdist, wheel
from _index import Index
from conftest import venv_or_fail

# The Python each pip runs on (tests/_pipenvs.py MATRIX, plus the pips only these tests use).
PYTHONS = {
    "9.0.3": "3.6",
    "20.3.4": "3.8",
    "22.3.1": "3.11",
    "23.2.1": "3.11",
    "23.3": "3.11",
    "25.3": "3.12",
    "26.3": "3.12",
}
# Each cache and the pips that fill it, in order: "23.2.1+26.3" is one cache shared by both.
FILLS: Dict[str, Tuple[str, ...]] = {
    "9.0.3": ("9.0.3",),
    "20.3.4": ("20.3.4",),
    "22.3.1": ("22.3.1",),
    "23.3": ("23.3",),
    "25.3": ("25.3",),
    "23.2.1+26.3": ("23.2.1", "26.3"),
}
REDIRECTED = ("moved-1.0-py3-none-any.whl",)
# What each fill asks for: one command, then twover's other version (one project per command).
FIRST = ("six", "zope.fake_iface", "twover==1.0", "sdistonly", "moved")
SECOND = ("twover==2.0",)


def dists() -> List[Dist]:
    return [
        wheel("six", "1.16.0", payload=12_000),
        wheel("zope.fake_iface", "5.0"),  # a dotted and underscored name: zope-fake-iface
        wheel("twover", "1.0"),
        wheel("twover", "2.0"),
        sdist("sdistonly", "0.3"),
        wheel("moved", "1.0"),  # linked through a 301
    ]


def cache_key(url: str) -> str:
    """CacheControl's key of a URL like these (no fragment, lowercase host), computed here."""
    return hashlib.sha224(url.encode()).hexdigest()


def entry_files(area_dir: Path, url: str) -> List[Path]:
    key = cache_key(url)
    first = area_dir.joinpath(*key[:5], key)
    return [p for p in (first, first.with_name(key + ".body")) if p.exists()]


def files_under(root: Path) -> Dict[str, int]:
    """Every file under ``root`` (as pip counts them) and its lstat size."""
    found = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            found[path] = os.lstat(path).st_size
    return found


def _version(pip: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in pip.split("."))


def area_of(pip: str) -> str:
    return "http-v2" if _version(pip) >= (23, 3) else "http"


def run_pip(python: Path, args: Sequence[str], env: Mapping[str, str]) -> str:
    completed = subprocess.run(
        [str(python), "-m", "pip", *args], env=dict(env), capture_output=True, text=True,
        timeout=300, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, (args, completed.stdout[-3000:], completed.stderr[-3000:])
    return completed.stdout


@dataclass
class Fill:
    """A cache and what the pips that filled it fetched."""

    name: str
    cache: Path
    env: Dict[str, str]  # for pip and for PipCache (PIP_CACHE_DIR, PIP_INDEX_URL, PIP_CERT, ...)
    pythons: Dict[str, Path]
    fetched: Dict[str, Set[str]] = field(default_factory=dict)  # pip -> URL paths (200 or 301)

    @property
    def newest(self) -> str:
        return list(self.pythons)[-1]

    def download(self, index: Index, pip: str, requirements: Sequence[str], dest: Path) -> Set[str]:
        """``pip download`` what is asked; the URL paths the index answered 200 or 301."""
        before = len(index.requests())
        args = ["download", "--no-deps", "-d", str(dest), *requirements]
        if _version(pip) >= (24, 2):  # truststore (24.2-25.x) cannot check a certificate for an IP
            args.append("--use-deprecated=legacy-certs")
        run_pip(self.pythons[pip], args, self.env)
        # fills run side by side: each pip's requests are told apart by its User-Agent
        return {
            r.path
            for r in index.requests()[before:]
            if r.status in (200, 301) and r.agent.startswith(f"pip/{pip} ")
        }


class Caches:
    """Every fill of the session, made on first use."""

    def __init__(self, index: Index, root: Path, base_env: Dict[str, str]) -> None:
        self.index = index
        self.root = root
        self.base_env = base_env
        self._fills: Dict[str, Fill] = {}

    def requirements(self, pip: str) -> List[Tuple[str, ...]]:
        first = FIRST if pip != "9.0.3" else tuple(r for r in FIRST if r != "sdistonly")
        return [first, SECOND]  # pip 9 builds no PEP 517 sdist

    def _fill(self, fill: Fill) -> Fill:
        for pip in fill.pythons:
            fetched: Set[str] = set()
            for requirements in self.requirements(pip):
                dest = self.root / f"downloads-{fill.name}-{pip}"
                fetched |= fill.download(self.index, pip, requirements, dest)
            fill.fetched[pip] = fetched
        age_tree(fill.cache)  # copies keep these times: not what a running pip may be using
        return fill

    def get(self, name: str) -> Fill:
        """The fill ``name``; the first call makes every fill, three at a time (a few seconds
        each: mostly pip starting up)."""
        if not self._fills:
            fills = []
            for each, pips in FILLS.items():
                cache = self.root / f"cache-{each}"
                pythons = {pip: venv_or_fail(pip, PYTHONS[pip]) / "bin" / "python" for pip in pips}
                fills.append(Fill(each, cache, self.index.env(self.base_env, cache), pythons))
            with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
                for fill in pool.map(self._fill, fills):
                    self._fills[fill.name] = fill
        return self._fills[name]

    def copy(self, name: str, dest: Path) -> Fill:
        """A copy of a filled cache, for a test that changes it."""
        fill = self.get(name)
        shutil.copytree(fill.cache, dest, symlinks=True)
        return Fill(
            name, dest, self.index.env(self.base_env, dest), dict(fill.pythons), dict(fill.fetched)
        )


Row = Tuple[str, str, str, object, object, str]


def expected(index: Index, fill: Fill) -> Set[Row]:
    """``(area, kind, project, version, filename, url)`` of each entry the fill must have made."""
    rows: Set[Row] = set()
    for pip, paths in fill.fetched.items():
        for path in paths:
            served = index.served[path]
            page = served.kind == "index-page"
            rows.add((
                area_of(pip), served.kind, served.project, None if page else served.version,
                None if page else served.filename, index.base + path,
            ))  # fmt: skip
    return rows
