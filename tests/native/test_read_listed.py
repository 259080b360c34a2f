"""The read-only scan of a listing's workers (``_walk.readonly``) sees what the scan sees.

Each test builds a tree by hand and compares, directory by directory, what ``read_listed`` visits
with what ``read_subtree`` (the scan every plan uses) visits: the same directories in the same
order, the same files with the same sizes and link flags, the same warnings.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from pipcache_ext import _fs
from pipcache_ext._scan import DirNode, open_area, read_subtree
from pipcache_ext._walk.readonly import read_listed

Seen = Tuple[str, List[Tuple[str, int, bool]], List[str]]

posix_only = pytest.mark.skipif(os.name != "posix", reason="directory descriptors: POSIX")


def _read(
    cache: Path, reader: Callable[..., None], meddle: Callable[[DirNode], None] = lambda _n: None
) -> Tuple[List[Seen], List[str]]:
    """Every directory visited with files ``(path, [(name, size, is_link)], [dir links])``."""
    seen: List[Seen] = []
    warnings: List[str] = []

    def visit(node: DirNode, _handle: _fs.Handle) -> None:
        meddle(node)
        if node.files or node.dir_links:
            files = sorted((e.name, e.size, e.is_link) for e in node.files)
            seen.append((node.path, files, sorted(e.name for e in node.dir_links)))

    root = _fs.open_root(str(cache))
    try:
        opened = open_area(root, str(cache), "http-v2", warnings)
        assert opened is not None
        top, handle = opened
        assert handle is not None
        try:
            for shard in top.children:
                reader(handle, shard, warnings, visit)
        finally:
            _fs.close(handle)
    finally:
        _fs.close(root)
    return seen, warnings


def _tree(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    area = cache / "http-v2"
    (area / "a" / "b" / "c").mkdir(parents=True)
    (area / "a" / "b" / "c" / "k1").write_bytes(b"x" * 10)
    (area / "a" / "b" / "c" / "k1.body").write_bytes(b"y" * 300)
    (area / "a" / "top-file").write_bytes(b"z" * 7)
    (area / "a" / "empty" / "deeper").mkdir(parents=True)
    (area / "d" / "e").mkdir(parents=True)
    (area / "d" / "e" / "k2").write_bytes(b"w" * 3)
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "secret").write_bytes(b"s" * 99)
    (area / "d" / "e" / "to-file").symlink_to(outside / "sub" / "secret")
    (area / "d" / "e" / "to-dir").symlink_to(outside / "sub")
    (area / "d" / "e" / "broken").symlink_to(tmp_path / "nowhere")
    (area / "f").mkdir()
    return cache


@posix_only
def test_it_visits_the_scans_directories_files_and_links(tmp_path: Path) -> None:
    cache = _tree(tmp_path)
    area = cache / "http-v2"
    fast = _read(cache, read_listed)
    assert fast == _read(cache, read_subtree)
    seen, warnings = fast
    assert warnings == []
    by_path = {path: (files, links) for path, files, links in seen}
    assert by_path == {
        str(area / "a"): ([("top-file", 7, False)], []),
        str(area / "a" / "b" / "c"): ([("k1", 10, False), ("k1.body", 300, False)], []),
        str(area / "d" / "e"): (
            [("broken", 0, True), ("k2", 3, False), ("to-file", 0, True)],
            ["to-dir"],
        ),
    }
    assert [path for path, _f, _l in seen].index(str(area / "a")) < [
        path for path, _f, _l in seen
    ].index(str(area / "a" / "b" / "c"))  # parents before children


@posix_only
def test_a_directory_replaced_by_a_link_while_read_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "canary"

    def meddle(node: DirNode) -> None:
        # once "a" is listed (visited), its subdirectory "b" becomes a link out of the cache
        if node.path.endswith(os.sep + "a"):
            target = Path(node.path) / "b"
            if not target.is_symlink():
                shutil.rmtree(target)
                target.symlink_to(outside)

    results = []
    for reader in (read_subtree, read_listed):
        cache = _tree(tmp_path / reader.__name__)
        outside.mkdir(exist_ok=True)
        (outside / "c").mkdir(exist_ok=True)
        (outside / "c" / "k9").write_bytes(b"q")
        seen, warnings = _read(cache, reader, meddle)
        assert all(str(outside) not in path for path, _f, _l in seen)
        assert warnings == [
            f"Not descending into {cache / 'http-v2' / 'a' / 'b'}: it changed while being read"
        ]
        results.append(
            ([(os.path.relpath(p, cache), f, links) for p, f, links in seen], len(warnings))
        )
    assert results[0] == results[1]
    assert (outside / "c" / "k9").read_bytes() == b"q"


@posix_only
def test_a_directory_gone_while_read_is_skipped_without_a_warning(tmp_path: Path) -> None:
    def meddle(node: DirNode) -> None:
        if node.path.endswith(os.sep + "a"):
            shutil.rmtree(Path(node.path) / "b", ignore_errors=True)

    results = []
    for reader in (read_subtree, read_listed):
        cache = _tree(tmp_path / reader.__name__)
        seen, warnings = _read(cache, reader, meddle)
        assert warnings == []
        results.append([os.path.relpath(p, cache) for p, _f, _l in seen])
    assert (
        results[0]
        == results[1]
        == [
            os.path.join("http-v2", "a"),
            os.path.join("http-v2", "d", "e"),
        ]
    )
