"""Errors in the command line's words: the problem, the remedy as a user types it, pip's line.

The library's errors carry a structured :class:`~pipcache_ext.errors.Remedy`; the library words
it for Python callers (``Pass force=True``), and this module words it for the command line
(``Pass --force``). Nothing here prints: every function returns text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional, Tuple

from .._pipcmd import last_error_line
from ..errors import (
    ParseError,
    PipCacheError,
    PipCommandError,
    Remedy,
    RemedyAction,
    UnsupportedPipError,
)

__all__ = ["cli_message", "hint", "pip_error_line", "remedy_text"]

#: Each remedy as a command-line user acts on it.
_CLI_WORDS: Dict[str, str] = {
    "force": "Pass --force if this really is a dedicated pip cache.",
    "force-native": "Remove the link, or pass --force to clean the cache in-process without"
    " following it.",
    "timeout": "pass a larger --timeout if it is just slow",
    "backend-native": "use --backend native (or auto), or upgrade pip",
    "install-pip": "install it with '{subject} -m ensurepip' or your system's package manager",
    "utf8-locale": "set LANG=C.UTF-8",
    "remeasure": "run 'pipcache-ext info' (or survey) to measure what is left",
    "cache-dir": "pass --cache-dir {subject} to inspect or clean it anyway",
}

# Remedies whose library words need no subject, so they can be recognised at the end of an
# error's message when the raise site (or an error that wraps another) gave no ``remedy=``.
_RECOGNISABLE: Tuple[RemedyAction, ...] = (
    "force",
    "force-native",
    "timeout",
    "backend-native",
    "utf8-locale",
    "remeasure",
)


def remedy_text(remedy: Remedy) -> str:
    """``remedy`` in the command line's words (the library's, for an action this CLI predates)."""
    words = _CLI_WORDS.get(remedy.action)
    return remedy.library_text() if words is None else words.format(subject=remedy.subject)


def _remedy_of(exc: PipCacheError, text: str) -> Optional[Remedy]:
    if exc.remedy is not None:
        return exc.remedy
    for action in _RECOGNISABLE:
        remedy = Remedy(action)
        if text.endswith(remedy.library_text()):
            return remedy
    return None


def _problem_and_remedy(exc: PipCacheError) -> str:
    """The message with its remedy (the library's words at its end) in the CLI's words."""
    text = str(exc)
    remedy = _remedy_of(exc, text)
    if remedy is None:
        return text
    library = remedy.library_text()
    if text.endswith(library):  # keeps the problem and its joiner, even when wrapped
        return text[: -len(library)] + remedy_text(remedy)
    return f"{exc.problem} {remedy_text(remedy)}"


def pip_error_line(stderr: str) -> Optional[str]:
    """The line of pip's stderr that says what went wrong, without ``ERROR:``; ``None`` if silent.

    pip ends a crash with ``ERROR: Exception:`` and a traceback, whose last line names the
    error; otherwise its last ``ERROR:`` line says it (see :func:`~._pipcmd.last_error_line`).
    """
    line = last_error_line(stderr)
    if line.startswith("ERROR:"):
        line = line[len("ERROR:") :].strip()
    return line or None


def _with_pip_line(exc: PipCacheError, message: str) -> str:
    if not isinstance(exc, PipCommandError) or isinstance(exc, UnsupportedPipError):
        return message
    said = pip_error_line(exc.stderr)
    if said is None or said in message:
        return message
    return f"{message.rstrip()}; pip said: {said}"


def hint(exc: PipCacheError) -> str:
    """What to do, for the errors whose message cannot say: pip failed in a way it explains."""
    if isinstance(exc, (PipCommandError, ParseError)) and not isinstance(exc, UnsupportedPipError):
        return " (run with -v to see what pip printed)"
    return ""


def cli_message(exc: PipCacheError, interpreter: Optional[Path] = None) -> str:
    """The error's message on one line, in command-line terms, naming the interpreter.

    :param interpreter: the interpreter the error is about, when the error does not say.
    """
    message = " ".join(_with_pip_line(exc, _problem_and_remedy(exc)).split())
    where = exc.interpreter if exc.interpreter is not None else interpreter
    if where is not None and os.fspath(where) not in message:
        message = f"{where}: {message}"
    return message
