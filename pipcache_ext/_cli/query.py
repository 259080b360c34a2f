"""``dir``, ``info``, ``list``: one answer per interpreter, nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, cast

from .._locrules import location_reason
from .._probing.location import disabled_error
from ..api import PipCache
from ..errors import PipCacheError
from ..models import CachedWheel, CacheInfo, Interpreter
from . import documents
from .fanout import Done, Targets, exit_code, no_pip_left, report, run_each, skipped, targets
from .locations import entry_location, with_location
from .terminal import UI

__all__ = ["cmd_dir", "cmd_info", "cmd_list"]

T = TypeVar("T")

#: The entries that name a cache dir and so say why it is that one (``usage`` adds its own).
_LOCATED = ("cache_dir", "info", "wheels")


def _entry(item: Done[Any], key: str) -> Dict[str, Any]:
    entry = {
        "interpreter": documents.to_json(item.interpreter),
        key: documents.to_json(item.value) if item.error is None else None,
        "error": documents.error_json(item.error, item.where),
    }
    if key in _LOCATED:  # results that name a cache dir say why it is that one
        entry["location"] = documents.to_json(entry_location(item))
    stand_in = item.cache.fallback_from if item.cache and item.interpreter else None
    entry["fallback_from"] = documents.to_json(stand_in)  # the pip-less running interpreter
    return entry


def _per_interpreter(
    ui: UI,
    action: Callable[[PipCache], T],
    key: str,
    label: str,
    human: Callable[[List[Done[T]], Targets], None],
) -> int:
    chosen = targets(ui)
    if ui.options.json and key in _LOCATED:
        action = with_location(action)
    done: List[Done[T]] = run_each(ui, chosen.specs, action, label)
    done += chosen.failed
    code = exit_code([d.error for d in done], discovered=chosen.discovered)
    if ui.options.json:
        entries = [_entry(d, key) for d in done]
        documents.emit(ui.out, documents.document(ui.options.command, code, entries))
    else:
        human(done, chosen)
    report(ui, done, discovered=chosen.discovered)
    if no_pip_left(done, chosen.discovered):
        ui.error("no discovered interpreter has pip")
    return code


def _sections(ui: UI, done: Sequence[Done[T]], lines: Callable[[T], List[str]]) -> None:
    """Each interpreter's answer under a header naming it (with several interpreters)."""
    from . import text  # noqa: PLC0415 - the text tables are imported when output needs them

    shown = [d for d in done if d.error is None and d.interpreter is not None]
    for index, item in enumerate(shown):
        assert item.interpreter is not None  # noqa: S101 - filtered above
        if index:
            ui.show([""])
        ui.show([f"== {text.describe(item.interpreter)}"])
        ui.show(lines(cast("T", item.value)))


def cmd_dir(ui: UI) -> int:
    """``dir``: each interpreter's cache dir; a table when there are several."""

    def human(done: List[Done[Path]], chosen: Targets) -> None:
        if ui.options.explain:
            ui.show(_explained(done, several=chosen.several))
            return
        if not chosen.several:
            ui.show(str(d.value) for d in done if d.error is None)
            return
        rows: List[Tuple[Optional[Interpreter], str, str]] = []
        for item in done:
            if item.error is None:
                where = str(item.value)
            elif skipped(item.error, chosen.discovered):
                where = "(no pip)"
            else:
                where = f"(failed: {type(item.error).__name__})"
            rows.append((item.interpreter, item.given, where))
        from . import text  # noqa: PLC0415

        ui.show(text.dir_table(rows))

    def action(cache: PipCache) -> Path:
        if ui.options.explain:
            location = cache.location()  # a disabled cache: the error names its setting
            if location.disabled:
                raise disabled_error(location, cache.interpreter)
        return cache.dir()

    return _per_interpreter(ui, action, "cache_dir", "asking for cache dirs", human)


def _explained(done: Sequence[Done[Path]], *, several: bool) -> List[str]:
    """``dir --explain``: one line per interpreter, the dir and why (notes indented below)."""
    lines: List[str] = []
    for item in done:
        location = entry_location(item)
        if item.error is not None or location is None:
            continue
        line = f"{item.value}  ({location_reason(location)})"
        if several and item.interpreter is not None:
            line = f"{item.interpreter.path}: {line}"
        lines.append(line)
        lines += [f"  note: {note}" for note in location.notes]
    return lines


def cmd_info(ui: UI) -> int:
    """``info``: pip's cache info for each interpreter, with bars."""

    def lines(info: CacheInfo) -> List[str]:
        from . import text  # noqa: PLC0415

        return text.info_lines(info, ascii_only=ui.ascii_only)

    def human(done: List[Done[CacheInfo]], chosen: Targets) -> None:
        if chosen.several:
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


def cmd_list(ui: UI) -> int:
    """``list [PATTERN]``: the locally built wheels; ``--format abspath`` for scripts."""
    if ui.options.http:
        from .http import cmd_list_http  # noqa: PLC0415 - the HTTP readers, only for --http

        return cmd_list_http(ui)
    pattern = ui.options.pattern
    abspath = ui.options.format == "abspath"

    def human(done: List[Done[List[CachedWheel]]], chosen: Targets) -> None:
        from . import text  # noqa: PLC0415

        if abspath:  # for scripts: paths only, each once (interpreters may share a cache)
            seen: Dict[str, None] = {}
            for item in done:
                for wheel in item.value or ():
                    seen.setdefault(str(wheel.path))
            ui.show(seen)
        elif chosen.several:
            _sections(ui, done, text.list_lines)
        else:
            for item in done:
                if item.value is not None:
                    ui.show(text.list_lines(item.value))

    def action(cache: PipCache) -> List[CachedWheel]:
        return _abspaths(cache, pattern) if abspath else cache.list(pattern)

    return _per_interpreter(ui, action, "wheels", "listing wheels", human)
