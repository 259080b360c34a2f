"""Every account's pip cache: ``survey(all_users=True)`` and ``--user NAME``.

Each account of the password database with a home directory has a default cache dir by its
own rules: ``~/.cache/pip`` (the account's environment is unknown, so ``XDG_CACHE_HOME`` is not
assumed), or the ``cache-dir`` of its readable user config file (``~/.pip/pip.conf``,
``~/.config/pip/pip.conf``) or of the global ones (:func:`~pipcache_ext._locrules.rules_location`).
Each dir is measured in-process, exactly, with its owner and a state: ``"ok"``, ``"not
readable"`` (it exists, or a directory on its way cannot be passed, and this process cannot
read it) or ``"absent"``. Under ``sudo`` the account in ``SUDO_USER`` is marked as such next to
root's. ``survey --cache-dir``/``--user`` add the one dir named (:func:`named_report`).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ._locrules import explicit_location, owner_name, rules_location
from ._native import native_info
from ._parallel import parallel_map
from ._parsers.probe import PipCacheDirAnswer
from ._probing.location import location_error
from .errors import CacheDisabledError, PipCacheError
from .models import CacheLocation, CacheReport, Interpreter

__all__ = ["account_location", "account_reports", "annotate", "merge_accounts", "named_report"]


def _accounts() -> List[Tuple[str, str]]:
    """``(name, home)`` of every account whose home is an existing directory, as listed."""
    try:
        import pwd  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows has no password database
        return []
    return [
        (entry.pw_name, entry.pw_dir)
        for entry in pwd.getpwall()
        if entry.pw_dir and Path(entry.pw_dir).is_absolute() and _may_be_a_dir(entry.pw_dir)
    ]


def _may_be_a_dir(home: str) -> bool:
    """``home`` is a directory, or a dir on the way cannot be passed (it may well be one).

    ``Path.is_dir`` raises ``PermissionError`` below Python 3.12 for a home under a 0700 dir:
    such an account is listed, its cache "not readable", never a crash of the whole survey.
    """
    try:
        return stat.S_ISDIR(Path(home).stat().st_mode)
    except PermissionError:
        return True
    except OSError:  # missing, not a dir, a link loop
        return False


def account_location(name: str, *, sudo_user: Optional[str] = None) -> CacheLocation:
    """Account ``name``'s default cache dir, by its own rules (``--user NAME``).

    :raises PipCacheError: there is no such account.
    """
    try:
        import pwd  # noqa: PLC0415 - POSIX only

        home = pwd.getpwnam(name).pw_dir
    except (ImportError, KeyError) as exc:
        raise PipCacheError(f"no account named {name!r} in the password database") from exc
    return _location(name, home, sudo_user)


def _location(name: str, home: str, sudo_user: Optional[str]) -> CacheLocation:
    location = rules_location({}, home=home, cwd=home, user=name)
    return dataclasses.replace(location, sudo_user=name == sudo_user)


def _state(cache_dir: Path) -> str:
    try:
        os.lstat(cache_dir)
    except (FileNotFoundError, NotADirectoryError):
        return "absent"
    except OSError:  # a dir on the way cannot be passed (a 0700 home): it may well be there
        return "not readable"
    try:
        with os.scandir(cache_dir):
            pass
    except OSError:
        return "not readable"
    return "ok"


def _report(locations: Tuple[CacheLocation, ...]) -> CacheReport:
    first = locations[0]
    cache_dir = first.cache_dir or first.would_use
    assert cache_dir is not None  # noqa: S101 - rules always name a dir
    state = _state(cache_dir)
    info = None
    if state == "ok":
        try:
            info = native_info(cache_dir, pip_version=None)
        except (PipCacheError, OSError):
            state = "not readable"
    # no error: "not readable" and "absent" are what there is to say, not failures of the survey
    owner = owner_name(cache_dir) if state != "absent" else None
    return CacheReport(cache_dir, (), info, None, locations, owner, state)


def named_report(
    cache_dir: Optional[Path] = None, user: Optional[str] = None, *, sudo_user: Optional[str] = None
) -> CacheReport:
    """The report of one dir named explicitly (``survey --cache-dir``) or of one account's.

    Measured in-process, exactly, with its owner and state, as an account's in a survey.

    :raises PipCacheError: there is no account named ``user``.
    """
    if user is not None:
        location = account_location(user, sudo_user=sudo_user)
    else:
        assert cache_dir is not None  # noqa: S101 - one of the two is named
        location = explicit_location(cache_dir, os.fspath(Path.cwd()))
    return _report((location,))


def account_reports(env: Optional[Mapping[str, str]] = None) -> List[CacheReport]:
    """One report per distinct default cache dir of the accounts that have a home.

    :param env: where ``SUDO_USER`` is read (default ``os.environ``).
    """
    sudo_user = dict(os.environ if env is None else env).get("SUDO_USER") or None
    grouped: Dict[Path, List[CacheLocation]] = {}
    for name, home in _accounts():
        location = _location(name, home, sudo_user)
        cache_dir = location.cache_dir or location.would_use
        if cache_dir is not None:
            grouped.setdefault(cache_dir, []).append(location)
    groups = [tuple(locations) for locations in grouped.values()]
    return parallel_map(_report, groups, workers=min(8, max(1, len(groups))))


def annotate(
    reports: Sequence[CacheReport],
    outcomes: Mapping[Interpreter, Union[PipCacheDirAnswer, PipCacheError]],
    *,
    all_users: bool = False,
    env: Optional[Mapping[str, str]] = None,
) -> List[CacheReport]:
    """A survey's reports with each interpreter's location, then (``all_users``) every account's.

    A row whose cache is disabled names the one setting that disabled it.
    """
    annotated: List[CacheReport] = []
    for report in reports:
        answers = [outcomes.get(i) for i in report.interpreters]
        locations = tuple(
            a.location for a in answers if isinstance(a, PipCacheDirAnswer) and a.location
        )
        error, answer = report.error, answers[0] if len(answers) == 1 else None
        stale = isinstance(error, CacheDisabledError) and error.location is None
        if stale and isinstance(answer, PipCacheDirAnswer):
            error = location_error(report.interpreters[0], answer)
        annotated.append(dataclasses.replace(report, locations=locations, error=error))
    return merge_accounts(annotated, account_reports(env)) if all_users else annotated


def merge_accounts(
    reports: Sequence[CacheReport], accounts: Sequence[CacheReport]
) -> List[CacheReport]:
    """The interpreters' reports with each account's cache: on their row when it is the same dir.

    An account's cache that no interpreter uses gets a row of its own, after the measured rows.
    """
    by_dir = {report.cache_dir: index for index, report in enumerate(reports) if report.info}
    merged = list(reports)
    extra: List[CacheReport] = []
    for account in accounts:
        index = by_dir.get(account.cache_dir)
        if index is None:
            extra.append(account)
            continue
        row = merged[index]
        merged[index] = dataclasses.replace(
            row,
            locations=tuple(dict.fromkeys(row.locations + account.locations)),  # each once
            owner=account.owner,
            state=account.state,
        )
    measured = [r for r in merged if r.info is not None]
    return measured + extra + [r for r in merged if r.info is None]
