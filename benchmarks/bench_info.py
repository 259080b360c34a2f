"""Benchmark the native ``info()`` against ``pip cache info`` (pip 26.3) and ``du -sb``.

This is a benchmark, not a test. It builds a synthetic pip cache of about ``--files`` files in
pip's real on-disk layout (spec ``pip-cache.md`` §4), plus one a quarter of that size, then times,
``--runs`` times each and in alternating order:

- the native backend, ``native_info()``, in a fresh ``python -c`` child (interpreter start-up and
  imports included, like the other two), and also in this process;
- ``<venv python> -m pip cache info`` of pip 26.3, from the venv ``tests/_pipenvs.py`` builds;
- ``du -sb <cache>``.

It prints the medians, the ratios against the targets (pip / native >= 2.5, native / du <= 1.3),
the native child's peak RSS for both cache sizes, and checks the native figures against an
``os.walk`` count and pip's own output. pip only ever sees the synthetic cache (``PIP_CACHE_DIR``),
a throw-away ``HOME`` and ``PIP_CONFIG_FILE=/dev/null``.

Usage::

    python benchmarks/bench_info.py [--files 90000] [--runs 5] [--keep DIR]

With ``--keep DIR`` the caches are built in ``DIR`` (and reused by later runs with the same
``--files``); without it, everything lives in a temporary directory that is deleted at the end.
"""

# Paths are str and os.* calls on purpose: 170k files and directories are written and walked.
# ruff: noqa: PTH103, PTH114, PTH118

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import importlib
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
PIP_VERSION = "26.3"
SEED = 20_261_121
LAYOUT = 1  # bump whenever the generator changes, so that --keep rebuilds older caches
QUARTER = 4
# Issue 13's targets (issue 2's were pip / native >= 2.5x and native / du <= 1.3x).
TARGET_VS_PIP = 3.5
TARGET_VS_DU = 0.7
TIMEOUT = 600

# The child's peak RSS in KiB. VmHWM is this process's own high-water mark; ru_maxrss is not (on
# Linux it keeps the peak of the memory the child had before exec, i.e. this benchmark's).
_PEAK = """\
def peak():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
_NATIVE_CHILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from pipcache_ext._native import native_info\n"
    "i = native_info(Path(sys.argv[1]), pip_version=None)\n"
    f"{_PEAK}"
    "print(i.wheel_count, i.wheels_size, i.http_files, i.http_size, peak())\n"
)
_IMPORT_ONLY_CHILD = f"import pipcache_ext._native\n{_PEAK}print(peak())\n"
# The whole product: the running interpreter probed and asked its cache dir (PIP_CACHE_DIR), both
# answers from the library's disk cache once warm (no child process), then the native walk.
_PIPCACHE_CHILD = (
    "from pipcache_ext import PipCache\n"
    "i = PipCache(backend='native').info()\n"
    "print(i.wheel_count, i.wheels_size, i.http_files, i.http_size)\n"
)

Command = Callable[[], "subprocess.CompletedProcess[str]"]


class Layout(NamedTuple):
    """How many of each kind of entry a cache of ``files`` files holds."""

    files: int
    wheels: int  # wheels/ entries: a wheel and its origin.json each
    http_v1: int  # http/ entries: one file each
    http_v2: int  # http-v2/ entries: metadata + .body each
    selfcheck: int  # selfcheck/<sha224> files
    strays: int  # leftover http-v2 *.tmp files (pip counts them)


class Figures(NamedTuple):
    """The figures ``pip cache info`` reports (-1 where pip gives only a rounded size)."""

    wheel_count: int
    wheels_size: int
    http_files: int
    http_size: int


def plan(files: int) -> Layout:
    wheels = files // 30
    http_v1 = files // 15
    selfcheck = 3
    rest = files - 2 * wheels - http_v1 - selfcheck
    return Layout(files, wheels, http_v1, rest // 2, selfcheck, rest % 2)


# --- generating the cache ------------------------------------------------------------------------


def _sha224(text: str) -> str:
    return hashlib.sha224(text.encode()).hexdigest()


class _Writer:
    """Writes files whose contents are slices of one random blob (deterministic, incompressible)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        size = 256 * 1024
        self.blob = rng.getrandbits(size * 8).to_bytes(size, "little")

    def log_uniform(self, low: int, high: int) -> int:
        return int(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    def body_size(self) -> int:
        """Most HTTP responses are index pages or metadata (1-8 kB); 4% are files (8-200 kB)."""
        if self.rng.random() < 0.04:
            return self.log_uniform(8_000, 200_000)
        return self.log_uniform(1_000, 8_000)

    def write(self, path: str, size: int, head: bytes = b"") -> None:
        start = self.rng.randrange(len(self.blob) - size + 1)
        with open(path, "wb") as f:  # noqa: PTH123
            f.write(head)
            f.write(self.blob[start : start + size - len(head)])


def _http_dir(top: str, name: str) -> str:
    path = os.path.join(top, *name[:5])
    os.makedirs(path, exist_ok=True)
    return path


def _write_wheels(cache: str, count: int, writer: _Writer) -> None:
    for i in range(count):
        project = f"proj_{i:05d}"
        url = f"https://files.example.org/packages/{project}-1.{i % 10}.0.tar.gz"
        key = {"url": url, "interpreter_name": "cp", "interpreter_version": "312"}
        h = _sha224(json.dumps(key, sort_keys=True, separators=(",", ":")))
        entry = os.path.join(cache, "wheels", h[:2], h[2:4], h[4:6], h[6:])
        os.makedirs(entry, exist_ok=True)
        wheel = f"{project}-1.{i % 10}.0-py3-none-any.whl"
        writer.write(os.path.join(entry, wheel), writer.log_uniform(2_000, 40_000), b"PK\x03\x04")
        digest = _sha224(url)
        origin = {"archive_info": {"hash": f"sha256={digest}"}, "url": url}
        with open(os.path.join(entry, "origin.json"), "w", encoding="utf-8") as f:  # noqa: PTH123
            json.dump(origin, f)


def _write_http(cache: str, layout: Layout, writer: _Writer) -> None:
    v1 = os.path.join(cache, "http")
    for i in range(layout.http_v1):
        name = _sha224(f"https://pypi.example.org/simple/old_{i}/")
        writer.write(os.path.join(_http_dir(v1, name), name), writer.body_size(), b"cc=4,")
    v2 = os.path.join(cache, "http-v2")
    name = ""
    for i in range(layout.http_v2):
        name = _sha224(f"https://pypi.example.org/simple/proj_{i}/")
        directory = _http_dir(v2, name)
        writer.write(os.path.join(directory, name), writer.rng.randrange(280, 321), b"cc=4,")
        writer.write(os.path.join(directory, name + ".body"), writer.body_size())
    if layout.strays:  # an interrupted atomic write, next to the last entry
        path = os.path.join(_http_dir(v2, name), f"{name}.body{writer.rng.randrange(10**8)}.tmp")
        writer.write(path, writer.body_size())


def _write_selfcheck(cache: str, count: int) -> None:
    directory = os.path.join(cache, "selfcheck")
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        prefix = f"/opt/venvs/app{i}"
        state = {"key": prefix, "last_check": "2026-11-21T05:42:13+00:00", "pypi_version": "26.3"}
        with open(os.path.join(directory, _sha224(prefix)), "w", encoding="utf-8") as f:  # noqa: PTH123
            json.dump(state, f)


def generate(cache: Path, layout: Layout) -> None:
    writer = _Writer(random.Random(SEED + layout.files))  # noqa: S311 - test data, not secrets
    _write_wheels(str(cache), layout.wheels, writer)
    _write_http(str(cache), layout, writer)
    _write_selfcheck(str(cache), layout.selfcheck)


def ensure_cache(parent: Path, files: int) -> Path:
    """The cache of ``files`` files under ``parent``: reused if complete and current, else built."""
    cache = parent / f"cache-{files}"
    marker = parent / f"cache-{files}.json"
    wanted = {"layout": LAYOUT, "seed": SEED, "plan": plan(files)._asdict()}
    if cache.is_dir() and marker.is_file() and json.loads(marker.read_text()) == wanted:
        print(f"reusing {cache}")
        return cache
    marker.unlink(missing_ok=True)
    building = parent / f"cache-{files}.partial"
    for stale in (cache, building):
        shutil.rmtree(stale, ignore_errors=True)
    print(f"generating {cache} ...", end=" ", flush=True)
    start = time.perf_counter()
    generate(building, plan(files))
    building.rename(cache)
    marker.write_text(json.dumps(wanted))
    print(f"{time.perf_counter() - start:.1f} s")
    return cache


# --- counting it as du / os.walk would -----------------------------------------------------------


class Walked(NamedTuple):
    """Files and bytes under one directory, by ``os.walk`` (symlinks: 0 bytes)."""

    files: int
    size: int
    wheels: int  # basenames matching pip's "*-*.whl"


def walk(top: Path) -> Walked:
    files = size = wheels = 0
    for root, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(root, name)
            files += 1
            size += 0 if os.path.islink(path) else os.lstat(path).st_size
            wheels += fnmatch.fnmatch(name, "*-*.whl")
    return Walked(files, size, wheels)


# --- running and timing --------------------------------------------------------------------------


def pip_python() -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    pipenvs = importlib.import_module("_pipenvs")
    _venv, python = pipenvs.matrix_venv(PIP_VERSION)
    return Path(python)


def child_env(cache: Path, home: Path) -> Dict[str, str]:
    """os.environ without pip's or Python's settings, pointed at the synthetic cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(
        PIP_CACHE_DIR=str(cache),
        PIP_CONFIG_FILE=os.devnull,
        HOME=str(home),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def runner(argv: Sequence[str], env: Dict[str, str], cwd: Path) -> Command:
    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), env=env, cwd=cwd, capture_output=True, text=True, check=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT,
        )  # fmt: skip

    return run


def timed(command: Callable[[], object]) -> float:
    start = time.perf_counter()
    command()
    return time.perf_counter() - start


def measure(commands: Dict[str, Command], runs: int) -> Dict[str, List[float]]:
    """Time each command ``runs`` times after one untimed warm-up, rotating their order."""
    for command in commands.values():
        command()
    orders = list(itertools.permutations(commands))
    times: Dict[str, List[float]] = {name: [] for name in commands}
    for run in range(runs):
        for name in orders[run % len(orders)]:
            times[name].append(timed(commands[name]))
    return times


def in_process(cache: Path, runs: int) -> List[float]:
    from pipcache_ext._native import native_info  # noqa: PLC0415 - the child imports it too

    native_info(cache, pip_version=None)  # warm-up
    return [timed(lambda: native_info(cache, pip_version=None)) for _ in range(runs)]


def native_figures(stdout: str) -> Tuple[Figures, int]:
    """The native child's ``(figures, peak RSS in KiB)``."""
    wheel_count, wheels_size, http_files, http_size, maxrss = (int(x) for x in stdout.split())
    return Figures(wheel_count, wheels_size, http_files, http_size), maxrss


def pip_figures(stdout: str) -> Tuple[Figures, Dict[str, str]]:
    """pip's counts, and its size texts (pip rounds sizes)."""
    fields = dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)
    figures = Figures(
        int(fields["Number of locally built wheels"]),
        -1,
        int(fields["Number of HTTP files"]),
        -1,
    )
    sizes = {
        "wheels": fields["Locally built wheels size"],
        "http": fields["Package index page cache size"],
    }
    return figures, sizes


def peak_rss(code: str, cache: Path, bench: Bench) -> str:
    """A child's peak RSS: what it reports itself, and /usr/bin/time's %M if there is one."""
    env = bench.env(cache)
    own = runner([sys.executable, "-c", code, str(cache)], env, bench.home)().stdout.split()[-1]
    text = f"{int(own) / 1024:.1f} MiB"
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        argv = [str(gnu_time), "-f", "%M", sys.executable, "-c", code, str(cache)]
        measured = runner(argv, env, bench.home)().stderr.strip().splitlines()[-1]
        text += f"; {int(measured) / 1024:.1f} MiB"
    return text


# --- report --------------------------------------------------------------------------------------


def ms(values: Sequence[float]) -> str:
    return (
        f"{statistics.median(values) * 1000:8.1f} ms"
        f"  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
    )


def ok(condition: bool) -> str:
    return "OK" if condition else "MISMATCH"


def pip_size_ok(text: str, exact: int) -> bool:
    from pipcache_ext._parsers._common import parse_size  # noqa: PLC0415

    parsed = parse_size(text)
    return parsed is not None and parsed.low <= exact <= parsed.high


def load() -> str:
    """The 1-minute load average: other work on the machine skews the timings."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def machine(python: Path, cache: Path) -> List[str]:
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1) if found else cpu
    fstype = subprocess.run(
        ["stat", "-f", "-c", "%T", str(cache)], capture_output=True, text=True, check=False
    )
    pip_py = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return [
        (
            f"machine: {nproc.strip()} CPUs (nproc), {cpu}, {platform.system()} "
            f"{platform.release()}, cache on {fstype.stdout.strip() or 'unknown'}, "
            f"load average now {load()}"
        ),
        (
            f"python:  native on {platform.python_implementation()} {platform.python_version()} "
            f"({sys.executable}); pip {PIP_VERSION} on Python {pip_py}"
        ),
    ]


class Bench(NamedTuple):
    """What every step of one benchmark run needs."""

    files: int
    runs: int
    full: Path  # the cache of --files files
    quarter: Path  # the cache a quarter of that size
    pip_python: Path  # the python of pip's venv
    home: Path  # HOME and working directory of every child

    def env(self, cache: Path) -> Dict[str, str]:
        return child_env(cache, self.home)

    def native(self, cache: Path, python: Optional[str] = None) -> Command:
        argv = [python or sys.executable, "-c", _NATIVE_CHILD, str(cache)]
        return runner(argv, self.env(cache), self.home)

    def pip(self) -> Command:
        argv = [str(self.pip_python), "-m", "pip", "cache", "info"]
        return runner(argv, self.env(self.full), self.home)

    def pipcache(self) -> Command:
        """``PipCache(backend="native").info()`` of the running interpreter, in a fresh child."""
        return runner([sys.executable, "-c", _PIPCACHE_CHILD], self.env(self.full), self.home)

    def du(self) -> Command:
        return runner(["du", "-sb", str(self.full)], self.env(self.full), self.home)


def prepare(args: argparse.Namespace, workdir: Path) -> Bench:
    full = ensure_cache(workdir, args.files)
    quarter = ensure_cache(workdir, args.files // QUARTER)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    return Bench(args.files, args.runs, full, quarter, pip_python(), home)


def describe(bench: Bench) -> Walked:
    whole = walk(bench.full)
    du_total = bench.du()().stdout.split()[0]
    layout = plan(bench.files)
    print(
        f"cache:   {whole.files} files, {whole.size} bytes in files ({whole.size / 1e6:.1f} MB); "
        f"du -sb, directories included: {du_total} bytes\n"
        f"         {layout.wheels} wheels + origin.json, {layout.http_v1} http/ files, "
        f"{layout.http_v2} http-v2 entries (meta + .body), {layout.strays} stray .tmp, "
        f"{layout.selfcheck} selfcheck files"
    )
    return whole


def time_all(bench: Bench) -> Dict[str, List[float]]:
    pip_label = f"pip {PIP_VERSION} cache info"
    commands = {
        "native info()": bench.native(bench.full),
        pip_label: bench.pip(),
        "du -sb": bench.du(),
        "PipCache(native).info(), warm": bench.pipcache(),
    }
    print(
        f"timing:  {bench.runs} runs each, order rotated; one untimed warm-up run of each first "
        f"(load average {load()})"
    )
    times = measure(commands, bench.runs)
    times["native info(), in-process"] = in_process(bench.full, bench.runs)
    quarter = f"native info(), {bench.files // QUARTER} files"
    times.update(measure({quarter: bench.native(bench.quarter)}, bench.runs))
    env = bench.env(bench.full)
    startup = {
        f"python -c pass ({platform.python_version()})": [sys.executable, "-c", "pass"],
        "python -c pass (pip's venv)": [str(bench.pip_python), "-c", "pass"],
    }
    times.update(measure({k: runner(v, env, bench.home) for k, v in startup.items()}, bench.runs))
    return times


def report(bench: Bench, whole: Walked, times: Dict[str, List[float]]) -> None:
    print()
    print(f"=== pipcache_ext native info() vs pip {PIP_VERSION} cache info vs du -sb ===")
    for line in machine(bench.pip_python, bench.full):
        print(line)
    print(f"cache:   {whole.files} files, {whole.size} bytes; medians of {bench.runs} runs:")
    for name, values in times.items():
        print(f"  {name:32} {ms(values)}")
    native = statistics.median(times["native info()"])
    pip = statistics.median(times[f"pip {PIP_VERSION} cache info"])
    du = statistics.median(times["du -sb"])
    vs_pip, vs_du = pip / native, native / du
    product = statistics.median(times["PipCache(native).info(), warm"])
    print(
        f"pip cache info / native info = {vs_pip:.2f}x  (target >= {TARGET_VS_PIP}x: "
        f"{'met' if vs_pip >= TARGET_VS_PIP else 'MISSED'})\n"
        f"native info / du -sb         = {vs_du:.2f}x  (target <= {TARGET_VS_DU}x: "
        f"{'met' if vs_du <= TARGET_VS_DU else 'MISSED'})\n"
        f"with PipCache, warm: pip / it = {pip / product:.2f}x, it / du = {product / du:.2f}x"
    )
    print("peak RSS of the native child (its own VmHWM; /usr/bin/time -f %M):")
    for label, cache in (
        (f"{bench.files} files", bench.full),
        (f"{bench.files // QUARTER} files", bench.quarter),
    ):
        print(f"  {label:32} {peak_rss(_NATIVE_CHILD, cache, bench)}")
    print(f"  {'import only, no walk':32} {peak_rss(_IMPORT_ONLY_CHILD, bench.full, bench)}")


def checks(bench: Bench) -> bool:
    native, _rss = native_figures(bench.native(bench.full)().stdout)
    wheels = walk(bench.full / "wheels")
    http = [walk(bench.full / name) for name in ("http", "http-v2")]
    http_files, http_size = sum(w.files for w in http), sum(w.size for w in http)
    pip, pip_sizes = pip_figures(bench.pip()().stdout)
    results = [
        ("native wheel_count == os.walk *-*.whl", native.wheel_count, wheels.wheels),
        ("native wheels_size == os.walk bytes", native.wheels_size, wheels.size),
        ("native http_files == os.walk files", native.http_files, http_files),
        ("native http_size == os.walk bytes", native.http_size, http_size),
        ("pip Number of HTTP files == native", pip.http_files, native.http_files),
        ("pip Number of wheels == native", pip.wheel_count, native.wheel_count),
    ]
    print("checks:")
    good = True
    for label, got, expected in results:
        print(f"  {label:40} {ok(got == expected)}  ({got} vs {expected})")
        good = good and got == expected
    for label, text, exact in (
        ("pip wheels size text covers native", pip_sizes["wheels"], native.wheels_size),
        ("pip HTTP size text covers native", pip_sizes["http"], native.http_size),
    ):
        match = pip_size_ok(text, exact)
        print(f"  {label:40} {ok(match)}  ({text!r} vs {exact})")
        good = good and match
    return good


def run_all(args: argparse.Namespace, workdir: Path) -> int:
    bench = prepare(args, workdir)
    whole = describe(bench)
    times = time_all(bench)
    report(bench, whole, times)
    return 0 if checks(bench) else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=90_000, help="files in the big cache")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--keep", type=Path, help="build the caches here and keep them")
    args = parser.parse_args(argv)
    if args.files < 4_000 or args.runs < 1:
        parser.error("--files must be at least 4000 and --runs at least 1")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run_all(args, args.keep.resolve())
    workdir = Path(tempfile.mkdtemp(prefix="bench_info-"))
    try:
        return run_all(args, workdir)
    finally:
        print(f"removing {workdir} ...", end=" ", flush=True)
        start = time.perf_counter()
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
