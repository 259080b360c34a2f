"""The directories a removal of whole entries leaves empty: what remove_project removes.

Only directories that held a file that goes (or lie above one); never one that vanished, could
not be read or holds a directory link, nor one with a child that stays. What may stay in a
directory that is removed (its *leftovers*, deleted with it) is the caller's rule. Counted per
directory (its files that go, its children that are removed), not by a look at every file and
child: this can run over every directory of a large cache (96,000 at 87,000 files).
A prune applies the same rules to its own read (:mod:`pipcache_ext._housekeeping.shards`).
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .._scan import DirNode, FileEntry

__all__ = ["Keeps", "emptied_dirs"]

#: Whether a directory must stay for the files that stay in it: ``(under wheels/, staying)``.
Keeps = Callable[[bool, List[FileEntry]], bool]


def emptied_dirs(
    orders: Iterable[Tuple[bool, List[DirNode]]],
    counted: Sequence[Tuple[DirNode, FileEntry]],
    keeps: Keeps,
    *,
    keep_top: bool,
) -> Tuple[List[DirNode], Dict[int, List[FileEntry]]]:
    """``(the directories left empty, children first; by id() of each, its leftovers)``.

    :param orders: each area's directories, parents first (``DirNode.preorder()``), and whether
        the area is ``wheels/``.
    :param counted: the files that go (each once).
    :param keep_top: never remove an area's top directory.
    """
    going_in, touched = _touched(counted)
    going: Optional[Set[int]] = None  # ids of the files that go, made when first needed
    dirs: List[DirNode] = []
    leftovers: Dict[int, List[FileEntry]] = {}
    removable: Set[int] = set()
    removable_below: Dict[int, int] = {}  # id of a directory -> its removable children
    for wheels, order in orders:
        for node in reversed(order):
            key = id(node)
            if key not in touched or node.gone or not node.readable or node.dir_links:
                continue
            if keep_top and node.parent is None:
                continue
            children = node.children
            if removable_below.get(key, 0) != len(children) and not all(
                id(c) in removable or c.gone for c in children
            ):
                continue
            staying: List[FileEntry] = []
            if going_in.get(key, 0) != len(node.files):
                if going is None:
                    going = {id(entry) for _node, entry in counted}
                staying = [entry for entry in node.files if id(entry) not in going]
                if keeps(wheels, staying):
                    continue
            removable.add(key)
            if node.parent is not None:
                parent = id(node.parent)
                removable_below[parent] = removable_below.get(parent, 0) + 1
            dirs.append(node)
            leftovers[key] = staying
    return dirs, leftovers


def _touched(counted: Sequence[Tuple[DirNode, FileEntry]]) -> Tuple[Dict[int, int], Set[int]]:
    """``(by id() of a directory, how many of its files go; the ids of it and those above)``."""
    going_in: Dict[int, int] = {}
    touched: Set[int] = set()
    for node, _entry in counted:
        key = id(node)
        count = going_in.get(key)
        going_in[key] = 1 if count is None else count + 1
        current: Optional[DirNode] = node
        while count is None and current is not None and id(current) not in touched:
            touched.add(id(current))
            current = current.parent
    return going_in, touched
