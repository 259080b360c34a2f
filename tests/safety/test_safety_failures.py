"""Issue 8: files the plan could not delete are results: listed in ``failed``; the CLI exits 1.

One wheel entry of the cache is made undeletable three ways:

- ``read-only-dir``: the entry dir is mode 0555 and the purge runs without the privilege to
  ignore permission bits: as root, under ``setpriv`` with CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
  and CAP_FOWNER dropped (root ignores permission bits only through these capabilities, and a
  separate account could not even reach the venvs under /root); as another user, directly;
- ``immutable``: its wheel is ``chattr +i`` (needs root and a filesystem with the flag);
- ``read-only-mount``: the entry dir is bind-mounted read-only in a private mount namespace
  (``unshare --mount``), only for the process that purges.

Each purge runs in a child process, so that the restriction applies to it alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from _canaries import (
    PIPS,
    Scene,
    assert_outside_intact,
    assert_same_sets,
    build_scene,
    gone,
)
from conftest import venv_or_fail

pytestmark = pytest.mark.realpip

_CAPS = "-dac_override,-dac_read_search,-fowner"
_RO_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'

_UNLINK = """
import os, sys
try:
    os.unlink(sys.argv[1])
except OSError as e:
    print(e)
else:
    sys.exit(3)
"""

SCRIPT = """
import json, sys
from pipcache_ext import PipCache, PipCacheError
python, backend = sys.argv[1], sys.argv[2]
try:
    result = PipCache(python, backend=backend).purge()
except PipCacheError as exc:
    out = {"error": type(exc).__name__, "message": str(exc)}
else:
    deleted = getattr(result, "deleted", None)
    out = {
        "files_removed": result.files_removed,
        "failed": [str(p) for p in result.failed],
        "deleted": None if deleted is None else [str(p) for p in deleted],
        "warnings": list(result.warnings),
    }
print(json.dumps(out))
"""


@dataclass
class Lock:
    """How one entry of the cache was made undeletable."""

    prefix: List[str]  # the command prefix that runs a child under the restriction
    protected: List[Path]  # files that cannot be deleted
    undo: List[Callable[[], None]] = field(default_factory=list)


def _run(argv: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=180,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def _cannot_delete(prefix: List[str], path: Path, env: Dict[str, str]) -> tuple[bool, str]:
    """Whether a child under ``prefix`` fails to delete ``path`` (and why, if it could)."""
    proc = _run([*prefix, sys.executable, "-c", _UNLINK, str(path)], env)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def _probe(probe_dir: Path) -> Path:
    probe_dir.mkdir()
    probe = probe_dir / "probe"
    probe.write_text("probe")
    return probe


def _lock_read_only_dir(entry: Path, probe_dir: Path, env: Dict[str, str]) -> Lock:
    prefix: List[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores permission bits, and setpriv (util-linux) is missing")
        prefix = ["setpriv", f"--inh-caps={_CAPS}", f"--bounding-set={_CAPS}", "--"]
    probe = _probe(probe_dir)
    probe_dir.chmod(0o555)
    try:
        ok, why = _cannot_delete(prefix, probe, env)
    finally:
        probe_dir.chmod(0o755)
    if not ok:
        pytest.skip(f"a read-only directory does not stop this process: {why}")
    files = sorted(entry.iterdir())
    entry.chmod(0o555)
    return Lock(prefix, files, [lambda: entry.chmod(0o755)])


def _lock_immutable(entry: Path, probe_dir: Path, env: Dict[str, str]) -> Lock:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    probe = _probe(probe_dir)
    made = _run(["chattr", "+i", str(probe)], env)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
    _run(["chattr", "-i", str(probe)], env)
    (wheel,) = [p for p in entry.iterdir() if p.name.endswith(".whl")]
    assert _run(["chattr", "+i", str(wheel)], env).returncode == 0

    def thaw() -> None:
        _run(["chattr", "-i", str(wheel)], env)

    return Lock([], [wheel], [thaw])


def _lock_read_only_mount(entry: Path, probe_dir: Path, env: Dict[str, str]) -> Lock:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare/mount (util-linux) are not installed")
    unshare = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _RO_MOUNT]
    probe = _probe(probe_dir)
    ok, why = _cannot_delete([*unshare, str(probe_dir)], probe, env)
    if not ok:
        pytest.skip(f"a read-only bind mount in a private mount namespace is not possible: {why}")
    return Lock([*unshare, str(entry)], sorted(entry.iterdir()))


LOCKS: Dict[str, Callable[[Path, Path, Dict[str, str]], Lock]] = {
    "read-only-dir": _lock_read_only_dir,
    "immutable": _lock_immutable,
    "read-only-mount": _lock_read_only_mount,
}


@pytest.fixture(params=list(LOCKS))
def locked(
    request: pytest.FixtureRequest, tmp_path: Path, isolated_env: Dict[str, str]
) -> Iterator[tuple[Scene, Lock]]:
    scene = build_scene(tmp_path / "scene", Path(isolated_env["HOME"]), "plain")
    entry = scene.manifest.wheels["six-1.16.0-py2.py3-none-any.whl"][0].parent
    lock = LOCKS[str(request.param)](entry, tmp_path / "probe", scene.env(isolated_env))
    try:
        yield scene, lock
    finally:
        for undo in lock.undo:
            undo()


def _venv() -> Path:
    return venv_or_fail("26.3", PIPS["26.3"])


def test_undeletable_files_are_listed_in_failed(
    locked: tuple[Scene, Lock], isolated_env: Dict[str, str]
) -> None:
    """native purge: no exception; the undeletable files are in ``failed``; every path in
    ``failed`` is still there; ``deleted`` is exactly what disappeared; the rest went."""
    scene, lock = locked
    before = scene.state()
    argv = [*lock.prefix, sys.executable, "-c", SCRIPT, str(_venv()), "native"]
    proc = _run(argv, scene.env(isolated_env))
    after = scene.state()
    assert_outside_intact(scene, before, after)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: Dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in out, out
    failed = scene.norms(out["failed"])
    for path in lock.protected:
        assert str(path) in after, f"{path} was deleted although it was protected"
        assert str(path) in failed, f"{path} is still there but not in failed: {out['failed']}"
    still = failed - set(after)
    assert not still, f"listed in failed but gone: {sorted(still)}"
    assert out["deleted"] is not None, "RemovalResult has no 'deleted'"
    assert_same_sets("deleted vs disappeared", scene.norms(out["deleted"]), gone(before, after))
    protected = {str(p) for p in lock.protected}
    for path in scene.manifest.wheel_paths:
        if str(path) not in protected:
            assert str(path) not in after, f"{path} should have been purged"


@pytest.mark.parametrize("backend", ["native", "auto"])
def test_cli_exits_1_when_files_remain(
    locked: tuple[Scene, Lock], isolated_env: Dict[str, str], backend: str
) -> None:
    """``purge --yes --json``: exit 1 when files the plan meant to delete remain; with the
    native backend the JSON lists them in ``failed``."""
    scene, lock = locked
    before = scene.state()
    argv = [*lock.prefix, sys.executable, "-m", "pipcache_ext", "purge", "--yes", "--json"]
    argv += ["--backend", backend, "--python", str(_venv())]
    proc = _run(argv, scene.env(isolated_env))
    after = scene.state()
    assert_outside_intact(scene, before, after)
    for path in lock.protected:
        assert str(path) in after, f"{path} was deleted although it was protected"
    output = f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-2000:]}"
    assert proc.returncode == 1, f"exit {proc.returncode}\n{output}"
    if backend == "native":
        document = json.loads(proc.stdout)
        removals = [entry.get("removal") or {} for entry in document["results"]]
        failed = {path for removal in removals for path in removal.get("failed", [])}
        missing = {str(p) for p in lock.protected} - scene.norms(failed)
        assert not missing, f"not in the JSON's failed: {sorted(missing)}"
