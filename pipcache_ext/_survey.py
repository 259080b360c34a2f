"""Every interpreter's pip cache, grouped by cache dir: one ``info()`` per dir."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._discovery import DiscoveryContext, discover
from ._grouping import CacheGroup, choose_actor, group_by_cache_dir
from ._native import native_info
from ._parallel import parallel_map
from ._parsers.probe import PipCacheDirAnswer
from ._probing import Settings, cache_dir_error
from ._probing.shared import Outcome, shared_outcomes
from ._users import annotate
from .api import PipCache
from .errors import InterpreterError, PipCacheError
from .models import BackendChoice, CacheInfo, CacheReport, Interpreter

__all__ = ["survey"]

# Probes of a survey never wait longer than this, whatever the info timeout is: one hanging
# interpreter must not hold the whole survey for a minute.
_PROBE_TIMEOUT = 10.0

_Outcome = Union[PipCacheDirAnswer, PipCacheError]


def _measure(  # noqa: PLR0913 - keyword-only options
    cache_dir: Path,
    users: Tuple[Interpreter, ...],
    actor: Interpreter,
    *,
    backend: BackendChoice,
    env: Optional[Mapping[str, str]],
    timeout: float,
) -> CacheReport:
    """One ``info()`` for one cache dir, through ``actor`` (``_grouping.choose_actor``'s)."""
    try:
        cache = PipCache(actor, env=env, timeout=timeout, backend=backend)
        info: CacheInfo
        if cache.backend == "native":
            # the dir is known from the probe: no need to ask pip again
            info = native_info(cache_dir, pip_version=actor.pip_version)
        else:
            info = cache.info()
    except PipCacheError as exc:
        return CacheReport(cache_dir, users, None, exc)
    return CacheReport(cache_dir, users, info, None)


def _discovered(
    env: Optional[Mapping[str, str]], timeout: float, use_cache: bool
) -> Tuple[List[Interpreter], List[CacheReport]]:
    """Discovery's interpreters (plain probes: the cache dirs are asked next), and its failures."""
    ctx = DiscoveryContext.current(env, timeout=timeout)
    discovered = discover(ctx, use_cache=use_cache)
    failures = [
        CacheReport(None, (), None, InterpreterError(failure.reason, interpreter=failure.path))
        for failure in discovered.result.failures
    ]
    return list(discovered.result.interpreters), failures


class _Early:
    """Measurements started while other interpreters are still asked for their cache dirs.

    A dir is measured as soon as no interpreter still to answer could become its actor (a newer
    pip, or an equal one given earlier): its actor is then the one the survey would choose.
    """

    def __init__(
        self, measure: Callable[[Path, Interpreter], CacheReport], given: Sequence[Interpreter]
    ) -> None:
        self._measure = measure
        self._order = {interpreter: index for index, interpreter in enumerate(given)}
        self._lock = threading.Lock()
        self._started: Dict[Path, Interpreter] = {}
        self._reports: Dict[Path, CacheReport] = {}

    def on_answer(
        self, results: Mapping[Interpreter, Outcome], pending: Sequence[Interpreter]
    ) -> None:
        pairs = [
            (interpreter, answer.cache_dir)
            for interpreter, answer in sorted(results.items(), key=lambda i: self._order[i[0]])
            if isinstance(answer, PipCacheDirAnswer)
            and answer.state == "ok"
            and answer.cache_dir is not None
        ]
        ready: List[CacheGroup] = []
        with self._lock:
            for group in group_by_cache_dir(pairs):
                if group.cache_dir in self._started:
                    continue
                if all(self._keeps(group.actor, p) for p in pending):
                    self._started[group.cache_dir] = group.actor
                    ready.append(group)
        for group in ready:  # in this worker's thread, while the others ask on
            report = self._measure(group.cache_dir, group.actor)
            with self._lock:
                self._reports[group.cache_dir] = report

    def _keeps(self, actor: Interpreter, other: Interpreter) -> bool:
        """Whether ``actor`` stays the actor of its dir should ``other`` use it too."""
        both = sorted((actor, other), key=self._order.__getitem__)
        return choose_actor(both) is actor

    def take(self, group: CacheGroup) -> Optional[CacheReport]:
        """The early report of ``group``'s dir, for all its users; ``None`` to measure it now."""
        with self._lock:
            actor = self._started.get(group.cache_dir)
            report = self._reports.get(group.cache_dir)
        if actor is not group.actor or report is None:
            return None
        return dataclasses.replace(report, interpreters=group.interpreters)


def survey(  # noqa: PLR0913 - keyword-only options
    interpreters: Optional[Iterable[Interpreter]] = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    use_cache: bool = True,
    all_users: bool = False,
) -> List[CacheReport]:
    """Every pip cache on the machine, with the interpreters that use it.

    Interpreters are grouped by the cache dir their pip uses (asked from inside each interpreter,
    in parallel, and cached on disk like discovery's probes), then each distinct dir is measured
    once: with its newest pip's ``pip cache info`` (``backend="auto"``/``"pip"``) or in-process.
    Interpreters without pip, with a disabled cache, or that fail get rows of their own with the
    reason in ``error``; candidates discovery could not run get rows with no interpreter. One bad
    interpreter never aborts the survey.

    :param interpreters: the interpreters to survey, returned as given (the same objects);
        ``None`` discovers them (:func:`~pipcache_ext.discover_interpreters`).
    :param backend: how each dir is measured, as for :class:`~pipcache_ext.PipCache`.
    :param env: the environment interpreters and pip run in; default ``os.environ``.
    :param timeout: seconds each ``info()`` may take (probes take at most 10 s).
    :param use_cache: read and write the disk cache of probe answers.
    :param all_users: also every account's default cache dir (``CacheReport.owner``/``state``).
    :returns: rows with a cache dir first, sorted by dir, then the rows with errors.
    """
    probe_timeout = min(float(timeout), _PROBE_TIMEOUT)
    env_used = dict(os.environ if env is None else env)
    failures: List[CacheReport] = []
    if interpreters is None:
        given, failures = _discovered(env, probe_timeout, use_cache)
    else:
        given = list(dict.fromkeys(interpreters))

    def measure_dir(cache_dir: Path, actor: Interpreter) -> CacheReport:
        return _measure(cache_dir, (actor,), actor, backend=backend, env=env_used, timeout=timeout)

    early = _Early(measure_dir, given)
    settings = Settings.current(env, timeout=probe_timeout, use_cache=use_cache)
    # one question per group of interpreters that must answer alike; a dir is measured as soon
    # as its actor is known, while the others are still asked
    outcomes: Dict[Interpreter, _Outcome] = dict(
        shared_outcomes(given, settings, on_answer=early.on_answer)
    )
    pairs: List[Tuple[Interpreter, Path]] = []
    rows: List[CacheReport] = []
    for interpreter in given:
        outcome = outcomes[interpreter]
        if isinstance(outcome, PipCacheError):
            rows.append(CacheReport(None, (interpreter,), None, outcome))
        elif outcome.state == "ok" and outcome.cache_dir is not None:
            pairs.append((interpreter, outcome.cache_dir))
        else:
            error = cache_dir_error(interpreter, outcome)
            rows.append(CacheReport(outcome.cache_dir, (interpreter,), None, error))
    groups = group_by_cache_dir(pairs)

    def measure(group: CacheGroup) -> CacheReport:
        measured = early.take(group)
        if measured is not None:
            return measured
        return _measure(
            group.cache_dir,
            group.interpreters,
            group.actor,
            backend=backend,
            env=env_used,
            timeout=timeout,
        )

    measured = parallel_map(measure, groups, workers=min(8, max(1, len(groups))))
    return annotate(measured + rows + failures, outcomes, all_users=all_users, env=env_used)
