"""Project names as pip's cache holds them: normalized, and read from a wheel's file name.

A foundation of its own, importing nothing of the package (nor ``packaging.utils``, which
imports ``packaging.tags`` and with it ``logging``, ``platform`` and ``subprocess``: 40 ms of the
start of a usage, which reads no tag).
"""

from __future__ import annotations

import re

__all__ = ["canonical_name", "wheel_name_version"]

_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """A project's name normalized (PEP 503): :mod:`packaging`'s ``canonicalize_name``.

    Written here as packaging writes it (see the module); a property test holds them equal.
    """
    return _SEPARATORS.sub("-", name).lower()


def wheel_name_version(filename: str) -> tuple[str, str]:
    """``(canonical name, version as written)`` of a wheel file name.

    Its first two ``-``-separated parts, the name canonicalized: what :mod:`packaging`'s
    ``parse_wheel_filename`` gives of a valid name (without parsing its tags, the most of its
    cost), and what pip lists of any other ``*-*.whl`` file.
    """
    parts = filename[: -len(".whl")].split("-", 2) if filename.endswith(".whl") else [filename]
    return canonical_name(parts[0]), parts[1] if len(parts) > 1 else ""
