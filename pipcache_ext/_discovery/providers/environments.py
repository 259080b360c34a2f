"""Sources of environments: the running one, the active venv, ``.venv``, virtualenvwrapper, pipx."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from ..context import DiscoveryContext, env_pythons, is_dir, subdirs, upwards
from .base import InstallRoots, Provider

__all__ = [
    "ActiveVenvProvider",
    "DotVenvProvider",
    "PipxProvider",
    "RunningProvider",
    "VirtualenvwrapperProvider",
]


class RunningProvider(Provider):
    """The interpreter running this code.

    Skipped when ``sys.executable`` is not named like Python: an application embedding Python
    (uWSGI, a game, an editor) reports itself there, and must not be run with ``-c``.
    """

    name = "running"

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        name = Path(ctx.executable).name.lower() if ctx.executable else ""
        return cls(ctx) if name.startswith(("python", "pypy")) else None

    def candidates(self) -> Iterator[Path]:
        assert self.ctx.executable is not None  # noqa: S101 - create() checked it
        yield Path(self.ctx.executable)


class ActiveVenvProvider(Provider):
    """The activated virtual environment, ``$VIRTUAL_ENV``."""

    name = "active-venv"

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        venv = ctx.env.get("VIRTUAL_ENV")
        return cls(ctx) if venv and is_dir(Path(venv)) else None

    def candidates(self) -> Iterator[Path]:
        yield from env_pythons(Path(self.ctx.env["VIRTUAL_ENV"]), self.ctx.platform)


class DotVenvProvider(Provider):
    """``.venv`` in the working directory and each of its parents (uv's, poetry's, PDM's)."""

    name = "dot-venv"

    def __init__(self, ctx: DiscoveryContext, venvs: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.venvs = venvs

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        venvs = [d / ".venv" for d in upwards(ctx.cwd) if is_dir(d / ".venv")]
        return cls(ctx, venvs) if venvs else None

    def candidates(self) -> Iterator[Path]:
        for venv in self.venvs:
            yield from env_pythons(venv, self.ctx.platform)


class VirtualenvwrapperProvider(InstallRoots):
    """virtualenvwrapper's environments, ``$WORKON_HOME/*`` (default ``~/.virtualenvs``)."""

    name = "virtualenvwrapper"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [Path(ctx.env.get("WORKON_HOME") or ctx.home / ".virtualenvs")]


class PipxProvider(Provider):
    """pipx's application venvs, ``<PIPX_HOME>/venvs/*``, and its ``shared`` venv (its pip).

    ``PIPX_HOME``, else ``~/.local/pipx`` (pipx < 1.3), else the platform's data directory.
    """

    name = "pipx"

    def __init__(self, ctx: DiscoveryContext, homes: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.homes = homes

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        if ctx.env.get("PIPX_HOME"):
            options = [Path(ctx.env["PIPX_HOME"])]
        else:
            options = [ctx.home / ".local" / "pipx", ctx.data_home() / "pipx"]
            if ctx.platform == "darwin":
                options.append(ctx.home / "Library" / "Application Support" / "pipx")
            if ctx.platform == "win32":
                local = Path(ctx.env.get("LOCALAPPDATA") or ctx.home / "AppData" / "Local")
                options.extend((local / "pipx" / "pipx", ctx.home / "pipx"))
        homes = [home for home in options if is_dir(home / "venvs")]
        return cls(ctx, homes) if homes else None

    def candidates(self) -> Iterator[Path]:
        for home in self.homes:
            shared = Path(self.ctx.env.get("PIPX_SHARED_LIBS") or home / "shared")
            for venv in (*subdirs(home / "venvs"), shared):
                yield from env_pythons(venv, self.ctx.platform)
