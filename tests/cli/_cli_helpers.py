"""Helpers of the command-line tests: ``main(argv)`` in-process, checks, fake interpreters.

The fixtures are in ``_cli_fixtures`` (``pytest_plugins = ["_cli_fixtures"]``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, NamedTuple, Optional, Set

import pytest
from _cachetree import Manifest
from conftest import write_script

from pipcache_ext.__main__ import main

NEWEST = "26.3"


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
    assert document["schema_version"] == 2
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
    """``directory/python``: answers the identity probe (the cache-dir question too, with
    ``cache_dir``; ``None``: pip rejects its configuration) and runs ``pip_action`` (default:
    print ``cache_dir``, pip's ``cache dir`` answer) for pip, between the bootstrap's markers.

    As the real probe and bootstrap do, the probe's answer carries the nonce it is given (its
    first argument) and pip's output is marked when ``PIPCACHE_EXT_PIP_NONCE`` is set.
    """
    exe = directory / "python"
    pip_cache: Optional[Dict[str, Any]] = None
    if pip is not None and cache_dir is None:
        pip_cache = {"command": "cache", "error": "pip rejected its configuration (exit 2)"}
    elif pip is not None:
        pip_cache = {
            "command": "cache", "raw": str(cache_dir), "relative": False,
            "cache_dir": str(cache_dir),
        }  # fmt: skip
    answer = {
        "version": "3.11.7", "implementation": "cpython", "executable": str(exe),
        "prefix": str(directory), "base_prefix": str(directory), "pip_version": pip,
        "pip_location": None, "sys_path": [], "user_site": None, "pip_cache": pip_cache,
    }  # fmt: skip
    action = pip_action or f"echo '{cache_dir}'"
    directory.mkdir(parents=True, exist_ok=True)
    return write_script(
        exe,
        f"""#!/bin/sh
mark() {{
  if [ -n "$PIPCACHE_EXT_PIP_NONCE" ]; then printf '\\n%s%s\\n' "$1" "$PIPCACHE_EXT_PIP_NONCE"; fi
}}
case "$2" in
  *PIPCACHE_EXT_PROBE*) printf 'PIPCACHE_EXT_PROBE:%s:%s:%s\\n' "$3" '{json.dumps(answer)}' "$3" ;;
  *) mark PIPCACHE_EXT_PIP_BEGIN:; ( {action} ); status=$?; mark PIPCACHE_EXT_PIP_END:
     exit $status ;;
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


def console_script() -> Path:
    """The installed ``pipcache-ext`` of this venv."""
    script = Path(sys.executable).parent / "pipcache-ext"
    if not script.exists():
        pytest.fail(f"{script} is missing: pip install -e . in this venv")
    return script


def json_strings(value: Any) -> Iterator[str]:
    """Every string of a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
