"""_grouping: one rule for which interpreter acts on a shared cache dir."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from pipcache_ext._grouping import CacheGroup, choose_actor, group_by_cache_dir
from pipcache_ext.models import Interpreter


def _interpreter(name: str, pip: Optional[str]) -> Interpreter:
    path = Path("/fake") / name / "bin" / "python"
    return Interpreter(
        path=path,
        executable=path,
        version="3.12.0",
        implementation="cpython",
        prefix=path.parent.parent,
        base_prefix=Path("/usr"),
        is_venv=True,
        pip_version=pip,
    )


def test_newest_pip_acts() -> None:
    old, mid, new = (
        _interpreter("a", "19.3.1"),
        _interpreter("b", "23.2.1"),
        _interpreter("c", "26.3"),
    )
    assert choose_actor([old, mid, new]) is new
    assert choose_actor([new, old, mid]) is new


def test_pip_cache_command_beats_a_legacy_pip_and_no_pip() -> None:
    legacy, modern, none = (
        _interpreter("a", "20.0.2"),
        _interpreter("b", "20.1"),
        _interpreter("c", None),
    )
    assert choose_actor([legacy, none, modern]) is modern
    assert choose_actor([none, legacy]) is legacy


def test_ties_go_to_the_first_given_not_the_greatest_path() -> None:
    # "z" sorts after "a": the old survey rank took the greatest path; the first given wins now
    first, second = _interpreter("z", "26.3"), _interpreter("a", "26.3")
    assert choose_actor([first, second]) is first
    assert choose_actor([second, first]) is second
    # a pre-release counts as its release: a tie too
    beta = _interpreter("m", "26.3b1")
    assert choose_actor([beta, first]) is beta


def test_unreadable_versions_rank_last_and_keep_order() -> None:
    odd, other = _interpreter("a", "weird"), _interpreter("b", "also-weird")
    assert choose_actor([odd, other]) is odd
    assert choose_actor([odd, _interpreter("c", "8.1.2")]).pip_version == "8.1.2"


def test_choose_actor_needs_someone() -> None:
    with pytest.raises(ValueError, match="at least one"):
        choose_actor([])


def test_group_by_cache_dir_sorted_by_dir_keeping_order() -> None:
    a, b, c, d = (_interpreter(n, v) for n, v in zip("abcd", ("20.1", "26.3", "19.0.3", "26.3")))
    one, two = Path("/caches/one"), Path("/caches/two")
    groups = group_by_cache_dir([(c, two), (a, one), (b, one), (d, two), (a, one)])
    assert groups == [
        CacheGroup(one, (a, b), b),
        CacheGroup(two, (c, d), d),
    ]
    assert group_by_cache_dir([]) == []
