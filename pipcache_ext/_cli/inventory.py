"""``survey`` and ``interpreters``: what is on this machine, each cache once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import pipcache_ext

from ..errors import PipCacheError
from ..models import CacheReport, Interpreter
from . import documents, text
from .fanout import discover, exit_code, run_each, skipped
from .options import EXIT_FAILED, UsageError
from .terminal import UI

__all__ = ["cmd_interpreters", "cmd_survey"]


def _survey_reports(ui: UI, interpreters: List[Interpreter]) -> List[CacheReport]:
    options = ui.options
    with ui.progress(f"surveying {len(interpreters)} interpreters"):
        if options.timeout is None:
            return list(
                pipcache_ext.survey(
                    interpreters, backend=options.backend, all_users=options.all_users
                )
            )
        return list(
            pipcache_ext.survey(
                interpreters,
                backend=options.backend,
                timeout=options.timeout,
                all_users=options.all_users,
            )
        )


def _report_where(report: CacheReport) -> Optional[Path]:
    if report.error is not None and report.error.interpreter is not None:
        return report.error.interpreter
    return report.interpreters[0].path if report.interpreters else None


def _surveyed(ui: UI) -> List[CacheReport]:
    """The reports of ``--all`` (the default) or of the ``--python`` interpreters only."""
    options = ui.options
    if options.all or not options.pythons:
        found = discover(ui)
        interpreters, failed = found.interpreters, found.failed
    else:
        probes = run_each(ui, list(options.pythons), lambda c: c.interpreter, "probing")
        interpreters = [p.value for p in probes if p.value is not None]
        failed = [p for p in probes if p.error is not None]
    reports = _survey_reports(ui, interpreters) if interpreters else []
    reports += [CacheReport(None, (), None, d.error) for d in failed]
    if options.cache_dir is None and options.user is None:
        return reports
    # a dir named as well: its row (or the row of the interpreters that use it) says so
    from .._users import merge_accounts, named_report  # noqa: PLC0415 - only when named

    directory = Path(options.cache_dir) if options.cache_dir is not None else None
    named = named_report(directory, options.user, sudo_user=os.environ.get("SUDO_USER"))
    return merge_accounts(reports, [named])


def cmd_survey(ui: UI) -> int:
    """``survey``: every cache dir once, measured, with the interpreters using it."""
    options = ui.options
    discovered = options.all or not options.pythons
    reports = _surveyed(ui)
    code = exit_code([r.error for r in reports], discovered=discovered)
    if not reports:
        code = EXIT_FAILED
    if options.json:
        entries = [
            {
                "cache_dir": documents.to_json(report.cache_dir),
                "interpreters": documents.to_json(report.interpreters),
                "info": documents.to_json(report.info),
                "error": documents.error_json(report.error, _report_where(report)),
                "locations": documents.to_json(report.locations),
                "owner": report.owner,
                "state": report.state,
            }
            for report in reports
        ]
        documents.emit(ui.out, documents.document(options.command, code, entries))
    no_pip = [r for r in reports if skipped(r.error, discovered)]
    # accounts without a cache (and no interpreter using the dir): counted, not shown
    absent = [r for r in reports if r.state == "absent" and not r.interpreters]
    if not options.json:
        shown = [r for r in reports if r not in no_pip and r not in absent]
        if shown:
            ui.show(text.survey_lines(shown, ascii_only=ui.ascii_only))
    if absent:
        names = [loc.user for r in absent for loc in r.locations if loc.user]
        ui.note(f"{len(names)} account(s) have no pip cache: {', '.join(names)}")
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


def cmd_interpreters(ui: UI) -> int:
    """``interpreters``: what discovery finds, and the candidates it could not use."""
    options = ui.options
    if options.cache_dir is not None or options.user is not None:
        raise UsageError(
            "interpreters lists interpreters, not caches: --cache-dir and --user mean nothing"
            " to it (survey --cache-dir PATH measures a dir along with every interpreter's)"
        )
    found = discover(ui)
    errors: List[Optional[PipCacheError]] = [None] * len(found.interpreters)
    errors += [d.error for d in found.failed]
    code = exit_code(errors, discovered=False) if errors else EXIT_FAILED
    if options.json:
        results = [{"interpreter": documents.to_json(i), "error": None} for i in found.interpreters]
        results += [
            {"interpreter": None, "error": documents.error_json(d.error, d.where)}
            for d in found.failed
        ]
        failures = [
            {"path": os.fspath(f.path), "reason": f.reason, "sources": list(f.sources)}
            for f in found.skipped
        ]
        document = documents.document(
            options.command, code, results, failures=failures, sources=found.sources
        )
        documents.emit(ui.out, document)
    elif found.interpreters:
        ui.show(text.interpreters_table(found.interpreters, aliases=bool(options.verbose)))
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
