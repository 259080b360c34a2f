"""Other accounts' caches seen and touched by an account that is not root (run as root only).

The test makes accounts whose homes it writes, then runs the library in a child process as one
of them: another account's 0700 cache is ``"not readable"`` in ``survey(all_users=True)``, a
readable one is measured, and deleting in a cache of another account is refused with
:class:`UnsafeOperationError`, nothing deleted.

The homes are in a directory of their own under the system's temp dir, mode 0711: pytest keeps
its ``tmp_path`` under a 0700 directory that no other account can pass through (and puts it back
to 0700 when another session starts), so homes inside it could not be reached by the child at all.
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
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import packaging
import pytest
from _cachetree import Manifest, build_cache, snapshot
from cli._cli_helpers import cli_json

import pipcache_ext
from pipcache_ext import PipCache

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root: test accounts (useradd) and a child process run as one of them",
)

SOURCE = Path(pipcache_ext.__file__).resolve().parent.parent  # the package's own tree
ROOT_CACHE = Path(pwd.getpwuid(0).pw_dir) / ".cache" / "pip"  # listed by the survey: never touched

CHILD = """
import json, sys
sys.path[:0] = sys.argv[1].split(":")
import pipcache_ext
from pipcache_ext._cli import main
if sys.argv[2] == "all-users":  # the library's survey(all_users=True), as JSON
    rows = [
        {"cache_dir": str(r.cache_dir), "owner": r.owner, "state": r.state,
         "users": [l.user for l in r.locations],
         "wheel_count": r.info.wheel_count if r.info else None,
         "wheels_size": r.info.wheels_size if r.info else None}
        for r in pipcache_ext.survey([], all_users=True)
    ]
    print(json.dumps(rows))
else:
    sys.exit(main(sys.argv[2:]))
"""


class Account(NamedTuple):
    name: str
    uid: int
    gid: int
    home: Path


class Child(NamedTuple):
    """How to run the library as an account: its interpreter, its sys.path, its environment."""

    python: str
    path: str
    account: Account
    env: Dict[str, str]


def _stat_of(path: Path) -> Optional[Tuple[int, int, List[str]]]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_mode, sorted(os.listdir(path)))


@pytest.fixture
def homes() -> Iterator[Path]:
    """A 0711 directory for the accounts' homes, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="pipcache-ext-homes-"))
    root.chmod(0o711)
    before = _stat_of(ROOT_CACHE)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
        assert _stat_of(ROOT_CACHE) == before  # root's own cache: not made, not changed


@contextlib.contextmanager
def _account(homes: Path, tag: str) -> Iterator[Account]:
    """An account with a home of its own (0755, owned by it), deleted afterwards."""
    name = f"pipcache-ext-{tag}-{secrets.token_hex(3)}"
    home = homes / name
    home.mkdir()
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", str(home), name],
        check=True, timeout=60,
    )  # fmt: skip
    try:
        entry = pwd.getpwnam(name)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        yield Account(name, entry.pw_uid, entry.pw_gid, home)
    finally:
        subprocess.run(["userdel", name], check=False, timeout=60)


def _give(root: Path, account: Account) -> None:
    """Everything under ``root`` (and ``root``) now belongs to ``account``."""
    for base, dirs, files in os.walk(root):
        for entry in [base, *(os.path.join(base, n) for n in dirs + files)]:
            os.chown(entry, account.uid, account.gid, follow_symlinks=False)


def _demoted(account: Account) -> Dict[str, Any]:
    """``subprocess`` options that run the child as ``account``, without root's groups."""
    if sys.version_info >= (3, 9):
        return {"user": account.uid, "group": account.gid, "extra_groups": []}

    def demote() -> None:  # pragma: no cover - Python 3.8
        os.setgroups([])
        os.setgid(account.gid)
        os.setuid(account.uid)

    return {"preexec_fn": demote}


def _run(child: Child, *argv: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [child.python, "-I", "-c", CHILD, child.path, *argv],
        env=child.env, cwd=child.account.home, capture_output=True, text=True, timeout=120,
        check=False, **_demoted(child.account),
    )  # fmt: skip


@pytest.fixture
def runner(homes: Path, isolated_env: Dict[str, str]) -> Iterator[Child]:
    """The account that runs the child, with copies of this package and ``packaging``.

    Copies, because the checkout may be where the account cannot read (a ``mktemp -d``).
    """
    lib = homes / "lib"
    shutil.copytree(Path(packaging.__file__).parent, lib / "packaging")
    shutil.copytree(SOURCE / "pipcache_ext", lib / "pipcache_ext")
    with _account(homes, "runner") as account:
        home = account.home
        env = {
            "HOME": str(home), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
            "PIP_CONFIG_FILE": os.devnull, "PYTHONDONTWRITEBYTECODE": "1",
        }  # fmt: skip
        path = str(lib)
        for python in dict.fromkeys([sys.executable, "/usr/bin/python3", shutil.which("python3")]):
            if python is None:
                continue
            child = Child(python, path, account, env)
            try:
                probe = _run(child, "--version")
            except PermissionError:  # under /root, say: not for this account
                continue
            if probe.returncode == 0:
                yield child
                return
        reason = f"no Python that {account.name} can run (tried {sys.executable}, python3)"
        if os.environ.get("PIPCACHE_EXT_STRICT"):  # as venv_or_fail: CI's strict mode fails
            pytest.fail(reason)
        pytest.skip(f"MISSING-PYTHON: {reason}")


def _cache_of(account: Account, *, mode: int) -> Manifest:
    manifest = build_cache(account.home / ".cache" / "pip")
    _give(account.home, account)
    manifest.cache_dir.chmod(mode)
    return manifest


def test_another_accounts_0700_cache_is_not_readable(runner: Child, homes: Path) -> None:
    with _account(homes, "closed") as closed, _account(homes, "open") as opened, _account(
        homes, "shut"
    ) as shut:
        hidden = _cache_of(closed, mode=0o700)
        shown = _cache_of(opened, mode=0o755)
        behind = _cache_of(shut, mode=0o755)
        shut.home.chmod(0o700)  # its cache cannot even be seen to exist
        locked = homes / "locked"
        locked.mkdir(mode=0o711)
        with _account(locked, "buried") as buried:
            locked.chmod(0o700)  # its home cannot even be stat'ed (Path.is_dir raised, < 3.12)
            before = snapshot(hidden.cache_dir)
            run = _run(runner, "all-users")
        assert run.returncode == 0, run.stderr
        rows = {row["cache_dir"]: row for row in json.loads(run.stdout)}

        row = rows[str(hidden.cache_dir)]
        assert (row["state"], row["owner"], row["users"]) == ("not readable", closed.name,
                                                              [closed.name])  # fmt: skip
        assert row["wheel_count"] is None
        row = rows[str(shown.cache_dir)]
        assert (row["state"], row["owner"], row["users"]) == ("ok", opened.name, [opened.name])
        assert (row["wheel_count"], row["wheels_size"]) == (shown.wheel_count, shown.wheels_size)
        row = rows[str(behind.cache_dir)]
        assert (row["state"], row["owner"], row["users"]) == ("not readable", None, [shut.name])
        row = rows[str(buried.home / ".cache" / "pip")]
        assert (row["state"], row["owner"], row["users"]) == ("not readable", None, [buried.name])
        row = rows[str(runner.account.home / ".cache" / "pip")]  # its own: none yet
        assert (row["state"], row["users"]) == ("absent", [runner.account.name])

        run = _run(runner, "survey", "--all-users", "--python", runner.python)
        line = next(ln for ln in run.stdout.splitlines() if ln.startswith(str(hidden.cache_dir)))
        assert line.split()[1:3] == ["not", "readable"]
        assert f"default cache of: {closed.name}; owner: {closed.name}" in run.stdout
        assert snapshot(hidden.cache_dir) == before


def test_survey_user_measures_that_accounts_cache(
    homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _account(homes, "named") as named:
        theirs = _cache_of(named, mode=0o700)
        document = cli_json(capsys, "survey", "--python", sys.executable, "--user", named.name)
        (row,) = [e for e in document["results"] if e["cache_dir"] == str(theirs.cache_dir)]
        assert (row["state"], row["owner"], row["interpreters"]) == ("ok", named.name, [])
        assert [loc["user"] for loc in row["locations"]] == [named.name]
        assert (row["info"]["wheel_count"], row["info"]["wheels_size"]) == (
            theirs.wheel_count, theirs.wheels_size,
        )  # fmt: skip


@pytest.mark.parametrize(
    "verb",
    [
        ["purge", "-y"],
        ["purge", "--dry-run"],
        ["remove", "six"],
        ["clean", "six"],
        ["prune", "--max-size", "0"],
    ],
    ids=" ".join,
)
def test_deleting_in_another_accounts_cache_is_refused(
    runner: Child, homes: Path, verb: List[str]
) -> None:
    canary = homes / "canary.whl"
    canary.write_bytes(b"keep")
    canary.chmod(0o666)
    with _account(homes, "owner") as owner:
        theirs = _cache_of(owner, mode=0o755)
        _age(theirs.cache_dir)
        # its areas writable by anyone: only the refusal keeps the child from deleting in them
        for area in ("wheels", "http", "http-v2"):
            for base, dirs, _files in os.walk(theirs.cache_dir / area):
                for entry in [base, *(os.path.join(base, d) for d in dirs)]:
                    os.chmod(entry, 0o777)  # noqa: S103 - the point of the test
        before = snapshot(theirs.cache_dir)
        named = str(theirs.cache_dir)
        for where in (["--cache-dir", named], ["--user", owner.name]):
            run = _run(runner, "--json", *verb, *where)
            assert snapshot(theirs.cache_dir) == before, where
            assert run.returncode == 1, (where, run.stdout, run.stderr)
            (entry,) = json.loads(run.stdout)["results"]
            assert entry["error"]["type"] == "UnsafeOperationError", where
            message = entry["error"]["message"]
            assert f"Refusing to clean {named}: " in message, message
            assert f"is not writable for uid {runner.account.uid}" in message
            assert message.endswith("only its owner or root can."), message
            assert f"Refusing to clean {named}" in run.stderr
        assert canary.read_bytes() == b"keep"


def _age(root: Path) -> None:
    """Every file a day old: no deletion spares it as just written."""
    when = time.time() - 86400
    for base, _dirs, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(base, name), (when, when))


@pytest.mark.parametrize("method", ["prune", "remove_project"])
def test_as_root_an_in_process_deletion_says_pips_check_fails(homes: Path, method: str) -> None:
    with _account(homes, "theirs") as owner:
        theirs = _cache_of(owner, mode=0o755)
        _age(theirs.cache_dir)
        cache = PipCache(cache_dir=theirs.cache_dir, backend="native")
        result = cache.prune(max_size=0) if method == "prune" else cache.remove_project("six")
        assert not any(p.exists() for p in theirs.wheels["six-1.16.0-py2.py3-none-any.whl"])
        assert any("ownership check fails" in warning for warning in result.warnings)
