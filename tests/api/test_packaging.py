"""The built distribution says what a user needs to trust it: licence, Pythons, typing."""

from __future__ import annotations

import email
import os
import zipfile
from pathlib import Path

import pytest
from flit_core import buildapi  # in the [test] extra

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        name = buildapi.build_wheel(str(out))
    finally:
        os.chdir(cwd)
    return out / name


def test_the_licence_survives_the_build(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = email.message_from_bytes(
            archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        )
        licence = next(n for n in names if n.endswith("licenses/LICENSE"))
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    classifiers = set(metadata.get_all("Classifier"))
    minors = {c.rsplit(":: ", 1)[1] for c in classifiers if c.startswith("Programming Language")}
    assert {"3.8", "3.9", "3.10", "3.11", "3.12", "3.13"} <= minors
    assert {"Environment :: Console", "Typing :: Typed"} <= classifiers
    assert metadata["Requires-Python"] == ">=3.8"
    assert metadata.get_all("Requires-Dist")[0] == "packaging>=20.9"


def test_the_wheel_ships_its_type_information(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert "pipcache_ext/py.typed" in archive.namelist()
