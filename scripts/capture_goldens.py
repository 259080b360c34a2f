# the project keeps no copyright header in its files
"""Capture golden files: what real pips print for ``pip cache``, recorded as JSON under tests/data.

Each pip runs from a venv built by ``tests/_pipenvs.py`` (pip unzipped from its PyPI wheel), as
``<venv python> -m pip <args>``, in a fresh empty cwd, with an environment built from scratch (a
fake ``HOME``, ``PIP_CONFIG_FILE=/dev/null``, ...), so the user's own pip cache and config never
take part. The cache is the fixture of ``tests/_cachetree.py``, written at a fixed path so that a
regenerated file differs only where pip's output did.

Usage::

    python scripts/capture_goldens.py                     # every pip
    python scripts/capture_goldens.py --pip 20.1 --pip 26.3

One file per run: ``tests/data/pip-<version>/<case>.json``. A pip's old files are deleted before
its new ones are written, so a case that is dropped here disappears there too.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import _cachetree  # noqa: E402 - found through the sys.path entry above
import _pipenvs  # noqa: E402

DATA = REPO / "tests" / "data"

# Fixed paths, so the files are the same from one capture to the next. Only this script uses them.
ROOT = Path("/tmp/pipcache-golden")  # noqa: S108 - a fixed path is the point: it shows in the goldens
CACHE = ROOT / "cache"
OWNED_PARENT = ROOT / "owned"  # chowned to nobody: pip's ownership check fails under it
OWNED_CACHE = OWNED_PARENT / "cache"
HOME = ROOT / "home"
CWD = ROOT / "cwd"
LOCK = Path(str(ROOT) + ".lock")
NOBODY = 65534

# pips without `pip cache`, and the Python each runs on (pip <= 19.1 does not import on >= 3.10).
LEGACY: Dict[str, str] = {
    "8.1.2": "3.6",
    "9.0.3": "3.6",
    "10.0.1": "3.6",
    "18.1": "3.6",
    "19.0.3": "3.6",
    "19.3.1": "3.11",
    "20.0.2": "3.11",
}

# The environment of every run, and nothing else from the real one.
BASE_ENV: Dict[str, str] = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_NO_COLOR": "1",
    "PIP_QUIET": "0",
    "PIP_VERBOSE": "0",
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_PYTHON_VERSION_WARNING": "1",
}

FIXTURE = "fixture"  # the cache of tests/_cachetree.py, written anew before the run
MISSING = "missing"  # no cache dir at all
OWNED = "owned"  # the cache dir's parent belongs to another user


@dataclass(frozen=True)
class Case:
    """One pip run."""

    name: str
    args: Tuple[str, ...]
    cache: str = FIXTURE
    extra_env: Tuple[Tuple[str, str], ...] = ()

    @property
    def cache_dir(self) -> Path:
        return OWNED_CACHE if self.cache == OWNED else CACHE

    @property
    def deletes(self) -> bool:
        """Whether pip may delete files: the files left afterwards are then recorded too."""
        return "remove" in self.args or "purge" in self.args


def version_tuple(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def cases_for(version: str) -> List[Case]:
    """The runs for one pip: what it can do, plus the usage error of a ``--format`` it lacks."""
    if version_tuple(version) < (20, 1):
        return [Case("version", ("--version",)), Case("cache-dir-unknown", ("cache", "dir"))]
    has_format = version_tuple(version) >= (20, 3)
    abspath = "--format=abspath"
    cases = [
        Case("version", ("--version",)),
        Case("dir", ("cache", "dir")),
        Case("info", ("cache", "info")),
        Case("info-empty", ("cache", "info"), cache=MISSING),
        Case("list", ("cache", "list")),
        Case("list-six", ("cache", "list", "six")),
        Case("list-empty", ("cache", "list"), cache=MISSING),
        Case("list-nomatch", ("cache", "list", "nomatch")),
    ]
    if has_format:
        cases += [
            Case("list-abspath", ("cache", "list", abspath)),
            Case("list-abspath-six", ("cache", "list", abspath, "six")),
            Case("list-abspath-empty", ("cache", "list", abspath), cache=MISSING),
        ]
    else:
        cases.append(Case("list-abspath-unsupported", ("cache", "list", abspath)))
    cases += [
        Case("remove-six", ("-v", "cache", "remove", "six")),
        Case("remove-nomatch", ("-v", "cache", "remove", "nomatch")),
        Case("remove-star", ("-v", "cache", "remove", "*")),
        Case("purge", ("-v", "cache", "purge")),
        Case("purge-empty", ("-v", "cache", "purge"), cache=MISSING),
        Case("remove-quiet-summary", ("cache", "remove", "six")),
        Case("disabled-env", ("cache", "info"), extra_env=(("PIP_NO_CACHE_DIR", "1"),)),
        Case("disabled-owner", ("cache", "info"), cache=OWNED),
        Case("too-many-args", ("cache", "dir", "extra")),
    ]
    return cases


def fresh_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def prepare(case: Case) -> None:
    """Put the cache in the state the case needs, and give the run an empty home and cwd."""
    fresh_dir(HOME)
    fresh_dir(CWD)
    shutil.rmtree(CACHE, ignore_errors=True)
    shutil.rmtree(OWNED_PARENT, ignore_errors=True)
    if case.cache == FIXTURE:
        _cachetree.build_cache(CACHE)
    elif case.cache == OWNED:
        OWNED_PARENT.mkdir()
        if os.geteuid() == 0:  # pip checks root's dirs for ownership by uid 0
            os.chown(OWNED_PARENT, NOBODY, NOBODY)
        else:  # and other users' for write access
            OWNED_PARENT.chmod(0o555)


def run_env(case: Case) -> Tuple[Dict[str, str], Dict[str, str]]:
    """The run's whole environment, and the part of it that the golden file records."""
    recorded = {**BASE_ENV, "PIP_CACHE_DIR": str(case.cache_dir), **dict(case.extra_env)}
    env = {"HOME": str(HOME), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **recorded}
    return env, recorded


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def tree_after(cache_dir: Path) -> Tuple[List[str], List[str]]:
    """Files and dirs under ``cache_dir``, as sorted relative POSIX paths."""
    files: List[str] = []
    dirs: List[str] = []
    for root, dirnames, filenames in os.walk(cache_dir):
        base = Path(root).relative_to(cache_dir)
        dirs += [(base / name).as_posix() for name in dirnames]
        files += [(base / name).as_posix() for name in filenames]
    return sorted(files), sorted(dirs)


def python_version(python: Path) -> str:
    env, _ = run_env(Case("python-version", ()))
    out = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        cwd=CWD, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return decode(out.stdout).strip()


def capture(case: Case, python: Path, version: str, py_version: str) -> Dict[str, object]:
    prepare(case)
    env, recorded = run_env(case)
    try:
        done = subprocess.run(
            [str(python), "-m", "pip", *case.args],
            cwd=CWD, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False,
            timeout=300,
        )  # fmt: skip
        record: Dict[str, object] = {
            "case": case.name,
            "pip_version": version,
            "python_version": py_version,
            "args": list(case.args),
            "env": recorded,
            "cache_dir": recorded["PIP_CACHE_DIR"],
            "returncode": done.returncode,
            "stdout": decode(done.stdout),
            "stderr": decode(done.stderr),
        }
        if case.deletes:
            record["files_after"], record["dirs_after"] = tree_after(case.cache_dir)
    finally:
        if OWNED_PARENT.exists():
            OWNED_PARENT.chmod(0o755)
            shutil.rmtree(OWNED_PARENT)
    return record


def venv_python(version: str) -> Path:
    if version in LEGACY:
        return _pipenvs.venv_with_pip(version, LEGACY[version]) / "bin" / "python"
    return _pipenvs.matrix_venv(version)[1]


def capture_pip(version: str) -> int:
    """Write every golden file of one pip; return how many."""
    python = venv_python(version)
    fresh_dir(HOME)
    fresh_dir(CWD)
    py_version = python_version(python)
    out_dir = DATA / f"pip-{version}"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.json"):
        stale.unlink()
    cases = cases_for(version)
    for case in cases:
        record = capture(case, python, version, py_version)
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        (out_dir / f"{case.name}.json").write_text(text, encoding="utf-8")
    return len(cases)


def all_versions() -> List[str]:
    return sorted({*LEGACY, *_pipenvs.MATRIX}, key=version_tuple)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--pip",
        action="append",
        metavar="VERSION",
        choices=all_versions(),
        help="capture only this pip (repeatable); default: all of " + ", ".join(all_versions()),
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    versions = sorted(set(args.pip or all_versions()), key=version_tuple)
    ROOT.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two captures at once would share the fixed paths
        fresh_dir(ROOT)
        started = time.monotonic()
        try:
            for version in versions:
                pip_started = time.monotonic()
                try:
                    count = capture_pip(version)
                except _pipenvs.MissingPython as exc:
                    print(f"pip {version}: {exc}", file=sys.stderr)
                    return 1
                elapsed = time.monotonic() - pip_started
                print(f"pip {version}: {count} files in {elapsed:.1f}s")
        finally:
            shutil.rmtree(ROOT, ignore_errors=True)
        print(f"{len(versions)} pips captured in {time.monotonic() - started:.1f}s into {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
