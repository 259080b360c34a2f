"""Everything :mod:`pipcache_ext` raises.

Every exception is a :class:`PipCacheError`, so ``except PipCacheError`` catches all of them.
``subprocess`` exceptions never escape: they are translated here, with the original chained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional, Sequence, Tuple

__all__ = [
    "CacheDisabledError",
    "InterpreterError",
    "InvalidPatternError",
    "ParseError",
    "PipCacheError",
    "PipCommandError",
    "PipNotFoundError",
    "UnsafeOperationError",
    "UnsupportedPipError",
]

DisabledReason = Literal["configuration", "permissions"]


def __dir__() -> list[str]:
    return __all__


class PipCacheError(Exception):
    """Root of every error raised by :mod:`pipcache_ext`.

    :ivar interpreter: the interpreter the error concerns, when there is one.
    """

    def __init__(self, message: str, *, interpreter: Optional[Path] = None) -> None:
        super().__init__(message)
        self.message = message
        self.interpreter = interpreter

    def __str__(self) -> str:
        return self.message


class InterpreterError(PipCacheError):
    """The interpreter is missing, not executable, not Python, or did not answer in time."""


class PipNotFoundError(PipCacheError):
    """The interpreter runs, but has no ``pip`` to import."""


class CacheDisabledError(PipCacheError):
    """pip's cache is disabled for this interpreter.

    :ivar reason: ``"configuration"`` (``--no-cache-dir``, ``PIP_NO_CACHE_DIR``, ``no-cache-dir``
        in a config file) or ``"permissions"`` (pip's ownership check failed: the cache dir or its
        nearest existing parent is not owned by, or not writable for, the current user).
    :ivar cache_dir: the directory pip refused, when pip names it.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: DisabledReason,
        cache_dir: Optional[Path] = None,
        interpreter: Optional[Path] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter)
        self.reason: DisabledReason = reason
        self.cache_dir = cache_dir


class PipCommandError(PipCacheError):
    """A pip command exited non-zero.

    :ivar argv: the command line that ran, as a tuple of strings.
    :ivar returncode: its exit code.
    :ivar stdout: what it printed on stdout.
    :ivar stderr: what it printed on stderr.
    :ivar pip_version: the version of the pip that ran, when known.
    """

    def __init__(  # noqa: PLR0913 - every field is part of the error's contract
        self,
        message: str,
        *,
        argv: Sequence[str],
        returncode: int,
        stdout: str,
        stderr: str,
        pip_version: Optional[str] = None,
        interpreter: Optional[Path] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter)
        self.argv: Tuple[str, ...] = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.pip_version = pip_version


class UnsupportedPipError(PipCommandError):
    """The pip has no ``cache`` command (pip < 20.1), and ``backend="pip"`` was asked."""


class ParseError(PipCacheError, ValueError):
    """pip printed something this library cannot read.

    :ivar pip_version: the version of the pip that printed it.
    :ivar text: the raw text.
    :ivar argv: the command line that printed it, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        text: str,
        pip_version: Optional[str] = None,
        argv: Sequence[str] = (),
        interpreter: Optional[Path] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter)
        self.text = text
        self.pip_version = pip_version
        self.argv: Tuple[str, ...] = tuple(argv)


class InvalidPatternError(PipCacheError, ValueError):
    """A ``list``/``remove`` pattern that can never match: empty, or containing a path separator.

    pip matches patterns against file *basenames*, so such a pattern would silently match nothing;
    this library refuses it before running anything.
    """


class UnsafeOperationError(PipCacheError):
    """A deletion was refused because it could reach outside pip's cache.

    Raised, for example, when the cache dir is a filesystem root or the user's home directory
    and ``force=True`` was not given.
    """
