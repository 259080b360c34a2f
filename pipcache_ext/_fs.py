"""Filesystem operations relative to directory handles, so that no symlink is ever followed.

On POSIX a handle is a directory file descriptor opened with ``O_DIRECTORY | O_NOFOLLOW``; every
name is looked up in the directory the handle pins, never through a path, so a directory swapped
for a symlink while the cache is read or cleaned cannot redirect anything (as CPython's
``shutil._rmtree_safe_fd``). Where ``dir_fd`` is not supported (Windows), a handle is the
directory's path and every entry is re-checked with ``lstat`` (a reparse point is never entered)
just before it is used: a narrower race window, not none, which is the most Windows offers here.

Every function takes the full path of what it touches too, for messages only.
"""

# ruff: noqa: PTH106, PTH108, PTH112

from __future__ import annotations

import contextlib
import os
import stat
from typing import TYPE_CHECKING, ContextManager, Iterator, NamedTuple, Optional, Union

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "DIR_FLAGS",
    "FD_SAFE",
    "Handle",
    "Identity",
    "close",
    "identity_of",
    "is_link",
    "list_dir",
    "open_child",
    "open_root",
    "rmdir_child",
    "stat_child",
    "unlink_child",
    "write_atomically",
]

#: Whether deletion is done relative to directory file descriptors on this platform.
FD_SAFE = (
    os.open in os.supports_dir_fd
    and os.stat in os.supports_dir_fd
    and os.unlink in os.supports_dir_fd
    and os.rmdir in os.supports_dir_fd
    and os.scandir in os.supports_fd
    and hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
)

#: How a directory is opened: read-only, a directory, never through a symlink.
DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_FILE_ATTRIBUTE_REPARSE_POINT = 0x400  # stat.FILE_ATTRIBUTE_REPARSE_POINT (typed on win32 only)

#: An open directory: a file descriptor (POSIX) or its path (Windows fallback).
Handle = Union[int, str]


class Identity(NamedTuple):
    """What makes a file the same file: its device and inode."""

    dev: int
    ino: int


def identity_of(st: os.stat_result) -> Identity:
    return Identity(st.st_dev, st.st_ino)


def is_link(st: os.stat_result) -> bool:
    """Tell a symlink, or on Windows any reparse point such as a junction, from an ``lstat``."""
    attributes: int = getattr(st, "st_file_attributes", 0)
    return stat.S_ISLNK(st.st_mode) or bool(attributes & _FILE_ATTRIBUTE_REPARSE_POINT)


class NotADirectoryHere(OSError):  # noqa: N818 - an OSError, named for what it says
    """The name is a symlink, a junction or a file where a directory was expected."""


def open_root(path: str) -> Handle:
    """Open the cache dir itself (a symlinked cache dir is followed, as pip resolves it).

    :raises FileNotFoundError: it does not exist.
    :raises NotADirectoryHere: it is not a directory.
    """
    if not FD_SAFE:
        if not os.path.isdir(path):
            raise NotADirectoryHere(f"{path} is not a directory")
        return path
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags)
    except NotADirectoryError as exc:
        raise NotADirectoryHere(str(exc)) from exc


def open_child(parent: Handle, name: str, path: str, expected: Optional[Identity]) -> Handle:
    """Open the directory ``name`` in ``parent`` without following a symlink.

    :param expected: the identity it had when it was scanned; a different one raises.
    :raises FileNotFoundError: it is gone.
    :raises NotADirectoryHere: it is (now) a symlink, junction or file, or another directory.
    :raises OSError: it cannot be opened (permissions, ...).
    """
    if isinstance(parent, str):
        st = os.lstat(path)
        if is_link(st) or not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryHere(f"{path} is not a directory")
        if expected is not None and identity_of(st) != expected:
            raise NotADirectoryHere(f"{path} was replaced")
        return path
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=parent)
    except NotADirectoryError as exc:
        raise NotADirectoryHere(f"{path} is not a directory") from exc
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", 40) or isinstance(exc, IsADirectoryError):
            raise NotADirectoryHere(f"{path} is a symbolic link") from exc
        raise
    if expected is not None and identity_of(os.fstat(fd)) != expected:
        os.close(fd)
        raise NotADirectoryHere(f"{path} was replaced")
    return fd


def close(handle: Handle) -> None:
    if isinstance(handle, int):
        os.close(handle)


def list_dir(handle: Handle, path: str) -> ContextManager[Iterator[os.DirEntry[str]]]:
    """The entries of an open directory, to use in a ``with`` (``path``: for the fallback).

    The scandir iterator itself, not a generator over it: a generator's step per entry cost a
    fifth of the scan's loop.
    """
    return os.scandir(handle if isinstance(handle, int) else path)


def stat_child(parent: Handle, name: str, path: str) -> os.stat_result:
    """``lstat`` of ``name`` in ``parent``."""
    if isinstance(parent, str):
        return os.lstat(path)
    return os.stat(name, dir_fd=parent, follow_symlinks=False)


def unlink_child(parent: Handle, name: str, path: str) -> None:
    """Delete the file or symlink ``name`` in ``parent`` (a symlink's target is never touched)."""
    if isinstance(parent, str):
        os.unlink(path)
    else:
        os.unlink(name, dir_fd=parent)


def rmdir_child(parent: Handle, name: str, path: str) -> None:
    """Remove the empty directory ``name`` in ``parent`` (never recursive; fails on a symlink)."""
    if isinstance(parent, str):
        os.rmdir(path)
    else:
        os.rmdir(name, dir_fd=parent)


def write_atomically(file: Path, text: str, *, errors: str = "strict") -> None:
    """Write ``text`` to ``file`` as a whole or not at all (this library's own disk caches).

    A temporary file in the same directory (made with it if missing), then :func:`os.replace`:
    a reader sees the old file or the new one, never half of one.

    :raises OSError: nothing was written (the temporary file is removed).
    """
    import tempfile  # noqa: PLC0415 - only a write needs it (6 ms)

    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=file.suffix, dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors) as handle:
            handle.write(text)
        os.replace(tmp, file)  # noqa: PTH105 - tmp is a str from mkstemp
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
