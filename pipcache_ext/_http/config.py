"""Where the HTTP listing keeps what it learnt, and the index URLs pip is configured with.

Light (the readers are not imported): a usage counted from its tally needs only these.
"""

from __future__ import annotations

import configparser
import contextlib
from pathlib import Path
from typing import List, Mapping

from .._probing.store import pip_config_files, user_cache_dir

__all__ = ["index_urls", "store_root"]


def store_root(env: Mapping[str, str]) -> Path:
    """Where listings are kept: this library's own cache dir, ``http-entries/``."""
    return user_cache_dir(env) / "http-entries"


def index_urls(env: Mapping[str, str]) -> List[str]:
    """The index URLs pip is configured with (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``, files).

    They are candidates for finding an index page's own URL; a wrong one costs a hash.
    """
    found: List[str] = []
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        found.extend(env.get(name, "").split())
    parser = configparser.RawConfigParser(strict=False)
    with contextlib.suppress(configparser.Error, UnicodeDecodeError):
        parser.read(pip_config_files(env), encoding="utf-8")
    for section in parser.sections():
        for option in ("index-url", "extra-index-url", "index_url", "extra_index_url"):
            if parser.has_option(section, option):
                found.extend(parser.get(section, option).split())
    return list(dict.fromkeys(found))
