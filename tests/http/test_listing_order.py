"""A listing's order: by project (unnamed last), version as versions compare, kind, file name.

A repeated listing of an unchanged cache takes the order the last one kept with its names (no
sort); any change, or a kept order that does not fit, sorts again. The expected order is the
test's own, from what it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest
from _dists import sdist, wheel
from _httpcache import put

from pipcache_ext._http import listing
from pipcache_ext._http.listing import list_http

FILES = "https://files.example/packages/"
KIND_RANK = {"index-page": 0, "metadata": 1, "sdist": 2, "unknown": 3, "wheel": 4}


def _write(cache: Path, project: str, version: str, area: str, *, as_sdist: bool = False) -> Path:
    dist = sdist(project, version) if as_sdist else wheel(project, version)
    return put(cache, area, FILES + dist.filename, dist.data)[0]


def _cache(cache: Path) -> None:
    for version, area in (("10.0", "http-v2"), ("1.0", "http"), ("2.0", "http-v2")):
        _write(cache, "alpha", version, area)
    _write(cache, "beta", "1.0", "http", as_sdist=True)
    _write(cache, "beta", "1.0", "http-v2")
    put(cache, "http-v2", FILES + "junk", b"", raw=b"cc=4," + bytes(300))  # unknown: last


def _seen(cache: Path) -> List[Tuple[str, str, str]]:
    entries = list_http(cache, store=cache.parent / "store").entries
    return [(e.project or "?", e.version or "?", e.kind) for e in entries]


EXPECTED = [
    ("alpha", "1.0", "wheel"), ("alpha", "2.0", "wheel"), ("alpha", "10.0", "wheel"),
    ("beta", "1.0", "sdist"), ("beta", "1.0", "wheel"), ("?", "?", "unknown"),
]  # fmt: skip


def test_the_order_is_kept_and_sorted_again_on_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    _cache(cache)
    assert _seen(cache) == EXPECTED

    def no_sort(*_args: object) -> None:
        raise AssertionError("sorted again although nothing changed")

    with monkeypatch.context() as patched:
        patched.setattr(listing, "_sort_key", no_sort)
        assert _seen(cache) == EXPECTED  # the kept order

    _write(cache, "alpha", "3.0", "http")
    assert _seen(cache) == [*EXPECTED[:2], ("alpha", "3.0", "wheel"), *EXPECTED[2:]]


def test_a_kept_order_that_does_not_fit_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _cache(cache)
    assert _seen(cache) == EXPECTED
    (kept,) = (tmp_path / "store").iterdir()
    data = json.loads(kept.read_text())
    order = data["names"]["order"]
    for wrong in ([*order[1:], "http-v2/nowhere"], order[:-1], [order[0]] * len(order)):
        data["names"]["order"] = wrong
        kept.write_text(json.dumps(data))
        assert _seen(cache) == EXPECTED, wrong
