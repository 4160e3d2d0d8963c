from cellworks.eis.report import build_section


def test_quick_demo_section(tmp_path):
    sec = build_section(tmp_path, quick=True)
    assert sec.anchor == "eis"
    # fit, Lin-KK, DRT round trip, DRT of the example spectrum, GEIS series
    assert len(sec.figures) == 5 and all(fig.caption and fig.png[:4] == b"\x89PNG" for fig in sec.figures)
    assert sec.tables[0].rows and "1.65e-2" not in sec.how_to_run
    # documented values sit beside ours in the table; every header of a quantity carries its unit
    assert any(row[1] == "0.0165" for row in sec.tables[0].rows)
    assert all(" / " in row[0] for row in sec.tables[0].rows)
    # the round-trip table recovers the two time constants it was made from
    assert [row[3] for row in sec.tables[1].rows] == ["1e-3", "1"]
