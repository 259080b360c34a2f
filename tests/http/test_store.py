"""The disk cache of HTTP listings (``_http.store``): what a worker sends back adds up to one store.

A worker's copy of the store sees and learns a part of the entries (:meth:`Store.taken`); the
parent adds the parts (:meth:`Store.add`). The fingerprint that decides whether the last names
still hold must not depend on how the entries were split or in which order they were seen, must
change when one entry changes, appears or goes, and the saved store must hold exactly the entries
of this listing: the learnt ones as learnt, the unchanged ones as they were, none that went.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

from pipcache_ext._http.sniff import Facts
from pipcache_ext._http.store import Store

ENTRIES = [(f"http-v2/{i}/e{i}", f"{100 + i}-{i}-{i * 7}") for i in range(6)]
URLS = ["https://index.example/simple/"]


def _facts(project: str) -> Facts:
    return Facts("wheel", project, "1.0", None, None, (), None)


def _listed(root: Path, cache: str, entries: List[Tuple[str, str]], parts: int) -> Store:
    """A listing of ``entries``: each read (learnt when unknown) by one of ``parts`` workers."""
    parent = Store(root, cache)
    for part in range(parts):
        worker = Store(root, cache)  # a forked worker has the same store loaded
        for path, key in entries[part::parts]:
            worker.seen(path, key)
            if worker.get(path, key) is None:
                worker.put(path, key, _facts(path.rsplit("/", 1)[1]))
        parent.add(worker.taken())
    return parent


def _records(root: Path) -> dict:
    (file,) = root.iterdir()
    return json.loads(file.read_text())["entries"]


def test_the_fingerprint_is_of_the_set_seen_however_it_was_split(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    prints = set()
    for parts, order in ((1, ENTRIES), (2, ENTRIES), (3, ENTRIES[::-1])):
        store = _listed(tmp_path / f"store-{parts}", cache, order, parts)
        prints.add(store._fingerprint(URLS))
    assert len(prints) == 1
    (same,) = prints
    changed = [ENTRIES[0], (ENTRIES[1][0], "999-1-1"), *ENTRIES[2:]]
    for other in (changed, ENTRIES[1:], [*ENTRIES, ("http-v2/9/e9", "1-2-3")]):
        store = _listed(tmp_path / f"store-{len(other)}-{other[1][1]}", cache, other, 2)
        assert store._fingerprint(URLS) != same
    store = _listed(tmp_path / "store-urls", cache, ENTRIES, 2)
    assert store._fingerprint(["https://other.example/simple/"]) != same


def test_the_saved_store_holds_this_listings_entries_only(tmp_path: Path) -> None:
    cache, root = str(tmp_path / "cache"), tmp_path / "store"
    _listed(root, cache, ENTRIES, 2).save()
    first = _records(root)
    assert sorted(first) == sorted(path for path, _key in ENTRIES)
    assert all(first[path][0] == key for path, key in ENTRIES)
    # unchanged: nothing is written (the file stays as it was)
    (file,) = root.iterdir()
    file.write_text(file.read_text() + " ")
    _listed(root, cache, ENTRIES, 3).save()
    assert file.read_text().endswith(" ")
    # one entry gone, one changed: the gone one is dropped, the changed one learnt anew, the
    # others kept as they were (found by path in the parent's own copy)
    changed = (ENTRIES[1][0], "999-1-1")
    _listed(root, cache, [changed, *ENTRIES[2:]], 2).save()
    now = _records(root)
    assert sorted(now) == sorted(path for path, _key in ENTRIES[1:])
    assert now[changed[0]][0] == "999-1-1"
    assert all(now[path] == first[path] for path, _key in ENTRIES[2:])
