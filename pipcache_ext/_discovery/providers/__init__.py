"""Every discovery source, as a plain dict registry of :class:`Provider` classes.

One module per source family: ``path``; ``environments`` (running, active venv, ``.venv``,
virtualenvwrapper, pipx); ``managers`` (pyenv, asdf, mise, uv, rye); ``conda``; ``macos``;
``windows`` (PEP 514, the ``py`` launcher).
"""

from __future__ import annotations

from typing import Dict, Type

from .base import InstallRoots, Provider
from .conda import CondaProvider
from .environments import (
    ActiveVenvProvider,
    DotVenvProvider,
    PipxProvider,
    RunningProvider,
    VirtualenvwrapperProvider,
)
from .macos import FrameworkProvider
from .managers import AsdfProvider, MiseProvider, PyenvProvider, RyeProvider, UvProvider
from .path import PathProvider
from .windows import Pep514Provider, PyLauncherProvider, parse_py_launcher

__all__ = [
    "PROVIDERS",
    "ActiveVenvProvider",
    "AsdfProvider",
    "CondaProvider",
    "DotVenvProvider",
    "FrameworkProvider",
    "InstallRoots",
    "MiseProvider",
    "PathProvider",
    "Pep514Provider",
    "PipxProvider",
    "Provider",
    "PyLauncherProvider",
    "PyenvProvider",
    "RunningProvider",
    "RyeProvider",
    "UvProvider",
    "VirtualenvwrapperProvider",
    "parse_py_launcher",
]

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
