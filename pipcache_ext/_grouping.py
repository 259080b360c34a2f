"""Which interpreters share a cache dir, and which of them acts on it: one rule for the package.

``survey()`` measures each shared dir once and the CLI's ``remove``/``purge``/``info --all`` act
on each dir once; both go through :func:`group_by_cache_dir` and :func:`choose_actor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from ._pipversions import PipVersion, features, parse_pip_version
from .models import Interpreter

__all__ = ["CacheGroup", "choose_actor", "group_by_cache_dir"]


def __dir__() -> List[str]:
    return __all__


@dataclass(frozen=True)
class CacheGroup:
    """One cache dir and the interpreters whose pip uses it.

    :ivar cache_dir: the cache directory.
    :ivar interpreters: the interpreters using it, in the order they were given.
    :ivar actor: the one that acts on (or measures) the dir: see :func:`choose_actor`.
    """

    cache_dir: Path
    interpreters: Tuple[Interpreter, ...]
    actor: Interpreter


def _rank(interpreter: Interpreter) -> Tuple[bool, PipVersion]:
    version = parse_pip_version(interpreter.pip_version or "") or PipVersion(0, 0)
    return (features(version).has_cache, version)


def choose_actor(interpreters: Sequence[Interpreter]) -> Interpreter:
    """The interpreter that acts on a dir several share: the one whose pip is newest.

    A pip with ``pip cache`` (20.1+) comes before one without, then the newer version; among
    equals (or pips whose version cannot be read) the first in the given order wins, so the
    choice never depends on path names.

    :raises ValueError: ``interpreters`` is empty.
    """
    if not interpreters:
        raise ValueError("choose_actor() needs at least one interpreter")
    best = interpreters[0]
    best_rank = _rank(best)
    for interpreter in interpreters[1:]:
        rank = _rank(interpreter)
        if rank > best_rank:  # strictly newer: ties keep the earlier one
            best, best_rank = interpreter, rank
    return best


def group_by_cache_dir(pairs: Iterable[Tuple[Interpreter, Path]]) -> List[CacheGroup]:
    """Group ``(interpreter, cache_dir)`` pairs by dir, each with its actor.

    An interpreter given twice for the same dir counts once.

    :returns: one group per distinct dir, sorted by dir; interpreters keep the given order.
    """
    by_dir: Dict[Path, List[Interpreter]] = {}
    for interpreter, cache_dir in pairs:
        users = by_dir.setdefault(cache_dir, [])
        if interpreter not in users:
            users.append(interpreter)
    return [
        CacheGroup(cache_dir, tuple(users), choose_actor(users))
        for cache_dir, users in sorted(by_dir.items())
    ]
