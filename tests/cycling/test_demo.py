"""The cycling demo section builds quickly and carries its figures and tables."""

from __future__ import annotations

from pathlib import Path

from cellworks.cycling.report import build_section


def test_demo_section_quick(tmp_path: Path) -> None:
    sec = build_section(tmp_path, quick=True)
    assert len(sec.figures) == 3 and all(f.png[:4] == b"\x89PNG" and f.caption for f in sec.figures)
    assert len(sec.tables[0].rows) == 4  # arbin_example.res: 4 charge-first cycles
    assert "charge-first" in sec.tables[0].caption
    assert "cellworks cycling summarize" in sec.how_to_run
    assert (tmp_path / "cycling_arbin_example.parquet").is_file()
