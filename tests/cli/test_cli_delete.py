"""``remove`` and ``purge``: dry runs, confirmation, the guard, one run per cache dir."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Set

import pytest
from _cachetree import Manifest, build_cache, files_under, pip_pattern_matches
from _cli_helpers import (
    NEWEST,
    TTY,
    Run,
    assert_model,
    cli,
    cli_json,
    fake_python,
    no_traceback,
    purge_targets,
)
from pytest_mock import MockerFixture

from pipcache_ext import PipCache
from pipcache_ext._cli import text as fmt

pytest_plugins = ["_cli_fixtures"]


@pytest.mark.realpip
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


@pytest.mark.realpip
def test_remove_deletes_the_matching_wheels(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    before = files_under(cache.cache_dir)
    six = set(cache.wheels_matching(lambda name: pip_pattern_matches("six", name)))
    # --include-recent: pip's own command runs (nothing here is recent), whose size is rounded
    run = cli(capsys, "remove", "six", "--python", newest, "--include-recent")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].startswith(f"Files removed: {len(six)} (~")  # pip 25.0+ prints a size
    assert lines[1].startswith("Directories removed: ")  # pip 26.0+
    gone = before - files_under(cache.cache_dir)
    assert six <= gone
    assert not any(path.name.endswith(".whl") for path in gone - six)


@pytest.mark.realpip
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


@pytest.mark.realpip
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


@pytest.mark.realpip
def test_purge_from_a_script_needs_no_yes_for_one_interpreter(
    capsys: pytest.CaptureFixture[str], cache: Manifest, newest: Path
) -> None:
    run = cli(capsys, "purge", "--python", newest, "--include-recent")  # pip's own purge
    assert run.code == 0
    assert "Proceed?" not in run.err
    assert run.out.startswith(f"Files removed: {len(purge_targets(cache))} (~")
    assert files_under(cache.cache_dir) == set(cache.untouchable)


@pytest.mark.realpip
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


@pytest.mark.realpip
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


@pytest.mark.realpip
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


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """``chattr +i`` a file (not even root can delete it then); undone after the test."""
    marked: List[Path] = []

    def mark(path: Path) -> None:
        done = subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.skip(f"chattr +i needs root on ext4/xfs/btrfs: {done.stderr.strip()}")
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_what_a_removal_leaves_in_place_is_named_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, immutable: Callable[[Path], None]
) -> None:
    manifest = build_cache(tmp_path / "cache")
    python = fake_python(tmp_path / "bin", manifest.cache_dir)
    six = manifest.wheels_matching(lambda name: pip_pattern_matches("six", name))
    stuck = manifest.wheels["six-1.16.0-py2.py3-none-any.whl"][0]
    immutable(stuck)
    run = cli(capsys, "remove", "six", "--backend", "native", "--python", python)
    assert run.code == 1
    assert [p for p in six if p.exists()] == [stuck]
    lines = run.err.splitlines()
    header = next(line for line in lines if line.startswith("pipcache-ext: error: "))
    assert header.startswith(f"pipcache-ext: error: {manifest.cache_dir}: ")
    assert header.endswith(
        "path(s) that the removal meant to delete are still there"
        " (permissions, an immutable file or a read-only filesystem?):"
    )
    assert f"pipcache-ext: error:   {stuck}" in lines
    no_traceback(run.err)
    document = cli_json(capsys, "remove", "six", "--backend", "native", "--python", python)
    assert document["exit_code"] == 1
    (entry,) = document["results"]
    assert str(stuck) in entry["removal"]["failed"]
    assert entry["error"]["type"] == "RemovalIncomplete"
    assert entry["error"]["interpreter"] == str(python)
    assert stuck.exists()


def test_leftovers_in_one_of_several_caches_is_partial(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, immutable: Callable[[Path], None]
) -> None:
    stuck_cache, clean_cache = build_cache(tmp_path / "cache-a"), build_cache(tmp_path / "cache-b")
    first = fake_python(tmp_path / "a" / "bin", stuck_cache.cache_dir)
    second = fake_python(tmp_path / "b" / "bin", clean_cache.cache_dir)
    stuck = stuck_cache.wheel_paths[0]
    immutable(stuck)
    args = ["purge", "--yes", "--backend", "native", "--python", first, "--python", second]
    document = cli_json(capsys, *args)
    assert document["exit_code"] == 3
    by_dir = {entry["cache_dir"]: entry for entry in document["results"]}
    assert str(stuck) in by_dir[str(stuck_cache.cache_dir)]["removal"]["failed"]
    assert by_dir[str(stuck_cache.cache_dir)]["error"]["type"] == "RemovalIncomplete"
    assert by_dir[str(clean_cache.cache_dir)]["removal"]["failed"] == []
    assert by_dir[str(clean_cache.cache_dir)]["error"] is None
    assert files_under(clean_cache.cache_dir) == set(clean_cache.untouchable)
    assert stuck.exists()


def test_cache_dirs_come_from_the_probe_and_the_newest_pip_acts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No ``pip cache dir`` per interpreter: the probe's answers group them, once per dir."""
    shared, alone = build_cache(tmp_path / "cache-a"), build_cache(tmp_path / "cache-b")
    log = tmp_path / "pip-runs"

    def python(name: str, cache_dir: Path, pip: str) -> Path:
        action = f"echo \"$*\" >> '{log}'; echo '{cache_dir}'"
        return fake_python(tmp_path / name / "bin", cache_dir, pip=pip, pip_action=action)

    older = python("older", shared.cache_dir, "23.0")
    newer = python("newer", shared.cache_dir, NEWEST)
    other = python("other", alone.cache_dir, NEWEST)
    before = files_under(shared.cache_dir) | files_under(alone.cache_dir)
    args = ["purge", "--dry-run", "--backend", "native"]
    args += ["--python", older, "--python", newer, "--python", other]
    document = cli_json(capsys, *args)
    assert document["exit_code"] == 0
    first, second = document["results"]
    assert first["cache_dir"] == str(shared.cache_dir)
    assert [i["path"] for i in first["interpreters"]] == [str(older), str(newer)]
    assert first["run_by"] == str(newer)  # the newest pip, though given second
    assert second["run_by"] == str(other)
    runs = log.read_text().splitlines() if log.exists() else []
    assert len([run for run in runs if run.endswith("cache dir")]) <= 2  # the actors' own, if any
    assert files_under(shared.cache_dir) | files_under(alone.cache_dir) == before
