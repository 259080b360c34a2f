"""Finding every Python interpreter on the machine, each probed once, in parallel, cached on disk.

Sources are providers (a tiny ABC and a plain dict registry, as findpython does): each yields
candidate paths and its ``create()`` returns ``None`` where the source is absent. Candidates are
then grouped *before* probing, so symlinks, hard links and ``/bin`` next to ``/usr/bin`` cost one
probe: two paths are one interpreter when they resolve to the same file in the same directory
and agree on the virtual environment around them (a ``pyvenv.cfg`` next to the executable or one
level up, which is how CPython itself decides). A venv's ``bin/python`` symlinks to its base
Python but is never merged into it: it has its own pip.

Shims (pyenv, asdf, mise) are never executed: an inactive one exits 127, and each costs a
shell plus the tool's start-up. A pyenv or asdf shim on ``PATH`` is resolved by reading the
version files the tool would read; one that cannot be resolved is skipped, the install
directories being enumerated anyway.
"""

# Candidate paths keep their symlinks (they are the aliases), so os.path.abspath, not resolve();
# the probe's answer holds str paths, joined and split as str; os.path.is* never raise.
# ruff: noqa: PTH100, PTH112, PTH113, PTH114, PTH117

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import re
import shutil
import stat
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    ClassVar,
    ContextManager,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Type,
    Union,
    cast,
)

from ._parsers.probe import PipCacheDirAnswer
from ._probing import Settings, probe_targets, read_cache_dir, read_interpreter
from ._probing.store import CachedProbe, ProbeCache, user_cache_dir
from ._runner import Runner, run
from .errors import InterpreterError
from .models import Interpreter

__all__ = [
    "PROVIDERS",
    "DiscoveryContext",
    "DiscoveryFailure",
    "DiscoveryResult",
    "PipCacheDirAnswer",
    "Provider",
    "discover",
    "discover_interpreters",
    "parse_py_launcher",
    "run_discovery",
]

logger = logging.getLogger("pipcache_ext")

#: The source name of interpreters passed as ``extra_paths``.
EXPLICIT = "explicit"

# python, python3, python3.12, python3.13t, python2, python2.7, pypy, pypy3, pypy3.10. Not
# python3-config, python3.6m (a hard link of python3.6) or idle.
_POSIX_NAME = re.compile(r"(?:python|pypy)(?:[23](?:\.\d+)?t?)?\Z")
_WINDOWS_NAME = re.compile(r"(?:python|pypy)(?:[23](?:\.\d+)?t?)?\.exe\Z", re.IGNORECASE)


# -- what providers see ------------------------------------------------------------------------


@dataclass
class DiscoveryContext:
    """Everything providers read, so each can run against fake roots.

    :ivar env: the environment (``PATH``, ``PYENV_ROOT``, ``VIRTUAL_ENV``, ...); probes run in it.
    :ivar cwd: the working directory (``.venv`` and ``.python-version`` are searched from it).
    :ivar home: the user's home directory.
    :ivar platform: a ``sys.platform`` value.
    :ivar executable: the running interpreter, ``None`` for none.
    :ivar root: where absolute well-known directories (``/opt/conda``, ``/Library/Frameworks``)
        are looked up; ``/`` except in tests.
    :ivar runner: how processes run (``py -0p`` and the probes).
    :ivar timeout: seconds each process may take before it is killed.
    :ivar winreg: a ``winreg``-like module; ``None`` means the real one, on Windows only.
    """

    env: Mapping[str, str]
    cwd: Path
    home: Path
    platform: str = sys.platform
    executable: Optional[str] = None
    root: Path = field(default_factory=lambda: Path("/"))
    runner: Runner = run
    timeout: float = 10.0
    winreg: Optional[WinRegistry] = None

    @classmethod
    def current(
        cls, env: Optional[Mapping[str, str]] = None, *, timeout: float = 10.0
    ) -> DiscoveryContext:
        """The context of this process: ``os.environ`` (or ``env``), its cwd and interpreter."""
        environ = dict(os.environ if env is None else env)
        home = environ.get("HOME") or environ.get("USERPROFILE")
        try:
            cwd = Path.cwd()
        except OSError:  # the working directory was deleted
            cwd = Path(home) if home else Path.home()
        return cls(
            env=environ,
            cwd=cwd,
            home=Path(home) if home else Path.home(),
            executable=sys.executable or None,
            timeout=timeout,
        )

    def data_home(self) -> Path:
        """``$XDG_DATA_HOME`` or ``~/.local/share`` (the XDG default, used by uv/mise/pipx)."""
        xdg = self.env.get("XDG_DATA_HOME")
        return Path(xdg) if xdg and os.path.isabs(xdg) else self.home / ".local" / "share"


# -- reading directories ----------------------------------------------------------------------


def _scandir_names(directory: Path) -> List[str]:
    """The names in ``directory``; raises :class:`OSError` when it cannot be listed."""
    with os.scandir(directory) as entries:
        return [entry.name for entry in entries]


def _is_dir(path: Path) -> bool:
    # Path.is_dir()/is_file() re-raise PermissionError (inside a directory that cannot be
    # entered) on the older Pythons this runs on; os.path.isdir()/isfile() never raise.
    return os.path.isdir(path)


def _is_file(path: Path) -> bool:
    return os.path.isfile(path)


def _subdirs(directory: Path) -> List[Path]:
    """The visible subdirectories of ``directory``, sorted; none when it cannot be listed."""
    try:
        names = _scandir_names(directory)
    except OSError:
        return []
    return [directory / name for name in sorted(names) if not name.startswith(".")]


def _is_python_name(name: str, platform: str) -> bool:
    pattern = _WINDOWS_NAME if platform == "win32" else _POSIX_NAME
    return pattern.match(name) is not None


def _pythons_in(directory: Path, platform: str) -> List[Path]:
    """Interpreter-named entries of ``directory``, sorted; raises :class:`OSError`."""
    names = _scandir_names(directory)
    return [directory / name for name in sorted(names) if _is_python_name(name, platform)]


def _env_pythons(prefix: Path, platform: str) -> List[Path]:
    """The interpreters of an install or environment rooted at ``prefix``; none when absent.

    POSIX: ``bin/python*``. Windows: ``Scripts/python.exe`` (venvs) and ``python.exe`` (installs,
    conda environments).
    """
    if platform == "win32":
        names = (prefix / "Scripts" / "python.exe", prefix / "python.exe")
        return [path for path in names if _is_file(path)]
    try:
        return _pythons_in(prefix / "bin", platform)
    except OSError:
        return []


def _version_key(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:4])


def _read_words(path: Path) -> List[str]:
    """Whitespace-separated words of a version file, ``#`` comment lines skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [
        word
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for word in line.split()
    ]


def _upwards(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents


# -- shims -------------------------------------------------------------------------------------


def _pyenv_root(ctx: DiscoveryContext) -> Path:
    return Path(ctx.env.get("PYENV_ROOT") or ctx.home / ".pyenv")


def _asdf_root(ctx: DiscoveryContext) -> Path:
    return Path(ctx.env.get("ASDF_DATA_DIR") or ctx.home / ".asdf")


def _mise_root(ctx: DiscoveryContext) -> Path:
    if ctx.env.get("MISE_DATA_DIR"):
        return Path(ctx.env["MISE_DATA_DIR"])
    if ctx.platform == "win32" and ctx.env.get("LOCALAPPDATA"):
        return Path(ctx.env["LOCALAPPDATA"]) / "mise"
    return ctx.data_home() / "mise"


def _installed(versions: Path, name: str) -> Optional[Path]:
    """``versions/name``, or the newest ``versions/name.*`` (pyenv 2.3.36+ accepts prefixes)."""
    if _is_dir(versions / name):
        return versions / name
    matches = [path for path in _subdirs(versions) if path.name.startswith(name + ".")]
    return max(matches, key=lambda path: _version_key(path.name)) if matches else None


def _pyenv_selected(ctx: DiscoveryContext, root: Path) -> List[Path]:
    """The install dirs pyenv's shims run now (``pyenv version-name``), ``system`` left out.

    ``PYENV_VERSION`` (``:``-separated), else the nearest ``.python-version`` from
    ``$PYENV_DIR`` (default: the working directory) upwards, else ``$PYENV_ROOT/version``.
    """
    if ctx.env.get("PYENV_VERSION"):
        names = ctx.env["PYENV_VERSION"].split(":")
    else:
        names = []
        start = Path(ctx.env.get("PYENV_DIR") or ctx.cwd)
        for directory in _upwards(start):
            if _is_file(directory / ".python-version"):
                names = _read_words(directory / ".python-version")
                break
        else:
            names = _read_words(root / "version")
    selected = []
    for name in names:
        version = name[len("python-") :] if name.startswith("python-") else name
        if version and version != "system":
            install = _installed(root / "versions", version)
            if install is not None:
                selected.append(install)
    return selected


def _asdf_selected(ctx: DiscoveryContext, root: Path) -> List[Path]:
    """The python install dirs asdf's shims run now.

    ``ASDF_PYTHON_VERSION``, else the nearest ``.tool-versions`` with a ``python`` line, from
    the working directory up, then the home directory's.
    """
    if ctx.env.get("ASDF_PYTHON_VERSION"):
        names = ctx.env["ASDF_PYTHON_VERSION"].split()
    else:
        filename = ctx.env.get("ASDF_DEFAULT_TOOL_VERSIONS_FILENAME") or ".tool-versions"
        names = []
        for directory in (*_upwards(ctx.cwd), ctx.home):
            for line in _read_lines(directory / filename):
                words = line.split("#", 1)[0].split()
                if words and words[0] == "python":
                    names = words[1:]
                    break
            if names:
                break
    installs = root / "installs" / "python"
    return [installs / name for name in names if name != "system" and _is_dir(installs / name)]


def _read_lines(path: Path) -> List[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _realpath(path: Path) -> Path:
    return Path(os.path.realpath(path))


def resolve_shim(path: Path, ctx: DiscoveryContext) -> Tuple[Optional[str], Optional[Path]]:
    """Whether ``path`` is a version manager's shim, and which interpreter it would run.

    :returns: ``(None, None)`` for a real interpreter; ``(tool, target)`` for a shim, where
        ``target`` is ``None`` when the shim is inactive here or cannot be resolved without
        running it.
    """
    parent = path.parent
    real_parent = _realpath(parent)
    for tool, root, selected in (
        ("pyenv", _pyenv_root(ctx), _pyenv_selected),
        ("asdf", _asdf_root(ctx), _asdf_selected),
    ):
        shims = root / "shims"
        if parent == shims or real_parent == _realpath(shims):
            for install in selected(ctx, root):
                for target in _env_pythons(install, ctx.platform):
                    if target.name == path.name:
                        return tool, target
            return tool, None
    mise_shims = _mise_root(ctx) / "shims"
    if parent == mise_shims or real_parent == _realpath(mise_shims):
        return "mise", None
    if _realpath(path).name.lower() in ("mise", "mise.exe", "rtx", "rtx.exe"):
        return "mise", None  # mise's shims are symlinks to mise itself
    if parent.name == "shims" or real_parent.name == "shims":
        return "shim", None
    return None, None


# -- the providers -----------------------------------------------------------------------------


class Provider(ABC):
    """One source of candidate interpreters.

    :param ctx: what it reads.

    Subclasses set :attr:`name`, return ``None`` from :meth:`create` when their source is absent
    here, and report what they could not read (an unreadable ``PATH`` directory, a failing
    ``py -0p``) in :attr:`problems` rather than raising.
    """

    #: The name callers pass in ``sources`` and find in :attr:`Interpreter.sources`.
    name: ClassVar[str]

    def __init__(self, ctx: DiscoveryContext) -> None:
        self.ctx = ctx
        self.problems: List[Tuple[Path, str]] = []

    @classmethod
    @abstractmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        """The provider, or ``None`` when its source does not exist here."""

    @abstractmethod
    def candidates(self) -> Iterator[Path]:
        """Paths that may be interpreters (not yet checked, resolved or run)."""


class _Roots(Provider):
    """Every interpreter of every install or environment directory under some roots."""

    def __init__(self, ctx: DiscoveryContext, roots: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.roots = roots

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        roots = [root for root in cls.roots_of(ctx) if _is_dir(root)]
        return cls(ctx, roots) if roots else None

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        """Directories whose every subdirectory is an install or environment."""
        raise NotImplementedError

    def installs(self) -> Iterator[Path]:
        """The install or environment directories."""
        for root in self.roots:
            yield from _subdirs(root)

    def candidates(self) -> Iterator[Path]:
        for install in self.installs():
            yield from _env_pythons(install, self.ctx.platform)


class RunningProvider(Provider):
    """The interpreter running this code.

    Skipped when ``sys.executable`` is not named like Python: an application embedding Python
    (uWSGI, a game, an editor) reports itself there, and must not be run with ``-c``.
    """

    name = "running"

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        name = Path(ctx.executable).name.lower() if ctx.executable else ""
        return cls(ctx) if name.startswith(("python", "pypy")) else None

    def candidates(self) -> Iterator[Path]:
        assert self.ctx.executable is not None  # noqa: S101 - create() checked it
        yield Path(self.ctx.executable)


class ActiveVenvProvider(Provider):
    """The activated virtual environment, ``$VIRTUAL_ENV``."""

    name = "active-venv"

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        venv = ctx.env.get("VIRTUAL_ENV")
        return cls(ctx) if venv and _is_dir(Path(venv)) else None

    def candidates(self) -> Iterator[Path]:
        yield from _env_pythons(Path(self.ctx.env["VIRTUAL_ENV"]), self.ctx.platform)


class DotVenvProvider(Provider):
    """``.venv`` in the working directory and each of its parents (uv's, poetry's, PDM's)."""

    name = "dot-venv"

    def __init__(self, ctx: DiscoveryContext, venvs: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.venvs = venvs

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        venvs = [d / ".venv" for d in _upwards(ctx.cwd) if _is_dir(d / ".venv")]
        return cls(ctx, venvs) if venvs else None

    def candidates(self) -> Iterator[Path]:
        for venv in self.venvs:
            yield from _env_pythons(venv, self.ctx.platform)


class PathProvider(Provider):
    """``python``, ``python3``, ``python3.N``, ``python2``, ``python2.N``, ``pypy*`` on ``PATH``.

    Empty and relative ``PATH`` entries are skipped: they mean "the working directory", where
    an interpreter is a program the user did not choose. Shims are resolved, never run.
    """

    name = "path"

    def __init__(self, ctx: DiscoveryContext, directories: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.directories = directories

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        entries = ctx.env.get("PATH", "").split(os.pathsep)
        directories: List[Path] = []
        for entry in entries:
            if entry and os.path.isabs(entry) and Path(entry) not in directories:
                directories.append(Path(entry))
        return cls(ctx, directories) if directories else None

    def candidates(self) -> Iterator[Path]:
        for directory in self.directories:
            try:
                found = _pythons_in(directory, self.ctx.platform)
            except (FileNotFoundError, NotADirectoryError):
                continue  # stale PATH entries are common and harmless
            except OSError as exc:
                self.problems.append(
                    (directory, f"cannot list this PATH directory: {exc.strerror or exc}")
                )
                continue
            for path in found:
                tool, target = resolve_shim(path, self.ctx)
                if tool is None:
                    yield path
                elif target is not None:
                    logger.debug("%s shim %s runs %s", tool, path, target)
                    yield target
                else:
                    logger.debug("skipped %s: a %s shim not active here", path, tool)


class PyenvProvider(_Roots):
    """pyenv's installs, ``$PYENV_ROOT/versions/*`` (pyenv-win: ``pyenv-win/versions/*``).

    pyenv-virtualenv's environments are there too, as links into ``<version>/envs/``.
    """

    name = "pyenv"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        root = _pyenv_root(ctx)
        return [root / "versions", root / "pyenv-win" / "versions"]


class AsdfProvider(_Roots):
    """asdf's python installs, ``$ASDF_DATA_DIR/installs/python/*``."""

    name = "asdf"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [_asdf_root(ctx) / "installs" / "python"]


class MiseProvider(_Roots):
    """mise's python installs, ``$MISE_DATA_DIR/installs/python/*``."""

    name = "mise"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [_mise_root(ctx) / "installs" / "python"]


class UvProvider(_Roots):
    r"""Pythons uv manages.

    ``$UV_PYTHON_INSTALL_DIR``, else ``$XDG_DATA_HOME/uv/python`` (Windows:
    ``%APPDATA%\uv\data\python``).
    """

    name = "uv"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        if ctx.env.get("UV_PYTHON_INSTALL_DIR"):
            return [Path(ctx.env["UV_PYTHON_INSTALL_DIR"])]
        if ctx.platform == "win32" and ctx.env.get("APPDATA"):
            return [Path(ctx.env["APPDATA"]) / "uv" / "data" / "python"]
        return [ctx.data_home() / "uv" / "python"]


class RyeProvider(_Roots):
    """rye's toolchains, ``$RYE_HOME/py/*`` (default ``~/.rye``)."""

    name = "rye"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [Path(ctx.env.get("RYE_HOME") or ctx.home / ".rye") / "py"]

    def candidates(self) -> Iterator[Path]:
        for install in self.installs():
            yield from _env_pythons(install, self.ctx.platform)
            yield from _env_pythons(install / "install", self.ctx.platform)  # older rye


class CondaProvider(Provider):
    """conda's base environments, their ``envs/*``, and ``~/.conda/environments.txt``.

    Bases come from ``$CONDA_EXE``/``$CONDA_PYTHON_EXE`` (``<base>/bin/conda``),
    ``$CONDA_PREFIX``, ``$MAMBA_ROOT_PREFIX`` and the usual install locations. A directory is an
    environment when it has ``conda-meta/``.
    """

    name = "conda"

    _HOME_BASES = ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba",
                   "miniconda", "anaconda", ".conda")  # fmt: skip
    _ROOT_BASES = ("opt/conda", "opt/miniconda3", "opt/anaconda3", "opt/miniforge3",
                   "usr/local/miniconda3", "usr/local/anaconda3")  # fmt: skip

    def __init__(self, ctx: DiscoveryContext, prefixes: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.prefixes = prefixes

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        env = ctx.env
        bases = [
            Path(env[v]).parent.parent for v in ("CONDA_EXE", "CONDA_PYTHON_EXE") if env.get(v)
        ]
        bases.extend(
            Path(env[v]) for v in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_PREFIX") if env.get(v)
        )
        bases.extend(ctx.home / name for name in cls._HOME_BASES)
        bases.extend(ctx.root / name for name in cls._ROOT_BASES)
        prefixes: List[Path] = []
        for base in bases:
            for prefix in (base, *_subdirs(base / "envs")):
                if prefix not in prefixes and _is_dir(prefix / "conda-meta"):
                    prefixes.append(prefix)
        for line in _read_lines(ctx.home / ".conda" / "environments.txt"):
            prefix = Path(line.strip())
            if line.strip() and prefix not in prefixes and _is_dir(prefix / "conda-meta"):
                prefixes.append(prefix)
        return cls(ctx, prefixes) if prefixes else None

    def candidates(self) -> Iterator[Path]:
        for prefix in self.prefixes:
            yield from _env_pythons(prefix, self.ctx.platform)


class VirtualenvwrapperProvider(_Roots):
    """virtualenvwrapper's environments, ``$WORKON_HOME/*`` (default ``~/.virtualenvs``)."""

    name = "virtualenvwrapper"

    @classmethod
    def roots_of(cls, ctx: DiscoveryContext) -> List[Path]:
        return [Path(ctx.env.get("WORKON_HOME") or ctx.home / ".virtualenvs")]


class PipxProvider(Provider):
    """pipx's application venvs, ``<PIPX_HOME>/venvs/*``, and its ``shared`` venv (its pip).

    ``PIPX_HOME``, else ``~/.local/pipx`` (pipx < 1.3), else the platform's data directory.
    """

    name = "pipx"

    def __init__(self, ctx: DiscoveryContext, homes: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.homes = homes

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        if ctx.env.get("PIPX_HOME"):
            options = [Path(ctx.env["PIPX_HOME"])]
        else:
            options = [ctx.home / ".local" / "pipx", ctx.data_home() / "pipx"]
            if ctx.platform == "darwin":
                options.append(ctx.home / "Library" / "Application Support" / "pipx")
            if ctx.platform == "win32":
                local = Path(ctx.env.get("LOCALAPPDATA") or ctx.home / "AppData" / "Local")
                options.extend((local / "pipx" / "pipx", ctx.home / "pipx"))
        homes = [home for home in options if _is_dir(home / "venvs")]
        return cls(ctx, homes) if homes else None

    def candidates(self) -> Iterator[Path]:
        for home in self.homes:
            shared = Path(self.ctx.env.get("PIPX_SHARED_LIBS") or home / "shared")
            for venv in (*_subdirs(home / "venvs"), shared):
                yield from _env_pythons(venv, self.ctx.platform)


class FrameworkProvider(Provider):
    """macOS framework builds: python.org's, Homebrew's and the Command Line Tools' Python."""

    name = "framework"

    _FRAMEWORKS = (
        "Library/Frameworks/Python.framework/Versions",
        "Library/Developer/CommandLineTools/Library/Frameworks/Python3.framework/Versions",
        "Applications/Xcode.app/Contents/Developer/Library/Frameworks/Python3.framework/Versions",
    )
    _HOMEBREW = ("opt/homebrew/opt", "usr/local/opt")

    def __init__(self, ctx: DiscoveryContext, version_dirs: Sequence[Path]) -> None:
        super().__init__(ctx)
        self.version_dirs = version_dirs

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        if ctx.platform != "darwin":
            return None
        roots = [ctx.root / rel for rel in cls._FRAMEWORKS]
        roots.append(ctx.home / cls._FRAMEWORKS[0])
        roots.extend(
            formula / "Frameworks" / "Python.framework" / "Versions"
            for brew in cls._HOMEBREW
            for formula in _subdirs(ctx.root / brew)
            if formula.name.startswith("python@")
        )
        found = [version for root in roots for version in _subdirs(root)]
        return cls(ctx, found) if found else None

    def candidates(self) -> Iterator[Path]:
        for version in self.version_dirs:
            yield from _env_pythons(version, self.ctx.platform)


class WinRegistry(Protocol):
    """The part of :mod:`winreg` :class:`Pep514Provider` uses (a fake in tests)."""

    HKEY_CURRENT_USER: int
    HKEY_LOCAL_MACHINE: int
    KEY_READ: int
    KEY_WOW64_64KEY: int
    KEY_WOW64_32KEY: int

    def OpenKey(  # noqa: N802 - winreg's name
        self, key: object, sub_key: str, reserved: int, access: int
    ) -> ContextManager[object]:
        r"""Open ``key\\sub_key``; raises :class:`OSError` when it does not exist."""

    def EnumKey(self, key: object, index: int) -> str:  # noqa: N802 - winreg's name
        """The ``index``-th subkey's name; raises :class:`OSError` past the last one."""

    def QueryValueEx(self, key: object, name: str) -> Tuple[object, int]:  # noqa: N802
        """``(value, type)`` of a value (``""``: the default); :class:`OSError` when absent."""


class Pep514Provider(Provider):
    r"""Interpreters registered under PEP 514 (``HKCU``/``HKLM\\Software\\Python``).

    The python.org installers and the Python install manager (PEP 773) register there.

    Takes ``ctx.winreg`` (any object with ``winreg``'s ``OpenKey``, ``EnumKey``,
    ``QueryValueEx`` and constants), so the walk is tested on every OS.
    """

    name = "pep514"

    def __init__(self, ctx: DiscoveryContext, registry: WinRegistry) -> None:
        super().__init__(ctx)
        self.registry = registry

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        registry = ctx.winreg
        if registry is None and ctx.platform == "win32":
            try:
                registry = cast("WinRegistry", importlib.import_module("winreg"))
            except ImportError:  # pragma: no cover - every Windows CPython has it
                registry = None
        return cls(ctx, registry) if registry is not None else None

    def candidates(self) -> Iterator[Path]:
        reg = self.registry
        # HKCU\Software is shared between the 32- and 64-bit views; HKLM\Software is not.
        views = (
            (reg.HKEY_CURRENT_USER, 0),
            (reg.HKEY_LOCAL_MACHINE, reg.KEY_WOW64_64KEY),
            (reg.HKEY_LOCAL_MACHINE, reg.KEY_WOW64_32KEY),
        )
        for hive, view in views:
            try:
                companies = reg.OpenKey(hive, "Software\\Python", 0, reg.KEY_READ | view)
            except OSError:
                continue
            with companies:
                for company in self._subkeys(companies):
                    if company == "PyLauncher":  # PEP 514: the launcher, not an interpreter
                        continue
                    yield from self._company(companies, company, view)

    def _company(self, companies: object, company: str, view: int) -> Iterator[Path]:
        reg = self.registry
        try:
            tags = reg.OpenKey(companies, company, 0, reg.KEY_READ | view)
        except OSError:
            return
        with tags:
            for tag in self._subkeys(tags):
                try:
                    install = reg.OpenKey(tags, tag + "\\InstallPath", 0, reg.KEY_READ | view)
                except OSError:
                    continue
                with install:
                    executable = self._value(install, "ExecutablePath")
                    if not executable:
                        directory = self._value(install, "")
                        executable = str(Path(directory) / "python.exe") if directory else None
                if executable:
                    yield Path(executable)
                else:
                    self.problems.append(
                        (Path(f"{company}\\{tag}"), "registered without an install path")
                    )

    def _subkeys(self, key: object) -> Iterator[str]:
        index = 0
        while True:
            try:
                name = self.registry.EnumKey(key, index)
            except OSError:
                return
            yield str(name)
            index += 1

    def _value(self, key: object, name: str) -> Optional[str]:
        try:
            value, _kind = self.registry.QueryValueEx(key, name)
        except OSError:
            return None
        return str(value) if value else None


# `py -0p` (launcher 3.7-3.11):  " -3.12-64        C:\Python312\python.exe *"
# `py -0p` (launcher 3.12+):     " -V:3.12 *        C:\Python312\python.exe"
# The install manager's `py --list-paths` prints the second form.
_PY_LINE = re.compile(r"^\s*-(?:V:)?\S+?(?:\s+\*)?\s+(?P<path>.+?)(?:\s+\*)?\s*$")


def parse_py_launcher(text: str) -> List[Path]:
    """The interpreter paths ``py -0p`` (or ``py --list-paths``) lists, in its order.

    Headers (``Installed Pythons found by ...``) and "none found" lines are ignored, and so is
    anything whose path part is not absolute.
    """
    paths: List[Path] = []
    for line in text.splitlines():
        match = _PY_LINE.match(line)
        if match is None:
            continue
        path = match.group("path")
        if re.match(r"^(?:[A-Za-z]:[\\/]|\\\\|/)", path):
            paths.append(Path(path))
    return paths


class PyLauncherProvider(Provider):
    """What the Windows ``py`` launcher lists with ``py -0p`` (run by the context's runner)."""

    name = "py-launcher"

    def __init__(self, ctx: DiscoveryContext, launcher: str) -> None:
        super().__init__(ctx)
        self.launcher = launcher

    @classmethod
    def create(cls, ctx: DiscoveryContext) -> Optional[Provider]:
        if ctx.platform != "win32":
            return None
        launcher = shutil.which("py", path=ctx.env.get("PATH", ""))
        return cls(ctx, launcher) if launcher else None

    def candidates(self) -> Iterator[Path]:
        try:
            completed = self.ctx.runner((self.launcher, "-0p"), self.ctx.env, self.ctx.timeout)
        except InterpreterError as exc:
            self.problems.append((Path(self.launcher), f"'py -0p' failed: {exc}"))
            return
        if completed.returncode != 0:
            detail = (completed.stderr.strip() or completed.stdout.strip())[-300:]
            self.problems.append(
                (Path(self.launcher), f"'py -0p' exited with code {completed.returncode}: {detail}")
            )
            return
        yield from parse_py_launcher(completed.stdout)


#: Every source, by name, in the order they are searched (and listed in ``Interpreter.sources``).
PROVIDERS: Dict[str, Type[Provider]] = {
    provider.name: provider
    for provider in (
        RunningProvider,
        ActiveVenvProvider,
        DotVenvProvider,
        PathProvider,
        PyenvProvider,
        AsdfProvider,
        MiseProvider,
        UvProvider,
        RyeProvider,
        CondaProvider,
        VirtualenvwrapperProvider,
        PipxProvider,
        FrameworkProvider,
        Pep514Provider,
        PyLauncherProvider,
    )
}


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveryFailure:
    """A candidate that is not a usable interpreter, or a place that could not be searched.

    :ivar path: the candidate (or the directory, registry key or launcher concerned).
    :ivar reason: why, in words (a dangling symlink, an exit code and what it printed, a
        timeout, ...).
    :ivar sources: the sources that found it.
    """

    path: Path
    reason: str
    sources: Tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveryResult:
    """What a discovery found.

    :ivar interpreters: each interpreter once, sorted by implementation, version and path.
    :ivar failures: candidates whose probe failed and places that could not be searched, sorted
        by path.
    :ivar sources: the sources that exist on this machine and were searched, in registry order.
    """

    interpreters: Tuple[Interpreter, ...]
    failures: Tuple[DiscoveryFailure, ...]
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Discovered:
    """The full outcome: the public result, and each interpreter's pip cache dir when asked."""

    result: DiscoveryResult
    pip_cache: Mapping[Interpreter, PipCacheDirAnswer]


# -- grouping ----------------------------------------------------------------------------------


def _venv_root(path: Path) -> Optional[str]:
    """The environment ``path`` runs in, as CPython decides: ``pyvenv.cfg`` beside it or one up."""
    for directory in (path.parent, path.parent.parent):
        if _is_file(directory / "pyvenv.cfg"):
            return os.path.realpath(directory)
    return None


def _preference(path: Path) -> Tuple[int, int, int, str]:
    """How well a path names its interpreter, best first.

    Not behind a linked directory (``/usr/bin`` over ``/bin``), then the shortest name
    (``python3`` over ``python3.11``), then the shortest path.
    """
    linked = int(os.path.realpath(path.parent) != os.fspath(path.parent))
    return (linked, len(path.name), len(os.fspath(path)), os.fspath(path))


@dataclass
class _Group:
    """Candidate paths that are one interpreter; probed once, through :attr:`primary`."""

    paths: List[Path]
    sources: List[str]
    resolved: os.stat_result

    @property
    def primary(self) -> Path:
        return min(self.paths, key=_preference)

    def absorb(self, other: _Group) -> None:
        self.paths.extend(path for path in other.paths if path not in self.paths)
        self.sources.extend(name for name in other.sources if name not in self.sources)


def _group(
    found: Mapping[Path, List[str]], ctx: DiscoveryContext
) -> Tuple[List[_Group], List[DiscoveryFailure]]:
    groups: Dict[Tuple[int, int, str, Optional[str]], _Group] = {}
    failures: List[DiscoveryFailure] = []
    for path, names in found.items():
        sources = tuple(names)
        try:
            resolved = path.stat()
        except OSError as exc:
            if os.path.islink(path):
                reason = f"a dangling symlink (to {os.readlink(path)})"
            else:
                reason = f"cannot be read: {exc.strerror or exc}"
            failures.append(DiscoveryFailure(path, reason, sources))
            continue
        if not stat.S_ISREG(resolved.st_mode):
            failures.append(DiscoveryFailure(path, "not a file", sources))
            continue
        if ctx.platform != "win32" and not os.access(path, os.X_OK):
            failures.append(DiscoveryFailure(path, "not executable", sources))
            continue
        key = (
            resolved.st_dev,
            resolved.st_ino,
            os.fspath(_realpath(path).parent),
            _venv_root(path),
        )
        group = groups.get(key)
        if group is None:
            groups[key] = _Group([path], list(sources), resolved)
        else:
            group.absorb(_Group([path], list(sources), resolved))
    return list(groups.values()), failures


# -- the whole run -----------------------------------------------------------------------------


def _selected(sources: Optional[Iterable[str]]) -> List[str]:
    if sources is None:
        return list(PROVIDERS)
    names = [sources] if isinstance(sources, str) else list(sources)
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ValueError(
            f"unknown discovery source(s) {', '.join(map(repr, unknown))};"
            f" valid sources: {', '.join(PROVIDERS)}"
        )
    return [name for name in PROVIDERS if name in names]


def _explicit(
    paths: Iterable[Union[str, os.PathLike[str]]], ctx: DiscoveryContext
) -> Tuple[List[Path], List[DiscoveryFailure]]:
    """``extra_paths`` as interpreter paths: venv and install directories become their Pythons."""
    found: List[Path] = []
    failures: List[DiscoveryFailure] = []
    for given in paths:
        path = Path(os.fspath(given)).expanduser()
        path = ctx.cwd / path if not path.is_absolute() else path
        if _is_dir(path):
            pythons = _env_pythons(path, ctx.platform)
            if not pythons:
                failures.append(DiscoveryFailure(
                    path,
                    "a directory with no interpreter in it (no bin/python* or Scripts\\python.exe)",
                    (EXPLICIT,),
                ))  # fmt: skip
            found.extend(pythons)
            continue
        tool, target = resolve_shim(path, ctx)
        if tool is not None and target is None:
            reason = f"a {tool} shim that is not active here (shims are never run)"
            failures.append(DiscoveryFailure(path, reason, (EXPLICIT,)))
            continue
        found.append(target if target is not None else path)
    return found, failures


class _Candidates:
    """Candidate paths (absolute, symlinks kept) with the sources that found each."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.found: Dict[Path, List[str]] = {}

    def add(self, path: Path, source: str) -> None:
        absolute = Path(os.path.abspath(self.cwd / path))
        sources = self.found.setdefault(absolute, [])
        if source not in sources:
            sources.append(source)


def _collect(
    ctx: DiscoveryContext, names: Sequence[str], extra: Iterable[Union[str, os.PathLike[str]]]
) -> Tuple[_Candidates, List[DiscoveryFailure], List[str]]:
    """Run the providers: ``(candidates, failures, names of the providers that applied)``."""
    candidates = _Candidates(ctx.cwd)
    failures: List[DiscoveryFailure] = []
    applied: List[str] = []
    for name in names:
        provider: Optional[Provider] = None
        try:
            provider = PROVIDERS[name].create(ctx)
            if provider is None:
                continue
            applied.append(name)
            for candidate in provider.candidates():
                candidates.add(candidate, name)
        except OSError as exc:  # a provider that met something it did not expect
            where = Path(exc.filename) if isinstance(exc.filename, str) else Path(name)
            failures.append(DiscoveryFailure(where, f"{name}: {exc}", (name,)))
        if provider is not None:
            failures.extend(DiscoveryFailure(p, why, (name,)) for p, why in provider.problems)
    explicit, bad = _explicit(extra, ctx)
    failures.extend(bad)
    for path in explicit:
        candidates.add(path, EXPLICIT)
    return candidates, failures, applied


def _assemble(
    groups: Sequence[_Group], outcomes: Sequence[CachedProbe], failures: List[DiscoveryFailure]
) -> Dict[Interpreter, Optional[PipCacheDirAnswer]]:
    """Interpreters from the probes' answers (failed ones appended to ``failures``), merged.

    :returns: each interpreter, with its pip's cache dir when the probe was asked for it.
    """
    merged: Dict[Tuple[str, Path], Tuple[_Group, Interpreter, Optional[PipCacheDirAnswer]]] = {}
    for group, outcome in zip(groups, outcomes):
        if not outcome.ok:
            failures.append(DiscoveryFailure(group.primary, outcome.answer, tuple(group.sources)))
            continue
        interpreter = read_interpreter(outcome, group.primary)
        if interpreter is None:
            reason = f"answered the probe with unreadable data: {outcome.answer[:300]}"
            failures.append(DiscoveryFailure(group.primary, reason, tuple(group.sources)))
            continue
        # One more identity check after probing: the same resolved executable in the same
        # prefix is one interpreter even when found through unrelated hard links.
        identity = (os.path.realpath(interpreter.executable), interpreter.prefix)
        if identity in merged:
            merged[identity][0].absorb(group)
            continue
        merged[identity] = (group, interpreter, read_cache_dir(outcome, interpreter))

    order = {name: index for index, name in enumerate((*PROVIDERS, EXPLICIT))}
    answers: Dict[Interpreter, Optional[PipCacheDirAnswer]] = {}
    for group, interpreter, answer in merged.values():
        primary = group.primary
        final = dataclasses.replace(
            interpreter,
            path=primary,
            sources=tuple(sorted(group.sources, key=order.__getitem__)),
            aliases=tuple(sorted((p for p in group.paths if p != primary), key=os.fspath)),
        )
        answers[final] = answer
    return answers


def discover(  # noqa: PLR0913 - keyword-only options
    ctx: DiscoveryContext,
    *,
    sources: Optional[Iterable[str]] = None,
    extra_paths: Iterable[Union[str, os.PathLike[str]]] = (),
    cache_root: Optional[Path] = None,
    use_cache: bool = True,
    pip_cache: bool = False,
) -> Discovered:
    """Run every selected provider in ``ctx``, group, probe (or read the disk cache), merge.

    :param cache_root: this library's cache dir, where probe answers are stored under
        ``probes/``; default :func:`~pipcache_ext._probecache.user_cache_dir`.
    :param pip_cache: also ask each pip for its cache dir. That imports pip's command machinery
        in each interpreter (0.2-0.4 s of CPU each, against ~0.04 s for the rest of the probe),
        so only a survey of caches asks; its answers then also serve later plain discoveries.
    :raises ValueError: an unknown source name.
    """
    candidates, failures, applied = _collect(ctx, _selected(sources), extra_paths)
    groups, bad = _group(candidates.found, ctx)
    failures.extend(bad)
    cache: Optional[ProbeCache] = None
    if use_cache:
        root = cache_root if cache_root is not None else user_cache_dir(ctx.env, ctx.platform)
        cache = ProbeCache(root / "probes")
    settings = Settings(ctx.env, ctx.timeout, ctx.runner, os.fspath(ctx.cwd), ctx.platform, cache)
    targets = [(group.primary, group.resolved) for group in groups]
    outcomes = probe_targets(targets, settings, cache_dir=pip_cache)
    answers = _assemble(groups, outcomes, failures)
    interpreters = sorted(
        answers, key=lambda i: (i.implementation, _version_key(i.version), os.fspath(i.path))
    )
    failures.sort(key=lambda f: (os.fspath(f.path), f.reason))
    result = DiscoveryResult(tuple(interpreters), tuple(failures), tuple(applied))
    known = {i: answer for i, answer in answers.items() if answer is not None}
    return Discovered(result, known)


def run_discovery(
    *,
    sources: Optional[Iterable[str]] = None,
    extra_paths: Iterable[Union[str, os.PathLike[str]]] = (),
    timeout: float = 10.0,
    use_cache: bool = True,
    env: Optional[Mapping[str, str]] = None,
) -> DiscoveryResult:
    """Find the interpreters on this machine, and say which candidates failed and why.

    The same search as :func:`discover_interpreters`; this also returns what it could not use.

    :param sources: names of the sources to search (see :func:`discover_interpreters`);
        ``None`` for all.
    :param extra_paths: interpreter paths or environment directories to add.
    :param timeout: seconds each interpreter may take to answer before it is killed.
    :param use_cache: read and write the disk cache of probe answers; ``False`` probes every
        interpreter and leaves the cache untouched.
    :param env: the environment to search and to run the probes in; default ``os.environ``.
    :returns: the interpreters, the failures, and which sources exist here.
    :raises ValueError: an unknown source name, or a timeout that is not positive.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    ctx = DiscoveryContext.current(env, timeout=float(timeout))
    discovered = discover(ctx, sources=sources, extra_paths=extra_paths, use_cache=use_cache)
    return discovered.result


def discover_interpreters(
    *,
    sources: Optional[Iterable[str]] = None,
    extra_paths: Iterable[Union[str, os.PathLike[str]]] = (),
    timeout: float = 10.0,
    use_cache: bool = True,
    env: Optional[Mapping[str, str]] = None,
) -> List[Interpreter]:
    """Find every Python interpreter on this machine, each once, with its pip's version.

    Sources, in search order: ``running`` (this interpreter), ``active-venv``
    (``$VIRTUAL_ENV``), ``dot-venv`` (``.venv`` in the working directory and its parents),
    ``path`` (``python``, ``python3``, ``python3.N``, ``python2``, ``python2.N``, ``pypy*`` on
    ``PATH``; pyenv/asdf shims resolved to what they run, never executed), ``pyenv``, ``asdf``,
    ``mise``, ``uv``, ``rye``, ``conda`` (bases, ``envs/``, ``~/.conda/environments.txt``),
    ``virtualenvwrapper`` (``$WORKON_HOME``), ``pipx``, ``framework`` (macOS),
    ``pep514`` (the Windows registry) and ``py-launcher`` (``py -0p``, Windows).

    Each interpreter is probed once, in parallel, in one subprocess with a timeout that kills
    it; answers (failures too) are stored in this library's own cache dir and reused while the
    executable and its site-packages are unchanged. Shims are never run. Paths that are the same
    interpreter in the same environment are one :class:`Interpreter` (see ``aliases``); a venv
    is never merged into its base Python. Candidates that fail are left out; see
    :func:`run_discovery` for them.

    :param sources: names of the sources to search; ``None`` for all. Sources that do not exist
        on this machine are skipped.
    :param extra_paths: interpreter paths or environment directories to add (source
        ``"explicit"``).
    :param timeout: seconds each interpreter may take to answer before it is killed.
    :param use_cache: read and write the disk cache of probe answers.
    :param env: the environment to search and to run the probes in; default ``os.environ``.
    :returns: the interpreters, sorted by implementation, version and path.
    :raises ValueError: an unknown source name (the message lists the valid ones), or a timeout
        that is not positive.
    """
    result = run_discovery(
        sources=sources, extra_paths=extra_paths, timeout=timeout, use_cache=use_cache, env=env
    )
    return list(result.interpreters)
