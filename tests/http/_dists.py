"""Distributions built by the tests: wheels written with zipfile, sdists as tar.gz with PKG-INFO.

Each one knows what it is (project, version, kind, file name): tests compare what the library
names against these, never against what the library computed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass
from typing import Dict, List, Tuple

from packaging.utils import canonicalize_name

# The sdist's build backend, in its tree (PEP 517 backend-path): no build requirement to fetch.
_BACKEND = """
import os, zipfile

NAME = {name!r}
VERSION = {version!r}
DIST = NAME.replace("-", "_").replace(".", "_") + "-" + VERSION
METADATA = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (NAME, VERSION)
WHEEL = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, DIST + ".dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as handle:
        handle.write(METADATA)
    return DIST + ".dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = DIST + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        archive.writestr(DIST + ".dist-info/METADATA", METADATA)
        archive.writestr(DIST + ".dist-info/WHEEL", WHEEL)
        archive.writestr(DIST + ".dist-info/RECORD", "")
    return filename


def get_requires_for_build_sdist(config_settings=None):
    return []
"""


@dataclass(frozen=True)
class Dist:
    """A distribution file the index serves."""

    name: str  # as its metadata writes it
    version: str
    kind: str  # "wheel" or "sdist"
    filename: str
    data: bytes
    metadata: bytes  # its core metadata (PEP 658 serves it for wheels)

    @property
    def project(self) -> str:
        return canonicalize_name(self.name)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def _metadata(name: str, version: str) -> bytes:
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: a test project\n\n"
        f"The description of {name}.\n"
    ).encode()


def wheel(name: str, version: str, *, payload: int = 2000) -> Dist:
    """A pure-Python wheel of ``name`` ``version``, with a module of ``payload`` bytes."""
    dist = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    metadata = _metadata(name, version)
    module = f"{canonicalize_name(name).replace('-', '_')}.py"
    files: List[Tuple[str, bytes]] = [
        (module, (b"# " + b"x" * 70 + b"\n") * (payload // 73 + 1)),
        (f"{dist}.dist-info/METADATA", metadata),
        (
            f"{dist}.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = "".join(f"{path},{_record_hash(data)}\n" for path, data in files)
    record += f"{dist}.dist-info/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            archive.writestr(path, data)
        archive.writestr(f"{dist}.dist-info/RECORD", record)
    return Dist(name, version, "wheel", f"{dist}-py3-none-any.whl", buffer.getvalue(), metadata)


def sdist(name: str, version: str) -> Dist:
    """An sdist ``<name>-<version>.tar.gz`` with PKG-INFO and an in-tree PEP 517 backend."""
    top = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    metadata = _metadata(name, version)
    files: Dict[str, bytes] = {
        "PKG-INFO": metadata,
        "pyproject.toml": (
            b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        "backend.py": _BACKEND.format(name=name, version=version).encode(),
        "README": b"a test sdist\n" * 50,
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return Dist(name, version, "sdist", f"{top}.tar.gz", buffer.getvalue(), metadata)
