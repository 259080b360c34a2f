"""Fixtures of the discovery tests; test modules load them with ``pytest_plugins``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

from pipcache_ext._discovery import DiscoveryContext
from pipcache_ext._runner import run

# What the providers read: dropped unless a test sets it, so the machine's own tools stay out.
SOURCE_VARIABLES = frozenset({
    "PYENV_ROOT", "PYENV_VERSION", "PYENV_DIR", "ASDF_DATA_DIR", "ASDF_PYTHON_VERSION",
    "ASDF_DEFAULT_TOOL_VERSIONS_FILENAME", "MISE_DATA_DIR", "UV_PYTHON_INSTALL_DIR", "RYE_HOME",
    "CONDA_EXE", "CONDA_PYTHON_EXE", "CONDA_ROOT", "CONDA_PREFIX", "MAMBA_ROOT_PREFIX",
    "WORKON_HOME", "PIPX_HOME", "PIPX_SHARED_LIBS", "VIRTUAL_ENV", "LOCALAPPDATA", "APPDATA",
})  # fmt: skip


@pytest.fixture
def context(tmp_path: Path, isolated_env: Dict[str, str]):
    """``context(path=[...], cwd=..., **env)``: a DiscoveryContext on fake roots under tmp."""

    def make(
        *,
        path: Sequence[Path] = (),
        cwd: Optional[Path] = None,
        platform: str = "linux",
        executable: Optional[str] = None,
        runner=run,
        timeout: float = 10.0,
        winreg=None,
        **env: str,
    ) -> DiscoveryContext:
        environ = {
            name: value for name, value in isolated_env.items() if name not in SOURCE_VARIABLES
        }
        environ["PATH"] = os.pathsep.join(map(str, path))
        environ.update(env)
        return DiscoveryContext(
            env=environ,
            cwd=cwd or tmp_path,
            home=Path(isolated_env["HOME"]),
            platform=platform,
            executable=executable,
            root=tmp_path / "root",
            runner=runner,
            timeout=timeout,
            winreg=winreg,
        )

    return make
