"""A cache dir named directly (``cache_dir=``, ``--cache-dir``, ``--user``); other accounts' caches.

Caches are written by the tests (``_cachetree``); a second cache in ``PIP_CACHE_DIR`` proves the
named one is used, and canaries outside both must survive every deletion.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple

import pytest
from _cachetree import Manifest, build_cache, files_under
from cli._cli_helpers import cli, cli_json
from conftest import venv_or_fail

from pipcache_ext import (
    CacheDisabledError,
    CacheReport,
    PipCache,
    PipCacheError,
    UnsafeOperationError,
    survey,
)

TEST_USER = "pipcache-ext-test"


class TwoCaches(NamedTuple):
    named: Manifest
    other: Manifest
    canary: Path


@pytest.fixture
def two_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TwoCaches:
    """A named cache, another one in ``PIP_CACHE_DIR``, and a canary next to them."""
    named = build_cache(tmp_path / "named")
    other = build_cache(tmp_path / "other")
    canary = tmp_path / "canary.whl"
    canary.write_bytes(b"keep")
    monkeypatch.setenv("PIP_CACHE_DIR", str(other.cache_dir))
    return TwoCaches(named, other, canary)


@pytest.mark.realpip
@pytest.mark.parametrize(("pip", "minor"), [("9.0.3", "3.6"), ("26.3", "3.12")])
def test_cache_dir_on_every_verb(
    capsys: pytest.CaptureFixture[str], two_caches: TwoCaches, pip: str, minor: str
) -> None:
    named, other = two_caches.named, two_caches.other
    python = venv_or_fail(pip, minor)
    where = ["--cache-dir", named.cache_dir, "--python", python]
    root = named.cache_dir.resolve()

    assert cli(capsys, "dir", *where).out == f"{root}\n"
    document = cli_json(capsys, "info", *where)
    (entry,) = document["results"]
    assert entry["info"]["cache_dir"] == str(root)
    assert entry["info"]["wheel_count"] == named.wheel_count
    assert entry["location"]["source"] == "option"
    assert entry["info"]["backend"] == ("native" if pip == "9.0.3" else "pip")
    listed = cli(capsys, "list", *where, "--format", "abspath").out.split()
    assert sorted(Path(p) for p in listed) == sorted(p.resolve() for p in named.wheel_paths)

    six = named.wheels["six-1.16.0-py2.py3-none-any.whl"]
    assert cli(capsys, "remove", "six", *where).code == 0
    assert not any(p.exists() for p in six)
    assert cli(capsys, "purge", "-y", *where).code == 0
    assert not any(p.exists() for p in named.wheel_paths)
    assert all(p.exists() for p in named.untouchable)
    assert files_under(other.cache_dir) == set(other.existing_files())
    assert two_caches.canary.exists()


def test_cache_dir_needs_no_interpreter_with_pip(tmp_path: Path) -> None:
    named = build_cache(tmp_path / "named")
    cache = PipCache(cache_dir=named.cache_dir, backend="native")
    assert cache.location().source == "option"
    assert cache.info().wheel_count == named.wheel_count
    result = cache.purge()
    assert result.backend == "native"
    assert not any(p.exists() for p in named.wheel_paths)


def test_a_named_dir_must_be_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_dir = tmp_path / "file"
    not_dir.write_text("x")
    with pytest.raises(PipCacheError, match="is not a directory"):
        PipCache(cache_dir=not_dir).dir()
    with pytest.raises(PipCacheError, match="does not exist"):
        PipCache(cache_dir=tmp_path / "nope").info()
    run = cli(capsys, "info", "--cache-dir", not_dir)
    assert run.code == 2
    assert "is not a directory" in run.err
    assert not_dir.read_text() == "x"


def test_the_purge_guards_hold_for_a_named_dir(isolated_env: Dict[str, str]) -> None:
    home = Path(isolated_env["HOME"])
    keep = home / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(UnsafeOperationError, match="home directory"):
        PipCache(cache_dir=home, backend="native").purge()
    assert keep.read_text() == "mine"


# -- another account's cache --------------------------------------------------------------------


def _root_only() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: another account's cache and a test account (useradd)")


def _uid(name: str) -> int:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name).pw_uid
    subprocess.run(["useradd", "--system", "--no-create-home", name], check=True, timeout=60)
    return pwd.getpwnam(name).pw_uid


def _chown_tree(root: Path, uid: int) -> None:
    os.chown(root, uid, -1)
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(base, name), uid, -1, follow_symlinks=False)


@pytest.mark.realpip
def test_another_accounts_cache_needs_it_named(
    tmp_path: Path, isolated_env: Dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _root_only()
    uid = _uid(TEST_USER)
    theirs = build_cache(tmp_path / "theirs")
    _chown_tree(theirs.cache_dir, uid)
    newest = venv_or_fail("26.3", "3.12")
    env = {**isolated_env, "PIP_CACHE_DIR": str(theirs.cache_dir)}

    with pytest.raises(CacheDisabledError) as info:  # pip's ownership check, reported
        PipCache(newest, env=env).purge()
    assert info.value.reason == "permissions"
    assert f"owned by {TEST_USER}" in str(info.value)
    assert f"cache_dir='{theirs.cache_dir.resolve()}'" in str(info.value)
    assert all(p.exists() for p in theirs.wheel_paths)

    cache = PipCache(newest, env=env, cache_dir=theirs.cache_dir)
    assert any("ownership check" in note for note in cache.location().notes)
    result = cache.purge()  # as root, in-process, and said so
    assert result.backend == "native"
    assert any("ownership check fails" in w for w in result.warnings)
    assert not any(p.exists() for p in theirs.wheel_paths)
    assert all(p.exists() for p in theirs.untouchable)


@contextlib.contextmanager
def _account(home: Path) -> Iterator[str]:
    """A system account whose home is ``home``, deleted afterwards."""
    name = f"pipcache-ext-h8-{secrets.token_hex(3)}"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", str(home), name],
        check=True, timeout=60,
    )  # fmt: skip
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, timeout=60)


def _row(reports: List[CacheReport], cache_dir: Path) -> CacheReport:
    (row,) = [r for r in reports if r.cache_dir == cache_dir.resolve()]
    return row


def test_all_users_sees_a_second_accounts_cache(
    tmp_path: Path,
    isolated_env: Dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _root_only()
    home = tmp_path / "acct"
    home.mkdir()
    with _account(home) as name:
        uid = pwd.getpwnam(name).pw_uid
        theirs = build_cache(home / ".cache" / "pip")
        _chown_tree(home, uid)
        env = {**isolated_env, "SUDO_USER": name}

        row = _row(survey([], all_users=True, env=env), theirs.cache_dir)
        assert (row.owner, row.state) == (name, "ok")
        assert row.info.wheel_count == theirs.wheel_count
        assert row.info.wheels_size == theirs.wheels_size
        assert row.info.exact
        (location,) = row.locations
        assert (location.user, location.source, location.sudo_user) == (name, "default", True)

        monkeypatch.setenv("SUDO_USER", name)
        run = cli(capsys, "survey", "--all-users", "--python", sys.executable)
        monkeypatch.delenv("SUDO_USER")
        assert str(theirs.cache_dir.resolve()) in run.out
        assert f"{name} (SUDO_USER); owner: {name}" in run.out

        elsewhere = home / "elsewhere"
        shutil.copytree(theirs.cache_dir, elsewhere)
        config = home / ".config" / "pip" / "pip.conf"
        config.parent.mkdir(parents=True)
        config.write_text("[global]\ncache-dir = ~/elsewhere\n")  # ~ is the account's home
        row = _row(survey([], all_users=True, env=isolated_env), elsewhere)
        (location,) = row.locations
        assert (location.source, location.config_file) == ("config", config)
        assert row.info.wheel_count == theirs.wheel_count

        document = cli_json(capsys, "info", "--user", name, "--backend", "native")
        (entry,) = document["results"]
        assert entry["info"]["cache_dir"] == str(elsewhere.resolve())
        assert entry["location"]["user"] == name
        assert cli(capsys, "purge", "-y", "--user", name).code == 0
        assert not any(elsewhere.rglob("*.whl"))
        assert all(p.exists() for p in theirs.wheel_paths)  # the default dir is another one
        assert json.loads(json.dumps(document))  # plain JSON
