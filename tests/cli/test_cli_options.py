"""The command line itself: usage errors, help, options before or after the command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import pytest
from _cachetree import Manifest, files_under
from _cli_helpers import cli, cli_json, no_traceback

import pipcache_ext

pytest_plugins = ["_cli_fixtures"]


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys)
    assert run.code == 2
    assert run.out == ""
    assert "required: COMMAND" in run.err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    run = cli(capsys, "--version")
    assert (run.code, run.out.strip()) == (0, f"pipcache-ext {pipcache_ext.__version__}")
    run = cli(capsys, "purge", "-h")
    assert run.code == 0
    for option in ("--dry-run", "--yes", "--force", "--python", "--all", "--json", "--timeout"):
        assert option in run.out
    assert "exit codes" in cli(capsys, "-h").out


@pytest.mark.parametrize(
    "argv",
    [
        ["info", "--backend", "bogus"],
        ["--timeout", "0", "dir"],
        ["dir", "--timeout", "soon"],
        ["frobnicate"],
        ["remove"],
        ["list", "--format", "json"],
        ["dir", "--dry-run"],  # deletion options belong to remove and purge
    ],
)
def test_argparse_usage_errors(capsys: pytest.CaptureFixture[str], argv: List[str]) -> None:
    run = cli(capsys, *argv)
    assert run.code == 2
    assert run.out == ""
    assert "usage:" in run.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-v", "-q", "dir"], "-v and -q cannot be used together"),
        (["list", "--format", "abspath"], "--format abspath and --json"),
        (["remove", "a/b"], "contains a path separator"),
        (["remove", ""], "The pattern is empty"),
        (["list", "six/"], "contains a path separator"),
    ],
)
def test_usage_errors_after_parsing(
    capsys: pytest.CaptureFixture[str], cache: Manifest, argv: List[str], message: str
) -> None:
    before = files_under(cache.cache_dir)
    document = cli_json(capsys, *argv)
    assert document["exit_code"] == 2
    assert document["results"] == []
    assert document["error"]["type"] == "UsageError"
    assert message in document["error"]["message"]
    run = cli(capsys, *argv, *(["--json"] if "abspath" in argv else []))
    assert run.code == 2
    assert message in run.err
    no_traceback(run.err)
    assert files_under(cache.cache_dir) == before


@pytest.mark.realpip
def test_options_before_and_after_the_command(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    before = cli(capsys, "--json", "--python", newest, "--backend", "native", "dir")
    after = cli(capsys, "dir", "--json", "--python", newest, "--backend", "native")
    assert before == after
    document = cli_json(capsys, "--python", newest, "dir", "--python", sys.executable)
    assert [r["interpreter"]["path"] for r in document["results"]] == [
        str(newest),
        sys.executable,
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["remove", "six\x00"], "holds control characters (U+0000)"),
        (["list", "a\x00b"], "holds control characters (U+0000)"),
        (["remove", "x" * 5000], "The pattern is 5000 characters long"),
        (["list", "x" * 4097], "The pattern is 4097 characters long"),
    ],
)
def test_a_nul_byte_or_an_absurd_length_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], cache: Manifest, argv: List[str], message: str
) -> None:
    before = files_under(cache.cache_dir)
    run = cli(capsys, *argv, "--backend", "native")
    assert (run.code, run.out) == (2, "")
    (line,) = run.err.splitlines()
    assert line.startswith("pipcache-ext: error: ")
    assert message in line
    document = cli_json(capsys, *argv, "--backend", "native")
    assert document["exit_code"] == 2
    assert document["error"]["type"] == "UsageError"
    assert message in document["error"]["message"]
    assert files_under(cache.cache_dir) == before
    # the longest pattern accepted is still a pattern: it matches nothing
    run = cli(capsys, "list", "x" * 4096, "--backend", "native")
    assert (run.code, run.out) == (0, "No locally built wheels cached.\n")
