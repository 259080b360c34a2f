"""Deletions done in-process (prune, remove_project) are refused where the backend's are.

A running interpreter without pip, and no other interpreter with pip: pip's rules say where its
cache is, which is enough to read it but not to delete in it (``--cache-dir`` is). The command
line refuses every deletion there; the library must refuse ``prune`` and ``remove_project`` too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, List

import packaging
import pytest
from _cachetree import build_cache, snapshot
from conftest import venv_or_fail

import pipcache_ext

SOURCE = Path(pipcache_ext.__file__).resolve().parent

LIBRARY = """
import json, sys
from pipcache_ext import PipCache, PipCacheError
cache = PipCache()
try:
    if sys.argv[1] == "prune":
        cache.prune(max_size=0)
    else:
        cache.remove_project("six")
except PipCacheError as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc)}))
else:
    print(json.dumps(None))
"""


def _env(tmp_path: Path, isolated_env: Dict[str, str], cache_dir: Path) -> Dict[str, str]:
    """This package and ``packaging`` only on the path (no pip), and no interpreter on PATH."""
    root = tmp_path / "pythonpath"
    root.mkdir()
    (root / "pipcache_ext").symlink_to(SOURCE)
    (root / "packaging").symlink_to(Path(packaging.__file__).parent)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    return {
        **isolated_env, "PYTHONPATH": str(root), "PIP_CACHE_DIR": str(cache_dir),
        "PATH": str(empty),
    }  # fmt: skip


def _run(host: Path, env: Dict[str, str], *argv: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [str(host), *argv], env=env, capture_output=True, text=True, timeout=300, check=False,
        cwd="/",
    )  # fmt: skip


@pytest.mark.realpip
@pytest.mark.parametrize("verb", [["clean", "six"], ["prune", "--max-size", "0"]], ids=" ".join)
def test_the_command_line_refuses_to_delete_by_pips_rules(
    tmp_path: Path, isolated_env: Dict[str, str], verb: List[str]
) -> None:
    host = venv_or_fail(None, "3.12") / "bin" / "python"
    cache = build_cache(tmp_path / "cache")
    before = snapshot(cache.cache_dir)
    env = _env(tmp_path, isolated_env, cache.cache_dir)
    done = _run(host, env, "-m", "pipcache_ext", "--json", *verb)
    assert done.returncode == 1, done.stderr
    (entry,) = json.loads(done.stdout)["results"]
    assert entry["error"]["type"] == "PipNotFoundError"
    assert "--cache-dir" in entry["error"]["message"]
    assert snapshot(cache.cache_dir) == before


@pytest.mark.realpip
@pytest.mark.parametrize("method", ["prune", "remove_project"])
def test_the_library_refuses_to_delete_by_pips_rules(
    tmp_path: Path, isolated_env: Dict[str, str], method: str
) -> None:
    host = venv_or_fail(None, "3.12") / "bin" / "python"
    cache = build_cache(tmp_path / "cache")
    before = snapshot(cache.cache_dir)
    env = _env(tmp_path, isolated_env, cache.cache_dir)
    done = _run(host, env, "-c", LIBRARY, method)
    assert done.returncode == 0, done.stderr
    assert snapshot(cache.cache_dir) == before
    error = json.loads(done.stdout)
    assert error is not None
    assert error["type"] == "PipNotFoundError"
    assert "cache_dir=" in error["message"]
