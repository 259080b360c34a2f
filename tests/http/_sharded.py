"""An HTTP cache spread over many shards, with bad entries of every kind: the parallel tests'."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List

from _dists import sdist, wheel
from _httpcache import cc4, entry_path, put

FILES = "https://files.example/packages/"
INDEX = "https://index.example/simple/"


def build(cache: Path, *, fifo: bool = True) -> Dict[str, List[Path]]:
    """Entries in both areas, spread over many shards; name -> its files (a FIFO if ``fifo``)."""
    made: Dict[str, List[Path]] = {}
    for area in ("http-v2", "http"):
        for i in range(24):
            name = f"proj{i:02d}"
            dist = wheel(name, "1.0") if i % 3 else sdist(name, "1.0")
            made[f"{area} {name}"] = put(cache, area, FILES + dist.filename, dist.data)
            if i % 4 == 0:
                listed = [{"filename": dist.filename, "url": FILES + dist.filename}]
                page = {"meta": {"api-version": "1.0"}, "name": name, "files": listed}
                made[f"{area} {name} page"] = put(
                    cache, area, f"{INDEX}{name}/", json.dumps(page).encode(),
                    headers={"Content-Type": "application/vnd.pypi.simple.v1+json"},
                )  # fmt: skip
        made[f"{area} corrupt"] = put(
            cache, area, FILES + "corrupt", b"", raw=b"cc=4," + bytes(300)
        )
        made[f"{area} not an entry"] = put(cache, area, FILES + "junk", b"", raw=b"<html>")
        top_stray = cache / area / "leftover.tmp"
        top_stray.write_bytes(b"half written")
        made[f"{area} top stray"] = [top_stray]
        if fifo:
            special = entry_path(cache, area, FILES + "fifo")
            special.parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(special)
            made[f"{area} fifo"] = [special]
    truncated = cc4(200, {}, wheel("cut", "1.0").data)
    made["http truncated"] = put(cache, "http", FILES + "cut", b"", raw=truncated[:200])
    meta_only = put(cache, "http-v2", FILES + "meta-only", b"")
    meta_only[1].unlink()
    made["http-v2 meta without body"] = meta_only[:1]
    body_only = put(cache, "http-v2", FILES + "lonely-3.0-py3-none-any.whl",
                    wheel("lonely", "3.0").data)  # fmt: skip
    body_only[0].unlink()
    made["http-v2 body without meta"] = body_only[1:]
    stray = made["http-v2 proj01"][0].parent / "other.tmp"
    stray.write_bytes(b"x")
    made["http-v2 shard stray"] = [stray]
    outside = cache.parent / "outside"
    (outside / "0").mkdir(parents=True)
    (cache / "http-v2" / "z").symlink_to(outside, target_is_directory=True)  # never entered
    return made
