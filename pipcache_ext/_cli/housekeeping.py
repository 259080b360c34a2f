"""``usage``, and what is left after a purge, prune or clean (``N files left``).

``prune`` itself runs through :mod:`.delete` (one run per cache dir, as ``purge``).
"""

from __future__ import annotations

import contextlib
from typing import Any, Dict, List, Optional, Sequence

from ..api import PipCache
from ..errors import PipCacheError
from ..models import ProjectUsage, RemovalResult
from . import documents, text
from .fanout import Done, Targets, exit_code, no_pip_left, report, run_each, targets
from .locations import entry_location, with_location
from .query import _entry, _sections
from .terminal import UI

__all__ = ["cmd_usage", "left_lines", "usage_lines"]

_NO_PROJECT = "(no project)"
_SHOWN_VERSIONS = 3


def left_lines(result: Optional[RemovalResult]) -> List[str]:
    """``N files left (SIZE)``, measured after the run (``verify``); nothing without it."""
    if result is None or result.remaining is None:
        return []
    left = result.remaining
    files = left.wheel_count + (left.http_files or 0) + left.unreported_files
    size = left.wheels_size + (left.http_size or 0) + left.unreported_size
    shown = text.format_size(size, text.pick_unit([size]))
    return [f"{files} file{'s' if files != 1 else ''} left ({shown})"]


def _versions(versions: Sequence[str]) -> str:
    """The newest few versions (oldest first), ``...`` before them when there are more."""
    shown = ", ".join(versions[-_SHOWN_VERSIONS:])
    return ("... " if len(versions) > _SHOWN_VERSIONS else "") + shown


def usage_lines(
    rows: Sequence[ProjectUsage], *, top: Optional[int] = None, ascii_only: bool = False
) -> List[str]:
    """A table of projects, biggest first, with a bar each; the row of no project last."""
    projects = [row for row in rows if row.project is not None]
    rest = [row for row in rows if row.project is None]
    shown = projects if top is None else projects[:top]
    hidden = projects[len(shown) :]
    total = sum(row.size for row in rows)
    unit = text.pick_unit([total, *(row.size for row in rows)])
    scale = max((row.size for row in rows), default=0)
    cells: List[text.Row] = [
        [
            row.project or _NO_PROJECT,
            _versions(row.versions),
            str(row.wheel_count),
            str(row.http_entries),
            text.format_size(row.size, unit),
            row.last_used.strftime("%Y-%m-%d") if row.last_used else "",
            text.bar(row.size, scale, ascii_only=ascii_only),
        ]
        for row in [*shown, *rest]
    ]
    header = ["Project", "Versions", "Wheels", "HTTP entries", "Size", "Last used", ""]
    lines = text.table(header, cells, "llrrrll") if cells else ["No cached files"]
    if hidden:
        size = text.format_size(sum(row.size for row in hidden), unit)
        lines.append(f"... and {len(hidden)} more project(s) ({size})")
    lines.append(f"Total: {text.format_size(total, unit)} in {len(projects)} project(s)")
    return lines


def cmd_usage(ui: UI) -> int:
    """``usage [--top N]``: what each project takes, per interpreter.

    ``--top`` shortens the table (the rest in one line); ``--json`` always has every row.
    """
    top = ui.options.top

    def lines(rows: List[ProjectUsage]) -> List[str]:
        return usage_lines(rows, top=top, ascii_only=ui.ascii_only)

    def human(done: List[Done[List[ProjectUsage]]], chosen: Targets) -> None:
        if chosen.several:
            _sections(ui, done, lines)
        else:
            for item in done:
                if item.value is not None:
                    ui.show(lines(item.value))

    def measure(cache: PipCache) -> List[ProjectUsage]:
        return cache.usage()

    chosen = targets(ui)
    # with --json the entry says which dir and why, as info's does
    action = with_location(measure) if ui.options.json else measure
    done: List[Done[List[ProjectUsage]]] = run_each(ui, chosen.specs, action, "measuring usage")
    done += chosen.failed
    code = exit_code([d.error for d in done], discovered=chosen.discovered)
    if ui.options.json:
        entries = [_usage_entry(d) for d in done]
        documents.emit(ui.out, documents.document(ui.options.command, code, entries))
    else:
        human(done, chosen)
    report(ui, done, discovered=chosen.discovered)
    if no_pip_left(done, chosen.discovered):
        ui.error("no discovered interpreter has pip")
    return code


def _usage_entry(item: Done[List[ProjectUsage]]) -> Dict[str, Any]:
    """``interpreter``, ``usage``, ``error``, ``fallback_from``, and ``cache_dir``/``location``."""
    entry = _entry(item, "usage")
    location = entry_location(item)
    directory = None
    if item.error is None and item.cache is not None:
        with contextlib.suppress(PipCacheError):
            directory = item.cache.dir()  # asked once already, by usage()
    entry["cache_dir"] = documents.to_json(directory)
    entry["location"] = documents.to_json(location)
    return entry
