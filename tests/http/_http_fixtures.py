"""The session's loopback index and its caches; test modules load these with ``pytest_plugins``."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from _http_helpers import REDIRECTED, Caches, dists
from _index import Index, build_index, make_certificate


@pytest.fixture(scope="session")
def http_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    directory = tmp_path_factory.mktemp("index")
    cert, key = make_certificate(directory)
    index = build_index(dists(), REDIRECTED, cert, key)
    yield index
    index.stop()


@pytest.fixture(scope="session")
def caches(http_index: Index, tmp_path_factory: pytest.TempPathFactory) -> Caches:
    root = tmp_path_factory.mktemp("http-caches")
    home = root / "home"
    home.mkdir()
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "XDG_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    base.update({
        "HOME": str(home),
        "XDG_CACHE_HOME": str(root / "xdg-cache"),
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "PIP_CONFIG_FILE": os.devnull,
    })  # fmt: skip
    return Caches(http_index, root, base)
