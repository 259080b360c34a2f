"""The deletion plan: from one scan and one pip release's rules to exactly what goes.

:func:`plan_removal` is a pure function of a :class:`CacheScan` (read by :func:`scan_cache`) and
:class:`~pipcache_ext._pipversions.DeletionRules`. Every dry run returns its plan, whatever the
backend; the native backend executes it (:mod:`pipcache_ext._execute`); the pip backend checks the
scan as a precondition and compares the tree with the plan after pip ran.

What a plan removes (spec §2.6):

- the files pip counts: under ``wheels/`` those whose basename matches pip's glob; for the exact
  pattern ``*`` also every file under the HTTP dirs of the rules;
- then, where the rules have the 26.x cleanup pass, each directory under the cleaned dirs that is
  left with no file (under ``wheels/``: no ``*.whl``) beneath it, top dirs included, with the files
  and directory links left in it; and ``<cache>/selfcheck.json``.
"""

# ruff: noqa: PTH118

from __future__ import annotations

import os
import stat
from typing import Callable, Dict, List, NamedTuple, Optional, Set, Tuple

from . import _fs
from ._fs import Handle
from ._patterns import pattern_matcher, pip_glob
from ._pipversions import AREAS, WHEELS, DeletionRules
from ._scan import DirNode, FileEntry, reason, scan_area

__all__ = ["ALL", "CacheScan", "Plan", "plan_removal", "scan_cache"]

#: The pattern that makes a ``remove`` a ``purge``.
ALL = "*"
_SELFCHECK_JSON = "selfcheck.json"


class CacheScan(NamedTuple):
    """One read of a cache dir: its top dirs' trees and the loose files pip may touch."""

    cache_dir: str
    trees: Dict[str, Optional[DirNode]]
    selfcheck_json: Optional[FileEntry]
    other_entries: Tuple[str, ...]  # top-level names that are none of pip's
    warnings: Tuple[str, ...]


def scan_cache(root: Handle, cache_dir: str, areas: Tuple[str, ...]) -> CacheScan:
    """Read ``areas`` of the open cache dir ``root`` (and what lies at its top)."""
    warnings: List[str] = []
    trees = {name: scan_area(root, cache_dir, name, warnings) for name in areas}
    selfcheck: Optional[FileEntry] = None
    others: List[str] = []
    try:
        names = sorted(entry.name for entry in _fs.list_dir(root, cache_dir))
    except OSError as exc:
        warnings.append(f"Could not read directory {cache_dir}: {reason(exc)}")
        names = []
    for name in names:
        if name == _SELFCHECK_JSON:
            path = os.path.join(cache_dir, name)
            try:
                st = _fs.stat_child(root, name, path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):  # pip tests os.path.isfile
                selfcheck = FileEntry(name, _fs.identity_of(st), st.st_size, is_link=False)
        elif name not in AREAS and name != "selfcheck":
            others.append(name)
    return CacheScan(cache_dir, trees, selfcheck, tuple(others), tuple(warnings))


class Plan(NamedTuple):
    """What one ``remove``/``purge`` deletes, in the order it deletes it."""

    counted: List[Tuple[DirNode, FileEntry]]
    """The files pip counts in ``Files removed``, in pip's order."""
    dirs: List[DirNode]
    """The directories the cleanup pass removes, children before their parents."""
    leftovers: Dict[int, List[FileEntry]]
    """By ``id()`` of a removed directory: the uncounted files and dir links deleted with it."""
    selfcheck_json: Optional[FileEntry]
    """``<cache>/selfcheck.json``, when the rules delete it and it is there."""
    no_match: Optional[str]
    """pip's ``No matching packages`` wording, when nothing matched."""
    entries: Tuple[int, ...] = ()
    """How many of ``counted``'s files make each whole entry, in order (an ``http-v2`` entry:
    its metadata file, then its body). Once a file of an entry stays, the entry's later files are
    not deleted. Empty: every file is on its own (pip's rule)."""

    @property
    def counted_bytes(self) -> int:
        return sum(entry.size for _node, entry in self.counted)

    def paths(self, cache_dir: str) -> List[str]:
        """Every path the plan removes, in order.

        The counted files, then each directory's leftovers and the directory itself, then
        ``selfcheck.json``.
        """
        result = [node.child_path(entry.name) for node, entry in self.counted]
        for node in self.dirs:
            result.extend(node.child_path(entry.name) for entry in self.leftovers[id(node)])
            result.append(node.path)
        if self.selfcheck_json is not None:
            result.append(os.path.join(cache_dir, _SELFCHECK_JSON))
        return result


def plan_removal(scan: CacheScan, pattern: str, rules: DeletionRules) -> Plan:
    """Decide what ``pip cache remove <pattern>`` (``*``: ``purge``) of ``rules``' pip deletes."""
    match = pattern_matcher(pip_glob(pattern))
    counted: List[Tuple[DirNode, FileEntry]] = []
    wheels = scan.trees.get(WHEELS)
    if wheels is not None:
        counted.extend(_files(wheels, lambda entry: match(entry.name)))
    if pattern == ALL:  # only the exact pattern "*" pulls in the HTTP caches
        for name in rules.http_for_all:
            tree = scan.trees.get(name)
            if tree is not None:
                counted.extend(_files(tree, lambda _entry: True))
    no_match = None
    if not counted:
        no_match = "No matching packages"
        if pattern != ALL and rules.pattern_in_warning:
            no_match += f' for pattern "{pattern}"'

    dirs, leftovers = _cleanup(scan, rules, {id(entry) for _node, entry in counted})
    selfcheck = scan.selfcheck_json if rules.selfcheck_json else None
    return Plan(counted, dirs, leftovers, selfcheck, no_match)


def _cleanup(
    scan: CacheScan, rules: DeletionRules, going: Set[int]
) -> Tuple[List[DirNode], Dict[int, List[FileEntry]]]:
    """The 26.x pass: the directories left without files, and what is left in each."""
    dirs: List[DirNode] = []
    leftovers: Dict[int, List[FileEntry]] = {}
    for name in AREAS:
        tree = scan.trees.get(name)
        if name not in rules.cleanup or tree is None:
            continue
        wheel_area = name == WHEELS

        def keeps(entry: FileEntry, wheel_area: bool = wheel_area) -> bool:
            if id(entry) in going:
                return False
            return entry.name.endswith(".whl") if wheel_area else True

        for node in _removable(tree, keeps):
            dirs.append(node)
            leftovers[id(node)] = [
                entry for entry in (*node.files, *node.dir_links) if id(entry) not in going
            ]
    return dirs, leftovers


def _files(tree: DirNode, wanted: Callable[[FileEntry], bool]) -> List[Tuple[DirNode, FileEntry]]:
    """The files under ``tree`` that ``wanted`` picks, sorted by path."""
    found = [
        (node.child_path(entry.name), node, entry)
        for node in tree.preorder()
        for entry in node.files
        if wanted(entry)
    ]
    found.sort(key=lambda item: item[0])
    return [(node, entry) for _path, node, entry in found]


def _removable(root: DirNode, keeps: Callable[[FileEntry], bool]) -> List[DirNode]:
    """The directories the cleanup pass removes, children before parents.

    A directory is kept when it could not be read, holds a file that ``keeps``, or has a kept
    subdirectory; one that vanished while read is neither kept nor removed.
    """
    kept: Set[int] = set()
    removable: List[DirNode] = []
    for node in reversed(root.preorder()):  # children before their parent
        if node.gone:
            continue
        if (
            not node.readable
            or any(keeps(entry) for entry in node.files)
            or any(id(child) in kept for child in node.children)
        ):
            kept.add(id(node))
        else:
            removable.append(node)
    return removable
