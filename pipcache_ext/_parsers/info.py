"""``pip cache info``: four output shapes (spec §2.2).

pip 20.1 - 20.2.x::

    Location: <C>/wheels
    Size: <size>
    Number of wheels: <n>

pip 20.3 - 22.2 (22.2.1 renames the wheel lines to "Locally built wheels ...")::

    Package index page cache location: <C>/http
    Package index page cache size: <size>
    Number of HTTP files: <n>
    Wheels location: <C>/wheels
    Wheels size: <size>
    Number of wheels: <n>

pip 23.3+ (two HTTP locations; the size and file count cover both)::

    Package index page cache location (pip v23.3+): <C>/http-v2
    Package index page cache location (older pips): <C>/http
    Package index page cache size: <size>
    Number of HTTP files: <n>
    Locally built wheels location: <C>/wheels
    Locally built wheels size: <size>
    Number of locally built wheels: <n>
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .._pipversions import features, parse_pip_version
from ..models import CacheInfo
from ._common import ParsedSize, clean_lines, fail, parse_size

__all__ = ["parse_info"]

# Every label any pip has printed -> the field it feeds. Unknown labels are ignored.
_LABELS: Dict[str, str] = {
    "Location": "wheels_location",  # 20.1
    "Size": "wheels_size",  # 20.1
    "Number of wheels": "wheel_count",  # 20.1 - 22.2
    "Wheels location": "wheels_location",  # 20.3 - 22.2
    "Wheels size": "wheels_size",  # 20.3 - 22.2
    "Locally built wheels location": "wheels_location",  # 22.2.1+
    "Locally built wheels size": "wheels_size",  # 22.2.1+
    "Number of locally built wheels": "wheel_count",  # 22.2.1+
    "Package index page cache location": "http",  # 20.3 - 23.2
    "Package index page cache location (pip v23.3+)": "http_v2",  # 23.3+
    "Package index page cache location (older pips)": "http",  # 23.3+
    "Package index page cache size": "http_size",  # 20.3+
    "Number of HTTP files": "http_files",  # 20.3+
}


def parse_info(stdout: str, *, pip_version: Optional[str] = None) -> CacheInfo:
    """Read ``pip cache info``'s stdout into a :class:`CacheInfo` (``backend="pip"``).

    Sizes come back as the middle of pip's rounding range; ``exact`` is ``False`` when any of
    them was rounded. ``http_*`` fields are ``None`` for pips that do not report them (20.1-20.2).

    :raises ParseError: a required line is missing or unreadable. For pips known to report the
        HTTP cache (20.3+), its size and count are required too.
    """
    fields: Dict[str, str] = {}
    for line in clean_lines(stdout):
        label, sep, value = line.partition(": ")
        field = _LABELS.get(label.strip())
        if sep and field is not None:
            fields.setdefault(field, value)

    def need(field: str) -> str:
        if field not in fields:
            fail(f"pip cache info printed no {field.replace('_', ' ')}", text=stdout,
                 pip_version=pip_version)  # fmt: skip
        return fields[field]

    def size(field: str) -> ParsedSize:
        parsed = parse_size(need(field))
        if parsed is None:
            fail(f"unreadable {field.replace('_', ' ')} {fields[field]!r}", text=stdout,
                 pip_version=pip_version)  # fmt: skip
        return parsed

    def count(field: str) -> int:
        value = need(field).strip()
        if not value.isdigit():
            fail(f"unreadable {field.replace('_', ' ')} {value!r}", text=stdout,
                 pip_version=pip_version)  # fmt: skip
        return int(value)

    version = parse_pip_version(pip_version) if pip_version else None
    http_expected = version is not None and features(version).http_in_info
    wheels_location = Path(need("wheels_location"))
    wheels_size = size("wheels_size")
    wheel_count = count("wheel_count")
    http_dirs: Tuple[Path, ...] = tuple(
        Path(fields[key]) for key in ("http_v2", "http") if key in fields
    )
    has_http = http_expected or "http_size" in fields or "http_files" in fields
    http_size = size("http_size") if has_http else None
    http_files = count("http_files") if has_http else None
    sizes: List[ParsedSize] = [wheels_size] + ([http_size] if http_size is not None else [])
    return CacheInfo(
        cache_dir=wheels_location.parent,
        wheels_dir=wheels_location,
        wheel_count=wheel_count,
        wheels_size=wheels_size.value,
        http_dirs=http_dirs,
        http_files=http_files,
        http_size=http_size.value if http_size is not None else None,
        exact=all(s.exact for s in sizes),
        backend="pip",
        pip_version=pip_version,
        wheels_size_text=None if wheels_size.exact else wheels_size.text,
        http_size_text=None if http_size is None or http_size.exact else http_size.text,
    )
