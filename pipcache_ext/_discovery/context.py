"""What providers see: the :class:`DiscoveryContext`, and reading directories without raising.

Candidate paths keep their symlinks (they are the aliases), so ``os.path`` on them, not
``resolve()``; ``os.path.is*`` never raise, where ``Path.is_dir()`` re-raises ``PermissionError``
inside a directory that cannot be entered on the older Pythons this runs on.
"""

# ruff: noqa: PTH112, PTH113, PTH117

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager, Iterator, List, Mapping, Optional, Protocol, Tuple

from .._runner import Runner, run

__all__ = [
    "EXPLICIT",
    "DiscoveryContext",
    "WinRegistry",
    "env_pythons",
    "is_dir",
    "is_file",
    "is_python_name",
    "pythons_in",
    "read_lines",
    "read_words",
    "realpath",
    "scandir_names",
    "subdirs",
    "upwards",
]

#: The source name of interpreters passed as ``extra_paths``.
EXPLICIT = "explicit"

# python, python3, python3.12, python3.13t, python2, python2.7, pypy, pypy3, pypy3.10. Not
# python3-config, python3.6m (a hard link of python3.6) or idle.
_POSIX_NAME = re.compile(r"(?:python|pypy)(?:[23](?:\.\d+)?t?)?\Z")
_WINDOWS_NAME = re.compile(r"(?:python|pypy)(?:[23](?:\.\d+)?t?)?\.exe\Z", re.IGNORECASE)


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
        named = environ.get("HOME") or environ.get("USERPROFILE")
        try:
            home = Path(named) if named else Path.home()
        except (RuntimeError, KeyError):  # no HOME and no password entry: nothing to search there
            home = Path(os.sep)
        try:
            cwd = Path.cwd()
        except OSError:  # the working directory was deleted
            cwd = home
        return cls(
            env=environ, cwd=cwd, home=home, executable=sys.executable or None, timeout=timeout
        )

    def data_home(self) -> Path:
        """``$XDG_DATA_HOME`` or ``~/.local/share`` (the XDG default, used by uv/mise/pipx)."""
        xdg = self.env.get("XDG_DATA_HOME")
        return Path(xdg) if xdg and os.path.isabs(xdg) else self.home / ".local" / "share"


class WinRegistry(Protocol):
    """The part of :mod:`winreg` the ``pep514`` provider uses (a fake in tests)."""

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


# -- reading directories ----------------------------------------------------------------------


def scandir_names(directory: Path) -> List[str]:
    """The names in ``directory``; raises :class:`OSError` when it cannot be listed."""
    with os.scandir(directory) as entries:
        return [entry.name for entry in entries]


def is_dir(path: Path) -> bool:
    # Path.is_dir()/is_file() re-raise PermissionError (inside a directory that cannot be
    # entered) on the older Pythons this runs on; os.path.isdir()/isfile() never raise.
    return os.path.isdir(path)


def is_file(path: Path) -> bool:
    return os.path.isfile(path)


def subdirs(directory: Path) -> List[Path]:
    """The visible subdirectories of ``directory``, sorted; none when it cannot be listed."""
    try:
        names = scandir_names(directory)
    except OSError:
        return []
    return [directory / name for name in sorted(names) if not name.startswith(".")]


def is_python_name(name: str, platform: str) -> bool:
    pattern = _WINDOWS_NAME if platform == "win32" else _POSIX_NAME
    return pattern.match(name) is not None


def pythons_in(directory: Path, platform: str) -> List[Path]:
    """Interpreter-named entries of ``directory``, sorted; raises :class:`OSError`."""
    names = scandir_names(directory)
    return [directory / name for name in sorted(names) if is_python_name(name, platform)]


def env_pythons(prefix: Path, platform: str) -> List[Path]:
    """The interpreters of an install or environment rooted at ``prefix``; none when absent.

    POSIX: ``bin/python*``. Windows: ``Scripts/python.exe`` (venvs) and ``python.exe`` (installs,
    conda environments).
    """
    if platform == "win32":
        names = (prefix / "Scripts" / "python.exe", prefix / "python.exe")
        return [path for path in names if is_file(path)]
    try:
        return pythons_in(prefix / "bin", platform)
    except OSError:
        return []


def read_words(path: Path) -> List[str]:
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


def upwards(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents


def read_lines(path: Path) -> List[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def realpath(path: Path) -> Path:
    return Path(os.path.realpath(path))
