"""Benchmark the native purge of a large cache against ``rm -rf``, and its dry run against ``info``.

This is a benchmark, not a test. It builds one synthetic pip cache of ``--files`` files (default
300,000: ``bench_info.py``'s generator, pip's real layout) once, then, ``--runs`` times, in
alternating order and each in a fresh process:

- copies it (``cp -a``, then ``sync``, untimed) and purges the copy with
  ``native_purge(paths=False)``: counts only, no list of paths kept;
- copies it again and removes that copy with ``rm -rf``;
- on the original: a dry run (``native_purge(dry_run=True, paths=False)``) and ``native_info()``.

Each child reports its own peak RSS (``VmHWM``). It also runs, once each, the dry run that keeps
every path (the library's default, ``paths=True``) for its memory, and ``pipcache-ext purge
--dry-run --json`` with and without ``--paths`` for the size of the document. Checks: the purged
copy holds no file pip counts, and the dry run's counts equal the real run's.
Targets (issue 13): purge / ``rm -rf`` <= 1.3x with peak memory <= 64 MiB; dry run / info <= 1.2x.

Usage::

    python benchmarks/bench_purge.py [--files 300000] [--runs 5] [--keep DIR]

Building the cache takes a few minutes and each copy about a minute here; ``--keep DIR`` keeps
the cache for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_info  # noqa: E402 - next to this file

TARGET_VS_RM = 1.3
TARGET_PEAK_MIB = 64.0
TARGET_DRY_VS_INFO = 1.2
TIMEOUT = 1800
NAMES = ("native purge", "rm -rf", "dry run", "info")


class Timings(NamedTuple):
    times: Dict[str, List[float]]
    peaks: Dict[str, List[int]]  # KiB, where the child reports it
    good: bool  # every purged copy was left with no counted file and nothing failed


_CHILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from pipcache_ext._native import native_info, native_purge\n"
    "what, cache = sys.argv[1], Path(sys.argv[2])\n"
    "if what == 'info':\n"
    "    i = native_info(cache, pip_version=None)\n"
    "    counts = [i.wheel_count + i.http_files, i.wheels_size + i.http_size, 0]\n"
    "else:\n"
    "    r = native_purge(cache, dry_run=what != 'purge', paths=what == 'dry-paths')\n"
    "    counts = [r.files_removed, r.bytes_removed, r.dirs_removed, len(r.failed)]\n"
    f"{bench_info._PEAK}"  # noqa: SLF001 - the same peak RSS reader
    "print(*counts, peak())\n"
)


def child(what: str, cache: Path, env: Dict[str, str]) -> List[int]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(cache)], env=env, capture_output=True,
        text=True, check=True, timeout=TIMEOUT,
    )  # fmt: skip
    return [int(x) for x in done.stdout.split()]


def copy(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["cp", "-a", str(source), str(target)], check=True, timeout=TIMEOUT)
    subprocess.run(["sync"], check=True, timeout=TIMEOUT)  # the copy's writeback is not timed


def counted_left(cache: Path) -> int:
    """Files a purge should have removed that are still there (wheels and HTTP files)."""
    left = 0
    for area in ("wheels", "http", "http-v2"):
        for _root, _dirs, files in os.walk(cache / area):
            left += sum(1 for name in files if area != "wheels" or name.endswith(".whl"))
    return left


def cli_json_size(cache: Path, env: Dict[str, str], *extra: str) -> int:
    code = "import sys\nfrom pipcache_ext.__main__ import main\nsys.exit(main())\n"
    argv = [sys.executable, "-c", code, "purge", "--dry-run", "--json", "--backend", "native",
            "--force", *extra]  # fmt: skip
    done = subprocess.run(
        argv, env={**env, "PIP_CACHE_DIR": str(cache)}, capture_output=True, text=True,
        check=False, timeout=TIMEOUT,
    )  # fmt: skip
    json.loads(done.stdout)  # a valid document
    return len(done.stdout.encode())


def timed_child(what: str, cache: Path, env: Dict[str, str]) -> Tuple[float, List[int]]:
    start = time.perf_counter()
    result = child(what, cache, env)
    return time.perf_counter() - start, result


def one(
    name: str, cache: Path, work: Path, env: Dict[str, str]
) -> Tuple[float, Optional[int], bool]:
    """One timed command: ``(seconds, its peak RSS in KiB or None, whether its checks held)``."""
    if name == "rm -rf":
        copy(cache, work)
        start = time.perf_counter()
        subprocess.run(["rm", "-rf", str(work)], check=True, timeout=TIMEOUT)
        return time.perf_counter() - start, None, True
    if name == "native purge":
        copy(cache, work)
        seconds, result = timed_child("purge", work, env)
        good = counted_left(work) == 0 and result[3] == 0
        shutil.rmtree(work)
        return seconds, result[-1], good
    seconds, result = timed_child("dry" if name == "dry run" else "info", cache, env)
    return seconds, result[-1], True


def time_runs(args: argparse.Namespace, cache: Path, work: Path, env: Dict[str, str]) -> Timings:
    times: Dict[str, List[float]] = {name: [] for name in NAMES}
    peaks: Dict[str, List[int]] = {name: [] for name in NAMES}
    good = True
    print(f"timing:  {args.runs} runs, order alternated (load average {bench_info.load()})")
    for run in range(args.runs):
        order = list(NAMES) if run % 2 == 0 else [NAMES[1], NAMES[0], NAMES[3], NAMES[2]]
        for name in order:
            seconds, peak, held = one(name, cache, work / "copy", env)
            times[name].append(seconds)
            if peak is not None:
                peaks[name].append(peak)
            good = good and held
        print(f"  run {run + 1}/{args.runs} done (load average {bench_info.load()})", flush=True)
    return Timings(times, peaks, good)


def report(args: argparse.Namespace, cache: Path, timings: Timings) -> None:
    times, peaks = timings.times, timings.peaks
    print()
    print(f"=== native purge of {args.files} files vs rm -rf; dry run vs info ===")
    print(bench_info.machine(Path(sys.executable), cache)[0])
    print(f"python:  {sys.version.split()[0]} ({sys.executable})")
    print(f"date:    {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"medians of {args.runs} runs, fresh processes (cp -a of the cache before each purge):")
    for name, values in times.items():
        peak = f"; peak {statistics.median(peaks[name]) / 1024:.1f} MiB" if peaks[name] else ""
        print(f"  {name:14} {bench_info.ms(values)}{peak}")
    purge, rm = statistics.median(times["native purge"]), statistics.median(times["rm -rf"])
    dry, info = statistics.median(times["dry run"]), statistics.median(times["info"])
    rows = [
        ("native purge / rm -rf", purge / rm, TARGET_VS_RM, "x"),
        ("peak memory of the purge (max)", max(peaks["native purge"]) / 1024, TARGET_PEAK_MIB,
         " MiB"),
        ("dry run / native info", dry / info, TARGET_DRY_VS_INFO, "x"),
    ]  # fmt: skip
    print("targets:")
    for label, value, target, unit in rows:
        verdict = "met" if value <= target else "MISSED"
        print(f"  {label:34} {value:7.2f}{unit}  (<= {target}{unit}: {verdict})")


def run_all(args: argparse.Namespace, parent: Path) -> int:
    cache = bench_info.ensure_cache(parent, args.files)
    home = parent / "home"
    home.mkdir(exist_ok=True)
    env = bench_info.child_env(cache, home)
    work = parent / "copies"
    work.mkdir(exist_ok=True)
    timings = time_runs(args, cache, work, env)
    copy(cache, work / "copy")
    real = child("purge", work / "copy", env)
    shutil.rmtree(work / "copy", ignore_errors=True)
    dry = child("dry", cache, env)
    keeping = child("dry-paths", cache, env)
    bounded = cli_json_size(cache, env)
    listed = cli_json_size(cache, env, "--paths")
    report(args, cache, timings)
    print(f"dry run keeping every path (paths=True): peak {keeping[-1] / 1024:.1f} MiB")
    print(f"purge --dry-run --json: {bounded} bytes; with --paths: {listed} bytes")
    same = dry[:3] == real[:3]
    print("checks:")
    print(f"  purged copies: no counted file left, none failed  {ok(timings.good)}")
    print(f"  dry run counts == real run counts                 {ok(same)}  ({dry[:3]})")
    return 0 if timings.good and same else 1


def ok(good: bool) -> str:
    return "OK" if good else "MISMATCH"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=300_000, help="files in the cache")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--keep", type=Path, help="build the cache here and keep it")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run_all(args, args.keep.resolve())
    workdir = Path(tempfile.mkdtemp(prefix="bench_purge-"))
    try:
        return run_all(args, workdir)
    finally:
        print(f"removing {workdir} ...", end=" ", flush=True)
        start = time.perf_counter()
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
