"""``remove`` and ``purge``: one run per cache dir, by the newest pip of those that use it.

In steps: decide whether to ask; find each interpreter's cache dir and group them
(:mod:`~pipcache_ext._grouping`); ask; run each group's remove/purge through its actor's
:class:`~pipcache_ext.PipCache` (the library chooses pip or native); report. What a removal
meant to delete and left in place makes the group a failure.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._grouping import CacheGroup, group_by_cache_dir
from .._probing import Settings, cache_dir_outcomes
from .._probing.location import location_error
from ..api import PipCache
from ..errors import PipCacheError, PipNotFoundError
from ..models import CacheLocation, Interpreter, RemovalResult
from . import documents, text
from .fanout import (
    Done,
    Targets,
    exit_code,
    no_pip_left,
    report,
    run_each,
    stand_in_notes,
    targets,
)
from .housekeeping import left_lines
from .options import AbortError, UsageError
from .terminal import UI

__all__ = ["cmd_delete"]

_PROBE_TIMEOUT = 10.0  # seconds each cache-dir probe may take without --timeout
_SHOWN_LEFTOVERS = 10  # paths named when a removal left some in place (all of them under -v)


@dataclass
class _Job:
    """One cache dir, the interpreters using it, and the outcome of its actor's run."""

    group: CacheGroup
    cache: PipCache
    result: Optional[RemovalResult] = None
    error: Optional[PipCacheError] = None
    location: Optional[CacheLocation] = None  # why the dir is that one (the actor's)

    @property
    def actor(self) -> Path:
        return self.group.actor.path

    @property
    def used_by(self) -> str:
        return ", ".join(str(i.path) for i in self.group.interpreters)

    @property
    def leftovers(self) -> Tuple[Path, ...]:
        return self.result.failed if self.result is not None else ()

    def failure(self) -> Optional[PipCacheError]:
        """The error, or one for paths left in place: what makes this group count as failed."""
        if self.error is not None:
            return self.error
        if self.leftovers:
            return PipCacheError(_leftovers_message(self), interpreter=self.actor)
        return None


def _leftovers_message(job: _Job) -> str:
    return (
        f"{job.group.cache_dir}: {len(job.leftovers)} path(s) that the removal meant to delete"
        " are still there (permissions, an immutable file or a read-only filesystem?)"
    )


def _asks(ui: UI, purge: bool) -> bool:
    """Whether to ask before deleting: a real purge, on a terminal, without ``--yes``.

    :raises UsageError: ``--all`` would purge every cache with nobody to ask.
    """
    options = ui.options
    if not purge or options.dry_run or options.yes:
        return False
    if ui.interactive:
        return True
    if options.all:
        raise UsageError(
            "refusing to purge every discovered interpreter's cache without --yes: stdin is"
            " not a terminal, so nobody can confirm. Add --yes, or --dry-run to see what"
            " would go"
        )
    return False


def _jobs(ui: UI, chosen: Targets) -> Tuple[List[_Job], List[Done[Any]]]:
    """Each interpreter's cache dir, grouped: ``(one job per dir, interpreters that failed)``.

    The dirs are the probe's answers (pip's own, asked inside each interpreter, in parallel and
    kept on disk), not one ``pip cache dir`` per interpreter.
    """
    probes: List[Done[Any]] = run_each(ui, chosen.specs, lambda c: c.interpreter, "probing")
    if ui.options.cache_dir is not None or ui.options.user is not None:
        return _named_jobs(probes, chosen)
    interpreters = [p.interpreter for p in probes if p.interpreter is not None]
    timeout = ui.options.timeout if ui.options.timeout is not None else _PROBE_TIMEOUT
    with ui.progress(f"finding the cache dirs of {len(interpreters)} interpreter(s)"):
        settings = Settings.current(timeout=timeout)
        answers = cache_dir_outcomes(interpreters, settings) if interpreters else {}
    failed: List[Done[Any]] = []
    caches: Dict[Interpreter, PipCache] = {}
    pairs: List[Tuple[Interpreter, Path]] = []
    for item in probes:
        if item.interpreter is None:
            failed.append(item)
            continue
        answer = answers[item.interpreter]
        if isinstance(answer, PipCacheError):
            failed.append(dataclasses.replace(item, error=answer))
        elif answer.state == "no-pip" and not item.given and item.cache is not None:
            failed.append(dataclasses.replace(item, error=_rules_only(item.cache)))
        elif answer.state != "ok" or answer.cache_dir is None:
            failed.append(dataclasses.replace(item, error=location_error(item.interpreter, answer)))
        else:
            assert item.cache is not None  # noqa: S101 - every Done from run_each has its PipCache
            caches.setdefault(item.interpreter, item.cache)
            pairs.append((item.interpreter, answer.cache_dir))
    jobs = [_Job(group, caches[group.actor]) for group in group_by_cache_dir(pairs)]
    for job in jobs:
        answer = answers[job.group.actor]
        job.location = None if isinstance(answer, PipCacheError) else answer.location
    return jobs, failed + chosen.failed


def _rules_only(cache: PipCache) -> PipCacheError:
    """A running interpreter without pip, and none to stand in: only a named dir is cleaned."""
    try:
        where = f" (by pip's rules it is {cache.location().cache_dir})"
    except PipCacheError:
        where = ""
    return PipNotFoundError(
        f"{cache.interpreter.path} has no pip, and no interpreter with pip was found, to say where"
        f" its cache is{where}; name the cache dir with --cache-dir to clean it",
        interpreter=cache.interpreter.path,
    )


def _named_jobs(probes: List[Done[Any]], chosen: Targets) -> Tuple[List[_Job], List[Done[Any]]]:
    """With ``--cache-dir``/``--user``: one job for that dir, by the newest pip among them."""
    failed = [p for p in probes if p.interpreter is None or p.cache is None]
    named = [p for p in probes if p not in failed]
    caches: Dict[Interpreter, PipCache] = {}
    pairs: List[Tuple[Interpreter, Path]] = []
    locations: Dict[Interpreter, CacheLocation] = {}
    for item in named:
        assert item.cache is not None  # noqa: S101 - filtered above
        assert item.interpreter is not None  # noqa: S101 - filtered above
        try:
            location = item.cache.location()  # named: no process runs
        except PipCacheError as exc:
            failed.append(dataclasses.replace(item, error=exc))
            continue
        directory = location.cache_dir or location.would_use
        if directory is None:
            continue
        caches.setdefault(item.interpreter, item.cache)
        locations[item.interpreter] = location
        pairs.append((item.interpreter, directory))
    groups = group_by_cache_dir(pairs)
    jobs = [_Job(g, caches[g.actor], location=locations[g.actor]) for g in groups]
    return jobs, failed + chosen.failed


def _confirmed(ui: UI, jobs: Sequence[_Job]) -> bool:
    lines = ["This deletes every locally built wheel and HTTP file in:"]
    lines += [f"  {job.group.cache_dir}  (used by {job.used_by})" for job in jobs]
    return ui.ask("\n".join(lines) + "\nProceed? [y/N] ")


def _run(ui: UI, jobs: Sequence[_Job], purge: bool) -> None:
    """Each group's remove or purge, in turn, through its actor; errors are kept per group."""
    options = ui.options
    verb = "checking" if options.dry_run else "purging" if purge else "removing"
    verb = "pruning" if options.command == "prune" and not options.dry_run else verb
    verb = "cleaning" if options.command == "clean" and not options.dry_run else verb
    with ui.progress(f"{verb} {len(jobs)} cache(s)") as progress:
        for index, job in enumerate(jobs, 1):
            progress.update(f"{verb} cache {index}/{len(jobs)}: {job.group.cache_dir}")
            try:
                verify = not options.dry_run  # what is left, measured: "0 files left"
                spare = not options.include_recent
                if options.command == "purge":
                    job.result = job.cache.purge(
                        dry_run=options.dry_run, force=options.force, verify=verify,
                        everything=options.everything, spare_recent=spare,
                    )  # fmt: skip
                elif options.command == "clean":  # everything cached for those projects
                    job.result = job.cache.remove_project(
                        options.projects, version=options.version, dry_run=options.dry_run,
                        force=options.force, verify=verify, spare_recent=spare,
                    )  # fmt: skip
                elif options.command == "prune":
                    job.result = job.cache.prune(
                        older_than=options.older_than, max_size=options.max_size,
                        dry_run=options.dry_run, force=options.force, verify=verify,
                    )  # fmt: skip
                else:
                    assert options.pattern is not None  # noqa: S101 - required by argparse
                    job.result = job.cache.remove(
                        options.pattern, dry_run=options.dry_run, force=options.force,
                        spare_recent=spare,
                    )  # fmt: skip
            except PipCacheError as exc:
                job.error = exc
            except OSError as exc:  # the library let one through: this group failed
                job.error = PipCacheError(f"{job.actor}: {exc}", interpreter=job.actor)


def _job_error_json(job: _Job) -> Optional[Dict[str, Any]]:
    if job.error is not None or not job.leftovers:
        return documents.error_json(job.error, job.actor)
    return {
        "type": "RemovalIncomplete",
        "message": _leftovers_message(job),
        "interpreter": os.fspath(job.actor),
    }


def _every_path(ui: UI) -> bool:
    """Whether the JSON lists every path removed (``--paths``, ``-v``), not at most 1000."""
    return ui.options.paths or bool(ui.options.verbose)


def _emit_json(ui: UI, code: int, jobs: Sequence[_Job], failed: Sequence[Done[Any]]) -> None:
    entries = [
        {
            "cache_dir": os.fspath(job.group.cache_dir),
            "interpreters": documents.to_json(job.group.interpreters),
            "run_by": os.fspath(job.actor),
            "removal": documents.removal_json(job.result, paths=_every_path(ui)),
            "error": _job_error_json(job),
            "location": documents.to_json(job.location),
        }
        for job in jobs
    ]
    entries += [
        {
            "cache_dir": None,
            "interpreters": documents.to_json([d.interpreter] if d.interpreter else []),
            "run_by": None,
            "removal": None,
            "error": documents.error_json(d.error, d.where),
            "location": documents.to_json(getattr(d.error, "location", None)),
        }
        for d in failed
    ]
    documents.emit(ui.out, documents.document(ui.options.command, code, entries))


def _show(ui: UI, jobs: Sequence[_Job], several: bool) -> None:
    """What each run removed, under a header per cache dir when there are several."""
    shown = [job for job in jobs if job.result is not None]
    for index, job in enumerate(shown):
        assert job.result is not None  # noqa: S101 - filtered above
        if several:
            actor = job.group.actor
            header = f"== {job.group.cache_dir} (used by {job.used_by};"
            header += f" run by pip {actor.pip_version} of {actor.path})"
            ui.show([""] * bool(index) + [header])
        ui.show(text.removal_lines(job.result, every_file=bool(ui.options.verbose)))
        ui.show(left_lines(job.result))


def _show_problems(ui: UI, jobs: Sequence[_Job]) -> None:
    """Warnings, errors, and what each removal left in place, on stderr."""
    for job in jobs:
        if job.result is not None:
            for warning in job.result.warnings:
                ui.note(f"warning: {warning}")
        if job.error is not None:
            ui.failure(job.error, job.actor)
        elif job.leftovers:
            ui.error(_leftovers_message(job) + ":")
            limit = len(job.leftovers) if ui.options.verbose else _SHOWN_LEFTOVERS
            lines = [f"  {path}" for path in job.leftovers[:limit]]
            if len(job.leftovers) > limit:
                lines.append(f"  ... and {len(job.leftovers) - limit} more (-v lists them all)")
            for line in lines:
                ui.error(line)


def cmd_delete(ui: UI) -> int:
    """``remove PATTERN`` and ``purge``: once per cache dir, asking first where it should."""
    options = ui.options
    purge = options.command == "purge" or options.pattern == "*"  # pip: remove '*' purges
    asks = _asks(ui, purge)
    chosen = targets(ui)
    jobs, failed = _jobs(ui, chosen)
    if asks and jobs and not _confirmed(ui, jobs):
        raise AbortError("nothing was deleted: not confirmed")
    _run(ui, jobs, purge)
    errors = [job.failure() for job in jobs] + [d.error for d in failed]
    code = exit_code(errors, discovered=chosen.discovered)
    if options.json:
        _emit_json(ui, code, jobs, failed)
    elif not options.quiet:
        _show(ui, jobs, chosen.several)
    _show_problems(ui, jobs)
    report(ui, failed, discovered=chosen.discovered)
    for note in dict.fromkeys(
        n for job in jobs for n in stand_in_notes(Done("", job.group.actor, cache=job.cache))
    ):
        ui.note(note)
    if no_pip_left(failed, chosen.discovered) and not jobs:
        ui.error("no discovered interpreter has pip")
    return code
