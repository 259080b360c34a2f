"""macOS framework builds (python.org, Homebrew, the Command Line Tools, Xcode)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional, Sequence

from ..context import DiscoveryContext, env_pythons, subdirs
from .base import Provider

__all__ = ["FrameworkProvider"]


class FrameworkProvider(Provider):
    """macOS framework builds: python.org's, Homebrew's and the Command Line Tools' Python."""

    name = "framework"

    _FRAMEWORKS = (
        "Library/Frameworks/Python.framework/Versions",
        "Library/Developer/CommandLineTools/Library/Frameworks/Python3.framework/Versions",
        "Applications/Xcode.app/Contents/Developer/Library/Frameworks/Python3.framework/Versions",
    )
    _HOMEBREW = ("opt/homebrew/opt", "usr/local/opt")

    def __init__(self, ctx: DiscoveryContext, version_dirs: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.version_dirs = version_dirs

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        if ctx.platform != "darwin":
            return None
        roots = [ctx.root / rel for rel in cls._FRAMEWORKS]
        roots.append(ctx.home / cls._FRAMEWORKS[0])
        roots.extend(
            formula / "Frameworks" / "Python.framework" / "Versions"
            for brew in cls._HOMEBREW
            for formula in subdirs(ctx.root / brew)
            if formula.name.startswith("python@")
        )
        found = [version for root in roots for version in subdirs(root)]
        return cls(ctx, found) if found else None

    def candidates(self) -> Iterator[Path]:
        for version in self.version_dirs:
            yield from env_pythons(version, self.ctx.platform)
