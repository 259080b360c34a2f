"""Benchmark ``discover_interpreters()`` and ``survey()`` against issue 4's targets (point 5).

This is a benchmark, not a test. It builds a machine like the one the targets are written for:
pyenv's Pythons and the system ``python3`` found through the real ``PATH`` and ``PYENV_ROOT``,
plus ``--venvs`` (default 20) virtual environments it creates from pyenv's 3.8-3.13 (pips 20.3.4
to 26.3 unzipped by ``tests/_pipenvs.py``) and exposes through ``WORKON_HOME``
(virtualenvwrapper). Every interpreter shares one synthetic pip cache of ``--files`` files in
pip's layout (``bench_info.py``'s generator), set by ``PIP_CACHE_DIR``: the real pip cache is
never touched. ``HOME`` is a temporary directory, and each "cold" run gets a fresh, empty
``XDG_CACHE_HOME``, so the library's disk cache starts empty.

Timed ``--runs`` times each, order rotated from run to run, medians reported:

- ``discover_interpreters(env=...)`` cold and warm, in this process and in a fresh
  ``python -c`` child (start-up and import included, as a CLI pays them);
- ``survey(env=...)`` cold and warm, survey's own discovery alone (each pip asked its cache
  dir, cold), and ``<venv python> -m pip cache info`` by the interpreter survey measures with;
  the same three on a cache a quarter of the size;
- findpython's ``find_all()`` and pythonfinder's ``Finder().find_all_python_versions()``, each in
  a fresh child of a throw-away venv they are installed into, in the same environment.

It lists what discovery found, checks that every pyenv version, the system ``python3`` and the
venvs are there exactly once, and reports the targets: cold discovery <= 2 s, warm <= 0.3 s,
survey / pip cache info <= 1.5x.

Usage::

    python benchmarks/bench_discovery.py [--files 90000] [--runs 5] [--venvs 20] [--keep DIR]

With ``--keep DIR`` the synthetic caches are built in ``DIR`` and reused by later runs (as in
``bench_info.py``); the venvs and everything else always live in a temporary directory that is
deleted at the end.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Union

import pipcache_ext
from pipcache_ext._discovery import DiscoveryContext, discover
from pipcache_ext._grouping import choose_actor
from pipcache_ext._pipversions import version_key
from pipcache_ext._probing import Settings
from pipcache_ext._probing.shared import shared_outcomes

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PIP_VERSION = "26.3"
TARGET_COLD = 2.0
TARGET_WARM = 0.3
TARGET_SURVEY = 1.5  # cold (issue 4 set 1.5x for both)
TARGET_SURVEY_WARM = 1.1  # issue 13
TIMEOUT = 600
QUARTER = 4

# Which pips the venvs get, per Python: venv i runs MINORS[i % 6] with PIPS[minor][i // 6].
# pip 25.1+ needs Python >= 3.9, pip 26.1+ Python >= 3.10.
MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
PIPS: Dict[str, Sequence[str]] = {
    "3.8": ("25.0", "24.3.1", "23.3", "20.3.4"),
    "3.9": ("26.0", "25.3", "24.3.1", "23.3"),
}
DEFAULT_PIPS = ("26.3", "25.3", "24.3.1", "23.3")

# Children: each prints one JSON line, its own time for import + call, and the paths found.
_CHILD = """\
import json, sys, time
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "paths": [str(p) for p in paths]}}))
"""
PIPCACHE_CHILD = _CHILD.format(
    body="import pipcache_ext\npaths = [i.path for i in pipcache_ext.discover_interpreters()]"
)
FINDPYTHON_CHILD = _CHILD.format(
    body="import findpython\npaths = [p.executable for p in findpython.find_all()]"
)
PYTHONFINDER_CHILD = _CHILD.format(
    body=(
        "from pythonfinder import Finder\n"
        "paths = [p.path for p in Finder().find_all_python_versions()]"
    )
)
IMPORT_CHILD = _CHILD.format(body="import pipcache_ext\npaths = []")


def _module(name: str, directory: Path) -> ModuleType:
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    return importlib.import_module(name)


bench_info = _module("bench_info", HERE)
pipenvs = _module("_pipenvs", REPO / "tests")


# --- the machine ---------------------------------------------------------------------------------


class Venv(NamedTuple):
    path: Path
    minor: str
    pip: str


def make_venvs(workon: Path, count: int) -> List[Venv]:
    workon.mkdir(parents=True)
    venvs: List[Venv] = []
    for i in range(count):
        minor = MINORS[i % len(MINORS)]
        pips = PIPS.get(minor, DEFAULT_PIPS)
        pip = pips[(i // len(MINORS)) % len(pips)]
        target = workon / f"env{i:02d}-py{minor}-pip{pip}"
        try:
            base = pipenvs.pyenv_python(minor)
        except pipenvs.MissingPython as exc:
            print(f"\n  skipping {target.name}: {exc}", end="")
            continue
        pipenvs.make_venv(target, base, pipenvs.pip_wheel(pip))
        venvs.append(Venv(target, minor, pip))
    return venvs


class Machine(NamedTuple):
    """The temporary machine: where things are, and the environment every call gets."""

    workdir: Path
    home: Path
    workon: Path
    venvs: List[Venv]
    full: Path  # the cache of --files files: every interpreter's PIP_CACHE_DIR
    quarter: Path  # a cache a quarter of that size, for the second survey comparison

    def env(self, xdg: Path, cache: Optional[Path] = None) -> Dict[str, str]:
        """os.environ's PATH and the like; pip's and Python's own settings dropped."""
        dropped = ("VIRTUAL_ENV", "WORKON_HOME", "CONDA_PREFIX", "PYENV_VERSION")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "PYTHON", "XDG_")) and k not in dropped
        }
        env.update(
            HOME=str(self.home),
            XDG_CACHE_HOME=str(xdg),
            WORKON_HOME=str(self.workon),
            PYENV_ROOT=str(pipenvs.PYENV_ROOT),
            PIP_CACHE_DIR=str(cache or self.full),
            PIP_CONFIG_FILE=os.devnull,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        return env

    def fresh_xdg(self) -> Path:
        """A new, empty XDG_CACHE_HOME: the library's disk cache starts empty."""
        (self.workdir / "xdg").mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="cold-", dir=self.workdir / "xdg"))


def prepare(args: argparse.Namespace, workdir: Path, cache_parent: Path) -> Machine:
    full = bench_info.ensure_cache(cache_parent, args.files)
    quarter = bench_info.ensure_cache(cache_parent, args.files // QUARTER)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    print(f"creating {args.venvs} venvs ...", end=" ", flush=True)
    start = time.perf_counter()
    venvs = make_venvs(workdir / "workon", args.venvs)
    print(f"{time.perf_counter() - start:.1f} s")
    return Machine(workdir, home, workdir / "workon", venvs, full, quarter)


# --- timing --------------------------------------------------------------------------------------


Case = Callable[[], float]


def timed(command: Callable[[], object]) -> float:
    start = time.perf_counter()
    command()
    return time.perf_counter() - start


def run_child(argv: Sequence[str], env: Dict[str, str], cwd: Path) -> str:
    return subprocess.run(
        list(argv), env=env, cwd=cwd, capture_output=True, text=True, check=True,
        stdin=subprocess.DEVNULL, timeout=TIMEOUT,
    ).stdout  # fmt: skip


class Child:
    """A ``python -c`` child printing ``_CHILD``'s JSON; keeps its own times and what it found."""

    def __init__(
        self, python: str, code: str, env: Callable[[], Dict[str, str]], cwd: Path
    ) -> None:
        self.python, self.code, self.env, self.cwd = python, code, env, cwd
        self.walls: List[float] = []
        self.inside: List[float] = []
        self.paths: List[str] = []

    def __call__(self) -> float:
        env = self.env()
        start = time.perf_counter()
        out = run_child([self.python, "-c", self.code], env, self.cwd)
        wall = time.perf_counter() - start
        answer = json.loads(out.strip().splitlines()[-1])
        self.walls.append(wall)
        self.inside.append(answer["seconds"])
        self.paths = answer["paths"]
        return wall


def cpu_seconds() -> float:
    """User + system time of this process (all threads) and of every child it has waited for.

    A child's own children count once it has waited for them, so a ``python -c`` child's
    probes are included.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timings(NamedTuple):
    wall: Dict[str, List[float]]
    cpu: Dict[str, List[float]]


def measure(cases: Dict[str, Case], runs: int) -> Timings:
    """Each case ``runs`` times; the order is rotated by one from each run to the next."""
    names = list(cases)
    timings = Timings({name: [] for name in names}, {name: [] for name in names})
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            before = cpu_seconds()
            timings.wall[name].append(cases[name]())
            timings.cpu[name].append(cpu_seconds() - before)
        print(f"  run {run + 1}/{runs} done (load average {bench_info.load()})", flush=True)
    return timings


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- what discovery found ------------------------------------------------------------------------


def real(path: Union[str, os.PathLike[str]]) -> str:
    return os.path.realpath(path)


def system_python3(env: Dict[str, str]) -> Optional[str]:
    """The first ``python3`` on PATH that is not a pyenv shim or install."""
    root = real(pipenvs.PYENV_ROOT)
    for directory in env.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / "python3"
        if candidate.is_file() and not real(candidate).startswith(root + os.sep):
            return str(candidate)
    return None


def listing(result: pipcache_ext.DiscoveryResult) -> None:
    interpreters = result.interpreters
    print(f"found:   {len(interpreters)} interpreters, {len(result.failures)} failures;")
    print(f"         sources that exist here: {', '.join(result.sources)}")
    by_source = collections.Counter(s for i in interpreters for s in i.sources)
    print("         by source (an interpreter counts once for each source that found it):")
    print("         " + ", ".join(f"{name} {count}" for name, count in by_source.items()))
    for i in interpreters:
        aliases = f" (+{len(i.aliases)} aliases)" if i.aliases else ""
        print(
            f"  {i.version:8} pip {i.pip_version or '-':7} {'/'.join(i.sources):24} {i.path}"
            f"{aliases}"
        )
    for failure in result.failures:
        print(f"  FAILED {failure.path}: {failure.reason}")


def checks(result: pipcache_ext.DiscoveryResult, machine: Machine, env: Dict[str, str]) -> bool:
    interpreters = result.interpreters
    paths = [os.fspath(p) for i in interpreters for p in (i.path, *i.aliases)]
    identities = [(real(i.executable), real(i.prefix)) for i in interpreters]
    prefixes = {real(i.prefix) for i in interpreters}
    results = [
        ("no path found twice", len(paths) == len(set(paths)), f"{len(paths)} paths"),
        (
            "no interpreter twice (executable, prefix)",
            len(identities) == len(set(identities)),
            f"{len(identities)} interpreters",
        ),
    ]
    versions = sorted(pyenv_versions(), key=lambda p: version_key(p.name))
    results.extend((f"pyenv {v.name}", real(v) in prefixes, str(v)) for v in versions)
    system = system_python3(env)
    if system is not None:
        found = any(real(i.executable) == real(system) and not i.is_venv for i in interpreters)
        results.append(("system python3", found, f"{system} -> {real(system)}"))
    found_venvs = sum(real(v.path) in prefixes for v in machine.venvs)
    results.append(
        (f"all {len(machine.venvs)} venvs", found_venvs == len(machine.venvs),
         f"{found_venvs} of {len(machine.venvs)} in $WORKON_HOME")
    )  # fmt: skip
    print("checks:")
    for label, good, detail in results:
        print(f"  {label:42} {'OK' if good else 'MISSING'}  ({detail})")
    return all(good for _label, good, _detail in results)


def pyenv_versions() -> List[Path]:
    versions = pipenvs.PYENV_ROOT / "versions"
    return [v for v in versions.iterdir() if v.is_dir()] if versions.is_dir() else []


def survey_summary(reports: Sequence[pipcache_ext.CacheReport], cache: Path) -> bool:
    """Print survey's rows; good when the only measured dir is the synthetic cache."""
    measured = [r for r in reports if r.info is not None]
    for report in measured:
        info = report.info
        assert info is not None  # noqa: S101 - filtered above
        print(
            f"  {report.cache_dir}: {len(report.interpreters)} interpreters, "
            f"{info.http_files} HTTP files, {info.wheel_count} wheels, "
            f"{info.total_size} bytes (exact: {info.exact})"
        )
    for report in reports:
        if report.info is None:
            users = ", ".join(str(i.path) for i in report.interpreters) or "-"
            print(f"  error row: {type(report.error).__name__}: {report.error} [{users}]")
    good = len(measured) == 1 and real(str(measured[0].cache_dir)) == real(cache)
    print(f"  {'one measured dir, the synthetic cache':42} {'OK' if good else 'MISMATCH'}")
    return good


# --- the side-by-side ----------------------------------------------------------------------------


class Tool(NamedTuple):
    label: str
    child: Optional[Child]
    why_not: str


def install_tools(machine: Machine) -> Dict[str, Tool]:
    """findpython and pythonfinder in a throw-away venv, each installed on its own."""
    venv = machine.workdir / "tools"
    env = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_VIRTUALENV"}
    python = venv / "bin" / "python"
    codes = {"findpython": FINDPYTHON_CHILD, "pythonfinder": PYTHONFINDER_CHILD}
    tools: Dict[str, Tool] = {}
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {name: Tool(name, None, f"no venv for it: {exc}") for name in codes}
    for name, code in codes.items():
        argv = [str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir", name]
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, check=False,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT,
        )  # fmt: skip
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            tools[name] = Tool(name, None, reason)
            continue
        show = f"import importlib.metadata as m; print(m.version({name!r}))"
        version = run_child([str(python), "-c", show], env, machine.home).strip()
        child = Child(str(python), code, lambda: machine.env(machine.fresh_xdg()), machine.home)
        tools[name] = Tool(f"{name} {version}", child, "")
    return tools


def coverage(paths: Sequence[str], machine: Machine, env: Dict[str, str]) -> str:
    """How many distinct interpreters ``paths`` are, and which of the expected ones they hold."""
    distinct = {real(p) for p in paths}
    versions = pyenv_versions()
    pyenv = sum(any(r.startswith(real(v) + os.sep) for r in distinct) for v in versions)
    # a venv's python is a symlink to its base: match the venv by the path as found
    venvs = sum(any(p.startswith(f"{v.path}{os.sep}") for p in paths) for v in machine.venvs)
    system = system_python3(env)
    has_system = system is not None and real(system) in distinct
    return (
        f"{len(paths)} found ({len(distinct)} distinct real files); pyenv {pyenv}/"
        f"{len(versions)}, venvs {venvs}/{len(machine.venvs)}, "
        f"system python3 {'yes' if has_system else 'no'}"
    )


# --- the cases -----------------------------------------------------------------------------------


class First(NamedTuple):
    """The first calls, outside the medians: they fill the warm caches and give the listing."""

    result: pipcache_ext.DiscoveryResult
    seconds: float  # the first cold discovery
    reports: List[pipcache_ext.CacheReport]
    survey_seconds: float  # the first cold survey
    quarter_reports: List[pipcache_ext.CacheReport]
    warm_discovery: Path  # XDG_CACHE_HOME filled by a plain discovery
    warm_survey: Path  # ... by a survey of the full cache
    warm_quarter: Path  # ... by a survey of the quarter-size cache


def first_runs(machine: Machine) -> First:
    warm_discovery, warm_survey, warm_quarter = (machine.fresh_xdg() for _ in range(3))
    start = time.perf_counter()
    result = pipcache_ext.run_discovery(env=machine.env(warm_discovery))
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    reports = pipcache_ext.survey(env=machine.env(warm_survey))
    survey_seconds = time.perf_counter() - start
    quarter_reports = pipcache_ext.survey(env=machine.env(warm_quarter, machine.quarter))
    return First(
        result, seconds, reports, survey_seconds, quarter_reports,
        warm_discovery, warm_survey, warm_quarter,
    )  # fmt: skip


def chosen_python(reports: Sequence[pipcache_ext.CacheReport], cache: Path) -> Path:
    """The interpreter survey measures ``cache`` with (its newest pip): the pip baseline's."""
    for report in reports:
        found = report.info is not None and report.cache_dir is not None
        if found and real(str(report.cache_dir)) == real(cache):
            return choose_actor(report.interpreters).path
    raise SystemExit(f"survey did not measure {cache}")


def discovery_case(machine: Machine, xdg: Callable[[], Path]) -> Case:
    def run() -> float:
        env = machine.env(xdg())
        return timed(lambda: pipcache_ext.discover_interpreters(env=env))

    return run


def survey_case(machine: Machine, xdg: Callable[[], Path], cache: Path) -> Case:
    def run() -> float:
        env = machine.env(xdg(), cache)
        return timed(lambda: pipcache_ext.survey(env=env))

    return run


def probes_case(machine: Machine) -> Case:
    """What survey's asking costs alone, cold: discovery's probes, then the cache-dir questions
    (one per group of pips that must answer alike), without measuring any dir."""

    def run() -> float:
        env = machine.env(machine.fresh_xdg())
        ctx = DiscoveryContext.current(env, timeout=10.0)

        def ask() -> None:
            found = discover(ctx).result.interpreters
            shared_outcomes(found, Settings.current(env, timeout=10.0))

        return timed(ask)

    return run


def pip_case(python: Path, env: Dict[str, str], cwd: Path) -> Case:
    argv = [str(python), "-m", "pip", "cache", "info"]
    return lambda: timed(lambda: run_child(argv, env, cwd))


class Plan(NamedTuple):
    cases: Dict[str, Case]
    children: Dict[str, Child]  # the cases that are fresh processes, for the side-by-side
    pythons: Dict[str, Path]  # the pip baselines' interpreters, by cache


def plan_cases(machine: Machine, first: First, tools: Dict[str, Tool]) -> Plan:
    full, quarter = machine.full, machine.quarter
    files, q_files = bench_info.walk(full).files, bench_info.walk(quarter).files
    python = chosen_python(first.reports, full)
    q_python = chosen_python(first.quarter_reports, quarter)
    unused = machine.workdir / "xdg-pip"  # pip does not read the library's cache
    home = machine.home
    children = {
        "pipcache_ext, cold": Child(
            sys.executable, PIPCACHE_CHILD, lambda: machine.env(machine.fresh_xdg()), home
        ),
        "pipcache_ext, warm": Child(
            sys.executable, PIPCACHE_CHILD, lambda: machine.env(first.warm_discovery), home
        ),
    }
    for tool in tools.values():
        if tool.child is not None:
            children[tool.label] = tool.child
    cases: Dict[str, Case] = {
        "discover_interpreters(), cold": discovery_case(machine, machine.fresh_xdg),
        "discover_interpreters(), warm": discovery_case(machine, lambda: first.warm_discovery),
        "fresh process, import + discover, cold": children["pipcache_ext, cold"],
        "fresh process, import + discover, warm": children["pipcache_ext, warm"],
        "fresh process, import only": Child(
            sys.executable, IMPORT_CHILD, lambda: machine.env(first.warm_discovery), home
        ),
        f"survey(), cold, {files} files": survey_case(machine, machine.fresh_xdg, full),
        f"survey(), warm, {files} files": survey_case(machine, lambda: first.warm_survey, full),
        "  survey's asking alone, cold": probes_case(machine),
        f"pip {PIP_VERSION} cache info, {files} files": pip_case(python, machine.env(unused), home),
        f"survey(), cold, {q_files} files": survey_case(machine, machine.fresh_xdg, quarter),
        f"survey(), warm, {q_files} files": survey_case(
            machine, lambda: first.warm_quarter, quarter
        ),
        f"pip {PIP_VERSION} cache info, {q_files} files": pip_case(
            q_python, machine.env(unused, quarter), home
        ),
    }
    for tool in tools.values():
        if tool.child is not None:
            cases[f"{tool.label}, fresh process"] = tool.child
    return Plan(cases, children, {"full": python, "quarter": q_python})


# --- report --------------------------------------------------------------------------------------


def verdict(good: bool) -> str:
    return "met" if good else "MISSED"


def python_version(python: Path) -> str:
    code = "import platform; print(platform.python_version())"
    return run_child([str(python), "-c", code], dict(os.environ), Path.cwd()).strip()


def header(machine: Machine, plan: Plan) -> None:
    whole = bench_info.walk(machine.full)
    quarter = bench_info.walk(machine.quarter)
    for line in bench_info.machine(plan.pythons["full"], machine.full):
        print(line.replace("native on", "benchmark on"))
    print(
        f"caches:  {whole.files} files, {whole.size / 1e6:.1f} MB in files "
        f"(bench_info.py's generator); quarter: {quarter.files} files, "
        f"{quarter.size / 1e6:.1f} MB"
    )
    spread = collections.Counter(f"{v.minor}/pip {v.pip}" for v in machine.venvs)
    print(
        f"venvs:   {len(machine.venvs)} in $WORKON_HOME={machine.workon}: "
        + ", ".join(f"{n}x py{k}" if n > 1 else f"py{k}" for k, n in sorted(spread.items()))
    )
    for key in ("full", "quarter"):
        python = plan.pythons[key]
        print(f"pip baseline ({key} cache): {python} (Python {python_version(python)})")


def print_timings(timings: Timings, runs: int) -> None:
    print(f"medians of {runs} runs (wall; cpu = user + system of this process and its children):")
    for name, values in timings.wall.items():
        print(f"  {name:46} {bench_info.ms(values)}  cpu {median(timings.cpu[name]):6.2f} s")


def side_by_side(plan: Plan, tools: Dict[str, Tool], machine: Machine) -> None:
    env = machine.env(machine.workdir / "xdg-unused")
    print("side-by-side, each a fresh process (wall; import + call inside it):")
    for label, child in plan.children.items():
        print(
            f"  {label:26} wall {median(child.walls) * 1000:7.1f} ms, in the child "
            f"{median(child.inside) * 1000:7.1f} ms; {coverage(child.paths, machine, env)}"
        )
    for tool in tools.values():
        if tool.child is None:
            print(f"  {tool.label:26} not installable: {tool.why_not}")


def targets(times: Dict[str, List[float]], files: int, q_files: int) -> None:
    def at(name: str) -> float:
        return median(times[name])

    rows = [
        ("cold discovery, in-process", at("discover_interpreters(), cold"), TARGET_COLD),
        ("cold discovery, fresh process", at("fresh process, import + discover, cold"),
         TARGET_COLD),
        ("warm discovery, in-process", at("discover_interpreters(), warm"), TARGET_WARM),
        ("warm discovery, fresh process", at("fresh process, import + discover, warm"),
         TARGET_WARM),
    ]  # fmt: skip
    print("targets:")
    for label, seconds, target in rows:
        print(f"  {label:40} {seconds:7.3f} s   (<= {target} s: {verdict(seconds <= target)})")
    for count in (files, q_files):
        pip = at(f"pip {PIP_VERSION} cache info, {count} files")
        for which in ("cold", "warm"):
            ratio = at(f"survey(), {which}, {count} files") / pip
            label = f"survey {which} / pip cache info, {count} files"
            target = TARGET_SURVEY if which == "cold" else TARGET_SURVEY_WARM
            print(f"  {label:40} {ratio:7.2f}x   (<= {target}x: {verdict(ratio <= target)})")


# --- the run -------------------------------------------------------------------------------------


def run_all(args: argparse.Namespace, workdir: Path, cache_parent: Path) -> int:
    machine = prepare(args, workdir, cache_parent)
    print("installing findpython and pythonfinder into a throw-away venv ...", flush=True)
    tools = install_tools(machine)
    first = first_runs(machine)
    plan = plan_cases(machine, first, tools)
    print(f"timing:  {args.runs} runs of each, order rotated (load average {bench_info.load()})")
    timings = measure(plan.cases, args.runs)
    times = timings.wall
    files = bench_info.walk(machine.full).files
    q_files = bench_info.walk(machine.quarter).files

    print()
    print("=== pipcache_ext discover_interpreters() and survey() ===")
    header(machine, plan)
    env = machine.env(first.warm_discovery)
    listing(first.result)
    good = checks(first.result, machine, env)
    print("survey rows (first, cold survey):")
    good = survey_summary(first.reports, machine.full) and good
    print(
        f"first calls (page cache as found, not in the medians): discovery "
        f"{first.seconds * 1000:.1f} ms, survey {first.survey_seconds * 1000:.1f} ms"
    )
    print_timings(timings, args.runs)
    side_by_side(plan, tools, machine)
    targets(times, files, q_files)
    return 0 if good else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=90_000, help="files in the shared pip cache")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each case")
    parser.add_argument("--venvs", type=int, default=20, help="venvs to create in $WORKON_HOME")
    parser.add_argument("--keep", type=Path, help="build the pip caches here and keep them")
    args = parser.parse_args(argv)
    if args.files < 4_000 or args.runs < 1 or args.venvs < 0:
        parser.error("--files must be at least 4000, --runs at least 1, --venvs at least 0")
    workdir = Path(tempfile.mkdtemp(prefix="bench_discovery-")).resolve()
    cache_parent = workdir
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        cache_parent = args.keep.resolve()
    cwd = Path.cwd()
    try:
        # .venv and .python-version are searched from the working directory: use an empty one.
        (workdir / "home").mkdir()
        os.chdir(workdir / "home")
        return run_all(args, workdir, cache_parent)
    finally:
        os.chdir(cwd)
        print(f"removing {workdir} ...", end=" ", flush=True)
        start = time.perf_counter()
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
