"""Every interpreter's pip cache, grouped by cache dir: one ``info()`` per dir."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from ._discovery import DiscoveryContext, discover
from ._native import native_info
from ._parsers.probe import PipCacheDirAnswer
from ._pipversions import PipVersion, features, parse_pip_version
from .api import PipCache, cache_dir_error
from .errors import InterpreterError, PipCacheError
from .models import BackendChoice, CacheInfo, CacheReport, Interpreter

__all__ = ["survey"]

# Discovery probes of a survey never wait longer than this, whatever the info timeout is:
# one hanging interpreter must not hold the whole survey for a minute.
_PROBE_TIMEOUT = 10.0


def _row_error(interpreter: Interpreter, answer: Optional[PipCacheDirAnswer]) -> PipCacheError:
    if answer is None:
        message = f"{interpreter.path}: its pip did not say which cache dir it uses"
        return PipCacheError(message, interpreter=interpreter.path)
    return cache_dir_error(interpreter, answer)


def _rank(interpreter: Interpreter) -> Tuple[bool, Tuple[int, ...], str]:
    """Which interpreter measures a shared dir: the one whose pip is newest (its info says most)."""
    version = parse_pip_version(interpreter.pip_version or "") or PipVersion(0, 0)
    return (features(version).has_cache, tuple(version), str(interpreter.path))


def _measure(
    cache_dir: Path,
    users: Tuple[Interpreter, ...],
    *,
    backend: BackendChoice,
    env: Optional[Mapping[str, str]],
    timeout: float,
) -> CacheReport:
    """One ``info()`` for one cache dir, through the best of the interpreters using it."""
    chosen = max(users, key=_rank)
    try:
        cache = PipCache(chosen, env=env, timeout=timeout, backend=backend)
        info: CacheInfo
        if cache.backend == "native":
            # the dir is known from the probe: no need to ask pip again
            info = native_info(cache_dir, pip_version=chosen.pip_version)
        else:
            info = cache.info()
    except PipCacheError as exc:
        return CacheReport(cache_dir, users, None, exc)
    return CacheReport(cache_dir, users, info, None)


def survey(
    interpreters: Optional[Iterable[Interpreter]] = None,
    *,
    backend: BackendChoice = "auto",
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    use_cache: bool = True,
) -> List[CacheReport]:
    """Every pip cache on the machine, with the interpreters that use it.

    Interpreters are grouped by the cache dir their pip uses (asked from inside each interpreter,
    in parallel, and cached on disk like discovery's probes), then each distinct dir is measured
    once: with its newest pip's ``pip cache info`` (``backend="auto"``/``"pip"``) or in-process.
    Interpreters without pip, with a disabled cache, or that fail get rows of their own with the
    reason in ``error``; candidates discovery could not run get rows with no interpreter. One bad
    interpreter never aborts the survey.

    :param interpreters: the interpreters to survey; ``None`` discovers them
        (:func:`~pipcache_ext.discover_interpreters`).
    :param backend: how each dir is measured, as for :class:`~pipcache_ext.PipCache`.
    :param env: the environment interpreters and pip run in; default ``os.environ``.
    :param timeout: seconds each ``info()`` may take (probes take at most 10 s).
    :param use_cache: read and write the disk cache of probe answers.
    :returns: rows with a cache dir first, sorted by dir, then the rows with errors.
    """
    ctx = DiscoveryContext.current(env, timeout=min(float(timeout), _PROBE_TIMEOUT))
    if interpreters is None:
        discovered = discover(ctx, use_cache=use_cache, pip_cache=True)
    else:
        paths = [i.path for i in interpreters]
        discovered = discover(
            ctx, sources=(), extra_paths=paths, use_cache=use_cache, pip_cache=True
        )
    by_dir: Dict[Path, List[Interpreter]] = {}
    rows: List[CacheReport] = []
    for interpreter in discovered.result.interpreters:
        answer = discovered.pip_cache.get(interpreter)
        if answer is not None and answer.state == "ok" and answer.cache_dir is not None:
            by_dir.setdefault(answer.cache_dir, []).append(interpreter)
        else:
            cache_dir = answer.cache_dir if answer is not None else None
            rows.append(
                CacheReport(cache_dir, (interpreter,), None, _row_error(interpreter, answer))
            )
    rows.extend(
        CacheReport(None, (), None, InterpreterError(failure.reason, interpreter=failure.path))
        for failure in discovered.result.failures
    )
    env_used = dict(os.environ if env is None else env)
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(by_dir)))) as pool:
        measured = list(
            pool.map(
                lambda item: _measure(
                    item[0], tuple(item[1]), backend=backend, env=env_used, timeout=timeout
                ),
                sorted(by_dir.items()),
            )
        )
    return measured + rows
