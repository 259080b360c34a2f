"""Probing the grouped candidates through :mod:`pipcache_ext._probing`, and reading the answers."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .._parsers.probe import PipCacheDirAnswer
from .._probing import Settings, probe_targets, read_cache_dir, read_interpreter
from .._probing.store import CachedProbe, ProbeCache, user_cache_dir
from ..models import DiscoveryFailure, Interpreter
from .context import DiscoveryContext
from .identity import Group, probed_identity

__all__ = ["assemble", "probe_groups"]


def probe_groups(
    groups: Sequence[Group],
    ctx: DiscoveryContext,
    *,
    cache_root: Optional[Path],
    use_cache: bool,
    pip_cache: bool,
) -> List[CachedProbe]:
    """Each group's probe outcome, through the disk cache under ``cache_root/probes``."""
    store: Optional[ProbeCache] = None
    if use_cache:
        try:
            root = cache_root if cache_root is not None else user_cache_dir(ctx.env, ctx.platform)
        except (RuntimeError, KeyError):  # no HOME and no password entry: nowhere to keep them
            root = None
        store = ProbeCache(root / "probes") if root is not None else None
    settings = Settings(ctx.env, ctx.timeout, ctx.runner, os.fspath(ctx.cwd), ctx.platform, store)
    targets = [(group.primary, group.resolved) for group in groups]
    return probe_targets(targets, settings, cache_dir=pip_cache)


def assemble(
    groups: Sequence[Group],
    outcomes: Sequence[CachedProbe],
    failures: List[DiscoveryFailure],
    order: Sequence[str],
) -> Dict[Interpreter, Optional[PipCacheDirAnswer]]:
    """Interpreters from the probes' answers (failed ones appended to ``failures``), merged.

    :param order: every source name, in the order ``Interpreter.sources`` lists them.
    :returns: each interpreter, with its pip's cache dir when the probe was asked for it.
    """
    merged: Dict[Tuple[str, Path], Tuple[Group, Interpreter, Optional[PipCacheDirAnswer]]] = {}
    for group, outcome in zip(groups, outcomes):
        if not outcome.ok:
            failures.append(DiscoveryFailure(group.primary, outcome.answer, tuple(group.sources)))
            continue
        interpreter = read_interpreter(outcome, group.primary)
        if interpreter is None:
            reason = f"answered the probe with unreadable data: {outcome.answer[:300]}"
            failures.append(DiscoveryFailure(group.primary, reason, tuple(group.sources)))
            continue
        identity = probed_identity(interpreter)
        if identity in merged:
            merged[identity][0].absorb(group)
            continue
        merged[identity] = (group, interpreter, read_cache_dir(outcome, interpreter))

    rank = {name: index for index, name in enumerate(order)}
    answers: Dict[Interpreter, Optional[PipCacheDirAnswer]] = {}
    for group, interpreter, answer in merged.values():
        primary = group.primary
        final = dataclasses.replace(
            interpreter,
            path=primary,
            sources=tuple(sorted(group.sources, key=rank.__getitem__)),
            aliases=tuple(sorted((p for p in group.paths if p != primary), key=os.fspath)),
        )
        answers[final] = answer
    return answers
