"""Every interpreter's pip cache, grouped by cache dir: one ``info()`` per dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

from ._discovery import DiscoveryContext, discover
from ._grouping import CacheGroup, group_by_cache_dir
from ._native import native_info
from ._parallel import parallel_map
from ._parsers.probe import PipCacheDirAnswer
from ._probing import Settings, cache_dir_error, cache_dir_outcomes
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
) -> Tuple[List[Interpreter], Dict[Interpreter, _Outcome], List[CacheReport]]:
    """Discovery's interpreters, their cache-dir answers (one probe each), and its failures."""
    ctx = DiscoveryContext.current(env, timeout=timeout)
    discovered = discover(ctx, use_cache=use_cache, pip_cache=True)
    interpreters = list(discovered.result.interpreters)
    outcomes: Dict[Interpreter, _Outcome] = {}
    for interpreter in interpreters:
        answer = discovered.pip_cache.get(interpreter)
        outcomes[interpreter] = (
            answer
            if answer is not None
            else PipCacheError(
                f"{interpreter.path}: its pip did not say which cache dir it uses",
                interpreter=interpreter.path,
            )
        )
    failures = [
        CacheReport(None, (), None, InterpreterError(failure.reason, interpreter=failure.path))
        for failure in discovered.result.failures
    ]
    return interpreters, outcomes, failures


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
    if interpreters is None:
        given, outcomes, failures = _discovered(env, probe_timeout, use_cache)
    else:
        given = list(dict.fromkeys(interpreters))
        settings = Settings.current(env, timeout=probe_timeout, use_cache=use_cache)
        outcomes = dict(cache_dir_outcomes(given, settings))
        failures = []
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
    env_used = dict(os.environ if env is None else env)
    groups = group_by_cache_dir(pairs)

    def measure(group: CacheGroup) -> CacheReport:
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
