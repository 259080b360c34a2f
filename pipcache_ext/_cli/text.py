"""Pure formatting of the command line's human output: sizes, bars, tables, results.

Nothing here prints or reads the environment: every function takes what it formats and returns
strings, so the CLI's output can be tested without running anything. Errors are worded in
``messages``; JSON is ``documents``.
"""

from __future__ import annotations

from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from .._locrules import location_reason
from .._pipversions import version_key
from ..models import CachedWheel, CacheInfo, CacheReport, Interpreter, RemovalResult

__all__ = [
    "ROUNDED",
    "ROUNDED_LEGEND",
    "Unit",
    "bar",
    "describe",
    "dir_table",
    "format_size",
    "info_lines",
    "interpreters_table",
    "list_lines",
    "pick_unit",
    "removal_lines",
    "survey_lines",
    "table",
]

#: Put before a size that came rounded from pip's text (the model's ``exact`` is ``False``).
ROUNDED = "~"
ROUNDED_LEGEND = (
    f"{ROUNDED} rounded by pip (it prints 2-3 significant digits); --backend native counts bytes"
)


# -- sizes -------------------------------------------------------------------------------------


class Unit(NamedTuple):
    """A decimal size unit, as pip prints them."""

    name: str
    factor: int


_BYTES = Unit("B", 1)
_UNITS = (Unit("kB", 1000), Unit("MB", 1000**2), Unit("GB", 1000**3), Unit("TB", 1000**4))


def pick_unit(sizes: Iterable[Optional[int]]) -> Unit:
    """The one unit every size of an output is printed in: the largest that fits the largest."""
    largest = max((size for size in sizes if size is not None), default=0)
    chosen = _BYTES
    for unit in _UNITS:
        if largest >= unit.factor:
            chosen = unit
    return chosen


def format_size(size: Optional[int], unit: Unit, *, exact: bool = True) -> str:
    """``size`` bytes in ``unit`` with one decimal, ``~`` first when pip rounded it.

    A size too small to show in ``unit`` reads ``<0.1``; an unknown size (``None``) reads ``?``.
    """
    if size is None:
        return "?"
    mark = "" if exact else ROUNDED
    if unit.factor == 1:
        return f"{mark}{size} B"
    value = size / unit.factor
    if size and value < 0.05:  # what would print as 0.0
        return f"{mark}<0.1 {unit.name}"
    return f"{mark}{value:.1f} {unit.name}"


# -- bars and tables ---------------------------------------------------------------------------

_EIGHTHS = "▏▎▍▌▋▊▉"
BAR_WIDTH = 24


def bar(
    value: Optional[int], scale: int, *, width: int = BAR_WIDTH, ascii_only: bool = False
) -> str:
    """A bar ``value / scale`` of ``width`` cells long, in eighths of a cell (``#`` in ASCII).

    Any non-zero value gets at least a sliver, so it never looks like nothing.
    """
    if not value or value <= 0 or scale <= 0:
        return ""
    cells = min(value / scale, 1.0) * width
    if ascii_only:
        return "#" * max(1, round(cells))
    full = int(cells)
    eighths = int((cells - full) * 8)
    text = "█" * full + (_EIGHTHS[eighths - 1] if eighths else "")
    return text or _EIGHTHS[0]


Row = Union[Sequence[str], str]


def table(header: Sequence[str], rows: Sequence[Row], align: str) -> List[str]:
    """Columns two spaces apart; ``align`` holds ``l`` or ``r`` per column.

    A row that is a plain string is printed as it is, outside the columns (notes under a row).
    """
    cells = [header, *(row for row in rows if not isinstance(row, str))]
    widths = [max(len(row[col]) for row in cells) for col in range(len(header))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if kind == "r" else cell.ljust(width)
            for cell, width, kind in zip(row, widths, align)
        ]
        return "  ".join(parts).rstrip()

    return [line(header), *(row if isinstance(row, str) else line(row) for row in rows)]


# -- describing things -------------------------------------------------------------------------


def describe(interpreter: Interpreter) -> str:
    """``/usr/bin/python3 (CPython 3.11.2, pip 23.0.1)``."""
    pip = f"pip {interpreter.pip_version}" if interpreter.pip_version else "no pip"
    return f"{interpreter.path} ({_python_name(interpreter)}, {pip})"


def _python_name(interpreter: Interpreter) -> str:
    names = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
    implementation = names.get(interpreter.implementation, interpreter.implementation)
    return f"{implementation} {interpreter.version}"


# -- human output ------------------------------------------------------------------------------


def _http_labels(info: CacheInfo) -> List[str]:
    if len(info.http_dirs) == 1:
        return [f"Package index page cache location: {info.http_dirs[0]}"]
    names = {"http-v2": "pip v23.3+", "http": "older pips"}
    return [
        f"Package index page cache location ({names.get(d.name, d.name)}): {d}"
        for d in info.http_dirs
    ]


def _parts(info: CacheInfo) -> List[Tuple[str, Optional[int], bool]]:
    """The cache's top-level parts: ``(name, size, exact)``."""
    return [
        ("http", info.http_size, info.http_size_text is None),
        ("wheels", info.wheels_size, info.wheels_size_text is None),
    ]


def info_lines(info: CacheInfo, *, ascii_only: bool = False) -> List[str]:
    """``pip cache info``'s lines, sizes in one unit, then a bar per cache and per part."""
    unit = pick_unit([info.total_size, info.http_size, info.wheels_size])
    http_exact = info.http_size_text is None
    wheels_exact = info.wheels_size_text is None
    not_reported = f"not reported by pip {info.pip_version}"
    lines = _http_labels(info)
    if info.http_size is None:
        lines.append(f"Package index page cache size: {not_reported}")
        lines.append(f"Number of HTTP files: {not_reported}")
    else:
        lines.append(
            f"Package index page cache size: {format_size(info.http_size, unit, exact=http_exact)}"
        )
        lines.append(f"Number of HTTP files: {info.http_files}")
    lines += [
        f"Locally built wheels location: {info.wheels_dir}",
        f"Locally built wheels size: {format_size(info.wheels_size, unit, exact=wheels_exact)}",
        f"Number of locally built wheels: {info.wheel_count}",
        "",
    ]
    total = info.total_size
    rows: List[Row] = [
        [
            str(info.cache_dir),
            format_size(total, unit, exact=info.exact),
            bar(total, total, ascii_only=ascii_only),
            "",
        ]
    ]
    for name, size, exact in _parts(info):
        share = f"{round(100 * size / total)}%" if size is not None and total else ""
        rows.append([
            f"  {name}",
            format_size(size, unit, exact=exact),
            bar(size, total, ascii_only=ascii_only),
            share,
        ])  # fmt: skip
    lines += table(["", "", "", ""], rows, "lrlr")[1:]
    if info.unreported_files:  # what the answering pip does not see (http-v2/ before 23.3)
        where = ", ".join(str(d) for d in info.unreported_dirs)
        unseen = format_size(info.unreported_size, pick_unit([info.unreported_size]))
        lines.append(
            f"Not seen by pip {info.pip_version}: {where}: {unseen} in {info.unreported_files}"
            " files (purge --everything removes them too)"
        )
    if not info.exact:
        lines.append(ROUNDED_LEGEND)
    return lines


def list_lines(wheels: Sequence[CachedWheel]) -> List[str]:
    """``pip cache list``'s lines, every size in one unit."""
    if not wheels:
        return ["No locally built wheels cached."]
    unit = pick_unit(wheel.size for wheel in wheels)
    lines = ["Cache contents:", ""]
    lines += [
        f" - {wheel.filename} ({format_size(wheel.size, unit, exact=wheel.exact)})"
        for wheel in wheels
    ]
    if not all(wheel.exact for wheel in wheels):
        lines.append(ROUNDED_LEGEND)
    return lines


def removal_lines(result: RemovalResult, *, every_file: bool = False) -> List[str]:
    """The summary of a ``remove``/``purge``, as pip prints it, after the files it names.

    A dry run names the wheels that would go (HTTP files are URL hashes: they are counted);
    ``every_file`` (pip's ``-v``) names every file, in a real run too.
    """
    would = result.dry_run
    # as text: a prune's 87,000 paths (a LazyPaths, which has texts()) need no Path to be printed
    as_text = getattr(result.removed, "texts", None)
    texts: List[str] = as_text() if as_text is not None else [str(p) for p in result.removed]
    named = [text for text in texts if every_file or (would and text.endswith(".whl"))]
    lines = [f"{'Would remove' if would else 'Removed'} {text}" for text in named]
    unit = pick_unit([result.bytes_removed])
    size = (
        f" ({format_size(result.bytes_removed, unit, exact=result.exact)})"
        if result.bytes_removed is not None
        else ""
    )
    files = "Files that would be removed" if would else "Files removed"
    lines.append(f"{files}: {result.files_removed}{size}")
    if result.dirs_removed is not None:
        dirs = "Directories that would be removed" if would else "Directories removed"
        lines.append(f"{dirs}: {result.dirs_removed}")
    if not result.exact and result.bytes_removed is not None:
        lines.append(ROUNDED_LEGEND)
    return lines


def dir_table(rows: Sequence[Tuple[Optional[Interpreter], str, str]]) -> List[str]:
    """One row per interpreter: ``(interpreter or None, path as given, cache dir or failure)``."""
    body: List[Row] = []
    for interpreter, given, where in rows:
        if interpreter is None:
            body.append([where, given, "", ""])
        else:
            body.append([
                where,
                str(interpreter.path),
                _python_name(interpreter),
                interpreter.pip_version or "none",
            ])  # fmt: skip
    return table(["CACHE DIR", "PYTHON", "VERSION", "PIP"], body, "llll")


def interpreters_table(interpreters: Sequence[Interpreter], *, aliases: bool = False) -> List[str]:
    """What discovery found: one row per interpreter; its other paths under it if ``aliases``."""
    body: List[Row] = []
    for interpreter in interpreters:
        body.append([
            str(interpreter.path),
            _python_name(interpreter),
            interpreter.pip_version or "none",
            "yes" if interpreter.is_venv else "no",
            ", ".join(interpreter.sources) or "given",
        ])  # fmt: skip
        if aliases and interpreter.aliases:
            body.append(f"  also: {', '.join(str(alias) for alias in interpreter.aliases)}")
    return table(["PYTHON", "VERSION", "PIP", "VENV", "FOUND BY"], body, "lllll")


def _pips(interpreters: Sequence[Interpreter]) -> str:
    versions = {i.pip_version for i in interpreters if i.pip_version}
    return ", ".join(sorted(versions, key=version_key))


def _why(report: CacheReport) -> str:
    """Why the interpreters use the dir: each distinct reason once (accounts: ``account``)."""
    reasons = [
        location_reason(loc) if loc.user is None else f"account's {loc.source}"
        for loc in report.locations
        if loc.user is None or not report.interpreters
    ]
    return "; ".join(dict.fromkeys(reasons))


def _users_lines(report: CacheReport) -> List[str]:
    """``used by:`` (interpreters) and ``account:`` (whose default cache it is, its owner)."""
    lines = []
    if report.interpreters:
        lines.append(f"  used by: {', '.join(str(i.path) for i in report.interpreters)}")
    accounts = [
        f"{loc.user} (SUDO_USER)" if loc.sudo_user else str(loc.user)
        for loc in report.locations
        if loc.user is not None
    ]
    if accounts:
        owner = f"; owner: {report.owner}" if report.owner else ""
        lines.append(f"  default cache of: {', '.join(accounts)}{owner}")
    return lines


def survey_lines(reports: Sequence[CacheReport], *, ascii_only: bool = False) -> List[str]:
    """A table of caches, largest first, each with a bar per cache and per part (HTTP, wheels).

    Every bar is drawn to the scale of the largest cache, so the bars of a cache's parts add up
    to its own bar and every cache compares with every other. Rows with an error come last.
    """
    measured = sorted(
        (r for r in reports if r.info is not None),
        key=lambda r: -r.info.total_size if r.info is not None else 0,
    )
    failed = [r for r in reports if r.info is None]
    sizes: List[Optional[int]] = []
    for report in measured:
        assert report.info is not None  # noqa: S101 - filtered above
        sizes += [report.info.total_size, report.info.http_size, report.info.wheels_size]
    unit = pick_unit(sizes)
    scale = max((r.info.total_size for r in measured if r.info is not None), default=0)
    rows: List[Row] = []
    rounded = False
    for report in measured:
        info = report.info
        assert info is not None  # noqa: S101 - filtered above
        rounded = rounded or not info.exact
        rows.append([
            str(report.cache_dir),
            format_size(info.total_size, unit, exact=info.exact),
            bar(info.total_size, scale, ascii_only=ascii_only),
            "?" if info.http_files is None else str(info.http_files),
            str(info.wheel_count),
            str(len(report.interpreters)),
            _pips(report.interpreters),
            _why(report),
        ])  # fmt: skip
        for name, size, exact in _parts(info):
            rows.append([
                f"  {name}", format_size(size, unit, exact=exact),
                bar(size, scale, ascii_only=ascii_only), "", "", "", "", "",
            ])  # fmt: skip
        rows += _users_lines(report)
    for report in failed:
        error = report.error
        kind = type(error).__name__ if error is not None else "no information"
        where = "(unknown)" if report.cache_dir is None else str(report.cache_dir)
        state = report.state or "failed"
        rows.append([where, state, kind if error else "", "", "", str(len(report.interpreters)), "",
                     _why(report)])  # fmt: skip
        rows += _users_lines(report)
    header = ["CACHE DIR", "SIZE", "", "HTTP FILES", "WHEELS", "PYTHONS", "PIP", "WHY"]
    lines = table(header, rows, "lrlrrrll")
    if measured:
        total = sum(r.info.total_size for r in measured if r.info is not None)
        lines.append(
            f"{len(measured)} cache{'s' * (len(measured) != 1)},"
            f" {format_size(total, unit, exact=not rounded)} in all"
        )
    if rounded:
        lines.append(ROUNDED_LEGEND)
    return lines
