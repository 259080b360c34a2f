"""Benchmark ``list_http()`` against a plain ``os.walk`` + ``lstat`` of the same HTTP cache.

This is a benchmark, not a test. It builds a synthetic HTTP cache of ``--entries`` entries in
each layout (``http/``: one ``cc=4,`` file per entry, body inside; ``http-v2/``: a ``cc=4,``
metadata file and a ``.body``), in CacheControl's real 5-level layout, then times, ``--runs``
times each, medians:

- the walk: ``os.walk`` of the area with one ``lstat`` per file (what ``du`` does);
- a first listing: ``list_http()`` with an empty disk cache, so every entry is read;
- a repeated listing: ``list_http()`` again, answered from the disk cache;

interleaved (each run: the walk, a first listing, a repeated one; each ratio the median of the
runs' own ratios), with the page cache warm, and cold (``echo 3 > /proc/sys/vm/drop_caches`` before each run; if
that is not permitted, the report says so and shows warm figures only). Goals (issue 10): first
listing <= 3x the walk warm, repeated <= 1.5x.

The entries are what a real cache holds: wheels (zip, 2-60 kB, a ``*.dist-info/METADATA``),
sdists (tar.gz with ``PKG-INFO``), PEP 658 ``.metadata`` files, and gzip-encoded PEP 691 JSON
project pages listing their files by absolute URL, so that naming hashes every listed URL.

Usage::

    python benchmarks/bench_http.py [--entries 10000] [--runs 5] [--keep DIR]
"""

# ruff: noqa: PTH118, PTH123, S311

# The timed closures are defined and called within one iteration of the layout loop (B023), the
# asserts check the benchmark's own cache (S101), and report lines stay whole (E501).
# ruff: noqa: B023, S101, E501

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import io
import json
import os
import platform
import random
import shutil
import statistics
import struct
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipcache_ext._http.listing import list_http  # noqa: E402

SEED = 20_261_201
LAYOUT = 1  # bump when the generator changes, so that --keep rebuilds
FILES = "https://files.example.org/packages/"
INDEX = "https://index.example.org/simple/"
TARGET_FIRST = 3.0
TARGET_REPEATED = 1.5


# -- a msgpack writer for the subset CacheControl writes --------------------------------------


def _pack(value: object, out: bytearray) -> None:
    if value is None:
        out.append(0xC0)
    elif value is True or value is False:
        out.append(0xC3 if value else 0xC2)
    elif isinstance(value, int):
        if 0 <= value < 128:
            out.append(value)
        else:
            out += b"\xcd" + struct.pack(">H", value)
    elif isinstance(value, str):
        data = value.encode()
        if len(data) < 32:
            out.append(0xA0 | len(data))
        else:
            out += (
                b"\xd9" + struct.pack(">B", len(data))
                if len(data) < 256
                else b"\xda" + struct.pack(">H", len(data))
            )
        out += data
    elif isinstance(value, bytes):
        out += b"\xc6" + struct.pack(">I", len(value)) + value
    elif isinstance(value, dict):
        out.append(0x80 | len(value))
        for key, item in value.items():
            _pack(key, out)
            _pack(item, out)
    else:
        raise TypeError(type(value))


def cc4(headers: Dict[str, str], body: bytes) -> bytes:
    data = {
        "response": {
            "body": body,
            "headers": headers,
            "status": 200,
            "version": 11,
            "reason": "OK",
            "decode_content": False,
        },
        "vary": {},
    }
    out = bytearray(b"cc=4,")
    _pack(data, out)
    return bytes(out)


# -- the synthetic cache ----------------------------------------------------------------------


def _wheel(name: str, version: str, rng: random.Random) -> bytes:
    dist = f"{name}-{version}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(rng.randint(3, 30)):
            archive.writestr(f"{name}/module{index}.py", rng.randbytes(rng.randint(200, 2000)))
        archive.writestr(
            f"{dist}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
            + "x" * rng.randint(100, 5000),
        )
        archive.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return buffer.getvalue()


def _sdist(name: str, version: str, rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        files = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()}
        files.update(
            {
                f"src/m{i}.py": rng.randbytes(rng.randint(200, 3000))
                for i in range(rng.randint(2, 10))
            }
        )
        for path, data in files.items():
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _put(area: Path, url: str, headers: Dict[str, str], body: bytes, v2: bool) -> None:
    key = hashlib.sha224(url.encode()).hexdigest()
    folder = area.joinpath(*key[:5])
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / key, "wb") as handle:
        handle.write(cc4(headers, b"" if v2 else body))
    if v2:
        with open(folder / (key + ".body"), "wb") as handle:
            handle.write(body)


def build(area: Path, entries: int) -> Dict[str, int]:
    """About ``entries`` entries in ``area`` (``http`` or ``http-v2`` by its name)."""
    rng = random.Random(SEED)
    v2 = area.name == "http-v2"
    counts = {"wheel": 0, "sdist": 0, "metadata": 0, "index-page": 0}
    octet = {"Content-Type": "application/octet-stream", "ETag": '"x"'}
    made = 0
    project = 0
    while made < entries:
        name = f"project_{project:05d}"
        project += 1
        files = []
        for minor in range(rng.randint(1, 4)):
            version = f"1.{minor}"
            if made >= entries:
                break
            if rng.random() < 0.8:
                filename = f"{name}-{version}-py3-none-any.whl"
                data = _wheel(name, version, rng)
                _put(area, FILES + filename, octet, data, v2)
                counts["wheel"] += 1
                made += 1
                if rng.random() < 0.5 and made < entries:
                    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
                    _put(area, FILES + filename + ".metadata", octet, meta, v2)
                    counts["metadata"] += 1
                    made += 1
            else:
                filename = f"{name}-{version}.tar.gz"
                _put(area, FILES + filename, octet, _sdist(name, version, rng), v2)
                counts["sdist"] += 1
                made += 1
            files.append({"filename": filename, "url": FILES + filename, "hashes": {}})
        if made < entries:
            page = {"meta": {"api-version": "1.0"}, "name": name.replace("_", "-"), "files": files}
            headers = {
                "Content-Type": "application/vnd.pypi.simple.v1+json",
                "Content-Encoding": "gzip",
            }
            _put(
                area,
                f"{INDEX}{name.replace('_', '-')}/",
                headers,
                gzip.compress(json.dumps(page).encode()),
                v2,
            )
            counts["index-page"] += 1
            made += 1
    return counts


# -- timing -----------------------------------------------------------------------------------


def walk(top: str) -> int:
    """os.walk with one lstat per file: the baseline."""
    total = 0
    for dirpath, _dirs, names in os.walk(top):
        for name in names:
            total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def drop_caches() -> Optional[str]:
    """Empty the page cache; the reason when that is not permitted."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
    except OSError as exc:
        return f"{exc.strerror or exc}"
    return None


def timed(call: Callable[[], object], runs: int, before: Callable[[], object]) -> List[float]:
    """Each run's seconds, the young generation's collection included.

    What a call leaves alive is walked by the collector at the program's next allocations
    (10,000 entries: 50-70 ms); ``gc.collect(0)`` counts that against the call that made it.
    """
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        result = call()
        gc.collect(0)
        times.append(time.perf_counter() - start)
        del result
    return times


def main() -> int:  # noqa: PLR0915 - one report
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the caches here and reuse them")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_http-"))
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = False
    try:
        for layout in ("http-v2", "http"):
            cache = root / f"cache-{layout}-{args.entries}-v{LAYOUT}"
            area = cache / layout
            if not (cache / ".complete").exists():
                shutil.rmtree(cache, ignore_errors=True)
                start = time.perf_counter()
                counts = build(area, args.entries)
                (cache / ".complete").write_text(json.dumps(counts))
                print(f"built {cache} in {time.perf_counter() - start:.1f} s")
            counts = json.loads((cache / ".complete").read_text())
            files = sum(len(names) for _d, _s, names in os.walk(area))
            dirs = sum(1 for _ in os.walk(area))
            size = walk(str(area))
            print(f"\n=== {layout}: {sum(counts.values())} entries {counts}")
            print(f"    {files} files, {dirs} directories, {size / 1e6:.1f} MB")
            stores = root / "stores"

            def fresh_store() -> None:
                shutil.rmtree(stores, ignore_errors=True)

            def first() -> object:
                listing = list_http(cache, store=stores, urls=[INDEX])
                assert len(listing.entries) == sum(counts.values()), len(listing.entries)
                return listing

            def repeated() -> object:
                return list_http(cache, store=stores, urls=[INDEX])

            named = list_http(cache, store=None, urls=[INDEX]).entries
            unnamed = [
                e
                for e in named
                if e.project is None or (e.kind != "index-page" and e.filename is None)
            ]
            print(
                f"    named: {len(named) - len(unnamed)} of {len(named)} entries with project, version/file name and URL"
            )
            walk(str(area))  # warm up
            results: Dict[str, Tuple[float, float]] = {}
            modes = [("warm", lambda: None)]
            reason = drop_caches()
            if reason is None:
                modes.append(("cold", drop_caches))
            else:
                print(f"    cold page cache: not measured (drop_caches: {reason})")
            for mode, prepare in modes:
                # Interleaved: each run times the walk, a first listing and a repeated one back
                # to back, and its ratios are of those; this VM's speed drifts by 2x in minutes.
                w: List[float] = []
                f: List[float] = []
                r: List[float] = []
                for _ in range(args.runs):
                    w += timed(lambda: walk(str(area)), 1, prepare)
                    f += timed(first, 1, lambda p=prepare: (fresh_store(), p()))
                    r += timed(repeated, 1, prepare)
                mw, mf, mr = statistics.median(w), statistics.median(f), statistics.median(r)
                rf = statistics.median(b / a for a, b in zip(w, f))
                rr = statistics.median(b / a for a, b in zip(w, r))
                results[mode] = (rf, rr)
                print(f"    {mode}: walk {mw * 1000:8.1f} ms (min {min(w) * 1000:.1f})")
                print(
                    f"    {mode}: first listing {mf * 1000:8.1f} ms (min {min(f) * 1000:.1f})  = {rf:.2f}x the walk"
                )
                print(
                    f"    {mode}: repeated      {mr * 1000:8.1f} ms (min {min(r) * 1000:.1f})  = {rr:.2f}x the walk"
                )
            first_ratio, repeated_ratio = results["warm"]
            ok_first = first_ratio <= TARGET_FIRST
            ok_repeated = repeated_ratio <= TARGET_REPEATED
            failed |= not (ok_first and ok_repeated)
            print(
                f"    goal, warm: first <= {TARGET_FIRST}x: {'met' if ok_first else 'MISSED'}; repeated <= {TARGET_REPEATED}x: {'met' if ok_repeated else 'MISSED'}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
