"""A disk cache of interpreter probes, so a second discovery runs no interpreter at all.

One JSON file per probe under this library's own user cache dir (never inside pip's cache),
written atomically (a temporary file in the same directory, then :func:`os.replace`). The file
name is a key that changes when the answer could change:

- the interpreter's absolute path, and the ``mtime_ns``, size and inode of the file it resolves
  to (a reinstalled Python is a new file);
- a sha256 of the probe code and its mode (a new probe never reads an old answer);
- the environment variables that change the answer: ``PIP_*`` and the ones pip's and Python's
  directories come from (``HOME``, ``XDG_*``, ``APPDATA``, ``PYTHONPATH``, ``VIRTUAL_ENV``, ...).

A stored answer also carries *stamps*: the ``mtime_ns`` and size of paths whose change makes it
stale although the executable did not change. ``pip install -U pip`` replaces
``pip-X.dist-info`` in site-packages, which changes that directory's mtime; editing a pip config
file changes the cache dir pip reports. A stamp that differs on reading makes the entry a miss.

Failures are stored too (a broken interpreter costs one file read the second time), with the
timeout they ran under: a later call with a longer timeout tries again, and so does any call
after :data:`FAILURE_TTL` seconds. A missing, corrupt or unreadable file is a miss, never an error;
a cache that cannot be written is skipped.
"""

# Stamps are str paths, as they are stored in JSON: os.* calls on str, not Path.
# ruff: noqa: PTH108, PTH116, PTH117, PTH118, PTH119, PTH120

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from .. import _fs

__all__ = [
    "FAILURE_TTL",
    "MAX_AGE",
    "CachedProbe",
    "ProbeCache",
    "Stamp",
    "pip_config_files",
    "probe_key",
    "stamp",
    "stamped_paths",
    "user_cache_dir",
]

logger = logging.getLogger("pipcache_ext")

#: Bump when the stored layout changes; older files are then misses.
_FORMAT = 1
#: Seconds a stored failure is trusted (the interpreter may be repaired in place).
FAILURE_TTL = 24 * 3600.0
#: Seconds after which a stored answer is deleted when probes are written: answers for
#: replaced interpreters or past environments are never read again.
MAX_AGE = 30 * 24 * 3600.0

#: ``[mtime_ns, size]`` of a path, ``None`` when it does not exist (JSON keeps lists).
Stamp = Optional[List[int]]

# Variables whose value changes what the probe reports, beyond the PIP_* family: where pip's
# directories and config files are (HOME, XDG_*, APPDATA, ...), what Python puts on sys.path
# (PYTHONPATH, PYTHONHOME, user site), which libraries load. Not PATH: the probe runs by
# absolute path. Not every PYTHON* variable either: tools set PYTHONUNBUFFERED, PYTHONHASHSEED
# or PYTHONIOENCODING freely, and the probe's ASCII JSON does not depend on them.
_KEY_VARIABLES = frozenset({
    "HOME", "USERPROFILE", "LOCALAPPDATA", "APPDATA", "PROGRAMDATA", "ALLUSERSPROFILE",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "XDG_DATA_HOME",
    "VIRTUAL_ENV", "WIN_PD_OVERRIDE_LOCAL_APPDATA", "ANDROID_DATA", "ANDROID_ROOT",
    "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE", "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__",
    "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH",
})  # fmt: skip


def user_cache_dir(env: Mapping[str, str], platform: str = sys.platform) -> Path:
    r"""This library's own cache directory, by the platform's convention.

    :param env: the environment to read ``XDG_CACHE_HOME``/``LOCALAPPDATA``/``HOME`` from.
    :param platform: a ``sys.platform`` value.
    :returns: ``$XDG_CACHE_HOME/pipcache_ext`` or ``~/.cache/pipcache_ext``; on macOS
        ``~/Library/Caches/pipcache_ext``; on Windows ``%LOCALAPPDATA%\\pipcache_ext\\Cache``.
    """
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        local = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / "pipcache_ext" / "Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / "pipcache_ext"
    xdg = env.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is invalid, and ignored
        return Path(xdg) / "pipcache_ext"
    return home / ".cache" / "pipcache_ext"


def stamp(path: str) -> Stamp:
    """``[mtime_ns, size]`` of ``path`` (following symlinks), ``None`` when it is absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: an embedded NUL
        return None
    return [st.st_mtime_ns, st.st_size]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def probe_key(path: Path, resolved: os.stat_result, code: str, env: Mapping[str, str]) -> str:
    """The file name (without ``.json``) of the answer the probe ``code`` gives for ``path``.

    :param path: the interpreter's absolute path, as it is run.
    :param resolved: ``os.stat`` of that path (symlinks followed).
    :param code: the probe, with anything else that is part of the command line.
    :param env: the environment it runs in; only the variables that matter are used.
    """
    variables = sorted(
        (name, value)
        for name, value in env.items()
        if name.startswith("PIP_") or name in _KEY_VARIABLES
    )
    identity = [
        _FORMAT,
        os.fspath(path),
        resolved.st_mtime_ns,
        resolved.st_size,
        resolved.st_ino,
        _sha256(code),
        variables,
    ]
    return _sha256(json.dumps(identity))


def pip_config_files(env: Mapping[str, str], platform: str = sys.platform) -> List[str]:
    """The pip config files (and the directories whose existence matters) outside any prefix.

    Their stamps make a stored cache dir stale when a config file appears, changes or goes
    (spec §3.3); the site file inside each interpreter's prefix is added per interpreter.
    """
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    files: List[Path] = []
    if platform == "win32":
        data = env.get("PROGRAMDATA") or env.get("ALLUSERSPROFILE") or "C:\\ProgramData"
        files.append(Path(data) / "pip" / "pip.ini")
        files.append(home / "pip" / "pip.ini")
        appdata = env.get("APPDATA")
        if appdata:
            files.append(Path(appdata) / "pip" / "pip.ini")
    else:
        bases = (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
        files.extend(Path(base) / "pip" / "pip.conf" for base in bases if base)
        files.append(Path("/etc/pip.conf"))
        files.append(home / ".pip" / "pip.conf")
        xdg = env.get("XDG_CONFIG_HOME") or str(home / ".config")
        files.append(Path(xdg) / "pip" / "pip.conf")
        if platform == "darwin":
            support = Path("Library") / "Application Support" / "pip"
            # pip 20.1+ reads the user file here only if this directory exists.
            files.extend(
                (Path("/", support, "pip.conf"), home / support, home / support / "pip.conf")
            )
    configured = env.get("PIP_CONFIG_FILE")
    if configured:
        files.append(Path(configured))
    return [os.fspath(path) for path in files]


def stamped_paths(
    data: Mapping[str, Any], env: Mapping[str, str], platform: str, *, complete: bool
) -> List[str]:
    """Paths whose change makes a stored answer ``data`` stale.

    The pip config files only matter to an answer that includes pip's cache dir (``complete``).
    """
    # Installing or removing a distribution adds or removes a *.dist-info directory in a
    # site-packages directory, which changes its mtime. Other sys.path entries (the stdlib, an
    # editable project's checkout) change for unrelated reasons, so they are left out.
    paths: List[str] = [
        entry
        for entry in data.get("sys_path") or ()
        if isinstance(entry, str) and os.path.basename(entry) in ("site-packages", "dist-packages")
    ]
    if isinstance(data.get("user_site"), str):
        paths.append(data["user_site"])
    if isinstance(data.get("pip_location"), str):
        paths.append(os.path.dirname(data["pip_location"]))
        paths.append(os.path.join(data["pip_location"], "__init__.py"))
    if isinstance(data.get("prefix"), str):
        paths.append(os.path.join(data["prefix"], "pyvenv.cfg"))
        if complete:
            paths.extend(os.path.join(data["prefix"], n) for n in ("pip.conf", "pip.ini"))
    if complete:
        paths.extend(pip_config_files(env, platform))
    return list(dict.fromkeys(paths))


@dataclass(frozen=True)
class CachedProbe:
    """A stored probe outcome.

    :ivar ok: whether the probe answered.
    :ivar answer: the probe's JSON answer when ``ok``; the failure's reason otherwise.
    :ivar complete: whether the probe was also asked for pip's cache dir (its slow part).
    """

    ok: bool
    answer: str
    complete: bool = False


class ProbeCache:
    """Probe answers stored as JSON files in ``root`` (created on first write).

    :param root: the directory; :func:`user_cache_dir` ``/ "probes"`` by default.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str, *, cwd: str, timeout: float) -> Optional[CachedProbe]:
        """The stored outcome for ``key`` if it is still valid, else ``None``.

        :param cwd: the current directory: an answer that depends on it (a relative cache dir)
            is valid only there.
        :param timeout: the timeout a new probe would get: a failure stored under a shorter one
            is not trusted.
        """
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            if _still_valid(data, cwd=cwd, timeout=timeout):
                return CachedProbe(data["ok"], data["answer"], data.get("complete") is True)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # absent or corrupt
            pass
        return None

    def store(  # noqa: PLR0913 - keyword-only details of one record
        self,
        key: str,
        outcome: CachedProbe,
        *,
        path: Path,
        timeout: float,
        stamped: Iterable[str] = (),
        cwd: Optional[str] = None,
    ) -> None:
        """Write ``outcome`` for ``key`` atomically; a cache that cannot be written is skipped.

        :param path: the interpreter (kept in the file for people reading it).
        :param timeout: the timeout the probe ran under.
        :param stamped: paths whose current stamps must still match when the entry is read.
        :param cwd: set when the answer is valid only in this working directory.
        """
        stamps: Dict[str, Stamp] = {name: stamp(name) for name in stamped}
        record = {
            "format": _FORMAT,
            "path": os.fspath(path),
            "ok": outcome.ok,
            "answer": outcome.answer,
            "complete": outcome.complete,
            "timeout": timeout,
            "created": time.time(),
            "cwd": cwd,
            "stamps": stamps,
        }
        text = json.dumps(record, indent=1, sort_keys=True)
        try:
            _fs.write_atomically(self._file(key), text, errors="surrogateescape")
        except OSError as exc:
            logger.debug("cannot store the probe of %s in %s: %s", path, self.root, exc)

    def prune(self, max_age: float = MAX_AGE) -> int:
        """Delete the answers (and leftover temporary files) written over ``max_age`` s ago.

        :returns: how many files were deleted.
        """
        now = time.time()
        removed = 0
        try:
            with os.scandir(self.root) as entries:
                old = [
                    entry.path
                    for entry in entries
                    if entry.name.endswith(".json") and now - entry.stat().st_mtime > max_age
                ]
        except OSError:
            return 0
        for path in old:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
        return removed


def _still_valid(data: Dict[str, Any], *, cwd: str, timeout: float) -> bool:
    """Whether a stored record is well-formed and still describes the interpreter."""
    if data.get("format") != _FORMAT:
        return False
    if not isinstance(data["ok"], bool) or not isinstance(data["answer"], str):
        return False
    if data.get("cwd") is not None and data["cwd"] != cwd:
        return False
    if not data["ok"] and (
        float(data.get("timeout", 0)) < timeout
        or time.time() - float(data.get("created", 0)) > FAILURE_TTL
    ):
        return False
    stamps: Dict[str, Stamp] = data.get("stamps") or {}
    for path, recorded in stamps.items():
        if stamp(path) != recorded:
            logger.debug("a stored probe of %s is stale: %s changed", data.get("path"), path)
            return False
    return True
