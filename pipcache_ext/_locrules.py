"""Where pip's cache is, by pip's rules, without a pip to ask; and why, in words.

- :func:`rules_location`: pip 26.3's rules for POSIX (spec §3): ``PIP_CACHE_DIR``, then
  ``cache-dir`` in ``[cache]`` then ``[global]`` of the config files (global, user, site,
  ``PIP_CONFIG_FILE``, later files winning), else ``$XDG_CACHE_HOME/pip`` or ``~/.cache/pip``;
  any ``no-cache-dir`` turns the cache off. Used when the interpreter has no pip at all, and for
  other accounts' caches, whose environment is unknown (their own files, the default rules).
- :func:`explicit_location`: a dir given with ``cache_dir=``/``--cache-dir``.
- :func:`ownership_problem`: pip's ownership check (spec §3.6), done here.
- :func:`location_reason`: a location's reason, for people.

Pure apart from reading config files and ``stat``: nothing runs.
"""

# Config values and paths are str, as pip handles them.
# ruff: noqa: PTH100, PTH110, PTH111, PTH114, PTH117, PTH118, PTH120, PTH123

from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

from .models import CacheLocation, LocationSource

__all__ = [
    "RULES_PIP",
    "config_files",
    "explicit_location",
    "location_reason",
    "normalise",
    "owner_name",
    "ownership_problem",
    "rules_location",
]

#: Whose rules :func:`rules_location` follows.
RULES_PIP = "26.3"

_KEYS = ("cache-dir", "no-cache-dir")
_TRUTH = {"1", "yes", "true", "on", "y", "t", "0", "no", "false", "off", "n", "f"}

#: ``(kind, path)`` of a config file: kind is ``global``, ``user``, ``site`` or ``env``.
ConfigFile = Tuple[str, str]
#: ``(section, where, key, value)``: one setting; ``where`` is a file or an environment variable.
Setting = Tuple[str, str, str, str]


def _absolute(value: Optional[str]) -> Optional[str]:
    return value if value and os.path.isabs(value) else None


def expand(value: str, home: str) -> str:
    """``~`` and ``~/x`` as ``home``; ``~name`` as that account's home."""
    if value == "~" or value.startswith("~/"):
        return home + value[1:]
    return os.path.expanduser(value)


def normalise(value: str, home: str, cwd: str) -> Path:
    """Normalise as pip 20.0+ does (spec §3.5): ``~`` expanded, made absolute, symlinks resolved."""
    expanded = expand(value, home)
    return Path(os.path.normcase(os.path.realpath(os.path.join(cwd, expanded))))


def config_files(
    env: Mapping[str, str], home: str, *, prefix: Optional[str] = None, platform: str = sys.platform
) -> List[ConfigFile]:
    """The config files pip 26.3 reads, lowest precedence first (spec §3.3)."""
    configured = env.get("PIP_CONFIG_FILE")
    if configured == os.devnull:
        return []
    files: List[ConfigFile] = []
    if platform != "win32":
        bases = (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
        files += [("global", os.path.join(base, "pip", "pip.conf")) for base in bases if base]
        files.append(("global", "/etc/pip.conf"))
    name = "pip.ini" if platform == "win32" else "pip.conf"
    if not (configured and os.path.exists(configured)):
        files.append(("user", os.path.join(home, "pip" if platform == "win32" else ".pip", name)))
        xdg = _absolute(env.get("XDG_CONFIG_HOME")) or os.path.join(home, ".config")
        files.append(("user", os.path.join(xdg, "pip", name)))
    if prefix is not None:
        files.append(("site", os.path.join(prefix, name)))
    if configured:
        files.append(("env", configured))
    return files


def _read(path: str) -> Tuple[List[Setting], Optional[str]]:
    """The cache settings of one file: ``(settings, problem)``; a missing file has none."""
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        return [], None
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        return [], f"{path} cannot be read: {getattr(exc, 'strerror', None) or exc}"
    found = [
        (section, path, key.lower().replace("_", "-").lstrip("-"), value)
        for section in parser.sections()
        for key, value in parser.items(section)
    ]
    return [item for item in found if item[2] in _KEYS], None


def _winner(settings: List[Setting], key: str) -> Optional[Setting]:
    """The setting pip 10+ applies: per section the last value, empty ones dropped."""
    for section in (":env:", "cache", "global"):
        last = [item for item in settings if item[0] == section and item[2] == key]
        if last and last[-1][3]:
            return last[-1]
    return None


def _default(env: Mapping[str, str], home: str, platform: str) -> Tuple[str, Optional[str]]:
    """The default dir and the variable that moved it (26.3: an absolute XDG_CACHE_HOME)."""
    xdg = _absolute(env.get("XDG_CACHE_HOME"))
    if platform == "win32":
        local = env.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(local, "pip", "Cache"), None
    if xdg is not None:
        return os.path.join(xdg, "pip"), "XDG_CACHE_HOME"
    if platform == "darwin":
        return os.path.join(home, "Library", "Caches", "pip"), None
    return os.path.join(home, ".cache", "pip"), None


def rules_location(  # noqa: PLR0913 - keyword-only options
    env: Mapping[str, str],
    *,
    home: str,
    cwd: str,
    prefix: Optional[str] = None,
    platform: str = sys.platform,
    user: Optional[str] = None,
) -> CacheLocation:
    """Which cache dir pip 26.3 would use in ``env`` (``answered_by="rules"``).

    :param home: the account's home (``~`` in its values; its user config files).
    :param cwd: what a relative value is resolved against.
    :param prefix: the interpreter's ``sys.prefix``, whose ``pip.conf`` is read; ``None``: none.
    :param user: the account, when it is not the current one.
    """
    settings: List[Setting] = []
    notes: List[str] = []
    for _kind, path in config_files(env, home, prefix=prefix, platform=platform):
        found, problem = _read(path)
        settings += found
        if problem is not None:
            notes.append(problem)
    for key in _KEYS:
        variable = "PIP_" + key.upper().replace("-", "_")
        if variable in env:
            settings.append((":env:", variable, key, env[variable]))
    chosen = _winner(settings, "cache-dir")
    off = _winner(settings, "no-cache-dir")
    default, moved_by = _default(env, home, platform)
    value = chosen[3] if chosen is not None else default
    directory = normalise(value, home, cwd)
    disabled_by: Optional[str] = None
    if off is not None and off[3].strip().lower() in _TRUTH:
        disabled_by = (
            f"{off[1]}={off[3]}"
            if off[0] == ":env:"
            else f"no-cache-dir = {off[3]} in {off[1]} [{off[0]}]"
        )
    source: LocationSource = "default"
    if chosen is not None:
        source = "env" if chosen[0] == ":env:" else "config"
    return CacheLocation(
        cache_dir=None if disabled_by else directory,
        source=source,
        variable=chosen[1] if source == "env" and chosen else moved_by if chosen is None else None,
        config_file=Path(chosen[1]) if source == "config" and chosen else None,
        config_section=chosen[0] if source == "config" and chosen else None,
        disabled=disabled_by is not None,
        disabled_by=disabled_by,
        would_use=directory if disabled_by else None,
        value=chosen[3] if chosen is not None else env.get("XDG_CACHE_HOME") if moved_by else None,
        answered_by="rules",
        pip_version=RULES_PIP,
        user=user,
        notes=tuple(notes),
    )


def explicit_location(path: Path, cwd: str) -> CacheLocation:
    """The location of a dir given explicitly (``cache_dir=``, ``--cache-dir``)."""
    directory = Path(os.path.normcase(os.path.realpath(os.path.join(cwd, os.fspath(path)))))
    return CacheLocation(directory, "option", value=os.fspath(path), answered_by="option")


def owner_name(path: Path) -> Optional[str]:
    """The name of the account that owns ``path`` (its uid when it has none); ``None``: unknown."""
    try:
        uid = os.lstat(path).st_uid
    except OSError:
        return None
    try:
        import pwd  # noqa: PLC0415 - POSIX only

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def ownership_problem(path: Path) -> Optional[str]:  # noqa: PLR0911 - one answer per case
    """Why pip's ownership check fails for ``path`` (spec §3.6); ``None`` when it passes.

    The check looks at the nearest existing ancestor: as root it must be owned by root (a
    symlink fails), otherwise writable. Windows has no such check.
    """
    if sys.platform == "win32" or not hasattr(os, "geteuid"):
        return None
    current = os.path.abspath(os.fspath(path))
    previous = None
    while current != previous:
        if os.path.lexists(current):
            if os.geteuid() == 0:
                try:
                    st = os.lstat(current)
                except OSError as exc:
                    return f"{current} cannot be looked at ({exc.strerror or exc})"
                if os.path.islink(current) or st.st_uid != 0:
                    owner = owner_name(Path(current))
                    return f"{current} is owned by {owner}, not root"
                return None
            if os.access(current, os.W_OK):
                return None
            return f"{current} is not writable for uid {os.geteuid()}"
        previous, current = current, os.path.dirname(current)
    return f"no part of {path} exists"


def location_reason(location: CacheLocation) -> str:
    """Why pip uses ``location``'s dir, in words: ``PIP_CACHE_DIR=/x``, ``cache-dir in F [s]``."""
    if location.source == "option":
        why = "given explicitly (--cache-dir / cache_dir=)"
    elif location.source == "env":
        why = f"{location.variable}={location.value}"
    elif location.source == "config":
        why = f"cache-dir in {location.config_file} [{location.config_section}]"
    elif location.variable:
        why = f"pip's default under {location.variable}={location.value}"
    else:
        why = "pip's default"
    if location.user is not None:
        why = f"{location.user}'s {why}" if location.source != "option" else why
        if location.sudo_user:
            why += " (SUDO_USER)"
    if location.answered_by == "rules":
        why += f" (by pip {RULES_PIP}'s rules: no pip was asked)"
    if location.disabled:
        off = location.disabled_by or "its configuration"
        why = f"disabled by {off}; it would use {location.would_use} ({why})"
    return why
