"""What was learnt about each HTTP entry, kept on disk so that a repeated listing reads no entry.

One JSON file per cache dir in this library's own cache dir
(:func:`~pipcache_ext._probing.store.user_cache_dir` ``/ "http-entries"``), never in pip's. A
record is keyed by the entry's path in the cache and holds the ``(inode, size, mtime_ns)`` of
each of its files: pip replaces a file by writing a temporary one and renaming it, so any change
gives a new key and the entry is read again. A missing, corrupt or unreadable store is empty; one
that cannot be written is skipped. It is written atomically, and only when something changed.
"""

# ruff: noqa: PTH105, PTH108, PTH123

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from .sniff import Facts

__all__ = ["Key", "Store", "key_of"]

logger = logging.getLogger("pipcache_ext")

_FORMAT = 1  # bump when the record layout or what the readers learn changes

#: ``(inode, size, mtime_ns)`` of each file of an entry.
Key = Tuple[Tuple[int, int, int], ...]


def _facts(data: Any) -> Optional[Facts]:  # noqa: ANN401 - JSON
    if not isinstance(data, list) or len(data) != len(Facts._fields):
        return None
    kind, project, version, location, base, links, problem = data
    if not isinstance(kind, str) or not isinstance(links, list):
        return None
    pairs = tuple((str(a), str(b)) for a, b in links if isinstance(a, str) and isinstance(b, str))
    return Facts(kind, project, version, location, base, pairs, problem)


class Store:
    """The records of one cache dir.

    :param root: the directory of the stores (``None``: keep nothing).
    :param cache_dir: the cache dir (its real path names the file).
    """

    def __init__(self, root: Optional[Path], cache_dir: str) -> None:
        self._file: Optional[Path] = None
        if root is not None:
            real = os.path.realpath(cache_dir)
            name = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
            self._file = root / f"{name}.json"
        self._cache_dir = cache_dir
        self._old: Dict[str, Any] = {}
        self._new: Dict[str, Any] = {}
        self._changed = False
        self._load()

    def _load(self) -> None:
        if self._file is None:
            return
        try:
            with open(self._file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == _FORMAT:
            entries = data.get("entries")
            if isinstance(entries, dict) and data.get("cache_dir") == self._cache_dir:
                self._old = entries

    def get(self, path: str, key: Key) -> Optional[Facts]:
        """The facts stored for the entry at ``path`` (relative), if its files are unchanged."""
        record = self._old.get(path)
        if not isinstance(record, list) or len(record) != 2:
            return None
        stored_key, data = record
        if not isinstance(stored_key, list) or [tuple(k) for k in stored_key] != list(key):
            return None
        facts = _facts(data)
        if facts is not None:
            self._new[path] = record
        return facts

    def put(self, path: str, key: Key, facts: Facts) -> None:
        """Remember ``facts`` for the entry at ``path`` whose files have ``key``."""
        self._new[path] = [
            [list(k) for k in key],
            [*facts[:5], [list(p) for p in facts.links], facts[6]],
        ]
        self._changed = True

    def save(self) -> None:
        """Write what this listing saw (entries gone since are dropped), if anything changed."""
        if self._file is None or not (self._changed or set(self._old) != set(self._new)):
            return
        data = {"format": _FORMAT, "cache_dir": self._cache_dir, "entries": self._new}
        tmp: Optional[str] = None
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self._file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, self._file)
            tmp = None
        except OSError as exc:
            logger.debug("could not keep the HTTP listing in %s: %s", self._file, exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def key_of(stats: Sequence[os.stat_result]) -> Key:
    """The key of an entry whose files have these ``lstat`` results."""
    return tuple((st.st_ino, st.st_size, st.st_mtime_ns) for st in stats)
