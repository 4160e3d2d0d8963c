"""BDF, cellpy and navani tables out of cellworks, and back.

The BDF round trip must give the same table (the per-step capacities and energies are BDF's
``Step … / Ah`` columns, taken as they are; CSV numbers are written in their shortest exact form).
cellpy's and navani's tables are checked against the summary computed from the cellworks table."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellworks.cli import main
from cellworks.cycling import read, summarize
from cellworks.cycling.export import to_cellpy_frame, to_navani_frame

from .test_summary_fixtures import CYCLE_COUNTS, DATA

#: columns a BDF file carries (the instrument's raw counters stay in the source file)
BDF_COLUMNS = ("test_time_s", "cycle_index", "step_index", "step_type", "current_A", "voltage_V",
               "charge_capacity_Ah", "discharge_capacity_Ah", "charge_energy_Wh", "discharge_energy_Wh",
               "step_mode", "temperature_C", "temperature_2_C", "aux_voltage_V", "instrument_step",
               "instrument_record", "frequency_Hz", "re_Z_Ohm", "minus_im_Z_Ohm")


def _read(path: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(path)


@pytest.mark.parametrize("suffix", [".bdf.csv", ".bdf.parquet"])
@pytest.mark.parametrize("name", sorted(CYCLE_COUNTS))
def test_bdf_round_trip_gives_the_same_table(name: str, suffix: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / ("cell" + suffix)
    assert main(["cycling", "convert", str(DATA / name), str(out)]) == 0
    assert "(bdf)" in capsys.readouterr().out
    a, b = _read(DATA / name).table, _read(out).table
    cols = [c for c in BDF_COLUMNS if c in a.columns]
    assert [c for c in cols if c not in b.columns] == []
    for c in cols:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if a[c].dtype.kind in "fi":
            np.testing.assert_array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float), err_msg=c)
        else:
            assert (a[c].astype(str).to_numpy() == b[c].astype(str).to_numpy()).all(), c
    if "timestamp" in a.columns:
        assert (a["timestamp"] - b["timestamp"]).abs().max() <= pd.Timedelta(microseconds=1)
    # BDF's own labels and units in the file
    head = pd.read_csv(out, nrows=1) if suffix == ".bdf.csv" else pd.read_parquet(out)
    assert {"Test Time / s", "Voltage / V", "Current / A", "Step Charging Capacity / Ah"} <= set(head.columns)


def test_convert_back_from_bdf_to_parquet_equals_direct(tmp_path: Path) -> None:
    src = DATA / "Issue72_TestFile.nda"
    assert main(["cycling", "convert", str(src), str(tmp_path / "x.bdf.csv")]) == 0
    assert main(["cycling", "convert", str(tmp_path / "x.bdf.csv"), str(tmp_path / "back.parquet")]) == 0
    s1 = summarize(_read(src)).table
    s2 = summarize(_read(tmp_path / "back.parquet")).table
    for c in ("charge_capacity_mAh", "discharge_capacity_mAh", "coulombic_efficiency", "mean_discharge_voltage_V"):
        np.testing.assert_array_equal(s1[c].to_numpy(), s2[c].to_numpy(), err_msg=c)


@pytest.mark.parametrize("name", ["arbin_example.res", "cellpy_maccor_three.txt", "Issue72_TestFile.nda",
                                  "biologic_mb_peis_geis.mpt"])
def test_cellpy_and_navani_tables(name: str, tmp_path: Path) -> None:
    data = _read(DATA / name)
    s = summarize(data, pairing="instrument").table
    cp = to_cellpy_frame(data)
    # cellpy keeps capacities cumulative per cycle and direction: their maximum per cycle is the
    # cycle's capacity
    per = cp.groupby("cycle_index")[["charge_capacity", "discharge_capacity"]].max()
    np.testing.assert_allclose(per["charge_capacity"].to_numpy() * 1e3, s["charge_capacity_mAh"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(per["discharge_capacity"].to_numpy() * 1e3, s["discharge_capacity_mAh"], rtol=1e-9,
                               atol=1e-12)
    nv = to_navani_frame(data)
    assert {"Time", "Voltage", "Current", "Capacity", "state", "half cycle", "full cycle", "cycle change"} <= set(nv)
    # navani's per-half-cycle capacity (max of Capacity per half cycle, by state) adds up to the
    # charge of the charge and discharge half-cycles (navani's table has no impedance or pulse state)
    from cellworks.cycling.cycles import half_cycles

    ours = {d: sum(float(h.capacity_Ah[-1]) for h in half_cycles(data) if h.direction == d) * 1e3
            for d in ("charge", "discharge")}
    half = nv[nv["state"] != "R"].groupby("half cycle").agg(q=("Capacity", "max"), st=("state", "first"))
    assert half.loc[half.st == 0, "q"].sum() == pytest.approx(ours["charge"], rel=1e-9)
    assert half.loc[half.st == 1, "q"].sum() == pytest.approx(ours["discharge"], rel=1e-9)
    for to, ext in (("cellpy", ".csv"), ("navani", ".csv"), ("cellpy", ".parquet")):
        out = tmp_path / f"{to}{ext}"
        assert main(["cycling", "convert", str(DATA / name), str(out), "--to", to]) == 0
        assert out.stat().st_size > 0


def test_convert_refuses_unknown_targets_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cycling", "convert", str(DATA / "test.nda"), str(tmp_path / "x.txt")]) == 2
    assert "--to" in capsys.readouterr().err
    assert main(["cycling", "convert", str(DATA / "test.nda"), str(tmp_path / "x.csv"), "--to", "excel"]) == 2
    assert not list(tmp_path.iterdir())
