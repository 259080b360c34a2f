"""The provider interface: a tiny ABC whose ``create()`` is ``None`` where the source is absent.

As findpython's ``providers/base.py``; the registry is a plain dict in ``providers/__init__``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Iterator, List, Optional, Sequence, Tuple

from ..context import DiscoveryContext, env_pythons, is_dir, subdirs

__all__ = ["InstallRoots", "Provider"]


class Provider(ABC):
    """One source of candidate interpreters.

    :param ctx: what it reads.

    Subclasses set :attr:`name`, return ``None`` from :meth:`create` when their source is absent
    here, and report what they could not read (an unreadable ``PATH`` directory, a failing
    ``py -0p``) in :attr:`problems` rather than raising.
    """

    #: The name callers pass in ``sources`` and find in :attr:`Interpreter.sources`.
    name: ClassVar[str]

    def __init__(self, ctx: DiscoveryContext) -> None:
        self.ctx = ctx
        self.problems: List[Tuple[Path, str]] = []

    @classmethod
    @abstractmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        """The provider, or ``None`` when its source does not exist here."""

    @abstractmethod
    def candidates(self) -> Iterator[Path]:
        """Paths that may be interpreters (not yet checked, resolved or run)."""


class InstallRoots(Provider):
    """Every interpreter of every install or environment directory under some roots."""

    def __init__(self, ctx: DiscoveryContext, roots: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.roots = roots

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        roots = [root for root in cls.roots_of(ctx) if is_dir(root)]
        return cls(ctx, roots) if roots else None

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        """Directories whose every subdirectory is an install or environment."""
        raise NotImplementedError

    def installs(self) -> Iterator[Path]:
        """The install or environment directories."""
        for root in self.roots:
            yield from subdirs(root)

    def candidates(self) -> Iterator[Path]:
        for install in self.installs():
            yield from env_pythons(install, self.ctx.platform)
