"""The command line: every verb and option in-process through ``main(argv)``, the installed
console script and ``python -m pipcache_ext`` in subprocesses.

Output is checked against the library's own results and against the files the test created.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Set

import pytest
from _cachetree import Manifest, build_cache, files_under, pip_pattern_matches
from conftest import venv_or_fail, write_script
from pytest_mock import MockerFixture

import pipcache_ext
from pipcache_ext import (
    CachedWheel,
    CacheInfo,
    Interpreter,
    PipCache,
    RemovalResult,
)
from pipcache_ext import _cli_output as fmt
from pipcache_ext.__main__ import main

NEWEST = "26.3"


# -- helpers -----------------------------------------------------------------------------------


class Run(NamedTuple):
    code: int
    out: str
    err: str


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> Run:
    capsys.readouterr()
    code = main([os.fspath(a) if isinstance(a, Path) else str(a) for a in argv])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def cli_json(capsys: pytest.CaptureFixture[str], *argv: object) -> Dict[str, Any]:
    run = cli(capsys, "--json", *argv)
    document = json.loads(run.out)
    assert document["exit_code"] == run.code
    assert document["schema_version"] == 1
    return document


def plain(value: object) -> Any:
    """What a model field must look like in JSON, written out independently of the CLI."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value


def assert_model(data: Dict[str, Any], model: object) -> None:
    """Every field of ``model``, one by one, as JSON holds it."""
    assert dataclasses.is_dataclass(model)
    for f in dataclasses.fields(model):
        assert data[f.name] == plain(getattr(model, f.name)), f.name


def no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert all(line.startswith("pipcache-ext: ") for line in text.splitlines()), text


def fake_python(
    directory: Path,
    cache_dir: Optional[Path],
    *,
    pip: Optional[str] = NEWEST,
    pip_action: Optional[str] = None,
) -> Path:
    """``directory/python``: answers the identity probe (discovery's too, with ``cache_dir``) and
    runs ``pip_action`` (default: print ``cache_dir``, pip's ``cache dir`` answer) for pip."""
    exe = directory / "python"
    answer = {
        "version": "3.11.7", "implementation": "cpython", "executable": str(exe),
        "prefix": str(directory), "base_prefix": str(directory), "pip_version": pip,
        "pip_location": None, "sys_path": [], "user_site": None,
        "pip_cache": None if pip is None else {
            "command": "cache", "raw": str(cache_dir), "relative": False,
            "cache_dir": str(cache_dir),
        },
    }  # fmt: skip
    action = pip_action or f"echo '{cache_dir}'"
    directory.mkdir(parents=True, exist_ok=True)
    return write_script(
        exe,
        f"""#!/bin/sh
case "$2" in
  *PIPCACHE_EXT_PROBE*) printf '%s\\n' 'PIPCACHE_EXT_PROBE:{json.dumps(answer)}' ;;
  *) {action} ;;
esac
""",
    )


def purge_targets(manifest: Manifest) -> Set[Path]:
    """What pip 26.3's purge deletes: every wheel and every HTTP file (v1 and v2)."""
    return set(manifest.wheel_sizes) | set(manifest.http_v1) | set(manifest.http_v2)


class TTY(io.StringIO):
    """A terminal, for stdin (holding the answer typed) or stderr."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def newest(isolated_env: Dict[str, str]) -> Path:
    return venv_or_fail(NEWEST, "3.12")


@pytest.fixture
def cache(fixture_cache: Manifest, monkeypatch: pytest.MonkeyPatch) -> Manifest:
    """The fixture cache, as the cache of every pip the CLI runs (PIP_CACHE_DIR)."""
    monkeypatch.setenv("PIP_CACHE_DIR", str(fixture_cache.cache_dir))
    return fixture_cache


@pytest.fixture
def discovery(monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture) -> Any:
    """Real discovery, limited to ``PATH`` (which the test sets): no running interpreter, no
    pyenv of this machine. Returns the spy, to count calls."""
    real = pipcache_ext.run_discovery

    def on_path_only(**kwargs: Any) -> Any:
        return real(sources=["path"], **kwargs)

    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setattr(pipcache_ext, "run_discovery", on_path_only)
    return mocker.spy(pipcache_ext, "run_discovery")


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discovery: Any) -> Dict[str, Any]:
    """Three fake interpreters on PATH: ``a`` and ``c`` share cache A, ``b`` uses cache B."""
    cache_a = build_cache(tmp_path / "cache-a")
    cache_b = build_cache(tmp_path / "cache-b")
    pythons = {
        "a": fake_python(tmp_path / "a" / "bin", cache_a.cache_dir),
        "b": fake_python(tmp_path / "b" / "bin", cache_b.cache_dir),
        "c": fake_python(tmp_path / "c" / "bin", cache_a.cache_dir),
    }
    monkeypatch.setenv("PATH", os.pathsep.join(str(p.parent) for p in pythons.values()))
    return {"pythons": pythons, "A": cache_a, "B": cache_b, "discovery": discovery}


# -- the command line itself -------------------------------------------------------------------


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


# -- the running interpreter -------------------------------------------------------------------


def test_dir_of_the_running_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest
) -> None:
    run = cli(capsys, "dir")
    assert run == Run(0, f"{cache.cache_dir}\n", "")
    assert PipCache().dir() == cache.cache_dir
    document = cli_json(capsys, "dir")
    (entry,) = document["results"]
    assert entry["cache_dir"] == str(cache.cache_dir)
    assert entry["error"] is None
    assert_model(entry["interpreter"], PipCache().interpreter)
    assert document["command"] == "dir"
    assert document["error"] is None


def test_info_of_the_running_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest
) -> None:
    info = PipCache().info()
    run = cli(capsys, "info")
    assert run.code == 0
    assert f"Number of locally built wheels: {cache.wheel_count}" in run.out
    assert f"Locally built wheels location: {cache.wheels_dir}" in run.out
    if not info.exact:  # a pip backend: sizes marked as rounded, with the legend
        assert f"Locally built wheels size: {fmt.ROUNDED}" in run.out
        assert fmt.ROUNDED_LEGEND in run.out
    (entry,) = cli_json(capsys, "info")["results"]
    assert_model(entry["info"], info)


# -- one named interpreter: info, list ---------------------------------------------------------


def test_info_human_shows_pips_lines_and_bars(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "info", "--python", newest)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[:2] == [
        f"Package index page cache location (pip v23.3+): {cache.cache_dir / 'http-v2'}",
        f"Package index page cache location (older pips): {cache.cache_dir / 'http'}",
    ]
    http_files = len(cache.http_v1) + len(cache.http_v2)
    assert f"Number of HTTP files: {http_files}" in lines
    assert f"Number of locally built wheels: {cache.wheel_count}" in lines
    # pip 26.3 prints "86 kB" and "288 kB": rounded, marked, in one unit (kB)
    assert any(line.startswith("Package index page cache size: ~") for line in lines)
    bars = [line for line in lines if "█" in line]
    assert [b.split()[0] for b in bars] == [str(cache.cache_dir), "http", "wheels"]
    assert all(" kB " in b for b in bars)
    assert lines[-1] == fmt.ROUNDED_LEGEND


def test_info_native_is_exact_and_unmarked(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "info", "--python", newest, "--backend", "native")
    http_size = sum(cache.http_v1.values()) + sum(cache.http_v2.values())
    total = http_size + cache.wheels_size
    unit = fmt.Unit("kB", 1000)
    assert f"Package index page cache size: {fmt.format_size(http_size, unit)}" in run.out
    assert f"Locally built wheels size: {fmt.format_size(cache.wheels_size, unit)}" in run.out
    assert fmt.ROUNDED not in run.out
    share = round(100 * cache.wheels_size / total)
    wheels_line = next(line for line in run.out.splitlines() if line.lstrip().startswith("wheels"))
    assert wheels_line.endswith(f"{share}%")
    (entry,) = cli_json(capsys, "info", "--python", newest, "--backend", "native")["results"]
    assert entry["info"]["wheels_size"] == cache.wheels_size
    assert entry["info"]["http_size"] == http_size
    assert entry["info"]["total_size"] == total
    assert entry["info"]["exact"] is True


@pytest.mark.parametrize("backend", ["pip", "native"])
def test_info_json_field_by_field(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, backend: str
) -> None:
    library = PipCache(newest, backend=backend)  # type: ignore[arg-type]
    document = cli_json(capsys, "info", "--python", newest, "--backend", backend)
    (entry,) = document["results"]
    assert set(entry) == {"interpreter", "info", "error"}
    assert_model(entry["interpreter"], library.interpreter)
    info = library.info()
    assert_model(entry["info"], info)
    assert entry["info"]["total_size"] == info.total_size
    assert entry["info"]["wheel_count"] == cache.wheel_count
    assert entry["info"]["backend"] == backend


@pytest.mark.parametrize("pattern", [None, "six", "Hyphen_Name", "nomatch"])
def test_list_human_abspath_and_json(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, pattern: Optional[str]
) -> None:
    args = ["list", *([pattern] if pattern else []), "--python", newest]
    expected = cache.wheels_matching(
        lambda name: pattern is None or pip_pattern_matches(pattern, name)
    )
    library = PipCache(newest).list(pattern)
    assert sorted(w.path for w in library if w.path) == expected

    run = cli(capsys, *args)
    assert run.code == 0
    if expected:
        lines = run.out.splitlines()
        assert lines[:2] == ["Cache contents:", ""]
        names = [line.split(" (")[0][3:] for line in lines[2:] if line.startswith(" - ")]
        assert names == [w.filename for w in library]
        assert sorted(names) == sorted(p.name for p in expected)
    else:
        assert run.out == "No locally built wheels cached.\n"

    abspath = cli(capsys, *args, "--format", "abspath")
    assert abspath.out.splitlines() == [str(w.path) for w in library]

    (entry,) = cli_json(capsys, *args)["results"]
    assert len(entry["wheels"]) == len(library)
    for data, wheel in zip(entry["wheels"], library):
        assert_model(data, wheel)
        assert data["size"] == cache.wheel_sizes[Path(data["path"])]


# -- remove and purge --------------------------------------------------------------------------


def test_remove_dry_run_deletes_nothing(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    before = files_under(cache.cache_dir)
    six = cache.wheels_matching(lambda name: pip_pattern_matches("six", name))
    run = cli(capsys, "remove", "six", "--dry-run", "--python", newest)
    assert run.code == 0
    lines = run.out.splitlines()
    assert sorted(lines[: len(six)]) == [f"Would remove {path}" for path in six]
    size = fmt.format_size(sum(cache.wheel_sizes[p] for p in six), fmt.Unit("kB", 1000))
    assert lines[len(six)] == f"Files that would be removed: {len(six)} ({size})"
    document = cli_json(capsys, "remove", "six", "--dry-run", "--python", newest)
    (entry,) = document["results"]
    library = PipCache(newest).remove("six", dry_run=True)
    assert_model(entry["removal"], library)
    assert entry["removal"]["dry_run"] is True
    assert sorted(Path(p) for p in entry["removal"]["removed"]) == six
    assert entry["removal"]["bytes_removed"] == sum(cache.wheel_sizes[p] for p in six)
    assert entry["cache_dir"] == str(cache.cache_dir)
    assert entry["run_by"] == str(newest)
    assert [i["path"] for i in entry["interpreters"]] == [str(newest)]
    assert files_under(cache.cache_dir) == before


def test_remove_deletes_the_matching_wheels(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    before = files_under(cache.cache_dir)
    six = set(cache.wheels_matching(lambda name: pip_pattern_matches("six", name)))
    run = cli(capsys, "remove", "six", "--python", newest)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].startswith(f"Files removed: {len(six)} (~")  # pip 25.0+ prints a size
    assert lines[1].startswith("Directories removed: ")  # pip 26.0+
    gone = before - files_under(cache.cache_dir)
    assert six <= gone
    assert not any(path.name.endswith(".whl") for path in gone - six)


def test_remove_without_match_is_not_an_error(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "remove", "nomatch", "--python", newest, "--dry-run")
    assert run.code == 0
    assert 'warning: No matching packages for pattern "nomatch"' in run.err
    assert cli(capsys, "-q", "remove", "nomatch", "--python", newest, "--dry-run") == Run(0, "", "")
    (entry,) = cli_json(capsys, "remove", "nomatch", "--python", newest, "--dry-run")["results"]
    assert entry["removal"]["matched"] is False
    assert entry["removal"]["files_removed"] == 0


def test_dry_run_purge_names_wheels_and_verbose_every_file(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    logger = logging.getLogger("pipcache_ext")
    handlers, level = list(logger.handlers), logger.level

    def named(out: str) -> Set[Path]:
        prefix = "Would remove "
        return {Path(line[len(prefix) :]) for line in out.splitlines() if line.startswith(prefix)}

    run = cli(capsys, "purge", "--dry-run", "--python", newest)
    assert named(run.out) == set(cache.wheel_sizes)
    assert run.err == ""
    run = cli(capsys, "-v", "purge", "--dry-run", "--python", newest)
    assert run.code == 0
    assert named(run.out) == purge_targets(cache)
    assert "DEBUG: running " in run.err
    assert (logger.handlers, logger.level) == (handlers, level)


def test_purge_from_a_script_needs_no_yes_for_one_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "purge", "--python", newest)
    assert run.code == 0
    assert "Proceed?" not in run.err
    assert run.out.startswith(f"Files removed: {len(purge_targets(cache))} (~")
    assert files_under(cache.cache_dir) == set(cache.untouchable)


def test_purge_asks_on_a_terminal(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    newest: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = files_under(cache.cache_dir)
    monkeypatch.setattr(sys, "stdin", TTY("n\n"))
    run = cli(capsys, "purge", "--python", newest)
    assert run.code == 1
    assert f"  {cache.cache_dir}  (used by {newest})" in run.err
    assert "Proceed? [y/N]" in run.err
    assert "nothing was deleted: not confirmed" in run.err
    assert files_under(cache.cache_dir) == before

    monkeypatch.setattr(sys, "stdin", TTY(""))  # end of input: no
    assert cli(capsys, "purge", "--python", newest).code == 1
    assert files_under(cache.cache_dir) == before

    monkeypatch.setattr(sys, "stdin", TTY("n\n"))
    assert cli(capsys, "purge", "--python", newest, "--dry-run").code == 0  # never asks
    assert sys.stdin.read() == "n\n"

    monkeypatch.setattr(sys, "stdin", TTY("yes\n"))
    run = cli(capsys, "purge", "--python", newest)
    assert run.code == 0
    assert files_under(cache.cache_dir) == set(cache.untouchable)


def test_yes_skips_the_question(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    newest: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", TTY("n\n"))
    run = cli(capsys, "purge", "-y", "--python", newest)
    assert run.code == 0
    assert "Proceed?" not in run.err
    assert sys.stdin.read() == "n\n"
    assert files_under(cache.cache_dir) == set(cache.untouchable)


def test_remove_star_is_a_purge_and_asks(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    newest: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = files_under(cache.cache_dir)
    monkeypatch.setattr(sys, "stdin", TTY("n\n"))
    assert cli(capsys, "remove", "*", "--python", newest).code == 1
    assert files_under(cache.cache_dir) == before


def test_home_guard_and_force(
    capsys: pytest.CaptureFixture[str],
    isolated_env: Dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = Path(isolated_env["HOME"])
    (home / "precious.txt").write_text("keep")
    monkeypatch.setenv("PIP_CACHE_DIR", str(home))
    for argv in (["purge"], ["remove", "six"], ["purge", "--dry-run"]):
        run = cli(capsys, *argv, "--backend", "native")
        assert run.code == 1, argv
        assert "Refusing to clean" in run.err
        assert "--force" in run.err
        assert "force=True" not in run.err
        no_traceback(run.err)
        (entry,) = cli_json(capsys, *argv, "--backend", "native")["results"]
        assert entry["error"]["type"] == "UnsafeOperationError"
        assert entry["error"]["interpreter"] == str(PipCache().interpreter.path)
    run = cli(capsys, "purge", "--dry-run", "--force", "--backend", "native")
    assert run.code == 0
    assert (home / "precious.txt").read_text() == "keep"


# -- several interpreters ----------------------------------------------------------------------


def test_several_pythons_one_result_each(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope" / "python"
    args = ["--python", newest, "--python", missing, "--python", sys.executable]
    for verb, key in (("dir", "cache_dir"), ("info", "info"), ("list", "wheels")):
        document = cli_json(capsys, verb, *args)
        assert document["exit_code"] == 3, verb
        first, failed, third = document["results"]
        assert first["interpreter"]["path"] == str(newest)
        assert third["interpreter"]["path"] == sys.executable
        assert first["error"] is None
        assert third["error"] is None
        assert failed["interpreter"] is None
        assert failed[key] is None
        assert failed["error"]["type"] == "InterpreterError"
        assert failed["error"]["interpreter"] == str(missing)
        assert str(missing) in failed["error"]["message"]
    run = cli(capsys, "dir", *args)
    assert run.code == 3
    table = run.out.splitlines()
    assert table[0].split() == ["CACHE", "DIR", "PYTHON", "VERSION", "PIP"]
    assert table[1].split()[:2] == [str(cache.cache_dir), str(newest)]
    assert table[2].split() == ["(failed:", "InterpreterError)", str(missing)]
    assert run.err.splitlines() == [f"pipcache-ext: error: {missing}: no such interpreter"]
    info = cli(capsys, "info", *args)
    headers = [line for line in info.out.splitlines() if line.startswith("== ")]
    assert headers == [
        f"== {fmt.describe(PipCache(newest).interpreter)}",
        f"== {fmt.describe(PipCache(sys.executable).interpreter)}",
    ]


def test_remove_and_purge_act_once_per_cache_dir(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], mocker: MockerFixture
) -> None:
    pythons, cache_a, cache_b = fakes["pythons"], fakes["A"], fakes["B"]
    before = files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir)
    spy = mocker.spy(PipCache, "purge")
    args = ["--backend", "native", "--dry-run"]
    args += ["--python", pythons["a"], "--python", pythons["b"], "--python", pythons["c"]]
    document = cli_json(capsys, "purge", *args)
    assert document["exit_code"] == 0
    assert spy.call_count == 2
    first, second = document["results"]
    assert first["cache_dir"] == str(cache_a.cache_dir)
    assert [i["path"] for i in first["interpreters"]] == [str(pythons["a"]), str(pythons["c"])]
    assert first["run_by"] == str(pythons["a"])
    assert second["cache_dir"] == str(cache_b.cache_dir)
    for entry, manifest, python in ((first, cache_a, "a"), (second, cache_b, "b")):
        assert {Path(p) for p in entry["removal"]["removed"]} == purge_targets(manifest)
        library = PipCache(pythons[python], backend="native").purge(dry_run=True)
        assert_model(entry["removal"], library)
    assert files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir) == before

    run = cli(capsys, "purge", *args)
    headers = [line for line in run.out.splitlines() if line.startswith("== ")]
    assert headers == [
        (
            f"== {cache_a.cache_dir} (used by {pythons['a']}, {pythons['c']};"
            f" run by pip {NEWEST} of {pythons['a']})"
        ),
        f"== {cache_b.cache_dir} (used by {pythons['b']}; run by pip {NEWEST} of {pythons['b']})",
    ]


def test_all_purge_dry_run_json_lists_what_would_go_per_cache(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    pythons, cache_a, cache_b = fakes["pythons"], fakes["A"], fakes["B"]
    before = files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir)
    document = cli_json(capsys, "purge", "--all", "--dry-run", "--backend", "native")
    assert fakes["discovery"].call_count == 1
    assert document["exit_code"] == 0
    by_dir = {entry["cache_dir"]: entry for entry in document["results"]}
    assert set(by_dir) == {str(cache_a.cache_dir), str(cache_b.cache_dir)}
    users = {d: sorted(i["path"] for i in e["interpreters"]) for d, e in by_dir.items()}
    assert users == {
        str(cache_a.cache_dir): sorted([str(pythons["a"]), str(pythons["c"])]),
        str(cache_b.cache_dir): [str(pythons["b"])],
    }
    for manifest in (cache_a, cache_b):
        removal = by_dir[str(manifest.cache_dir)]["removal"]
        targets = purge_targets(manifest)
        assert {Path(p) for p in removal["removed"]} == targets
        assert removal["files_removed"] == len(targets)
        sizes = {**manifest.wheel_sizes, **manifest.http_v1, **manifest.http_v2}
        assert removal["bytes_removed"] == sum(sizes[p] for p in targets)
        assert removal["dry_run"] is True
        assert isinstance(removal["dirs_removed"], int)
    assert files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir) == before


def test_all_purge_from_a_script_is_refused_without_yes(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    cache_a, cache_b = fakes["A"], fakes["B"]
    before = files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir)
    run = cli(capsys, "purge", "--all", "--backend", "native")
    assert run.code == 2
    assert "without --yes" in run.err
    assert "--dry-run" in run.err
    no_traceback(run.err)
    assert fakes["discovery"].call_count == 0  # refused before anything ran
    assert files_under(cache_a.cache_dir) | files_under(cache_b.cache_dir) == before

    run = cli(capsys, "purge", "--all", "--yes", "--backend", "native")
    assert run.code == 0
    assert files_under(cache_a.cache_dir) == set(cache_a.untouchable)
    assert files_under(cache_b.cache_dir) == set(cache_b.untouchable)


def test_all_skips_interpreters_without_pip(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare = fake_python(tmp_path / "bare" / "bin", None, pip=None)
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{bare.parent}")
    for verb in ("dir", "info", "list"):
        run = cli(capsys, verb, "--all", "--backend", "native")
        assert run.code == 0, verb
        assert run.err == f"pipcache-ext: skipped 1 interpreter(s) without pip: {bare}\n"
        document = cli_json(capsys, verb, "--all", "--backend", "native")
        (skipped,) = [e for e in document["results"] if e["error"] is not None]
        assert skipped["error"]["type"] == "PipNotFoundError"
        assert skipped["interpreter"]["path"] == str(bare)
    assert cli(capsys, "-q", "dir", "--all").err == ""
    # named, it is a failure
    run = cli(capsys, "dir", "--python", bare)
    assert run.code == 1
    assert "has no pip" in run.err


def test_all_with_a_failing_pip_is_partial(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = fake_python(
        tmp_path / "broken" / "bin", None, pip_action="echo 'ERROR: it broke' >&2; exit 2"
    )
    monkeypatch.setenv("PATH", f"{os.environ['PATH']}{os.pathsep}{broken.parent}")
    run = cli(capsys, "dir", "--all")
    assert run.code == 3
    (line,) = run.err.splitlines()
    assert line.startswith(f"pipcache-ext: error: 'pip cache dir' failed for {broken}")
    assert line.endswith("(run with -v to see what pip printed)")
    document = cli_json(capsys, "purge", "--all", "--dry-run", "--backend", "native")
    assert document["exit_code"] == 3
    failed = [e for e in document["results"] if e["error"] is not None]
    assert [(e["cache_dir"], e["removal"], e["error"]["type"]) for e in failed] == [
        (None, None, "PipCommandError")
    ]
    assert failed[0]["error"]["interpreter"] == str(broken)


def test_all_and_python_adds_the_named_interpreter(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    other = build_cache(tmp_path / "cache-d")
    named = fake_python(tmp_path / "d" / "bin", other.cache_dir)
    document = cli_json(capsys, "dir", "--all", "--python", named)
    paths = {entry["interpreter"]["path"] for entry in document["results"]}
    assert paths == {str(p) for p in fakes["pythons"].values()} | {str(named)}
    missing = tmp_path / "missing" / "python"
    document = cli_json(capsys, "dir", "--all", "--python", missing)
    assert document["exit_code"] == 3
    (failed,) = [e for e in document["results"] if e["error"] is not None]
    assert failed["error"]["type"] == "InterpreterError"
    assert failed["error"]["interpreter"] == str(missing)


def test_every_verb_with_all_over_real_pips(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    newest: Path,
    discovery: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = venv_or_fail("20.1", "3.8")
    monkeypatch.setenv("PATH", f"{newest / 'bin'}{os.pathsep}{old / 'bin'}")
    before = files_under(cache.cache_dir)
    expected = {str(newest / "bin" / "python"), str(old / "bin" / "python")}
    for verb in (["dir"], ["info"], ["list", "six"], ["remove", "six", "--dry-run"],
                 ["purge", "--dry-run"], ["survey"]):  # fmt: skip
        run = cli(capsys, *verb, "--all")
        assert run.code == 0, (verb, run.err)
        assert run.err == "", verb
        document = cli_json(capsys, *verb, "--all")
        assert document["exit_code"] == 0
        entries = document["results"]
        if verb[0] in ("dir", "info", "list"):
            assert {e["interpreter"]["path"] for e in entries} == expected
        else:  # one cache, used by both, measured or cleaned by the newest pip
            (entry,) = entries
            assert entry["cache_dir"] == str(cache.cache_dir)
            assert {i["path"] for i in entry["interpreters"]} == expected
    (entry,) = cli_json(capsys, "purge", "--dry-run", "--all")["results"]
    assert entry["run_by"] == str(newest / "bin" / "python")
    assert {Path(p) for p in entry["removal"]["removed"]} == purge_targets(cache)
    (survey,) = cli_json(capsys, "survey")["results"]
    assert survey["info"]["pip_version"] == NEWEST
    assert survey["info"]["wheel_count"] == cache.wheel_count
    assert files_under(cache.cache_dir) == before


def test_without_discovery_or_survey_the_cli_says_so(
    capsys: pytest.CaptureFixture[str], cache: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(pipcache_ext, "survey")
    run = cli(capsys, "survey", "--python", sys.executable)
    assert (run.code, run.err) == (
        1,
        "pipcache-ext: error: survey is not available in this pipcache_ext\n",
    )
    monkeypatch.delattr(pipcache_ext, "run_discovery")
    document = cli_json(capsys, "dir", "--all")
    assert document["exit_code"] == 1
    assert document["error"]["type"] == "Aborted"
    assert "--python" in document["error"]["message"]
    assert cli(capsys, "dir").code == 0  # the running interpreter needs neither


# -- survey and interpreters -------------------------------------------------------------------


def test_survey_groups_caches_with_their_interpreters(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any]
) -> None:
    pythons, cache_a, cache_b = fakes["pythons"], fakes["A"], fakes["B"]
    document = cli_json(capsys, "survey", "--backend", "native")
    assert document["exit_code"] == 0
    by_dir = {entry["cache_dir"]: entry for entry in document["results"]}
    assert set(by_dir) == {str(cache_a.cache_dir), str(cache_b.cache_dir)}
    for manifest in (cache_a, cache_b):
        entry = by_dir[str(manifest.cache_dir)]
        assert set(entry) == {"cache_dir", "interpreters", "info", "error"}
        info = PipCache(pythons["b"] if manifest is cache_b else pythons["a"], backend="native")
        assert_model(entry["info"], info.info())
        http = sum(manifest.http_v1.values()) + sum(manifest.http_v2.values())
        assert entry["info"]["total_size"] == manifest.wheels_size + http
    assert sorted(i["path"] for i in by_dir[str(cache_a.cache_dir)]["interpreters"]) == sorted(
        [str(pythons["a"]), str(pythons["c"])]
    )

    run = cli(capsys, "survey", "--backend", "native")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["CACHE", "DIR", "SIZE", "HTTP", "FILES", "WHEELS", "PYTHONS", "PIP"]
    totals = {
        m.cache_dir: m.wheels_size + sum(m.http_v1.values()) + sum(m.http_v2.values())
        for m in (cache_a, cache_b)
    }
    kb = fmt.Unit("kB", 1000)
    row_a = next(line for line in lines if line.startswith(f"{cache_a.cache_dir} ")).split()
    assert " ".join(row_a[1:3]) == fmt.format_size(totals[cache_a.cache_dir], kb)  # exact
    http_files = len(cache_a.http_v1) + len(cache_a.http_v2)
    assert row_a[-4:] == [str(http_files), str(cache_a.wheel_count), "2", NEWEST]
    assert sum(line.lstrip().startswith(("http ", "wheels ")) for line in lines) == 4
    assert sum("█" in line for line in lines) == 6  # a bar per cache and per part
    assert f"  used by: {pythons['b']}" in lines
    assert lines[-1] == f"2 caches, {fmt.format_size(sum(totals.values()), kb)} in all"


def test_survey_of_named_interpreters_only(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    pythons = fakes["pythons"]
    missing = tmp_path / "nope" / "python"
    document = cli_json(
        capsys, "survey", "--backend", "native", "--python", pythons["b"], "--python", missing
    )
    assert fakes["discovery"].call_count == 0
    assert document["exit_code"] == 3
    ok, failed = document["results"]
    assert ok["cache_dir"] == str(fakes["B"].cache_dir)
    assert failed["cache_dir"] is None
    assert failed["error"]["type"] == "InterpreterError"
    assert failed["error"]["interpreter"] == str(missing)


def test_interpreters_lists_what_discovery_finds(
    capsys: pytest.CaptureFixture[str], fakes: Dict[str, Any], tmp_path: Path
) -> None:
    dangling = tmp_path / "dangling" / "bin"
    dangling.mkdir(parents=True)
    (dangling / "python3").symlink_to(tmp_path / "gone")
    os.environ["PATH"] += os.pathsep + str(dangling)
    found = pipcache_ext.run_discovery()
    document = cli_json(capsys, "interpreters")
    assert document["exit_code"] == 0
    assert document["sources"] == list(found.sources)
    assert len(document["results"]) == len(found.interpreters) == 3
    for entry, interpreter in zip(document["results"], found.interpreters):
        assert entry["error"] is None
        assert_model(entry["interpreter"], interpreter)
    assert document["failures"] == [
        {"path": str(f.path), "reason": f.reason, "sources": list(f.sources)}
        for f in found.failures
    ]
    run = cli(capsys, "interpreters")
    lines = run.out.splitlines()
    assert lines[0].split() == ["PYTHON", "VERSION", "PIP", "VENV", "FOUND", "BY"]
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(
        str(p) for p in fakes["pythons"].values()
    )
    assert all(
        line.split()[1:] == ["CPython", "3.11.7", NEWEST, "no", "path"] for line in lines[1:]
    )
    assert run.err == "pipcache-ext: 1 other candidate(s) could not be used (-v lists them)\n"
    verbose = cli(capsys, "-v", "interpreters")
    assert f"not used: {dangling / 'python3'}: a dangling symlink" in verbose.err


def test_progress_on_a_terminal_only(
    capsys: pytest.CaptureFixture[str],
    fakes: Dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = cli(capsys, "survey", "--backend", "native")
    assert "\r" not in piped.err
    terminal = TTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm")
    assert main(["survey", "--backend", "native"]) == 0
    progress = terminal.getvalue()
    assert "\r\x1b[Kpipcache-ext: discovering interpreters" in progress
    assert "surveying 3 interpreters" in progress or "asking for cache dirs" in progress
    assert progress.endswith("\r\x1b[K")  # erased when done
    terminal.truncate(0)
    assert main(["-q", "survey", "--backend", "native"]) == 0
    assert terminal.getvalue().strip("\x00") == ""
    assert capsys.readouterr().out.count("CACHE DIR") == 2


# -- failures and exit codes -------------------------------------------------------------------


def _garbage(tmp_path: Path) -> Path:
    return fake_python(tmp_path / "garbage", None, pip_action="echo 'Something unexpected'")


@pytest.mark.parametrize(
    ("kind", "argv", "message"),
    [
        ("InterpreterError", ["dir", "--python", "{tmp}/nope/python"], "no such interpreter"),
        ("PipNotFoundError", ["info", "--python", "{nopip}"], "has no pip"),
        ("CacheDisabledError", ["info", "--python", "{newest}"], "disabled"),
        ("PipCommandError", ["info", "--python", "{newest}"], "not an ini file"),
        (
            "UnsupportedPipError",
            ["info", "--backend", "pip", "--python", "{old}"],
            "--backend native",
        ),
        ("ParseError", ["dir", "--python", "{garbage}"], "Something unexpected"),
    ],
)
def test_each_failure_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str],
    cache: Manifest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    argv: List[str],
    message: str,
) -> None:
    places = {"tmp": str(tmp_path), "garbage": ""}
    if "{nopip}" in argv:
        places["nopip"] = str(venv_or_fail(None, "3.12"))
    if "{newest}" in argv:
        places["newest"] = str(venv_or_fail(NEWEST, "3.12"))
    if "{old}" in argv:
        places["old"] = str(venv_or_fail("20.0.2", "3.11"))
    if "{garbage}" in argv:
        places["garbage"] = str(_garbage(tmp_path))
    if kind == "CacheDisabledError":
        monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    if kind == "PipCommandError":
        config = tmp_path / "pip.conf"
        config.write_text("this is [not an ini file\n")
        monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    argv = [arg.format(**places) for arg in argv]
    interpreter = argv[argv.index("--python") + 1]

    run = cli(capsys, *argv)
    assert run.code == 1
    assert run.out == ""
    (line,) = run.err.splitlines()
    assert line.startswith("pipcache-ext: error: ")
    assert interpreter in line
    assert message in line
    no_traceback(run.err)

    document = cli_json(capsys, *argv)
    (entry,) = document["results"]
    assert entry["error"]["type"] == kind
    assert entry["error"]["interpreter"] == interpreter
    assert message in entry["error"]["message"]

    verbose = cli(capsys, "-v", *argv)
    assert verbose.code == 1
    assert "Traceback (most recent call last)" in verbose.err
    assert f"pipcache_ext.errors.{kind}" in verbose.err


def test_an_unexpected_error_is_one_line_without_v(
    capsys: pytest.CaptureFixture[str], cache: Manifest, mocker: MockerFixture
) -> None:
    mocker.patch.object(PipCache, "dir", side_effect=RuntimeError("a bug"))
    run = cli(capsys, "dir")
    assert run.code == 1
    assert run.err == (
        "pipcache-ext: internal error: RuntimeError: a bug (run with -v for the traceback)\n"
    )
    verbose = cli(capsys, "dir", "-v")
    assert "Traceback (most recent call last)" in verbose.err
    document = cli_json(capsys, "dir")
    assert document["error"] == {
        "type": "InternalError",
        "message": "RuntimeError: a bug",
        "interpreter": None,
    }


def test_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], cache: Manifest, mocker: MockerFixture
) -> None:
    mocker.patch.object(PipCache, "dir", side_effect=KeyboardInterrupt)
    assert cli(capsys, "dir").code == 130


def test_discovery_finding_nothing_fails(
    capsys: pytest.CaptureFixture[str],
    discovery: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for argv in (["dir", "--all"], ["interpreters"], ["survey"]):
        run = cli(capsys, *argv)
        assert run.code == 1, argv
        assert "no Python interpreter" in run.err or "no interpreter" in run.err


# -- the JSON schema ---------------------------------------------------------------------------

INTERPRETER_KEYS = {
    "path", "executable", "version", "implementation", "prefix", "base_prefix", "is_venv",
    "pip_version", "pip_location", "sources", "aliases",
}  # fmt: skip
CACHE_INFO_KEYS = {
    "cache_dir", "wheels_dir", "wheel_count", "wheels_size", "http_dirs", "http_files",
    "http_size", "exact", "backend", "pip_version", "wheels_size_text", "http_size_text",
    "total_size",
}  # fmt: skip
WHEEL_KEYS = {"filename", "name", "version", "size", "path", "exact"}
REMOVAL_KEYS = {
    "files_removed", "bytes_removed", "dirs_removed", "removed", "matched", "warnings", "exact",
    "dry_run", "backend",
}  # fmt: skip
ERROR_KEYS = {"type", "message", "interpreter"}
DOCUMENT_KEYS = {"schema_version", "command", "exit_code", "error", "results"}


def test_schema_version_1_matches_the_models() -> None:
    """A model field added or gone changes the JSON: decide, document, maybe bump the version."""
    assert fmt.SCHEMA_VERSION == 1
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
        "dir": {"interpreter", "cache_dir", "error"},
        "info": {"interpreter", "info", "error"},
        "list": {"interpreter", "wheels", "error"},
        "remove": {"cache_dir", "interpreters", "run_by", "removal", "error"},
        "purge": {"cache_dir", "interpreters", "run_by", "removal", "error"},
        "survey": {"cache_dir", "interpreters", "info", "error"},
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


# -- pure formatting ---------------------------------------------------------------------------


def test_sizes_use_one_decimal_unit() -> None:
    unit = fmt.pick_unit([640, 250_000, None])
    assert unit == fmt.Unit("kB", 1000)
    assert fmt.format_size(640, unit) == "0.6 kB"
    assert fmt.format_size(20, unit) == "<0.1 kB"
    assert fmt.format_size(0, unit) == "0.0 kB"
    assert fmt.format_size(250_000, unit, exact=False) == "~250.0 kB"
    assert fmt.format_size(None, unit) == "?"
    assert fmt.pick_unit([999]) == fmt.Unit("B", 1)
    assert fmt.format_size(999, fmt.pick_unit([999])) == "999 B"
    assert fmt.pick_unit([3_400_000_000]).name == "GB"
    assert fmt.pick_unit([]) == fmt.Unit("B", 1)


def test_bars_are_to_scale() -> None:
    assert fmt.bar(100, 100) == "█" * fmt.BAR_WIDTH
    assert fmt.bar(50, 100) == "█" * (fmt.BAR_WIDTH // 2)
    assert fmt.bar(1, 10_000) == "▏"  # never invisible
    assert fmt.bar(0, 100) == fmt.bar(None, 100) == ""
    assert fmt.bar(50, 100, ascii_only=True) == "#" * (fmt.BAR_WIDTH // 2)
    assert fmt.bar(33, 100) == "█" * 7 + "▉"  # 7.92 cells: 7 full and 7 eighths


def test_bars_fall_back_to_ascii(
    capsys: pytest.CaptureFixture[str], cache: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["info", "--backend", "native"]) == 0
    out.seek(0)
    text = out.read()
    assert "#" in text
    assert "█" not in text


# -- the installed command ---------------------------------------------------------------------


def _console_script() -> Path:
    script = Path(sys.executable).parent / "pipcache-ext"
    if not script.exists():
        pytest.fail(f"{script} is missing: pip install -e . in this venv")
    return script


def test_console_script_and_python_m(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    script = _console_script()
    argv = ["info", "--json", "--python", str(newest), "--backend", "native"]
    completed = subprocess.run(
        [str(script), *argv], capture_output=True, text=True, env=dict(os.environ), check=False
    )
    assert (completed.returncode, completed.stderr) == (0, "")
    assert json.loads(completed.stdout) == cli_json(capsys, *argv[:1], *argv[2:])

    module = subprocess.run(
        [sys.executable, "-m", "pipcache_ext", "dir"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert (module.returncode, module.stdout, module.stderr) == (0, f"{cache.cache_dir}\n", "")

    failed = subprocess.run(
        [str(script), "dir", "--python", "/nonexistent/python"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    no_traceback(failed.stderr)

    usage = subprocess.run([str(script), "bogus"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2

    before = files_under(cache.cache_dir)
    purge = subprocess.run(
        [str(script), "purge", "--python", str(newest), "--dry-run"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
        check=False,
    )
    assert purge.returncode == 0
    assert "\r" not in purge.stderr  # no progress when piped
    assert files_under(cache.cache_dir) == before
