"""Scenes for issue 8's deletion tests: a fixture cache, canary trees outside it, and links.

A :class:`Scene` is built under a test's ``tmp_path`` (resolved, so that no symlink hides in the
prefix) and the test's ``$HOME`` stand-in::

    <base>/parent-canary.txt                 the cache's grandparent holds a canary
    <base>/caches/                           the cache's parent: canaries, a tempting wheel name,
    <base>/caches/selfcheck.json               a selfcheck.json (pip 26.x deletes the cache's own)
    <base>/caches/sibling/...                a sibling that looks like a pip cache
    <base>/caches/pip/                       the cache (tests/_cachetree.build_cache)
    <base>/outside/...                       link targets
    $HOME/.bashrc, project/, Downloads/ ...  the home stand-in, with wheel-named files

Layouts: ``wheels-link``, ``http-link``, ``http-v2-link`` (that area moved to ``<base>/outside``
and a symlink left in its place), ``wheels-to-home`` (``wheels`` is a symlink to ``$HOME``, which
then also holds the cache's old wheels tree), ``cache-dir-link`` (``PIP_CACHE_DIR`` is a symlink
to the dedicated cache dir) and ``inner-links`` (symlinks to files and directories outside,
inside ``wheels/``, ``http/`` and ``http-v2/``); ``plain`` has no link.

States are maps ``{absolute path: entry}`` of everything under some roots, read with ``lstat``
and never following a link: ``("dir",)``, ``("file", bytes)``, ``("link", target)``. Tests
compare states before and after a call: what disappeared is what the call deleted.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Set, Tuple

from _aging import age_tree
from _cachetree import Manifest, build_cache, pip_pattern_matches

from pipcache_ext import Interpreter, PipCache, RemovalResult

Entry = Tuple[object, ...]
State = Dict[str, Entry]

AREA_LAYOUTS = ("wheels-link", "http-link", "http-v2-link", "wheels-to-home")
OTHER_LAYOUTS = ("cache-dir-link", "inner-links")
LAYOUTS = AREA_LAYOUTS + OTHER_LAYOUTS

# op name -> pattern (None: purge)
OPS: Dict[str, Optional[str]] = {"remove-nomatch": "nomatch", "remove-six": "six", "purge": None}

# The real pips of issue 8 and the Python each runs on.
PIPS: Dict[str, str] = {"26.3": "3.12", "23.3": "3.11", "23.2.1": "3.11", "20.1": "3.8"}

HOME_FILES: Dict[str, bytes] = {
    ".bashrc": b"export PATH=$HOME/bin:$PATH\n",
    ".profile": b"# profile\n",
    "project/src/main.py": b"print('hello')\n",
    "project/dist/six-1.16.0-py2.py3-none-any.whl": b"a wheel the user built",
    "Downloads/six-1.17.0-py3-none-any.whl": b"a downloaded wheel",
    "Downloads/notes.txt": b"notes",
    ".cache/other-tool/data.bin": b"\x00\x01",
}


def real(path: Path) -> Path:
    return Path(os.path.realpath(os.fspath(path)))


def inside(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or below it (both normalised absolute strings)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _own_cache() -> Optional[str]:
    """The library's own cache dir (probe answers, learnt HTTP entries): written by design."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.normpath(xdg) if xdg else None


def _add(result: State, path: str, own: Optional[str]) -> None:
    if own is not None and inside(path, own):
        return
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        result[path] = ("link", os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        result[path] = ("dir",)
    else:
        try:
            with open(path, "rb") as handle:
                result[path] = ("file", handle.read())
        except PermissionError:  # an unreadable file still counts as there
            result[path] = ("file", None)


def state(*roots: Path) -> State:
    """Everything under ``roots`` (the roots included), without following any link.

    The library's own cache dir (``$XDG_CACHE_HOME``, isolated per test) is left out: the
    library writes its probe answers there on purpose, and it is never pip's cache.
    """
    result: State = {}
    own = _own_cache()

    def add(path: str) -> None:
        _add(result, path, own)

    for root in roots:
        top = os.path.normpath(os.fspath(root))
        add(top)
        if os.path.islink(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                add(os.path.join(dirpath, name))
    return result


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def populate_home(home: Path) -> None:
    """Give the ``$HOME`` stand-in a user's files (idempotent)."""
    write_tree(home, HOME_FILES)
    (home / "emptydir").mkdir(exist_ok=True)


@dataclass
class Scene:
    """A cache with canaries around it; see the module docstring."""

    layout: str
    base: Path
    home: Path
    cache_dir: Path  # the real, resolved cache dir
    pip_cache_dir: Path  # what PIP_CACHE_DIR says (the link, for cache-dir-link)
    manifest: Manifest
    links: Dict[Path, Path] = field(default_factory=dict)  # every link made: link -> target
    area_link: Optional[Path] = None  # the symlinked wheels/http/http-v2, if any

    @property
    def roots(self) -> Tuple[Path, ...]:
        return (self.base, self.home)

    def env(self, isolated_env: Mapping[str, str]) -> Dict[str, str]:
        return {**isolated_env, "HOME": str(self.home), "PIP_CACHE_DIR": str(self.pip_cache_dir)}

    def state(self) -> State:
        return state(*self.roots)

    def norm(self, path: object) -> str:
        """A result's path as a normalised string; a path via the cache link is mapped onto
        the resolved cache dir."""
        text = os.path.normpath(os.fspath(path))  # type: ignore[call-overload]
        link = str(self.pip_cache_dir)
        if self.pip_cache_dir != self.cache_dir and inside(text, link):
            text = str(self.cache_dir) + text[len(link) :]
        return text

    def norms(self, paths: Iterable[object]) -> Set[str]:
        return {self.norm(p) for p in paths}


def build_scene(root: Path, home: Path, layout: str) -> Scene:
    """Build ``layout`` under ``root`` (a fresh directory) with ``home`` as ``$HOME``."""
    assert layout in LAYOUTS or layout == "plain", layout
    base = real(root)
    base.mkdir(parents=True, exist_ok=True)
    home = real(home)
    populate_home(home)
    caches = base / "caches"
    cache_dir = caches / "pip"
    manifest = build_cache(cache_dir)
    write_tree(base, {"parent-canary.txt": b"grandparent"})
    write_tree(
        caches,
        {
            "notes.txt": b"parent",
            "six-1.16.0-py2.py3-none-any.whl": b"a wheel next to the cache",
            "selfcheck.json": b"{}",
            "sibling/data.txt": b"sibling",
            "sibling/wheels/aa/bb/six-1.0-py3-none-any.whl": b"sibling wheel",
            "sibling/http-v2/a/b/c/d/e/0123": b"sibling http",
            "sibling/http/a/b/c/d/e/4567": b"sibling http v1",
        },
    )
    outside = base / "outside"
    write_tree(outside, {"unrelated/file.txt": b"outside"})
    scene = Scene(layout, base, home, cache_dir, cache_dir, manifest)

    def link(path: Path, target: Path, *, is_dir: bool) -> None:
        path.symlink_to(target, target_is_directory=is_dir)
        scene.links[path] = target

    if layout in ("wheels-link", "http-link", "http-v2-link"):
        area = layout[: -len("-link")]
        target = outside / f"{area}-target"
        shutil.move(str(cache_dir / area), str(target))
        link(cache_dir / area, target, is_dir=True)
        scene.area_link = cache_dir / area
    elif layout == "wheels-to-home":
        # the home holds the cache's wheels tree too: what pip would delete through the link
        shutil.move(str(cache_dir / "wheels"), str(home / "projects" / f"wheelhouse-{base.name}"))
        link(cache_dir / "wheels", home, is_dir=True)
        scene.area_link = cache_dir / "wheels"
    elif layout == "cache-dir-link":
        scene.pip_cache_dir = caches / "pip-link"
        link(scene.pip_cache_dir, cache_dir, is_dir=True)
    elif layout == "inner-links":
        inner = outside / "inner"
        write_tree(
            inner,
            {
                "six-9.9-py3-none-any.whl": b"linked wheel target",
                "dir/six-1.0-py3-none-any.whl": b"a wheel in a linked dir",
                "dir/file": b"a file in a linked dir",
                "http-file": b"linked http target",
            },
        )
        entry = manifest.wheel_paths[0].parent
        link(entry / "six-9.9-py3-none-any.whl", inner / "six-9.9-py3-none-any.whl", is_dir=False)
        link(entry / "dirlink", inner / "dir", is_dir=True)
        link(cache_dir / "wheels" / "de" / "ad" / "dirlink", inner / "dir", is_dir=True)
        link(cache_dir / "http" / "0" / "filelink", inner / "http-file", is_dir=False)
        link(cache_dir / "http-v2" / "f" / "e" / "dirlink", inner / "dir", is_dir=True)
    age_tree(base)  # the links too: not what a running pip may be using
    age_tree(home)
    return scene


# -- calls ---------------------------------------------------------------------------------------

_INTERPRETERS: Dict[str, Interpreter] = {}


def interpreter(venv: Path, env: Mapping[str, str]) -> Interpreter:
    """The venv's interpreter, probed once per session (the probe does not depend on the cache)."""
    key = os.fspath(venv)
    if key not in _INTERPRETERS:
        _INTERPRETERS[key] = PipCache(venv, env=env).interpreter
    return _INTERPRETERS[key]


def run_op(cache: PipCache, op: str, *, dry_run: bool, force: bool = False) -> RemovalResult:
    pattern = OPS[op]
    if pattern is None:
        return cache.purge(dry_run=dry_run, force=force)
    return cache.remove(pattern, dry_run=dry_run, force=force)


# -- checks --------------------------------------------------------------------------------------


def _show(paths: Iterable[str], limit: int = 12) -> str:
    items = sorted(paths)
    more = f" ... and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def changed_outside(before: State, after: State, cache_dir: Path) -> List[str]:
    """Entries outside the cache dir that disappeared or changed (or appeared)."""
    root = str(cache_dir)
    paths = {p for p in set(before) | set(after) if not inside(p, root)}
    return sorted(p for p in paths if before.get(p) != after.get(p))


def assert_outside_intact(scene: Scene, before: State, after: State) -> None:
    changed = changed_outside(before, after, scene.cache_dir)
    assert not changed, f"{len(changed)} paths outside the cache changed: {_show(changed)}"


def assert_unchanged(before: State, after: State) -> None:
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert not changed, f"{len(changed)} paths changed although nothing may be: {_show(changed)}"


def gone(before: State, after: State) -> Set[str]:
    return set(before) - set(after)


def assert_same_sets(name: str, got: Set[str], want: Set[str]) -> None:
    missing, extra = want - got, got - want
    message = f"{name}: {len(missing)} missing ({_show(missing)}); {len(extra)} extra"
    message += f" ({_show(extra)})"
    assert not missing, message
    assert not extra, message


def assert_dry_equals_real(
    scene: Scene,
    dry: RemovalResult,
    real_result: RemovalResult,
    before: State,
    after: State,
) -> None:
    """The dry run and the real run report exactly the paths that disappeared."""
    assert dry.dry_run is True
    assert real_result.dry_run is False
    disappeared = gone(before, after)
    assert tuple(real_result.failed) == (), f"failed: {real_result.failed}"
    assert tuple(dry.failed) == (), f"dry run failed: {dry.failed}"
    assert_same_sets("real.deleted vs disappeared", scene.norms(real_result.deleted), disappeared)
    assert_same_sets("dry.deleted vs disappeared", scene.norms(dry.deleted), disappeared)
    assert dry.files_removed == real_result.files_removed, (dry, real_result)
    removed = scene.norms(real_result.removed)
    assert_same_sets("dry.removed vs real.removed", scene.norms(dry.removed), removed)
    assert removed <= disappeared, _show(removed - disappeared)
    dirs = {p for p in removed if before[p][0] == "dir"}
    assert not dirs, f"'removed' lists directories: {_show(dirs)}"


def assert_manifest_outcome(scene: Scene, op: str, before: State, after: State) -> None:
    """Against the files the test wrote: the op's wheels (those in the real cache) went, pip's
    never-deleted files stayed."""
    pattern = OPS[op]
    for path in scene.manifest.wheel_paths:
        key = str(path)
        if key not in before:  # moved out with a symlinked wheels/
            continue
        goes = pattern is None or pip_pattern_matches(pattern, path.name)
        assert (key not in after) == goes, f"{op}: {key} {'kept' if goes else 'deleted'}"
    for path in scene.manifest.untouchable:
        assert str(path) in after, f"{op} deleted {path}, which no pip deletes"
