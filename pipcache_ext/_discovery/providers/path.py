"""The ``path`` source: interpreters on ``PATH``, shims resolved to what they run."""

# A PATH entry is a str: os.path.isabs on it.
# ruff: noqa: PTH117

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from ..context import DiscoveryContext, pythons_in
from ..shims import resolve_shim
from .base import Provider

__all__ = ["PathProvider"]

logger = logging.getLogger("pipcache_ext")


class PathProvider(Provider):
    """``python``, ``python3``, ``python3.N``, ``python2``, ``python2.N``, ``pypy*`` on ``PATH``.

    Empty and relative ``PATH`` entries are skipped: they mean "the working directory", where
    an interpreter is a program the user did not choose. Shims are resolved, never run.
    """

    name = "path"

    def __init__(self, ctx: DiscoveryContext, directories: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.directories = directories

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        entries = ctx.env.get("PATH", "").split(os.pathsep)
        directories: List[Path] = []
        for entry in entries:
            if entry and os.path.isabs(entry) and Path(entry) not in directories:
                directories.append(Path(entry))
        return cls(ctx, directories) if directories else None

    def candidates(self) -> Iterator[Path]:
        for directory in self.directories:
            try:
                found = pythons_in(directory, self.ctx.platform)
            except (FileNotFoundError, NotADirectoryError):
                continue  # stale PATH entries are common and harmless
            except OSError as exc:
                self.problems.append(
                    (directory, f"cannot list this PATH directory: {exc.strerror or exc}")
                )
                continue
            for path in found:
                tool, target = resolve_shim(path, self.ctx)
                if tool is None:
                    yield path
                elif target is not None:
                    logger.debug("%s shim %s runs %s", tool, path, target)
                    yield target
                else:
                    logger.debug("skipped %s: a %s shim not active here", path, tool)
