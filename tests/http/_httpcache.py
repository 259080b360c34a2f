"""Write HTTP cache entries the way pip's CacheControl does, for tests that need odd ones.

``cc=4`` entries are packed with pip's own vendored msgpack (an implementation independent of
the reader under test), ``cc=2`` ones as CacheControl 0.11 writes them; paths follow the
5-level rule, computed here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from pip._vendor import msgpack


def key(url: str) -> str:
    return hashlib.sha224(url.encode()).hexdigest()


def entry_path(cache: Path, area: str, url: str) -> Path:
    digest = key(url)
    return cache.joinpath(area, *digest[:5], digest)


def cc4(status: int, headers: Mapping[str, str], body: bytes) -> bytes:
    data = {
        "response": {
            "body": body,
            "headers": dict(headers),
            "status": status,
            "version": 11,
            "reason": "OK",
            "strict": 0,
            "decode_content": False,
        },
        "vary": {},
    }
    return b"cc=4," + msgpack.packb(data, use_bin_type=True)


def cc2(status: int, headers: Mapping[str, str], body: bytes) -> bytes:
    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    data = {
        "response": {
            "body": b64(body),
            "headers": {b64(k.encode()): b64(v.encode()) for k, v in headers.items()},
            "status": status,
            "version": 11,
            "reason": b64(b"OK"),
            "strict": True,
            "decode_content": False,
        },
        "vary": {},
    }
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf8")
    return b"cc=2," + zlib.compress(text)


def put(
    cache: Path,
    area: str,
    url: str,
    body: bytes,
    *,
    status: int = 200,
    headers: Optional[Dict[str, str]] = None,
    serde: str = "cc=4",
    raw: Optional[bytes] = None,
) -> List[Path]:
    """Write one entry; ``raw`` replaces the entry file's bytes. Returns its files."""
    headers = {"Content-Type": "application/octet-stream", **(headers or {})}
    path = entry_path(cache, area, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if area == "http-v2":
        path.write_bytes(raw if raw is not None else cc4(status, headers, b""))
        body_path = path.with_name(path.name + ".body")
        body_path.write_bytes(body)
        return [path, body_path]
    if raw is None:
        raw = cc2(status, headers, body) if serde == "cc=2" else cc4(status, headers, body)
    path.write_bytes(raw)
    return [path]
