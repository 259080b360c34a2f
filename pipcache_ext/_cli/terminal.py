"""Where the command line's output goes: stdout, stderr, a progress line, the user's answer."""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Iterable, Optional, TextIO, Type

from ..errors import PipCacheError
from .messages import cli_message, hint
from .options import PROG, Options

__all__ = ["UI", "Progress", "isatty", "write"]


def isatty(stream: Optional[object]) -> bool:
    """Whether ``stream`` is a terminal (``False`` when closed, detached or not a stream)."""
    method = getattr(stream, "isatty", None)
    try:
        return bool(method()) if callable(method) else False
    except (OSError, ValueError):  # closed or detached
        return False


def write(stream: TextIO, text: str) -> None:
    """Write, replacing what the stream's encoding cannot hold (a path under LANG=C)."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


class Progress:
    """A status line on a terminal's stderr, redrawn while a long operation runs, then erased."""

    def __init__(self, stream: TextIO, text: str, *, enabled: bool) -> None:
        self._stream = stream
        self._text = text
        self._enabled = enabled
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._shown = ""

    def __enter__(self) -> Progress:  # noqa: PYI034 - typing.Self needs 3.11
        if self._enabled:
            self._draw()
            self._thread = threading.Thread(target=self._run, name="pipcache-ext-progress")
            self._thread.daemon = True
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        value: Optional[BaseException],
        trace: Optional[TracebackType],
    ) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            with self._lock:
                write(self._stream, "\r\x1b[K")
                self._stream.flush()

    def update(self, text: str) -> None:
        """Show ``text`` instead (the elapsed time stays)."""
        self._text = text
        if self._enabled:
            self._draw()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            elapsed = time.monotonic() - self._start
            line = f"{PROG}: {self._text} ({elapsed:.0f} s)"
            if line != self._shown:  # the seconds changed, or the text
                self._shown = line
                write(self._stream, f"\r\x1b[K{line}")
                self._stream.flush()


@dataclass
class UI:
    """Where output goes, and what the terminal allows."""

    out: TextIO
    err: TextIO
    stdin: Optional[TextIO]
    options: Options

    @property
    def ascii_only(self) -> bool:
        """Whether stdout cannot print the bars' block characters."""
        encoding = getattr(self.out, "encoding", None) or "ascii"
        try:
            "█▏".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return True
        return False

    @property
    def interactive(self) -> bool:
        """Whether someone at a terminal can answer a question."""
        return isatty(self.stdin)

    def show(self, lines: Iterable[str]) -> None:
        """Results, on stdout."""
        for line in lines:
            write(self.out, line + "\n")

    def error(self, message: str) -> None:
        """One error line on stderr."""
        write(self.err, f"{PROG}: error: {message}\n")

    def note(self, message: str) -> None:
        """One line on stderr, unless ``-q``."""
        if not self.options.quiet:
            write(self.err, f"{PROG}: {message}\n")

    def progress(self, text: str) -> Progress:
        """A progress line, shown only on a terminal, without ``-q`` or ``-v``."""
        enabled = (
            not self.options.quiet
            and not self.options.verbose  # log lines would tear the status line
            and isatty(self.err)
            and os.environ.get("TERM") != "dumb"
        )
        return Progress(self.err, text, enabled=enabled)

    def failure(self, exc: PipCacheError, interpreter: Optional[Path]) -> None:
        """One line naming the interpreter and what to do; the traceback first under ``-v``."""
        if self.options.verbose:
            write(self.err, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        suffix = "" if self.options.verbose else hint(exc)
        self.error(cli_message(exc, interpreter) + suffix)

    def ask(self, question: str) -> bool:
        """Ask on stderr; ``True`` only for an answer of ``y`` or ``yes``."""
        write(self.err, question)
        self.err.flush()
        try:
            answer = self.stdin.readline() if self.stdin is not None else ""
        except (OSError, ValueError):
            answer = ""
        return answer.strip().lower() in ("y", "yes")
