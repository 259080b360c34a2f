"""The typed results :mod:`pipcache_ext` returns: frozen dataclasses, sizes in bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from .errors import PipCacheError

__all__ = [
    "Backend",
    "BackendChoice",
    "CacheInfo",
    "CacheLocation",
    "CacheReport",
    "CachedWheel",
    "DiscoveryFailure",
    "DiscoveryResult",
    "HttpEntry",
    "HttpKind",
    "HttpListing",
    "Interpreter",
    "ProjectUsage",
    "RemovalResult",
]

#: Which implementation answered: pip's own ``cache`` command, or this library in-process.
Backend = Literal["pip", "native"]
#: What a caller may ask for: ``"auto"`` picks ``"pip"`` when the pip has ``cache`` (20.1+).
BackendChoice = Literal["auto", "pip", "native"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter, as it described itself.

    :ivar path: the path it was found or given as (a venv directory stays a directory).
    :ivar executable: its ``sys.executable``.
    :ivar version: its Python version, e.g. ``"3.11.7"``, asked from the interpreter itself.
    :ivar implementation: ``"cpython"``, ``"pypy"``, ...
    :ivar prefix: its ``sys.prefix``.
    :ivar base_prefix: its ``sys.base_prefix`` (``sys.real_prefix`` under old virtualenvs).
    :ivar is_venv: whether it runs inside a virtual environment.
    :ivar pip_version: the version of the pip it imports, ``None`` when it has none.
    :ivar pip_location: the directory of that pip package, ``None`` when it has none.
    :ivar sources: the discovery sources that found it (``"path"``, ``"pyenv"``, ...), in the
        order of :func:`~pipcache_ext.discover_interpreters`' registry; empty when it was not
        discovered but given.
    :ivar aliases: other paths found for the same interpreter in the same environment
        (symlinks, hard links, ``/bin`` next to ``/usr/bin``), sorted; ``path`` is not repeated.
    """

    path: Path
    executable: Path
    version: str
    implementation: str
    prefix: Path
    base_prefix: Path
    is_venv: bool
    pip_version: Optional[str]
    pip_location: Optional[Path] = None
    sources: Tuple[str, ...] = ()
    aliases: Tuple[Path, ...] = ()


@dataclass(frozen=True)
class CacheInfo:
    """What is in a pip cache.

    Sizes are bytes. pip prints sizes rounded (``12 kB``, ``3.4 MB``); they are parsed back to
    the middle of the range pip's rounding allows, ``exact`` is then ``False``, and pip's own
    text is kept in ``wheels_size_text`` / ``http_size_text``.

    :ivar cache_dir: the cache directory.
    :ivar wheels_dir: its ``wheels/`` directory (locally built wheels).
    :ivar wheel_count: the number of ``*-*.whl`` files anywhere under ``wheels/``.
    :ivar wheels_size: bytes of every file under ``wheels/``.
    :ivar http_dirs: the HTTP cache directories the answering pip reports: none on pip 20.1-20.2,
        ``http/`` on 20.3-23.2, ``http-v2/`` and ``http/`` from 23.3.
    :ivar http_files: files under ``http_dirs``; ``None`` where pip does not report it.
    :ivar http_size: bytes under ``http_dirs``; ``None`` where pip does not report it.
    :ivar exact: ``True`` when every size is exact, ``False`` when one came rounded from pip.
    :ivar backend: ``"pip"`` or ``"native"``: who answered.
    :ivar pip_version: the version of the interpreter's pip, ``None`` when unknown.
    :ivar wheels_size_text: pip's printed wheels size, ``None`` when the size is exact.
    :ivar http_size_text: pip's printed HTTP size, ``None`` when exact or not reported.
    :ivar unreported_files: files in the cache dir's HTTP dirs that the answering pip does not
        count (``http-v2/`` for pips before 23.3, and ``http/`` too before 20.3), counted
        exactly in-process; ``0`` where pip counts everything.
    :ivar unreported_size: their bytes, exact.
    :ivar unreported_dirs: those dirs (the ones that exist).
    """

    cache_dir: Path
    wheels_dir: Path
    wheel_count: int
    wheels_size: int
    http_dirs: Tuple[Path, ...]
    http_files: Optional[int]
    http_size: Optional[int]
    exact: bool
    backend: str
    pip_version: Optional[str]
    wheels_size_text: Optional[str] = None
    http_size_text: Optional[str] = None
    unreported_files: int = 0
    unreported_size: int = 0
    unreported_dirs: Tuple[Path, ...] = ()

    @property
    def total_size(self) -> int:
        """Bytes of wheels plus HTTP files (the HTTP part counts 0 when not reported)."""
        return self.wheels_size + (self.http_size or 0)


@dataclass(frozen=True)
class CachedWheel:
    """A locally built wheel in the cache's ``wheels/`` directory.

    :ivar filename: the wheel's file name.
    :ivar name: its project name, canonicalised (``Hyphen_Name`` -> ``hyphen-name``).
    :ivar version: its version, as written in the file name.
    :ivar size: its size in bytes (rounded by pip 20.1-20.2, see ``exact``).
    :ivar path: its absolute path; ``None`` where pip cannot tell (20.1-20.2).
    :ivar exact: whether ``size`` is exact.
    """

    filename: str
    name: str
    version: str
    size: int
    path: Optional[Path]
    exact: bool = True


@dataclass(frozen=True)
class RemovalResult:
    """What a ``remove`` or ``purge`` deleted (or, in a dry run, would delete).

    :ivar files_removed: the number of files deleted, as pip counts them.
    :ivar bytes_removed: their bytes; ``None`` where pip does not report it (before 25.0).
    :ivar dirs_removed: directories deleted; ``None`` where pip does not report it (before 26.0).
    :ivar removed: the files deleted, where known.
    :ivar matched: whether the pattern matched anything.
    :ivar warnings: warnings pip (or this library) printed, without the ``WARNING:`` prefix.
    :ivar exact: whether ``bytes_removed`` is exact (pip prints it rounded).
    :ivar dry_run: ``True`` when nothing was deleted and this reports what would have been.
    :ivar backend: ``"pip"`` or ``"native"``: who did it.
    :ivar failed: files and directories the deletion plan meant to remove that are still there
        (permissions, immutable files, a read-only filesystem, ...); empty when all went. A
        directory something was written into after the scan is kept with a warning, not here.
    :ivar deleted: every path the run removed (a dry run: would remove), in order: the counted
        files, the files pip 26.x's cleanup deletes with their directories (``origin.json``,
        strays, ``selfcheck.json``) and the directories themselves. A dry run's ``deleted`` is
        exactly what the real run deletes.
    :ivar remaining: with ``verify=True``: the cache measured again, natively and exactly, after
        the run (``None`` without ``verify``, and for a dry run).
    :ivar spared: the files left because a running ``pip install`` may be using them
        (``spare_recent``: entries modified in the last few minutes, and what stays with them);
        a dry run lists what the real run leaves.
    """

    files_removed: int
    bytes_removed: Optional[int]
    dirs_removed: Optional[int]
    removed: Sequence[Path]
    matched: bool
    warnings: Tuple[str, ...] = field(default=())
    exact: bool = True
    dry_run: bool = False
    backend: str = "pip"
    failed: Tuple[Path, ...] = ()
    deleted: Sequence[Path] = ()
    remaining: Optional[CacheInfo] = None
    spared: Tuple[Path, ...] = ()


@dataclass(frozen=True)
class CacheReport:
    """One row of :func:`~pipcache_ext.survey`: a cache dir and the interpreters whose pip uses it.

    Interpreters without pip, with a disabled cache or that failed get rows of their own, with
    ``cache_dir`` ``None`` (when it is unknown) and the reason in ``error``.

    :ivar cache_dir: the cache directory, ``None`` when it could not be known.
    :ivar interpreters: the interpreters that use it (or share the failure).
    :ivar info: the cache's :class:`CacheInfo`, measured once for the dir; ``None`` on error.
    :ivar error: why there is no ``info``, ``None`` when there is.
    :ivar locations: why each interpreter's pip uses the dir (in ``interpreters``' order), then
        the accounts whose default cache it is (``survey(all_users=True)``; ``user`` set).
    :ivar owner: the name of the dir's owner (``all_users``), ``None`` if not asked or unknown.
    :ivar state: ``"ok"``, ``"not readable"`` or ``"absent"`` (``all_users``); else ``None``.
    """

    cache_dir: Optional[Path]
    interpreters: Tuple[Interpreter, ...]
    info: Optional[CacheInfo]
    error: Optional[PipCacheError]
    locations: Tuple[CacheLocation, ...] = ()
    owner: Optional[str] = None
    state: Optional[str] = None


#: Where a cache dir came from: ``"option"`` (given explicitly), ``"env"`` (``PIP_CACHE_DIR``),
#: ``"config"`` (``cache-dir`` in a config file) or ``"default"`` (the platform's).
LocationSource = Literal["option", "env", "config", "default"]


@dataclass(frozen=True)
class CacheLocation:
    """Which cache dir pip uses, and why: the setting that chose it, or turned the cache off.

    :ivar cache_dir: the dir; ``None`` when the cache is disabled (``would_use`` names it).
    :ivar source: what chose the dir (see ``LocationSource``).
    :ivar variable: the environment variable: ``PIP_CACHE_DIR``, or ``XDG_CACHE_HOME`` when it
        moved the default.
    :ivar config_file: the config file (``source="config"``), and ``config_section`` its section.
    :ivar disabled: whether pip's cache is off; ``disabled_by`` names the one setting that turns
        it off (``PIP_NO_CACHE_DIR=false``, ``no-cache-dir = true in FILE [global]``, or pip's
        ownership check).
    :ivar would_use: the dir pip would use were it on: what ``cache_dir=``/``--cache-dir`` clean.
    :ivar value: the setting as written (a relative or ``~`` value before normalisation).
    :ivar answered_by: ``"pip"`` (its own loader, inside its interpreter), ``"rules"`` (this
        library's rules of pip 26.3: there was no pip to ask) or ``"option"``.
    :ivar interpreter: the interpreter whose pip answered; ``pip_version`` its pip.
    :ivar user: the account whose cache it is (``--user``, ``all_users``); ``sudo_user``: it is
        the account that ran ``sudo`` (``SUDO_USER``).
    :ivar notes: what else matters (``pip install`` reading another dir from ``[install]``, ...).
    """

    cache_dir: Optional[Path]
    source: LocationSource
    variable: Optional[str] = None
    config_file: Optional[Path] = None
    config_section: Optional[str] = None
    disabled: bool = False
    disabled_by: Optional[str] = None
    would_use: Optional[Path] = None
    value: Optional[str] = None
    answered_by: Literal["pip", "rules", "option"] = "pip"
    interpreter: Optional[Path] = None
    pip_version: Optional[str] = None
    user: Optional[str] = None
    sudo_user: bool = False
    notes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveryFailure:
    """A candidate that is not a usable interpreter, or a place that could not be searched.

    :ivar path: the candidate (or the directory, registry key or launcher concerned).
    :ivar reason: why, in words (a dangling symlink, an exit code and what it printed, a
        timeout, ...).
    :ivar sources: the sources that found it.
    """

    path: Path
    reason: str
    sources: Tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveryResult:
    """What a discovery found.

    :ivar interpreters: each interpreter once, sorted by implementation, version and path.
    :ivar failures: candidates whose probe failed and places that could not be searched, sorted
        by path.
    :ivar sources: the sources that exist on this machine and were searched, in registry order.
    """

    interpreters: Tuple[Interpreter, ...]
    failures: Tuple[DiscoveryFailure, ...]
    sources: Tuple[str, ...]


#: What an HTTP cache entry holds.
HttpKind = Literal["wheel", "sdist", "metadata", "index-page", "redirect", "unknown"]


@dataclass(frozen=True)
class HttpEntry:
    """One entry of pip's HTTP cache (``http/`` or ``http-v2/``): one cached response.

    Named from its content, never from pip or PyPI-only headers: a wheel's
    ``*.dist-info/METADATA``, an sdist's ``PKG-INFO``, a ``.metadata`` file's headers, an index
    page's project; file names and URLs come from hashing the URLs the cached index pages list
    (CacheControl names an entry by the sha224 of its URL).

    :ivar kind: ``"wheel"``, ``"sdist"``, ``"metadata"`` (a PEP 658 core metadata file),
        ``"index-page"``, ``"redirect"`` or ``"unknown"`` (a format that cannot be read: never
        removed by project, only by a purge).
    :ivar project: the canonical project name, ``None`` when unknown.
    :ivar version: the version, ``None`` when unknown (and for index pages).
    :ivar filename: the distribution's file name, ``None`` when no cached page lists it.
    :ivar url: the URL pip fetched, ``None`` when it cannot be recovered.
    :ivar area: ``"http"`` (pip 6-23.2) or ``"http-v2"`` (pip 23.3+).
    :ivar files: its files: the entry file, and in ``http-v2`` its ``.body`` after it.
    :ivar size: bytes of all its files (a symlink counts 0, as pip counts).
    :ivar last_used: the newest mtime or atime of its files, timezone-aware UTC.
    """

    kind: HttpKind
    project: Optional[str]
    version: Optional[str]
    filename: Optional[str]
    url: Optional[str]
    area: str
    files: Tuple[Path, ...]
    size: int
    last_used: datetime


@dataclass(frozen=True)
class HttpListing:
    """Every HTTP entry of a cache dir, and what could not be read.

    :ivar cache_dir: the cache dir.
    :ivar entries: the entries, sorted by project (unnamed last), version, kind, file name.
    :ivar warnings: entries that could not be read (truncated, corrupt, unreadable, ...).
    """

    cache_dir: Path
    entries: Tuple[HttpEntry, ...]
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectUsage:
    """What one project takes in a cache dir: one row of ``PipCache.usage()``.

    :ivar project: the canonical project name; ``None`` for the row of what belongs to no
        project (unknown entries, whole-index pages, stray files).
    :ivar wheel_count: its locally built wheels (``*.whl`` under ``wheels/``).
    :ivar wheels_size: bytes of those wheels and the files beside them (``origin.json``).
    :ivar http_entries: its entries in ``http/`` and ``http-v2/``.
    :ivar http_size: their bytes.
    :ivar size: ``wheels_size + http_size``.
    :ivar versions: the versions seen, oldest first.
    :ivar last_used: the newest last use of its files (timezone-aware UTC), ``None`` for none.
    """

    project: Optional[str]
    wheel_count: int
    wheels_size: int
    http_entries: int
    http_size: int
    size: int
    versions: Tuple[str, ...]
    last_used: Optional[datetime]
