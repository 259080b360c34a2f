"""Finding every Python interpreter on the machine, each probed once, in parallel, cached on disk.

The pipeline: every selected source (``providers/``, a tiny ABC and a plain dict registry, as
findpython does) yields candidate paths in a :class:`DiscoveryContext` (``context``); shims are
resolved, never run (``shims``); candidates that are one interpreter are grouped before probing
and merged after (``identity``); each group is probed once through :mod:`pipcache_ext._probing`,
whose answers are kept on disk (``probing``). The results are :class:`DiscoveryResult` and
:class:`DiscoveryFailure` (in :mod:`pipcache_ext.models`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .._parsers.probe import PipCacheDirAnswer
from .._pipversions import version_key
from ..models import DiscoveryFailure, DiscoveryResult, Interpreter
from .context import EXPLICIT, DiscoveryContext, env_pythons, is_dir
from .identity import Candidates, group_candidates
from .probing import assemble, probe_groups
from .providers import PROVIDERS, Provider, parse_py_launcher
from .shims import resolve_shim

__all__ = [
    "EXPLICIT",
    "PROVIDERS",
    "Discovered",
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


def __dir__() -> List[str]:
    return __all__


@dataclass(frozen=True)
class Discovered:
    """The full outcome: the public result, and each interpreter's pip cache dir when asked."""

    result: DiscoveryResult
    pip_cache: Mapping[Interpreter, PipCacheDirAnswer]


def _selected(sources: Optional[Iterable[str]]) -> List[str]:
    """The registry names of ``sources`` (``None``: all), in registry order."""
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
        path = Path(os.fspath(given))
        try:
            path = path.expanduser()
            path = ctx.cwd / path if not path.is_absolute() else path
            reason = _add_explicit(path, ctx, found)
        except (OSError, ValueError, RuntimeError) as exc:  # a NUL; "~" and no home to expand
            reason = f"cannot be read: {_in_words(exc)}"
        if reason is not None:
            failures.append(DiscoveryFailure(path, reason, (EXPLICIT,)))
    return found, failures


def _in_words(exc: Exception) -> str:
    """An error in words that do not change between Pythons.

    (3.13 says "embedded null character in path" where 3.8-3.12 say "embedded null byte".)
    """
    if isinstance(exc, ValueError) and "null" in str(exc):
        return "embedded null byte"
    return getattr(exc, "strerror", None) or str(exc)


def _add_explicit(path: Path, ctx: DiscoveryContext, found: List[Path]) -> Optional[str]:
    """Add the interpreters ``path`` stands for to ``found``; the reason when it is none."""
    if is_dir(path):
        pythons = env_pythons(path, ctx.platform)
        found.extend(pythons)
        if not pythons:
            return "a directory with no interpreter in it (no bin/python* or Scripts\\python.exe)"
        return None
    tool, target = resolve_shim(path, ctx)
    if tool is not None and target is None:
        return f"a {tool} shim that is not active here (shims are never run)"
    found.append(target if target is not None else path)
    return None


def _collect(
    ctx: DiscoveryContext, names: Sequence[str], extra: Iterable[Union[str, os.PathLike[str]]]
) -> Tuple[Candidates, List[DiscoveryFailure], List[str]]:
    """Run the providers: ``(candidates, failures, names of the providers that applied)``."""
    candidates = Candidates(ctx.cwd)
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
        except (OSError, ValueError) as exc:  # a provider that met what it did not expect
            filename = getattr(exc, "filename", None)
            where = Path(filename) if isinstance(filename, str) else Path(name)
            failures.append(DiscoveryFailure(where, f"{name}: {exc}", (name,)))
        if provider is not None:
            failures.extend(DiscoveryFailure(p, why, (name,)) for p, why in provider.problems)
    explicit, bad = _explicit(extra, ctx)
    failures.extend(bad)
    for path in explicit:
        candidates.add(path, EXPLICIT)
    return candidates, failures, applied


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
        ``probes/``; default :func:`~pipcache_ext._probing.store.user_cache_dir`.
    :param pip_cache: also ask each pip for its cache dir. That imports pip's command machinery
        in each interpreter (0.2-0.4 s of CPU each, against ~0.04 s for the rest of the probe),
        so only a survey of caches asks; its answers then also serve later plain discoveries.
    :raises ValueError: an unknown source name.
    """
    candidates, failures, applied = _collect(ctx, _selected(sources), extra_paths)
    groups, bad = group_candidates(candidates.found, ctx)
    failures.extend(bad)
    outcomes = probe_groups(
        groups, ctx, cache_root=cache_root, use_cache=use_cache, pip_cache=pip_cache
    )
    answers = assemble(groups, outcomes, failures, (*PROVIDERS, EXPLICIT))
    interpreters = sorted(
        answers, key=lambda i: (i.implementation, version_key(i.version), os.fspath(i.path))
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
