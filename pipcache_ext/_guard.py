"""The checks that come before any deletion: is this a pip cache, and may pip be let loose on it.

- :func:`ensure_safe_to_purge`: the cache dir (as given and resolved) is no filesystem root, no
  home directory of any account and no ancestor of one;
- :func:`ensure_looks_like_a_cache`: a purge of a directory holding other things but none of
  pip's own dirs is refused;
- :func:`ensure_areas_are_real`: before pip's own ``remove``/``purge`` runs, each of the cache's
  dirs it will walk is a real directory inside the cache, not a symlink or junction that pip
  would follow out of it.

Each raises :class:`~pipcache_ext.errors.UnsafeOperationError` and is skipped with ``force``.
"""

# ruff: noqa: PTH100, PTH111, PTH117, PTH118, PTH208

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Iterable, List, Set

from . import _fs
from ._pipversions import AREAS
from .errors import Remedy, UnsafeOperationError

__all__ = [
    "ensure_areas_are_real",
    "ensure_link_targets_are_safe",
    "ensure_looks_like_a_cache",
    "ensure_safe_to_purge",
    "homes",
]

_FORCE = Remedy("force")


def homes() -> Set[Path]:
    """Every home directory: ``$HOME``, ``~`` and every account's in the password database."""
    candidates: List[str] = []
    with contextlib.suppress(RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        candidates.append(str(Path.home()))
    candidates.append(os.path.expanduser("~"))
    try:
        import pwd  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows
        pass
    else:
        with contextlib.suppress(OSError):
            candidates.extend(entry.pw_dir for entry in pwd.getpwall())
    found: Set[Path] = set()
    for home in candidates:
        if home and os.path.isabs(home):  # expanduser returns "~" unchanged when it cannot tell
            found.add(Path(os.path.abspath(home)))
            found.add(Path(os.path.realpath(home)))
    return found


def _refuse_home_or_root(shown: Path, targets: Iterable[Path], what: str) -> None:
    all_homes = sorted(homes())
    for target in sorted(set(targets)):
        if target.parent == target:
            raise UnsafeOperationError(
                f"Refusing to clean {shown}: {what} a filesystem root.",
                path=shown,
                target=target,
                remedy=_FORCE,
            )
        for home in all_homes:
            if target == home or target in home.parents:
                raise UnsafeOperationError(
                    f"Refusing to clean {shown}: {what} the home directory {home} or contains it.",
                    path=shown,
                    target=target,
                    remedy=_FORCE,
                )


def ensure_safe_to_purge(cache_dir: Path, *, force: bool = False) -> None:
    """Refuse to clean a directory that cannot be a dedicated pip cache.

    :param cache_dir: the cache directory about to be cleaned.
    :param force: skip the check.
    :raises UnsafeOperationError: when ``cache_dir`` (as given or with symlinks resolved) is a
        filesystem root, a home directory (``$HOME``, ``~`` or any account's in the password
        database) or an ancestor of one.
    """
    if force:
        return
    given = os.fspath(cache_dir)
    targets = (Path(os.path.abspath(given)), Path(os.path.realpath(given)))
    _refuse_home_or_root(cache_dir, targets, "it is")


def ensure_link_targets_are_safe(
    cache_dir: Path, areas: Iterable[str], *, force: bool = False
) -> None:
    """Apply the home/root guard to where the cache's own dirs lead, when they are links.

    Neither backend descends into such a link without ``force`` (pip's is refused, the native one
    skips it); a link to a home or a root is refused outright, so that ``force`` is a decision
    about that very target.

    :raises UnsafeOperationError: an area of ``areas`` is a link to a filesystem root, a home
        directory or an ancestor of one, and ``force`` was not given.
    """
    if force:
        return
    for name in areas:
        path = Path(os.path.join(os.fspath(cache_dir), name))
        try:
            linked = _fs.is_link(os.lstat(path))
        except OSError:
            continue
        if linked:
            target = Path(os.path.realpath(path))
            _refuse_home_or_root(path, (target,), f"it is a link to {target}, which is")


def ensure_looks_like_a_cache(cache_dir: Path, *, force: bool = False) -> None:
    """Refuse to purge a directory that holds other things and none of pip's own dirs.

    A missing or empty directory is fine: there is nothing to delete.

    :raises UnsafeOperationError: without ``force``, when none of ``wheels/``, ``http/`` and
        ``http-v2/`` is in ``cache_dir`` and something else is.
    """
    if force:
        return
    try:
        names = set(os.listdir(cache_dir))
    except OSError:
        return  # missing or unreadable: the scan reports it, and deletes nothing there
    if names & set(AREAS) or not names - {"selfcheck", "selfcheck.json"}:
        return
    shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
    raise UnsafeOperationError(
        f"Refusing to purge {cache_dir}: it does not look like a pip cache (no wheels/, http/"
        f" or http-v2/ in it, but {shown}).",
        path=cache_dir,
        remedy=_FORCE,
    )


def ensure_areas_are_real(cache_dir: Path, areas: Iterable[str], *, force: bool = False) -> None:
    """Check, before pip runs, that the dirs it will walk cannot lead it out of the cache.

    pip resolves the cache dir and walks ``wheels/``, ``http/`` and ``http-v2/`` by path: a symlink
    (or junction) there is followed, and its target emptied.

    :raises UnsafeOperationError: without ``force``, naming the link and its target, when one of
        ``areas`` is a link, or resolves outside the cache dir.
    """
    if force:
        return
    root = Path(os.path.realpath(os.fspath(cache_dir)))
    for name in areas:
        path = Path(os.path.join(os.fspath(cache_dir), name))
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UnsafeOperationError(
                f"Refusing to let pip clean {cache_dir}: {path} cannot be checked"
                f" ({exc.strerror or exc}).",
                path=path,
            ) from exc
        target = Path(os.path.realpath(path))
        linked = _fs.is_link(st)
        if linked or (stat.S_ISDIR(st.st_mode) and target.parent != root):
            what = "a symbolic link" if linked else "a directory outside the cache"
            raise UnsafeOperationError(
                f"Refusing to let pip clean {cache_dir}: {path} is {what} to {target}, which"
                " pip would follow and empty. Nothing was deleted.",
                path=path,
                target=target,
                remedy=Remedy("force-native"),
            )
