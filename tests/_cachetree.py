"""Build a pip cache on disk, in pip's real layout, and remember exactly what was written.

Tests compare results against the :class:`Manifest` of the files they created here, never against
what the code under test printed or parsed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from _aging import age_tree

# Wheel basename -> size in bytes. Sizes straddle pip's rounding buckets (bytes, X.Y kB, N kB).
WHEELS: Tuple[Tuple[str, int], ...] = (
    ("six-1.16.0-py2.py3-none-any.whl", 11_053),
    ("six-1.17.0-py2.py3-none-any.whl", 11_371),
    ("sixer-1.0-py3-none-any.whl", 2_345),
    ("Hyphen_Name-2.0-py3-none-any.whl", 1_500),
    ("zope.interface-5.0-cp311-cp311-linux_x86_64.whl", 250_000),
    ("termcolor-1.1.0-py3-none-any.whl", 640),
)
# Files under http/ (pip 6-23.2 layout: one file per entry) and http-v2/ (meta + .body).
HTTP_V1_SIZES: Tuple[int, ...] = (1_234, 56_789, 300)
HTTP_V2_BODY_SIZES: Tuple[int, ...] = (20_000, 7_777)
HTTP_V2_META_SIZE = 300


def _hexname(seed: str) -> str:
    return hashlib.sha224(seed.encode()).hexdigest()


def _payload(size: int, seed: str) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


@dataclass
class Manifest:
    """What a fixture cache holds, recorded as it was written."""

    cache_dir: Path
    wheels: Dict[str, List[Path]] = field(default_factory=dict)  # basename -> paths
    wheel_sizes: Dict[Path, int] = field(default_factory=dict)
    wheels_extra: Dict[Path, int] = field(default_factory=dict)  # non-wheel files under wheels/
    http_v1: Dict[Path, int] = field(default_factory=dict)
    http_v2: Dict[Path, int] = field(default_factory=dict)
    untouchable: Dict[Path, int] = field(default_factory=dict)  # selfcheck/, strays

    @property
    def wheels_dir(self) -> Path:
        return self.cache_dir / "wheels"

    @property
    def wheel_paths(self) -> List[Path]:
        return sorted(self.wheel_sizes)

    @property
    def wheel_count(self) -> int:
        return len(self.wheel_sizes)

    @property
    def wheels_size(self) -> int:
        """Every file under wheels/, as pip's ``info`` counts it."""
        return sum(self.wheel_sizes.values()) + sum(self.wheels_extra.values())

    def wheels_matching(self, predicate: object) -> List[Path]:
        assert callable(predicate)
        return sorted(p for p in self.wheel_sizes if predicate(p.name))

    def http_files(self, *, v2: bool) -> Dict[Path, int]:
        return {**self.http_v1, **self.http_v2} if v2 else dict(self.http_v1)

    def existing_files(self) -> List[Path]:
        """Every regular file now under the cache dir (for before/after comparisons)."""
        return sorted(
            Path(root) / name for root, _dirs, files in os.walk(self.cache_dir) for name in files
        )


def _write(path: Path, size: int, seed: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_payload(size, seed))
    return size


def build_cache(cache_dir: Path) -> Manifest:
    """Write a cache with everything pip meets in the wild.

    - wheels in ``wheels/aa/bb/cc/<rest>/`` entries, each with an ``origin.json`` (pip 22.2+);
    - two entries holding the same basename (pip lists both);
    - an entry with only an ``origin.json`` (its wheel was removed by an older pip);
    - a stray non-wheel file under ``wheels/``; empty nested dirs under ``wheels/`` and ``http/``;
    - ``http/`` entries (5 one-char levels) and ``http-v2/`` entries (metadata + ``.body``);
    - ``selfcheck/<hash>`` and a stray top-level file, which no pip ever deletes.
    """
    manifest = Manifest(cache_dir=cache_dir)
    wheels_dir = cache_dir / "wheels"
    entries = [*WHEELS, (WHEELS[0][0], 11_053)]  # the duplicate basename, in its own entry
    for index, (basename, size) in enumerate(entries):
        digest = _hexname(f"wheel-{index}")
        entry = wheels_dir / digest[:2] / digest[2:4] / digest[4:6] / digest[6:]
        path = entry / basename
        manifest.wheel_sizes[path] = _write(path, size, basename + str(index))
        manifest.wheels.setdefault(basename, []).append(path)
        origin = entry / "origin.json"
        origin.write_text(json.dumps({"url": f"https://example.invalid/{basename}.tar.gz"}))
        manifest.wheels_extra[origin] = origin.stat().st_size
    digest = _hexname("origin-only")
    orphan = wheels_dir / digest[:2] / digest[2:4] / digest[4:6] / digest[6:] / "origin.json"
    manifest.wheels_extra[orphan] = _write(orphan, 120, "orphan")
    stray = wheels_dir / "README.txt"
    manifest.wheels_extra[stray] = _write(stray, 42, "stray-in-wheels")
    (wheels_dir / "de" / "ad" / "be" / "empty").mkdir(parents=True)

    for index, size in enumerate(HTTP_V1_SIZES):
        name = _hexname(f"http-{index}")
        path = cache_dir.joinpath("http", *name[:5], name)
        manifest.http_v1[path] = _write(path, size, name)
    (cache_dir / "http" / "0" / "1" / "2").mkdir(parents=True)
    for index, size in enumerate(HTTP_V2_BODY_SIZES):
        name = _hexname(f"http-v2-{index}")
        meta = cache_dir.joinpath("http-v2", *name[:5], name)
        manifest.http_v2[meta] = _write(meta, HTTP_V2_META_SIZE, name)
        body = meta.with_name(name + ".body")
        manifest.http_v2[body] = _write(body, size, name + "body")
    (cache_dir / "http-v2" / "f" / "e").mkdir(parents=True)

    selfcheck = cache_dir / "selfcheck" / _hexname("selfcheck")
    manifest.untouchable[selfcheck] = _write(selfcheck, 90, "selfcheck")
    top_stray = cache_dir / "keep-me.txt"
    manifest.untouchable[top_stray] = _write(top_stray, 10, "stray")
    age_tree(cache_dir)  # written an hour ago: not what a running pip may be using
    return manifest


def pip_pattern_matches(pattern: str, basename: str) -> bool:
    """pip's pattern rule, written out independently of the library.

    ``-`` in the pattern appends ``*.whl``, else ``-*.whl``; then :func:`fnmatch.fnmatchcase`,
    which is what pip's ``fnmatch.filter`` does on POSIX.
    """
    import fnmatch

    full = pattern + ("*.whl" if "-" in pattern else "-*.whl")
    return fnmatch.fnmatchcase(basename, full)


def files_under(root: Path) -> set[Path]:
    """Every file (and symlink that is not to a directory) under ``root``, as os.walk sees them."""
    return {Path(d) / f for d, _dirs, files in os.walk(root) for f in files}


def within_rounding(reported: int, true: int) -> bool:
    """Whether ``reported`` is ``true`` up to pip's rounding (spec §2.7).

    pip prints up to 1000 B exactly, then one decimal of kB (+-50 B), whole kB truncated
    (+-1 kB), one decimal of MB (+-50 kB).
    """
    if true <= 1000:
        return reported == true
    tolerance = 50 if true <= 10_000 else 1000 if true <= 1_000_000 else 50_000
    return abs(reported - true) <= tolerance


def version_tuple(version: str) -> tuple[int, ...]:
    """``"22.2.1"`` -> ``(22, 2, 1)``."""
    return tuple(int(x) for x in version.split("."))


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Everything under ``root``, byte for byte: dirs, files' contents, symlinks' targets."""
    result: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                result[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                result[rel] = ("dir",)
            else:
                result[rel] = ("file", path.read_bytes())
    return result
