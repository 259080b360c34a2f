"""``pipcache-ext``: pip's ``cache`` verbs for any interpreter, for people and for scripts.

Run as ``pipcache-ext`` or ``python -m pipcache_ext``; both call :func:`main`. This is the only
module of the package that prints or configures logging. Formatting lives in ``_cli_output``.

Exit codes: 0 success; 1 the operation failed; 2 usage error; 3 partial (with several
interpreters, some failed and others succeeded); 130 interrupted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    TextIO,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

import pipcache_ext

from . import _cli_output as fmt
from ._patterns import validate_pattern
from ._pipversions import PipVersion, parse_pip_version
from .api import PipCache
from .errors import InterpreterError, InvalidPatternError, PipCacheError, PipNotFoundError
from .models import BackendChoice, CachedWheel, CacheInfo, CacheReport, Interpreter, RemovalResult

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

_PROG = "pipcache-ext"
_WORKERS = 8  # pip processes run at once over several interpreters (they wait on disk and CPU)
_EXPLICIT = "explicit"  # the discovery source of paths given with --python

T = TypeVar("T")
Spec = Union[str, Interpreter, None]


class _UsageError(Exception):
    """The command line asks for something that cannot be done as asked (exit 2)."""

    json_type = "UsageError"


class _AbortError(Exception):
    """Nothing was done, for a reason the message gives (exit 1)."""

    json_type = "Aborted"


# -- the command line --------------------------------------------------------------------------

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
    repeatable ones collect into their own ``*_sub`` names and are joined in :func:`_options`.
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Inspect and clean pip's cache, for any interpreter, any pip from 8 to 26.3.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {pipcache_ext.__version__}"
    )
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

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
    return parser


@dataclass(frozen=True)
class _Options:
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
        if self.timeout is None:
            return PipCache(spec, backend=self.backend)
        return PipCache(spec, backend=self.backend, timeout=self.timeout)


def _options(args: argparse.Namespace) -> _Options:
    verbose = args.verbose + getattr(args, "verbose_sub", 0)
    quiet = args.quiet + getattr(args, "quiet_sub", 0)
    if verbose and quiet:
        raise _UsageError("-v and -q cannot be used together")
    pythons = [*(args.python or ()), *getattr(args, "python_sub", ())]
    options = _Options(
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
        raise _UsageError("--format abspath and --json cannot be used together")
    if options.pattern is not None:
        try:
            validate_pattern(options.pattern)
        except InvalidPatternError as exc:
            raise _UsageError(fmt.cli_message(exc)) from exc
    return options


# -- the terminal ------------------------------------------------------------------------------


def _isatty(stream: Optional[object]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # closed or detached
        return False


def _write(stream: TextIO, text: str) -> None:
    """Write, replacing what the stream's encoding cannot hold (a path under LANG=C)."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


class _Progress:
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

    def __enter__(self) -> _Progress:  # noqa: PYI034 - typing.Self needs 3.11
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
                _write(self._stream, "\r\x1b[K")
                self._stream.flush()

    def update(self, text: str) -> None:
        self._text = text
        if self._enabled:
            self._draw()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            elapsed = time.monotonic() - self._start
            line = f"{_PROG}: {self._text} ({elapsed:.0f} s)"
            if line != self._shown:  # the seconds changed, or the text
                self._shown = line
                _write(self._stream, f"\r\x1b[K{line}")
                self._stream.flush()


@dataclass
class _UI:
    """Where output goes, and what the terminal allows."""

    out: TextIO
    err: TextIO
    stdin: Optional[TextIO]
    options: _Options

    @property
    def ascii_only(self) -> bool:
        encoding = getattr(self.out, "encoding", None) or "ascii"
        try:
            "█▏".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return True
        return False

    @property
    def interactive(self) -> bool:
        return _isatty(self.stdin)

    def show(self, lines: Iterable[str]) -> None:
        for line in lines:
            _write(self.out, line + "\n")

    def error(self, message: str) -> None:
        _write(self.err, f"{_PROG}: error: {message}\n")

    def note(self, message: str) -> None:
        if not self.options.quiet:
            _write(self.err, f"{_PROG}: {message}\n")

    def progress(self, text: str) -> _Progress:
        enabled = (
            not self.options.quiet
            and not self.options.verbose  # log lines would tear the status line
            and _isatty(self.err)
            and os.environ.get("TERM") != "dumb"
        )
        return _Progress(self.err, text, enabled=enabled)

    def failure(self, exc: PipCacheError, interpreter: Optional[Path]) -> None:
        """One line naming the interpreter and what to do; the traceback first under ``-v``."""
        if self.options.verbose:
            _write(self.err, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        hint = "" if self.options.verbose else fmt.hint(exc)
        self.error(fmt.cli_message(exc, interpreter) + hint)


# -- running over interpreters -----------------------------------------------------------------


@dataclass
class _Done(Generic[T]):
    """What one interpreter answered: a value, or the error it raised."""

    given: str
    interpreter: Optional[Interpreter] = None
    value: Optional[T] = None
    error: Optional[PipCacheError] = None
    cache: Optional[PipCache] = None

    @property
    def where(self) -> Optional[Path]:
        if self.interpreter is not None:
            return self.interpreter.path
        return Path(self.given) if self.given else None


def _given(spec: Spec) -> str:
    if isinstance(spec, Interpreter):
        return os.fspath(spec.path)
    return "" if spec is None else spec


def _attempt(options: _Options, spec: Spec, action: Callable[[PipCache], T]) -> _Done[T]:
    cache = options.pip_cache(spec)
    try:
        interpreter = cache.interpreter
    except PipCacheError as exc:
        return _Done(_given(spec), error=exc, cache=cache)
    try:
        return _Done(_given(spec), interpreter, action(cache), cache=cache)
    except PipCacheError as exc:
        return _Done(_given(spec), interpreter, error=exc, cache=cache)


def _run_each(
    ui: _UI, specs: Sequence[Spec], action: Callable[[PipCache], T], label: str
) -> List[_Done[T]]:
    """``action`` for each interpreter, several at once, in the order given."""
    if len(specs) <= 1:
        return [_attempt(ui.options, spec, action) for spec in specs]
    results: Dict[int, _Done[T]] = {}
    with ui.progress(f"{label}: 0/{len(specs)} interpreters") as progress:
        workers = min(_WORKERS, len(specs))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(_attempt, ui.options, spec, action): index
                for index, spec in enumerate(specs)
            }
            for count, future in enumerate(concurrent.futures.as_completed(futures), 1):
                results[futures[future]] = future.result()
                progress.update(f"{label}: {count}/{len(specs)} interpreters")
    return [results[index] for index in range(len(specs))]


@dataclass
class _Found:
    """What discovery found: interpreters, explicit paths it could not use, other candidates."""

    interpreters: List[Interpreter]
    failed: List[_Done[Any]]
    skipped: List[Any]  # DiscoveryFailure
    sources: List[str]


def _discover(ui: _UI) -> _Found:
    run_discovery = getattr(pipcache_ext, "run_discovery", None)
    if run_discovery is None:
        raise _AbortError(
            "interpreter discovery is not available in this pipcache_ext; name interpreters"
            " with --python instead of --all"
        )
    options = ui.options
    kwargs: Dict[str, Any] = {"extra_paths": options.pythons}
    if options.timeout is not None:
        kwargs["timeout"] = options.timeout
    with ui.progress("discovering interpreters"):
        result = run_discovery(**kwargs)
    found = _Found(list(result.interpreters), [], [], list(result.sources))
    for failure in result.failures:
        if _EXPLICIT in failure.sources:  # a --python path: the user asked for it, so it failed
            error = InterpreterError(
                f"{failure.path}: {failure.reason}", interpreter=Path(failure.path)
            )
            found.failed.append(_Done(os.fspath(failure.path), error=error))
        else:
            found.skipped.append(failure)
    return found


@dataclass
class _Targets:
    specs: List[Spec]
    failed: List[_Done[Any]]
    discovered: bool

    @property
    def several(self) -> bool:
        return self.discovered or len(self.specs) + len(self.failed) > 1


def _targets(ui: _UI) -> _Targets:
    options = ui.options
    if not options.all:
        return _Targets(list(options.pythons) or [None], [], discovered=False)
    found = _discover(ui)
    if not found.interpreters and not found.failed:
        raise _AbortError("discovery found no Python interpreter on this machine")
    return _Targets(list(found.interpreters), found.failed, discovered=True)


def _skipped(error: Optional[PipCacheError], discovered: bool) -> bool:
    """An interpreter without pip is skipped when it was discovered, not named."""
    return discovered and isinstance(error, PipNotFoundError)


def _exit_code(errors: Sequence[Optional[PipCacheError]], *, discovered: bool) -> int:
    failed = [e for e in errors if e is not None and not _skipped(e, discovered)]
    succeeded = sum(e is None for e in errors)
    if not failed:
        return EXIT_OK if succeeded or not errors else EXIT_FAILED
    return EXIT_PARTIAL if succeeded else EXIT_FAILED


def _report(ui: _UI, done: Sequence[_Done[Any]], *, discovered: bool) -> None:
    """Each failure on one line; interpreters skipped for having no pip in one note."""
    skipped = [d for d in done if _skipped(d.error, discovered)]
    for item in done:
        if item.error is not None and item not in skipped:
            ui.failure(item.error, item.where)
    if skipped:
        paths = ", ".join(str(d.where) for d in skipped)
        ui.note(f"skipped {len(skipped)} interpreter(s) without pip: {paths}")


def _no_pip_left(done: Sequence[_Done[Any]], discovered: bool) -> bool:
    return discovered and bool(done) and all(_skipped(d.error, discovered) for d in done)


# -- JSON --------------------------------------------------------------------------------------


def _document(
    options: _Options,
    exit_code: int,
    results: List[Any],
    **extra: Any,  # noqa: ANN401 - JSON values
) -> Dict[str, Any]:
    """The document of a call that ran: each entry of ``results`` carries its own error."""
    return {
        "schema_version": fmt.SCHEMA_VERSION,
        "command": options.command,
        "exit_code": exit_code,
        "error": None,
        "results": results,
        **extra,
    }


def _emit(out: TextIO, document: Dict[str, Any]) -> None:
    """One JSON document; escaped to ASCII when stdout cannot hold it (undecodable path bytes)."""
    try:
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except UnicodeEncodeError:
        out.write(json.dumps(document, indent=2, ensure_ascii=True) + "\n")


def _error_json(error: Optional[PipCacheError], where: Optional[Path]) -> Optional[Dict[str, Any]]:
    return None if error is None else fmt.error_json(error, where)


def _interpreter_entry(item: _Done[Any], key: str) -> Dict[str, Any]:
    return {
        "interpreter": fmt.to_json(item.interpreter),
        key: fmt.to_json(item.value) if item.error is None else None,
        "error": _error_json(item.error, item.where),
    }


# -- dir, info, list: one answer per interpreter -----------------------------------------------


def _per_interpreter(
    ui: _UI,
    action: Callable[[PipCache], T],
    key: str,
    label: str,
    human: Callable[[List[_Done[T]], _Targets], None],
) -> int:
    targets = _targets(ui)
    done: List[_Done[T]] = _run_each(ui, targets.specs, action, label)
    done += targets.failed
    code = _exit_code([d.error for d in done], discovered=targets.discovered)
    if ui.options.json:
        _emit(ui.out, _document(ui.options, code, [_interpreter_entry(d, key) for d in done]))
    else:
        human(done, targets)
    _report(ui, done, discovered=targets.discovered)
    if _no_pip_left(done, targets.discovered):
        ui.error("no discovered interpreter has pip")
    return code


def _sections(ui: _UI, done: Sequence[_Done[T]], lines: Callable[[T], List[str]]) -> None:
    """Each interpreter's answer under a header naming it (with several interpreters)."""
    shown = [d for d in done if d.error is None and d.interpreter is not None]
    for index, item in enumerate(shown):
        assert item.interpreter is not None  # noqa: S101 - filtered above
        if index:
            ui.show([""])
        ui.show([f"== {fmt.describe(item.interpreter)}"])
        ui.show(lines(cast("T", item.value)))


def _cmd_dir(ui: _UI) -> int:
    def human(done: List[_Done[Path]], targets: _Targets) -> None:
        if not targets.several:
            ui.show(str(d.value) for d in done if d.error is None)
            return
        rows: List[Tuple[Optional[Interpreter], str, str]] = []
        for item in done:
            if item.error is None:
                where = str(item.value)
            elif _skipped(item.error, targets.discovered):
                where = "(no pip)"
            else:
                where = f"(failed: {type(item.error).__name__})"
            rows.append((item.interpreter, item.given, where))
        ui.show(fmt.dir_table(rows))

    return _per_interpreter(
        ui, lambda cache: cache.dir(), "cache_dir", "asking for cache dirs", human
    )


def _cmd_info(ui: _UI) -> int:
    def lines(info: CacheInfo) -> List[str]:
        return fmt.info_lines(info, ascii_only=ui.ascii_only)

    def human(done: List[_Done[CacheInfo]], targets: _Targets) -> None:
        if targets.several:
            _sections(ui, done, lines)
        else:
            for item in done:
                if item.value is not None:
                    ui.show(lines(item.value))

    return _per_interpreter(ui, lambda cache: cache.info(), "info", "measuring caches", human)


def _abspaths(cache: PipCache, pattern: Optional[str]) -> List[CachedWheel]:
    wheels = cache.list(pattern)
    if any(wheel.path is None for wheel in wheels):
        interpreter = cache.interpreter
        raise PipCacheError(
            f"pip {interpreter.pip_version} of {interpreter.path} lists no paths (pip 20.1-20.2"
            " has no --format=abspath); use --backend native, or upgrade pip",
            interpreter=interpreter.path,
        )
    return wheels


def _cmd_list(ui: _UI) -> int:
    pattern = ui.options.pattern
    abspath = ui.options.format == "abspath"

    def human(done: List[_Done[List[CachedWheel]]], targets: _Targets) -> None:
        if abspath:  # for scripts: paths only, each once (interpreters may share a cache)
            seen: Dict[str, None] = {}
            for item in done:
                for wheel in item.value or ():
                    seen.setdefault(str(wheel.path))
            ui.show(seen)
        elif targets.several:
            _sections(ui, done, fmt.list_lines)
        else:
            for item in done:
                if item.value is not None:
                    ui.show(fmt.list_lines(item.value))

    def action(cache: PipCache) -> List[CachedWheel]:
        return _abspaths(cache, pattern) if abspath else cache.list(pattern)

    return _per_interpreter(ui, action, "wheels", "listing wheels", human)


# -- remove, purge: one run per cache dir ------------------------------------------------------


@dataclass
class _Group:
    """Interpreters whose pip uses one cache dir; the newest pip of them acts on it."""

    cache_dir: Path
    members: List[_Done[Path]]
    result: Optional[RemovalResult] = None
    error: Optional[PipCacheError] = None
    interpreters: List[Interpreter] = field(default_factory=list)

    @property
    def runner(self) -> _Done[Path]:
        def newest(item: _Done[Path]) -> PipVersion:
            version = item.interpreter.pip_version if item.interpreter is not None else None
            return (parse_pip_version(version) if version else None) or PipVersion(0, 0)

        # max() keeps the first of equals: the order interpreters were given or discovered in
        return max(self.members, key=newest)


def _group(dirs: Sequence[_Done[Path]]) -> Tuple[List[_Group], List[_Done[Path]]]:
    """Group interpreters by the cache dir their pip reports (symlinks resolved)."""
    groups: Dict[str, _Group] = {}
    failed: List[_Done[Path]] = []
    for item in dirs:
        if item.error is not None or item.value is None:
            failed.append(item)
            continue
        key = os.path.realpath(item.value)
        group = groups.setdefault(key, _Group(item.value, []))
        group.members.append(item)
        if item.interpreter is not None:
            group.interpreters.append(item.interpreter)
    return list(groups.values()), failed


def _used_by(group: _Group) -> str:
    return ", ".join(str(i.path) for i in group.interpreters)


def _confirm(ui: _UI, groups: Sequence[_Group]) -> bool:
    lines = ["This deletes every locally built wheel and HTTP file in:"]
    lines += [f"  {group.cache_dir}  (used by {_used_by(group)})" for group in groups]
    _write(ui.err, "\n".join(lines) + "\nProceed? [y/N] ")
    ui.err.flush()
    try:
        answer = ui.stdin.readline() if ui.stdin is not None else ""
    except (OSError, ValueError):
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _cmd_delete(ui: _UI) -> int:  # noqa: C901, PLR0912 - one flow, told in order
    options = ui.options
    purge = options.command == "purge" or options.pattern == "*"  # pip: remove '*' purges
    confirm = purge and not options.dry_run and not options.yes
    if confirm and not ui.interactive:
        if options.all:
            raise _UsageError(
                "refusing to purge every discovered interpreter's cache without --yes: stdin is"
                " not a terminal, so nobody can confirm. Add --yes, or --dry-run to see what"
                " would go"
            )
        confirm = False
    targets = _targets(ui)
    dirs: List[_Done[Path]] = _run_each(ui, targets.specs, lambda c: c.dir(), "finding cache dirs")
    groups, failed = _group(dirs)
    failed += targets.failed
    if confirm and groups and not _confirm(ui, groups):
        raise _AbortError("nothing was deleted: not confirmed")

    verb = "checking" if options.dry_run else "purging" if purge else "removing"
    with ui.progress(f"{verb} {len(groups)} cache(s)") as progress:
        for index, group in enumerate(groups, 1):
            progress.update(f"{verb} cache {index}/{len(groups)}: {group.cache_dir}")
            cache = group.runner.cache
            assert cache is not None  # noqa: S101 - every _Done from _run_each has its PipCache
            try:
                if options.command == "purge":
                    group.result = cache.purge(dry_run=options.dry_run, force=options.force)
                else:
                    assert options.pattern is not None  # noqa: S101 - required by argparse
                    group.result = cache.remove(
                        options.pattern, dry_run=options.dry_run, force=options.force
                    )
            except PipCacheError as exc:
                group.error = exc

    errors = [g.error for g in groups] + [d.error for d in failed]
    code = _exit_code(errors, discovered=targets.discovered)
    if options.json:
        entries = [
            {
                "cache_dir": os.fspath(group.cache_dir),
                "interpreters": fmt.to_json(group.interpreters),
                "run_by": os.fspath(group.runner.where or ""),
                "removal": fmt.to_json(group.result),
                "error": _error_json(group.error, group.runner.where),
            }
            for group in groups
        ]
        entries += [
            {
                "cache_dir": None,
                "interpreters": fmt.to_json([d.interpreter] if d.interpreter else []),
                "run_by": None,
                "removal": None,
                "error": _error_json(d.error, d.where),
            }
            for d in failed
        ]
        _emit(ui.out, _document(options, code, entries))
    elif not options.quiet:
        shown = [g for g in groups if g.result is not None]
        for index, group in enumerate(shown):
            assert group.result is not None  # noqa: S101 - filtered above
            if targets.several:
                runner = group.runner.interpreter
                by = f"pip {runner.pip_version} of {runner.path}" if runner else "?"
                ui.show(
                    [""] * bool(index)
                    + [f"== {group.cache_dir} (used by {_used_by(group)}; run by {by})"]
                )
            ui.show(fmt.removal_lines(group.result, every_file=bool(options.verbose)))
    for group in groups:
        if group.result is not None:
            for warning in group.result.warnings:
                ui.note(f"warning: {warning}")
        if group.error is not None:
            ui.failure(group.error, group.runner.where)
    _report(ui, failed, discovered=targets.discovered)
    if _no_pip_left(failed, targets.discovered) and not groups:
        ui.error("no discovered interpreter has pip")
    return code


# -- survey, interpreters ----------------------------------------------------------------------


def _survey_reports(ui: _UI, interpreters: List[Interpreter]) -> List[CacheReport]:
    survey = getattr(pipcache_ext, "survey", None)
    if survey is None:  # pipcache_ext.survey arrives with its own change
        raise _AbortError("survey is not available in this pipcache_ext")
    kwargs: Dict[str, Any] = {"backend": ui.options.backend}
    if ui.options.timeout is not None:
        kwargs["timeout"] = ui.options.timeout
    with ui.progress(f"surveying {len(interpreters)} interpreters"):
        return list(survey(interpreters, **kwargs))


def _report_where(report: CacheReport) -> Optional[Path]:
    if report.error is not None and report.error.interpreter is not None:
        return report.error.interpreter
    return report.interpreters[0].path if report.interpreters else None


def _cmd_survey(ui: _UI) -> int:
    options = ui.options
    discovered = options.all or not options.pythons
    if discovered:
        found = _discover(ui)
        interpreters, failed = found.interpreters, found.failed
    else:
        probes = _run_each(ui, list(options.pythons), lambda c: c.interpreter, "probing")
        interpreters = [p.value for p in probes if p.value is not None]
        failed = [p for p in probes if p.error is not None]
    reports = _survey_reports(ui, interpreters) if interpreters else []
    reports += [CacheReport(None, (), None, d.error) for d in failed]
    code = _exit_code([r.error for r in reports], discovered=discovered)
    if not reports:
        code = EXIT_FAILED
    if options.json:
        entries = [
            {
                "cache_dir": fmt.to_json(report.cache_dir),
                "interpreters": fmt.to_json(report.interpreters),
                "info": fmt.to_json(report.info),
                "error": _error_json(report.error, _report_where(report)),
            }
            for report in reports
        ]
        _emit(ui.out, _document(options, code, entries))
    no_pip = [r for r in reports if _skipped(r.error, discovered)]
    if not options.json:
        shown = [r for r in reports if r not in no_pip]
        if shown:
            ui.show(fmt.survey_lines(shown, ascii_only=ui.ascii_only))
    for report in reports:
        if report.error is not None and report not in no_pip:
            ui.failure(report.error, _report_where(report))
    if no_pip:
        paths = [str(i.path) for r in no_pip for i in r.interpreters] or [
            str(_report_where(r)) for r in no_pip
        ]
        ui.note(f"skipped {len(paths)} interpreter(s) without pip: {', '.join(paths)}")
    if not reports:
        ui.error("no interpreter to survey")
    return code


def _cmd_interpreters(ui: _UI) -> int:
    options = ui.options
    found = _discover(ui)
    errors: List[Optional[PipCacheError]] = [None] * len(found.interpreters)
    errors += [d.error for d in found.failed]
    code = _exit_code(errors, discovered=False) if errors else EXIT_FAILED
    if options.json:
        results = [{"interpreter": fmt.to_json(i), "error": None} for i in found.interpreters]
        results += [
            {"interpreter": None, "error": _error_json(d.error, d.where)} for d in found.failed
        ]
        failures = [
            {"path": os.fspath(f.path), "reason": f.reason, "sources": list(f.sources)}
            for f in found.skipped
        ]
        _emit(ui.out, _document(options, code, results, failures=failures, sources=found.sources))
    elif found.interpreters:
        ui.show(fmt.interpreters_table(found.interpreters, aliases=bool(options.verbose)))
    for item in found.failed:
        assert item.error is not None  # noqa: S101 - failures only
        ui.failure(item.error, item.where)
    if found.skipped:
        if options.verbose:
            for failure in found.skipped:
                ui.note(f"not used: {failure.path}: {failure.reason}")
        else:
            ui.note(f"{len(found.skipped)} other candidate(s) could not be used (-v lists them)")
    if not found.interpreters and not found.failed:
        ui.error("discovery found no Python interpreter on this machine")
    return code


_COMMANDS: Dict[str, Callable[[_UI], int]] = {
    "dir": _cmd_dir,
    "info": _cmd_info,
    "list": _cmd_list,
    "remove": _cmd_delete,
    "purge": _cmd_delete,
    "interpreters": _cmd_interpreters,
    "survey": _cmd_survey,
}


# -- main --------------------------------------------------------------------------------------


def _parse(argv: Optional[Sequence[str]], err: TextIO) -> Union[argparse.Namespace, int]:
    try:
        return _parser().parse_args(argv)
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
    verbose = args.verbose + getattr(args, "verbose_sub", 0)
    with _debug_log(err, enabled=bool(verbose)):
        return _run(args, out, err, verbose=bool(verbose))


@contextlib.contextmanager
def _debug_log(err: TextIO, *, enabled: bool) -> Iterator[None]:
    """Under ``-v``: the library's DEBUG records on stderr, for this call only."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("pipcache_ext")
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter(f"{_PROG}: %(levelname)s: %(message)s"))
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
    as_json = bool(args.json)
    try:
        options = _options(args)
        ui = _UI(out, err, sys.stdin, options)
        return _COMMANDS[options.command](ui)
    except (_UsageError, _AbortError) as exc:
        code = EXIT_USAGE if isinstance(exc, _UsageError) else EXIT_FAILED
        _write(err, f"{_PROG}: error: {exc}\n")
        if as_json:
            _emit(out, _failed_document(args.command, code, exc.json_type, str(exc)))
        return code
    except KeyboardInterrupt:
        _write(err, f"\n{_PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (| head): say nothing more on stdout
        _silence(out)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback under -v
        if verbose:
            _write(err, traceback.format_exc())
        message = f"{type(exc).__name__}: {exc}"
        hint = "" if verbose else " (run with -v for the traceback)"
        _write(err, f"{_PROG}: internal error: {message}{hint}\n")
        if as_json:
            _emit(out, _failed_document(args.command, EXIT_FAILED, "InternalError", message))
        return EXIT_FAILED


def _failed_document(command: str, code: int, kind: str, message: str) -> Dict[str, Any]:
    """The document of a call that ran for no interpreter: ``error`` set, no results."""
    return {
        "schema_version": fmt.SCHEMA_VERSION,
        "command": command,
        "exit_code": code,
        "error": {"type": kind, "message": " ".join(message.split()), "interpreter": None},
        "results": [],
    }


def _silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null, so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
