"""Shared fixtures. Every test runs isolated from the real user's pip cache and configuration."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import _pipenvs
from _cachetree import Manifest, build_cache

_REAL_HOME = Path(os.environ.get("HOME") or Path.home())


def _real_pip_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "pip" if xdg and os.path.isabs(xdg) else _REAL_HOME / ".cache" / "pip"


def _snapshot(root: Path) -> List[Tuple[str, int]]:
    if not root.is_dir():
        return []
    return sorted(
        (os.path.join(dirpath, name), os.lstat(os.path.join(dirpath, name)).st_size)
        for dirpath, _dirs, files in os.walk(root)
        for name in files
    )


@pytest.fixture(scope="session", autouse=True)
def _real_cache_untouched() -> Iterator[None]:
    """Proof, at the end of the run, that no test changed the real user's pip cache."""
    real = _real_pip_cache()
    before = _snapshot(real)
    yield
    assert _snapshot(real) == before, f"the test run changed the real pip cache {real}"


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Dict[str, str]:
    """HOME, XDG_* and PIP_* point into a temporary directory; no pip config file is read.

    :returns: the isolated ``os.environ`` as a dict, for passing as ``env=``.
    """
    root = tmp_path_factory.mktemp("isolated")
    for name in list(os.environ):
        if name.startswith(("PIP_", "XDG_")) or name in ("PYTHONPATH", "VIRTUAL_ENV"):
            monkeypatch.delenv(name)
    home = root / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(root / "xdg-config-dirs"))
    # os.devnull as the config file: pip reads no config file at all, /etc/pip.conf included.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return dict(os.environ)


@pytest.fixture
def fixture_cache(tmp_path: Path) -> Manifest:
    """A cache in pip's layout with wheels, HTTP entries, empty dirs, selfcheck and strays."""
    return build_cache(tmp_path / "cache")


@pytest.fixture
def cache_env(isolated_env: Dict[str, str], fixture_cache: Manifest) -> Dict[str, str]:
    """The isolated environment with ``PIP_CACHE_DIR`` set to :func:`fixture_cache`."""
    return {**isolated_env, "PIP_CACHE_DIR": str(fixture_cache.cache_dir)}


def write_script(path: Path, text: str) -> Path:
    """Write an executable script (a fake interpreter)."""
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


_CURRENT: Dict[str, pytest.Item] = {}


@pytest.fixture(autouse=True)
def _current_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Remember the running test, so helpers can check how it is marked."""
    _CURRENT["item"] = request.node
    yield
    _CURRENT.pop("item", None)


def venv_or_fail(pip_version: str | None, python_minor: str) -> Path:
    """A cached venv; a missing pyenv Python skips with the reason (fails in CI's strict mode).

    Only a test marked ``realpip`` may ask: ``-m "not realpip"`` then runs no real venv at all.
    """
    item = _CURRENT.get("item")
    if item is not None and item.get_closest_marker("realpip") is None:
        pytest.fail(f"{item.nodeid} uses a real venv but is not marked @pytest.mark.realpip")
    try:
        return _pipenvs.venv_with_pip(pip_version, python_minor)
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(f"{exc} (PIPCACHE_EXT_STRICT is set: real-pip tests must run)")
        pytest.skip(f"MISSING-PYTHON: {exc}")


# Tests that use the loopback index's caches run on one xdist worker (the README's command runs
# ``--dist loadgroup``): every worker would otherwise start its own index and fill every cache with
# real pips (about 30 s of CPU each time), since cached URLs name the index's port.
_ONE_INDEX = ("http_index", "caches")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in _ONE_INDEX):
            item.add_marker(pytest.mark.xdist_group("loopback-index"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how much of the real-pip matrix ran, so a log shows it was not skipped."""
    counts: Dict[str, int] = {}
    pips: set = set()
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when != "call" and outcome != "skipped":
                continue
            if "realpip" not in report.keywords:
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
            params = report.nodeid.partition("[")[2].rstrip("]").split("-")
            # a pip version among the parameters (pips start at 8; "six-1.16" is a pattern)
            pips.update(p for p in params if re.fullmatch(r"([89]|[1-9]\d)(\.\d+)+", p))
    terminalreporter.write_line(
        f"real-pip matrix: {len(pips)} pip versions"
        f" ({', '.join(sorted(pips, key=_pipenvs.version_key))});"
        f" real-pip tests passed {counts.get('passed', 0)}, failed {counts.get('failed', 0)},"
        f" skipped {counts.get('skipped', 0)}"
    )
