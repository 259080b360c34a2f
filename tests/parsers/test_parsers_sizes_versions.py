"""pip's size format turned back into bytes, and pip version strings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipcache_ext._parsers import parse_size
from pipcache_ext._pipversions import PipVersion, features, parse_pip_version


def pip_format_size(num_bytes: float) -> str:
    """pip's own ``format_size`` (pip/_internal/utils/misc.py, unchanged 20.1-26.3), the oracle."""
    if num_bytes > 1000 * 1000:
        return f"{num_bytes / 1000.0 / 1000:.1f} MB"
    if num_bytes > 10 * 1000:
        return f"{int(num_bytes / 1000)} kB"
    if num_bytes > 1000:
        return f"{num_bytes / 1000.0:.1f} kB"
    return f"{int(num_bytes)} bytes"


@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=50 * 10**9))
def test_parse_size_brackets_the_true_size(num_bytes: int) -> None:
    text = pip_format_size(float(num_bytes))  # pip sums sizes as floats
    parsed = parse_size(text)
    assert parsed is not None
    assert parsed.low <= num_bytes <= parsed.high
    assert parsed.low <= parsed.value <= parsed.high
    assert parsed.text == text
    assert parsed.exact == (num_bytes <= 1000 or num_bytes == 1_000_000)  # "1000 kB" is one value


@pytest.mark.parametrize(
    ("text", "value", "low", "high"),
    [
        ("0 bytes", 0, 0, 0),
        ("1000 bytes", 1000, 1000, 1000),
        ("1.0 kB", 1025, 1001, 1050),
        ("10.0 kB", 9975, 9950, 10_000),
        ("10 kB", 10_500, 10_001, 10_999),
        ("1000 kB", 1_000_000, 1_000_000, 1_000_000),
        ("2500.0 MB", 2_500_000_000, 2_499_950_000, 2_500_050_000),
        ("999bytes", 999, 999, 999),  # pip 8-19 printed no space
    ],
)
def test_parse_size_buckets(text: str, value: int, low: int, high: int) -> None:
    parsed = parse_size(text)
    assert parsed is not None
    assert (parsed.value, parsed.low, parsed.high) == (value, low, high)


@pytest.mark.parametrize("text", ["", "12", "1.5 GB", "1,5 kB", "kB", "-1 bytes", "1.25 MB"])
def test_parse_size_rejects(text: str) -> None:
    assert parse_size(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26.3", PipVersion(26, 3, 0)),
        ("22.2.1", PipVersion(22, 2, 1)),
        ("24.1b1", PipVersion(24, 1, 0)),
        ("20.3.dev0", PipVersion(20, 3, 0)),
        ("23.0.1+dfsg", PipVersion(23, 0, 1)),
        ("9.0.3", PipVersion(9, 0, 3)),
        ("21.0.1-debian", PipVersion(21, 0, 1)),
        ("nonsense", None),
    ],
)
def test_parse_pip_version(text: str, expected: PipVersion | None) -> None:
    assert parse_pip_version(text) == expected


@pytest.mark.parametrize(
    ("version", "has_cache", "abspath", "no_match_error", "bytes_", "dirs"),
    [
        ("20.0.2", False, False, False, False, False),
        ("20.1", True, False, True, False, False),
        ("20.3", True, True, True, False, False),
        ("21.2.4", True, True, True, False, False),
        ("21.3", True, True, False, False, False),
        ("25.0", True, True, False, True, False),
        ("26.0", True, True, False, True, True),
    ],
)
def test_feature_table_matches_the_spec_timeline(
    version: str, has_cache: bool, abspath: bool, no_match_error: bool, bytes_: bool, dirs: bool
) -> None:
    parsed = parse_pip_version(version)
    assert parsed is not None
    found = features(parsed)
    assert (
        found.has_cache,
        found.abspath_list,
        found.no_match_is_error,
        found.reports_bytes_removed,
        found.reports_dirs_removed,
    ) == (has_cache, abspath, no_match_error, bytes_, dirs)
