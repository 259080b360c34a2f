r"""The JSON documents ``--json`` prints: models as JSON, errors, valid UTF-8 whatever the paths.

Every document has ``schema_version``, ``command``, ``exit_code``, ``error`` (``null`` unless the
call ran for no interpreter) and ``results`` (one entry per interpreter or per cache dir, each
with its own ``error``).

Paths come from the filesystem as ``os.fsdecode`` text: a byte that is not UTF-8 is a lone
surrogate there, which JSON cannot carry as text. Every string of a document is therefore
written with such bytes as ``\xNN`` (``os.fsencode(text).decode("utf-8", "backslashreplace")``):
``wheels/\xff/six.whl`` for the byte 0xff. The rest of the text, non-ASCII included, is kept
as it is, and the document is valid UTF-8 (or ASCII with ``\uXXXX`` escapes when stdout cannot
encode it). A name that really contains the four characters ``\xff`` reads the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO

from .._locrules import location_reason
from ..errors import PipCacheError
from ..models import CacheInfo, CacheLocation, RemovalResult
from .messages import cli_message

__all__ = [
    "LISTED_PATHS",
    "SCHEMA_VERSION",
    "document",
    "emit",
    "error_json",
    "failed_document",
    "printable",
    "removal_json",
    "to_json",
]

#: The version of the JSON documents ``--json`` prints. Bump it when a key changes meaning or
#: goes away; adding a key is not a change of version.
#:
#: 2 (issue 13): a removal's ``removed`` and ``deleted`` are ``null`` when they would list more
#: than :data:`LISTED_PATHS` paths, unless ``--paths`` or ``-v`` asks for every one; the counts,
#: ``failed`` and ``warnings`` are always complete. Version 1 listed every path: 30 MB of JSON for
#: a purge of 300,000 files.
SCHEMA_VERSION = 2

#: The most paths a removal's ``removed`` or ``deleted`` list holds unless every one is asked for.
LISTED_PATHS = 1000


def error_json(
    exc: Optional[PipCacheError], interpreter: Optional[Path] = None
) -> Optional[Dict[str, Any]]:
    """An error as ``{"type", "message", "interpreter"}`` (``interpreter`` a path or null).

    :param interpreter: the interpreter the error is about, when the error does not say.
    :returns: ``None`` for no error.
    """
    if exc is None:
        return None
    where = exc.interpreter if exc.interpreter is not None else interpreter
    return {
        "type": type(exc).__name__,
        "message": cli_message(exc, interpreter),
        "interpreter": None if where is None else os.fspath(where),
    }


def to_json(value: object) -> Any:  # noqa: ANN401, PLR0911 - JSON is any of its types
    """A model (or a list, tuple or dict of them) as JSON-ready data.

    Dataclasses become objects with every field (:class:`CacheInfo` adds ``total_size``), paths
    become strings, times ISO 8601 strings, tuples become lists, errors become
    :func:`error_json` objects.
    """
    if isinstance(value, PipCacheError):
        return error_json(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, CacheInfo):
            data["total_size"] = value.total_size
        if isinstance(value, CacheLocation):
            data["reason"] = location_reason(value)
        return data
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, datetime):  # ISO 8601, with its offset (+00:00 for UTC)
        return value.isoformat()
    if isinstance(value, (list, tuple, Sequence)) and not isinstance(value, (str, bytes)):
        return [to_json(item) for item in value]  # a LazyPaths too
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def removal_json(result: Optional[RemovalResult], *, paths: bool) -> Any:  # noqa: ANN401
    """A removal as JSON: ``removed``/``deleted`` ``null`` beyond :data:`LISTED_PATHS` paths.

    :param paths: list every path, however many (``--paths``, ``-v``).
    """
    if result is None:
        return None
    omit_removed = not paths and len(result.removed) > LISTED_PATHS
    omit_deleted = not paths and len(result.deleted) > LISTED_PATHS
    short = dataclasses.replace(
        result,
        removed=() if omit_removed else result.removed,
        deleted=() if omit_deleted else result.deleted,
    )
    data: Dict[str, Any] = to_json(short)
    if omit_removed:
        data["removed"] = None
    if omit_deleted:
        data["deleted"] = None
    return data


def document(
    command: str,
    exit_code: int,
    results: List[Any],
    **extra: Any,  # noqa: ANN401 - JSON values
) -> Dict[str, Any]:
    """The document of a call that ran: each entry of ``results`` carries its own error."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "exit_code": exit_code,
        "error": None,
        "results": results,
        **extra,
    }


def failed_document(command: str, code: int, kind: str, message: str) -> Dict[str, Any]:
    """The document of a call that ran for no interpreter: ``error`` set, no results."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "exit_code": code,
        "error": {"type": kind, "message": " ".join(message.split()), "interpreter": None},
        "results": [],
    }


def _escaped(text: str) -> str:
    try:
        raw = os.fsencode(text)  # the bytes the name has on disk
    except UnicodeEncodeError:  # a surrogate that no byte decodes to
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


def printable(value: Any) -> Any:  # noqa: ANN401 - JSON is any of its types
    r"""``value`` with every string's undecodable bytes (lone surrogates) written as ``\xNN``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _escaped(value)
        return value
    if isinstance(value, list):
        return [printable(item) for item in value]
    if isinstance(value, dict):
        return {printable(key): printable(item) for key, item in value.items()}
    return value


def emit(out: TextIO, data: Dict[str, Any]) -> None:
    """One JSON document on ``out``: UTF-8 text, or ASCII escapes when ``out`` cannot hold it."""
    clean = printable(data)
    try:
        out.write(json.dumps(clean, indent=2, ensure_ascii=False) + "\n")
    except UnicodeEncodeError:  # a stream in ASCII or Latin-1, under LANG=C on an old Python
        out.write(json.dumps(clean, indent=2, ensure_ascii=True) + "\n")
