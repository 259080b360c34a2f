"""remove_project on caches written here: whole entries, wheels by canonical name, the guards."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from _dists import sdist, wheel
from _httpcache import put

from pipcache_ext._http.actions import remove_project
from pipcache_ext.errors import UnsafeOperationError

FILES = "https://files.example/"
INDEX = "https://index.example/simple/"


def files_under(root: Path) -> Dict[str, int]:
    return {
        os.path.join(d, n): os.lstat(os.path.join(d, n)).st_size
        for d, _dirs, names in os.walk(root)
        for n in names
    }


def _page(cache: Path, area: str, project: str, filenames: List[str]) -> List[Path]:
    page = {
        "meta": {"api-version": "1.0"},
        "name": project,
        "files": [{"filename": f, "url": FILES + f} for f in filenames],
    }
    headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
    return put(cache, area, f"{INDEX}{project}/", json.dumps(page).encode(), headers=headers)


def build(cache: Path) -> Dict[str, List[Path]]:
    """Two versions of zope.fake_iface and one of six in both areas, wheels, an unknown entry."""
    made: Dict[str, List[Path]] = {}
    for area in ("http", "http-v2"):
        for version in ("4.0", "5.0"):
            dist = wheel("zope.fake_iface", version)
            made[f"{area} zope {version}"] = put(cache, area, FILES + dist.filename, dist.data)
            made[f"{area} zope {version} metadata"] = put(
                cache, area, FILES + dist.filename + ".metadata", dist.metadata
            )
        source = sdist("zope.fake_iface", "5.0")
        made[f"{area} zope sdist"] = put(cache, area, FILES + source.filename, source.data)
        names = ["zope_fake_iface-4.0-py3-none-any.whl", "zope_fake_iface-5.0-py3-none-any.whl"]
        made[f"{area} zope page"] = _page(cache, area, "zope-fake-iface", names)
        six = wheel("six", "1.16.0")
        made[f"{area} six"] = put(cache, area, FILES + six.filename, six.data)
        made[f"{area} six page"] = _page(cache, area, "six", [six.filename])
        made[f"{area} unknown"] = put(cache, area, FILES + "zope_fake_iface-9.9.whl", b"garbage")
    for name, version in (("zope.fake_iface", "5.0"), ("Zope_Fake_Iface", "4.0"), ("six", "1.0")):
        folder = cache / "wheels" / "aa" / name[:2] / version
        folder.mkdir(parents=True)
        built = folder / f"{name}-{version}-py3-none-any.whl"
        built.write_bytes(wheel(name, version).data)
        (folder / "origin.json").write_text('{"url": "https://files.example/x.tar.gz"}')
        made[f"wheel {name} {version}"] = [built, folder / "origin.json"]
    return made


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    canary = tmp_path / "canary"
    canary.write_text("outside")
    yield tmp_path / "cache"
    assert canary.read_text() == "outside"


def test_a_project_goes_whole_in_both_areas_and_nothing_else(cache: Path) -> None:
    made = build(cache)
    before = files_under(cache)
    going = [
        p
        for name, files in made.items()
        if "zope" in name.lower() and "unknown" not in name
        for p in files
    ]
    dry = remove_project(cache, ["Zope.Fake-Iface"], dry_run=True)
    assert files_under(cache) == before
    result = remove_project(cache, ["zope.fake_iface"])
    assert sorted(map(str, result.removed)) == sorted(
        str(p) for p in going if p.name != "origin.json"
    )  # origin.json goes with its directory: not counted, as pip 26's cleanup
    assert result.bytes_removed == sum(before[str(p)] for p in going if p.name != "origin.json")
    assert (dry.removed, dry.deleted, dry.bytes_removed, dry.dirs_removed) == (
        result.removed, result.deleted, result.bytes_removed, result.dirs_removed,
    )  # fmt: skip
    assert set(files_under(cache)) == set(before) - {str(p) for p in going}
    for path in going:
        assert not path.parent.exists() or any(path.parent.iterdir())
    for top in ("http", "http-v2", "wheels"):
        assert (cache / top).is_dir()  # top dirs stay
    # metadata files go before their bodies
    order = [str(p) for p in result.removed]
    for files in made.values():
        if len(files) == 2 and files[1].name.endswith(".body") and str(files[0]) in order:
            assert order.index(str(files[0])) + 1 == order.index(str(files[1]))
    assert result.failed == ()


def test_a_version_takes_its_files_and_keeps_the_pages(cache: Path) -> None:
    made = build(cache)
    result = remove_project(cache, ["zope-fake-iface"], version="5.0.0")
    going = [
        p for name, files in made.items()
        if ("zope 5.0" in name or "zope sdist" in name or name == "wheel zope.fake_iface 5.0")
        for p in files
    ]  # fmt: skip
    assert {str(p) for p in result.deleted if p.is_file() or not p.exists()} >= {
        str(p) for p in going
    }
    for name in (
        "http zope page",
        "http-v2 zope page",
        "http zope 4.0",
        "wheel Zope_Fake_Iface 4.0",
    ):
        assert all(p.exists() for p in made[name]), name
    assert not any(p.exists() for p in going)


def test_nothing_cached_for_a_project_is_no_match(cache: Path) -> None:
    build(cache)
    before = files_under(cache)
    result = remove_project(cache, ["absent"])
    assert (result.files_removed, result.matched, result.deleted) == (0, False, ())
    assert result.warnings[0] == "No cached files for absent"
    assert files_under(cache) == before
    missing = remove_project(cache.parent / "nowhere", ["six"])
    assert (missing.files_removed, missing.matched) == (0, False)


def test_a_home_directory_is_refused(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    put(home, "http", FILES + "x", b"x")
    with pytest.raises(UnsafeOperationError):
        remove_project(home, ["six"])
    assert remove_project(home, ["six"], force=True).matched is False


def _immutable(path: Path) -> bool:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    return done.returncode == 0


def test_a_body_never_outlives_its_metadata_file(cache: Path) -> None:
    made = build(cache)
    meta, body = made["http-v2 six"]
    if not _immutable(meta):
        pytest.skip("chattr +i needs root on ext4/xfs/btrfs")
    try:
        result = remove_project(cache, ["six"])
        assert meta.exists()
        assert body.exists()
        assert {meta, body} <= set(result.failed)
        assert meta not in result.removed
        assert body not in result.removed
        assert not any(p.exists() for p in made["http six"])  # the other area's entry went
        assert any(str(meta) in w for w in result.warnings)
    finally:
        subprocess.run(["chattr", "-i", str(meta)], check=False)
