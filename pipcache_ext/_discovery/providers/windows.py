"""Windows: interpreters registered under PEP 514, and what the ``py`` launcher lists."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path
from typing import Iterator, List, Optional, cast

from ...errors import InterpreterError
from ..context import DiscoveryContext, WinRegistry
from .base import Provider

__all__ = ["Pep514Provider", "PyLauncherProvider", "parse_py_launcher"]


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
