"""``list --http [PROJECT]``: every HTTP cache entry, named, one table per cache dir.

Interpreters that share a cache dir share its listing: each dir is listed once, by the first
interpreter that uses it. The table is project, version, kind, area, size, last use and file name;
``--json`` gives every field of each entry (``last_used`` in ISO 8601, UTC).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..api import PipCache
from ..models import HttpEntry, HttpListing
from . import documents, text
from .fanout import Done, exit_code, no_pip_left, report, run_each, targets
from .locations import entry_location, with_location
from .terminal import UI

__all__ = ["cmd_list_http", "entry_json", "http_table"]


def entry_json(entry: HttpEntry) -> Dict[str, Any]:
    """An entry as JSON: every field, paths as text, ``last_used`` as ISO 8601 (UTC)."""
    data: Dict[str, Any] = documents.to_json(entry)
    data["last_used"] = entry.last_used.isoformat()
    return data


def _age(when: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - when).total_seconds())
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            return f"{int(seconds // length)}{unit} ago"
    return "just now"


def http_table(entries: Sequence[HttpEntry], now: Optional[datetime] = None) -> List[str]:
    """The listing's table, sizes in one unit, then a total line."""
    if not entries:
        return ["No HTTP cache entries."]
    now = now or datetime.now(timezone.utc)
    unit = text.pick_unit([e.size for e in entries])
    rows: List[text.Row] = [
        [
            e.project or "?",
            e.version or "",
            e.kind,
            e.area,
            text.format_size(e.size, unit),
            f"{e.last_used:%Y-%m-%d %H:%M} ({_age(e.last_used, now)})",
            e.filename or ("" if e.kind == "index-page" else "?"),
        ]
        for e in entries
    ]
    header = ["PROJECT", "VERSION", "KIND", "AREA", "SIZE", "LAST USED", "FILE"]
    lines = text.table(header, rows, "llllrll")
    total = sum(e.size for e in entries)
    files = sum(len(e.files) for e in entries)
    lines.append(
        f"{len(entries)} entries, {files} files, {text.format_size(total, text.pick_unit([total]))}"
    )
    return lines


def _dir_and_cache(cache: PipCache) -> Tuple[Path, PipCache]:
    return cache.dir(), cache


_Listing = Tuple[Path, List[Done[Any]], HttpListing]


def _emit_json(ui: UI, code: int, listings: List[_Listing], done: List[Done[Any]]) -> None:
    """One entry per cache dir (with the lister's ``location``), then one per failure."""
    results = [
        {
            "cache_dir": os.fspath(cache_dir),
            "interpreters": documents.to_json([u.interpreter for u in users]),
            "entries": [entry_json(e) for e in listing.entries],
            "warnings": list(listing.warnings),
            "error": None,
            # why the dir is that one, as the interpreter that listed it says
            "location": documents.to_json(entry_location(users[0])),
        }
        for cache_dir, users, listing in listings
    ]
    results += [
        {
            "cache_dir": None,
            "interpreters": documents.to_json([d.interpreter] if d.interpreter else []),
            "entries": [],
            "warnings": [],
            "error": documents.error_json(d.error, d.where),
            "location": documents.to_json(entry_location(d)),  # a disabled cache: its setting
        }
        for d in done
        if d.error is not None
    ]
    documents.emit(ui.out, documents.document(ui.options.command, code, results))


def cmd_list_http(ui: UI) -> int:
    """``list --http [PROJECT]``: the HTTP entries of each cache dir (of PROJECT only)."""
    options = ui.options
    project = options.pattern
    chosen = targets(ui)
    action = with_location(_dir_and_cache) if options.json else _dir_and_cache
    done: List[Done[Tuple[Path, PipCache]]] = run_each(
        ui, chosen.specs, action, "finding cache dirs"
    )
    done += chosen.failed
    dirs: Dict[Path, List[Done[Tuple[Path, PipCache]]]] = {}
    for item in done:
        if item.error is None and item.value is not None:
            dirs.setdefault(item.value[0], []).append(item)
    listings: List[_Listing] = []
    with ui.progress(f"reading the HTTP entries of {len(dirs)} cache(s)"):
        for cache_dir, users in dirs.items():
            assert users[0].value is not None  # noqa: S101 - filtered above
            listings.append((cache_dir, users, users[0].value[1].http_listing(project)))
    code = exit_code([d.error for d in done], discovered=chosen.discovered)
    if options.json:
        _emit_json(ui, code, listings, done)
    else:
        for index, (cache_dir, _users, listing) in enumerate(listings):
            if len(listings) > 1 or chosen.several:
                ui.show([""] * bool(index) + [f"== {cache_dir}"])
            ui.show(http_table(listing.entries))
    for _cache_dir, _users, listing in listings:
        for warning in listing.warnings:
            ui.note(f"warning: {warning}")
    report(ui, [d for d in done if d.error is not None], discovered=chosen.discovered)
    if no_pip_left(done, chosen.discovered):
        ui.error("no discovered interpreter has pip")
    return code
