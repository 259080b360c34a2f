"""Everything cached for a project, and what a pip does not see, as deletion plans.

Both build a :class:`~pipcache_ext._plan.Plan` from one scan, run by the same executor as every
other deletion (:func:`~pipcache_ext._native.planned_result`: directory handles, identities
re-checked, dry run == real run):

- :func:`plan_projects`: a project's locally built wheels (by canonical name and version, read
  from the file name, not pip's glob) and its HTTP entries (wheels, sdists, ``.metadata`` files,
  redirects, index pages; with a version: not the pages, which list every version), each a
  *whole entry*: an ``http-v2`` entry's metadata file first, then its body, and the body stays
  when the metadata file could not be deleted. Directories the removal leaves empty go too
  (with a removed wheel's ``origin.json``), never the top dirs;
- :func:`plan_unseen`: every file of the areas a pip does not count (``http-v2/`` before 23.3),
  for ``purge(everything=True)``, with the directories it empties, top dirs included.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Set, Tuple

from packaging.utils import canonicalize_name

from .._parsers.list import wheel_name_version
from .._pipversions import WHEELS
from .._plan import CacheScan, Plan
from .._scan import DirNode, FileEntry
from .._walk.emptied import emptied_dirs
from .entries import Part
from .listing import Scanned, matches, same_version

__all__ = ["plan_projects", "plan_unseen"]


def _wheels(tree: Optional[DirNode], names: Set[str], version: Optional[str]) -> List[Part]:
    """The wheels under ``wheels/`` of these canonical ``names`` (and ``version``)."""
    found: List[Tuple[str, Part]] = []
    if tree is None:
        return []
    for node in tree.preorder():
        for entry in node.files:
            if not entry.name.endswith(".whl") or "-" not in entry.name:
                continue
            name, written = wheel_name_version(entry.name)
            if name in names and (version is None or same_version(written, version)):
                found.append((node.child_path(entry.name), (node, entry)))
    found.sort(key=lambda item: item[0])
    return [part for _path, part in found]


def _keeps(wheels: bool, staying: List[FileEntry]) -> bool:
    """Whether a directory stays: under ``wheels/`` for a wheel (the rest goes with it)."""
    return any(entry.name.endswith(".whl") for entry in staying) if wheels else bool(staying)


def _plan(
    entries: Sequence[Sequence[Part]], trees: Iterable[DirNode], no_match: str, *, keep_top: bool
) -> Plan:
    counted = [part for entry in entries for part in entry]
    orders = [(tree.name == WHEELS and tree.parent is None, tree.preorder()) for tree in trees]
    dirs, leftovers = emptied_dirs(orders, counted, _keeps, keep_top=keep_top)
    return Plan(
        counted,
        dirs,
        leftovers,
        None,
        None if counted else no_match,
        tuple(len(entry) for entry in entries),
    )


def plan_projects(  # noqa: PLR0913 - keyword-only choices, as remove_project's
    scan: CacheScan,
    scanned: Scanned,
    names: Sequence[str],
    *,
    version: Optional[str] = None,
    wheels: bool = True,
    http: bool = True,
) -> Plan:
    """Everything cached for ``names`` (any spelling) in ``scan``'s areas.

    :param scanned: the HTTP entries of the same scan (:func:`~._http.listing.scan_http`).
    """
    chosen: List[Tuple[str, Tuple[Part, ...]]] = []
    if http:
        for item, entry in zip(scanned.found, scanned.entries):
            if any(matches(entry, name, version) for name in names):
                chosen.append((str(item.paths[0]), item.parts))
    chosen.sort(key=lambda pair: pair[0])
    groups: List[Sequence[Part]] = [parts for _path, parts in chosen]
    canonical: Set[str] = {canonicalize_name(name) for name in names}
    if wheels:
        groups.extend([part] for part in _wheels(scan.trees.get(WHEELS), canonical, version))
    shown = ", ".join(sorted(canonical)) + (f" {version}" if version else "")
    trees = [tree for tree in scan.trees.values() if tree is not None]
    return _plan(groups, trees, f"No cached files for {shown}", keep_top=True)


def plan_unseen(scan: CacheScan, areas: Sequence[str]) -> Plan:
    """Every file under ``areas`` (those a pip does not see), and the directories they empty."""
    trees = [tree for name, tree in scan.trees.items() if name in areas and tree is not None]
    files = [
        (node.child_path(entry.name), (node, entry))
        for tree in trees
        for node in tree.preorder()
        for entry in node.files
    ]
    files.sort(key=lambda item: item[0])
    return _plan([[part] for _path, part in files], trees, "Nothing else to remove", keep_top=False)
