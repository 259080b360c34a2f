"""A usage of an unchanged cache from a small summary: the HTTP areas walked, no entry looked up.

What a usage needs of an HTTP entry is its project, version and problem (a warning), which come
from naming every entry (:func:`~pipcache_ext._http.listing.scan_http`), and its bytes and last
use, which come from its files' ``lstat``. A usage that named every entry from what the disk cache
knew or kept (no read failed: the listing's ``complete`` fingerprint) keeps beside the disk cache
a summary of it (a *tally*): the distinct ``(project, version, problem)`` of its entries, and for
each shard (``http-v2/0``; an area's own files: ``http-v2``) the code of each entry, in the order
of their paths. A later usage walks the areas (:func:`walk`, as lean as a prune's read: no
object per file, no record looked up), hashes each entry's ``(path, key)`` into the fingerprint
as a listing does (:func:`~pipcache_ext._http.store.entry_hash`) and sorts each shard's paths:
when the fingerprint is the summary's, the set of entries is the one summarised, so the i-th
path of a shard has the shard's i-th code, and the rows and warnings are the ones the listing
would give. Any difference and the usage is made the long way (and summarised again).

The walk gives the warnings of :func:`~pipcache_ext._walk.readonly.read_listed` and groups files
into entries as :mod:`~pipcache_ext._http.areas` does, in the same order.
"""

# ruff: noqa: PTH123

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from .. import _fs
from .._http.store import FORMAT, store_file
from .._pipversions import HTTP_BODY, HTTP_KEY, HTTP_V2
from .._scan import FileEntry, points_to_dir, reason

__all__ = [
    "Code",
    "Counted",
    "ShardTally",
    "Summary",
    "keep",
    "load",
    "shard_of",
    "summary_file",
    "walk",
]

_TALLY_FORMAT = f"{FORMAT}.1"  # the store's, then this layout's
_KEY, _BODY = HTTP_KEY, HTTP_BODY
_KEY_LENGTH, _BODY_LENGTH = 56, len(_BODY)
_BLAKE2B = hashlib.blake2b  # entry_hash's, inlined
_ELOOP = getattr(os, "ELOOP", 40)

#: What a usage counts an HTTP entry under: its canonical project (``None``: nobody's), its
#: version (``None`` without a project) and its problem (a warning; ``None``: none).
Code = Tuple[Optional[str], Optional[str], Optional[str]]


class Counted(NamedTuple):
    """What a shard's entries count under each code, and those with a problem."""

    counts: Dict[int, List[int]]  # code -> [entries, bytes, last use (ns)]
    problems: List[Tuple[str, int]]  # (path in the cache dir, code), in the walk's order


class Summary(NamedTuple):
    """A kept tally: what it stands for, the codes, and each shard's entries' codes."""

    fingerprint: str
    codes: List[Code]
    shards: Dict[str, List[int]]
    problems: Set[int]  # the codes with a problem


def summary_file(root: Path, cache_dir: str) -> Path:
    """Where the tally of ``cache_dir`` is kept: beside its disk cache of HTTP entries."""
    return store_file(root, cache_dir, ".usage.json")


def shard_of(relative: str) -> str:
    """The shard of an entry's path in the cache dir (``http-v2/0/1/...`` -> ``http-v2/0``)."""
    parts = relative.split(os.sep, 2)
    return parts[0] if len(parts) < 3 else f"{parts[0]}{os.sep}{parts[1]}"


def _code(value: Any) -> Optional[Code]:  # noqa: ANN401 - JSON
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(item is None or isinstance(item, str) for item in value)
    ):
        return (value[0], value[1], value[2])
    return None


def load(file: Path, cache_dir: str) -> Optional[Summary]:
    """The tally kept in ``file`` for ``cache_dir``; ``None`` if none, or not a valid one."""
    try:
        with open(file, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != _TALLY_FORMAT:
        return None
    if data.get("cache_dir") != cache_dir:
        return None
    return _summary(data.get("fingerprint"), data.get("codes"), data.get("shards"))


def _summary(fingerprint: Any, codes: Any, shards: Any) -> Optional[Summary]:  # noqa: ANN401 - JSON
    if not isinstance(fingerprint, str) or not isinstance(codes, list):
        return None
    checked = [_code(value) for value in codes]
    if None in checked or not isinstance(shards, dict):
        return None
    for listed in shards.values():
        if not isinstance(listed, list) or not all(
            isinstance(i, int) and 0 <= i < len(checked) for i in listed
        ):
            return None
    problems = {i for i, code in enumerate(checked) if code is not None and code[2] is not None}
    return Summary(fingerprint, checked, shards, problems)  # type: ignore[arg-type] # no None


def keep(file: Path, cache_dir: str, fingerprint: str, entries: Sequence[Tuple[str, Code]]) -> None:
    """Write the tally of ``entries`` (each: its path in the cache dir, its code), atomically.

    One that cannot be written is skipped (the next usage is made the long way).
    """
    codes: Dict[Code, int] = {}
    shards: Dict[str, List[Tuple[str, int]]] = {}
    for relative, code in entries:
        number = codes.setdefault(code, len(codes))
        shards.setdefault(shard_of(relative), []).append((relative, number))
    data = {
        "format": _TALLY_FORMAT,
        "cache_dir": cache_dir,
        "fingerprint": fingerprint,
        "codes": [list(code) for code in codes],
        "shards": {shard: [n for _r, n in sorted(listed)] for shard, listed in shards.items()},
    }
    with contextlib.suppress(OSError):  # not kept: the next usage is listed the long way
        _fs.write_atomically(file, json.dumps(data, separators=(",", ":")))


class ShardTally:
    """The entries of one shard as walked: each one's path, bytes and last use, and the sum.

    :param skip: how much of a directory's path to cut for its path in the cache dir.
    """

    __slots__ = ("area", "count", "lasts", "mtime_only", "paths", "sizes", "skip", "total")

    def __init__(self, area: str, skip: int, mtime_only: bool) -> None:
        self.area = area
        self.skip = skip
        self.mtime_only = mtime_only
        self.paths: List[str] = []  # in the walk's order (the listing's)
        self.sizes: List[int] = []
        self.lasts: List[int] = []
        self.total = 0  # of the entries' hashes (the fingerprint's sum)
        self.count = 0

    def add(self, files: List[Tuple[str, os.stat_result]], folder: str) -> None:
        """Group the files of one directory (at ``folder`` in the cache dir) into entries.

        The hot loop of a usage (one pass per entry, inlined): an entry's key, bytes and last
        use as :func:`~pipcache_ext._http.store.key_of` and ``Found`` have them (a link's size
        is 0, pip's rule; its last use its mtime: a scan that asks where it leads moves its
        atime).
        """
        v2 = self.area == HTTP_V2
        prefix = folder + os.sep
        if v2 and len(files) == 2 and self._pair(files, prefix):
            return
        names = dict(files) if v2 and len(files) > 1 else {}
        s_islnk, mtime_only, fullmatch, blake2b = (
            stat.S_ISLNK,
            self.mtime_only,
            _KEY.fullmatch,
            _BLAKE2B,
        )
        paths, sizes, lasts = self.paths, self.sizes, self.lasts
        total = 0
        for name, st in files:
            body = None
            if len(name) == _KEY_LENGTH and fullmatch(name):
                if v2:
                    body = names.get(name + _BODY)
            elif (
                v2
                and name.endswith(_BODY)
                and name[:-_BODY_LENGTH] in names
                and fullmatch(name[:-_BODY_LENGTH])
            ):
                continue  # the body of the entry named by its other file
            mtime = modified = st.st_mtime_ns
            key = f"{st.st_ino}-{st.st_size}-{mtime}"
            if s_islnk(st.st_mode):
                size, last = 0, mtime
            else:
                size, atime = st.st_size, st.st_atime_ns
                last = max(mtime, atime)
            if body is not None:
                mtime = body.st_mtime_ns
                key = f"{key},{body.st_ino}-{body.st_size}-{mtime}"
                modified = max(modified, mtime)
                if s_islnk(body.st_mode):
                    last = max(last, mtime)
                else:
                    size += body.st_size
                    last = max(last, mtime, body.st_atime_ns)
            relative = prefix + name
            text = f"{relative}\0{key}".encode("utf-8", "surrogateescape")
            total += int.from_bytes(blake2b(text, digest_size=16).digest(), "big")
            paths.append(relative)
            sizes.append(size)
            lasts.append(modified if mtime_only else last)
        self.total += total
        self.count = len(paths)

    def _pair(self, files: List[Tuple[str, os.stat_result]], prefix: str) -> bool:
        """:meth:`add` of a directory holding one ``http-v2`` entry's two files, if it does.

        Most directories of ``http-v2/`` do: this is the loop of :meth:`add` for them, in one
        step. ``False``: not such a pair (or a file of it is a link), nothing added.
        """
        (first, one), (second, two) = files
        if second == first + _BODY:
            name, meta, body = first, one, two
        elif first == second + _BODY:
            name, meta, body = second, two, one
        else:
            return False
        s_islnk = stat.S_ISLNK
        if (
            len(name) != _KEY_LENGTH
            or not _KEY.fullmatch(name)
            or s_islnk(meta.st_mode)
            or s_islnk(body.st_mode)
        ):
            return False
        relative = prefix + name
        mtime, body_mtime = meta.st_mtime_ns, body.st_mtime_ns
        text = (f"{relative}\0{meta.st_ino}-{meta.st_size}-{mtime},"
                f"{body.st_ino}-{body.st_size}-{body_mtime}")  # fmt: skip
        digest = _BLAKE2B(text.encode("utf-8", "surrogateescape"), digest_size=16).digest()
        self.total += int.from_bytes(digest, "big")
        self.count += 1
        self.paths.append(relative)
        self.sizes.append(meta.st_size + body.st_size)
        if self.mtime_only:
            self.lasts.append(max(mtime, body_mtime))
        else:
            self.lasts.append(max(mtime, body_mtime, meta.st_atime_ns, body.st_atime_ns))
        return True

    def add_entries(self, files: Sequence[FileEntry], folder: str) -> bool:
        """:meth:`add` of scanned files; ``False`` if one has no ``lstat`` (nothing added)."""
        listed = [(entry.name, entry.stat) for entry in files]
        if any(st is None for _name, st in listed):
            return False
        self.add(listed, folder)  # type: ignore[arg-type] # no None in it
        return True

    def counted(self, codes: Optional[List[int]], problems: Set[int]) -> Optional[Counted]:
        """What the shard counts under each code, given its entries' ``codes`` (paths' order).

        :param problems: the codes with a problem: their entries are listed.
        :returns: ``None`` if ``codes`` cannot be the shard's entries' (not as many).
        """
        paths = self.paths
        codes = codes or []
        if len(codes) != len(paths):
            return None
        by_position = [0] * len(paths)
        for position, code in zip(sorted(range(len(paths)), key=paths.__getitem__), codes):
            by_position[position] = code
        counts: Dict[int, List[int]] = {}
        for code, size, last in zip(by_position, self.sizes, self.lasts):
            row = counts.get(code)
            if row is None:
                counts[code] = [1, size, last]
            else:
                row[0] += 1
                row[1] += size
                row[2] = max(row[2], last)
        listed = [(paths[i], code) for i, code in enumerate(by_position) if code in problems]
        return Counted(counts, listed)


def walk(parent: int, name: str, path: str, tally: ShardTally, warnings: List[str]) -> None:  # noqa: C901, PLR0912 - the hot loop, inlined
    """Walk the directory ``name`` (at ``path``) of the open ``parent`` into ``tally``.

    As :func:`~pipcache_ext._walk.readonly.read_listed` (POSIX, directory handles): each
    directory opened from its parent with ``O_NOFOLLOW``, told by its listed type; a link to a
    directory is not an entry's file (nor followed), a link to anything else is. Its loop is that
    one's, kept apart on purpose: a file here is its name and ``lstat``, no object made for it or
    for its directory (what a usage pays 45,000 times); the same order and warnings, which the
    tests compare with a listing's.
    """
    try:
        fd = os.open(name, _fs.DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        return  # gone since its parent was listed
    except OSError as exc:
        if isinstance(exc, (NotADirectoryError, IsADirectoryError)) or exc.errno == _ELOOP:
            warnings.append(f"Not descending into {path}: it changed while being read")
        else:
            warnings.append(f"Could not read directory {path}: {reason(exc)}")
        return
    try:
        files: List[Tuple[str, os.stat_result]] = []
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
                    if stat.S_ISLNK(st.st_mode) and points_to_dir(entry):
                        continue
                    files.append((entry.name, st))
        except FileNotFoundError:
            return  # gone while listed
        except OSError as exc:
            warnings.append(f"Could not read directory {path}: {reason(exc)}")
            return
        if files:
            tally.add(files, path[tally.skip :])
        prefix = path + os.sep
        for child in below:
            walk(fd, child, prefix + child, tally, warnings)
    finally:
        os.close(fd)
