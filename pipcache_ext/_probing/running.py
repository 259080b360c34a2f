"""Running the probe: one run with a fresh nonce, and many in parallel through the disk cache.

Outcomes are :class:`~pipcache_ext._probing.store.CachedProbe` records, as stored: the answer's
JSON text when the probe answered, the reason in words when it did not. Nothing here raises for
a bad interpreter.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

from .._parallel import parallel_map
from .._parsers.probe import (
    PipCacheDirAnswer,
    answer_data,
    interpreter_from_data,
    pip_cache_answer,
    probe_json,
)
from .._runner import Runner, run
from .._scripts import PROBE, PROBE_CACHE_DIR_MODE
from ..errors import InterpreterError
from ..models import Interpreter
from .store import CachedProbe, ProbeCache, probe_key, stamped_paths, user_cache_dir

__all__ = [
    "Settings",
    "probe_targets",
    "read_cache_dir",
    "read_interpreter",
    "run_probe",
    "stored_or_run",
]

logger = logging.getLogger("pipcache_ext")

# Both modes share a key: a complete answer (with the cache dir) also serves a plain request.
_KEY_CODE = f"{PROBE}\0{PROBE_CACHE_DIR_MODE}"


def __dir__() -> List[str]:
    return __all__


def run_probe(
    path: Path,
    *,
    env: Mapping[str, str],
    timeout: float,
    runner: Runner = run,
    cache_dir: bool = False,
) -> CachedProbe:
    """Run the probe in ``path`` once; never raises for a bad interpreter.

    :param cache_dir: also ask its pip for its cache dir (imports pip: 0.2-0.4 s of CPU).
    :returns: ``ok`` with the answer's JSON text, or not ``ok`` with the reason in words.
    """
    return _run(path, env=env, timeout=timeout, runner=runner, cache_dir=cache_dir)[0]


def _run(
    path: Path, *, env: Mapping[str, str], timeout: float, runner: Runner, cache_dir: bool
) -> Tuple[CachedProbe, bool]:
    """:func:`run_probe`'s outcome, and whether the interpreter ran at all."""
    nonce = secrets.token_hex(16)
    mode = (PROBE_CACHE_DIR_MODE,) if cache_dir else ()
    try:
        completed = runner((os.fspath(path), "-c", PROBE, nonce, *mode), env, timeout)
    except (InterpreterError, OSError) as exc:  # not found, not executable, killed by the timeout
        return CachedProbe(ok=False, answer=str(exc), complete=cache_dir), False
    text = probe_json(completed.stdout, nonce)
    if completed.returncode == 0 and text is not None and answer_data(text) is not None:
        return CachedProbe(ok=True, answer=text, complete=cache_dir), True
    detail = (completed.stderr.strip() or completed.stdout.strip())[-300:] or "no output"
    if completed.returncode != 0:
        reason = f"exited with code {completed.returncode} and said: {detail}"
    else:
        reason = f"does not answer like Python; it said: {detail}"
    return CachedProbe(ok=False, answer=reason, complete=cache_dir), True


def read_interpreter(outcome: CachedProbe, path: Path) -> Optional[Interpreter]:
    """The interpreter an ``ok`` outcome describes (as ``path``); ``None`` when it is not one."""
    data = answer_data(outcome.answer) if outcome.ok else None
    return None if data is None else interpreter_from_data(data, path=path)


def read_cache_dir(outcome: CachedProbe, interpreter: Interpreter) -> Optional[PipCacheDirAnswer]:
    """The cache dir a complete ``ok`` outcome reports; ``None`` when it was not asked."""
    data = answer_data(outcome.answer) if outcome.ok and outcome.complete else None
    return None if data is None else pip_cache_answer(data, interpreter)


# -- many runs, through the disk cache --------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How probes run and where their answers are kept.

    :ivar env: the environment they run in (and that keys the stored answers).
    :ivar timeout: seconds each may take before it is killed.
    :ivar runner: how processes run.
    :ivar cwd: the working directory (a relative cache dir is valid only there).
    :ivar platform: a ``sys.platform`` value (where pip's config files are).
    :ivar store: the disk cache; ``None`` runs every probe and stores nothing.
    :ivar write: store new answers (``False``: only read the disk cache, change nothing there).
    """

    env: Mapping[str, str]
    timeout: float
    runner: Runner = run
    cwd: str = "/"
    platform: str = sys.platform
    store: Optional[ProbeCache] = None
    write: bool = True

    @classmethod
    def current(  # noqa: PLR0913 - keyword-only options
        cls,
        env: Optional[Mapping[str, str]] = None,
        *,
        timeout: float,
        runner: Runner = run,
        use_cache: bool = True,
        cache_root: Optional[Path] = None,
        write: bool = True,
    ) -> Settings:
        """Settings for this process: ``os.environ`` (or ``env``) and its working directory."""
        environ = dict(os.environ if env is None else env)
        try:
            cwd = os.fspath(Path.cwd())
        except OSError:  # the working directory was deleted: answers that need it are not kept
            cwd, use_cache = "/", False
        store = None
        if use_cache:
            try:
                root = cache_root if cache_root is not None else user_cache_dir(environ)
            except (RuntimeError, KeyError):  # no home directory at all: nowhere to keep them
                root = None
            store = ProbeCache(root / "probes") if root is not None else None
        return cls(environ, float(timeout), runner, cwd, sys.platform, store, write)


def _workers() -> int:
    # The children are processes; threads only wait on them. A probe that imports pip (the
    # cache-dir question) spends much of its time reading files, so several per core keep the
    # cores busy: on two cores, 11 such probes took 2.6 s with 2 workers, 2.1 s with 4, 1.8 s
    # with 8. The plain probe is CPU-bound; the count hardly matters for it (38 in ~0.6 s).
    return min(32, max(8, 4 * (os.cpu_count() or 1)))


def _serves(outcome: CachedProbe, complete: bool) -> bool:
    """Whether a stored outcome answers a request that does (not) need pip's cache dir."""
    if outcome.ok:
        return outcome.complete or not complete
    # A failure without importing pip is a failure with it; not always the other way round.
    return complete or not outcome.complete


def stored_or_run(
    path: Path, resolved: os.stat_result, settings: Settings
) -> Tuple[CachedProbe, Optional[bool]]:
    """One plain probe of ``path`` through the disk cache: a stored answer while it is valid.

    Only a readable stored answer is taken from the disk cache (a stored failure is tried again,
    so its reason is this run's); a new outcome is stored when ``settings.write``.

    :param path: the interpreter, absolute, as it is run and keyed.
    :param resolved: ``os.stat(path)``.
    :returns: the outcome, and whether the interpreter ran (``None``: it came from the disk).
    """
    store = settings.store
    key = probe_key(path, resolved, _KEY_CODE, settings.env)
    if store is not None:
        stored = store.load(key, cwd=settings.cwd, timeout=settings.timeout)
        if stored is not None and read_interpreter(stored, path) is not None:
            return stored, None
    outcome, ran = _run(
        path, env=settings.env, timeout=settings.timeout, runner=settings.runner, cache_dir=False
    )
    if store is not None and ran and settings.write:
        _store(store, key, outcome, path, settings)
    return outcome, ran


def probe_targets(
    targets: Sequence[Tuple[Path, os.stat_result]], settings: Settings, *, cache_dir: bool
) -> List[CachedProbe]:
    """Each target's outcome, in order: stored when still valid, else probed in parallel, stored.

    :param targets: ``(path, os.stat(path))`` of each interpreter to run.
    :param cache_dir: also ask each pip for its cache dir.
    """
    store = settings.store
    keys = [probe_key(path, st, _KEY_CODE, settings.env) for path, st in targets]
    outcomes: List[Optional[CachedProbe]] = []
    for key in keys:
        stored = None
        if store is not None:
            stored = store.load(key, cwd=settings.cwd, timeout=settings.timeout)
        outcomes.append(stored if stored is not None and _serves(stored, cache_dir) else None)
    missing = [index for index, outcome in enumerate(outcomes) if outcome is None]
    logger.debug("%d interpreters, %d probed, %d from the disk cache",
                 len(targets), len(missing), len(targets) - len(missing))  # fmt: skip

    def probe(index: int) -> CachedProbe:
        path = targets[index][0]
        outcome = run_probe(
            path,
            env=settings.env,
            timeout=settings.timeout,
            runner=settings.runner,
            cache_dir=cache_dir,
        )
        if store is not None and settings.write:
            _store(store, keys[index], outcome, path, settings)
        return outcome

    for index, outcome in zip(missing, parallel_map(probe, missing, workers=_workers())):
        outcomes[index] = outcome
    if missing and store is not None and settings.write:
        store.prune()  # only when something was written: a warm run stays read-only
    return [outcome for outcome in outcomes if outcome is not None]


def _store(
    store: ProbeCache, key: str, outcome: CachedProbe, path: Path, settings: Settings
) -> None:
    stamped: List[str] = []
    cwd: Optional[str] = None
    if outcome.ok:
        data = answer_data(outcome.answer) or {}
        stamped = stamped_paths(data, settings.env, settings.platform, complete=outcome.complete)
        pip_cache = data.get("pip_cache")
        if outcome.complete and isinstance(pip_cache, dict) and pip_cache.get("relative"):
            cwd = settings.cwd  # a relative cache dir is resolved against the cwd
    store.store(key, outcome, path=path, timeout=settings.timeout, stamped=stamped, cwd=cwd)
