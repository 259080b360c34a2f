"""Which candidate paths are one interpreter: grouped before probing, merged after.

Symlinks, hard links and ``/bin`` next to ``/usr/bin`` cost one probe: two paths are one
interpreter when they resolve to the same file in the same directory and agree on the virtual
environment around them (a ``pyvenv.cfg`` next to the executable or one level up, which is how
CPython itself decides). A venv's ``bin/python`` symlinks to its base Python but is never merged
into it: it has its own pip. After probing, the same resolved executable in the same prefix is
one interpreter even when found through unrelated hard links.
"""

# Candidate paths keep their symlinks (they are the aliases): os.path.abspath, not resolve().
# ruff: noqa: PTH100, PTH114

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from ..models import DiscoveryFailure, Interpreter
from .context import DiscoveryContext, is_file, realpath

__all__ = ["Candidates", "Group", "group_candidates", "probed_identity"]


class Candidates:
    """Candidate paths (absolute, symlinks kept) with the sources that found each."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.found: Dict[Path, List[str]] = {}

    def add(self, path: Path, source: str) -> None:
        """Record that ``source`` found ``path`` (relative paths are taken from the cwd)."""
        absolute = Path(os.path.abspath(self.cwd / path))
        sources = self.found.setdefault(absolute, [])
        if source not in sources:
            sources.append(source)


def _venv_root(path: Path) -> Optional[str]:
    """The environment ``path`` runs in, as CPython decides: ``pyvenv.cfg`` beside it or one up."""
    for directory in (path.parent, path.parent.parent):
        if is_file(directory / "pyvenv.cfg"):
            return os.path.realpath(directory)
    return None


def _preference(path: Path) -> Tuple[int, int, int, str]:
    """How well a path names its interpreter, best first.

    Not behind a linked directory (``/usr/bin`` over ``/bin``), then the shortest name
    (``python3`` over ``python3.11``), then the shortest path.
    """
    linked = int(os.path.realpath(path.parent) != os.fspath(path.parent))
    return (linked, len(path.name), len(os.fspath(path)), os.fspath(path))


@dataclass
class Group:
    """Candidate paths that are one interpreter; probed once, through :attr:`primary`."""

    paths: List[Path]
    sources: List[str]
    resolved: os.stat_result

    @property
    def primary(self) -> Path:
        """The path that names the interpreter best (see ``_preference``)."""
        return min(self.paths, key=_preference)

    def absorb(self, other: Group) -> None:
        """Take ``other``'s paths and sources: they are the same interpreter."""
        self.paths.extend(path for path in other.paths if path not in self.paths)
        self.sources.extend(name for name in other.sources if name not in self.sources)


def _unusable(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be looked at, in words."""
    if os.path.islink(path):
        try:
            return f"a dangling symlink (to {os.readlink(path)})"
        except OSError:
            pass
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot be read: {reason}"


def group_candidates(
    found: Mapping[Path, List[str]], ctx: DiscoveryContext
) -> Tuple[List[Group], List[DiscoveryFailure]]:
    """Group candidate paths (with the sources that found them) into interpreters to probe.

    :returns: the groups, and the candidates that are no interpreter (dangling, unreadable, not
        a file, not executable).
    """
    groups: Dict[Tuple[int, int, str, Optional[str]], Group] = {}
    failures: List[DiscoveryFailure] = []
    for path, names in found.items():
        sources = tuple(names)
        try:
            resolved = path.stat()
        except (OSError, ValueError) as exc:  # ValueError: an embedded NUL
            failures.append(DiscoveryFailure(path, _unusable(path, exc), sources))
            continue
        if not stat.S_ISREG(resolved.st_mode):
            failures.append(DiscoveryFailure(path, "not a file", sources))
            continue
        if ctx.platform != "win32" and not os.access(path, os.X_OK):
            failures.append(DiscoveryFailure(path, "not executable", sources))
            continue
        key = (
            resolved.st_dev,
            resolved.st_ino,
            os.fspath(realpath(path).parent),
            _venv_root(path),
        )
        group = groups.get(key)
        if group is None:
            groups[key] = Group([path], list(sources), resolved)
        else:
            group.absorb(Group([path], list(sources), resolved))
    return list(groups.values()), failures


def probed_identity(interpreter: Interpreter) -> Tuple[str, Path]:
    """What makes two probed interpreters one: the resolved executable and the prefix."""
    return (os.path.realpath(interpreter.executable), interpreter.prefix)
