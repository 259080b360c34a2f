"""The parsers, on golden output captured from real pips (``tests/data``, see its README).

Expected values come from the fixture cache the captures ran on (:mod:`_cachetree`) and from
the spec's description of each release, not from the parsers. A new pip adds a folder, not code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
from _cachetree import (
    Manifest,
    build_cache,
    pip_pattern_matches,
    version_tuple,
    within_rounding,
)

from pipcache_ext import ParseError
from pipcache_ext._parsers import (
    parse_dir,
    parse_failure,
    parse_info,
    parse_list_abspath,
    parse_list_human,
    parse_removal,
)

DATA = Path(__file__).parent.parent / "data"
GOLDEN = sorted(DATA.glob("pip-*/*.json"))


def _load(case: str) -> List[Dict[str, Any]]:
    found = [json.loads(p.read_text()) for p in GOLDEN if p.stem == case]
    assert found, f"no golden file for {case}"
    return sorted(found, key=lambda d: version_tuple(d["pip_version"]))


def _params(case: str) -> Any:
    return pytest.mark.parametrize("golden", _load(case), ids=lambda d: f"pip-{d['pip_version']}")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """The fixture cache the captures ran on; sizes and names do not depend on its location."""
    return build_cache(tmp_path_factory.mktemp("golden") / "cache")


def _rel(manifest: Manifest, paths: set[Path] | list[Path]) -> Set[str]:
    return {p.relative_to(manifest.cache_dir).as_posix() for p in paths}


def test_goldens_cover_every_output_family() -> None:
    versions = {p.parent.name for p in GOLDEN}
    for family in ("20.1", "20.3.4", "21.3.1", "22.2", "22.2.1", "23.3", "25.0", "26.0", "26.3"):
        assert f"pip-{family}" in versions


@_params("dir")
def test_dir(golden: Dict[str, Any]) -> None:
    assert parse_dir(golden["stdout"], pip_version=golden["pip_version"]) == Path(
        golden["cache_dir"]
    )


@_params("info")
def test_info(golden: Dict[str, Any], manifest: Manifest) -> None:
    version = golden["pip_version"]
    info = parse_info(golden["stdout"], pip_version=version)
    root = Path(golden["cache_dir"])
    assert info.cache_dir == root
    assert info.wheels_dir == root / "wheels"
    assert info.wheel_count == manifest.wheel_count
    assert within_rounding(info.wheels_size, manifest.wheels_size)
    assert info.wheels_size_text is not None
    assert info.wheels_size_text in golden["stdout"]
    assert not info.exact
    if version_tuple(version) < (20, 3):
        assert (info.http_dirs, info.http_files, info.http_size) == ((), None, None)
    else:
        http = manifest.http_files(v2=version_tuple(version) >= (23, 3))
        assert info.http_files == len(http)
        assert info.http_size is not None
        assert within_rounding(info.http_size, sum(http.values()))
        dirs = (
            (root / "http-v2", root / "http")
            if version_tuple(version) >= (23, 3)
            else (root / "http",)
        )
        assert info.http_dirs == dirs


@_params("info-empty")
def test_info_of_a_missing_cache(golden: Dict[str, Any]) -> None:
    info = parse_info(golden["stdout"], pip_version=golden["pip_version"])
    assert (info.wheel_count, info.wheels_size) == (0, 0)
    assert info.exact
    if version_tuple(golden["pip_version"]) >= (20, 3):
        assert (info.http_files, info.http_size) == (0, 0)


@pytest.mark.parametrize(
    ("case", "pattern"), [("list", None), ("list-six", "six"), ("list-nomatch", "nomatch"),
                          ("list-empty", None)],
)  # fmt: skip
def test_list_human(case: str, pattern: str | None, manifest: Manifest) -> None:
    for golden in _load(case):
        wheels = parse_list_human(golden["stdout"], pip_version=golden["pip_version"])
        if case == "list-empty":
            assert wheels == []
            continue
        expected = manifest.wheels_matching(lambda n: pip_pattern_matches(pattern or "*", n))
        assert sorted(w.filename for w in wheels) == sorted(p.name for p in expected)
        for wheel in wheels:
            assert wheel.path is None
            true_size = manifest.wheel_sizes[manifest.wheels[wheel.filename][0]]
            assert within_rounding(wheel.size, true_size)
            assert wheel.exact == (true_size <= 1000)


@pytest.mark.parametrize(
    ("case", "pattern"),
    [("list-abspath", None), ("list-abspath-six", "six"), ("list-abspath-empty", None)],
)
def test_list_abspath(case: str, pattern: str | None, manifest: Manifest) -> None:
    for golden in _load(case):
        paths = parse_list_abspath(golden["stdout"], pip_version=golden["pip_version"])
        if case == "list-abspath-empty":
            assert paths == []
            continue
        root = Path(golden["cache_dir"])
        expected = manifest.wheels_matching(lambda n: pip_pattern_matches(pattern or "*", n))
        assert {p.relative_to(root).as_posix() for p in paths} == _rel(manifest, expected)
        assert len(paths) == len(expected)


def _deleted_by(golden: Dict[str, Any], manifest: Manifest, case: str) -> Set[Path]:
    """The counted files pip deleted, per spec §2.6 (cleanup-pass files are not counted)."""
    version = version_tuple(golden["pip_version"])
    if case in ("purge-empty",):
        return set()
    if case == "remove-six" or case == "remove-quiet-summary":
        return set(manifest.wheels_matching(lambda n: pip_pattern_matches("six", n)))
    if case == "remove-nomatch":
        return set()
    deleted = set(manifest.wheel_sizes)  # purge, remove-star
    if version >= (20, 3):
        deleted |= set(manifest.http_v1)
    if version >= (23, 3):
        deleted |= set(manifest.http_v2)
    return deleted


@pytest.mark.parametrize(
    "case", ["remove-six", "remove-nomatch", "remove-star", "purge", "purge-empty",
             "remove-quiet-summary"],
)  # fmt: skip
def test_removal(case: str, manifest: Manifest) -> None:
    for golden in _load(case):
        version = version_tuple(golden["pip_version"])
        result = parse_removal(
            golden["stdout"], golden["stderr"], pip_version=golden["pip_version"]
        )
        deleted = _deleted_by(golden, manifest, case)
        assert result.files_removed == len(deleted)
        assert result.matched == bool(deleted)
        root = Path(golden["cache_dir"])
        if case == "remove-quiet-summary":
            assert result.removed == ()
        else:
            assert {p.relative_to(root).as_posix() for p in result.removed} == _rel(
                manifest, deleted
            )
        # what the parser says went is really gone after the run, and nothing else it counted
        if "files_after" in golden:
            assert not {p.relative_to(root).as_posix() for p in result.removed} & set(
                golden["files_after"]
            )
        if version >= (25, 0):
            assert result.bytes_removed is not None
            assert within_rounding(result.bytes_removed, sum(
                {**manifest.wheel_sizes, **manifest.http_v1, **manifest.http_v2}[p]
                for p in deleted
            ))  # fmt: skip
        else:
            assert result.bytes_removed is None
        if version >= (26, 0):
            assert result.dirs_removed is not None
            dirs_before = {
                p.relative_to(manifest.cache_dir).as_posix()
                for p in manifest.cache_dir.rglob("*")
                if p.is_dir()
            }
            if golden.get("dirs_after") is not None and case != "purge-empty":
                assert result.dirs_removed == len(dirs_before - set(golden["dirs_after"]))
        else:
            assert result.dirs_removed is None
        if not deleted:
            assert any(w.startswith("No matching packages") for w in result.warnings)
            if version >= (21, 3):
                assert golden["returncode"] == 0
            else:
                assert golden["returncode"] == 1


@_params("disabled-env")
def test_disabled_by_configuration(golden: Dict[str, Any]) -> None:
    assert golden["returncode"] == 1
    assert parse_failure(golden["stderr"]).kind == "disabled"


@_params("disabled-owner")
def test_disabled_by_ownership(golden: Dict[str, Any]) -> None:
    failure = parse_failure(golden["stderr"])
    assert failure.kind == "not-owned"
    assert failure.cache_dir == Path(golden["env"]["PIP_CACHE_DIR"])


@_params("cache-dir-unknown")
def test_legacy_pips_have_no_cache_command(golden: Dict[str, Any]) -> None:
    assert version_tuple(golden["pip_version"]) < (20, 1)
    assert golden["returncode"] == 1
    assert parse_failure(golden["stderr"]).kind == "no-cache-command"


@_params("too-many-args")
def test_other_errors_keep_pips_message(golden: Dict[str, Any]) -> None:
    failure = parse_failure(golden["stderr"])
    assert (failure.kind, failure.message) == ("other", "Too many arguments")


@_params("list-abspath-unsupported")
def test_abspath_is_a_usage_error_before_20_3(golden: Dict[str, Any]) -> None:
    assert golden["returncode"] == 2
    assert parse_failure(golden["stderr"]).kind == "other"


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (parse_info, "Location: /c/wheels\nSize: 12 kB\n"),  # no wheel count
        (parse_info, "Location: /c/wheels\nSize: lots\nNumber of wheels: 3\n"),
        (parse_list_human, "Some other tool's output\n"),
        (parse_list_abspath, "relative/six-1.0-py3-none-any.whl\n"),
        (parse_dir, "\n"),
        (parse_dir, "relative/dir\n"),
    ],
)
def test_garbage_raises_parse_error(parser: Any, text: str) -> None:
    with pytest.raises(ParseError) as info:
        parser(text, pip_version="26.3")
    assert info.value.text == text
    assert info.value.pip_version == "26.3"


def test_http_lines_are_required_for_pips_that_print_them() -> None:
    text = "Wheels location: /c/wheels\nWheels size: 0 bytes\nNumber of wheels: 0\n"
    assert parse_info(text, pip_version="20.2.4").http_size is None
    with pytest.raises(ParseError, match="http size"):
        parse_info(text, pip_version="20.3.4")


def test_unknown_lines_and_colour_are_ignored() -> None:
    text = (
        "\x1b[33mSomething new: 42\x1b[0m\n"
        "Package index page cache location (pip v23.3+): /c/http-v2\n"
        "Package index page cache location (older pips): /c/http\n"
        "Package index page cache size: 0 bytes\nNumber of HTTP files: 0\n"
        "Locally built wheels location: /c/wheels\nLocally built wheels size: 5 bytes\n"
        "Number of locally built wheels: 1\nA line from pip 99: whatever\n"
    )
    info = parse_info(text, pip_version="99.0")
    assert (info.wheel_count, info.wheels_size, info.exact) == (1, 5, True)
