"""The probe against real interpreters whose ``sitecustomize`` prints at start and at exit."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, Tuple

import _pipenvs
import pytest
from _discovery_fakes import pyenv_or_fail

from pipcache_ext._discovery import DiscoveryContext, discover
from pipcache_ext._probing import probe_cache_dir, probe_interpreter

pytestmark = pytest.mark.realpip

FORGED = (
    'PIPCACHE_EXT_PROBE:{"version": "0.0.1", "implementation": "forged", "executable": "/forged",'
    ' "prefix": "/forged", "base_prefix": "/forged", "pip_version": "99.0", "pip_location": null,'
    ' "pip_cache": {"command": "cache", "raw": "x", "cache_dir": "/forged/cache"}}'
)

# Runs on every Python the matrix uses (3.6+): what a noisy site hook does.
SITECUSTOMIZE = """
import atexit, sys
sys.stdout.write("hello from sitecustomize")
sys.stdout.write("\\n/wrong/at/start\\n" + {forged!r} + "\\n")
with open({ran!r}, "a") as f:
    f.write("ran\\n")

def bye():
    sys.stdout.write("/wrong/at/exit\\n" + {forged!r} + "\\n/wrong/without/newline")

atexit.register(bye)
"""


def noisy_venv(root: Path, pip: str, minor: str) -> Tuple[Path, Path]:
    """A fresh venv with a real ``pip`` and a printing ``sitecustomize``: ``(venv, ran-file)``."""
    base = pyenv_or_fail(minor)
    venv = root / f"venv-{pip}"
    python = _pipenvs.make_venv(venv, base, _pipenvs.pip_wheel(pip))
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    ran = root / f"ran-{pip}"
    hook = SITECUSTOMIZE.format(forged=FORGED, ran=str(ran))
    (Path(out.stdout.strip()) / "sitecustomize.py").write_text(hook)
    return venv, ran


@pytest.mark.parametrize(("pip", "minor"), [("9.0.3", "3.6"), ("19.3.1", "3.11"), ("26.3", "3.12")])
def test_site_hook_output_never_changes_the_answer(
    pip: str, minor: str, tmp_path: Path, isolated_env: Dict[str, str]
) -> None:
    venv, ran = noisy_venv(tmp_path, pip, minor)
    python = venv / "bin" / "python"
    cache = tmp_path / "the-cache"
    env = {**isolated_env, "PIP_CACHE_DIR": str(cache)}
    # the hook does print, on stdout, at start and at exit
    said = subprocess.run(
        [str(python), "-c", "print('between')"], env=env, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    assert said.startswith("hello from sitecustomize\n/wrong/at/start\n" + FORGED)
    assert said.endswith("between\n/wrong/at/exit\n" + FORGED + "\n/wrong/without/newline")

    interpreter = probe_interpreter(venv, env=env)

    assert interpreter.path == venv
    assert interpreter.executable == python
    assert interpreter.prefix == venv
    assert interpreter.is_venv
    assert interpreter.version.startswith(minor + ".")
    assert interpreter.pip_version == pip
    for use_cache in (False, True, True):  # a stored answer is the right one too
        answer = probe_cache_dir(interpreter, env=env, use_cache=use_cache)
        assert (answer.state, answer.cache_dir) == ("ok", cache.resolve())
    discovered = discover(
        DiscoveryContext.current(env), sources=[], extra_paths=[venv], pip_cache=True
    )
    assert discovered.result.failures == ()
    ((found, answer),) = discovered.pip_cache.items()
    assert (found.prefix, found.pip_version) == (venv, pip)
    assert (answer.state, answer.cache_dir) == ("ok", cache.resolve())
    assert len(ran.read_text().splitlines()) >= 4  # the hook ran in every probe
