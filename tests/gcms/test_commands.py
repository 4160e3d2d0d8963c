"""``cellworks gcms`` commands, and identification of the real gasoline run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cellworks.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "gcms"
GASOLINE = DATA / "agilent-gcms-gasoline.cdf"

def test_peaks_json_and_ion_traces(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc = main(["gcms", "peaks", str(GASOLINE), "--ion", "91", "--ion", "78", "--json", "--plot",
               str(tmp_path / "eic.png")])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["traces"]) == {"m/z 91", "m/z 78"}
    p91 = max(res["traces"]["m/z 91"], key=lambda p: p["height"])
    assert {"apex_time_s", "area", "height", "fwhm_s", "snr", "start_time_s", "end_time_s"} <= set(p91)
    assert p91["area"] > 0 and p91["snr"] > 10


def test_library_info_and_convert(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["gcms", "library", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["n_spectra"] >= 60 and info["with_source"] == info["n_spectra"]
    src = tmp_path / "a.msp"
    src.write_text("Name: X\nNum Peaks: 2\n43.1 50\n57.2 100\n")
    assert main(["gcms", "library", "convert", str(src), "-o", str(tmp_path / "b.msp"), "--unit-mass",
                 "--normalize"]) == 0
    text = (tmp_path / "b.msp").read_text()
    assert "43 499.5" in text and "57 999" in text
    assert main(["gcms", "library", "convert", str(src), "-o", str(src)]) == 2


def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gcms", "identify", str(GASOLINE), "--min-mf", "1200"]) == 2
    assert main(["gcms", "identify", str(GASOLINE), "--ladder", "six:2"]) == 2
    assert main(["gcms", "peaks", str(DATA / "nope.cdf")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3


def test_demo_section_quick(tmp_path: Path) -> None:
    from cellworks.gcms.report import build_section

    sec = build_section(tmp_path, quick=True)
    assert len(sec.figures) >= 3 and sec.tables
    mf_table = next(t for t in sec.tables if t.headers[0] == "pair")
    for _, paper, code in mf_table.rows:
        assert abs(int(paper) - int(code)) <= 1
