"""Pure functions from pip's text to this library's models: one module per ``pip cache`` verb."""

from __future__ import annotations

from ._common import ParsedSize, parse_size
from .dir import parse_dir
from .failure import Failure, parse_failure
from .info import parse_info
from .list import canonical_name, parse_list_abspath, parse_list_human, wheel_name_version
from .probe import PipCacheDirAnswer, parse_probe, pip_cache_answer, probe_data
from .remove import is_no_match_error, parse_removal

__all__ = [
    "Failure",
    "ParsedSize",
    "PipCacheDirAnswer",
    "canonical_name",
    "is_no_match_error",
    "parse_dir",
    "parse_failure",
    "parse_info",
    "parse_list_abspath",
    "parse_list_human",
    "parse_probe",
    "parse_removal",
    "parse_size",
    "pip_cache_answer",
    "probe_data",
    "wheel_name_version",
]
