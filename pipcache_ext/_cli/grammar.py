"""The command line's grammar: the argparse parser, the program's name and exit codes.

Kept apart from :mod:`.options` and imported before anything else, so that ``--version``,
``-h`` and a usage error cost argparse and nothing of the library (not even :mod:`typing`).
"""

from __future__ import annotations

import argparse

import pipcache_ext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "PROG",
    "parser",
    "verbosity",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

PROG = "pipcache-ext"

_EPILOG = """\
exit codes: 0 success; 1 the operation failed; 2 usage error; 3 partial (several interpreters:
some failed, others succeeded); 130 interrupted.

Options may come before or after the command. With --all, interpreters without pip are skipped
(listed, never counted as failures). --json prints one document (schema_version 2) on stdout;
a removal's "removed" and "deleted" lists are null when longer than 1000 paths, unless --paths
or -v is given."""


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _units(parse: str) -> Any:  # noqa: ANN401 - an argparse type
    """An argparse type from one of :mod:`.units`' parsers (its message names the forms)."""

    def convert(text: str) -> Any:  # noqa: ANN401 - a float or an int
        from . import units  # noqa: PLC0415 - only when the option is given

        try:
            return getattr(units, parse)(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


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
        help="an interpreter, a virtual environment directory, a command on PATH (python3)"
        " or a version (3.12); repeatable (default: the running one, or the first with pip)",
    )
    group.add_argument(
        "--cache-dir",
        metavar="PATH",
        dest=f"cache_dir{sub}",
        default=unset,
        help="work on this cache dir, whatever pip's settings say (pip gets --cache-dir)",
    )
    group.add_argument(
        "--user",
        metavar="NAME",
        dest=f"user{sub}",
        default=unset,
        help="work on that account's default cache dir (another account's needs root)",
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
        help="print one JSON document (schema_version 2) on stdout",
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


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--paths",
        action="store_true",
        help="with --json: list every path removed, however many (default: up to 1000 per list)",
    )


def _add_include_recent(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-recent",
        action="store_true",
        help="also delete the entries modified in the last five minutes, which a running"
        " pip install may be writing or about to install (left by default; with --backend pip"
        " pip's own command deletes them anyway)",
    )


def _add_deletion(parser: argparse.ArgumentParser, *, confirms: bool) -> None:
    _add_paths(parser)
    _add_include_recent(parser)
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

    where = command("dir", "the cache directory each interpreter's pip uses")
    where.add_argument(
        "--explain", action="store_true", help="say why: the variable, config file or default"
    )
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
    listing.add_argument(
        "--http",
        action="store_true",
        help="the HTTP cache instead: every download, metadata file, redirect and index page,"
        " named by project (PATTERN is then a project name, any spelling)",
    )
    remove = command("remove", "delete the locally built wheels matching PATTERN ('*' purges)")
    remove.add_argument("pattern", metavar="PATTERN", help="pip's pattern: six, six-1.16*, '*'")
    _add_deletion(remove, confirms=False)
    purge = command("purge", "delete every locally built wheel and HTTP file (pip's purge)")
    _add_deletion(purge, confirms=True)
    purge.add_argument(
        "--everything",
        action="store_true",
        help="then also remove, in-process, what the pip's purge leaves: http-v2/ for pips"
        " before 23.3, origin.json files and empty directories before 26.0",
    )
    clean = command(
        "clean", "delete everything cached for PROJECT: its wheels, downloads, metadata files,"
        " redirects and index pages (like uv cache clean)",
    )  # fmt: skip
    clean.add_argument(
        "projects", nargs="+", metavar="PROJECT", help="a project name, any spelling"
    )
    clean.add_argument("--version", metavar="V", help="only this version (index pages stay)")
    _add_paths(clean)
    _add_include_recent(clean)
    clean.add_argument(
        "--dry-run", action="store_true", help="report what would go, delete nothing"
    )
    clean.add_argument(
        "--force", action="store_true",
        help="clean a cache dir that is a filesystem root or a home directory (or contains one)",
    )  # fmt: skip
    prune = command(
        "prune", "delete whole entries by last use: older than AGE, then the least recently used"
        " until at most SIZE is left",
    )  # fmt: skip
    prune.add_argument(
        "--older-than", type=_units("parse_duration"), metavar="AGE",
        help="entries last used longer ago than AGE: 30d, 2w, 12h, 45m, 90s",
    )  # fmt: skip
    prune.add_argument(
        "--max-size", type=_units("parse_size"), metavar="SIZE",
        help="then the least recently used until at most SIZE is left: 1GB, 500MB (powers of"
        " 1000), 2GiB (powers of 1024), or bytes",
    )  # fmt: skip
    _add_paths(prune)
    prune.add_argument(
        "--dry-run", action="store_true", help="report what would go, delete nothing"
    )
    prune.add_argument(
        "--force", action="store_true",
        help="clean a cache dir that is a filesystem root or a home directory (or contains one)",
    )  # fmt: skip
    usage = command("usage", "what each project takes in the cache, biggest first, with bars")
    usage.add_argument("--top", type=_count, metavar="N", help="only the N biggest projects")
    command("interpreters", "the interpreters discovery finds (and any --python)")
    surveyed = command(
        "survey", "every cache, once, with the interpreters using it (default: --all)"
    )
    surveyed.add_argument(
        "--all-users", action="store_true", help="also every account's default cache dir"
    )
    return top


def verbosity(args: argparse.Namespace) -> int:
    """How many ``-v`` were given, before and after the command."""
    return int(args.verbose) + int(getattr(args, "verbose_sub", 0))
