"""Pure formatting: sizes in one unit, bars to scale, ASCII where the terminal needs it."""

from __future__ import annotations

import io
import sys

import pytest
from _cachetree import Manifest

from pipcache_ext.__main__ import main
from pipcache_ext._cli import text as fmt

pytest_plugins = ["_cli_fixtures"]


def test_sizes_use_one_decimal_unit() -> None:
    unit = fmt.pick_unit([640, 250_000, None])
    assert unit == fmt.Unit("kB", 1000)
    assert fmt.format_size(640, unit) == "0.6 kB"
    assert fmt.format_size(20, unit) == "<0.1 kB"
    assert fmt.format_size(0, unit) == "0.0 kB"
    assert fmt.format_size(250_000, unit, exact=False) == "~250.0 kB"
    assert fmt.format_size(None, unit) == "?"
    assert fmt.pick_unit([999]) == fmt.Unit("B", 1)
    assert fmt.format_size(999, fmt.pick_unit([999])) == "999 B"
    assert fmt.pick_unit([3_400_000_000]).name == "GB"
    assert fmt.pick_unit([]) == fmt.Unit("B", 1)


def test_bars_are_to_scale() -> None:
    assert fmt.bar(100, 100) == "█" * fmt.BAR_WIDTH
    assert fmt.bar(50, 100) == "█" * (fmt.BAR_WIDTH // 2)
    assert fmt.bar(1, 10_000) == "▏"  # never invisible
    assert fmt.bar(0, 100) == fmt.bar(None, 100) == ""
    assert fmt.bar(50, 100, ascii_only=True) == "#" * (fmt.BAR_WIDTH // 2)
    assert fmt.bar(33, 100) == "█" * 7 + "▉"  # 7.92 cells: 7 full and 7 eighths


def test_bars_fall_back_to_ascii(
    capsys: pytest.CaptureFixture[str], cache: Manifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["info", "--backend", "native"]) == 0
    out.seek(0)
    text = out.read()
    assert "#" in text
    assert "█" not in text
