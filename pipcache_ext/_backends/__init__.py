"""The two ways of doing the work behind :class:`~pipcache_ext.PipCache`, behind one interface.

- :class:`~pipcache_ext._backends.pip.PipBackend` runs the interpreter's own ``pip cache``;
- :class:`~pipcache_ext._backends.native.NativeBackend` does the same in-process.

``PipCache`` picks one, once, and delegates every operation to it. Both share one deletion plan
(:mod:`pipcache_ext._plan`): every dry run returns it, the native backend executes it, the pip
backend checks it before pip runs and compares the tree with it afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Protocol

from ..models import Backend, CachedWheel, CacheInfo, RemovalResult

__all__ = ["CacheBackend"]


class CacheBackend(Protocol):
    """What a backend does for one interpreter."""

    name: Backend

    def dir(self) -> Path:
        """The cache dir the interpreter's pip uses, asked once."""

    def info(self) -> CacheInfo:
        """Sizes and counts, as ``pip cache info``."""

    def list(self, pattern: Optional[str]) -> List[CachedWheel]:
        """The wheels ``pip cache list [pattern]`` shows."""

    def delete(
        self, pattern: Optional[str], *, dry_run: bool, force: bool, spare_recent: bool = False
    ) -> RemovalResult:
        """``pip cache remove <pattern>``; ``None``: ``purge`` (after the facade's guards).

        ``spare_recent``: leave what a running ``pip install`` may be using, in-process (pip's
        own command cannot), under the pip's rules.
        """
