"""One deletion by this library per cache dir at a time: an advisory ``flock`` lock file.

The lock file lives in this library's own cache dir (``locks/``; pip's cache dir is not ours to
write in), named by the sha256 of the cache dir's real path, so every spelling of one dir (a link,
``..``) shares one lock. ``flock`` locks belong to an open file: two threads of one process
exclude each other too, and a crashed holder releases the lock with its process. Where there is
no ``fcntl`` (Windows), nothing is locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional

from .._probing.store import user_cache_dir
from ..errors import CacheBusyError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["cache_lock", "lock_path"]

logger = logging.getLogger("pipcache_ext")


def lock_path(cache_dir: Path, env: Mapping[str, str]) -> Path:
    """The lock file of ``cache_dir`` (by its real path) in this library's cache dir."""
    real = os.path.realpath(os.fspath(cache_dir))
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:32]
    return user_cache_dir(env) / "locks" / f"{digest}.lock"


def _open(path: Path) -> Optional[int]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        return os.open(path, flags, 0o600)
    except OSError as exc:
        logger.warning("Could not create the lock file %s (%s): not locked", path, exc)
        return None


@contextlib.contextmanager
def cache_lock(
    cache_dir: Path,
    env: Mapping[str, str],
    *,
    wait: bool = True,
    on_wait: Optional[Callable[[str], None]] = None,
) -> Iterator[None]:
    """Hold the lock of ``cache_dir`` for the ``with`` block.

    :param wait: when another deletion holds it: wait (calling ``on_wait`` once, with
        ``"waiting for another pipcache-ext clean of DIR"``; default: a warning on the
        ``pipcache_ext`` logger) or, ``False``, raise at once.
    :raises CacheBusyError: another deletion holds the lock and ``wait`` is ``False``.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = _open(lock_path(cache_dir, env))
    if fd is None:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            real = os.path.realpath(os.fspath(cache_dir))
            if not wait:
                raise CacheBusyError(
                    f"another pipcache-ext clean of {real} is running; try again when it ends",
                    cache_dir=Path(real),
                ) from None
            message = f"waiting for another pipcache-ext clean of {real}"
            (on_wait or logger.warning)(message)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock
