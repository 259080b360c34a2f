"""Bad entries: each is "unknown" with its size and one warning; nothing raises, nothing hangs.

Caches are written here the way CacheControl writes them (:mod:`_httpcache`), with a good entry
next to every bad one, and what is expected comes from what was written.
"""

from __future__ import annotations

import codecs
import functools
import io
import json
import os
import pickle
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Dict, List

import pytest
from _dists import wheel
from _httpcache import cc4, entry_path, put

from pipcache_ext._http import entries as entries_module
from pipcache_ext._http.listing import list_http, store_root
from pipcache_ext.models import HttpEntry

BASE = "https://files.example/"
PAGE = "https://index.example/simple/six/"


class _Trap:
    """Unpickling this would create a file: a cc=1 entry must never be unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> object:
        return (Path.touch, (self.marker,))


@functools.lru_cache(maxsize=None)
def _zeros_gzip(size: int, prefix: bytes = b"") -> bytes:
    """``prefix`` and ``size`` zero bytes, gzipped: about 1,000 times smaller."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(prefix)]
    parts.extend(compressor.compress(chunk) for _ in range(size >> 20))
    parts.append(compressor.flush())
    return b"".join(parts)


def _bomb_tar() -> bytes:
    info = tarfile.TarInfo("bomb-1.0/data")
    info.size = 1 << 30
    return _zeros_gzip(100 << 20, info.tobuf(format=tarfile.USTAR_FORMAT))


def build_bad_cache(cache: Path, marker: Path) -> Dict[str, List[Path]]:
    """A cache with one good wheel and one entry of each bad kind; name -> its files."""
    good = wheel("six", "1.16.0")
    files: Dict[str, List[Path]] = {}
    files["good"] = put(cache, "http-v2", BASE + good.filename, good.data)
    page = {"meta": {"api-version": "1.0"}, "name": "six", "files": [
        {"filename": good.filename, "url": BASE + good.filename},
    ]}  # fmt: skip
    files["page"] = put(
        cache, "http-v2", PAGE, json.dumps(page).encode(),
        headers={"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )  # fmt: skip
    whole = cc4(200, {}, good.data)
    files["truncated"] = put(cache, "http", BASE + "truncated", b"", raw=whole[: len(whole) // 2])
    files["corrupt"] = put(cache, "http", BASE + "corrupt", b"", raw=b"cc=4," + os.urandom(300))
    files["pickle"] = put(
        cache, "http", BASE + "pickle", b"", raw=b"cc=1," + pickle.dumps(_Trap(marker))
    )
    files["not-cachecontrol"] = put(cache, "http", BASE + "junk", b"", raw=b"<html>not an entry")
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("README.txt", "no metadata here\n")
    files["zip-without-metadata"] = put(
        cache, "http-v2", BASE + "x-1.0-py3-none-any.whl", plain.getvalue()
    )
    files["not-a-zip"] = put(cache, "http-v2", BASE + "random", os.urandom(5000))
    broken = bytearray(good.data)
    broken[100:400] = bytes(300)
    files["corrupt-zip"] = put(cache, "http", BASE + "corrupt.whl", bytes(broken))
    files["gzip-bomb"] = put(
        cache, "http-v2", BASE + "bomb-page", _zeros_gzip(100 << 20),
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
    )  # fmt: skip
    files["tar-bomb"] = put(cache, "http", BASE + "bomb-1.0.tar.gz", _bomb_tar())
    fifo = entry_path(cache, "http-v2", BASE + "fifo")
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    files["fifo"] = [fifo]
    link = entry_path(cache, "http", BASE + "link")
    link.parent.mkdir(parents=True)
    outside = cache.parent / "outside.whl"
    outside.write_bytes(good.data)
    link.symlink_to(outside)
    files["symlink"] = [link]
    meta_only = put(cache, "http-v2", BASE + "meta-only", b"")
    meta_only[1].unlink()
    files["meta-without-body"] = meta_only[:1]
    body_only = put(cache, "http-v2", BASE + "body-only.whl", wheel("lonely", "3.0").data)
    body_only[0].unlink()
    files["body-without-meta"] = body_only[1:]
    stray = cache / "http-v2" / "0" / "leftover.tmp"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half written")
    files["stray"] = [stray]
    return files


@pytest.fixture
def bad_cache(tmp_path: Path) -> Dict[str, List[Path]]:
    return build_bad_cache(tmp_path / "cache", tmp_path / "unpickled")


def _by_files(entries: List[HttpEntry]) -> Dict[str, HttpEntry]:
    return {str(entry.files[0]): entry for entry in entries}


def test_bad_entries_are_unknown_with_their_sizes_and_one_warning_each(
    bad_cache: Dict[str, List[Path]], tmp_path: Path
) -> None:
    listing = list_http(tmp_path / "cache", store=None)
    found = _by_files(list(listing.entries))
    assert len(listing.entries) == len(bad_cache)
    for name, files in bad_cache.items():
        entry = found[str(files[0])]
        assert list(entry.files) == files, name
        assert entry.size == sum(os.lstat(p).st_size if not p.is_symlink() else 0 for p in files)
        if name in ("good", "page", "body-without-meta"):
            continue
        assert (entry.kind, entry.project, entry.version) == ("unknown", None, None), name
    good = found[str(bad_cache["good"][0])]
    assert (good.kind, good.project, good.version, good.url) == (
        "wheel", "six", "1.16.0", BASE + "six-1.16.0-py3-none-any.whl",
    )  # fmt: skip
    lonely = found[str(bad_cache["body-without-meta"][0])]
    assert (lonely.kind, lonely.project, lonely.version) == ("wheel", "lonely", "3.0")
    warned = [
        name
        for name, files in bad_cache.items()
        if any(str(files[0]) in w for w in listing.warnings)
    ]
    quiet = {"good", "page", "body-without-meta", "stray"}
    assert sorted(warned) == sorted(set(bad_cache) - quiet)
    assert len(listing.warnings) == len(bad_cache) - len(quiet)
    assert not (tmp_path / "unpickled").exists()
    assert any("cc=1 is not read" in w for w in listing.warnings)
    assert any("without *.dist-info/METADATA" in w for w in listing.warnings)
    assert any("inflates to more than" in w for w in listing.warnings)


def test_a_missing_or_empty_cache_lists_nothing(tmp_path: Path) -> None:
    assert list_http(tmp_path / "nowhere").entries == ()
    (tmp_path / "empty").mkdir()
    assert list_http(tmp_path / "empty").entries == ()


def test_the_disk_cache_answers_a_repeated_listing_and_sees_a_changed_entry(
    bad_cache: Dict[str, List[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    store = store_root({"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)})
    first = list_http(cache, store=store)
    (kept,) = list(store.iterdir())
    assert kept.suffix == ".json"

    def no_reading(*_args: object) -> int:
        raise AssertionError("an unchanged entry was read again")

    real_open = entries_module._open
    monkeypatch.setattr(entries_module, "_open", no_reading)
    again = list_http(cache, store=store)
    assert again.entries == first.entries
    assert sorted(again.warnings) == sorted(first.warnings)
    # pip rewrites an entry (a new file): it is read again, and only it
    opened: List[str] = []

    def counting(handle: object, entry: object, path: str) -> int:
        opened.append(path)
        return real_open(handle, entry, path)  # type: ignore[arg-type]

    monkeypatch.setattr(entries_module, "_open", counting)
    body = bad_cache["good"][1]
    replacement = body.with_name("new")
    replacement.write_bytes(wheel("six", "1.17.0").data)
    replacement.replace(body)
    third = list_http(cache, store=store)
    assert opened == [str(body)]  # http-v2: a body that names itself; its metadata file is not read
    assert _by_files(list(third.entries))[str(bad_cache["good"][0])].version == "1.17.0"
    # a corrupt store is an empty one
    kept.write_text("{not json")
    assert list_http(cache, store=store).entries == third.entries


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root, to read the cache as an unprivileged user (root reads any file)",
)
def test_an_unreadable_entry_is_a_warning_and_the_others_are_read() -> None:
    shared = Path(tempfile.mkdtemp(prefix="pipcache-ext-http-"))
    try:
        shared.chmod(0o777)
        cache = shared / "cache"
        good = wheel("six", "1.16.0")
        readable = put(cache, "http-v2", BASE + good.filename, good.data)
        locked = put(cache, "http-v2", BASE + "locked.whl", wheel("locked", "1.0").data)
        for dirpath, _dirs, files in os.walk(cache):
            os.chmod(dirpath, 0o755)  # noqa: S103 - read by the unprivileged user
            for name in files:
                os.chmod(os.path.join(dirpath, name), 0o644)
        locked[1].chmod(0o600)  # root's, unreadable for everyone else
        atimes = {p: os.lstat(p).st_atime_ns for p in readable}
        out = shared / "out.json"
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                # The interpreter may be where the unprivileged user cannot read (pyenv under
                # /root here): import the codec a zip's names need before giving up root (an
                # earlier test in this process may have, or not).
                codecs.lookup("cp437")
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                listing = list_http(cache, store=None)
                rows = [[e.kind, e.project, str(e.files[0])] for e in listing.entries]
                out.write_text(json.dumps({"rows": rows, "warnings": list(listing.warnings)}))
                code = 0
            finally:
                os._exit(code)
        assert os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 0
        result = json.loads(out.read_text())
        rows = {row[2]: row[:2] for row in result["rows"]}
        assert rows[str(readable[0])] == ["wheel", "six"], result
        assert rows[str(locked[0])] == ["unknown", None]
        (warning,) = result["warnings"]
        assert str(locked[0]) in warning
        assert "Permission denied" in warning
        # not the owner: O_NOATIME is refused, the file is read without it (atime may change)
        assert set(atimes) == set(readable)
    finally:
        shutil.rmtree(shared)


def test_pythons_own_zipfile_agrees_with_the_wheel_reader(tmp_path: Path) -> None:
    """The reader's view of a real wheel equals zipfile's (a cross-check on the test data)."""
    data = wheel("Dotted.Name_Pkg", "2.1").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    put(tmp_path / "cache", "http", BASE + "d.whl", data)
    (entry,) = list_http(tmp_path / "cache").entries
    assert f"Name: {'Dotted.Name_Pkg'}" in text
    assert (entry.kind, entry.project, entry.version) == ("wheel", "dotted-name-pkg", "2.1")
