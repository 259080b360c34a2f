"""The in-process ("native") backend: ``pip cache info/list/remove/purge`` done on the filesystem.

The semantics are those of the newest pip (26.3, whose ``commands/cache.py`` is 26.2's):

- a *file* is what :func:`os.walk` puts in ``filenames``: anything that is not a directory once
  symlinks are followed (regular files, symlinks to files, broken symlinks, ...). A symlink to a
  directory is neither counted nor followed. A symlinked file counts as 0 bytes;
- ``remove`` deletes the files under ``wheels/`` whose basename matches pip's glob
  (:func:`pipcache_ext._patterns.pip_glob`); the exact pattern ``*`` (and ``purge``) also deletes
  every file under ``http/`` and ``http-v2/``;
- then, on every ``remove``/``purge``, the 26.x cleanup: each directory under ``http/`` and
  ``http-v2/`` with no file beneath it, and each directory under ``wheels/`` with no ``*.whl``
  beneath it, is deleted with the files left in it (``origin.json``, strays), top directories
  included; so is a legacy ``<cache>/selfcheck.json``. Only the directories are counted.

Where this differs from pip, it is to be safer: symlinked directories are never followed for
deletion (pip resolves a symlinked ``wheels/``, ``http/`` or ``http-v2/`` and empties its target),
unreadable directories are kept with a warning instead of crashing, files that vanish while the
cache is walked are skipped, only entries seen during the walk are deleted, directories are removed
with :func:`os.rmdir` (never recursively), and purging a filesystem root, the home directory or an
ancestor of it needs ``force=True``.
"""

# Paths are handled as str with os.* calls on purpose: this module is benchmarked against du.
# ruff: noqa: PTH100, PTH106, PTH108, PTH111, PTH113, PTH117

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

from pipcache_ext._parsers.list import wheel_name_version
from pipcache_ext._patterns import pattern_matcher, pip_glob, validate_pattern
from pipcache_ext._pipversions import features, parse_pip_version
from pipcache_ext.errors import UnsafeOperationError
from pipcache_ext.models import CachedWheel, CacheInfo, RemovalResult

__all__ = [
    "ensure_safe_to_purge",
    "native_info",
    "native_list",
    "native_purge",
    "native_remove",
]

_WHEELS = "wheels"
_HTTP_V1 = "http"
_HTTP_V2 = "http-v2"
_ALL = "*"
_WHEEL_COUNT_GLOB = pip_glob(_ALL)  # "*-*.whl": what `pip cache info` counts as a wheel


# What a directory entry is, in os.walk's terms (followlinks=False).
_DIR = 0  # a real directory: descended into
_DIR_LINK = 1  # a symlink to a directory: in os.walk's dirnames, never followed
_FILE = 2  # anything else: in os.walk's filenames
_FILE_LINK = 3  # a symlink that is not to a directory (also broken ones): a 0-byte file

_WINDOWS = os.name == "nt"
_FILE_ATTRIBUTE_REPARSE_POINT = 0x400  # stat.FILE_ATTRIBUTE_REPARSE_POINT (typed on win32 only)

# A file seen while walking: (path, basename, is_symlink).
_File = Tuple[str, str, bool]


def _is_link(st: os.stat_result) -> bool:
    """Tell a symlink, or on Windows any reparse point such as a junction, from an ``lstat``."""
    attributes: int = getattr(st, "st_file_attributes", 0)
    return stat.S_ISLNK(st.st_mode) or bool(attributes & _FILE_ATTRIBUTE_REPARSE_POINT)


def _kind(entry: os.DirEntry[str]) -> int:
    """Classify an entry as :func:`os.walk` does (``is_dir()`` follows symlinks).

    On Windows a junction is not a symlink to :func:`os.walk` (before Python 3.12), which would
    descend into it; it is treated as a symlink to a directory here.
    """
    try:
        is_dir = entry.is_dir()
    except OSError:
        is_dir = False
    try:
        is_link = entry.is_symlink()
        if is_dir and not is_link and _WINDOWS:  # stat() is free on Windows
            is_link = _is_link(entry.stat(follow_symlinks=False))
    except OSError:
        is_link = False
    if is_dir:
        return _DIR_LINK if is_link else _DIR
    return _FILE_LINK if is_link else _FILE


def _iter_files(top: str) -> Iterator[_File]:
    """Yield every file under ``top``, as :func:`os.walk` would list them.

    ``top`` itself is listed even when it is a symlink (like :func:`os.walk`); nothing below it is
    followed. Missing or unreadable directories are skipped silently.
    """
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    kind = _kind(entry)
                    if kind == _DIR:
                        stack.append(entry.path)
                    elif kind != _DIR_LINK:
                        yield entry.path, entry.name, kind == _FILE_LINK
        except OSError:
            continue


def _file_size(path: str, is_link: bool) -> Optional[int]:
    """Size a file by pip's rule (a symlink is 0 bytes); ``None`` if gone or unreadable."""
    if is_link:
        return 0
    try:
        return os.lstat(path).st_size
    except OSError:
        return None


def _tally(top: str, match: Optional[Callable[[str], bool]] = None) -> Tuple[int, int, int]:
    """Count the files under ``top``: ``(files, bytes, files whose basename matches)``."""
    files = size = matching = 0
    lstat = os.lstat
    for path, name, is_link in _iter_files(top):
        if not is_link:
            try:
                size += lstat(path).st_size
            except OSError:  # vanished since it was listed
                continue
        files += 1
        if match is not None and match(name):
            matching += 1
    return files, size, matching


def _absolute(cache_dir: Path) -> Path:
    return Path(os.path.abspath(os.fspath(cache_dir)))


def native_info(
    cache_dir: Path, *, pip_version: Optional[str], rules: Optional[str] = None
) -> CacheInfo:
    """Measure a pip cache in one pass, as ``pip cache info`` reports it, but exact.

    :param cache_dir: the cache directory (it need not exist: everything is then 0).
    :param pip_version: the interpreter's pip version, recorded in the result.
    :param rules: count as this pip release does (``None``: the newest, 26.3). Only the HTTP part
        differs: none before 20.3 (``http_*`` are then ``None``), ``http/`` until 23.2, then
        ``http-v2/`` and ``http/``.
    :returns: a :class:`CacheInfo` with ``exact=True`` and ``backend="native"``. ``wheel_count``
        counts ``*-*.whl`` files anywhere under ``wheels/``; ``wheels_size`` is the bytes of every
        file there.
    """
    root = _absolute(cache_dir)
    wheels_dir = root / _WHEELS
    # pip prints the newest location first
    http_dirs = tuple(root / name for name in reversed(_rules(rules).http_for_all))
    _files, wheels_size, wheel_count = _tally(str(wheels_dir), pattern_matcher(_WHEEL_COUNT_GLOB))
    http_files = http_size = 0
    for http_dir in http_dirs:
        count, size, _ = _tally(str(http_dir))
        http_files += count
        http_size += size
    return CacheInfo(
        cache_dir=root,
        wheels_dir=wheels_dir,
        wheel_count=wheel_count,
        wheels_size=wheels_size,
        http_dirs=http_dirs,
        http_files=http_files if http_dirs else None,
        http_size=http_size if http_dirs else None,
        exact=True,
        backend="native",
        pip_version=pip_version,
    )


def native_list(cache_dir: Path, pattern: Optional[str]) -> List[CachedWheel]:
    """List the wheels under ``wheels/`` that ``pip cache list [pattern]`` shows.

    :param cache_dir: the cache directory (it need not exist).
    :param pattern: pip's pattern, ``None`` for all (``*``). ``-`` in it appends ``*.whl``,
        otherwise ``-*.whl``; the glob is matched against basenames, without name normalisation.
    :returns: one :class:`CachedWheel` per matching file (a basename cached twice appears twice),
        sorted by (filename, path); sizes are exact, symlinks count 0 bytes.
    :raises InvalidPatternError: for an empty pattern or one containing a path separator.
    """
    if pattern is None:
        pattern = _ALL
    validate_pattern(pattern)
    match = pattern_matcher(pip_glob(pattern))
    wheels_dir = _absolute(cache_dir) / _WHEELS
    result: List[CachedWheel] = []
    for path, name, is_link in _iter_files(str(wheels_dir)):
        if not match(name):
            continue
        size = _file_size(path, is_link)
        if size is None:
            continue
        project, version = wheel_name_version(name)
        result.append(
            CachedWheel(
                filename=name, name=project, version=version, size=size, path=Path(path), exact=True
            )
        )
    result.sort(key=lambda wheel: (wheel.filename, str(wheel.path)))
    return result


def _home_dirs() -> Set[Path]:
    homes: Set[Path] = set()
    candidates: List[str] = []
    with contextlib.suppress(RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        candidates.append(str(Path.home()))
    candidates.append(os.path.expanduser("~"))
    for home in candidates:
        if os.path.isabs(home):  # expanduser returns "~" unchanged when it cannot tell
            homes.add(Path(os.path.abspath(home)))
            homes.add(Path(os.path.realpath(home)))
    return homes


def ensure_safe_to_purge(cache_dir: Path, *, force: bool = False) -> None:
    """Refuse to clean a directory that cannot be a dedicated pip cache.

    :param cache_dir: the cache directory about to be cleaned.
    :param force: skip the check.
    :raises UnsafeOperationError: when ``cache_dir`` (as given or with symlinks resolved) is a
        filesystem root, the user's home directory (``Path.home()`` or ``~``) or an ancestor of it.
    """
    if force:
        return
    targets = {_absolute(cache_dir), Path(os.path.realpath(os.fspath(cache_dir)))}
    homes = _home_dirs()
    for target in sorted(targets):
        if target.parent == target:
            raise UnsafeOperationError(
                f"Refusing to clean {cache_dir}: it is a filesystem root. Pass force=True if this "
                "really is a dedicated pip cache."
            )
        for home in sorted(homes):
            if target == home or target in home.parents:
                raise UnsafeOperationError(
                    f"Refusing to clean {cache_dir}: it is the home directory {home} or contains "
                    "it. Pass force=True if this really is a dedicated pip cache."
                )


class _Node:
    """A directory seen by :func:`_scan`."""

    __slots__ = ("children", "dir_links", "files", "gone", "keep", "path", "readable")

    def __init__(self, path: str) -> None:
        self.path = path
        self.files: List[_File] = []
        self.dir_links: List[str] = []  # symlinks to directories: unlinked, never followed
        self.children: List[_Node] = []
        self.readable = True  # False: could not be listed, so it and its parents are kept
        self.gone = False  # vanished while walking: neither kept nor removed
        self.keep = False


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _scan(top: Path, warnings: List[str]) -> Optional[_Node]:
    """Read the tree under one of the cache's own dirs, without following any symlink."""
    try:
        top_stat = os.lstat(top)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"Could not read {top}: {_reason(exc)}")
        return None
    if _is_link(top_stat):
        warnings.append(f"Not descending into {top}: it is a symbolic link")
        return None
    if not stat.S_ISDIR(top_stat.st_mode):
        warnings.append(f"Skipping {top}: it is not a directory")
        return None
    root = _Node(str(top))
    stack = [root]
    while stack:
        node = stack.pop()
        try:
            _read_dir(node, stack)
        except FileNotFoundError:
            node.gone = True
        except OSError as exc:
            node.readable = False
            warnings.append(f"Could not read directory {node.path}: {_reason(exc)}")
    return root


def _read_dir(node: _Node, stack: List[_Node]) -> None:
    """List one directory into ``node``; its real subdirectories go onto ``stack``."""
    with os.scandir(node.path) as entries:
        for entry in entries:
            kind = _kind(entry)
            if kind == _DIR:
                child = _Node(entry.path)
                node.children.append(child)
                stack.append(child)
            elif kind == _DIR_LINK:
                node.dir_links.append(entry.path)
            else:
                node.files.append((entry.path, entry.name, kind == _FILE_LINK))


def _preorder(root: _Node) -> List[_Node]:
    order: List[_Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children)
    return order


def _empty_dirs(root: Optional[_Node], keeps: Callable[[_File], bool]) -> List[_Node]:
    """List the directories the cleanup pass removes, children before parents.

    A directory is kept when it could not be read, holds a file for which ``keeps`` is true, or
    has a kept subdirectory.
    """
    if root is None:
        return []
    removable: List[_Node] = []
    for node in reversed(_preorder(root)):  # children before their parent
        if node.gone:
            continue
        node.keep = (
            not node.readable
            or any(keeps(file) for file in node.files)
            or any(child.keep for child in node.children)
        )
        if not node.keep:
            removable.append(node)
    return removable


def _unlink(path: str, warnings: List[str]) -> Optional[bool]:
    """Delete one file or symlink: ``True`` if deleted, ``None`` if already gone, else ``False``."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"Could not remove {path}: {_reason(exc)}")
        return False
    return True


def _unlink_dir_link(path: str, warnings: List[str]) -> Optional[bool]:
    """Delete a symlink to a directory (or a junction), never what it points to."""
    unlinked = _unlink(path, [])
    if unlinked is not False:
        return unlinked
    # Windows may refuse to unlink a directory link; rmdir removes the link itself, and on
    # POSIX it fails on a symlink (ENOTDIR) and on a non-empty directory: never recursive.
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"Could not remove {path}: {_reason(exc)}")
        return False
    return True


def _remove_dirs(dirs: List[_Node], gone: Set[str], warnings: List[str]) -> int:
    """Remove the cleanup pass's directories (children first) with what is left in them."""
    failed: Set[int] = set()
    removed = 0
    for node in dirs:
        if any(id(child) in failed for child in node.children):
            failed.add(id(node))  # a child is still there, so this one is not empty
            continue
        complete = True
        for path, _name, _link in node.files:
            if path not in gone and _unlink(path, warnings) is False:
                complete = False
        for path in node.dir_links:
            if _unlink_dir_link(path, warnings) is False:
                complete = False
        if not complete:
            failed.add(id(node))
            continue
        try:
            os.rmdir(node.path)
        except FileNotFoundError:
            continue
        except OSError as exc:  # e.g. something was written into it meanwhile
            warnings.append(f"Could not remove directory {node.path}: {_reason(exc)}")
            failed.add(id(node))
            continue
        removed += 1
    return removed


class _Rules(NamedTuple):
    """What one pip release's ``remove``/``purge`` deletes (see ``_pipversions``)."""

    http_for_all: Tuple[str, ...]  # HTTP dirs whose files the pattern "*" deletes
    cleanup: Tuple[str, ...]  # dirs the empty-directory pass covers (26.0+)
    selfcheck_json: bool  # the pass also deletes <cache>/selfcheck.json (26.0+)
    pattern_in_warning: bool  # 'No matching packages for pattern "x"' (21.3+)


_NEWEST = _Rules(
    http_for_all=(_HTTP_V1, _HTTP_V2),
    cleanup=(_HTTP_V1, _HTTP_V2, _WHEELS),
    selfcheck_json=True,
    pattern_in_warning=True,
)


def _rules(pip_version: Optional[str]) -> _Rules:
    """Pick pip 26.3's rules for ``None`` (or an unreadable version), else that release's."""
    version = parse_pip_version(pip_version) if pip_version is not None else None
    if version is None:
        return _NEWEST
    feats = features(version)
    http = (_HTTP_V1, _HTTP_V2) if feats.http_v2 else (_HTTP_V1,) if feats.http_in_info else ()
    cleanup: Tuple[str, ...] = ()
    if feats.reports_dirs_removed:
        cleanup = (_HTTP_V1, _HTTP_V2, _WHEELS) if feats.cleans_http_v2 else (_HTTP_V1, _WHEELS)
    return _Rules(http, cleanup, feats.reports_dirs_removed, not feats.no_match_is_error)


def _targets(trees: Dict[str, Optional[_Node]], pattern: str, rules: _Rules) -> List[_File]:
    """List the files pip deletes: matching wheels, then (for ``*``) the HTTP caches' files."""
    match = pattern_matcher(pip_glob(pattern))
    targets: List[_File] = []
    wheels = trees[_WHEELS]
    if wheels is not None:
        targets.extend(sorted(f for node in _preorder(wheels) for f in node.files if match(f[1])))
    if pattern == _ALL:  # only the exact pattern "*" pulls in the HTTP caches
        for name in rules.http_for_all:
            tree = trees[name]
            if tree is not None:
                targets.extend(sorted(f for node in _preorder(tree) for f in node.files))
    return targets


def _delete_files(
    targets: List[_File], gone: Set[str], warnings: List[str], *, dry_run: bool
) -> Tuple[List[Path], int]:
    """Delete (or, in a dry run, size up) ``targets``: ``(deleted paths, their bytes)``.

    Every path that no longer exists afterwards (or would not, in a dry run) goes into ``gone``.
    """
    removed: List[Path] = []
    total = 0
    for path, _name, is_link in targets:
        try:
            size = 0 if is_link else os.lstat(path).st_size  # pip's rule: a symlink is 0 bytes
        except FileNotFoundError:
            gone.add(path)  # vanished while we walked (another process cleaning): not ours
            continue
        except OSError as exc:
            warnings.append(f"Could not read {path}: {_reason(exc)}")
            continue
        if not dry_run:
            outcome = _unlink(path, warnings)
            if outcome is None:
                gone.add(path)
            if not outcome:
                continue
        gone.add(path)
        removed.append(Path(path))
        total += size
    return removed, total


def _remove(
    cache_dir: Path, pattern: str, *, dry_run: bool, force: bool, rules: Optional[str]
) -> RemovalResult:
    validate_pattern(pattern)
    ensure_safe_to_purge(cache_dir, force=force)
    pip_rules = _rules(rules)
    root = _absolute(cache_dir)
    warnings: List[str] = []
    names = [_HTTP_V1, _HTTP_V2, _WHEELS]  # pip's order
    wanted = {_WHEELS, *pip_rules.cleanup, *(pip_rules.http_for_all if pattern == _ALL else ())}
    trees = {name: _scan(root / name, warnings) if name in wanted else None for name in names}

    targets = _targets(trees, pattern, pip_rules)
    if not targets:
        no_match = "No matching packages"
        if pattern != _ALL and pip_rules.pattern_in_warning:
            no_match += f' for pattern "{pattern}"'
        warnings.insert(0, no_match)

    gone: Set[str] = set()  # files deleted, vanished, or (dry run) that would be deleted
    removed, bytes_removed = _delete_files(targets, gone, warnings, dry_run=dry_run)

    def has_files(file: _File) -> bool:
        return file[0] not in gone

    def has_wheels(file: _File) -> bool:
        return file[1].endswith(".whl") and file[0] not in gone

    dirs = [
        node
        for name in names
        if name in pip_rules.cleanup
        for node in _empty_dirs(trees[name], has_wheels if name == _WHEELS else has_files)
    ]
    if dry_run:
        dirs_removed = len(dirs)
    else:
        dirs_removed = _remove_dirs(dirs, gone, warnings)
        selfcheck_json = root / "selfcheck.json"
        if pip_rules.selfcheck_json and os.path.isfile(selfcheck_json):  # unused since pip 19.3
            _unlink(str(selfcheck_json), warnings)

    return RemovalResult(
        files_removed=len(removed),
        bytes_removed=bytes_removed,
        dirs_removed=dirs_removed,
        removed=tuple(removed),
        matched=bool(targets),
        warnings=tuple(warnings),
        exact=True,
        dry_run=dry_run,
        backend="native",
    )


def native_remove(
    cache_dir: Path,
    pattern: str,
    *,
    dry_run: bool = False,
    rules: Optional[str] = None,
    force: bool = False,
) -> RemovalResult:
    """Do what pip 26.3's ``pip cache remove <pattern>`` does, safely.

    Deletes the files under ``wheels/`` whose basename matches pip's glob for ``pattern``; the
    exact pattern ``*`` also deletes every file under ``http/`` and ``http-v2/``. Then removes the
    directories pip 26.x cleans up (see the module docstring) and ``<cache>/selfcheck.json``.

    :param cache_dir: the cache directory (it need not exist).
    :param pattern: pip's pattern (``six``, ``six-1.16``, ``six*``, ``*``).
    :param dry_run: delete nothing and report what a real run would delete.
    :param rules: imitate this pip release's rules (which HTTP dirs ``*`` clears, whether
        and where the 26.x cleanup runs, the no-match wording); ``None`` means pip 26.3.
    :param force: allow a cache dir that is a filesystem root, the home directory or an ancestor
        of it.
    :returns: a :class:`RemovalResult` with exact counts; directories the cleanup removes (or, in
        a dry run, would remove) are counted in ``dirs_removed``, their leftover files are not.
        ``warnings`` carries pip's ``No matching packages`` wording and any file or directory that
        could not be read or deleted.
    :raises InvalidPatternError: for an empty pattern or one containing a path separator.
    :raises UnsafeOperationError: for a root / home cache dir without ``force``.
    """
    return _remove(cache_dir, pattern, dry_run=dry_run, force=force, rules=rules)


def native_purge(
    cache_dir: Path,
    *,
    dry_run: bool = False,
    force: bool = False,
    rules: Optional[str] = None,
) -> RemovalResult:
    """Do what pip 26.3's ``pip cache purge`` does (``remove '*'``), safely.

    :param cache_dir: the cache directory (it need not exist).
    :param dry_run: delete nothing and report what a real run would delete.
    :param force: allow a cache dir that is a filesystem root, the home directory or an ancestor
        of it.
    :param rules: imitate this pip release's rules (which HTTP dirs ``*`` clears, whether
        and where the 26.x cleanup runs, the no-match wording); ``None`` means pip 26.3.
    :returns: a :class:`RemovalResult`, as :func:`native_remove` with the pattern ``*``.
    :raises UnsafeOperationError: when ``cache_dir`` (resolved) is a filesystem root, the user's
        home directory or an ancestor of it and ``force`` is not set.
    """
    return _remove(cache_dir, _ALL, dry_run=dry_run, force=force, rules=rules)
