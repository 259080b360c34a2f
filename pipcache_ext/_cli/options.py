"""The options the command line yields, checked (the grammar itself is :mod:`.grammar`)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from .._patterns import validate_pattern
from ..api import PipCache
from ..errors import InvalidPatternError
from ..models import BackendChoice, Interpreter
from .grammar import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    PROG,
    parser,
    verbosity,
)
from .messages import cli_message

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "PROG",
    "AbortError",
    "Options",
    "Spec",
    "UsageError",
    "options_from",
    "parser",
    "verbosity",
]

#: What names one interpreter: a path as given, a discovered interpreter, or the running one.
Spec = Union[str, Interpreter, None]


class UsageError(Exception):
    """The command line asks for something that cannot be done as asked (exit 2)."""

    json_type = "UsageError"


class AbortError(Exception):
    """Nothing was done, for a reason the message gives (exit 1)."""

    json_type = "Aborted"


@dataclass(frozen=True)
class Options:
    """What the command line asks for, after parsing and checking."""

    command: str
    pythons: Tuple[str, ...]
    all: bool
    backend: BackendChoice
    json: bool
    timeout: Optional[float]
    verbose: int
    quiet: bool
    pattern: Optional[str] = None
    format: str = "human"
    dry_run: bool = False
    yes: bool = False
    force: bool = False
    http: bool = False  # list --http
    projects: Tuple[str, ...] = ()  # clean PROJECT...
    version: Optional[str] = None  # clean --version V
    everything: bool = False  # purge --everything
    include_recent: bool = False  # purge/remove/clean --include-recent
    older_than: Optional[float] = None  # prune: seconds
    max_size: Optional[int] = None  # prune: bytes
    top: Optional[int] = None  # usage: rows shown
    cache_dir: Optional[str] = None  # --cache-dir PATH
    user: Optional[str] = None  # --user NAME
    explain: bool = False  # dir --explain
    all_users: bool = False  # survey --all-users
    paths: bool = False  # remove/purge/clean/prune --paths: every path in the JSON

    def pip_cache(self, spec: Spec) -> PipCache:
        """A :class:`PipCache` for ``spec`` with these options' backend, timeout and dir."""
        return PipCache(
            spec,
            backend=self.backend,
            timeout=self.timeout,
            cache_dir=self.cache_dir,
            user=self.user,
        )


def _check_named_dir(options: Options) -> None:
    """``--cache-dir`` names an existing directory, and comes without ``--user``."""
    if options.cache_dir is not None and options.user is not None:
        raise UsageError("--cache-dir and --user cannot be used together")
    if options.cache_dir is not None and not os.path.isdir(options.cache_dir):  # noqa: PTH112
        what = "does not exist" if not os.path.lexists(options.cache_dir) else "is not a directory"
        raise UsageError(f"--cache-dir {options.cache_dir}: {what}")


def options_from(args: argparse.Namespace) -> Options:
    """The options ``args`` asks for.

    :raises UsageError: they contradict each other, or the pattern can never match.
    """
    verbose = verbosity(args)
    quiet = args.quiet + getattr(args, "quiet_sub", 0)
    if verbose and quiet:
        raise UsageError("-v and -q cannot be used together")
    pythons = [*(args.python or ()), *getattr(args, "python_sub", ())]
    options = Options(
        command=args.command,
        pythons=tuple(pythons),
        all=args.all,
        backend=args.backend,
        json=args.json,
        timeout=args.timeout,
        verbose=verbose,
        quiet=bool(quiet),
        pattern=getattr(args, "pattern", None),
        format=getattr(args, "format", "human"),
        dry_run=getattr(args, "dry_run", False),
        yes=getattr(args, "yes", False),
        force=getattr(args, "force", False),
        http=getattr(args, "http", False),
        projects=tuple(getattr(args, "projects", None) or ()),
        version=getattr(args, "version", None),
        everything=getattr(args, "everything", False),
        include_recent=getattr(args, "include_recent", False),
        older_than=getattr(args, "older_than", None),
        max_size=getattr(args, "max_size", None),
        top=getattr(args, "top", None),
        cache_dir=getattr(args, "cache_dir_sub", None) or args.cache_dir,
        user=getattr(args, "user_sub", None) or args.user,
        explain=getattr(args, "explain", False),
        all_users=getattr(args, "all_users", False),
        paths=getattr(args, "paths", False),
    )
    _check_named_dir(options)
    if options.command == "prune" and options.older_than is None and options.max_size is None:
        raise UsageError("prune needs --older-than AGE, --max-size SIZE or both")
    if options.json and options.format == "abspath":
        raise UsageError("--format abspath and --json cannot be used together")
    if options.pattern is not None:
        try:
            validate_pattern(options.pattern)
        except InvalidPatternError as exc:
            raise UsageError(cli_message(exc)) from exc
    for project in options.projects:  # a name: no separator, control character or glob
        try:
            validate_pattern(project)
        except InvalidPatternError:
            raise UsageError(f"not a project name: {project!r}") from None
        if any(c in project for c in "*?[]"):
            raise UsageError(f"clean takes project names, not patterns: {project!r}")
    return options
