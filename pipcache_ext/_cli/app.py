"""``main``: parse, run one command, and turn every failure into its exit code and one line.

This is the only place of the package that configures logging (under ``-v``, for one call).
"""

from __future__ import annotations

import contextlib
import os
import sys

from .grammar import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, PROG, parser, verbosity

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Callable, Iterator, Optional, Sequence, TextIO, Union

    from .terminal import UI

__all__ = ["main"]

# command -> (module, function): a command's module (and what it imports: discovery, survey,
# the text tables) is imported only when that command runs.
_COMMANDS = {
    "dir": ("query", "cmd_dir"),
    "info": ("query", "cmd_info"),
    "list": ("query", "cmd_list"),
    "remove": ("delete", "cmd_delete"),
    "purge": ("delete", "cmd_delete"),
    "prune": ("delete", "cmd_delete"),
    "clean": ("delete", "cmd_delete"),
    "usage": ("housekeeping", "cmd_usage"),
    "interpreters": ("inventory", "cmd_interpreters"),
    "survey": ("inventory", "cmd_survey"),
}


def command(name: str) -> Callable[[UI], int]:
    """The function that runs the command ``name``, its module imported on first use."""
    from importlib import import_module  # noqa: PLC0415 - start-up imports only the grammar

    module, function = _COMMANDS[name]
    found: Callable[[UI], int] = getattr(import_module(f".{module}", __package__), function)
    return found


def _parse(argv: Optional[Sequence[str]], err: TextIO) -> Union[argparse.Namespace, int]:
    try:
        return parser().parse_args(argv)
    except SystemExit as exc:  # -h, --version, or a usage error argparse already printed
        err.flush()
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``).

    :returns: the exit code: 0 success, 1 failure, 2 usage error, 3 partial, 130 interrupted.
    """
    out, err = sys.stdout, sys.stderr
    args = _parse(argv, err)
    if isinstance(args, int):
        return args
    verbose = bool(verbosity(args))
    with _debug_log(err, enabled=verbose):
        return _run(args, out, err, verbose=verbose)


@contextlib.contextmanager
def _debug_log(err: TextIO, *, enabled: bool) -> Iterator[None]:
    """Under ``-v``: the library's DEBUG records on stderr, for this call only."""
    if not enabled:
        yield
        return
    import logging  # noqa: PLC0415 - only under -v

    logger = logging.getLogger("pipcache_ext")
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, *, verbose: bool) -> int:
    """Run the parsed command; every failure becomes its exit code and one line on stderr."""
    # The library is imported only once the command line has been parsed.
    from . import documents  # noqa: PLC0415
    from .options import AbortError, UsageError, options_from  # noqa: PLC0415
    from .terminal import UI, write  # noqa: PLC0415

    as_json = bool(args.json)
    try:
        options = options_from(args)
        ui = UI(out, err, sys.stdin, options)
        return command(options.command)(ui)
    except (UsageError, AbortError) as exc:
        code = EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED
        write(err, f"{PROG}: error: {exc}\n")
        if as_json:
            documents.emit(
                out, documents.failed_document(args.command, code, exc.json_type, str(exc))
            )
        return code
    except KeyboardInterrupt:
        write(err, f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (| head): say nothing more on stdout
        _silence(out)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback under -v
        if verbose:
            import traceback  # noqa: PLC0415 - only for a bug

            write(err, traceback.format_exc())
        message = f"{type(exc).__name__}: {exc}"
        hint = "" if verbose else " (run with -v for the traceback)"
        write(err, f"{PROG}: internal error: {message}{hint}\n")
        if as_json:
            document = documents.failed_document(
                args.command, EXIT_FAILED, "InternalError", message
            )
            documents.emit(out, document)
        return EXIT_FAILED


def _silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null, so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass
