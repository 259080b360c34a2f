"""Virtual environments holding one real pip each, built from PyPI wheels and cached between runs.

The venvs live under ``$PIPCACHE_EXT_TEST_CACHE`` (default ``~/.cache/pipcache_ext-tests``, read
from the real environment when this module is imported, before tests isolate ``HOME``). That is
this test suite's own cache, never pip's: wheels are downloaded with ``--no-cache-dir``.

A venv is made with ``python -m venv --without-pip`` and pip's wheel is unzipped into its
site-packages: pip is pure Python, so this is an install, and it takes milliseconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

CACHE_ROOT = Path(
    os.environ.get("PIPCACHE_EXT_TEST_CACHE")
    or Path(os.environ.get("HOME") or Path.home()) / ".cache" / "pipcache_ext-tests"
)
PYENV_ROOT = Path(
    os.environ.get("PYENV_ROOT") or Path(os.environ.get("HOME") or Path.home()) / ".pyenv"
)
_REAL_ENV = dict(os.environ)

# The pips of the real-pip matrix (issue 2) and the Python each runs on. pip <= 19.1 does not
# import on Python >= 3.10; pip 25.3+ needs Python >= 3.9.
MATRIX: Dict[str, str] = {
    "20.1": "3.8",
    "20.2.4": "3.8",
    "20.3.4": "3.8",
    "21.2.4": "3.11",
    "21.3.1": "3.11",
    "22.2": "3.11",
    "22.2.1": "3.11",
    "23.2.1": "3.11",
    "23.3": "3.11",
    "24.3.1": "3.12",
    "25.0": "3.12",
    "25.3": "3.12",
    "26.0": "3.12",
    "26.2.1": "3.12",
    "26.3": "3.12",
}
NEWEST = "26.3"


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """One builder at a time for ``name``, across test processes (pytest-xdist workers)."""
    locks = CACHE_ROOT / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def version_key(text: str) -> Tuple[int, ...]:
    """The tests' one version sort key (``"3.11.7"`` -> ``(3, 11, 7)``)."""
    return tuple(int(x) for x in text.split(".") if x.isdigit())


class MissingPython(Exception):  # noqa: N818 - reads as a condition, not a failure of the code
    """The pyenv Python a venv needs is not installed on this machine."""


def pyenv_python(minor: str) -> Path:
    """The newest pyenv-installed CPython ``minor`` (e.g. ``"3.8"``), or :class:`MissingPython`."""
    versions = PYENV_ROOT / "versions"
    candidates = sorted(
        (p for p in versions.glob(f"{minor}.*") if p.name.count(".") == 2),
        key=lambda p: version_key(p.name),
    )
    for root in reversed(candidates):
        exe = root / "bin" / f"python{minor}"
        if exe.exists():
            return exe
    raise MissingPython(f"Python {minor} is not installed under {versions}")


def pip_wheel(version: str) -> Path:
    """pip ``version``'s wheel, downloaded from the package index once."""
    wheels = CACHE_ROOT / "wheels"
    found = sorted(wheels.glob(f"pip-{version}-*.whl"))
    if found:
        return found[0]
    with _locked(f"pip-{version}"):
        found = sorted(wheels.glob(f"pip-{version}-*.whl"))
        return found[0] if found else _download_pip(version, wheels)


def _download_pip(version: str, wheels: Path) -> Path:
    wheels.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheels) as tmp:
        env = {k: v for k, v in _REAL_ENV.items() if k not in ("PIP_REQUIRE_VIRTUALENV",)}
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-cache-dir",
             "--only-binary=:all:", "--dest", tmp, f"pip=={version}"],
            check=True, env=env, stdin=subprocess.DEVNULL, timeout=300,
        )  # fmt: skip
        (wheel,) = Path(tmp).glob("pip-*.whl")
        target = wheels / wheel.name
        os.replace(wheel, target)
    return target


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return Path(out.stdout.strip())


def make_venv(target: Path, base: Path, wheel: Optional[Path]) -> Path:
    """Create a venv of ``base`` at ``target`` and unzip pip's ``wheel`` into it (``None``: no pip).

    :returns: the venv's python.
    """
    subprocess.run(
        [str(base), "-m", "venv", "--without-pip", str(target)],
        check=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    python = target / "bin" / "python"
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(_site_packages(python))
    return python


def venv_with_pip(pip_version: Optional[str], python_minor: str) -> Path:
    """A venv of pyenv's Python ``python_minor`` holding pip ``pip_version`` (``None``: no pip).

    :returns: the venv's directory.
    """
    base = pyenv_python(python_minor)
    name = f"py{python_minor}-pip{pip_version or 'none'}"
    target = CACHE_ROOT / "venvs" / name
    if (target / ".complete").exists() and (target / COMPILED).exists():
        return target
    wheel = pip_wheel(pip_version) if pip_version else None
    with _locked(name):
        if not (target / ".complete").exists():
            _build_venv(target, base, wheel, name, pip_version)
        _compiled(target / "bin" / "python", _site_packages(target / "bin" / "python"), target)
    return target


#: The stamp of a venv (or pip directory) whose modules are compiled.
COMPILED = ".compiled"


def _compiled(python: Path, tree: Path, stamp_dir: Path) -> None:
    """Compile ``tree`` with ``python``, as ``pip install`` does for the pips users have.

    The venvs are unzipped wheels, and this machine sets ``PYTHONDONTWRITEBYTECODE``: each real pip
    run would compile the modules it imports again (pip 9's config probe on 3.6: 1.07 s of CPU
    uncompiled, 0.42 s compiled). ``compileall`` writes the files whatever that variable says.
    """
    if (stamp_dir / COMPILED).exists():
        return
    # check=False: a module that this Python cannot compile is one that pip never imports here.
    subprocess.run(
        [str(python), "-m", "compileall", "-q", str(tree)],
        check=False, capture_output=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    (stamp_dir / COMPILED).write_text("compiled\n")


def _build_venv(
    target: Path, base: Path, wheel: Optional[Path], name: str, pip_version: Optional[str]
) -> None:
    (CACHE_ROOT / "venvs").mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CACHE_ROOT / "venvs"))
    try:
        # venv writes absolute paths only into activate scripts, so the venv can be renamed.
        make_venv(building, base, wheel)
        (building / ".complete").write_text(f"{pip_version} {base}\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def matrix_venv(pip_version: str) -> Tuple[Path, Path]:
    """The venv for a pip of :data:`MATRIX`: ``(venv dir, its python)``."""
    venv = venv_with_pip(pip_version, MATRIX[pip_version])
    return venv, venv / "bin" / "python"


def pip_on_path(pip_version: str) -> Path:
    """pip ``pip_version`` unzipped into a directory, for ``PYTHONPATH``.

    Python 2.7 has no ``venv``: its real-pip tests run pyenv's 2.7 with this on ``PYTHONPATH``,
    which comes before site-packages, so the interpreter's own pip is not the one tested.
    """
    target = CACHE_ROOT / "pythonpath" / f"pip{pip_version}"
    if (target / ".complete").exists() and (target / COMPILED).exists():
        return target
    wheel = pip_wheel(pip_version)
    with _locked(f"pythonpath-{pip_version}"):
        if not (target / ".complete").exists():
            _unzip_pip(target, wheel, pip_version)
        with contextlib.suppress(MissingPython):  # its users are 2.7 (and a 3.11 test)
            _compiled(pyenv_python("2.7"), target, target)
    return target


def _unzip_pip(target: Path, wheel: Path, pip_version: str) -> None:
    (CACHE_ROOT / "pythonpath").mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".pip{pip_version}-", dir=CACHE_ROOT / "pythonpath"))
    try:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(building)
        (building / ".complete").write_text(f"{pip_version}\n")
        shutil.rmtree(target, ignore_errors=True)
        building.replace(target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
