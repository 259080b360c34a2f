"""The entries of a scanned HTTP area: which files make each, what the disk cache knows, reading.

Grouping: in ``http-v2/`` an entry is ``<key>`` and ``<key>.body`` (either may be missing); in
``http/`` it is ``<key>``. Any other file (a leftover ``*.tmp``) is an entry of its own, unknown.
Each entry is read by :func:`~pipcache_ext._http.entries.read_entry`.
"""

# ruff: noqa: PTH120

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

from .._fs import Handle
from .._pipversions import HTTP_BODY, HTTP_KEY, HTTP_V2
from .._scan import DirNode, FileEntry
from .._walk.paths import Folders
from .entries import Chain, Compact, Found, read_entry
from .sniff import Facts, unknown
from .store import Key, Store, key_of

__all__ = ["Listed", "Pending", "read_area"]

_KEY, _BODY = HTTP_KEY, HTTP_BODY

#: An entry's key, entry file, body file, and its files in order.
_Group = Tuple[Optional[str], Optional[FileEntry], Optional[FileEntry], Tuple[FileEntry, ...]]


def _groups(node: DirNode, area: str) -> List[_Group]:
    """``(key, entry file, body file)`` of each entry in ``node``; a stray is its own entry."""
    names = {entry.name: entry for entry in node.files}
    groups: List[_Group] = []
    for entry in node.files:
        name = entry.name
        if _KEY.fullmatch(name):
            body = names.get(name + _BODY) if area == HTTP_V2 else None
            groups.append((name, entry, body, (entry,) if body is None else (entry, body)))
        elif area == HTTP_V2 and name.endswith(_BODY) and _KEY.fullmatch(name[: -len(_BODY)]):
            if name[: -len(_BODY)] not in names:
                groups.append((name[: -len(_BODY)], None, entry, (entry,)))  # no entry file
        else:
            groups.append((None, None, entry, (entry,)))  # a stray: a leftover temporary file, ...
    return groups


class Pending(NamedTuple):
    """An entry the disk cache did not know: to be read."""

    position: int  # in the listing
    node: DirNode
    meta: Optional[FileEntry]
    body: Optional[FileEntry]
    relative: str
    key: Optional[Key]  # None: not kept (a file without its lstat)


class Listed:
    """What reading an area gives: its entries, in tree order, with the problems of some."""

    def __init__(self, area: str, store: Store, skip: int, folders: Optional[Folders]) -> None:
        self.area = area
        self.store = store
        self.skip = skip  # paths in the store are relative to the cache dir
        self.folders = folders  # None: no Path objects (made where the listing returns)
        self.found: List[Found] = []
        self.problems: Dict[int, str] = {}
        #: read_compact's: the entries read, as Found.compact() gives them, and their problems
        self.compacts: List[Compact] = []
        self.compact_problems: List[Tuple[int, str]] = []

    def node(self, node: DirNode, pending: List[Pending]) -> None:
        """Add the entries of ``node``; those the disk cache does not know go to ``pending``."""
        area, store, found = self.area, self.store, self.found
        folders, folder = self.folders, node.path[self.skip :]
        prefix = folder + os.sep
        for key, meta, body, files in _groups(node, area):
            stats = [e.stat for e in files if e.stat is not None]
            relative = prefix + files[0].name
            store_key = key_of(stats)
            store.seen(relative, store_key)
            stored = store.get(relative, store_key) if len(stats) == len(files) else None
            facts: Optional[Facts] = None
            if stored is not None:
                if stored.problem is not None:
                    self.problems[len(found)] = stored.problem
            elif key is not None:
                kept = store_key if len(stats) == len(files) else None
                pending.append(Pending(len(found), node, meta, body, relative, kept))
            else:  # a stray file: nothing to read
                facts = unknown(None)
            paths = () if folders is None else tuple(folders.file(folder, e.name) for e in files)
            parts = tuple((node, e) for e in files)
            text = stored.facts if stored is not None else None
            found.append(Found(area, key, parts, paths, relative, facts, text))

    def learnt(self, item: Pending, facts: Facts, keep: bool) -> None:
        """What reading the pending ``item`` found."""
        self.found[item.position].set_facts(facts)
        if keep and item.key is not None:
            self.store.put(item.relative, item.key, facts)
        if facts.problem is not None:
            self.problems[item.position] = facts.problem

    def read_here(self, node: DirNode, handle: Handle) -> None:
        """Add the entries of ``node`` and read the new ones through ``handle``, open on it."""
        if not node.files:
            return
        pending: List[Pending] = []
        self.node(node, pending)
        for item in pending:
            self.learnt(
                item, *read_entry(lambda _node: (handle, ""), node, self.area, item.meta, item.body)
            )

    def read_compact(self, node: DirNode, handle: Handle) -> None:
        """:meth:`read_here`, each entry then kept only as its :meth:`Found.compact`.

        A worker's: it sends back nothing else, and letting go of the scanned files directory
        by directory (not at the end) saved a sixth of its time on 39,000 entries.
        """
        self.read_here(node, handle)
        if self.found:
            offset = len(self.compacts)
            self.compacts.extend(found.compact() for found in self.found)
            self.found.clear()
            problems = sorted(self.problems.items())
            self.compact_problems.extend((offset + i, problem) for i, problem in problems)
            self.problems.clear()

    def warnings(self) -> List[str]:
        """One line per entry with a problem, in the listing's order."""
        return [f"{self.found[i].paths[0]}: {self.problems[i]}" for i in sorted(self.problems)]


def read_area(  # noqa: PLR0913 - the listing's parts
    root: Handle,
    tree: DirNode,
    area: str,
    store: Store,
    warnings: List[str],
    *,
    problems: Optional[List[Tuple[int, str]]] = None,
) -> List[Found]:
    """Every entry under the scanned ``tree`` of ``area`` (``http`` or ``http-v2``).

    First what the disk cache knows, in one pass; then the entries it does not know are read,
    in tree order, through one chain of directory handles. (Reading in threads was measured:
    no faster warm or cold on 2 cores, the parsing holds the GIL; forked processes are,
    :mod:`~pipcache_ext._http.shards`.)

    :param root: the open cache dir (the tree's top is opened from it).
    :param store: what earlier listings learnt; updated with what this one reads.
    :param warnings: gets one line per entry that could not be read, in the listing's order.
    :param problems: gets ``(position among the entries returned, problem)`` of each of them.
    """
    cache = os.path.dirname(tree.path)
    listed = Listed(area, store, len(cache) + 1, Folders(Path(cache)))
    pending: List[Pending] = []
    for node in tree.preorder():
        if node.files:
            listed.node(node, pending)
    chain = Chain(root)
    try:
        for item in pending:
            listed.learnt(item, *read_entry(chain.handle, item.node, area, item.meta, item.body))
    finally:
        chain.close()
    warnings.extend(listed.warnings())
    if problems is not None:
        problems.extend(sorted(listed.problems.items()))
    return listed.found
