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

:func:`spare_recent` takes out of any plan the whole entries pip may be writing or about to install
(a file modified in the last few minutes, prune's window): what ``purge``/``remove`` leave by
default, so that they can run while ``pip install`` fills the same cache.
"""

# ruff: noqa: PTH118

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Collection, Dict, List, NamedTuple, Optional, Set, Tuple, TypeVar

from . import _fs
from ._fs import Handle
from ._housekeeping.lastuse import RECENT_NS, recently_written
from ._patterns import pattern_matcher, pip_glob
from ._pipversions import AREAS, HTTP_BODY, WHEELS, DeletionRules
from ._scan import DirNode, FileEntry, reason, scan_area
from ._walk.paths import NodePaths

_P = TypeVar("_P", str, Path)
_Makers = Tuple[Callable[[DirNode, str], _P], Callable[[DirNode], _P], Callable[[str], _P]]

__all__ = [
    "ALL",
    "SPARED_HOW",
    "CacheScan",
    "Plan",
    "Spared",
    "merged",
    "plan_removal",
    "recent_empty_dirs",
    "scan_cache",
    "spare_recent",
    "spared_warning",
]

#: The pattern that makes a ``remove`` a ``purge``.
ALL = "*"
_SELFCHECK_JSON = "selfcheck.json"
_BODY = HTTP_BODY


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
        with _fs.list_dir(root, cache_dir) as listing:
            names = sorted(entry.name for entry in listing)
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


class Spared(NamedTuple):
    """What :func:`spare_recent` took out of a plan."""

    files: Tuple[str, ...]
    """The files left: the counted files of the recent entries, then the leftovers of the
    directories kept, in the plan's order."""
    size: int
    """Their bytes (pip's rule: a symlink is 0)."""
    counted: int
    """How many of ``files`` the plan counted (the first ones)."""
    dirs: int
    """How many of the plan's directories stay."""


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
    spared: Optional[Spared] = None
    """What :func:`spare_recent` left out of the plan; ``None``: nothing."""

    @property
    def counted_bytes(self) -> int:
        return sum(entry.size for _node, entry in self.counted)

    def paths(self, cache_dir: str) -> List[str]:
        """Every path the plan removes, in order.

        The counted files (first, in :attr:`counted`'s order: a dry run's ``removed`` is this
        list's head), then each directory's leftovers and the directory itself, then
        ``selfcheck.json``.
        """
        return self._in_order(cache_dir, (DirNode.child_path, lambda node: node.path, str))

    def path_objects(self, cache_dir: str) -> List[Path]:
        """:meth:`paths` as :class:`Path` objects, each made from its directory's."""
        made = NodePaths()
        return self._in_order(cache_dir, (made.file, made.dir, Path))

    def _in_order(self, cache_dir: str, makers: _Makers[_P]) -> List[_P]:
        file, folder, whole = makers
        result = [file(node, entry.name) for node, entry in self.counted]
        for node in self.dirs:
            result.extend(file(node, entry.name) for entry in self.leftovers[id(node)])
            result.append(folder(node))
        if self.selfcheck_json is not None:
            result.append(whole(os.path.join(cache_dir, _SELFCHECK_JSON)))
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


def recent_empty_dirs(dirs: Collection[DirNode], now_ns: int) -> Set[int]:
    """The ``id()`` of each of ``dirs`` that is empty and was modified in the last few minutes.

    pip creates a wheel's directory before it builds the wheel that it then moves in (and an
    HTTP entry's before it writes the temporary file): removing such a directory fails the build.
    Each is read with ``lstat`` (one call per empty directory): the scan keeps no directory times.
    """
    found: Set[int] = set()
    for node in dirs:
        if node.files or node.children or node.dir_links or node.gone or not node.readable:
            continue
        try:
            st = os.lstat(node.path)
        except OSError:
            continue  # gone: nothing to spare
        if recently_written(st, now_ns):
            found.add(id(node))
    return found


def _top_name(node: DirNode) -> str:
    while node.parent is not None:
        node = node.parent
    return node.name


class _Recency:
    """Which entries of a scan hold a file modified in the last :data:`RECENT_NS`."""

    def __init__(self, now_ns: int) -> None:
        self.now = now_ns
        self._areas: Dict[int, str] = {}
        self._names: Dict[int, Dict[str, FileEntry]] = {}
        self._known: Dict[Tuple[int, str], bool] = {}

    def recent(self, entry: FileEntry) -> bool:
        return entry.stat is not None and recently_written(entry.stat, self.now)

    def entry(self, node: DirNode, entry: FileEntry) -> bool:
        """Whether ``entry``'s whole entry is recent.

        Under ``wheels/`` the entry is its directory (a wheel's directory holds that wheel and its
        ``origin.json``; a file at the top of ``wheels/`` is on its own), elsewhere ``<key>`` and
        ``<key>.body``.
        """
        area = self._areas.get(id(node))
        if area is None:
            area = self._areas[id(node)] = _top_name(node)
        whole_dir = area == WHEELS and node.parent is not None  # not wheels/ itself
        stem = ""
        if not whole_dir:
            stem = entry.name[: -len(_BODY)] if entry.name.endswith(_BODY) else entry.name
        key = (id(node), stem)
        known = self._known.get(key)
        if known is None:
            if whole_dir:
                known = any(self.recent(file) for file in node.files)
            else:
                names = self._names.get(id(node))
                if names is None:
                    names = self._names[id(node)] = {file.name: file for file in node.files}
                parts = (names.get(stem), names.get(stem + _BODY), entry)
                known = any(part is not None and self.recent(part) for part in parts)
            self._known[key] = known
        return known


def spare_recent(plan: Plan, now_ns: int, recent_dirs: Collection[int] = ()) -> Plan:
    """``plan`` without the whole entries that pip may be writing or about to install.

    An entry is recent when one of its files was modified in the last :data:`RECENT_NS` (prune's
    rule, :func:`~pipcache_ext._housekeeping.lastuse.recently_written`): pip writes a temporary
    file and renames it into place, and moves a wheel it has just built into ``wheels/``, where it
    waits until pip installs it. A wheel's entry is its directory, an HTTP entry is ``<key>`` with
    ``<key>.body``; with :attr:`Plan.entries` a whole entry of the plan stays when one of its files
    does. A directory the plan removes stays when it holds a recent file, when it is in
    ``recent_dirs`` (:func:`recent_empty_dirs`), or when one below it stays; so do its leftovers.

    A pure function of its arguments: a dry run and the real run get the same plan.
    """
    recency = _Recency(now_ns)
    spare = _whole(plan.entries, [recency.entry(node, entry) for node, entry in plan.counted])
    blocked: Set[int] = set()
    for (node, _entry), spared in zip(plan.counted, spare):
        if spared:
            _block(node, blocked)
    for node in plan.dirs:
        if id(node) in recent_dirs or any(recency.recent(e) for e in plan.leftovers[id(node)]):
            _block(node, blocked)
    if not blocked:
        return plan
    left = [part for part, spared in zip(plan.counted, spare) if spared]
    files = [node.child_path(entry.name) for node, entry in left]
    size = sum(entry.size for _node, entry in left)
    kept = [node for node in plan.dirs if id(node) in blocked]
    for node in kept:
        files.extend(node.child_path(entry.name) for entry in plan.leftovers[id(node)])
        size += sum(entry.size for entry in plan.leftovers[id(node)])
    dirs = [node for node in plan.dirs if id(node) not in blocked]
    return plan._replace(
        counted=[part for part, spared in zip(plan.counted, spare) if not spared],
        dirs=dirs,
        leftovers={id(node): plan.leftovers[id(node)] for node in dirs},
        entries=_kept_entries(plan.entries, spare),
        spared=Spared(tuple(files), size, len(left), len(kept)),
    )


def _whole(entries: Tuple[int, ...], spare: List[bool]) -> List[bool]:
    """``spare`` with every file of a plan's whole entry spared once one of them is."""
    start = 0
    for count in entries:
        if any(spare[start : start + count]):
            spare[start : start + count] = [True] * count
        start += count
    return spare


def _kept_entries(entries: Tuple[int, ...], spare: List[bool]) -> Tuple[int, ...]:
    """The sizes of the plan's whole entries that still go."""
    kept: List[int] = []
    start = 0
    for count in entries:
        if not spare[start]:
            kept.append(count)
        start += count
    return tuple(kept)


def _block(node: Optional[DirNode], blocked: Set[int]) -> None:
    """Keep ``node`` and every directory above it."""
    while node is not None and id(node) not in blocked:
        blocked.add(id(node))
        node = node.parent


#: How a removal's warning says to remove what it spared (the API, then the command line).
SPARED_HOW = "with spare_recent=False (the command line: --include-recent)"


def merged(total: Spared, more: Optional[Spared]) -> Spared:
    """``total`` and ``more`` (what two parts of one removal spared) as one."""
    if more is None:
        return total
    return Spared((*total.files, *more.files), total.size + more.size,
                  total.counted + more.counted, total.dirs + more.dirs)  # fmt: skip


def spared_warning(spared: Spared, how: str = SPARED_HOW) -> str:
    """What a removal left because pip may be using it, and how to remove it (``how``)."""
    minutes = RECENT_NS // 60_000_000_000
    dirs = f" and {spared.dirs} director{'y' if spared.dirs == 1 else 'ies'}" if spared.dirs else ""
    more = ", ..." if len(spared.files) > 1 else ""
    first = f" ({spared.files[0]}{more})" if spared.files else ""
    return (
        f"Left {len(spared.files)} file(s) ({spared.size} bytes){dirs} of cache entries modified in"
        f" the last {minutes} minutes{first}: pip may be writing them or about to install them;"
        f" run again in a few minutes, or {how} to remove them now"
    )
