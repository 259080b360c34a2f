"""The rows of a usage: what one project takes, counted file by file or entry by entry.

A :class:`Row` per project (``None``: nobody's); the files of ``wheels/`` counted into rows
directory by directory (:func:`wheel_dir`: a wheel's ``origin.json`` and other files beside it go
with the wheels of that directory when they are of one project); the rows made models, biggest
first (:func:`finish`).
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional, Set, Tuple

from .._names import wheel_name_version
from .._pipversions import version_key
from .._scan import DirNode, FileEntry
from ..models import ProjectUsage
from .lastuse import last_use_ns, noatime_warning

__all__ = ["Row", "finish", "merge", "row_of", "wheel_dir", "wheel_tree"]


@functools.lru_cache(maxsize=4096)  # thousands of rows share a few versions
def _version_order(version: str) -> Tuple[Tuple[int, ...], str]:
    return version_key(version), version


class Row:
    """What one project takes: wheels and HTTP entries (counts, bytes), versions, last use."""

    __slots__ = ("http_entries", "http_size", "last_used", "versions", "wheel_count", "wheels_size")

    def __init__(self) -> None:
        self.wheel_count = 0
        self.wheels_size = 0
        self.http_entries = 0
        self.http_size = 0
        self.versions: Set[str] = set()
        self.last_used = 0

    def used(self, files: Iterable[FileEntry], mtime_only: bool) -> None:
        for entry in files:
            if entry.stat is not None:
                when = last_use_ns(entry.stat, mtime_only=mtime_only, is_link=entry.is_link)
                self.last_used = max(self.last_used, when)

    def add_http(self, version: Optional[str], entries: int, size: int, last_used: int) -> None:
        """Count ``entries`` HTTP entries (of ``version``, if one) taking ``size`` bytes."""
        self.http_entries += entries
        self.http_size += size
        if version:
            self.versions.add(version)
        self.last_used = max(self.last_used, last_used)

    def model(self, project: Optional[str]) -> ProjectUsage:
        versions = sorted(self.versions, key=_version_order)
        return ProjectUsage(
            project=project,
            wheel_count=self.wheel_count,
            wheels_size=self.wheels_size,
            http_entries=self.http_entries,
            http_size=self.http_size,
            size=self.wheels_size + self.http_size,
            versions=tuple(versions),
            last_used=(
                datetime.fromtimestamp(self.last_used / 1e9, tz=timezone.utc)
                if self.last_used
                else None
            ),
        )


def row_of(rows: Dict[Optional[str], Row], project: Optional[str]) -> Row:
    """The row of ``project`` in ``rows``, made if it is not there yet."""
    row = rows.get(project)
    if row is None:
        row = rows[project] = Row()
    return row


def wheel_tree(tree: Optional[DirNode], rows: Dict[Optional[str], Row], mtime_only: bool) -> None:
    if tree is not None:
        for node in tree.preorder():
            wheel_dir(node, rows, mtime_only)


def wheel_dir(node: DirNode, rows: Dict[Optional[str], Row], mtime_only: bool) -> None:
    """Count the files of one directory of ``wheels/`` into ``rows``."""
    projects: Set[str] = set()
    others: List[FileEntry] = []
    for entry in node.files:
        name = entry.name
        if name.endswith(".whl") and "-" in name:
            project, version = wheel_name_version(name)
            projects.add(project)
            row = row_of(rows, project)
            row.wheel_count += 1
            row.wheels_size += entry.size
            if version:
                row.versions.add(version)
            if entry.stat is not None:
                when = last_use_ns(entry.stat, mtime_only=mtime_only, is_link=entry.is_link)
                row.last_used = max(row.last_used, when)
        else:
            others.append(entry)
    if others:
        owner: Optional[str] = next(iter(projects)) if len(projects) == 1 else None
        row = row_of(rows, owner)
        row.wheels_size += sum(entry.size for entry in others)
        row.used(others, mtime_only)


def merge(rows: Dict[Optional[str], Row], more: Dict[Optional[str], Row]) -> None:
    for project, part in more.items():
        row = row_of(rows, project)
        row.wheel_count += part.wheel_count
        row.wheels_size += part.wheels_size
        row.versions |= part.versions
        row.last_used = max(row.last_used, part.last_used)


def finish(
    path: str, rows: Dict[Optional[str], Row], warnings: List[str], mtime_only: bool
) -> Tuple[List[ProjectUsage], List[str]]:
    result = [row.model(project) for project, row in rows.items() if project is not None]
    result.sort(key=lambda item: (-item.size, item.project or ""))
    if None in rows:
        result.append(rows[None].model(None))
    if mtime_only:
        warnings.insert(0, noatime_warning(path))
    return result, warnings
