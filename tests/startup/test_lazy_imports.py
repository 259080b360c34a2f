"""Start-up (issue 13): public names resolve lazily, commands import only what they need.

Each check runs a fresh interpreter and reads its ``sys.modules``: no timing, only what was
imported. The speed itself is measured by ``benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

import pipcache_ext
from pipcache_ext import _cli, api, errors, models

REPO = Path(__file__).resolve().parents[2]

_MODULES_AFTER = """\
import json, sys
{code}
print(json.dumps(sorted(sys.modules)))
"""

_RUN_CLI = """\
import sys
from pipcache_ext.__main__ import main
sys.argv[1:] = {argv!r}
try:
    main()
except SystemExit:
    pass
"""


def modules_after(code: str, env: Dict[str, str]) -> List[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER.format(code=code)],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    modules: List[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def ours(modules: List[str]) -> List[str]:
    return [m for m in modules if m == "pipcache_ext" or m.startswith("pipcache_ext.")]


def test_every_public_name_resolves_to_its_defining_object() -> None:
    from pipcache_ext import _oneshots
    from pipcache_ext._discovery import discover_interpreters, run_discovery
    from pipcache_ext._survey import survey

    defining = {**vars(api), **vars(_oneshots), **vars(errors), **vars(models)}

    defining.update(
        discover_interpreters=discover_interpreters, run_discovery=run_discovery, survey=survey
    )
    for name in pipcache_ext.__all__:
        value = getattr(pipcache_ext, name)
        if name == "__version__":
            assert isinstance(value, str)
            continue
        assert value is defining[name], name


def test_dir_and_star_import_list_every_public_name() -> None:
    assert sorted(dir(pipcache_ext)) == sorted(pipcache_ext.__all__)
    namespace: Dict[str, object] = {}
    exec("from pipcache_ext import *", namespace)  # noqa: S102 - the star import itself
    assert set(pipcache_ext.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = pipcache_ext.nothing_here  # type: ignore[attr-defined]
    assert not hasattr(pipcache_ext, "_discovery_by_accident")


def test_importing_the_package_imports_no_submodule_and_no_typing(
    isolated_env: Dict[str, str],
) -> None:
    modules = modules_after("import pipcache_ext", isolated_env)
    assert ours(modules) == ["pipcache_ext"]
    assert "typing" not in modules


def test_one_public_name_imports_its_module_only(isolated_env: Dict[str, str]) -> None:
    modules = modules_after("from pipcache_ext import PipCache, InterpreterError", isolated_env)
    assert "pipcache_ext.api" in modules
    assert not {"pipcache_ext._discovery", "pipcache_ext._survey"} & set(modules)


def test_version_imports_only_the_grammar(isolated_env: Dict[str, str]) -> None:
    modules = modules_after(_RUN_CLI.format(argv=["--version"]), isolated_env)
    assert sorted(ours(modules)) == [
        "pipcache_ext",
        "pipcache_ext.__main__",
        "pipcache_ext._cli",
        "pipcache_ext._cli.app",
        "pipcache_ext._cli.grammar",
    ]
    assert not {"typing", "dataclasses", "subprocess", "logging"} & set(modules)


@pytest.mark.parametrize("argv", [["-h"], ["info", "--bogus"]])
def test_help_and_usage_errors_import_only_the_grammar(
    isolated_env: Dict[str, str], argv: List[str]
) -> None:
    modules = modules_after(_RUN_CLI.format(argv=argv), isolated_env)
    assert "pipcache_ext._cli.options" not in modules
    assert "pipcache_ext.api" not in modules


def test_dir_imports_no_discovery_survey_or_tables(
    isolated_env: Dict[str, str], tmp_path: Path
) -> None:
    env = {**isolated_env, "PIP_CACHE_DIR": str(tmp_path / "cache")}
    modules = modules_after(_RUN_CLI.format(argv=["dir", "--backend", "native"]), env)
    assert "pipcache_ext._cli.query" in modules  # it ran
    unwanted = {"pipcache_ext._discovery", "pipcache_ext._survey", "pipcache_ext._cli.text"}
    assert not unwanted & set(modules)


_NOTHING_RUNS = """\
import os, pkgutil, subprocess, sys, threading
def refuse(*args, **kwargs):
    raise AssertionError("a process was started at import time")
subprocess.Popen.__init__ = refuse
os.fork = refuse
os.posix_spawn = refuse
import pipcache_ext
def half_written(name):  # a module of work in progress that imports a module not yet written
    print("cannot import", name, file=sys.stderr)
for info in pkgutil.walk_packages(pipcache_ext.__path__, "pipcache_ext.", onerror=half_written):
    try:
        __import__(info.name)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("pipcache_ext."):
            raise
        half_written(info.name)
assert threading.active_count() == 1, threading.enumerate()
print("imported", len([m for m in sys.modules if m.startswith("pipcache_ext")]))
"""


def test_importing_every_module_starts_no_process_and_no_thread(
    isolated_env: Dict[str, str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NOTHING_RUNS],
        env=isolated_env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    count = int(done.stdout.split()[-1])
    assert count > 40  # every module, not just the package
    assert not os.listdir(isolated_env["HOME"])  # and it wrote nothing


def test_the_cli_package_still_exposes_main() -> None:
    assert callable(_cli.main)
    assert (REPO / "pipcache_ext" / "_cli" / "grammar.py").is_file()
