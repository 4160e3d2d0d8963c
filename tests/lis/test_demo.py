from __future__ import annotations

from cellworks.lis.report import build_section


def test_demo_section_quick(tmp_path) -> None:
    sec = build_section(tmp_path, quick=True)
    assert sec.anchor == "lis" and len(sec.figures) == 1 and all(f.caption for f in sec.figures)
    assert sec.tables and "cellworks lis simulate" in sec.how_to_run
    assert (tmp_path / "lis_discharge_1p7A.parquet").exists()
