"""When a cached file was last used, read from its ``lstat`` (which never changes its times).

pip marks a use in a file's times only: a cache hit reads the file (its atime moves, about once a
day under ``relatime``), a revalidated page is rewritten (its mtime moves). Last use is therefore
the newest of mtime and atime; on a filesystem mounted ``noatime`` atime never moves, so mtime
alone is used (and a warning says so). The HTTP readers open files with ``O_NOATIME`` where the
kernel allows it (:mod:`pipcache_ext._http.entries`), so a listing does not make an entry look used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

from .._scan import StatLike

__all__ = [
    "RECENT_NS",
    "TEMP_AGE_NS",
    "is_temporary",
    "last_use_ns",
    "noatime_mount",
    "noatime_warning",
    "recently_written",
]

#: A file modified this recently is never pruned: pip may be writing it (5 minutes).
RECENT_NS = 5 * 60 * 1_000_000_000
#: A half-written temporary file older than this is removed by every prune (one hour).
TEMP_AGE_NS = 60 * 60 * 1_000_000_000
_MOUNTINFO = "/proc/self/mountinfo"


def last_use_ns(st: StatLike, *, mtime_only: bool, is_link: bool = False) -> int:
    """A file's last use, in nanoseconds: the newest of mtime and atime (a link: mtime)."""
    if mtime_only or is_link:  # a scan that asks whether a link leads to a dir moves its atime
        return st.st_mtime_ns
    return max(st.st_mtime_ns, st.st_atime_ns)


def recently_written(st: StatLike, now_ns: int) -> bool:
    """Whether the file was modified in the last :data:`RECENT_NS` (or in the future)."""
    return st.st_mtime_ns > now_ns - RECENT_NS


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a half-written temporary file (pip's ``adjacent_tmp_file``)."""
    return name.endswith(".tmp")


def _unescape(field: str) -> str:
    """A mountinfo path field: spaces, tabs, newlines and backslashes are octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _mounts(text: str) -> List[Tuple[str, List[str]]]:
    """``(mount point, per-mount options)`` of each line of ``/proc/self/mountinfo``."""
    found: List[Tuple[str, List[str]]] = []
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) >= 6:  # id, parent, dev, root, mount point, options
            found.append((_unescape(fields[4]), fields[5].split(",")))
    return found


def noatime_mount(path: str, *, mountinfo: Optional[str] = None) -> bool:
    """Whether ``path`` lies on a filesystem mounted ``noatime`` (Linux; elsewhere ``False``).

    :param mountinfo: the text of ``/proc/self/mountinfo`` (for tests); read here when ``None``.
    """
    if mountinfo is None:
        try:
            with Path(_MOUNTINFO).open(encoding="utf-8", errors="surrogateescape") as handle:
                mountinfo = handle.read()
        except OSError:
            return False
    real = os.path.realpath(path)
    best: Optional[Tuple[str, List[str]]] = None
    for point, options in _mounts(mountinfo):
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, options)  # the last of equal mount points is the one on top
    return best is not None and "noatime" in best[1]


def noatime_warning(cache_dir: str) -> str:
    """The warning of a prune or usage on a ``noatime`` filesystem."""
    return (
        f"{cache_dir} is on a filesystem mounted noatime: last use is read from modification"
        " times alone (a cache hit is not seen)"
    )
