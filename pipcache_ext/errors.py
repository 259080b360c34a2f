"""Everything :mod:`pipcache_ext` raises.

Every exception is a :class:`PipCacheError`, so ``except PipCacheError`` catches all of them.
``subprocess`` exceptions never escape: they are translated here, with the original chained.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Literal, Optional, Sequence, Tuple

__all__ = [
    "CacheBusyError",
    "CacheDisabledError",
    "DeletionTimeoutError",
    "DeletionUnconfirmedError",
    "InterpreterError",
    "InvalidPatternError",
    "ParseError",
    "PipCacheError",
    "PipCommandError",
    "PipNotFoundError",
    "Remedy",
    "UnsafeOperationError",
    "UnsupportedPipError",
]

DisabledReason = Literal["configuration", "permissions"]

#: What the user can do about an error, as a symbol that each front end words its own way.
RemedyAction = Literal[
    "force",  # the guard may be overridden
    "force-native",  # a link pip would follow: clean in-process instead
    "timeout",  # give the process more time
    "backend-native",  # let this library do the work in-process
    "install-pip",  # the interpreter needs a pip
    "utf8-locale",  # run under a UTF-8 locale
    "remeasure",  # pip may have deleted files: measure the cache again
    "cache-dir",  # name the cache dir explicitly (subject: the dir)
]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Remedy:
    """What to do about an error, apart from the words: the library and the CLI each render it.

    :ivar action: what to do (see ``RemedyAction``).
    :ivar subject: what it applies to, when it needs naming (an interpreter's executable, ...).
    """

    action: RemedyAction
    subject: Optional[str] = None

    def library_text(self) -> str:
        """The remedy in the library's words (``Pass force=True ...``)."""
        return _LIBRARY_WORDS[self.action].format(subject=self.subject)


_LIBRARY_WORDS: Dict[str, str] = {
    "force": "Pass force=True if this really is a dedicated pip cache.",
    "force-native": "Remove the link, or pass force=True to clean the cache in-process without"
    " following it.",
    "timeout": "pass a larger timeout if it is just slow",
    "backend-native": "use backend='native' or 'auto', or upgrade pip",
    "install-pip": "install it with '{subject} -m ensurepip' or your system's package manager",
    "utf8-locale": "set LANG=C.UTF-8",
    "remeasure": "call info() (or survey()) to measure what is left",
    "cache-dir": "pass cache_dir='{subject}' to inspect or clean it anyway",
}


class PipCacheError(Exception):
    """Root of every error raised by :mod:`pipcache_ext`.

    :ivar interpreter: the interpreter the error concerns, when there is one.
    :ivar problem: what went wrong, without the remedy.
    :ivar remedy: what to do about it, when there is something to do (:class:`Remedy`).
    :ivar message: the whole message: the problem, then the remedy in the library's words.
    """

    def __init__(
        self,
        message: str,
        *,
        interpreter: Optional[Path] = None,
        remedy: Optional[Remedy] = None,
        joiner: str = " ",
    ) -> None:
        self.problem = message
        self.remedy = remedy
        if remedy is not None:
            message = f"{message}{joiner}{remedy.library_text()}"
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
    :ivar location: the :class:`~pipcache_ext.models.CacheLocation` (``disabled_by`` names the
        setting), when it is known.
    """

    def __init__(  # noqa: PLR0913 - every field is part of the error's contract
        self,
        message: str,
        *,
        reason: DisabledReason,
        cache_dir: Optional[Path] = None,
        interpreter: Optional[Path] = None,
        location: Optional[Any] = None,  # noqa: ANN401 - models.CacheLocation (models imports us)
        remedy: Optional[Remedy] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter, remedy=remedy)
        self.reason: DisabledReason = reason
        self.cache_dir = cache_dir
        self.location = location


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
        remedy: Optional[Remedy] = None,
        joiner: str = " ",
    ) -> None:
        super().__init__(message, interpreter=interpreter, remedy=remedy, joiner=joiner)
        self.argv: Tuple[str, ...] = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.pip_version = pip_version


class UnsupportedPipError(PipCommandError):
    """The pip has no ``cache`` command (pip < 20.1), and ``backend="pip"`` was asked."""


class DeletionUnconfirmedError(PipCommandError):
    """pip ran ``cache remove``/``purge`` but its outcome is unknown: it may have deleted files.

    Raised when pip printed a report this library cannot read after the deletion had started
    (and, as :class:`DeletionTimeoutError`, when it was killed by the timeout). The cache may then
    not be as it was: measure it again.
    """


class DeletionTimeoutError(DeletionUnconfirmedError, InterpreterError):
    """pip's ``remove``/``purge`` did not finish in time and was killed, part-way perhaps.

    Both a :class:`DeletionUnconfirmedError` and, like every timeout, an :class:`InterpreterError`.
    """


class ParseError(PipCacheError, ValueError):
    """pip printed something this library cannot read.

    :ivar pip_version: the version of the pip that printed it.
    :ivar text: the raw text.
    :ivar argv: the command line that printed it, when known.
    """

    def __init__(  # noqa: PLR0913 - every field is part of the error's contract
        self,
        message: str,
        *,
        text: str,
        pip_version: Optional[str] = None,
        argv: Sequence[str] = (),
        interpreter: Optional[Path] = None,
        remedy: Optional[Remedy] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter, remedy=remedy)
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

    Raised, for example, when the cache dir is a filesystem root or the user's home directory,
    or when a part of the cache pip would clean is a symbolic link, and ``force=True`` was not
    given.

    :ivar path: the path that made it unsafe (the cache dir, or a link inside it).
    :ivar target: where that link points, when it is a link.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Optional[Path] = None,
        target: Optional[Path] = None,
        interpreter: Optional[Path] = None,
        remedy: Optional[Remedy] = None,
    ) -> None:
        super().__init__(message, interpreter=interpreter, remedy=remedy)
        self.path = path
        self.target = target


class CacheBusyError(PipCacheError):
    """Another deletion by this library holds the cache dir's lock, and ``wait=False``.

    :ivar cache_dir: the cache dir that is being cleaned.
    """

    def __init__(
        self, message: str, *, cache_dir: Path, interpreter: Optional[Path] = None
    ) -> None:
        super().__init__(message, interpreter=interpreter)
        self.cache_dir = cache_dir
