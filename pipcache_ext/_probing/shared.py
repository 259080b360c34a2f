"""One cache-dir question for all the interpreters whose pip must give the same answer.

Asking a pip for its cache dir imports its command machinery: 0.1-0.25 s of CPU each, 6.5 s for
31 interpreters. What the answer depends on, and how interpreters that share it are found:

- pip's own code: its version. Interpreters are grouped by pip version, Python's major version
  and implementation, and whether the pip is a distribution's (under ``dist-packages``, which a
  distribution may patch) or not;
- the environment (``PIP_*``, ``XDG_*``, ``HOME``, the working directory): the same for every
  interpreter of one call;
- the configuration files: the user's and the machine's (the same for all, ``PIP_CONFIG_FILE``
  included, being in the environment), and the site file in ``sys.prefix``: an interpreter with
  a ``pip.conf``/``pip.ini`` of its own there is asked on its own;
- code that runs at start-up and could change the environment or the files pip reads: an
  interpreter with a ``sitecustomize`` or ``usercustomize`` anywhere on its ``sys.path`` (or in
  its user site) is asked on its own. ``.pth`` files are not looked into (one that sets pip's
  configuration would be a bad surprise anyway).

What groups interpreters is read from their plain probe answers, as discovery stored them;
without one, an interpreter is asked on its own. Each group's first interpreter is asked, the
newest pips first (so that a dir's newest user answers early); its answer is stored for every
member as that member's own answer, stamped by the member's own files, so later calls read it
from the disk cache. An error is not shared: each member of a group whose answer is an error is
asked on its own (a pip that cannot be imported by one Python may be by another).
"""

# Stamps and sys.path entries are str paths: os.path on str.
# ruff: noqa: PTH110, PTH118

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._parallel import parallel_map
from .._parsers.probe import PipCacheDirAnswer, answer_data
from .._pipversions import version_key
from ..errors import InterpreterError
from ..models import Interpreter
from . import _runnable, _stat
from .running import (
    _KEY_CODE,
    Settings,
    _serves,
    _store,
    _workers,
    read_cache_dir,
    run_probe,
)
from .store import CachedProbe, probe_key

__all__ = ["Outcome", "answer_group", "shared_outcomes"]

#: An interpreter's cache-dir answer, or why its probe failed.
Outcome = Union[PipCacheDirAnswer, InterpreterError]
#: Called after each answer, outside any lock: every outcome so far, and who is still asked.
OnAnswer = Callable[[Dict[Interpreter, Outcome], Sequence[Interpreter]], None]

_SITE_FILES = ("pip.conf", "pip.ini")
_HOOKS = ("sitecustomize", "usercustomize")


def _runs_hooks(entries: Sequence[str]) -> bool:
    """Whether a ``sitecustomize``/``usercustomize`` module is in one of ``entries``."""
    for entry in entries:
        for hook in _HOOKS:
            for name in (f"{hook}.py", f"{hook}.pyc", os.path.join(hook, "__init__.py")):
                if os.path.exists(os.path.join(entry, name)):
                    return True
    return False


def answer_group(
    interpreter: Interpreter, data: Mapping[str, Any]
) -> Optional[Tuple[str, str, str, bool]]:
    """What ``interpreter``'s cache-dir answer is decided by, when it is shared; else ``None``.

    :param data: its plain probe answer (``sys_path``, ``user_site``, ``prefix``).
    :returns: ``(pip version, implementation, Python major version, a distribution's pip)``;
        ``None`` without pip, with a site config file of its own or a start-up hook.
    """
    if interpreter.pip_version is None or interpreter.pip_location is None:
        return None
    prefix = data.get("prefix")
    if not isinstance(prefix, str):
        return None
    if any(os.path.exists(os.path.join(prefix, name)) for name in _SITE_FILES):
        return None
    entries = [e for e in data.get("sys_path") or () if isinstance(e, str) and e]
    if isinstance(data.get("user_site"), str):
        entries.append(data["user_site"])
    if _runs_hooks(entries):
        return None
    distribution = "dist-packages" in interpreter.pip_location.parts
    major = interpreter.version.split(".")[0]
    return (interpreter.pip_version, interpreter.implementation, major, distribution)


class _Asked:
    """One interpreter to ask: where it runs, its key in the disk cache, its plain answer."""

    def __init__(self, interpreter: Interpreter, path: Path, key: str,
                 plain: Optional[Dict[str, Any]]) -> None:  # fmt: skip
        self.interpreter = interpreter
        self.path = path
        self.key = key
        self.plain = plain


class _Survey:
    """The answers so far, filled from the workers' threads."""

    def __init__(self, settings: Settings, on_answer: Optional[OnAnswer]) -> None:
        self.settings = settings
        self.on_answer = on_answer
        self.lock = threading.Lock()
        self.results: Dict[Interpreter, Outcome] = {}
        self.pending: Dict[Interpreter, None] = {}  # ordered set

    def record(self, found: Dict[Interpreter, Outcome]) -> None:
        with self.lock:
            self.results.update(found)
            for interpreter in found:
                self.pending.pop(interpreter, None)
            snapshot, pending = dict(self.results), list(self.pending)
        if self.on_answer is not None:
            self.on_answer(snapshot, pending)

    def ask(self, asked: _Asked) -> Tuple[CachedProbe, Outcome]:
        """Probe one interpreter with the cache-dir question, and store its answer."""
        settings = self.settings
        outcome = run_probe(
            asked.path, env=settings.env, timeout=settings.timeout, runner=settings.runner,
            cache_dir=True,
        )  # fmt: skip
        if settings.store is not None and settings.write:
            _store(settings.store, asked.key, outcome, asked.path, settings)
        return outcome, _read(outcome, asked.interpreter)

    def share(self, leader: CachedProbe, member: _Asked) -> Optional[Outcome]:
        """The leader's answer as ``member``'s own (stored for it); ``None`` if not shareable."""
        data = answer_data(leader.answer) if leader.ok and leader.complete else None
        if data is None or member.plain is None:
            return None
        text = json.dumps({**member.plain, "pip_cache": data.get("pip_cache")})
        merged = CachedProbe(ok=True, answer=text, complete=True)
        answer = read_cache_dir(merged, member.interpreter)
        if answer is None or answer.state == "error":
            return None
        settings = self.settings
        if settings.store is not None and settings.write:
            _store(settings.store, member.key, merged, member.path, settings)
        return answer


def _read(outcome: CachedProbe, interpreter: Interpreter) -> Outcome:
    answer = read_cache_dir(outcome, interpreter)
    if answer is not None:
        return answer
    reason = outcome.answer if not outcome.ok else "answered with unreadable data"
    message = f"cannot ask the pip of {interpreter.path} for its cache dir: {reason}"
    return InterpreterError(message, interpreter=interpreter.path)


def _prepare(
    interpreters: Sequence[Interpreter], settings: Settings
) -> Tuple[Dict[Interpreter, Outcome], List[_Asked]]:
    """Answers read from the disk cache (or failures), and the interpreters left to ask."""
    known: Dict[Interpreter, Outcome] = {}
    left: List[_Asked] = []
    store = settings.store
    for interpreter in dict.fromkeys(interpreters):
        path = _runnable(interpreter)
        try:
            found = _stat(path)
        except InterpreterError as exc:
            known[interpreter] = exc
            continue
        if found is None:
            error = InterpreterError(f"{path}: no such interpreter", interpreter=interpreter.path)
            known[interpreter] = error
            continue
        key = probe_key(path, found, _KEY_CODE, settings.env)
        stored = None
        if store is not None:
            stored = store.load(key, cwd=settings.cwd, timeout=settings.timeout)
        if stored is not None and _serves(stored, complete=True):
            known[interpreter] = _read(stored, interpreter)
            continue
        plain = answer_data(stored.answer) if stored is not None and stored.ok else None
        left.append(_Asked(interpreter, path, key, plain))
    return known, left


def shared_outcomes(
    interpreters: Sequence[Interpreter],
    settings: Settings,
    *,
    on_answer: Optional[OnAnswer] = None,
) -> Dict[Interpreter, Outcome]:
    """Each interpreter's cache-dir answer, one question per group of equal answers.

    The same results as :func:`~pipcache_ext._probing.cache_dir_outcomes`, with fewer probes.

    :param on_answer: called (from a worker thread) after each answer: a caller can start work
        on a dir while other interpreters are still being asked.
    :returns: each interpreter once, in the given order.
    """
    known, left = _prepare(interpreters, settings)
    groups: Dict[object, List[_Asked]] = {}
    for asked in left:
        group = answer_group(asked.interpreter, asked.plain) if asked.plain else None
        groups.setdefault(group if group is not None else id(asked), []).append(asked)
    teams = sorted(
        groups.values(),
        key=lambda team: version_key(team[0].interpreter.pip_version or ""),
        reverse=True,  # the newest pips first: a dir's actor answers early
    )
    survey = _Survey(settings, on_answer)
    survey.results.update(known)
    survey.pending.update(dict.fromkeys(a.interpreter for a in left))
    alone: List[_Asked] = []
    alone_lock = threading.Lock()

    def ask_team(team: List[_Asked]) -> None:
        outcome, answer = survey.ask(team[0])
        found: Dict[Interpreter, Outcome] = {team[0].interpreter: answer}
        for member in team[1:]:
            shared = survey.share(outcome, member)
            if shared is None:
                with alone_lock:
                    alone.append(member)
            else:
                found[member.interpreter] = shared
        survey.record(found)

    def ask_alone(asked: _Asked) -> None:
        survey.record({asked.interpreter: survey.ask(asked)[1]})

    workers = _workers()
    parallel_map(ask_team, teams, workers=workers)
    parallel_map(ask_alone, alone, workers=workers)
    if left and settings.store is not None and settings.write:
        settings.store.prune()  # only when something was written: a warm run stays read-only
    return {i: survey.results[i] for i in dict.fromkeys(interpreters)}
