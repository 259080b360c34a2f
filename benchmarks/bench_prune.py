"""Benchmark ``prune`` and ``usage`` against the native ``info()`` on the 90,000-file cache.

This is a benchmark, not a test. It builds (or, with ``--keep DIR``, reuses) ``bench_info.py``'s
synthetic cache of ``--files`` files, then times, ``--runs`` times each, in alternating order and
each in a fresh ``python -c`` child (start-up and imports included):

- ``native_info()`` (the reference);
- ``prune(older_than=30 days, dry_run=True)`` and ``prune(max_size=half, dry_run=True)``, counted
  from a moment 60 days after the cache was written, so that every entry is old and the whole
  decision is made: one scan, every entry sorted by last use, the plan with its directories
  (a dry run's plan is exactly the real run's, :mod:`pipcache_ext._plan`);
- ``usage()`` with this library's disk cache of HTTP entries warm (it is filled once, untimed,
  and so is the tally of that usage, which the timed ones are counted from), once cold (no disk
  cache: every HTTP entry read), and once after one entry was added (the tally does not stand:
  the walk that finds so, then the listing with the disk cache warm, every entry named again);
- two floors, written here and not the library's: the walk every prune must make (each
  directory opened from its parent with ``O_NOFOLLOW``, its identity read, each file's ``lstat``)
  shared by forked workers as ``info()`` shares its own (the library's ``fork_pull``), sending
  back only counts, as ``info()`` does; and the same walk sending back each file's name,
  identity, size and times, the least a parent needs to choose by last use and delete by
  identity. What lies between the second floor and prune is the plan and the result.

The package is byte-compiled first (``compileall``), as an installed one is: this machine's
environment sets ``PYTHONDONTWRITEBYTECODE``, under which every child would otherwise compile
the modules it imports, and a prune imports more of them than ``info()``.

Target (issue 11): prune and usage at most 1.5x ``info()``. Nothing is deleted.

Usage::

    python benchmarks/bench_prune.py [--files 90000] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_info  # noqa: E402 - next to this file

TARGET = 1.5
TIMEOUT = 1800
DAY_NS = 86400 * 10**9

_CHILD = """\
import sys, time
from pathlib import Path
what, cache, store = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
if what == "info":
    from pipcache_ext._native import native_info
    i = native_info(cache, pip_version=None)
    print(i.wheel_count + (i.http_files or 0), i.wheels_size + (i.http_size or 0))
elif what.startswith("prune"):
    from pipcache_ext._housekeeping.prune import prune
    now = time.time_ns() + 60 * 86400 * 10**9
    if what == "prune-age":
        r = prune(cache, older_than=30 * 86400, dry_run=True, force=True, now=now)
    else:
        r = prune(cache, max_size=int(sys.argv[4]), dry_run=True, force=True, now=now)
    print(r.files_removed, r.bytes_removed, r.dirs_removed)
elif what.startswith("walk"):
    import gc, os
    gc.disable()  # as the library's scans pause it
    from pipcache_ext._walk.forks import fork_pull, workers
    FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    keep = what == "walk-records"
    def walk(parent, name, rel, files, dirs):
        try:
            fd = os.open(name, FLAGS, dir_fd=parent)
        except OSError:
            return
        try:
            st = os.fstat(fd)
            below = []
            with os.scandir(fd) as listing:
                for e in listing:
                    if e.is_dir(follow_symlinks=False):
                        below.append(e.name)
                        continue
                    s = e.stat(follow_symlinks=False)
                    if keep:
                        files.append((len(dirs), e.name, s.st_ino, s.st_size, s.st_mtime_ns,
                                      s.st_atime_ns))
                    else:
                        files.append(s.st_size)
            dirs.append((rel, st.st_dev, st.st_ino) if keep else 0)
            for name in below:
                walk(fd, name, rel + os.sep + name, files, dirs)
        finally:
            os.close(fd)
    def job(shard):
        files, dirs = [], []
        top = os.open(str(cache / shard[0]), FLAGS)
        try:
            walk(top, shard[1], os.path.join(*shard), files, dirs)
        finally:
            os.close(top)
        return (files, dirs) if keep else (len(files), sum(files), len(dirs))
    jobs = [(area, name) for area in ("wheels", "http", "http-v2") if (cache / area).is_dir()
            for name in sorted(os.listdir(cache / area))]
    done = fork_pull(job, jobs, workers())
    print(len(done))
else:
    from pipcache_ext._housekeeping.usage import usage
    rows, _warnings = usage(cache, store=Path(store) if store != "-" else None)
    print(len(rows), sum(row.size for row in rows))
"""


def child(what: str, cache: Path, store: str, *extra: str) -> List[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, what, str(cache), store, *extra], env=env,
        capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    return done.stdout.split()


def timed(what: str, cache: Path, store: str, *extra: str) -> float:
    start = time.perf_counter()
    child(what, cache, store, *extra)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=90_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build and keep the cache in this directory")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "pipcache_ext")],
                   check=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-prune-") as scratch:
        parent = args.keep or Path(scratch)
        parent.mkdir(parents=True, exist_ok=True)
        cache = bench_info.ensure_cache(parent, args.files)
        store = str(Path(scratch) / "store")
        files, size = (int(v) for v in child("info", cache, "-"))
        half = str(size // 2)
        print(f"{files} files, {size} bytes; filling the disk cache of HTTP entries ...")
        child("usage", cache, store)  # untimed: warms this library's store
        names = {
            "info": ("info", "-"),
            "prune --older-than 30d": ("prune-age", "-"),
            "prune --max-size half": ("prune-size", "-", half),
            "usage (store warm)": ("usage", store),
            "floor: walk": ("walk", "-"),
            "floor: walk + records": ("walk-records", "-"),
        }
        times: Dict[str, List[float]] = {name: [] for name in names}
        for _run, name in itertools.product(range(args.runs), names):
            times[name].append(timed(*names[name][:1], cache, *names[name][1:]))
        cold = timed("usage", cache, "-")
        # one entry more (a stray file): the tally no longer stands, the walk that found it so
        # is followed by the listing, every entry named again; then the cache is as it was
        added = cache / "http-v2" / "0" / "bench-one-more.tmp"
        added.write_bytes(b"half written")
        try:
            changed = timed("usage", cache, store)
        finally:
            added.unlink()
        base = statistics.median(times["info"])
        print(
            f"\nmedians of {args.runs} runs, fresh process each (Python {sys.version.split()[0]},"
            f" {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )
        for name, values in times.items():
            median = statistics.median(values)
            mark = (
                ""
                if name == "info"
                else f"  {median / base:.2f}x info"
                + ("  ok" if median / base <= TARGET else f"  OVER {TARGET}x")
            )
            print(f"  {name:<26} {median * 1000:8.0f} ms{mark}")
        print(f"  {'usage (no store, once)':<26} {cold * 1000:8.0f} ms  {cold / base:.2f}x info")
        label = "usage (one entry added)"
        print(f"  {label:<26} {changed * 1000:8.0f} ms  {changed / base:.2f}x info")
        age = child("prune-age", cache, "-")
        print(
            f"\nprune --older-than 30d would remove {age[0]} files, {age[1]} bytes, {age[2]} dirs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
