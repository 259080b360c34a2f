"""The one-shot functions accept what ``PipCache`` and the method they call accept.

The signature test reads ``PipCache``'s own signatures, so an option added there later and not
to its one-shot fails here; the forwarding test proves each option reaches its place; the real
run works on a cache the test wrote, named with ``cache_dir=``, through a real pip 26.3.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import pwd
import secrets
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Tuple

import pytest
from _cachetree import build_cache, files_under, within_rounding
from conftest import venv_or_fail

import pipcache_ext
from pipcache_ext import PipCache, _oneshots

# one-shot -> the PipCache method it calls
METHODS = {
    "cache_dir": "dir",
    "cache_info": "info",
    "cache_list": "list",
    "cache_remove": "remove",
    "cache_purge": "purge",
    "cache_list_http": "list_http",
    "cache_remove_project": "remove_project",
    "cache_prune": "prune",
    "cache_location": "location",
}
# where pip itself may delete (remove, purge): the only calls delete_timeout means anything to
PIP_DELETES = {"cache_remove", "cache_purge"}
# PipCache's options no one-shot offers: ``runner`` is for tests of PipCache itself
NOT_OFFERED = {"self", "runner"}


def _parameters(function: Callable[..., Any]) -> Dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


def _wanted(oneshot: str) -> Dict[str, inspect.Parameter]:
    """What the one-shot must accept: PipCache's options, then every one of its method's."""
    constructor = {
        name: parameter
        for name, parameter in _parameters(PipCache.__init__).items()
        if name not in NOT_OFFERED and (name != "delete_timeout" or oneshot in PIP_DELETES)
    }
    method = _parameters(getattr(PipCache, METHODS[oneshot]))
    del method["self"]
    return {**constructor, **method}


def test_every_oneshot_is_covered() -> None:
    assert set(_oneshots.__all__) == set(METHODS)
    for name in METHODS:
        assert getattr(pipcache_ext, name) is getattr(_oneshots, name)


@pytest.mark.parametrize("oneshot", sorted(METHODS))
def test_a_oneshot_takes_every_option_of_pipcache_and_its_method(oneshot: str) -> None:
    offered = _parameters(getattr(_oneshots, oneshot))
    for name, wanted in _wanted(oneshot).items():
        assert name in offered, f"{oneshot}() lacks {name}= (PipCache or .{METHODS[oneshot]}())"
        given = offered[name]
        assert given.kind not in (given.VAR_POSITIONAL, given.VAR_KEYWORD)
        assert given.default == wanted.default, f"{oneshot}({name}=) has another default"
    extra = set(offered) - set(_wanted(oneshot))
    assert not extra, f"{oneshot}() takes {extra}, which neither PipCache nor its method has"


class _Recorder:
    """Stands in for PipCache: records what it was built with and what was called."""

    calls: ClassVar[List[Tuple[str, Dict[str, Any]]]] = []

    def __init__(self, python: object = None, **options: object) -> None:
        type(self).calls.append(("PipCache", {"python": python, **options}))

    def __getattr__(self, method: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            bound = inspect.signature(getattr(PipCache, method)).bind(self, *args, **kwargs)
            arguments = dict(bound.arguments)
            del arguments["self"]
            type(self).calls.append((method, arguments))
            return "answer"

        return call


@pytest.mark.parametrize("oneshot", sorted(METHODS))
def test_a_oneshot_passes_every_option_on(oneshot: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_oneshots, "PipCache", _Recorder)
    _Recorder.calls = []
    values = {name: f"<{name}>" for name in _parameters(getattr(_oneshots, oneshot))}
    assert getattr(_oneshots, oneshot)(**values) == "answer"
    (built, constructor), (called, arguments) = _Recorder.calls
    assert (built, called) == ("PipCache", METHODS[oneshot])
    for name, value in values.items():
        where = constructor if name in constructor else arguments
        assert where.get(name) == value, f"{oneshot}({name}=) does not reach {name}"
    method_options = set(_parameters(getattr(PipCache, METHODS[oneshot]))) - {"self"}
    assert set(arguments) == method_options  # every option of the method, passed explicitly


# -- a real run, on a cache named with cache_dir= ------------------------------------------------


def _age(paths: List[Path], seconds: float) -> None:
    when = time.time() - seconds
    for path in paths:
        os.utime(path, (when, when))


@pytest.mark.realpip
def test_oneshots_work_on_a_named_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = venv_or_fail("26.3", "3.12")
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")  # what pip would use without cache_dir=
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))
    canary = tmp_path / "canary.whl"
    canary.write_bytes(b"keep")
    other_files = files_under(other.cache_dir)
    where: Dict[str, Any] = {"python": python, "cache_dir": named.cache_dir}
    root = named.cache_dir.resolve()

    location = pipcache_ext.cache_location(**where)
    assert (location.cache_dir, location.source) == (root, "option")
    assert pipcache_ext.cache_dir(**where) == root
    info = pipcache_ext.cache_info(**where)
    assert (info.cache_dir, info.backend, info.wheel_count) == (root, "pip", named.wheel_count)
    assert within_rounding(info.wheels_size, named.wheels_size)
    listed = pipcache_ext.cache_list(**where)
    assert sorted(w.path for w in listed) == sorted(p.resolve() for p in named.wheel_paths)
    entries = pipcache_ext.cache_list_http(**where)
    written = {p.resolve() for p in {**named.http_v1, **named.http_v2}}
    assert {f for e in entries for f in e.files} == written

    # prune by age: only the entry the test made old goes (every file an hour old, or older)
    _age(list(files_under(named.cache_dir)), 3600)
    (old,) = named.wheels["six-1.17.0-py2.py3-none-any.whl"]
    _age([old, old.with_name("origin.json")], 40 * 86400)
    pruned = pipcache_ext.cache_prune(**where, older_than=timedelta(days=30), verify=True)
    assert not old.exists()
    assert all(p.exists() for p in named.wheel_paths if p != old)
    assert pruned.remaining is not None
    assert pruned.remaining.wheel_count == named.wheel_count - 1

    (termcolor,) = named.wheels["termcolor-1.1.0-py3-none-any.whl"]
    # pip's own remove (it cannot spare recent entries: the default deletes in-process)
    removed = pipcache_ext.cache_remove(
        "termcolor", **where, delete_timeout=120, spare_recent=False
    )
    assert removed.backend == "pip"
    assert not termcolor.exists()
    (zope,) = named.wheels["zope.interface-5.0-cp311-cp311-linux_x86_64.whl"]
    cleaned = pipcache_ext.cache_remove_project("zope.interface", **where, verify=True)
    assert not zope.exists()
    kept = [p for p in named.wheel_paths if p.exists()]
    assert len(kept) == named.wheel_count - 3
    assert cleaned.remaining is not None
    assert cleaned.remaining.wheel_count == len(kept)

    purged = pipcache_ext.cache_purge(**where, everything=True, verify=True, wait=False)
    assert not any(p.exists() for p in named.wheel_paths)
    assert not any(p.exists() for p in written)
    assert purged.remaining is not None
    assert (purged.remaining.wheel_count, purged.remaining.http_files) == (0, 0)
    assert all(p.exists() for p in named.untouchable)
    assert files_under(other.cache_dir) == other_files
    assert canary.read_bytes() == b"keep"


@contextlib.contextmanager
def _account(home: Path) -> Iterator[str]:
    """A system account whose home is ``home``, deleted afterwards."""
    name = f"pipcache-ext-o-{secrets.token_hex(3)}"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", str(home), name],
        check=True, timeout=60,
    )  # fmt: skip
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, timeout=60)


def test_oneshots_take_an_account(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: a test account (useradd)")
    home = tmp_path / "acct"
    theirs = build_cache(home / ".cache" / "pip")
    with _account(home) as name:
        uid = pwd.getpwnam(name).pw_uid
        for base, dirs, files in os.walk(home):
            for entry in [base, *(os.path.join(base, n) for n in dirs + files)]:
                os.chown(entry, uid, -1, follow_symlinks=False)
        root = theirs.cache_dir.resolve()
        location = pipcache_ext.cache_location(user=name)
        assert (location.cache_dir, location.user, location.source) == (root, name, "default")
        info = pipcache_ext.cache_info(user=name, backend="native")
        assert (info.cache_dir, info.wheel_count) == (root, theirs.wheel_count)
        assert info.wheels_size == theirs.wheels_size
        (six,) = theirs.wheels["six-1.17.0-py2.py3-none-any.whl"]
        pipcache_ext.cache_remove("six-1.17.0", user=name, backend="native")
        assert not six.exists()
        assert sum(p.exists() for p in theirs.wheel_paths) == theirs.wheel_count - 1
