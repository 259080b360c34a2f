"""Fixtures of the command-line tests; test modules load them with ``pytest_plugins``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict

import pytest
from _cachetree import Manifest, build_cache
from _cli_helpers import NEWEST, fake_python
from conftest import venv_or_fail
from pytest_mock import MockerFixture

import pipcache_ext


@pytest.fixture
def newest(isolated_env: Dict[str, str]) -> Path:
    return venv_or_fail(NEWEST, "3.12")


@pytest.fixture
def cache(fixture_cache: Manifest, monkeypatch: pytest.MonkeyPatch) -> Manifest:
    """The fixture cache, as the cache of every pip the CLI runs (PIP_CACHE_DIR)."""
    monkeypatch.setenv("PIP_CACHE_DIR", str(fixture_cache.cache_dir))
    return fixture_cache


@pytest.fixture
def discovery(monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture) -> Any:
    """Real discovery, limited to ``PATH`` (which the test sets): no running interpreter, no
    pyenv of this machine. Returns the spy, to count calls."""
    real = pipcache_ext.run_discovery

    def on_path_only(**kwargs: Any) -> Any:
        return real(sources=["path"], **kwargs)

    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setattr(pipcache_ext, "run_discovery", on_path_only)
    return mocker.spy(pipcache_ext, "run_discovery")


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discovery: Any) -> Dict[str, Any]:
    """Three fake interpreters on PATH: ``a`` and ``c`` share cache A, ``b`` uses cache B."""
    cache_a = build_cache(tmp_path / "cache-a")
    cache_b = build_cache(tmp_path / "cache-b")
    pythons = {
        "a": fake_python(tmp_path / "a" / "bin", cache_a.cache_dir),
        "b": fake_python(tmp_path / "b" / "bin", cache_b.cache_dir),
        "c": fake_python(tmp_path / "c" / "bin", cache_a.cache_dir),
    }
    monkeypatch.setenv("PATH", os.pathsep.join(str(p.parent) for p in pythons.values()))
    return {"pythons": pythons, "A": cache_a, "B": cache_b, "discovery": discovery}
