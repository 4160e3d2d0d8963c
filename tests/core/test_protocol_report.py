"""The protocol section of the demo report: values written as exact as they are, units in their own column."""

from __future__ import annotations

from pathlib import Path

from cellworks.protocol.report import _as_given, build_section


def test_values_are_written_without_invented_digits() -> None:
    assert _as_given(0.2) == "0.2"
    assert _as_given(3.0) == "3"
    assert _as_given(2e-5) == "2 × 10⁻⁵"
    assert _as_given(-1.5) == "−1.5"


def test_section_tables_and_caption(tmp_path: Path) -> None:
    sec = build_section(tmp_path)
    steps = sec.tables[0]
    assert "unit" in steps.headers and len(sec.summary) > 40
    by_step = {row[0]: row for row in steps.rows}
    # "Discharge at 0.2 A/g until 1.0 V" and "Hold at 3.0 V until 20 uA" as parsed, in SI units
    assert by_step[1][3:5] == ("0.2", "A g⁻¹") and by_step[1][6] == "voltage 1 V"
    assert by_step[9][3] == "3" and by_step[9][6] == "current 2 × 10⁻⁵ A"
    assert "round_trip" in sec.tables[1].caption
