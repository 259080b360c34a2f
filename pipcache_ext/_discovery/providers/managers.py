"""Python version managers' installs: pyenv, asdf, mise, uv and rye."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

from ..context import DiscoveryContext, env_pythons
from ..shims import asdf_root, mise_root, pyenv_root
from .base import InstallRoots

__all__ = ["AsdfProvider", "MiseProvider", "PyenvProvider", "RyeProvider", "UvProvider"]


class PyenvProvider(InstallRoots):
    """pyenv's installs, ``$PYENV_ROOT/versions/*`` (pyenv-win: ``pyenv-win/versions/*``).

    pyenv-virtualenv's environments are there too, as links into ``<version>/envs/``.
    """

    name = "pyenv"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        root = pyenv_root(ctx)
        return [root / "versions", root / "pyenv-win" / "versions"]


class AsdfProvider(InstallRoots):
    """asdf's python installs, ``$ASDF_DATA_DIR/installs/python/*``."""

    name = "asdf"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [asdf_root(ctx) / "installs" / "python"]


class MiseProvider(InstallRoots):
    """mise's python installs, ``$MISE_DATA_DIR/installs/python/*``."""

    name = "mise"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [mise_root(ctx) / "installs" / "python"]


class UvProvider(InstallRoots):
    r"""Pythons uv manages.

    ``$UV_PYTHON_INSTALL_DIR``, else ``$XDG_DATA_HOME/uv/python`` (Windows:
    ``%APPDATA%\uv\data\python``).
    """

    name = "uv"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        if ctx.env.get("UV_PYTHON_INSTALL_DIR"):
            return [Path(ctx.env["UV_PYTHON_INSTALL_DIR"])]
        if ctx.platform == "win32" and ctx.env.get("APPDATA"):
            return [Path(ctx.env["APPDATA"]) / "uv" / "data" / "python"]
        return [ctx.data_home() / "uv" / "python"]


class RyeProvider(InstallRoots):
    """rye's toolchains, ``$RYE_HOME/py/*`` (default ``~/.rye``)."""

    name = "rye"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [Path(ctx.env.get("RYE_HOME") or ctx.home / ".rye") / "py"]

    def candidates(self) -> Iterator[Path]:
        for install in self.installs():
            yield from env_pythons(install, self.ctx.platform)
            yield from env_pythons(install / "install", self.ctx.platform)  # older rye
