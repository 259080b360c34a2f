"""A read-only scan for a worker of a listing: the scan's entries and warnings, fewer calls.

A listing's worker keeps nothing of the directories it reads (it sends back each entry in a few
plain values), so it needs neither their identities (an ``lstat`` before opening, an ``fstat``
after: what a deletion re-checks) nor a :class:`~pipcache_ext._scan.DirNode` for each of the
directories that only lead to others (most of them: an HTTP area fans out over five levels).
:func:`read_listed` reads a subtree as :func:`~pipcache_ext._scan.read_subtree` does, in the same
order, with the same warnings and the same files, each directory in one function call: a
directory is told by its listed type (``d_type``; an ``lstat`` where the file system does not
give it), opened from its parent with ``O_NOFOLLOW`` (a link is never followed), listed, and the
directories holding files visited while open. On 10,000 HTTP entries (23,000 directories) the
read took a fifth less than the scan's, and less than ``os.walk``.

POSIX only, on directory descriptors; elsewhere it is the scan itself.
"""

from __future__ import annotations

import os
import stat
from typing import List

from .. import _fs
from .._fs import Handle, Identity
from .._scan import DirNode, FileEntry, Visit, points_to_dir, read_subtree, reason

__all__ = ["NO_IDENTITY", "read_listed"]

#: The identity of a directory read here (none is recorded).
NO_IDENTITY = Identity(-1, -1)

_POSIX = os.name == "posix"


def read_listed(parent: Handle, node: DirNode, warnings: List[str], visit: Visit) -> None:
    """:func:`~pipcache_ext._scan.read_subtree` of ``node`` for a listing (nothing deleted).

    ``visit`` gets each directory that holds files or directory links (a new
    :class:`DirNode` with them, :data:`NO_IDENTITY`, no parent or children) and its open
    handle, parents before children, in the scan's order. ``node`` itself is not changed.
    """
    if not _POSIX or not isinstance(parent, int):
        read_subtree(parent, node, warnings, visit)
        return
    _read(parent, node.name, node.path, warnings, visit)


def _read(parent: Handle, name: str, path: str, warnings: List[str], visit: Visit) -> None:  # noqa: C901, PLR0912 - the hot loop, inlined
    try:
        fd = _fs.open_child(parent, name, path, None)  # O_NOFOLLOW, no identity to check
    except FileNotFoundError:
        return  # gone since its parent was listed
    except _fs.NotADirectoryHere:
        warnings.append(f"Not descending into {path}: it changed while being read")
        return
    except OSError as exc:
        warnings.append(f"Could not read directory {path}: {reason(exc)}")
        return
    try:
        files: List[FileEntry] = []
        links: List[FileEntry] = []
        below: List[str] = []
        try:
            with os.scandir(fd) as listing:
                for entry in listing:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            below.append(entry.name)
                            continue
                        st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # vanished since it was listed
                    identity = Identity(st.st_dev, st.st_ino)
                    if stat.S_ISLNK(st.st_mode):
                        link = FileEntry(entry.name, identity, 0, True, st)  # noqa: FBT003
                        (links if points_to_dir(entry) else files).append(link)
                    else:
                        files.append(FileEntry(entry.name, identity, st.st_size, False, st))  # noqa: FBT003
        except FileNotFoundError:
            return  # gone while listed
        except OSError as exc:
            warnings.append(f"Could not read directory {path}: {reason(exc)}")
            return
        if files or links:
            node = DirNode(name, path, NO_IDENTITY, None)
            node.files, node.dir_links = files, links
            visit(node, fd)
        prefix = path + os.sep
        for child in below:
            _read(fd, child, prefix + child, warnings, visit)
    finally:
        _fs.close(fd)
