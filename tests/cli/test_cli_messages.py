"""Errors in the command line's words: remedies as a user types them, pip's own error line."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, get_args

import pytest

from pipcache_ext import (
    InterpreterError,
    PipCacheError,
    PipCommandError,
    Remedy,
    UnsafeOperationError,
)
from pipcache_ext._cli.messages import cli_message, pip_error_line, remedy_text
from pipcache_ext.errors import RemedyAction


def _pip_error(stderr: str, message: str = "'pip cache purge' failed") -> PipCommandError:
    return PipCommandError(
        message, argv=("python", "-m", "pip"), returncode=2, stdout="", stderr=stderr
    )


@pytest.mark.parametrize(
    ("action", "cli_words", "library_words"),
    [
        ("force", "Pass --force if this really is a dedicated pip cache.", "force=True"),
        ("timeout", "pass a larger --timeout if it is just slow", "larger timeout"),
        ("backend-native", "use --backend native (or auto), or upgrade pip", "backend='native'"),
    ],
)
def test_a_remedy_is_rendered_in_the_clis_words(
    action: str, cli_words: str, library_words: str
) -> None:
    error = PipCacheError("Refusing to clean /c.", remedy=Remedy(action))  # type: ignore[arg-type]
    assert library_words in str(error)  # the library's words, for Python callers
    message = cli_message(error)
    assert message == f"Refusing to clean /c. {cli_words}"
    assert library_words not in message
    assert remedy_text(Remedy(action)) == cli_words  # type: ignore[arg-type]


def test_a_remedy_with_a_subject_names_it() -> None:
    error = PipCacheError("/v/bin/python has no pip;", remedy=Remedy("install-pip", "/v/bin/py"))
    assert cli_message(error).endswith("install it with '/v/bin/py -m ensurepip' or your system's"
                                       " package manager")  # fmt: skip


def test_a_wrapped_remedy_keeps_the_wrapping_problem() -> None:
    inner = InterpreterError(
        "python did not finish within 1 s", remedy=Remedy("timeout"), joiner="; "
    )
    outer = InterpreterError(f"cannot probe /x/python: {inner}", interpreter=Path("/x/python"))
    assert outer.remedy is None  # the wrapping raise site did not pass it on
    assert cli_message(outer) == (
        "cannot probe /x/python: python did not finish within 1 s;"
        " pass a larger --timeout if it is just slow"
    )


def test_without_a_remedy_the_message_is_the_librarys(tmp_path: Path) -> None:
    error = PipCacheError("something  odd\n happened", interpreter=tmp_path)
    assert cli_message(error) == f"{tmp_path}: something odd happened"
    assert cli_message(PipCacheError(f"{tmp_path} broke", interpreter=tmp_path)) == (
        f"{tmp_path} broke"
    )  # the interpreter named once


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        ("", None),
        ("ERROR: it broke\n", "it broke"),
        ("WARNING: careful\nERROR: first\nERROR: second\n\n", "second"),
        (
            (
                'ERROR: Exception:\nTraceback (most recent call last):\n  File "x.py", line 1\n'
                "PermissionError: [Errno 13] Permission denied: '/c/wheels/ab'\n"
            ),
            "PermissionError: [Errno 13] Permission denied: '/c/wheels/ab'",
        ),
        ("no prefix at all\nlast words\n", "last words"),
    ],
)
def test_pips_own_error_line(stderr: str, line: Optional[str]) -> None:
    assert pip_error_line(stderr) == line


def test_a_failed_pip_run_shows_pips_last_error_line() -> None:
    crash = (
        "ERROR: Exception:\nTraceback (most recent call last):\n"
        "OSError: [Errno 30] Read-only file system: '/c/http'\n"
    )
    message = cli_message(
        _pip_error(crash, "'pip cache purge' failed with exit code 2: Exception:")
    )
    assert message.endswith("; pip said: OSError: [Errno 30] Read-only file system: '/c/http'")
    said = cli_message(_pip_error("ERROR: it broke\n", "failed: it broke"))
    assert said == "failed: it broke"  # already in the message: not repeated


def test_every_remedy_has_the_clis_own_words() -> None:
    for action in get_args(RemedyAction):
        words = remedy_text(Remedy(action, "/v/bin/python"))
        assert words
        assert "force=True" not in words
        assert "backend='native'" not in words
        assert "larger timeout" not in words
        assert "info()" not in words


def test_a_link_pip_would_follow_asks_for_force_in_cli_words() -> None:
    error = UnsafeOperationError(
        "Refusing to let pip clean /c: /c/wheels is a symbolic link to /home/u.",
        path=Path("/c/wheels"),
        target=Path("/home/u"),
        remedy=Remedy("force-native"),
    )
    assert cli_message(error) == (
        "Refusing to let pip clean /c: /c/wheels is a symbolic link to /home/u. Remove the link,"
        " or pass --force to clean the cache in-process without following it."
    )
