"""After a deletion: the cache measured again, natively and exactly (``verify=True``)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Optional, Tuple

from .._http.actions import measure
from .._native import native_info
from .._patterns import pattern_matcher, pip_glob
from .._pipversions import AREAS, WHEELS, deletion_rules
from .._walk import iter_files
from ..models import CacheInfo, RemovalResult

__all__ = ["remeasure", "verified", "verified_purge"]


def remeasure(cache_dir: Path) -> CacheInfo:
    """Every area of ``cache_dir`` (``wheels/``, ``http-v2/``, ``http/``), measured exactly."""
    return native_info(cache_dir, pip_version=None, rules=None)


def verified(result: RemovalResult, cache_dir: Path) -> RemovalResult:
    """``result`` with ``remaining`` measured (a dry run deleted nothing: left as it is)."""
    if result.dry_run:
        return result
    return dataclasses.replace(result, remaining=remeasure(cache_dir))


def verified_purge(
    result: RemovalResult, cache_dir: Path, *, pip_version: Optional[str], everything: bool
) -> RemovalResult:
    """:func:`verified` for a purge: what should have gone and is still there is a warning.

    A purge that spared files on purpose (``result.spared``) should have removed every file of
    the areas it cleans (without ``everything``, under ``wheels/`` only the ``*-*.whl`` files) but
    those.

    :param pip_version: whose purge ran (``None``: this library's, the newest pip's rules).
    """
    result = verified(result, cache_dir)
    if result.remaining is None:
        return result
    if result.spared:
        files, size = _unspared(result, cache_dir, pip_version, everything=everything)
    else:
        files, size = _left(result.remaining, cache_dir, pip_version, everything=everything)
    if not files:
        return result
    note = (
        f"verify: {files} file(s) ({size} bytes) that the purge should have removed are still in"
        f" {os.fspath(cache_dir)}"
    )
    return dataclasses.replace(result, warnings=(*result.warnings, note))


def _left(
    remaining: CacheInfo, cache_dir: Path, pip_version: Optional[str], *, everything: bool
) -> Tuple[int, int]:
    """``(files, bytes)`` still in the areas a purge by ``pip_version`` cleans."""
    rules = deletion_rules(pip_version)
    areas = AREAS if everything else tuple(a for a in AREAS if a in rules.http_for_all)
    files, size, _present = measure(cache_dir, areas)
    if not everything and WHEELS not in areas and remaining.wheel_count:
        files += remaining.wheel_count
        size += remaining.wheels_size
    return files, size


def _unspared(
    result: RemovalResult, cache_dir: Path, pip_version: Optional[str], *, everything: bool
) -> Tuple[int, int]:
    """``(files, bytes)`` still in the areas the purge cleans, but the files it spared."""
    rules = deletion_rules(None if everything else pip_version)
    spared = {os.fspath(path) for path in result.spared}
    wheel = pattern_matcher(pip_glob("*"))
    files = size = 0
    for area in AREAS:
        if area != WHEELS and area not in rules.http_for_all:
            continue
        for path, name, is_link in iter_files(os.path.join(cache_dir, area)):  # noqa: PTH118
            if path in spared or (area == WHEELS and not everything and not wheel(name)):
                continue
            try:
                size += 0 if is_link else os.lstat(path).st_size
            except OSError:
                continue  # gone meanwhile
            files += 1
    return files, size
