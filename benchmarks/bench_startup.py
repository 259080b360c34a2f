"""Benchmark the start-up of `pipcache-ext --version` and `dir` against `python -c pass`.

This is a benchmark, not a test. Every command is a fresh process, timed ``--runs`` times after
one untimed warm-up, in rotated order; medians are reported:

- ``python -c pass``: the interpreter's own start-up;
- ``python -c "import pipcache_ext"``: the package (its public names resolve lazily);
- ``pipcache-ext --version``: the console script as installed (``from pipcache_ext.__main__
  import main``), or the same code through ``python -c`` when no script is installed;
- ``pipcache-ext dir`` (auto backend) and ``pipcache-ext dir --backend native`` for the running
  interpreter, warm (the library's disk cache filled by the warm-up) and cold (a fresh, empty
  ``XDG_CACHE_HOME`` per run); ``dir`` runs pip (auto) or the probes (native: ``dir`` only reads
  the disk cache, which ``info``/``list`` fill), so it is shown for its start-up;
- ``pipcache-ext info --backend native``, warm: no child process at all (an empty cache).

Every child gets a temporary ``HOME``/``XDG_CACHE_HOME``, ``PIP_CONFIG_FILE=/dev/null`` and a
``PIP_CACHE_DIR`` in the temporary directory: the real pip cache and config are never read.
Then ``python -X importtime`` shows which modules ``--version`` and ``dir`` still import.
Target (issue 13): ``--version`` at most 50 ms more than ``python -c pass``.

Usage::

    python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
TARGET_VERSION_EXTRA = 0.050  # seconds over `python -c pass`
MAIN = "import sys\nfrom pipcache_ext.__main__ import main\nsys.exit(main())\n"
Command = Callable[[], None]


def script_argv() -> List[str]:
    """How to run ``pipcache-ext``: the installed console script next to this interpreter."""
    script = Path(sys.executable).with_name("pipcache-ext")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", MAIN, "pipcache-ext"]


def base_env(work: Path, xdg: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "XDG_"))}
    env.update(
        HOME=str(work / "home"),
        XDG_CACHE_HOME=str(xdg),
        PIP_CONFIG_FILE=os.devnull,
        PIP_CACHE_DIR=str(work / "pip-cache"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def command(argv: Sequence[str], env: Callable[[], Dict[str, str]], cwd: Path) -> Command:
    def run() -> None:
        subprocess.run(
            list(argv), env=env(), cwd=cwd, check=True, capture_output=True,
            stdin=subprocess.DEVNULL, timeout=120,
        )  # fmt: skip

    return run


def measure(commands: Dict[str, Command], runs: int) -> Dict[str, List[float]]:
    for run in commands.values():
        run()
    orders = list(itertools.islice(itertools.cycle(itertools.permutations(commands)), runs))
    times: Dict[str, List[float]] = {name: [] for name in commands}
    for order in orders:
        for name in order:
            start = time.perf_counter()
            commands[name]()
            times[name].append(time.perf_counter() - start)
    return times


def importtime(args: Sequence[str], env: Dict[str, str], cwd: Path, top: int) -> List[str]:
    """The ``top`` slowest imports (cumulative) of ``pipcache-ext args`` under ``-X importtime``."""
    argv = [sys.executable, "-X", "importtime", "-c", MAIN, *args]
    done = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative), int(own), name.rstrip()))
    package = sorted(r[2].strip() for r in rows if r[2].strip().startswith("pipcache_ext"))
    rows.sort(reverse=True)
    lines = [
        f"    {c / 1000:7.1f} ms cumulative {o / 1000:6.1f} ms own  {n}" for c, o, n in rows[:top]
    ]
    lines.append(f"    pipcache_ext modules imported ({len(package)}): {', '.join(package)}")
    return lines


def ms(values: Sequence[float]) -> str:
    return (
        f"{statistics.median(values) * 1000:8.1f} ms"
        f"  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each command")
    parser.add_argument("--top", type=int, default=12, help="imports shown per command")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_startup-"))
    try:
        (work / "home").mkdir()
        warm_xdg = work / "xdg-warm"
        counter = itertools.count()

        def warm() -> Dict[str, str]:
            return base_env(work, warm_xdg)

        def cold() -> Dict[str, str]:
            return base_env(work, work / f"xdg-cold-{next(counter)}")

        cli = script_argv()
        py = sys.executable
        commands = {
            "python -c pass": command([py, "-c", "pass"], warm, work),
            "python -c 'import pipcache_ext'": command(
                [py, "-c", "import pipcache_ext"], warm, work
            ),
            "pipcache-ext --version": command([*cli, "--version"], warm, work),
            "pipcache-ext dir, warm": command([*cli, "dir"], warm, work),
            "pipcache-ext dir --backend native, warm": command(
                [*cli, "dir", "--backend", "native"], warm, work
            ),
            "pipcache-ext info --backend native, warm": command(
                [*cli, "info", "--backend", "native"], warm, work
            ),
            "pipcache-ext dir, cold": command([*cli, "dir"], cold, work),
            "pipcache-ext dir --backend native, cold": command(
                [*cli, "dir", "--backend", "native"], cold, work
            ),
        }
        try:
            load = f"{os.getloadavg()[0]:.2f}"
        except OSError:
            load = "unknown"
        print(f"=== pipcache-ext start-up, {args.runs} runs each, fresh processes ===")
        print(f"python:  {sys.version.split()[0]} ({py}); script: {' '.join(cli)}")
        print(f"machine: {os.cpu_count()} CPUs, load average {load}, {time.strftime('%Y-%m-%d')}")
        times = measure(commands, args.runs)
        for name, values in times.items():
            print(f"  {name:42} {ms(values)}")
        base = statistics.median(times["python -c pass"])
        extra = statistics.median(times["pipcache-ext --version"]) - base
        verdict = "met" if extra <= TARGET_VERSION_EXTRA else "MISSED"
        print(
            f"--version - python -c pass = {extra * 1000:+.1f} ms"
            f"  (target <= +{TARGET_VERSION_EXTRA * 1000:.0f} ms: {verdict})"
        )
        for label, extra_argv in (("--version", ["--version"]), ("dir, warm", ["dir"])):
            print(f"imports of pipcache-ext {label} (python -X importtime, one run):")
            for line in importtime(extra_argv, warm(), work, args.top):
                print(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
