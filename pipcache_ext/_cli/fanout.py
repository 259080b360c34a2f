"""One action over several interpreters: which ones, in parallel, each failure its own result.

An interpreter that fails (a :class:`~pipcache_ext.errors.PipCacheError`, or an ``OSError``
the library let through) gives a result with an error; the others go on. Exit codes follow:
0 all succeeded, 3 some failed, 1 all failed; interpreters without pip that discovery found are
skipped, not failures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, List, Optional, Sequence, Tuple, TypeVar

import pipcache_ext

from .._parallel import parallel_map
from ..api import PipCache
from ..errors import InterpreterError, PipCacheError, PipNotFoundError
from ..models import Interpreter
from .options import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, AbortError, Options, Spec
from .terminal import UI

__all__ = [
    "Done",
    "Found",
    "Targets",
    "attempt",
    "discover",
    "exit_code",
    "no_pip_left",
    "report",
    "run_each",
    "skipped",
    "stand_in_notes",
    "targets",
]

T = TypeVar("T")

_WORKERS = 8  # pip processes run at once over several interpreters (they wait on disk and CPU)
_EXPLICIT = "explicit"  # the discovery source of paths given with --python


@dataclass
class Done(Generic[T]):
    """What one interpreter answered: a value, or the error it raised."""

    given: str
    interpreter: Optional[Interpreter] = None
    value: Optional[T] = None
    error: Optional[PipCacheError] = None
    cache: Optional[PipCache] = None

    @property
    def where(self) -> Optional[Path]:
        """The interpreter's path, or the path as given when it could not be probed."""
        if self.interpreter is not None:
            return self.interpreter.path
        return Path(self.given) if self.given else None


def _given(spec: Spec) -> str:
    if isinstance(spec, Interpreter):
        return os.fspath(spec.path)
    return "" if spec is None else spec


def _os_error(exc: OSError, given: str, interpreter: Optional[Interpreter]) -> PipCacheError:
    """An ``OSError`` that escaped the library, as the failure of this one interpreter."""
    if interpreter is None:
        where = Path(given) if given else None
        return InterpreterError(f"{given or 'python'}: cannot be probed: {exc}", interpreter=where)
    path = interpreter.path
    return PipCacheError(f"{path}: {exc}", interpreter=path)


def attempt(options: Options, spec: Spec, action: Callable[[PipCache], T]) -> Done[T]:
    """Probe ``spec``, then run ``action`` on its :class:`PipCache`; never raises its errors."""
    given = _given(spec)
    cache = options.pip_cache(spec)
    try:
        interpreter = cache.interpreter
    except PipCacheError as exc:
        return Done(given, error=exc, cache=cache)
    except OSError as exc:  # the library types these; should one get through, it is this one's
        return Done(given, error=_os_error(exc, given, None), cache=cache)
    try:
        return Done(given, interpreter, action(cache), cache=cache)
    except PipCacheError as exc:
        return Done(given, interpreter, error=exc, cache=cache)
    except OSError as exc:
        return Done(given, interpreter, error=_os_error(exc, given, interpreter), cache=cache)


def run_each(
    ui: UI, specs: Sequence[Spec], action: Callable[[PipCache], T], label: str
) -> List[Done[T]]:
    """``action`` for each interpreter, several at once, results in the order given.

    On Ctrl-C every child still running is killed and ``KeyboardInterrupt`` propagates at once.
    """
    options = ui.options
    if len(specs) <= 1:
        return [attempt(options, spec, action) for spec in specs]
    with ui.progress(f"{label}: 0/{len(specs)} interpreters") as progress:
        return parallel_map(
            lambda spec: attempt(options, spec, action),
            specs,
            workers=_WORKERS,
            on_done=lambda count: progress.update(f"{label}: {count}/{len(specs)} interpreters"),
        )


@dataclass
class Found:
    """What discovery found: interpreters, explicit paths it could not use, other candidates."""

    interpreters: List[Interpreter]
    failed: List[Done[Any]]
    skipped: List[pipcache_ext.DiscoveryFailure]
    sources: List[str]


def discover(ui: UI) -> Found:
    """Run discovery (plus any ``--python``); a ``--python`` it cannot use is a failure."""
    options = ui.options
    with ui.progress("discovering interpreters"):
        pythons, unknown = _requested(options.pythons, options.timeout)
        if options.timeout is None:
            result = pipcache_ext.run_discovery(extra_paths=pythons)
        else:
            result = pipcache_ext.run_discovery(extra_paths=pythons, timeout=options.timeout)
    found = Found(list(result.interpreters), unknown, [], list(result.sources))
    for failure in result.failures:
        if _EXPLICIT in failure.sources:  # a --python path: the user asked for it, so it failed
            error = InterpreterError(
                f"{failure.path}: {failure.reason}", interpreter=Path(failure.path)
            )
            found.failed.append(Done(os.fspath(failure.path), error=error))
        else:
            found.skipped.append(failure)
    return found


def _requested(
    pythons: Sequence[str], timeout: Optional[float]
) -> Tuple[List[str], List[Done[Any]]]:
    """``--python`` values as paths: a command or a version (``python3``, ``3.12``) looked up."""
    from .._api_location import resolve_request  # noqa: PLC0415 - only with --all and --python

    paths: List[str] = []
    unknown: List[Done[Any]] = []
    for given in pythons:
        try:
            found = resolve_request(given, dict(os.environ), timeout or 10.0)
        except PipCacheError as exc:
            unknown.append(Done(given, error=exc))
            continue
        paths.append(os.fspath(found.path if isinstance(found, Interpreter) else found))
    return paths, unknown


@dataclass
class Targets:
    """The interpreters a command acts on, and the named ones discovery could not use."""

    specs: List[Spec]
    failed: List[Done[Any]] = field(default_factory=list)
    discovered: bool = False

    @property
    def several(self) -> bool:
        """Whether output names each interpreter (or cache)."""
        return self.discovered or len(self.specs) + len(self.failed) > 1


def targets(ui: UI) -> Targets:
    """The ``--python`` interpreters (default: the running one), or with ``--all`` discovery's."""
    options = ui.options
    if not options.all:
        return Targets(list(options.pythons) or [None])
    found = discover(ui)
    if not found.interpreters and not found.failed:
        raise AbortError("discovery found no Python interpreter on this machine")
    return Targets(list(found.interpreters), found.failed, discovered=True)


def skipped(error: Optional[PipCacheError], discovered: bool) -> bool:
    """An interpreter without pip is skipped when it was discovered, not named."""
    return discovered and isinstance(error, PipNotFoundError)


def exit_code(errors: Sequence[Optional[PipCacheError]], *, discovered: bool) -> int:
    """0 when nothing failed, 3 when some failed and others succeeded, 1 when all failed."""
    failed = [e for e in errors if e is not None and not skipped(e, discovered)]
    succeeded = sum(e is None for e in errors)
    if not failed:
        return EXIT_OK if succeeded or not errors else EXIT_FAILED
    return EXIT_PARTIAL if succeeded else EXIT_FAILED


def report(ui: UI, done: Sequence[Done[Any]], *, discovered: bool) -> None:
    """Each failure on one line; interpreters skipped for having no pip in one note."""
    without_pip = [d for d in done if skipped(d.error, discovered)]
    for item in done:
        if item.error is not None and item not in without_pip:
            ui.failure(item.error, item.where)
    if without_pip:
        paths = ", ".join(str(d.where) for d in without_pip)
        ui.note(f"skipped {len(without_pip)} interpreter(s) without pip: {paths}")
    for note in dict.fromkeys(n for item in done for n in stand_in_notes(item)):
        ui.note(note)


def stand_in_notes(item: Done[Any]) -> List[str]:
    """Who answered instead of the running interpreter, when it has no pip (said every time)."""
    cache, interpreter = item.cache, item.interpreter
    if cache is None or interpreter is None:
        return []
    if cache.fallback_from is not None:
        note = (
            f"{cache.fallback_from} has no pip; using {interpreter.path} (pip"
            f" {interpreter.pip_version}), the first interpreter with pip: the active venv, then"
            " python3 on PATH"
        )
        return [note]
    if interpreter.pip_version is None and item.error is None and not item.given:
        note = (
            f"{interpreter.path} has no pip and no other interpreter with pip was found: the"
            " cache dir comes from pip's own rules, applied here"
        )
        return [note]
    return []


def no_pip_left(done: Sequence[Done[Any]], discovered: bool) -> bool:
    """Whether discovery found interpreters, and none of them has pip."""
    return discovered and bool(done) and all(skipped(d.error, discovered) for d in done)
