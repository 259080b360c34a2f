"""Version managers' shims (pyenv, asdf, mise): never run, resolved by reading their files.

An inactive shim exits 127, and each costs a shell plus the tool's start-up. A pyenv or asdf shim
is resolved by reading the version files the tool would read; one that cannot be resolved is
skipped, the install directories being enumerated anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from .._pipversions import version_key
from .context import (
    DiscoveryContext,
    env_pythons,
    is_dir,
    is_file,
    read_lines,
    read_words,
    realpath,
    subdirs,
    upwards,
)

__all__ = ["asdf_root", "mise_root", "pyenv_root", "resolve_shim"]


def pyenv_root(ctx: DiscoveryContext) -> Path:
    return Path(ctx.env.get("PYENV_ROOT") or ctx.home / ".pyenv")


def asdf_root(ctx: DiscoveryContext) -> Path:
    return Path(ctx.env.get("ASDF_DATA_DIR") or ctx.home / ".asdf")


def mise_root(ctx: DiscoveryContext) -> Path:
    if ctx.env.get("MISE_DATA_DIR"):
        return Path(ctx.env["MISE_DATA_DIR"])
    if ctx.platform == "win32" and ctx.env.get("LOCALAPPDATA"):
        return Path(ctx.env["LOCALAPPDATA"]) / "mise"
    return ctx.data_home() / "mise"


def _installed(versions: Path, name: str) -> Optional[Path]:
    """``versions/name``, or the newest ``versions/name.*`` (pyenv 2.3.36+ accepts prefixes)."""
    if is_dir(versions / name):
        return versions / name
    matches = [path for path in subdirs(versions) if path.name.startswith(name + ".")]
    return max(matches, key=lambda path: version_key(path.name)) if matches else None


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
        for directory in upwards(start):
            if is_file(directory / ".python-version"):
                names = read_words(directory / ".python-version")
                break
        else:
            names = read_words(root / "version")
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
        for directory in (*upwards(ctx.cwd), ctx.home):
            for line in read_lines(directory / filename):
                words = line.split("#", 1)[0].split()
                if words and words[0] == "python":
                    names = words[1:]
                    break
            if names:
                break
    installs = root / "installs" / "python"
    return [installs / name for name in names if name != "system" and is_dir(installs / name)]


def resolve_shim(path: Path, ctx: DiscoveryContext) -> Tuple[Optional[str], Optional[Path]]:
    """Whether ``path`` is a version manager's shim, and which interpreter it would run.

    :returns: ``(None, None)`` for a real interpreter; ``(tool, target)`` for a shim, where
        ``target`` is ``None`` when the shim is inactive here or cannot be resolved without
        running it.
    """
    parent = path.parent
    real_parent = realpath(parent)
    for tool, root, selected in (
        ("pyenv", pyenv_root(ctx), _pyenv_selected),
        ("asdf", asdf_root(ctx), _asdf_selected),
    ):
        shims = root / "shims"
        if parent == shims or real_parent == realpath(shims):
            for install in selected(ctx, root):
                for target in env_pythons(install, ctx.platform):
                    if target.name == path.name:
                        return tool, target
            return tool, None
    mise_shims = mise_root(ctx) / "shims"
    if parent == mise_shims or real_parent == realpath(mise_shims):
        return "mise", None
    if realpath(path).name.lower() in ("mise", "mise.exe", "rtx", "rtx.exe"):
        return "mise", None  # mise's shims are symlinks to mise itself
    if parent.name == "shims" or real_parent.name == "shims":
        return "shim", None
    return None, None
