"""The scan of a large cache's areas shared among forked workers: the sequential scan's trees.

Each area's top directory is listed here (:func:`~pipcache_ext._scan.open_area`); its shards
(``wheels/aa``, ``http-v2/0``, ...) are taken one after the other by processes, one per core,
this one among them (:func:`~.forks.fork_pull`). A worker reads each shard with the scan every
plan uses (:func:`~pipcache_ext._scan.read_subtree`) and sends it back as nested tuples of plain
values (an ``lstat`` as a :class:`~pipcache_ext._scan.Stat`: a pickled ``os.stat_result`` costs
20 times more), which are made into the same :class:`~pipcache_ext._scan.DirNode` and
:class:`~pipcache_ext._scan.FileEntry` objects here, in the shard's place. The shards this
process reads are read into the tree directly. The trees and the warnings (each area's, in the
order the sequential scan gives them) are the sequential scan's.
"""

# ruff: noqa: PTH118

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

from .. import _fs
from .._fs import Handle, Identity
from .._scan import DirNode, FileEntry, Stat, open_area, read_subtree, scan_area
from .forks import can_fork, fork_pull, workers
from .trees import PARALLEL_MIN_FILES, estimate

__all__ = ["parallel", "scan_trees"]

# A file or directory link: name, dev, ino, size, is_link, then its lstat's mode, size, atime
# and mtime (ns); a directory: name, dev, ino, gone, readable, files, links, children.
_File = Tuple[str, int, int, int, bool, int, int, int, int]
_Node = Tuple[str, int, int, bool, bool, List[_File], List[_File], List[object]]


def parallel(cache_dir: str, names: Sequence[str], wanted: Optional[bool] = None) -> bool:
    """Whether the areas ``names`` are to be scanned by workers (``wanted``: ``None`` decides)."""
    if wanted is not None:
        return wanted
    if workers() <= 1 or not can_fork():
        return False
    guess = sum(estimate(os.path.join(cache_dir, name)) for name in names)
    return guess >= PARALLEL_MIN_FILES


def scan_trees(
    root: Handle,
    cache_dir: str,
    names: Sequence[str],
    warnings: List[str],
    *,
    parallel: bool = True,
) -> Dict[str, Optional[DirNode]]:
    """``{name: scan_area(root, cache_dir, name, warnings)}``, the shards read by workers.

    :param parallel: ``False``: every area scanned here, one after the other.
    """
    if not parallel:
        return {name: scan_area(root, cache_dir, name, warnings) for name in names}
    opened: List[Tuple[str, Optional[DirNode], Optional[Handle], List[str]]] = []
    try:
        for name in names:
            said: List[str] = []
            got = open_area(root, cache_dir, name, said)
            top, handle = (None, None) if got is None else got
            opened.append((name, top, handle, said))
        return _scan(opened, warnings)
    finally:
        for _name, _top, handle, _said in opened:
            if handle is not None:
                _fs.close(handle)


def _scan(
    opened: List[Tuple[str, Optional[DirNode], Optional[Handle], List[str]]],
    warnings: List[str],
) -> Dict[str, Optional[DirNode]]:
    jobs = [(a, i) for a, (_n, top, handle, _s) in enumerate(opened)
            if top is not None and handle is not None
            for i in range(len(top.children))]  # fmt: skip
    here = os.getpid()

    def work(job: Tuple[int, int]) -> Tuple[List[str], Optional[_Node]]:
        _name, top, handle, _said = opened[job[0]]
        assert top is not None and handle is not None  # noqa: PT018, S101 - jobs: listed
        said: List[str] = []
        shard = top.children[job[1]]
        read_subtree(handle, shard, said)
        return said, None if os.getpid() == here else _encoded(shard)  # here: read in place

    read = dict(zip(jobs, fork_pull(work, jobs, workers())))
    trees: Dict[str, Optional[DirNode]] = {}
    for a, (name, top, _handle, said) in enumerate(opened):
        warnings.extend(said)
        trees[name] = top
        for i, shard in enumerate(top.children if top is not None else []):
            if (a, i) not in read:
                continue  # the top could not be listed to the end: its shards are not read
            shard_warnings, data = read[(a, i)]
            warnings.extend(shard_warnings)
            if data is not None:
                _fill(shard, data)
    return trees


def _encoded(node: DirNode) -> _Node:
    def entry(e: FileEntry) -> _File:
        st = e.stat
        assert st is not None  # noqa: S101 - the scan keeps every entry's lstat
        dev, ino = e.identity
        return (e.name, dev, ino, e.size, e.is_link, st.st_mode, st.st_size, st.st_atime_ns,
                st.st_mtime_ns)  # fmt: skip

    dev, ino = node.identity
    return (node.name, dev, ino, node.gone, node.readable, [entry(e) for e in node.files],
            [entry(e) for e in node.dir_links], [_encoded(c) for c in node.children])  # fmt: skip


def _entries(data: List[_File]) -> List[FileEntry]:
    return [FileEntry(name, Identity(dev, ino), size, is_link, Stat(mode, ino, dev, st_size, a, m))
            for name, dev, ino, size, is_link, mode, st_size, a, m in data]  # fmt: skip


def _fill(node: DirNode, data: _Node) -> None:
    """Give ``node`` (listed, unread) what a worker read below it."""
    _name, _dev, _ino, node.gone, node.readable, files, links, children = data
    node.files = _entries(files)
    node.dir_links = _entries(links)
    prefix = node.path + os.sep
    for item in children:
        child_data: _Node = item  # type: ignore[assignment]
        name, dev, ino = child_data[:3]
        child = DirNode(name, prefix + name, Identity(dev, ino), node)
        node.children.append(child)
        _fill(child, child_data)
