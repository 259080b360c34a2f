"""What was learnt about each HTTP entry, kept on disk so that a repeated listing reads no entry.

One JSON file per cache dir in this library's own cache dir
(:func:`~pipcache_ext._probing.store.user_cache_dir` ``/ "http-entries"``), never in pip's. A
record is keyed by the entry's path in the cache and holds the ``(inode, size, mtime_ns)`` of
each of its files: pip replaces a file by writing a temporary one and renaming it, so any change
gives a new key and the entry is read again. The names the last listing gave are kept too, with
a fingerprint of every entry's path and key: when nothing changed, they are reused as they are.
A missing, corrupt or unreadable store is empty; one that cannot be written is skipped. It is
written atomically, and only when something changed.
"""

# ruff: noqa: PTH123

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Sequence

from .. import _fs
from .._scan import StatLike

if TYPE_CHECKING:  # the readers: imported when a record is decoded (a usage's tally decodes none)
    from .sniff import Facts

__all__ = [
    "FORMAT",
    "Key",
    "Store",
    "Stored",
    "Taken",
    "decoded",
    "entry_hash",
    "fingerprint",
    "key_of",
    "store_file",
]


FORMAT = 3  # bump when the record layout or what the readers learn changes

_MODULUS = 1 << 128  # the fingerprint's sum of entry hashes is taken modulo this

#: ``"<inode>-<size>-<mtime_ns>"`` of each file of an entry, joined by ``,``.
Key = str


def key_of(stats: Sequence[StatLike]) -> Key:
    """The key of an entry whose files have these ``lstat`` results."""
    return ",".join([f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}" for st in stats])


def entry_hash(path: str, key: Key) -> int:
    """What the entry at ``path`` whose files have ``key`` adds to a listing's fingerprint."""
    digest = hashlib.blake2b(f"{path}\0{key}".encode("utf-8", "surrogateescape"), digest_size=16)
    return int.from_bytes(digest.digest(), "big")


def fingerprint(count: int, total: int, urls: Sequence[str]) -> str:
    """The fingerprint of ``count`` entries whose :func:`entry_hash` add up to ``total``.

    A sum, so that each worker of a listing adds up its own shards' and sends back one number.
    """
    text = "\n".join([f"{count}:{total % _MODULUS:x}", "", *urls])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def store_file(root: Path, cache_dir: str, suffix: str = ".json") -> Path:
    """The file of ``cache_dir``'s store in ``root`` (named by the cache dir's real path)."""
    real = os.path.realpath(cache_dir)
    name = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return root / f"{name}{suffix}"


def _encoded(facts: Facts) -> str:
    return json.dumps([*facts[:5], [list(pair) for pair in facts.links], facts.problem])


def _text(value: Any) -> Optional[str]:  # noqa: ANN401 - JSON
    return value if isinstance(value, str) else None


def decoded(text: str) -> Optional[Facts]:
    """Facts kept by :meth:`Store.put`; ``None`` when the text is not such a record."""
    from .sniff import Facts  # noqa: PLC0415 - see above

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list) or len(data) != len(Facts._fields):
        return None
    kind, project, version, location, base, links, problem = data
    if not isinstance(kind, str) or not isinstance(links, list):
        return None
    pairs = tuple(
        (pair[0], pair[1])
        for pair in links
        if isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
    )
    return Facts(
        kind, _text(project), _text(version), _text(location), _text(base), pairs, _text(problem)
    )


class Taken(NamedTuple):
    """What a listing saw and learnt of some entries: a worker's part, for the whole store.

    The records found unchanged are not sent back: the store they come from is this process's
    too (a worker is forked with it loaded), so their paths are enough.
    """

    seen_sum: int  # the sum of the (path, key) hashes seen (Store.seen)
    seen_count: int  # how many entries were seen
    new: Dict[str, Any]  # the records learnt
    kept: List[str]  # the paths of the records found unchanged
    changed: bool


class Stored(NamedTuple):
    """A record found for an entry: its problem (a warning) and its facts, still encoded."""

    problem: Optional[str]
    facts: str


class Store:
    """The records of one cache dir.

    A record is ``[key, problem, facts as JSON text]``: loading the store parses no facts, and
    a listing whose entries did not change (:meth:`names`) decodes none.

    :param root: the directory of the stores (``None``: keep nothing).
    :param cache_dir: the cache dir (its real path names the file).
    """

    def __init__(self, root: Optional[Path], cache_dir: str) -> None:
        self._file = None if root is None else store_file(root, cache_dir)
        self._cache_dir = cache_dir
        self._old: Dict[str, Any] = {}
        self._new: Dict[str, Any] = {}
        self._old_names: Dict[str, Any] = {}
        self._new_names: Optional[Dict[str, Any]] = None
        self._sum = 0  # of the hashes of every (path, key) seen: the fingerprint (seen)
        self._count = 0
        self._kept: List[str] = []  # paths whose record get() found unchanged
        self._changed = False
        self._load()

    def _load(self) -> None:
        if self._file is None:
            return
        try:
            with open(self._file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return
        if isinstance(data, dict) and data.get("format") == FORMAT:
            entries, names = data.get("entries"), data.get("names")
            if isinstance(entries, dict) and data.get("cache_dir") == self._cache_dir:
                self._old = entries
                self._old_names = names if isinstance(names, dict) else {}

    def seen(self, path: str, key: Key) -> None:
        """Count the entry at ``path`` (every entry, read or not) into the listing's fingerprint.

        The fingerprint is of the set of ``(path, key)``: the sum of their hashes, so that each
        worker adds up its own shards' and sends back one number (not one text per entry).
        """
        self._sum += entry_hash(path, key)
        self._count += 1

    def _fingerprint(self, urls: Sequence[str]) -> str:
        return fingerprint(self._count, self._sum, urls)

    def complete(self, urls: Sequence[str], keyed: int) -> Optional[str]:
        """The listing's fingerprint if each of its ``keyed`` entries has a record, else ``None``.

        Such a listing would be read again exactly from the records (no entry is read): what a
        summary of it (:mod:`~pipcache_ext._housekeeping.tally`) needs to stand for it.
        """
        if len(set(self._kept).union(self._new)) != keyed:
            return None
        return self._fingerprint(urls)

    def names(self, urls: Sequence[str]) -> Optional[Dict[str, Any]]:
        """The names of the last listing, if it saw exactly these entries (and index URLs).

        Naming depends on every entry (pages name files): any change in the set means naming
        again, and :meth:`keep_names` then.
        """
        if self._old_names.get("fingerprint") != self._fingerprint(urls):
            return None
        names = self._old_names.get("entries")
        if not isinstance(names, dict):
            return None
        self._new_names = self._old_names
        return names

    def keep_names(self, urls: Sequence[str], names: Dict[str, Any]) -> None:
        """Remember how this listing named each entry (``path`` -> its fields)."""
        self._new_names = {"fingerprint": self._fingerprint(urls), "entries": names}
        self._changed = True

    def order(self) -> Optional[List[str]]:
        """The paths of the entries in the listing's order, if :meth:`names` reused the names.

        The order depends on the names and paths alone, so it holds as long as they do.
        """
        if self._new_names is not self._old_names:
            return None
        order = self._old_names.get("order")
        return order if isinstance(order, list) else None

    def keep_order(self, paths: List[str]) -> None:
        """Remember the listing's order (the entries' paths, sorted) with the names."""
        if self._new_names is not None and self._new_names.get("order") != paths:
            self._new_names = {**self._new_names, "order": paths}
            self._changed = True

    def get(self, path: str, key: Key) -> Optional[Stored]:
        """The record of the entry at ``path`` (relative), if its files are unchanged."""
        record = self._old.get(path)
        if (
            not isinstance(record, list)
            or len(record) != 3
            or record[0] != key
            or not isinstance(record[2], str)
        ):
            return None
        self._kept.append(path)
        return Stored(_text(record[1]), record[2])

    def put(self, path: str, key: Key, facts: Facts) -> None:
        """Remember ``facts`` for the entry at ``path`` whose files have ``key``."""
        self._new[path] = [key, facts.problem, _encoded(facts)]
        self._changed = True

    def taken(self) -> Taken:
        """What this listing saw and learnt since the last call (in a worker: its shard's)."""
        taken = Taken(self._sum, self._count, self._new, self._kept, self._changed)
        self._sum = self._count = 0
        self._new, self._kept, self._changed = {}, [], False
        return taken

    def add(self, taken: Taken) -> None:
        """Count in what a worker's copy of this store saw and learnt (:meth:`taken`)."""
        self._sum += taken.seen_sum
        self._count += taken.seen_count
        self._new.update(taken.new)
        self._kept.extend(taken.kept)
        self._changed = self._changed or taken.changed

    def save(self) -> None:
        """Write what this listing saw (entries gone since are dropped), if anything changed."""
        if self._file is None:
            return
        kept = dict.fromkeys(self._kept)
        kept.update(dict.fromkeys(self._new))
        if not self._changed and len(kept) == len(self._old):
            return  # nothing learnt, and every record was found again: the store holds
        entries = {path: self._new.get(path) or self._old[path] for path in kept}
        data = {
            "format": FORMAT,
            "cache_dir": self._cache_dir,
            "entries": entries,
            "names": self._new_names or {},
        }
        text = json.dumps(data, separators=(",", ":"))  # one shot: json.dump is pure Python
        try:
            _fs.write_atomically(self._file, text)
        except OSError as exc:
            import logging  # noqa: PLC0415 - only when it could not be kept

            logging.getLogger("pipcache_ext").debug(
                "could not keep the HTTP listing in %s: %s", self._file, exc
            )
