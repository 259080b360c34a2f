"""The HTTP cache (``http/`` and ``http-v2/``), entry by entry: read, named, measured, removed.

Modules, imports running down this list:

- ``actions``: what the facade calls (the listing with pip's index URLs and the disk cache,
  ``remove_project``, what a pip does not count, ``purge(everything=True)``); it imports the
  readers only when one of them runs;
- ``remove``: a project's removal and the unseen areas' as deletion plans (whole entries);
- ``listing``: one scan, every entry read or taken from ``store`` (the disk cache), named;
- ``shards``: a large cache's areas scanned and read by forked workers, shard by shard;
- ``areas``: an area's entries (which files make each, the disk cache, reading them);
- ``entries``: one entry read relative to directory handles;
- ``naming``: from what each entry says to names, URLs and file names (pure);
- ``sniff``: what one response is; ``serial``: CacheControl's formats; ``mpack``: msgpack;
  ``zipread``, ``tarread``: wheels and sdists; ``pages``: index pages and core metadata;
  ``urls``: CacheControl's keys; ``source``: bytes, windows and capped inflation.
"""

from __future__ import annotations

from .._pipversions import HTTP_V1, HTTP_V2

__all__ = ["HTTP_AREAS"]

#: The HTTP areas, in the order they are listed.
HTTP_AREAS = (HTTP_V2, HTTP_V1)
