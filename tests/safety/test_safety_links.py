"""Issue 8: deletion never leaves the cache through a symlink, on any backend; dry run == real run.

Every test builds a :mod:`_canaries` scene (canaries in the cache's parent, a sibling, the
grandparent, ``$HOME`` and every link target), runs ``remove("nomatch")``, ``remove("six")`` or
``purge()``, and compares the files on disk before and after. The matrix is spread over
parameters instead of multiplied out, to stay fast; see each test's docstring for its share.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Sequence, Union

import pytest
from _canaries import (
    AREA_LAYOUTS,
    LAYOUTS,
    OPS,
    OTHER_LAYOUTS,
    PIPS,
    Scene,
    assert_dry_equals_real,
    assert_manifest_outcome,
    assert_outside_intact,
    assert_unchanged,
    build_scene,
    interpreter,
    run_op,
)
from conftest import venv_or_fail

from pipcache_ext import PipCache, PipCacheError, RemovalResult, UnsafeOperationError

pytestmark = pytest.mark.realpip

PIP_IDS = list(PIPS)
OP_IDS = list(OPS)


def _venv(pip: str) -> Path:
    return venv_or_fail(pip, PIPS[pip])


def _cache(scene: Scene, venv: Path, isolated_env: Dict[str, str], backend: str) -> PipCache:
    env = scene.env(isolated_env)
    return PipCache(interpreter(venv, env), env=env, backend=backend)  # type: ignore[arg-type]


def _call(
    cache: PipCache, op: str, *, dry_run: bool, force: bool = False
) -> Union[RemovalResult, PipCacheError]:
    try:
        return run_op(cache, op, dry_run=dry_run, force=force)
    except PipCacheError as exc:
        return exc


def _assert_refused(outcome: object, scene: Scene, what: str) -> None:
    """``outcome`` is the UnsafeOperationError naming the area link and its target."""
    assert isinstance(outcome, UnsafeOperationError), f"{what}: not refused, got {outcome!r}"
    link = scene.area_link
    assert link is not None
    target = scene.links[link]
    assert outcome.path is not None, f"{what}: no path in {outcome!r}"
    assert scene.norm(outcome.path) == str(link), outcome.path
    assert outcome.target is not None, f"{what}: no target in {outcome!r}"
    assert os.path.realpath(outcome.target) == str(target), outcome.target
    assert str(link) in str(outcome), str(outcome)
    assert str(target) in str(outcome), str(outcome)


def _assert_area_link_kept(scene: Scene, result: RemovalResult, *, warned: bool) -> None:
    """The symlinked area was skipped: still the same link (and, if ``warned``, named in a
    warning: the native backend's rules, pip 26.3's, reach every area on every op)."""
    link = scene.area_link
    assert link is not None
    assert os.path.islink(link), link
    assert os.readlink(link) == str(scene.links[link]), link
    if warned:
        assert any(str(link) in warning for warning in result.warnings), result.warnings


def _dry_then_real(
    scene: Scene, cache: PipCache, op: str, *, force: bool = False
) -> tuple[RemovalResult, RemovalResult, Dict[str, Any], Dict[str, Any]]:
    before = scene.state()
    dry = run_op(cache, op, dry_run=True, force=force)
    assert_unchanged(before, scene.state())
    real = run_op(cache, op, dry_run=False, force=force)
    after = scene.state()
    assert_outside_intact(scene, before, after)
    return dry, real, before, after


# -- pip backend ("auto" and "pip" are the same on pip 20.1+) -----------------------------------

# (layout, op, dry run): every area layout dry and real, every op dry and real; the backend
# alternates so that each of "auto" and "pip" meets every layout, dry and real.
REFUSALS = (
    ("wheels-link", "purge", False),
    ("wheels-link", "remove-six", True),
    ("http-link", "purge", True),
    ("http-link", "remove-nomatch", False),
    ("http-v2-link", "purge", False),
    ("http-v2-link", "remove-six", False),
    ("wheels-to-home", "purge", True),
    ("wheels-to-home", "remove-six", False),
    ("wheels-to-home", "remove-nomatch", True),
)

# The areas each op of these pips reads and deletes in, from pip's commands/cache.py (spec
# §2.6) and measured with a symlinked area before these tests were written: files behind the
# link were lost in exactly these cases. 26.x's cleanup pass walks every area on every op;
# before it, only the wheels are walked except by purge (http/ from 20.3, http-v2/ from 23.3).
TOUCHED: Dict[str, Dict[str, frozenset]] = {
    "26.3": {"remove": frozenset({"wheels", "http", "http-v2"}),
             "purge": frozenset({"wheels", "http", "http-v2"})},
    "23.3": {"remove": frozenset({"wheels"}), "purge": frozenset({"wheels", "http", "http-v2"})},
    "23.2.1": {"remove": frozenset({"wheels"}), "purge": frozenset({"wheels", "http"})},
    "20.1": {"remove": frozenset({"wheels"}), "purge": frozenset({"wheels"})},
}  # fmt: skip


def _touches(pip: str, op: str, layout: str) -> bool:
    area = "wheels" if layout == "wheels-to-home" else layout[: -len("-link")]
    return area in TOUCHED[pip]["purge" if op == "purge" else "remove"]


@pytest.mark.parametrize("pip", PIP_IDS)
def test_pip_backend_refuses_a_symlinked_area(
    tmp_path: Path, isolated_env: Dict[str, str], pip: str
) -> None:
    """Symlinked wheels/, http/, http-v2/ (to a canary dir, or to $HOME), backend "auto" and
    "pip": where the pip's op would walk the area, UnsafeOperationError naming the link and its
    target, dry or real, and nothing anywhere is deleted. Where it would not (e.g. pip 23.3's
    ``remove`` never reads http/), refusing is allowed but not required, and real pip deletes
    nothing behind the link: those calls are not made here."""
    venv = _venv(pip)
    scenes: Dict[str, Scene] = {}
    for k, (layout, op, dry_run) in enumerate(REFUSALS):
        if not _touches(pip, op, layout):
            continue
        backend = ("auto", "pip")[(k + k // 2) % 2]
        if layout not in scenes:
            scenes[layout] = build_scene(tmp_path / layout, Path(isolated_env["HOME"]), layout)
        scene = scenes[layout]
        before = scene.state()
        outcome = _call(_cache(scene, venv, isolated_env, backend), op, dry_run=dry_run)
        assert_unchanged(before, scene.state())
        _assert_refused(outcome, scene, f"{backend}: {layout} {op} {'dry' if dry_run else 'real'}")


FORCED_BACKENDS = ("auto", "pip", "native")


@pytest.mark.parametrize("layout", AREA_LAYOUTS)
@pytest.mark.parametrize("pip", PIP_IDS)
def test_forced_deletion_never_enters_a_symlinked_area(
    tmp_path: Path, isolated_env: Dict[str, str], pip: str, layout: str
) -> None:
    """force=True: the deletion goes ahead (natively) but never enters the link; its target's
    files survive, the link stays (native: named in a warning), and the dry run equals the
    real run.

    The backend and the op rotate over (pip, layout), so each pip meets every op and backend.
    """
    i, j = PIP_IDS.index(pip), AREA_LAYOUTS.index(layout)
    backend = FORCED_BACKENDS[(i + j) % 3]
    op = OP_IDS[(i + 2 * j) % 3]
    scene = build_scene(tmp_path / "scene", Path(isolated_env["HOME"]), layout)
    cache = _cache(scene, _venv(pip), isolated_env, backend)
    dry, real, before, after = _dry_then_real(scene, cache, op, force=True)
    _assert_area_link_kept(scene, real, warned=backend == "native")
    assert_dry_equals_real(scene, dry, real, before, after)
    assert_manifest_outcome(scene, op, before, after)


@pytest.mark.parametrize("layout", OTHER_LAYOUTS)
@pytest.mark.parametrize("pip", PIP_IDS)
def test_pip_backend_with_a_symlinked_cache_dir_or_inner_links(
    tmp_path: Path, isolated_env: Dict[str, str], pip: str, layout: str
) -> None:
    """A symlinked cache dir (PIP_CACHE_DIR -> the dedicated dir) and links inside the tree:
    pip runs, nothing outside the resolved cache dir changes (the cache link itself included),
    and the dry run equals the real run. purge, and one remove rotating over the pips."""
    i, j = PIP_IDS.index(pip), OTHER_LAYOUTS.index(layout)
    backend = ("auto", "pip")[(i + j) % 2]
    venv = _venv(pip)
    for op in ("purge", ("remove-six", "remove-nomatch")[i % 2]):
        scene = build_scene(tmp_path / op, Path(isolated_env["HOME"]), layout)
        cache = _cache(scene, venv, isolated_env, backend)
        dry, real, before, after = _dry_then_real(scene, cache, op)
        assert_dry_equals_real(scene, dry, real, before, after)
        assert_manifest_outcome(scene, op, before, after)


# -- native ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OP_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_native_never_follows_a_link(
    tmp_path: Path, isolated_env: Dict[str, str], layout: str, op: str
) -> None:
    """backend="native": a symlinked area is skipped with a warning, except one pointing at
    $HOME, which is refused (the home guard applies to link targets); links inside the tree are
    unlinked, their targets untouched; the dry run equals the real run."""
    scene = build_scene(tmp_path / "scene", Path(isolated_env["HOME"]), layout)
    cache = _cache(scene, _venv("26.3"), isolated_env, "native")
    if layout == "wheels-to-home":
        for dry_run in (True, False):
            before = scene.state()
            outcome = _call(cache, op, dry_run=dry_run)
            assert_unchanged(before, scene.state())
            _assert_refused(outcome, scene, f"native {op} dry={dry_run}")
        return
    dry, real, before, after = _dry_then_real(scene, cache, op)
    if scene.area_link is not None:
        _assert_area_link_kept(scene, real, warned=True)
    assert_dry_equals_real(scene, dry, real, before, after)
    assert_manifest_outcome(scene, op, before, after)
    if layout == "inner-links" and op == "purge":
        left = [str(p) for p in scene.links if str(p) in after]
        assert not left, f"the purge left these links in the cache: {left}"


# -- the command line ------------------------------------------------------------------------


def _cli(scene: Scene, isolated_env: Dict[str, str], venv: Path, *args: str) -> Any:
    argv = [sys.executable, "-m", "pipcache_ext", "purge", "--yes", "--json"]
    argv += [*args, "--python", str(venv)]
    return subprocess.run(
        argv,
        env=scene.env(isolated_env),
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _removals(document: Any) -> List[Dict[str, Any]]:
    """Every removal object in a JSON document (dicts with the RemovalResult fields)."""
    found: List[Dict[str, Any]] = []
    if isinstance(document, dict):
        if "files_removed" in document and "dry_run" in document:
            found.append(document)
        for value in document.values():
            found += _removals(value)
    elif isinstance(document, list):
        for value in document:
            found += _removals(value)
    return found


def _removal(proc: Any) -> SimpleNamespace:
    """The one removal of a CLI run, with the RemovalResult fields the checks read."""
    (removal,) = _removals(json.loads(proc.stdout))
    fields = {key: removal.get(key, ()) for key in ("deleted", "failed", "removed", "warnings")}
    return SimpleNamespace(
        **fields, files_removed=removal["files_removed"], dry_run=removal["dry_run"]
    )


def _check_code(proc: Any, expected: int, what: str) -> None:
    assert proc.returncode == expected, (
        f"{what}: exit {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
        f"\n--- stderr\n{proc.stderr[-3000:]}"
    )


def test_cli_refuses_a_symlinked_wheels_dir_then_force_keeps_its_target(
    tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    """``purge --yes`` (auto): exit 1 naming the link, dry or real, nothing deleted; with
    ``--force``: exit 0, the link's target intact, the dry run's deleted == the real run's."""
    scene = build_scene(tmp_path / "scene", Path(isolated_env["HOME"]), "wheels-link")
    venv = _venv("26.3")
    link = str(scene.area_link)
    for extra in ((), ("--dry-run",)):
        before = scene.state()
        proc = _cli(scene, isolated_env, venv, *extra)
        assert_unchanged(before, scene.state())
        _check_code(proc, 1, f"purge {' '.join(extra)}")
        assert link in proc.stdout + proc.stderr
    before = scene.state()
    proc_dry = _cli(scene, isolated_env, venv, "--dry-run", "--force")
    assert_unchanged(before, scene.state())
    proc_real = _cli(scene, isolated_env, venv, "--force")
    after = scene.state()
    assert_outside_intact(scene, before, after)
    _check_code(proc_dry, 0, "purge --dry-run --force")
    _check_code(proc_real, 0, "purge --force")
    dry, real = _removal(proc_dry), _removal(proc_real)
    assert_dry_equals_real(scene, dry, real, before, after)  # type: ignore[arg-type]
    assert_manifest_outcome(scene, "purge", before, after)


@pytest.mark.parametrize("backend", ["auto", "native"])
def test_cli_purges_through_a_symlinked_cache_dir(
    tmp_path: Path, isolated_env: Dict[str, str], backend: str
) -> None:
    """``purge --yes`` with PIP_CACHE_DIR a symlink: the resolved dir is cleaned, the link and
    everything else outside it survive, dry == real."""
    scene = build_scene(tmp_path / "scene", Path(isolated_env["HOME"]), "cache-dir-link")
    venv = _venv("26.3")
    args: Sequence[str] = ("--backend", backend)
    before = scene.state()
    proc_dry = _cli(scene, isolated_env, venv, "--dry-run", *args)
    assert_unchanged(before, scene.state())
    proc_real = _cli(scene, isolated_env, venv, *args)
    after = scene.state()
    assert_outside_intact(scene, before, after)
    _check_code(proc_dry, 0, "purge --dry-run")
    _check_code(proc_real, 0, "purge")
    dry, real = _removal(proc_dry), _removal(proc_real)
    assert_dry_equals_real(scene, dry, real, before, after)  # type: ignore[arg-type]
    assert_manifest_outcome(scene, "purge", before, after)
