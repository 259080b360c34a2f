"""What a prune's shard gives back: its decision reported (a dry run) or carried out.

A dry run sends the paths the decision removes; the real run has the common executor
(:func:`~pipcache_ext._execute.execute`: directory handles, every file and directory re-checked
against what round one read, ``rmdir`` only) delete exactly that decision, made into its
:class:`~pipcache_ext._plan.Plan`, and sends what went. Either way the paths go as text.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Tuple

from .._fs import Handle, Identity
from .._scan import DirNode, FileEntry
from . import shards
from .shards import CHILDREN, DEV, INO, NAME, PATH, Decision, Dir

if TYPE_CHECKING:  # the executor and its plans: imported by a real run only
    from .._plan import Plan

__all__ = ["Done", "carry_out"]


class Done(NamedTuple):
    """Round two's answer for a shard: what went (a dry run: would go), as text.

    The paths are joined by NUL: one string crosses the pipe as bytes, and is split only if the
    result's paths are read (:meth:`~pipcache_ext._walk.paths.LazyPaths.joined`).
    """

    removed: str  # the counted files, in path order
    files: int  # how many
    after: str  # then what is left in each emptied directory and the directory
    after_count: int
    keys: List[str]  # for an area's own files: each removed file's entry's path
    matched: bool  # the decision removes something
    size: int
    dirs: int
    failed: List[str]
    warnings: List[str]


def carry_out(  # noqa: PLR0913 - what a shard's run needs
    top: Dir,
    view: Optional[DirNode],
    decision: Decision,
    *,
    dry_run: bool,
    root: Handle,
    cache: str,
    keys: bool,
) -> Done:
    """Report ``decision`` (a dry run) or have the executor delete exactly it.

    :param keys: give each removed file its entry's path (an area's top directory's files,
        put in order among the shards).
    """
    sep = os.sep
    removed: List[str] = []
    after: List[str] = []
    failed: List[str] = []
    warnings: List[str] = []
    if dry_run:
        for e in decision.going:
            removed.append(e.key[1])  # the path of its first file
            if len(e.parts) > 1:  # an http-v2 entry's body: no generator per entry
                removed.extend([f"{e.node[PATH]}{sep}{f[0]}" for f in e.parts[1:]])
        for node, staying in decision.dirs:
            if staying:  # a wheel's origin.json; most directories hold nothing more
                after.extend([f"{node[PATH]}{sep}{f[0]}" for f in staying])
            after.append(node[PATH])  # type: ignore[arg-type]
        size, dirs = decision.size, len(decision.dirs)
    elif decision.going:
        assert view is not None  # noqa: S101 - something goes: the area was listed
        from .._execute import execute  # noqa: PLC0415 - a real run's only

        outcome = execute(_plan(top, view, decision), root, cache)
        removed, after = outcome.removed, outcome.deleted[len(outcome.removed) :]
        size, dirs = outcome.bytes_removed, outcome.dirs_removed
        failed, warnings = outcome.failed, outcome.warnings
    else:
        size = dirs = 0
    entries: List[str] = []
    if keys:
        entry_of = {f"{e.node[PATH]}{sep}{f[0]}": e.key[1] for e in decision.going
                    for f in e.parts}  # fmt: skip
        entries.extend(entry_of[path] for path in removed)
    return Done("\0".join(removed), len(removed), "\0".join(after), len(after), entries,
                 matched=bool(decision.going), size=size, dirs=dirs, failed=failed,
                 warnings=warnings)  # fmt: skip


def _plan(top: Dir, view: DirNode, decision: Decision) -> Plan:
    """``decision`` as the executor's :class:`~pipcache_ext._plan.Plan` (made for real runs).

    ``view`` stands for the area's top directory (the executor reaches every directory from the
    cache dir through it); ``top`` is a shard below it, or (``top`` read as ``view``) its files.
    """
    nodes: Dict[int, DirNode] = {}
    stack: List[Tuple[Dir, DirNode]] = []
    if top[PATH] == view.path:
        nodes[id(top)] = view  # the area's own files: the executor reaches them through view
    else:
        stack.append((top, view))  # a shard below it
    while stack:
        node, parent = stack.pop()
        made = DirNode(node[NAME], node[PATH], Identity(node[DEV], node[INO]), parent)  # type: ignore[arg-type]
        nodes[id(node)] = made
        stack.extend((child, made) for child in node[CHILDREN])  # type: ignore[attr-defined]
    entries: Dict[int, FileEntry] = {}

    def entry(file: shards.File) -> FileEntry:
        made = entries.get(id(file))
        if made is None:
            made = entries[id(file)] = FileEntry(file[0], Identity(file[1], file[2]), file[3],
                                                 file[4])  # fmt: skip
        return made

    counted = [(nodes[id(e.node)], entry(f)) for e in decision.going for f in e.parts]
    dirs = [nodes[id(node)] for node, _staying in decision.dirs]
    leftovers = {id(nodes[id(node)]): [entry(f) for f in staying]
                 for node, staying in decision.dirs}  # fmt: skip
    from .._plan import Plan  # noqa: PLC0415 - a real run's only

    return Plan(counted, dirs, leftovers, None, None, tuple(len(e.parts) for e in decision.going))
