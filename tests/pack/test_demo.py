"""Demo section (quick)."""

from __future__ import annotations

from pathlib import Path

from cellworks.pack.report import build_section


def test_quick_section(tmp_path: Path) -> None:
    s = build_section(tmp_path, quick=True)
    assert len(s.figures) == 2 and all(f.caption and f.png.startswith(b"\x89PNG") for f in s.figures)
    notes = {row[0]: row for row in s.tables[0].rows}
    assert notes["balancing current, 20 % of 3 × 2000 mAh in 1 h"][2] == "1200 mA"
    assert notes["150 mV mismatch at full charge"][2].startswith("18.5 %")
    assert notes["V_mid, OCV at 50 % SOC"][2].startswith("3.751 V")
    assert all(h.count("/") <= 1 for h in s.tables[1].headers)  # units in the headers
    assert "cellworks pack" in s.how_to_run
