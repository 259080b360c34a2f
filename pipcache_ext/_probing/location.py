"""Why an interpreter's pip uses its cache dir: pip's own configuration loader, asked inside it.

The probe's cache-dir mode (``_scripts.PROBE``) builds pip's command as pip would, lets its
loader read the environment and every config file (pip 10+'s ``Configuration``, file by file;
pip 8-9's ``baseparser`` files, each read as it reads them), and says which setting pip applied
last for ``cache-dir`` and for ``no-cache-dir``. Answers come through the probe service, so they
are kept in the disk cache like every cache-dir answer.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

from .._locrules import location_reason, owner_name
from .._parsers.probe import PipCacheDirAnswer
from .._pipcmd import not_owned
from .._runner import Runner, run
from ..errors import CacheDisabledError, PipCacheError, PipCommandError, Remedy
from ..models import CacheLocation, Interpreter
from . import cache_dir_error, probe_cache_dir

__all__ = ["answer_location", "disabled_error", "location_error", "probe_location"]


def answer_location(interpreter: Interpreter, answer: PipCacheDirAnswer) -> CacheLocation:
    """The location in a cache-dir answer; a disabled cache is a location too (``disabled``).

    :raises PipCacheError: the answer has none: no pip, pip failed, or the probe could not tell
        which setting chose the dir (:func:`location_error`'s error).
    """
    if answer.location is not None and answer.state in ("ok", "disabled", "not-owned"):
        return answer.location
    if answer.state in ("ok", "disabled", "not-owned"):
        raise PipCommandError(
            f"{interpreter.path}: pip {interpreter.pip_version} did not say which setting chose"
            " its cache dir",
            argv=(),
            returncode=0,
            stdout="",
            stderr=answer.detail or "",
            pip_version=interpreter.pip_version,
            interpreter=interpreter.path,
        )
    raise cache_dir_error(interpreter, answer)


def probe_location(
    interpreter: Interpreter,
    *,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    runner: Runner = run,
    use_cache: bool = True,
) -> CacheLocation:
    """Which cache dir ``interpreter``'s pip uses and why, for every pip 8-26.3.

    :raises InterpreterError: the interpreter cannot be run or did not answer.
    :raises PipCacheError: it has no pip, or its pip cannot tell (see :func:`answer_location`).
    """
    answer = probe_cache_dir(
        interpreter, env=env, timeout=timeout, runner=runner, use_cache=use_cache
    )
    return answer_location(interpreter, answer)


def disabled_error(
    location: CacheLocation, interpreter: Optional[Interpreter] = None
) -> CacheDisabledError:
    """The error for a disabled cache: the one setting that turned it off, and the way around.

    The message names the setting (``PIP_NO_CACHE_DIR=false``, ``no-cache-dir = true in FILE
    [global]`` or pip's ownership check) and the dir the cache would be in, which an explicit
    ``cache_dir=``/``--cache-dir`` inspects or cleans anyway.
    """
    where = interpreter.path if interpreter is not None else location.interpreter
    owner = (location.disabled_by or "").startswith("pip's ownership check")
    who = f" for {where}" if where is not None else ""
    if owner:
        whose = owner_name(location.would_use) if location.would_use else None
        message = (
            f"pip disabled the cache{who}: {location.would_use} or its parent is not owned by, or"
            f" not writable for, the current user{f' (it is owned by {whose})' if whose else ''}."
            " Fix its owner or permissions (under sudo, use sudo -H), or point PIP_CACHE_DIR"
            " elsewhere;"
        )
    else:
        why = location_reason(dataclasses.replace(location, disabled=False))
        message = (
            f"pip's cache is disabled{who} by its configuration:"
            f" {location.disabled_by or 'no-cache-dir'}; without it pip would use"
            f" {location.would_use} ({why});"
        )
    remedy = Remedy("cache-dir", str(location.would_use)) if location.would_use else None
    return CacheDisabledError(
        message,
        reason="permissions" if owner else "configuration",
        cache_dir=location.would_use,
        interpreter=where,
        location=location,
        remedy=remedy,
    )


def location_error(interpreter: Interpreter, answer: PipCacheDirAnswer) -> PipCacheError:
    """:func:`~pipcache_ext._probing.cache_dir_error`, with the location when the answer has one.

    A disabled cache then names its one setting, and how to clean it anyway.
    """
    if answer.location is not None and answer.state in ("disabled", "not-owned"):
        return disabled_error(answer.location, interpreter)
    if answer.state == "not-owned":
        return not_owned(interpreter.path, answer.cache_dir)
    return cache_dir_error(interpreter, answer)
