"""The HTTP cache (``http/`` and ``http-v2/``), entry by entry: read, named, measured, removed.

Modules, imports running down this list:

- ``listing``: the listing (``list_http``), naming every entry, with the disk cache ``store``;
- ``remove``: ``remove_project`` and ``purge(everything=True)`` as deletion plans; ``areas``:
  what a pip does not count;
- ``entries``: reading the entries of a scanned tree relative to directory handles;
- ``naming``: from what each entry says to names, URLs and file names (pure);
- ``sniff``: what one response is; ``serial``: CacheControl's formats; ``mpack``: msgpack;
  ``zipread``, ``tarread``: wheels and sdists; ``pages``: index pages and core metadata;
  ``urls``: CacheControl's keys; ``source``: bytes, windows and capped inflation.
"""
