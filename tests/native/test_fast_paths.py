"""The fast Path makers (``_walk.paths``) give exactly the objects ``Path(text)`` gives."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Dict

from pipcache_ext import RemovalResult
from pipcache_ext._cli.documents import to_json
from pipcache_ext._walk.paths import Folders, LazyPaths, child, paths_of

ODD = ["/", "/a", "a", "a/b", "/a//b", "/a/./b", "/a/b/", "/a/../b", "//a/b", "/a/b/.", "./x",
       "a//", "/a/b/..", "/x y/é/ñ", "/a/.hidden", "/a/b.c/d"]  # fmt: skip


def _same(got: Path, text: str) -> None:
    want = Path(text)
    assert type(got) is type(want), text
    assert got == want, text
    assert str(got) == str(want), text
    assert got.parts == want.parts, text
    assert got.name == want.name, text
    assert got.parent == want.parent, text


def test_paths_of_is_path_of_each_text(tmp_path: Path) -> None:
    for text in ODD:
        (got,) = paths_of([text])
        _same(got, text)
    texts = []
    for i in range(40):
        folder = tmp_path / f"{i % 7}" / f"{i % 3}"
        texts += [str(folder), str(folder / f"f{i}"), str(folder / f"f{i}.body")]
    texts += ODD
    made = paths_of(texts)
    assert len(made) == len(texts)
    for got, text in zip(made, texts):
        _same(got, text)


def test_child_and_folders_are_the_joined_path(tmp_path: Path) -> None:
    for name in ("x", "x.body", ".tmp", "ünï"):
        _same(child(tmp_path, name), f"{tmp_path}{os.sep}{name}")
    folders = Folders(tmp_path)
    relative = os.sep.join(["http-v2", "a", "b"])
    _same(folders.get(relative), str(tmp_path / "http-v2" / "a" / "b"))
    assert folders.get(relative) is folders.get(relative)
    _same(folders.get(""), str(tmp_path))


def test_folders_file_is_the_joined_path_and_works(tmp_path: Path) -> None:
    folders = Folders(tmp_path)
    relative = os.sep.join(["http-v2", "a", "b"])
    (tmp_path / relative).mkdir(parents=True)
    (tmp_path / relative / "key.body").write_bytes(b"body")
    for name in ("key", "key.body", "ünï", ".tmp"):
        text = f"{tmp_path}{os.sep}{relative}{os.sep}{name}"
        _same(folders.file(relative, name), text)
        assert hash(folders.file(relative, name)) == hash(Path(text))
    _same(folders.file("", "top"), f"{tmp_path}{os.sep}top")
    body = folders.file(relative, "key.body")
    assert body.read_bytes() == b"body"  # a usable path, not only an equal one
    assert body.stat().st_size == 4
    assert folders.file(relative, "key").name == "key"  # the shared parts were not changed


def test_paths_of_shares_what_it_made_between_calls(tmp_path: Path) -> None:
    made: Dict[str, Path] = {}
    files = [str(tmp_path / "a" / f"f{i}") for i in range(5)]
    everything = paths_of([*files, str(tmp_path / "a"), *ODD], made)
    again = paths_of(files[::-1], made)
    assert [id(p) for p in again] == [id(p) for p in everything[:5]][::-1]  # the same objects
    for got, text in zip(again, files[::-1]):
        _same(got, text)
    for got, text in zip(everything[6:], ODD):
        _same(got, text)


def test_a_plans_path_objects_are_its_paths_parsed(tmp_path: Path) -> None:
    from pipcache_ext import _fs
    from pipcache_ext._pipversions import AREAS, deletion_rules
    from pipcache_ext._plan import ALL, plan_removal, scan_cache

    cache = tmp_path / "ca che"
    for folder in ("wheels/aa/bb/cc/dd", "wheels/aa/bb/ee", "http-v2/1/2/3/4/5", "http/a/b/c/d/e"):
        (cache / folder).mkdir(parents=True)
    (cache / "wheels/aa/bb/cc/dd/six-1.0-py3-none-any.whl").write_bytes(b"w")
    (cache / "wheels/aa/bb/cc/dd/origin.json").write_text("{}")
    (cache / "wheels/aa/bb/ee/tool-2.0-py3-none-any.whl").write_bytes(b"w")
    (cache / "http-v2/1/2/3/4/5" / ("a" * 56)).write_bytes(b"m")
    (cache / "http-v2/1/2/3/4/5" / ("a" * 56 + ".body")).write_bytes(b"b")
    (cache / "http/a/b/c/d/e" / ("b" * 56)).write_bytes(b"h")
    (cache / "selfcheck.json").write_text("{}")
    root = _fs.open_root(str(cache))
    try:
        scan = scan_cache(root, str(cache), AREAS)
    finally:
        _fs.close(root)
    plan = plan_removal(scan, ALL, deletion_rules(None))
    texts = plan.paths(str(cache))
    assert set(texts) == {str(path) for path in cache.rglob("*")}  # a purge: all of it
    made = plan.path_objects(str(cache))
    assert len(made) == len(texts)
    for got, text in zip(made, texts):
        _same(got, text)


def test_lazy_paths_are_the_tuple_of_their_paths(tmp_path: Path) -> None:
    texts = [str(tmp_path / f"d{i % 3}" / f"f{i}") for i in range(10)] + ODD
    lazy = LazyPaths(texts)
    want = tuple(Path(text) for text in texts)
    assert len(lazy) == len(want)
    assert lazy == want
    assert want == lazy
    assert lazy == list(want)
    assert hash(lazy) == hash(want)
    assert repr(lazy) == repr(want)
    assert lazy[3] == want[3]
    assert lazy[-1] == want[-1]
    assert lazy[2:5] == want[2:5]
    assert list(lazy) == list(want)
    assert tuple(lazy) == want
    assert Path(texts[4]) in lazy
    assert (tmp_path / "nowhere") not in lazy
    assert lazy != want[:-1]
    assert lazy != (*want[:-1], Path("/other"))
    assert pickle.loads(pickle.dumps(lazy)) == want  # noqa: S301 - our own
    head = lazy.head(4)
    assert len(head) == 4
    assert head == want[:4]
    assert pickle.loads(pickle.dumps(head)) == want[:4]  # noqa: S301 - our own
    assert head[0] is lazy[0]  # the paths are made once, shared by the head
    assert LazyPaths([]) == ()
    assert not LazyPaths([])
    chunks = ["\0".join(texts[:3]), "", "\0".join(texts[3:])]
    joined = LazyPaths.joined(chunks, len(texts))
    assert len(joined) == len(texts)
    assert joined.head(2) == want[:2]
    assert joined == want
    assert pickle.loads(pickle.dumps(joined.head(5))) == want[:5]  # noqa: S301 - our own


def test_a_result_with_lazy_paths_is_json_and_compares_as_with_tuples(tmp_path: Path) -> None:
    texts = [str(tmp_path / "a"), str(tmp_path / "b")]
    lazy = LazyPaths(texts)
    result = RemovalResult(2, 2, 0, lazy.head(1), matched=True, deleted=lazy, backend="native")
    plain = RemovalResult(2, 2, 0, (Path(texts[0]),), matched=True,
                          deleted=(Path(texts[0]), Path(texts[1])), backend="native")  # fmt: skip
    assert result == plain
    assert hash(result) == hash(plain)
    data = to_json(result)
    assert data["removed"] == texts[:1]
    assert data["deleted"] == texts
    assert json.loads(json.dumps(data)) == data
