"""The JSON documents: schema version 1, the same keys for every command."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest
from _aging import age_tree
from _cachetree import build_cache, files_under
from _cli_helpers import cli_json, console_script, fake_python, json_strings

from pipcache_ext import CachedWheel, CacheInfo, Interpreter, RemovalResult
from pipcache_ext._cli import documents

pytest_plugins = ["_cli_fixtures"]


INTERPRETER_KEYS = {
    "path", "executable", "version", "implementation", "prefix", "base_prefix", "is_venv",
    "pip_version", "pip_location", "sources", "aliases",
}  # fmt: skip
# unreported_* came with issue 10 (what the answering pip does not count): keys added, still 1
CACHE_INFO_KEYS = {
    "cache_dir", "wheels_dir", "wheel_count", "wheels_size", "http_dirs", "http_files",
    "http_size", "exact", "backend", "pip_version", "wheels_size_text", "http_size_text",
    "total_size", "unreported_files", "unreported_size", "unreported_dirs",
}  # fmt: skip
WHEEL_KEYS = {"filename", "name", "version", "size", "path", "exact"}
# failed and deleted came with issue 8: keys added, so still schema version 1; spared (what
# a purge left because pip may be using it) with issue 11: a key added, still version 2
REMOVAL_KEYS = {
    "files_removed", "bytes_removed", "dirs_removed", "removed", "matched", "warnings", "exact",
    "dry_run", "backend", "failed", "deleted", "remaining", "spared",
}  # fmt: skip
ERROR_KEYS = {"type", "message", "interpreter"}
DOCUMENT_KEYS = {"schema_version", "command", "exit_code", "error", "results"}


def test_schema_version_2_matches_the_models() -> None:
    """A model field added or gone changes the JSON: decide, document, maybe bump the version.

    2 (issue 13): a removal's ``removed``/``deleted`` are null beyond 1000 paths without --paths.
    """
    assert documents.SCHEMA_VERSION == 2
    assert {f.name for f in dataclasses.fields(Interpreter)} == INTERPRETER_KEYS
    assert {f.name for f in dataclasses.fields(CacheInfo)} | {"total_size"} == CACHE_INFO_KEYS
    assert {f.name for f in dataclasses.fields(CachedWheel)} == WHEEL_KEYS
    assert {f.name for f in dataclasses.fields(RemovalResult)} == REMOVAL_KEYS


def test_json_schema_is_stable(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    python = str(fakes["pythons"]["a"])
    missing = str(tmp_path / "nope")
    shapes = {
        "dir": {"interpreter", "cache_dir", "error", "location", "fallback_from"},
        "info": {"interpreter", "info", "error", "location", "fallback_from"},
        "list": {"interpreter", "wheels", "error", "location", "fallback_from"},
        "remove": {"cache_dir", "interpreters", "run_by", "removal", "error", "location"},
        "purge": {"cache_dir", "interpreters", "run_by", "removal", "error", "location"},
        "survey": {"cache_dir", "interpreters", "info", "error", "locations", "owner", "state"},
    }
    for command, keys in shapes.items():
        argv = [command, *(["six"] if command == "remove" else [])]
        argv += ["--backend", "native", "--python", python, "--python", missing]
        argv += ["--dry-run"] if command in ("remove", "purge") else []
        document = cli_json(capsys, *argv)
        assert set(document) == DOCUMENT_KEYS, command
        assert document["command"] == command
        assert document["exit_code"] == 3
        ok, failed = document["results"]
        assert set(ok) == set(failed) == keys, command
        assert set(failed["error"]) == ERROR_KEYS
        assert ok["error"] is None
        for interpreter in ok.get("interpreters", [ok.get("interpreter")]):
            assert set(interpreter) == INTERPRETER_KEYS
        if "info" in ok:
            assert set(ok["info"]) == CACHE_INFO_KEYS
        if "wheels" in ok:
            assert all(set(w) == WHEEL_KEYS for w in ok["wheels"])
            assert ok["wheels"]
        if "removal" in ok:
            assert set(ok["removal"]) == REMOVAL_KEYS
    document = cli_json(capsys, "interpreters")
    assert set(document) == DOCUMENT_KEYS | {"failures", "sources"}
    assert all(set(e) == {"interpreter", "error"} for e in document["results"])
    document = cli_json(capsys, "purge", "--all")  # refused: no terminal, no --yes
    assert set(document) == DOCUMENT_KEYS
    assert set(document["error"]) == ERROR_KEYS


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_json_is_valid_utf8_whatever_the_file_names(
    tmp_path: Path, isolated_env: Dict[str, str], locale: str
) -> None:
    """Undecodable bytes of a name read ``\\xNN``; other text, non-ASCII too, is kept as it is."""
    manifest = build_cache(tmp_path / "cache")
    odd = os.fsencode(manifest.wheels_dir) + b"/\xff\xfe-caf\xc3\xa9"  # 0xff 0xfe: not UTF-8
    os.makedirs(odd)
    wheel = odd + b"/six-9.9-py3-none-any.whl"
    with open(wheel, "wb") as stream:
        stream.write(b"w" * 123)
    age_tree(manifest.cache_dir)  # not what a running pip may be using: the purge takes it
    expected = str(manifest.wheels_dir) + "/\\xff\\xfe-café/six-9.9-py3-none-any.whl"
    assert wheel.decode("utf-8", "backslashreplace") == expected
    python = fake_python(tmp_path / "bin", manifest.cache_dir)
    env = {**isolated_env, "LC_ALL": locale}
    env.pop("PYTHONIOENCODING", None)
    env.pop("PYTHONUTF8", None)
    before = files_under(manifest.cache_dir)
    for argv, paths in (
        (["list", "six"], lambda d: [w["path"] for w in d["results"][0]["wheels"]]),
        (["purge", "--dry-run"], lambda d: d["results"][0]["removal"]["removed"]),
    ):
        completed = subprocess.run(
            [str(console_script()), *argv, "--json", "--backend", "native", "--python", python],
            capture_output=True,
            env=env,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert b"\xff" not in completed.stdout
        document = json.loads(completed.stdout.decode("utf-8"))  # strict: valid UTF-8
        for text in json_strings(document):
            text.encode("utf-8")  # no lone surrogate came through as a \udcff escape
        assert expected in paths(document), argv
    assert files_under(manifest.cache_dir) == before
