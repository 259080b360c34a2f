"""After a deletion: the cache measured again, natively and exactly (``verify=True``)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Optional

from .._http.actions import measure
from .._native import native_info
from .._pipversions import AREAS, WHEELS, deletion_rules
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

    :param pip_version: whose purge ran (``None``: this library's, the newest pip's rules).
    """
    result = verified(result, cache_dir)
    if result.remaining is None:
        return result
    rules = deletion_rules(pip_version)
    areas = AREAS if everything else tuple(a for a in AREAS if a in rules.http_for_all)
    files, size, _present = measure(cache_dir, areas)
    wheels = result.remaining.wheel_count
    if not everything and WHEELS not in areas and wheels:
        files += wheels
        size += result.remaining.wheels_size
    if not files:
        return result
    note = (
        f"verify: {files} file(s) ({size} bytes) that the purge should have removed are still in"
        f" {os.fspath(cache_dir)}"
    )
    return dataclasses.replace(result, warnings=(*result.warnings, note))
