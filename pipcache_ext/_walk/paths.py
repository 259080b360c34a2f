"""Many :class:`~pathlib.Path` objects, made fast: what a listing or a plan returns per file.

Up to Python 3.11, ``Path(text)`` parses the whole text (about 5 us) and ``parent / name``
parses ``name`` (about 2.6 us); ``Path._make_child_relpath(name)``, which those versions use for
their own ``glob`` and ``iterdir``, appends a name known to hold no separator (about 0.8 us). From
3.12, ``Path(text)`` is lazy and the cheapest. Either way the object is the one ``Path(text)``
gives (equal, same ``str``, same type); names must come from a directory listing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .._scan import DirNode

__all__ = ["Folders", "LazyPaths", "NodePaths", "child", "paths_of"]

_RELPATH: Optional[Callable[[Path, str], Path]] = (
    getattr(Path, "_make_child_relpath", None) if sys.version_info < (3, 12) else None
)


def child(parent: Path, name: str) -> Path:
    """``parent / name`` for a ``name`` listed in the directory ``parent`` (no separator)."""
    if _RELPATH is not None:
        return _RELPATH(parent, name)
    return Path(f"{parent}{os.sep}{name}")


#: Up to 3.11 on POSIX a :class:`Path` can be made from its parts (``_from_parsed_parts``, what
#: ``_make_child_relpath`` calls), no text parsed.
_FROM_PARTS = sys.version_info < (3, 12) and os.name == "posix"


class Folders:
    """The :class:`Path` of each directory below ``top``, made once from its parent's.

    :param top: the directory the relative names start from.
    """

    def __init__(self, top: Path) -> None:
        self._made: Dict[str, Path] = {"": top}
        self._parts: Dict[str, List[str]] = {}
        self._from_parts: Optional[Callable[[str, str, List[str]], Path]] = (
            getattr(type(top), "_from_parsed_parts", None) if _FROM_PARTS else None
        )

    def file(self, relative: str, name: str) -> Path:
        """``get(relative) / name``: with no :class:`Path` made for the directories on the way.

        Up to 3.11 on POSIX the file's path is made from its parts, split here (a directory
        chain of an HTTP entry is its own: making a Path of each directory cost more than the
        file's); elsewhere as :meth:`get` and :func:`child` make it.
        """
        make = self._from_parts
        if make is None:
            return child(self.get(relative), name)
        top = self._made[""]
        parts = self._parts.get(relative)
        if parts is None:
            parts = list(getattr(top, "_parts"))  # noqa: B009 - private, up to 3.11
            if relative:
                parts.extend(relative.split(os.sep))  # noqa: PTH206 - no Path made
            self._parts[relative] = parts
        return make(getattr(top, "_drv"), getattr(top, "_root"), [*parts, name])  # noqa: B009

    def get(self, relative: str) -> Path:
        """The directory at ``relative`` (``a/b/c``, joined by :data:`os.sep`; ``""``: top)."""
        made = self._made.get(relative)
        if made is None:
            head, _sep, name = relative.rpartition(os.sep)
            made = self._made[relative] = child(self.get(head), name)
        return made


def paths_of(texts: Iterable[str], made: Optional[Dict[str, Path]] = None) -> Tuple[Path, ...]:
    """``tuple(map(Path, texts))``, faster for many paths that share their directories.

    Each directory's :class:`Path` is made once, from its parent's; a text that is not a plain
    absolute path (``//``, ``.``, a trailing separator, a relative one) is parsed whole, and so
    is every text where ``Path(text)`` is the cheapest (Python 3.12+, not POSIX).

    :param made: the paths already made (text -> Path), shared by several calls: a result's
        ``removed`` and ``deleted`` then hold the same objects, each made once.
    """
    if made is None:
        made = {}
    if _RELPATH is None or os.name != "posix":
        return tuple(_parsed(texts, made))

    def path(text: str) -> Path:
        got = made.get(text)
        if got is None:
            head, _sep, name = text.rpartition("/")
            if head and name and name not in (".", "..") and not head.endswith("/"):
                got = child(path(head), name)
            else:
                got = Path(text)
            made[text] = got
        return got

    return tuple(path(text) for text in texts)


def _parsed(texts: Iterable[str], made: Dict[str, Path]) -> Iterator[Path]:
    """Each text's :class:`Path`, parsed whole, once per text."""
    for text in texts:
        got = made.get(text)
        if got is None:
            got = made[text] = Path(text)
        yield got


class NodePaths:
    """The :class:`Path` of each scanned directory, made once from its parent's, and its files'.

    What a plan's paths (:meth:`~pipcache_ext._plan.Plan.paths`) are as objects, without making
    and parsing the text of each: a dry run of 87,000 files and 96,000 directories made its
    result's paths in a third of the time.
    """

    def __init__(self) -> None:
        self._dirs: Dict[int, Path] = {}
        self._nodes: List[DirNode] = []  # keeps each id() taken valid while this lives

    def dir(self, node: DirNode) -> Path:
        """``Path(node.path)``."""
        made = self._dirs.get(id(node))
        if made is None:
            parent = node.parent
            if parent is not None and node.path == f"{parent.path}{os.sep}{node.name}":
                made = child(self.dir(parent), node.name)
            else:
                made = Path(node.path)
            self._dirs[id(node)] = made
            self._nodes.append(node)
        return made

    def file(self, node: DirNode, name: str) -> Path:
        """``Path(node.child_path(name))``: ``name`` listed in ``node``."""
        return child(self.dir(node), name)


class LazyPaths(Sequence[Path]):
    """An immutable sequence of :class:`Path` objects made from their texts when first read.

    What a large removal's ``removed`` and ``deleted`` are: a dry prune of 87,000 files and
    96,000 directories spent a third of its time making 186,000 objects few callers read (the
    command line prints counts). It compares equal to a tuple (or any sequence) of the same
    paths, hashes as that tuple and pickles as one; :meth:`head` shares the texts and the paths
    made.

    :param texts: absolute paths, as :func:`paths_of` takes them; kept, not copied.
    """

    __slots__ = ("_source", "_start", "_stop")

    def __init__(
        self, texts: Union[List[str], _Source], start: int = 0, stop: Optional[int] = None
    ) -> None:
        self._source = texts if isinstance(texts, _Source) else _Source(texts, [])
        self._start = start
        self._stop = stop if stop is not None else len(texts) if isinstance(texts, list) else 0

    @classmethod
    def joined(cls, chunks: List[str], length: int) -> LazyPaths:
        """The paths of ``chunks`` (each the texts of some joined by NUL), ``length`` of them.

        A worker process sends its paths as one string (a copy of bytes through the pipe); they
        are split only when read.
        """
        return cls(_Source(None, [chunk for chunk in chunks if chunk]), 0, length)

    def head(self, count: int) -> LazyPaths:
        """The first ``count`` paths, sharing these texts and the paths made of them."""
        return LazyPaths(self._source, self._start, self._start + count)

    def texts(self) -> List[str]:
        """The paths as text (``str`` of each), without making their :class:`Path` objects."""
        return self._source.texts()[self._start : self._stop]

    def _paths(self) -> Tuple[Path, ...]:
        made = self._source.paths()
        whole = (self._start, self._stop) == (0, len(made))
        return made if whole else made[self._start : self._stop]

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, index: Any) -> Any:  # noqa: ANN401 - an int or a slice, as tuple's
        return self._paths()[index]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._paths())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LazyPaths, tuple, list)):
            return len(self) == len(other) and self._paths() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._paths())

    def __repr__(self) -> str:
        return repr(self._paths())

    def __reduce__(self) -> Tuple[Any, ...]:
        return (LazyPaths, (self._source.texts()[self._start : self._stop],))


class _Source:
    """The texts (or their joined chunks) of a :class:`LazyPaths` and its heads, and the paths."""

    __slots__ = ("_chunks", "_made", "_texts")

    def __init__(self, texts: Optional[List[str]], chunks: List[str]) -> None:
        self._texts = texts
        self._chunks = chunks
        self._made: Optional[Tuple[Path, ...]] = None

    def texts(self) -> List[str]:
        if self._texts is None:
            self._texts = [text for chunk in self._chunks for text in chunk.split("\0")]
            self._chunks = []
        return self._texts

    def paths(self) -> Tuple[Path, ...]:
        if self._made is None:
            self._made = paths_of(self.texts())
        return self._made
