"""The whole chain on synthesised runs (seeds used only here).

Round trips: the synthesiser puts Table 1's concentrations into the runs and the analysis, which
sees only the .cdf files and the calibration manifest, must recover them within the document's ±
intervals (``test_round_trip_*``; a pipeline test, not a validation). The synthesiser's noise and
response factors come from its own instrument constants (``cellworks.gcms.synth``), never from
Table 1's C_min, so the detection limits the analysis predicts are compared with C_min as a
prediction (``test_detection_limits_predicted_*``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cellworks.cli import main
from cellworks.gcms.pipeline import analyze
from cellworks.gcms.quant import CS2_RATIO_DOCUMENT
from cellworks.gcms.synth import synthesize_calibration, synthesize_sample
from cellworks.gcms.table1 import compare_with_table1


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("analyze")
    cal = synthesize_calibration(d / "cal" / "calibration.json", seed=5101)
    runs = [*synthesize_sample("initial", d / "runs" / "initial.cdf", seed=5102),
            *synthesize_sample("concentrate", d / "runs" / "concentrate.cdf", seed=5103)]
    return {"dir": d, "cal": cal, "runs": runs, "res": compare_with_table1(analyze(runs, cal).as_dict())}


def _rows(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in res["rows"]}


@pytest.mark.parametrize("sample", ["initial", "concentrate"])
def test_round_trip_quantified_rows_within_document_interval(setup: dict[str, Any], sample: str) -> None:
    s = setup["res"]["summary"][sample]
    assert s["quantified_rows"] >= 14
    assert s["within_U"] >= 0.9 * s["quantified_rows"]
    assert s["within_2U"] == s["quantified_rows"]


@pytest.mark.parametrize("sample", ["initial", "concentrate"])
def test_round_trip_absent_compounds_stay_below_the_detection_limit(setup: dict[str, Any], sample: str) -> None:
    s = setup["res"]["summary"][sample]
    assert s["limit_rows"] >= 10
    assert s["limit_rows_below_dl"] == s["limit_rows"]


AIR_IONS = ("N2", "O2", "Ar", "CO2")  # quantified on m/z 28, 32, 40, 44: the air/water background ions
CLEAN_IONS = ("n-C5H12", "n-C6H14", "n-C7H16", "toluene", "benzene", "2-MP", "3-MP")


def test_detection_limits_predicted_for_all_27_rows_and_compared_with_table1(setup: dict[str, Any]) -> None:
    import math

    dl = setup["res"]["detection_limits"]
    assert dl["n_table"] == 27 and dl["n_compared"] == 27
    by_key = {t["key"]: t["predicted_dl_vol_pct"] for t in dl["compounds"]}
    # physics of the instrument model, not of the table: the background's ion statistics raise the
    # detection limits of the compounds measured on the air/water ions above those on clean ions
    air = sum(math.log(by_key[k]) for k in AIR_IONS) / len(AIR_IONS)
    clean = sum(math.log(by_key[k]) for k in CLEAN_IONS) / len(CLEAN_IONS)
    assert air > clean
    # closing note (docs/gcms.md): how many of the 27 the analysis predicts within 3x of C_min
    print(f"\nTable 1 detection limits within 3x of C_min: {dl['within_3x']}/27 (held_out); "
          f"{dl['within_3x_after_scale']}/27 after one common scale factor {dl['common_scale']:.3g} (fitted)")


def test_ge_species_identified_by_clusters(setup: dict[str, Any]) -> None:
    rows = _rows(setup["res"])
    for key, n in (("GeH3Cl", 1), ("Ge2H6", 2), ("Ge3H8", 3)):
        r = rows[key]
        assert r["identified"]
        assert r["ge_clusters"]["verdict"] == "74Ge-enriched" and r["ge_clusters"]["n_ge"] == n
        assert r["library_mf"] < 0.8  # low against the natural-abundance library
    assert "Cl" in rows["GeH3Cl"]["identification"]


def test_round_trip_cs2_ratio_and_isobars(setup: dict[str, Any]) -> None:
    ratios = {r["sample"]: r for r in setup["res"]["isotope_ratios"]}
    # the synthesiser injected the document's 5.9 : 1; recovered within its measurement uncertainty band
    assert ratios["concentrate"]["ratio_12C32S34S_to_12C32S2"] == pytest.approx(CS2_RATIO_DOCUMENT, abs=0.6)
    rows = _rows(setup["res"])
    assert "12C" in rows["benzene"]["results"]["concentrate"]["isotopes"] or "¹²C" in rows["benzene"]["results"][
        "concentrate"]["isotopes"]
    assert "³⁵Cl" in rows["2-C3H7Cl"]["results"]["concentrate"]["isotopes"]


def test_ion_swap_noted(setup: dict[str, Any]) -> None:
    rows = _rows(setup["res"])
    assert rows["toluene"]["quant_mz"] == 91 and rows["toluene"]["document_mz"] == 78
    assert any("toluene" in n and "benzene" in n for n in setup["res"]["notes"])


def test_round_trip_trueness_p_vs_2p_and_constant_error(setup: dict[str, Any]) -> None:
    d: Path = setup["dir"]
    scan = [p for p in setup["runs"] if "concentrate" in p.name and "scan" in p.name]
    kw = {"columns": ("ptmsp",), "modes": ("sim",), "replicates": 3}
    p1 = synthesize_sample("concentrate", d / "t" / "p.cdf", seed=5201, **kw)
    p2 = synthesize_sample("concentrate", d / "t" / "p2.cdf", seed=5202, pressure_factor=2.0, **kw)
    tr = analyze([*scan, *p1, *p2], setup["cal"]).trueness
    assert len(tr) >= 10
    # 95 % tests: a few false alarms are expected by chance, not a majority
    assert sum(t["t_significant"] for t in tr) <= 2
    pe = synthesize_sample("concentrate", d / "t" / "pe.cdf", seed=5203, constant_error=0.3, **kw)
    tre = analyze([*scan, *pe, *p2], setup["cal"]).trueness
    assert all(t["t_significant"] for t in tre)


def test_cli_analyze_json_and_report(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    out = setup["dir"] / "report.html"
    runs = [str(p) for p in setup["runs"] if "concentrate" in p.name]
    rc = main(["gcms", "analyze", *runs, "--calibration", str(setup["cal"]), "--json", "--report", str(out)])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["samples"] == ["concentrate"]
    html = out.read_text(encoding="utf-8")
    # figures are embedded (inline SVG from the report shell, or a data: PNG)
    assert "Table 1" in html and ("data:image/png;base64" in html or "<svg" in html)


def test_cli_analyze_rejects_foreign_file(setup: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cellworks.gcms.synth import write_andi

    bare = write_andi(tmp_path / "bare.cdf", [0.0, 1.0], [([28.0], [1.0]), ([28.0], [2.0])], {})
    assert main(["gcms", "analyze", str(bare), "--calibration", str(setup["cal"])]) == 2
    err = capsys.readouterr().err
    assert "bare.cdf" in err and "cellworks_column" in err
