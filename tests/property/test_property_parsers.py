"""Every parser, fed arbitrary text, answers or raises ParseError: never anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipcache_ext import _parsers
from pipcache_ext.errors import ParseError
from pipcache_ext.models import CachedWheel, CacheInfo, Interpreter, RemovalResult

VERSIONS = [None, "20.1", "20.2.4", "20.3.4", "22.2.1", "23.3", "25.0", "26.0", "26.3", "garbage"]
PIP_WORDS = st.sampled_from(
    [
        "Location: ",
        "Package index page cache location: ",
        "Package index page cache size: ",
        "Number of HTTP files: ",
        "Wheels location: ",
        "Wheels size: ",
        "Number of wheels: ",
        "Files removed: ",
        "Directories removed: ",
        "Removed ",
        "- ",
        " (",
        " kB)",
        " MB",
        " bytes",
        "No locally built wheels cached.",
        "WARNING: No matching packages",
        "ERROR: ",
        "\n",
        "/tmp/x",
        ".whl",
        "1",
        "12.5",
    ]
)
# pip-shaped text: pip's own words, numbers and arbitrary characters, in any order.
TEXT = st.one_of(st.text(), st.lists(st.one_of(PIP_WORDS, st.text(max_size=8))).map("".join))

PARSERS: dict[str, Callable[[str, Any], object]] = {
    "dir": lambda text, pip: _parsers.parse_dir(text, pip_version=pip),
    "info": lambda text, pip: _parsers.parse_info(text, pip_version=pip),
    "list human": lambda text, pip: _parsers.parse_list_human(text, pip_version=pip),
    "list abspath": lambda text, pip: _parsers.parse_list_abspath(text, pip_version=pip),
    "removal": lambda text, pip: _parsers.parse_removal(text, text[::-1], pip_version=pip),
}
RESULTS = {
    "dir": Path,
    "info": CacheInfo,
    "list human": list,
    "list abspath": list,
    "removal": RemovalResult,
}


@pytest.mark.parametrize("name", list(PARSERS))
@settings(max_examples=300, deadline=None)
@given(text=TEXT, pip=st.sampled_from(VERSIONS))
def test_a_parser_answers_or_raises_parse_error(name: str, text: str, pip: Any) -> None:
    try:
        result = PARSERS[name](text, pip)
    except ParseError:
        return  # the one error a parser may raise
    assert isinstance(result, RESULTS[name])
    if isinstance(result, list):
        assert all(isinstance(item, (CachedWheel, Path)) for item in result)


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_failure_classification_never_raises(text: str) -> None:
    failure = _parsers.parse_failure(text)
    assert failure.kind in {"not-owned", "disabled", "no-pip", "no-cache-command", "other"}


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_size_parsing_answers_or_says_none(text: str) -> None:
    parsed = _parsers.parse_size(text)
    assert parsed is None or parsed.low <= parsed.value <= parsed.high


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_the_probe_reader_answers_or_says_none(text: str) -> None:
    interpreter = _parsers.parse_probe(text, path=Path("/x/python"))
    assert interpreter is None or isinstance(interpreter, Interpreter)


@settings(max_examples=300, deadline=None)
@given(name=st.text())
def test_a_wheel_name_always_gives_a_name_and_a_version(name: str) -> None:
    project, version = _parsers.wheel_name_version(name)
    assert isinstance(project, str)
    assert isinstance(version, str)


_NAME_PART = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?", fullmatch=True)
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9]{1,2})?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(name=_NAME_PART, version=_VERSION, build=st.sampled_from(["", "-1", "-2build"]),
       tags=st.sampled_from(["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64"]))  # fmt: skip
def test_a_valid_wheel_name_is_read_as_packaging_reads_it(
    name: str, version: str, build: str, tags: str
) -> None:
    """The split (no tag parsing) against packaging's parse_wheel_filename, on valid names."""
    from packaging.utils import parse_wheel_filename

    filename = f"{name}-{version}{build}-{tags}.whl"
    project, _version, _build, _tags = parse_wheel_filename(filename)
    assert _parsers.wheel_name_version(filename) == (project, version)


@settings(max_examples=500, deadline=None)
@given(name=st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | _NAME_PART)
def test_the_canonical_name_is_packagings(name: str) -> None:
    from packaging.utils import canonicalize_name

    assert _parsers.canonical_name(name) == canonicalize_name(name)
