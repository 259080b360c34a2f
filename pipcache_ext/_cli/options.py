"""The command line's grammar: the argparse parser and the options it yields, checked."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, Optional, Tuple, Union

import pipcache_ext

from .._patterns import validate_pattern
from ..api import PipCache
from ..errors import InvalidPatternError
from ..models import BackendChoice, Interpreter
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

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

PROG = "pipcache-ext"

#: What names one interpreter: a path as given, a discovered interpreter, or the running one.
Spec = Union[str, Interpreter, None]


class UsageError(Exception):
    """The command line asks for something that cannot be done as asked (exit 2)."""

    json_type = "UsageError"


class AbortError(Exception):
    """Nothing was done, for a reason the message gives (exit 1)."""

    json_type = "Aborted"


_EPILOG = """\
exit codes: 0 success; 1 the operation failed; 2 usage error; 3 partial (several interpreters:
some failed, others succeeded); 130 interrupted.

Options may come before or after the command. With --all, interpreters without pip are skipped
(listed, never counted as failures). --json prints one document (schema_version 1) on stdout."""


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command takes, before the command (``top``) or after it.

    After the command they default to ``SUPPRESS``, so an option given before it is kept; the
    repeatable ones collect into their own ``*_sub`` names and are joined in :func:`options_from`.
    """
    unset: Any = None if top else argparse.SUPPRESS
    sub = "" if top else "_sub"
    group = parser.add_argument_group("interpreters and output")
    group.add_argument(
        "--python",
        metavar="PATH",
        action="append",
        dest=f"python{sub}",
        default=unset,
        help="an interpreter or a virtual environment directory; repeatable"
        " (default: the running interpreter)",
    )
    group.add_argument(
        "--all",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="every interpreter discovery finds (plus any --python); one remove/purge per cache",
    )
    group.add_argument(
        "--backend",
        choices=("auto", "pip", "native"),
        default="auto" if top else argparse.SUPPRESS,
        help="who answers: pip's own 'cache' command, this library in-process, or auto"
        " (pip 20.1+: pip; older: native)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print one JSON document (schema_version 1) on stdout",
    )
    group.add_argument(
        "--timeout",
        type=_timeout,
        metavar="SECONDS",
        default=unset,
        help="seconds each child process may take (default: 60 for pip, 10 per discovery probe)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest=f"verbose{sub}",
        default=0 if top else argparse.SUPPRESS,
        help="log what runs (DEBUG, on stderr), name every removed file, show tracebacks",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        dest=f"quiet{sub}",
        default=0 if top else argparse.SUPPRESS,
        help="print only results and errors: no progress, notes, warnings or summaries",
    )


def _add_deletion(parser: argparse.ArgumentParser, *, confirms: bool) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would be deleted, delete nothing",
    )
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="do not ask for confirmation"
        + (" (a purge asks on a terminal)" if confirms else " (a remove '*' asks, as a purge)"),
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="clean a cache dir that is a filesystem root or a home directory (or contains one)",
    )


def parser() -> argparse.ArgumentParser:
    """The parser of ``pipcache-ext``'s command line."""
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Inspect and clean pip's cache, for any interpreter, any pip from 8 to 26.3.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {pipcache_ext.__version__}")
    _add_common(top, top=True)
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary, epilog=_EPILOG)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        _add_common(sub, top=False)
        return sub

    command("dir", "the cache directory each interpreter's pip uses")
    command("info", "sizes and counts of the HTTP files and locally built wheels, with bars")
    listing = command("list", "the locally built wheels, optionally those matching PATTERN")
    listing.add_argument(
        "pattern", nargs="?", metavar="PATTERN", help="pip's pattern: six, six-1.*"
    )
    listing.add_argument(
        "--format",
        choices=("human", "abspath"),
        default="human",
        help="abspath: one absolute path per line, as pip's --format=abspath",
    )
    remove = command("remove", "delete the locally built wheels matching PATTERN ('*' purges)")
    remove.add_argument("pattern", metavar="PATTERN", help="pip's pattern: six, six-1.16*, '*'")
    _add_deletion(remove, confirms=False)
    purge = command("purge", "delete every locally built wheel and HTTP file (pip's purge)")
    _add_deletion(purge, confirms=True)
    command("interpreters", "the interpreters discovery finds (and any --python)")
    command("survey", "every cache, once, with the interpreters using it (default: --all)")
    return top


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

    def pip_cache(self, spec: Spec) -> PipCache:
        """A :class:`PipCache` for ``spec`` with these options' backend and timeout."""
        if self.timeout is None:
            return PipCache(spec, backend=self.backend)
        return PipCache(spec, backend=self.backend, timeout=self.timeout)


def verbosity(args: argparse.Namespace) -> int:
    """How many ``-v`` were given, before and after the command."""
    return int(args.verbose) + int(getattr(args, "verbose_sub", 0))


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
    )
    if options.json and options.format == "abspath":
        raise UsageError("--format abspath and --json cannot be used together")
    if options.pattern is not None:
        try:
            validate_pattern(options.pattern)
        except InvalidPatternError as exc:
            raise UsageError(cli_message(exc)) from exc
    return options
