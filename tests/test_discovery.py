"""Discovery: every provider on fake roots, the disk cache, identity, bad candidates, real pyenv."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import _pipenvs
import pytest
from conftest import venv_or_fail, write_script

import pipcache_ext
from pipcache_ext import DiscoveryResult, Interpreter, discover_interpreters, run_discovery
from pipcache_ext import _discovery as discovery
from pipcache_ext._discovery import DiscoveryContext, discover, parse_py_launcher
from pipcache_ext._probing.store import user_cache_dir
from pipcache_ext._runner import Completed, run

# -- fakes -------------------------------------------------------------------------------------


def fake_python(
    path: Path,
    *,
    version: str = "3.11.7",
    pip: Optional[str] = "24.0",
    implementation: str = "cpython",
    base: str = "/fake/base",
    counter: Optional[Path] = None,
    cache_dir: str = "/fake/pip-cache",
) -> Path:
    """A shell script that answers the probe like a Python, deriving its prefix from ``$0`` as
    CPython does (a ``pyvenv.cfg`` beside it or one up makes it a venv of ``base``).

    Only shell builtins are used: the probes run with the test's fake ``PATH``.
    """
    answer = json.dumps({
        "version": version, "implementation": implementation, "executable": "@EXE@",
        "prefix": "@PREFIX@", "base_prefix": "@BASE@", "pip_version": pip,
        "pip_location": None, "sys_path": ["@PREFIX@/lib/site-packages"], "user_site": None,
        "pip_cache": {"command": "cache", "raw": repr(cache_dir), "relative": False,
                      "cache_dir": cache_dir},
    })  # fmt: skip
    answer = answer.replace("@EXE@", "$0").replace("@PREFIX@", "$prefix")
    answer = answer.replace("@BASE@", "$base")
    count = f"echo \"$0\" >> '{counter}'\n" if counter else ""
    return script(
        path,
        f"""#!/bin/sh
{count}bindir="${{0%/*}}"
prefix="$(cd "$bindir/.." && pwd)"
base="$prefix"
if [ -f "$bindir/pyvenv.cfg" ]; then prefix="$(cd "$bindir" && pwd)"; fi
if [ -f "$prefix/pyvenv.cfg" ]; then base='{base}'; fi
case "$2" in
  *PIPCACHE_EXT_PROBE*) ;;
  *) echo "not the probe" >&2; exit 2 ;;
esac
printf '%s\\n' "PIPCACHE_EXT_PROBE:{answer.replace('"', chr(92) + '"')}"
""",
    )


def script(path: Path, text: str) -> Path:
    """An executable script, its directories created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_script(path, text)


def make_venv(venv: Path, base_python: Path) -> Path:
    """A venv layout: ``pyvenv.cfg`` and ``bin/python`` symlinked to its base, as ``venv`` does."""
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {base_python.parent}\n")
    (venv / "bin" / "python").symlink_to(base_python)
    return venv / "bin" / "python"


class Recorder:
    """A runner that runs for real and remembers each argv."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> Completed:
        self.calls.append(tuple(argv))
        return run(argv, env, timeout)


# What the providers read: dropped unless a test sets it, so the machine's own tools stay out.
SOURCE_VARIABLES = frozenset({
    "PYENV_ROOT", "PYENV_VERSION", "PYENV_DIR", "ASDF_DATA_DIR", "ASDF_PYTHON_VERSION",
    "ASDF_DEFAULT_TOOL_VERSIONS_FILENAME", "MISE_DATA_DIR", "UV_PYTHON_INSTALL_DIR", "RYE_HOME",
    "CONDA_EXE", "CONDA_PYTHON_EXE", "CONDA_ROOT", "CONDA_PREFIX", "MAMBA_ROOT_PREFIX",
    "WORKON_HOME", "PIPX_HOME", "PIPX_SHARED_LIBS", "VIRTUAL_ENV", "LOCALAPPDATA", "APPDATA",
})  # fmt: skip


@pytest.fixture
def context(tmp_path: Path, isolated_env: Dict[str, str]):
    """``context(path=[...], cwd=..., **env)``: a DiscoveryContext on fake roots under tmp."""

    def make(
        *,
        path: Sequence[Path] = (),
        cwd: Optional[Path] = None,
        platform: str = "linux",
        executable: Optional[str] = None,
        runner=run,
        timeout: float = 10.0,
        winreg=None,
        **env: str,
    ) -> DiscoveryContext:
        environ = {
            name: value for name, value in isolated_env.items() if name not in SOURCE_VARIABLES
        }
        environ["PATH"] = os.pathsep.join(map(str, path))
        environ.update(env)
        return DiscoveryContext(
            env=environ,
            cwd=cwd or tmp_path,
            home=Path(isolated_env["HOME"]),
            platform=platform,
            executable=executable,
            root=tmp_path / "root",
            runner=runner,
            timeout=timeout,
            winreg=winreg,
        )

    return make


def found(result: DiscoveryResult) -> Dict[Path, Interpreter]:
    return {interpreter.path: interpreter for interpreter in result.interpreters}


def probes(counter: Path) -> List[str]:
    return counter.read_text().splitlines() if counter.exists() else []


# -- the public surface ------------------------------------------------------------------------


def test_exported() -> None:
    for name in ("discover_interpreters", "run_discovery", "DiscoveryResult", "DiscoveryFailure"):
        assert name in pipcache_ext.__all__
        assert hasattr(pipcache_ext, name)


def test_unknown_source_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown discovery source\(s\) 'pyenvv'.*pyenv, asdf"):
        discover_interpreters(sources=["path", "pyenvv"])


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        discover_interpreters(timeout=0)


def test_interpreter_gains_sources_and_aliases_at_the_end() -> None:
    fields = [f.name for f in Interpreter.__dataclass_fields__.values()]
    assert fields[-2:] == ["sources", "aliases"]
    assert fields[:9] == [
        "path", "executable", "version", "implementation", "prefix", "base_prefix", "is_venv",
        "pip_version", "pip_location",
    ]  # fmt: skip


def test_public_function_with_extra_paths_only(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    python = fake_python(tmp_path / "x" / "bin" / "python3")
    env = {**isolated_env, "PATH": ""}
    interpreters = discover_interpreters(sources=[], extra_paths=[python], env=env)
    assert [(i.path, i.sources, i.version) for i in interpreters] == [
        (python, ("explicit",), "3.11.7")
    ]
    # A single name is accepted as well as a list of them.
    assert discover_interpreters(sources="path", env=env) == []


# -- PATH ----------------------------------------------------------------------------------------


def test_path_names_and_symlink_aliases(tmp_path: Path, context) -> None:
    bindir = tmp_path / "bin"
    real = fake_python(bindir / "python3.12", version="3.12.1")
    (bindir / "python3").symlink_to("python3.12")
    (bindir / "python").symlink_to("python3")
    pypy = fake_python(bindir / "pypy3", version="3.10.14", implementation="pypy")
    for other in ("python3-config", "python3.12m", "idle3", "pythonista", "python4"):
        script(bindir / other, "#!/bin/sh\nexit 3\n")
    result = discover(context(path=[bindir]), sources=["path"]).result
    assert result.failures == ()
    assert result.sources == ("path",)
    assert [(i.implementation, i.path) for i in result.interpreters] == [
        ("cpython", bindir / "python"),
        ("pypy", pypy),
    ]
    cpython = result.interpreters[0]
    assert cpython.aliases == (bindir / "python3", real)
    assert cpython.sources == ("path",)
    assert cpython.executable == bindir / "python"  # probed through the preferred name
    assert cpython.pip_version == "24.0"


def test_hard_links_in_one_directory_are_one_interpreter(tmp_path: Path, context) -> None:
    bindir = tmp_path / "bin"
    real = fake_python(bindir / "python3.6")
    os.link(real, bindir / "python3")
    result = discover(context(path=[bindir]), sources=["path"]).result
    assert [(i.path, i.aliases) for i in result.interpreters] == [(bindir / "python3", (real,))]


def test_merged_usr_bin_is_one_interpreter(tmp_path: Path, context) -> None:
    usr_bin = tmp_path / "usr" / "bin"
    fake_python(usr_bin / "python3.11", version="3.11.2")
    (usr_bin / "python3").symlink_to("python3.11")
    (tmp_path / "bin").symlink_to("usr/bin")
    bin_ = tmp_path / "bin"
    result = discover(context(path=[bin_, usr_bin]), sources=["path"]).result
    (interpreter,) = result.interpreters
    assert interpreter.path == usr_bin / "python3"  # not the one behind the /bin link
    assert set(interpreter.aliases) == {
        bin_ / "python3",
        bin_ / "python3.11",
        usr_bin / "python3.11",
    }


def test_a_venv_is_never_merged_into_its_base(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3.12", version="3.12.1")
    venv_python = make_venv(tmp_path / "venv", base)
    (tmp_path / "venv" / "bin" / "python3").symlink_to("python")
    result = discover(
        context(path=[tmp_path / "venv" / "bin", base.parent]), sources=["path"]
    ).result
    by_path = found(result)
    assert set(by_path) == {base, venv_python}
    assert not by_path[base].is_venv
    venv = by_path[venv_python]
    assert venv.is_venv
    assert venv.prefix == tmp_path / "venv"
    assert venv.aliases == (tmp_path / "venv" / "bin" / "python3",)


def test_the_same_path_from_two_sources(tmp_path: Path, context) -> None:
    venv_python = make_venv(tmp_path / "venv", fake_python(tmp_path / "b" / "bin" / "python"))
    ctx = context(path=[venv_python.parent], VIRTUAL_ENV=str(tmp_path / "venv"))
    (interpreter,) = discover(ctx, sources=["active-venv", "path"]).result.interpreters
    assert interpreter.sources == ("active-venv", "path")


def test_sorted_by_implementation_version_and_path(tmp_path: Path, context) -> None:
    fake_python(tmp_path / "a" / "bin" / "python3.10", version="3.10.0")
    fake_python(tmp_path / "b" / "bin" / "python3.9", version="3.9.1")
    fake_python(tmp_path / "c" / "bin" / "pypy3", version="3.9.0", implementation="pypy")
    fake_python(tmp_path / "d" / "bin" / "python2", version="2.7.18")
    ctx = context(path=[tmp_path / d / "bin" for d in "dcba"])
    result = discover(ctx, sources=["path"]).result
    assert [(i.implementation, i.version) for i in result.interpreters] == [
        ("cpython", "2.7.18"), ("cpython", "3.9.1"), ("cpython", "3.10.0"), ("pypy", "3.9.0")
    ]  # fmt: skip


# -- bad candidates --------------------------------------------------------------------------


def test_bad_candidates_are_reported_and_do_not_stop_discovery(
    tmp_path: Path, context, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = fake_python(tmp_path / "good" / "python3")
    bad = tmp_path / "bad"
    bad.mkdir()
    pidfile = tmp_path / "pid"
    script(bad / "python3.1", f"#!/bin/sh\necho $$ > '{pidfile}'\nexec /bin/sleep 60\n")
    script(bad / "python3.2", "#!/bin/sh\necho 'hello, I am not Python'\n")
    script(bad / "python3.3", "#!/bin/sh\necho 'python3.3: not found' >&2\nexit 127\n")
    (bad / "python3.4").symlink_to(tmp_path / "gone")
    (bad / "python3.5").write_text("#!/bin/sh\n")  # not executable
    locked = tmp_path / "locked"
    fake_python(locked / "python3")
    locked.chmod(0)
    real_scandir = discovery._scandir_names

    def scandir(directory: Path) -> List[str]:
        if directory == locked:  # root can list any directory: fail as a user would
            raise PermissionError(13, "Permission denied", str(directory))
        return real_scandir(directory)

    monkeypatch.setattr(discovery, "_scandir_names", scandir)
    missing = tmp_path / "no-such-dir"
    ctx = context(path=[missing, locked, bad, good.parent], timeout=1)
    started = time.monotonic()
    try:
        result = discover(ctx, sources=["path"]).result
    finally:
        locked.chmod(0o755)
    assert time.monotonic() - started < 15
    assert [i.path for i in result.interpreters] == [good]
    reasons = {failure.path: failure.reason for failure in result.failures}
    assert set(reasons) == {locked, *(bad / f"python3.{n}" for n in range(1, 6))}
    assert re.search(r"did not finish within 1 s and was killed", reasons[bad / "python3.1"])
    assert "does not answer like Python; it said: hello" in reasons[bad / "python3.2"]
    assert "exited with code 127 and said: python3.3: not found" in reasons[bad / "python3.3"]
    assert f"a dangling symlink (to {tmp_path / 'gone'})" in reasons[bad / "python3.4"]
    assert reasons[bad / "python3.5"] == "not executable"
    assert reasons[locked] == "cannot list this PATH directory: Permission denied"
    assert all(failure.sources == ("path",) for failure in result.failures)
    with pytest.raises(ProcessLookupError):  # the hanging one was killed
        os.kill(int(pidfile.read_text()), 0)


def test_empty_and_relative_path_entries_are_ignored(tmp_path: Path, context) -> None:
    fake_python(tmp_path / "python3")
    ctx = context(cwd=tmp_path, PATH=os.pathsep.join(["", ".", "relative"]))
    assert discover(ctx, sources=["path"]).result.interpreters == ()


# -- shims -------------------------------------------------------------------------------------


def _fake_pyenv(root: Path, shim_ran: Path) -> None:
    for version, minor in (("3.11.2", "3.11"), ("2.7.18", "2.7")):
        bindir = root / "versions" / version / "bin"
        fake_python(bindir / f"python{minor}", version=version)
        (bindir / f"python{minor[0]}").symlink_to(f"python{minor}")
        (bindir / "python").symlink_to(f"python{minor}")
    shim = f"#!/bin/sh\necho \"$0\" >> '{shim_ran}'\nexit 127\n"
    for name in ("python", "python2", "python2.7", "python3", "python3.11", "pip"):
        script(root / "shims" / name, shim)
    (root / "version").write_text("3.11.2\n")


def test_pyenv_versions_and_shims_never_run(tmp_path: Path, context) -> None:
    root = tmp_path / "pyenv"
    shim_ran = tmp_path / "shim-ran"
    _fake_pyenv(root, shim_ran)
    ctx = context(path=[root / "shims"], PYENV_ROOT=str(root))
    result = discover(ctx, sources=["path", "pyenv"]).result
    assert result.failures == ()
    summary = {(i.version, i.path.name): i.sources for i in result.interpreters}
    # The active version (3.11.2) is reachable from PATH through its shims; 2.7 is not.
    assert summary == {("2.7.18", "python"): ("pyenv",), ("3.11.2", "python"): ("path", "pyenv")}
    assert not shim_ran.exists()


BOTH = ("path", "pyenv")


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"PYENV_VERSION": "2.7.18"}, {"2.7.18": BOTH, "3.11.2": ("pyenv",)}),
        ({"PYENV_VERSION": "system"}, {"2.7.18": ("pyenv",), "3.11.2": ("pyenv",)}),
        ({"PYENV_VERSION": "3.11.2:2.7.18"}, {"2.7.18": BOTH, "3.11.2": BOTH}),
        ({".python-version": "# comment\n2.7\n"}, {"2.7.18": BOTH, "3.11.2": ("pyenv",)}),
        ({".python-version": "3.99.0\n"}, {"2.7.18": ("pyenv",), "3.11.2": ("pyenv",)}),
    ],
)  # fmt: skip
def test_pyenv_shims_resolve_like_pyenv(
    tmp_path: Path, context, how: Dict[str, str], expected: Dict[str, Tuple[str, ...]]
) -> None:
    root = tmp_path / "pyenv"
    shim_ran = tmp_path / "shim-ran"
    _fake_pyenv(root, shim_ran)
    project = tmp_path / "project" / "sub"
    project.mkdir(parents=True)
    env = {k: v for k, v in how.items() if not k.startswith(".")}
    if ".python-version" in how:
        (project.parent / ".python-version").write_text(how[".python-version"])
    ctx = context(path=[root / "shims"], cwd=project, PYENV_ROOT=str(root), **env)
    result = discover(ctx, sources=["path", "pyenv"]).result
    assert {i.version: i.sources for i in result.interpreters} == expected
    assert not shim_ran.exists()


def test_asdf_installs_and_shims(tmp_path: Path, context) -> None:
    root = tmp_path / "asdf"
    installs = root / "installs" / "python"
    fake_python(installs / "3.10.4" / "bin" / "python3.10", version="3.10.4")
    (installs / "3.10.4" / "bin" / "python").symlink_to("python3.10")
    fake_python(installs / "3.12.0" / "bin" / "python3.12", version="3.12.0")
    shim_ran = tmp_path / "shim-ran"
    script(root / "shims" / "python", f"#!/bin/sh\ntouch '{shim_ran}'\nexit 127\n")
    script(root / "shims" / "python3.12", f"#!/bin/sh\ntouch '{shim_ran}'\nexit 127\n")
    (tmp_path / ".tool-versions").write_text("nodejs 20.1.0\npython 3.10.4 3.12.0\n")
    ctx = context(path=[root / "shims"], ASDF_DATA_DIR=str(root))
    result = discover(ctx, sources=["path", "asdf"]).result
    assert {i.version: i.sources for i in result.interpreters} == {
        "3.10.4": ("path", "asdf"),
        "3.12.0": ("path", "asdf"),
    }
    assert not shim_ran.exists()


def test_mise_installs_and_symlink_shims(tmp_path: Path, context) -> None:
    root = tmp_path / "mise"
    installs = root / "installs" / "python"
    real = fake_python(installs / "3.12.3" / "bin" / "python3.12", version="3.12.3")
    (installs / "3.12").symlink_to("3.12.3")  # mise's partial-version links
    mise = script(tmp_path / "tools" / "mise", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    (root / "shims").mkdir()
    (root / "shims" / "python").symlink_to(mise)
    ctx = context(path=[root / "shims"], MISE_DATA_DIR=str(root))
    result = discover(ctx, sources=["path", "mise"]).result
    (interpreter,) = result.interpreters
    assert interpreter.path == real  # not the one behind mise's link
    assert interpreter.aliases == (installs / "3.12" / "bin" / "python3.12",)
    assert interpreter.sources == ("mise",)
    assert not (tmp_path / "ran").exists()


def test_unknown_shims_are_skipped(tmp_path: Path, context) -> None:
    script(tmp_path / "shims" / "python", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    assert discover(context(path=[tmp_path / "shims"]), sources=["path"]).result.interpreters == ()
    assert not (tmp_path / "ran").exists()


# -- install managers ----------------------------------------------------------------------------


def test_uv_managed(tmp_path: Path, context) -> None:
    root = tmp_path / "uv-python"
    fake_python(root / "cpython-3.12.1-linux-x86_64-gnu" / "bin" / "python3.12", version="3.12.1")
    fake_python(root / ".temp" / "bin" / "python3", version="0.0.0")
    (root / ".lock").write_text("")
    result = discover(context(UV_PYTHON_INSTALL_DIR=str(root)), sources=["uv"]).result
    assert [(i.version, i.sources) for i in result.interpreters] == [("3.12.1", ("uv",))]


def test_uv_default_dir_is_xdg_data(tmp_path: Path, context, isolated_env: Dict[str, str]) -> None:
    root = Path(isolated_env["XDG_DATA_HOME"]) / "uv" / "python"
    fake_python(root / "cpython-3.13.0-linux-x86_64-gnu" / "bin" / "python3", version="3.13.0")
    assert [i.version for i in discover(context(), sources=["uv"]).result.interpreters] == [
        "3.13.0"
    ]


def test_rye_toolchains(tmp_path: Path, context) -> None:
    root = tmp_path / "rye"
    fake_python(root / "py" / "cpython@3.11.5" / "bin" / "python3", version="3.11.5")
    fake_python(root / "py" / "cpython@3.8.17" / "install" / "bin" / "python3", version="3.8.17")
    result = discover(context(RYE_HOME=str(root)), sources=["rye"]).result
    assert [i.version for i in result.interpreters] == ["3.8.17", "3.11.5"]


def test_conda_bases_envs_and_environments_txt(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    base = tmp_path / "miniconda3"
    base_python = fake_python(base / "bin" / "python3.11", version="3.11.5")
    (base / "bin" / "python").symlink_to("python3.11")
    (base / "conda-meta").mkdir()
    script(base / "bin" / "conda", "#!/bin/sh\nexit 1\n")
    env = base / "envs" / "science"
    (env / "bin").mkdir(parents=True)
    os.link(base_python, env / "bin" / "python3.11")  # conda hard-links from its package cache
    (env / "conda-meta").mkdir()
    fake_python(base / "envs" / "not-an-env" / "bin" / "python", version="0.0.1")
    elsewhere = fake_python(
        tmp_path / "elsewhere" / "bin" / "python", version="3.9.7"
    ).parent.parent
    (elsewhere / "conda-meta").mkdir()
    home = Path(isolated_env["HOME"])
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text(f"{base}\n{elsewhere}\n{tmp_path / 'gone'}\n")
    ctx = context(CONDA_EXE=str(base / "bin" / "conda"))
    result = discover(ctx, sources=["conda"]).result
    assert result.failures == ()
    assert sorted((i.version, i.prefix) for i in result.interpreters) == [
        ("3.11.5", base), ("3.11.5", env), ("3.9.7", elsewhere)
    ]  # fmt: skip


def test_conda_well_known_base(tmp_path: Path, context, isolated_env: Dict[str, str]) -> None:
    base = Path(isolated_env["HOME"]) / "miniforge3"
    fake_python(base / "bin" / "python", version="3.12.2")
    (base / "conda-meta").mkdir()
    root_base = tmp_path / "root" / "opt" / "conda"
    fake_python(root_base / "bin" / "python", version="3.10.9")
    (root_base / "conda-meta").mkdir()
    result = discover(context(), sources=["conda"]).result
    assert [i.version for i in result.interpreters] == ["3.10.9", "3.12.2"]


# -- virtual environments --------------------------------------------------------------------


def test_active_venv(tmp_path: Path, context) -> None:
    venv_python = make_venv(tmp_path / "venv", fake_python(tmp_path / "base" / "bin" / "python3"))
    ctx = context(VIRTUAL_ENV=str(tmp_path / "venv"))
    (interpreter,) = discover(ctx, sources=["active-venv"]).result.interpreters
    assert (interpreter.path, interpreter.is_venv) == (venv_python, True)


def test_dot_venv_in_cwd_and_parents(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    outer = make_venv(tmp_path / "work" / ".venv", base)
    inner = make_venv(tmp_path / "work" / "project" / ".venv", base)
    (tmp_path / "work" / "project" / "src").mkdir()
    ctx = context(cwd=tmp_path / "work" / "project" / "src")
    result = discover(ctx, sources=["dot-venv"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([outer, inner])
    assert all(i.is_venv and i.sources == ("dot-venv",) for i in result.interpreters)


def test_virtualenvwrapper(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    workon = tmp_path / "envs"
    one = make_venv(workon / "one", base)
    two = make_venv(workon / "two", base)
    result = discover(context(WORKON_HOME=str(workon)), sources=["virtualenvwrapper"]).result
    assert sorted(i.path for i in result.interpreters) == [one, two]


def test_virtualenvwrapper_default_home(context, isolated_env: Dict[str, str]) -> None:
    home = Path(isolated_env["HOME"])
    venv = make_venv(home / ".virtualenvs" / "x", fake_python(home / "base" / "bin" / "python"))
    assert [
        i.path for i in discover(context(), sources=["virtualenvwrapper"]).result.interpreters
    ] == [venv]


def test_pipx_venvs_and_shared(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    pipx = tmp_path / "pipx"
    black = make_venv(pipx / "venvs" / "black", base)
    shared = make_venv(pipx / "shared", base)
    result = discover(context(PIPX_HOME=str(pipx)), sources=["pipx"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([black, shared])


def test_pipx_default_home(context, isolated_env: Dict[str, str]) -> None:
    data = Path(isolated_env["XDG_DATA_HOME"])
    venv = make_venv(data / "pipx" / "venvs" / "tox", fake_python(data / "b" / "bin" / "python"))
    assert [i.path for i in discover(context(), sources=["pipx"]).result.interpreters] == [venv]


def test_running_interpreter(tmp_path: Path, context) -> None:
    python = fake_python(tmp_path / "bin" / "python3")
    (interpreter,) = discover(
        context(executable=str(python)), sources=["running"]
    ).result.interpreters
    assert interpreter.sources == ("running",)
    assert discover(context(), sources=["running"]).result.sources == ()
    embedding = script(tmp_path / "bin" / "uwsgi", f"#!/bin/sh\ntouch '{tmp_path}/ran'\n")
    assert discover(context(executable=str(embedding)), sources=["running"]).result.sources == ()
    assert not (tmp_path / "ran").exists()


# -- macOS and Windows -----------------------------------------------------------------------


def test_macos_frameworks(tmp_path: Path, context) -> None:
    root = tmp_path / "root"
    versions = root / "Library" / "Frameworks" / "Python.framework" / "Versions"
    fake_python(versions / "3.12" / "bin" / "python3.12", version="3.12.4")
    (versions / "3.12" / "bin" / "python3").symlink_to("python3.12")
    (versions / "Current").symlink_to("3.12")
    brew = root / "opt" / "homebrew" / "opt" / "python@3.11" / "Frameworks" / "Python.framework"
    fake_python(brew / "Versions" / "3.11" / "bin" / "python3.11", version="3.11.9")
    assert discover(context(), sources=["framework"]).result.sources == ()  # not on Linux
    result = discover(context(platform="darwin"), sources=["framework"]).result
    assert [(i.version, i.path) for i in result.interpreters] == [
        ("3.11.9", brew / "Versions" / "3.11" / "bin" / "python3.11"),
        ("3.12.4", versions / "3.12" / "bin" / "python3"),
    ]
    assert len(result.interpreters[1].aliases) == 3  # python3.12 and both through Current


class FakeKey:
    def __init__(self, node: dict) -> None:
        self.node = node

    def __enter__(self) -> FakeKey:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *args: object) -> None:
        return None


class FakeWinreg:
    """``winreg`` over nested dicts, one tree per (hive, registry view); values under ``@``."""

    HKEY_CURRENT_USER = 1
    HKEY_LOCAL_MACHINE = 2
    KEY_READ = 0x20019
    KEY_WOW64_64KEY = 0x100
    KEY_WOW64_32KEY = 0x200

    def __init__(self, trees: Dict[Tuple[int, int], dict]) -> None:
        self.trees = trees
        self.opened: List[str] = []

    def OpenKey(  # noqa: N802 - winreg's name
        self, key, sub_key: str, reserved: int = 0, access: int = KEY_READ
    ) -> FakeKey:
        assert reserved == 0
        view = access & (self.KEY_WOW64_64KEY | self.KEY_WOW64_32KEY)
        node = self.trees.get((key, view), {}) if isinstance(key, int) else key.node
        for part in sub_key.split("\\"):
            if part == "@" or part not in node:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            node = node[part]
        self.opened.append(sub_key)
        return FakeKey(node)

    def EnumKey(self, key: FakeKey, index: int) -> str:  # noqa: N802
        names = [name for name in key.node if name != "@"]
        if index >= len(names):
            raise OSError(259, "No more data is available")
        return names[index]

    def QueryValueEx(self, key: FakeKey, name: str) -> Tuple[object, int]:  # noqa: N802
        values = key.node.get("@", {})
        if name not in values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return values[name], 1


def test_windows_registry_pep514(tmp_path: Path, context) -> None:
    user = fake_python(tmp_path / "user" / "python.exe", version="3.13.1")
    machine64 = fake_python(tmp_path / "m64" / "python.exe", version="3.12.8")
    machine32 = fake_python(tmp_path / "m32" / "python.exe", version="3.11.9")
    anaconda = fake_python(tmp_path / "conda" / "python.exe", version="3.9.12")
    reg = FakeWinreg({
        (1, 0): {"Software": {"Python": {
            "PythonCore": {"3.13": {"InstallPath": {"@": {"": str(tmp_path / "user"),
                                                           "ExecutablePath": str(user)}}}},
            "PyLauncher": {"Language": {"InstallPath": {"@": {"": str(tmp_path / "launcher")}}}},
        }}},
        (2, 0x100): {"Software": {"Python": {
            # Only the default value: <dir>\python.exe (PEP 514 before ExecutablePath).
            "PythonCore": {"3.12": {"InstallPath": {"@": {"": str(tmp_path / "m64")}}},
                           "3.10": {"Help": {}},
                           "3.8": {"InstallPath": {"@": {}}}},
            "ContinuumAnalytics": {"Anaconda39-64": {"InstallPath": {"@": {
                "ExecutablePath": str(anaconda)}}}},
        }}},
        (2, 0x200): {"Software": {"Python": {
            "PythonCore": {"3.11-32": {"InstallPath": {"@": {"ExecutablePath": str(machine32)}}}},
        }}},
    })  # fmt: skip
    result = discover(context(winreg=reg), sources=["pep514"]).result
    assert sorted(i.path for i in result.interpreters) == sorted(
        [user, machine64, machine32, anaconda]
    )
    assert all(i.sources == ("pep514",) for i in result.interpreters)
    assert [(f.path, f.reason) for f in result.failures] == [
        (Path("PythonCore\\3.8"), "registered without an install path")
    ]
    assert not any("PyLauncher\\" in key for key in reg.opened)


def test_no_registry_off_windows(context) -> None:
    assert discover(context(), sources=["pep514"]).result.sources == ()


def test_py_launcher_lists_through_the_runner(tmp_path: Path, context) -> None:
    one = fake_python(tmp_path / "Python312" / "python.exe", version="3.12.0")
    two = fake_python(tmp_path / "Program Files" / "Python 3.11" / "python.exe", version="3.11.4")
    launcher = tmp_path / "launcher"
    listing = [
        "Installed Pythons found by py Launcher for Windows",
        f" -3.12-64        {one} *",
        f" -3.11-64        {two}",
    ]
    launcher.mkdir()
    lines = " ".join(f"'{line}'" for line in listing)
    script(launcher / "py", f"#!/bin/sh\n[ \"$1\" = -0p ] || exit 9\nprintf '%s\\n' {lines}\n")
    recorder = Recorder()
    ctx = context(path=[launcher], platform="win32", runner=recorder)
    result = discover(ctx, sources=["py-launcher"]).result
    assert sorted(i.path for i in result.interpreters) == sorted([one, two])
    assert recorder.calls[0] == (str(launcher / "py"), "-0p")


def test_py_launcher_failure_is_reported(tmp_path: Path, context) -> None:
    script(tmp_path / "py", "#!/bin/sh\necho 'broken launcher' >&2\nexit 1\n")
    result = discover(context(path=[tmp_path], platform="win32"), sources=["py-launcher"]).result
    assert result.interpreters == ()
    assert [(f.path, f.reason) for f in result.failures] == [
        (tmp_path / "py", "'py -0p' exited with code 1: broken launcher")
    ]


def test_parse_py_launcher_formats() -> None:
    old = """Installed Pythons found by C:\\WINDOWS\\py.exe Launcher for Windows
 -3.12-64        C:\\Python312\\python.exe *
 -3.11-32        C:\\Program Files (x86)\\Python311-32\\python.exe
"""
    new = """ -V:3.13 *        C:\\Users\\me\\AppData\\Local\\Python313\\python.exe
 -V:ContinuumAnalytics/Anaconda39-64 C:\\Users\\me\\anaconda3\\python.exe
 -V:3.14t         \\\\server\\share\\Python314\\python3.14t.exe
"""
    assert [str(p) for p in parse_py_launcher(old)] == [
        "C:\\Python312\\python.exe",
        "C:\\Program Files (x86)\\Python311-32\\python.exe",
    ]
    assert [str(p) for p in parse_py_launcher(new)] == [
        "C:\\Users\\me\\AppData\\Local\\Python313\\python.exe",
        "C:\\Users\\me\\anaconda3\\python.exe",
        "\\\\server\\share\\Python314\\python3.14t.exe",
    ]
    assert parse_py_launcher("No Installed Pythons Found!\n") == []
    assert parse_py_launcher(" -3.12-64 relative\\python.exe\n") == []


# -- extra paths -------------------------------------------------------------------------------


def test_extra_paths(tmp_path: Path, context) -> None:
    base = fake_python(tmp_path / "base" / "bin" / "python3")
    venv_python = make_venv(tmp_path / "venv", base)
    (tmp_path / "empty").mkdir()
    ctx = context(cwd=tmp_path)
    result = discover(
        ctx,
        sources=[],
        extra_paths=["venv", base, tmp_path / "empty", tmp_path / "missing" / "python"],
    ).result
    assert sorted(i.path for i in result.interpreters) == sorted([base, venv_python])
    assert all(i.sources == ("explicit",) for i in result.interpreters)
    reasons = {f.path: f.reason for f in result.failures}
    assert reasons[tmp_path / "empty"].startswith("a directory with no interpreter in it")
    assert reasons[tmp_path / "missing" / "python"] == ("cannot be read: No such file or directory")


def test_explicit_inactive_shim_is_not_run(tmp_path: Path, context) -> None:
    root = tmp_path / "pyenv"
    _fake_pyenv(root, tmp_path / "shim-ran")
    (root / "version").write_text("system\n")
    ctx = context(PYENV_ROOT=str(root))
    result = discover(ctx, sources=[], extra_paths=[root / "shims" / "python3"]).result
    assert [(f.path, f.reason) for f in result.failures] == [
        (root / "shims" / "python3", "a pyenv shim that is not active here (shims are never run)")
    ]
    assert not (tmp_path / "shim-ran").exists()


# -- pip's cache dir ---------------------------------------------------------------------------


def test_pip_cache_dir_answer_is_kept_per_interpreter(tmp_path: Path, context) -> None:
    with_pip = fake_python(tmp_path / "a" / "python3", cache_dir="/somewhere/pip")
    without = fake_python(tmp_path / "b" / "python3", pip=None)
    ctx = context(path=[with_pip.parent, without.parent])
    assert discover(ctx, sources=["path"]).pip_cache == {}  # not asked: the fast probe
    discovered = discover(ctx, sources=["path"], pip_cache=True)
    answers = {i.path: a for i, a in discovered.pip_cache.items()}
    assert answers[with_pip].state == "ok"
    assert answers[with_pip].cache_dir == Path("/somewhere/pip")
    assert answers[without].state == "no-pip"


def test_the_cache_dir_question_is_asked_only_when_wanted(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    recorder = Recorder()
    ctx = context(path=[python.parent], runner=recorder)
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"], pip_cache=True)  # the stored answer lacks it: asked now
    discover(ctx, sources=["path"])  # the complete answer serves a plain discovery
    discover(ctx, sources=["path"], pip_cache=True)
    assert [call[4:] for call in recorder.calls] == [(), ("--pip-cache-dir",)]
    nonces = [call[3] for call in recorder.calls]  # a fresh nonce for each run
    assert len(set(nonces)) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)
    assert len(probes(counter)) == 2


# -- the disk cache ----------------------------------------------------------------------------


def test_second_discovery_runs_nothing(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    garbage = script(
        tmp_path / "bin" / "python3.1", f"#!/bin/sh\necho \"$0\" >> '{counter}'\necho garbage\n"
    )
    first = discover(context(path=[python.parent]), sources=["path"]).result
    recorder = Recorder()
    second = discover(context(path=[python.parent], runner=recorder), sources=["path"]).result
    assert recorder.calls == []
    assert sorted(probes(counter)) == sorted([str(python), str(garbage)])
    assert first == second
    assert [f.path for f in second.failures] == [garbage]  # the failure is remembered too
    stored = list((user_cache_dir(isolated_env) / "probes").glob("*.json"))
    assert len(stored) == 2
    assert user_cache_dir(isolated_env) == Path(isolated_env["XDG_CACHE_HOME"]) / "pipcache_ext"


def test_a_changed_executable_is_probed_again(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"])
    stat = python.stat()
    os.utime(python, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2


def test_a_pip_install_makes_the_answer_stale(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "env" / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"])
    site = tmp_path / "env" / "lib" / "site-packages"  # the fake reports it in sys.path
    site.mkdir(parents=True)
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 2
    (site / "pip-99.0.dist-info").mkdir()
    os.utime(site, ns=(0, site.stat().st_mtime_ns + 10**9))
    discover(ctx, sources=["path"])
    assert len(probes(counter)) == 3


def test_a_new_pip_config_file_makes_the_answer_stale(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    config = tmp_path / "pip.conf"
    ctx = context(path=[python.parent], PIP_CONFIG_FILE=str(config))
    discover(ctx, sources=["path"], pip_cache=True)
    config.write_text("[global]\ncache-dir = /elsewhere\n")
    discover(ctx, sources=["path"], pip_cache=True)
    assert len(probes(counter)) == 2
    config.write_text("[global]\ncache-dir = /elsewhere/again\n")
    discover(ctx, sources=["path"])  # the stored answer is stale: probed again, quickly
    config.write_text("[global]\ncache-dir = /elsewhere/once/more\n")
    discover(ctx, sources=["path"])  # without the cache dir, the config does not matter
    assert len(probes(counter)) == 3


def test_the_environment_is_part_of_the_key(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    discover(context(path=[python.parent]), sources=["path"])
    discover(context(path=[python.parent], PIP_CACHE_DIR="/x"), sources=["path"])
    discover(context(path=[python.parent, tmp_path]), sources=["path"])  # PATH is not
    assert len(probes(counter)) == 2


def test_a_failure_is_retried_with_a_longer_timeout(tmp_path: Path, context) -> None:
    counter = tmp_path / "count"
    broken = script(tmp_path / "bin" / "python3", f"#!/bin/sh\necho x >> '{counter}'\nexit 127\n")
    for timeout in (2.0, 1.0, 2.0):
        result = discover(context(path=[broken.parent], timeout=timeout), sources=["path"]).result
        assert [f.path for f in result.failures] == [broken]
    assert len(probes(counter)) == 1
    discover(context(path=[broken.parent], timeout=5.0), sources=["path"])
    assert len(probes(counter)) == 2


def test_corrupt_or_unwritable_cache_is_ignored(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    expected = discover(ctx, sources=["path"]).result
    store = user_cache_dir(isolated_env) / "probes"
    for bad in ("{not json", "[]", '{"format": 1, "ok": "yes", "answer": 3}', ""):
        for stored in store.glob("*.json"):
            stored.write_text(bad)
        assert discover(ctx, sources=["path"]).result == expected
    assert len(probes(counter)) == 5
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert discover(ctx, sources=["path"], cache_root=blocked).result == expected


def test_use_cache_false_neither_reads_nor_writes(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    counter = tmp_path / "count"
    python = fake_python(tmp_path / "bin" / "python3", counter=counter)
    ctx = context(path=[python.parent])
    discover(ctx, sources=["path"], use_cache=False)
    assert not user_cache_dir(isolated_env).exists()
    discover(ctx, sources=["path"])
    discover(ctx, sources=["path"], use_cache=False)
    assert len(probes(counter)) == 3


def test_probes_run_in_parallel(tmp_path: Path, context) -> None:
    dirs = [tmp_path / f"d{n}" for n in range(6)]
    for directory in dirs:
        directory.mkdir()
        script(directory / "python3", "#!/bin/sh\n/bin/sleep 1\necho nope\n")
    started = time.monotonic()
    result = discover(context(path=dirs), sources=["path"]).result
    assert len(result.failures) == 6
    assert time.monotonic() - started < 4.5  # sequentially: 6 s


def test_user_cache_dir_per_platform() -> None:
    env = {"HOME": "/h", "XDG_CACHE_HOME": "/x", "LOCALAPPDATA": "C:\\L"}
    assert user_cache_dir(env, "linux") == Path("/x/pipcache_ext")
    assert user_cache_dir({**env, "XDG_CACHE_HOME": "rel"}, "linux") == Path(
        "/h/.cache/pipcache_ext"
    )
    assert user_cache_dir(env, "darwin") == Path("/h/Library/Caches/pipcache_ext")
    assert user_cache_dir(env, "win32") == Path("C:\\L") / "pipcache_ext" / "Cache"


# -- real interpreters -------------------------------------------------------------------------

PYENV_MINORS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def _pyenv_or_fail(minor: str) -> Path:
    try:
        return _pipenvs.pyenv_python(minor)
    except _pipenvs.MissingPython as exc:
        if os.environ.get("PIPCACHE_EXT_STRICT"):
            pytest.fail(f"{exc} (PIPCACHE_EXT_STRICT is set: real-interpreter tests must run)")
        pytest.skip(f"MISSING-PYTHON: {exc}")


def _pip_version_of(python: Path, env: Mapping[str, str]) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "--version"],
        capture_output=True, text=True, env=dict(env), timeout=120, check=True,
    )  # fmt: skip
    match = re.match(r"pip (\S+) from ", out.stdout)
    assert match, out.stdout
    return match.group(1)


def _pip_cache_dir_of(python: Path, env: Mapping[str, str]) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "cache", "dir"],
        capture_output=True, text=True, env=dict(env), timeout=120, check=True,
    )  # fmt: skip
    return out.stdout.strip()


@pytest.mark.realpip
def test_real_pyenv_versions(isolated_env: Dict[str, str]) -> None:
    pythons = {minor: _pyenv_or_fail(minor) for minor in PYENV_MINORS}
    env = {**isolated_env, "PYENV_ROOT": str(_pipenvs.PYENV_ROOT)}
    expected = {
        python.parent.parent.name: _pip_version_of(python, env) for python in pythons.values()
    }
    ctx = DiscoveryContext.current(env)
    discovered = discover(ctx, sources=["pyenv"], pip_cache=True)
    installs = [i for i in discovered.result.interpreters if not i.is_venv]
    versions = [i.version for i in installs]
    for version, pip_version in expected.items():
        assert versions.count(version) == 1, versions
        (interpreter,) = (i for i in installs if i.version == version)
        assert interpreter.pip_version == pip_version
        assert interpreter.sources == ("pyenv",)
        assert interpreter.path.parent.parent == _pipenvs.PYENV_ROOT / "versions" / version
        answer = discovered.pip_cache[interpreter]
        if tuple(int(x) for x in pip_version.split(".")[:2]) >= (20, 1):
            assert answer.state == "ok"
            assert str(answer.cache_dir) == _pip_cache_dir_of(interpreter.executable, env)
        else:  # pip 18.1 / 19.2.3: no `pip cache`; their install command's dir, the default
            assert (answer.state, answer.cache_dir) == (
                "ok", Path(env["XDG_CACHE_HOME"]) / "pip"
            ), answer  # fmt: skip
    # The public function, from the disk cache now: same interpreters, no probe.
    started = time.monotonic()
    assert discover_interpreters(sources=["pyenv"], env=env) == list(discovered.result.interpreters)
    assert time.monotonic() - started < 2


@pytest.mark.realpip
def test_real_machine_activated_venv_and_system_python(isolated_env: Dict[str, str]) -> None:
    pythons = {minor: _pyenv_or_fail(minor) for minor in PYENV_MINORS}
    venv = venv_or_fail("26.3", "3.12")
    env = {
        **isolated_env,
        "PYENV_ROOT": str(_pipenvs.PYENV_ROOT),
        "VIRTUAL_ENV": str(venv),
        "PATH": os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "")]),
    }
    result = run_discovery(env=env)
    interpreters = result.interpreters
    every_path = [p for i in interpreters for p in (i.path, *i.aliases)]
    assert len(every_path) == len(set(every_path)), "a path belongs to two interpreters"
    for python in pythons.values():
        version = python.parent.parent.name
        matches = [i for i in interpreters if python in (i.path, *i.aliases)]
        assert len(matches) == 1, version
        assert matches[0].version == version
        assert "pyenv" in matches[0].sources
    (activated,) = [i for i in interpreters if i.prefix == venv]
    assert activated.sources[:2] == ("active-venv", "path")
    assert activated.pip_version == "26.3"
    assert activated.is_venv
    system = Path("/usr/bin/python3")
    if system.exists():  # not required, but where it exists it is found, once
        assert len([i for i in interpreters if system in (i.path, *i.aliases)]) == 1


def _cache_dir_answer(python_or_venv: Path, env: Mapping[str, str]):
    ctx = DiscoveryContext.current(env)
    discovered = discover(
        ctx, sources=[], extra_paths=[python_or_venv], use_cache=False, pip_cache=True
    )
    assert discovered.result.failures == ()
    (answer,) = discovered.pip_cache.values()
    return answer


@pytest.mark.realpip
@pytest.mark.parametrize(
    ("pip", "minor"),
    [("8.1.2", "3.6"), ("10.0.1", "3.6"), ("20.0.2", "3.11"), ("20.1", "3.8"), ("26.3", "3.12")],
)
def test_pip_cache_dir_from_real_pips(
    pip: str, minor: str, tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    venv = venv_or_fail(pip, minor)
    default = Path(isolated_env["XDG_CACHE_HOME"]) / "pip"
    answer = _cache_dir_answer(venv, isolated_env)
    assert (answer.state, answer.cache_dir) == ("ok", default)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_CACHE_DIR": str(tmp_path / "link")})
    assert (answer.state, answer.cache_dir) == ("ok", tmp_path / "real")  # normalised (§3.5)
    # pip 8-18.1 read "false" as 0, 19+ as "disable": disabled either way (spec §3.4).
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_NO_CACHE_DIR": "false"})
    assert answer.state == "disabled"
    answer = _cache_dir_answer(venv, {**isolated_env, "PIP_NO_CACHE_DIR": "maybe"})
    assert answer.state == "error"
    assert "invalid truth value 'maybe'" in (answer.detail or "")
    if os.geteuid() == 0:  # pip's ownership check for root: the dir must be root's
        theirs = tmp_path / "theirs"
        theirs.mkdir()
        os.chown(theirs, 65534, 65534)
        answer = _cache_dir_answer(venv, {**isolated_env, "PIP_CACHE_DIR": str(theirs)})
        assert (answer.state, answer.cache_dir) == ("not-owned", theirs)


@pytest.mark.realpip
def test_pip_that_cannot_be_imported_leaves_the_probe_intact(
    isolated_env: Dict[str, str],
) -> None:
    python = _pyenv_or_fail("3.11")
    env = {**isolated_env, "PYTHONPATH": str(_pipenvs.pip_on_path("19.0.3"))}
    ctx = DiscoveryContext.current(env)
    discovered = discover(ctx, sources=[], extra_paths=[python], use_cache=False, pip_cache=True)
    ((interpreter, answer),) = discovered.pip_cache.items()
    assert interpreter.pip_version == "19.0.3"
    assert answer.state == "error"
    assert "cannot import name 'Mapping'" in (answer.detail or "")


def test_old_answers_are_pruned_when_probes_are_written(
    tmp_path: Path, context, isolated_env: Dict[str, str]
) -> None:
    store = user_cache_dir(isolated_env) / "probes"
    store.mkdir(parents=True)
    old = store / ("0" * 64 + ".json")
    old.write_text("{}")
    os.utime(old, (0, 0))
    python = fake_python(tmp_path / "bin" / "python3")
    discover(context(path=[python.parent]), sources=["path"])
    assert not old.exists()
    assert len(list(store.glob("*.json"))) == 1
