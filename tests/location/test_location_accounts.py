"""How accounts' caches join a survey's rows (no real pip, no account needed)."""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

import pytest
from cli._cli_helpers import cli

from pipcache_ext import CacheInfo, CacheLocation, CacheReport, Interpreter
from pipcache_ext._users import merge_accounts


def _info(cache_dir: Path) -> CacheInfo:
    return CacheInfo(cache_dir, cache_dir / "wheels", 0, 0, (), 0, 0, exact=True, backend="native",
                     pip_version=None)  # fmt: skip


def test_an_accounts_dir_joins_the_interpreters_row(tmp_path: Path) -> None:
    shared, own = tmp_path / "shared", tmp_path / "own"
    python = Interpreter(Path("/p"), Path("/p"), "3.12.1", "cpython", Path("/"), Path("/"),
                         is_venv=False, pip_version="26.3")  # fmt: skip
    row = CacheReport(shared, (python,), _info(shared), None, (CacheLocation(shared, "default"),))
    alice = CacheLocation(None, "default", would_use=shared, user="alice", answered_by="rules")
    bob = CacheLocation(own, "default", user="bob", answered_by="rules")
    accounts = [
        CacheReport(shared, (), None, None, (alice,), None, "absent"),
        CacheReport(own, (), _info(own), None, (bob,), "bob", "ok"),
    ]
    merged = merge_accounts([row], accounts)
    assert [r.cache_dir for r in merged] == [shared, own]
    assert merged[0].interpreters == (python,)
    assert merged[0].locations == (row.locations[0], alice)
    assert merged[0].info is row.info
    assert merged[1] is accounts[1]


def test_survey_all_users_keeps_an_interpreters_row_that_is_an_accounts_dir(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # this account's default dir (only read; absent on a clean machine): the row is shown
    mine = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip"
    monkeypatch.setenv("PIP_CACHE_DIR", str(mine))
    run = cli(capsys, "survey", "--all-users", "--python", sys.executable)
    assert run.code == 0
    assert f"{os.path.realpath(mine)} " in run.out
    assert "PIP_CACHE_DIR=" in run.out  # the WHY column
    assert f"default cache of: {pwd.getpwuid(os.getuid()).pw_name}" in run.out


def test_an_account_named_twice_is_listed_once(tmp_path: Path) -> None:
    own = tmp_path / "own"
    bob = CacheLocation(own, "default", user="bob", answered_by="rules")
    report = CacheReport(own, (), _info(own), None, (bob,), "bob", "ok")
    (merged,) = merge_accounts([report], [report])  # survey --all-users --user bob
    assert merged.locations == (bob,)
