"""Every cycler export layout met in the field, read with no --format or --map, and its capacities
against the instrument's own counters (or ∫I dt where a file has none).

Expected values are computed here independently of the readers: text exports with the ``csv``
module, workbooks with openpyxl, Neware files from NewareNDA's reference decodings (``.ftr``) or
Neware's own BTSDA export. The tolerance is the issue's: 1e-6 relative (the files hold float32 or
7-10-digit counters; agreement is at rounding level).
"""

from __future__ import annotations

import csv
import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellworks.cycling import read, summarize
from cellworks.cycling.cycles import half_cycles
from cellworks.cycling.readers import detect
from cellworks.errors import FileFormatError

DATA = Path(__file__).resolve().parents[1] / "data" / "cycling"
REL = 1e-6  # the tolerance: 1e-6 relative to the instrument's counters


def _read(name: str, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(DATA / name, **kw)


def _half_caps(data, pairing: str = "auto") -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    return [(h.direction, float(h.capacity_Ah[-1])) for h in half_cycles(data, pairing=pairing)]


# ------------------------------------------------------------------------------- Arbin MITS Pro 7
def test_arbin_mits7_xlsx_is_detected_and_not_doubled() -> None:
    import openpyxl

    name = "arbin_mits7_Channel_11.xlsx"
    assert detect(DATA / name) == "arbin-xlsx"
    data = _read(name)
    wb = openpyxl.load_workbook(DATA / name, read_only=True)
    rows = list(wb["Channel_11_1"].iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert len(data) == len(body) == 4526  # every row, and no Data_Point column needed
    si, qc, qd = head.index("Step_Index"), head.index("Charge_Capacity(Ah)"), head.index("Discharge_Capacity(Ah)")
    # the counters run on across steps: each step run's charge is its counter's rise over the run
    runs, prev_end = [], (0.0, 0.0)
    for _, grp in itertools.groupby(body, key=lambda r: r[si]):
        g = list(grp)
        runs.append((g[-1][qc] - prev_end[0], g[-1][qd] - prev_end[1]))
        prev_end = (g[-1][qc], g[-1][qd])
    s = summarize(data)
    t = s.table
    assert s.pairing == "discharge-first"
    # cycle 1: discharge (run 2) then charge (run 3); ∼5.798 / 5.698 mAh, not doubled
    assert t["discharge_capacity_mAh"].iloc[0] == pytest.approx(runs[1][1] * 1e3, rel=REL)
    assert t["charge_capacity_mAh"].iloc[0] == pytest.approx(runs[2][0] * 1e3, rel=REL)
    assert t["coulombic_efficiency"].iloc[0] == pytest.approx(runs[1][1] / runs[2][0], rel=1e-5)
    # cycle 2: the discharge (run 4) and a 3-record charge the file stops in: incomplete, no CE
    assert t["discharge_capacity_mAh"].iloc[1] == pytest.approx(runs[3][1] * 1e3, rel=REL)
    assert not t["complete"].iloc[1] and "ends inside this charge" in t["incomplete_reason"].iloc[1]
    assert np.isnan(t["coulombic_efficiency"].iloc[1])
    # graphite vs Li: the anode convention is CE = charge / discharge (delithiation / lithiation)
    a = summarize(data, electrode="anode")
    assert a.table["coulombic_efficiency"].iloc[0] == pytest.approx(runs[2][0] / runs[1][1], rel=1e-5)
    assert "anode" in a.ce_definition and a.electrode == "anode"
    assert any("anode half-cell" in n for n in s.notes)


# ---------------------------------------------------------------------- battery-data-toolkit CSV
def test_battdat_csv_counter_running_on_from_cc_into_cv() -> None:
    name = "battdat_raw_cccv.csv"
    with open(DATA / name, newline="") as fh:
        rows = list(csv.DictReader(fh))
    q_ch = max(float(r["cycle_capacity_charge"]) for r in rows)
    q_dis = max(float(r["cycle_capacity_discharge"]) for r in rows)
    # the CC and CV steps of the charge are steps 11 and 12... the counter does not restart between them
    steps = [int(r["step_index"]) for r in rows if r["state"] == "charging"]
    assert len(set(steps)) > 1
    data = _read(name)  # no --map: battdat's standard names
    assert data.meta.extra["column_roles"]["charge_capacity_Ah"] == "cycle_capacity_charge"
    # one cycle in the file: the counters never restart in it, and run on at the CC → CV step boundary
    assert "charge counter never restarts" in data.meta.extra["capacities"]
    assert "run-on" in data.meta.extra["capacities"]
    t = summarize(data).table
    assert t["charge_capacity_mAh"].sum() == pytest.approx(q_ch * 1e3, rel=REL)
    assert t["discharge_capacity_mAh"].sum() == pytest.approx(q_dis * 1e3, rel=REL)


def test_generic_csv_common_spellings_and_map_errors(tmp_path: Path) -> None:
    from cellworks.cli import main

    t = np.arange(0, 3601, 60.0)
    i = np.where(t <= 1800, 0.002, -0.002)
    df = pd.DataFrame({"Time_s": t, "Voltage_V": 3.5 + 0.1 * np.sign(i), "Current_A": i,
                       "Frequency_Hz": np.nan, "Temperature": np.where(t > 600, 25.0, np.nan)})
    p = tmp_path / "plain.csv"
    df.to_csv(p, index=False)
    data = _read("../" + str(p.relative_to(DATA.parent)) if False else str(p))
    roles = data.meta.extra["column_roles"]
    assert roles["test_time_s"] == "Time_s" and roles["voltage_V"] == "Voltage_V" and roles["current_A"] == "Current_A"
    # a column found by name but never asked for, with empty cells, does not abort the read
    assert any("Temperature" in c for c in data.meta.extra["columns_not_used"])
    s = summarize(data).table
    # ∫I dt of 2 mA for 1800 s (the trapezoid between the steps' records) = 1.0 mAh per direction
    assert s["charge_capacity_mAh"].sum() == pytest.approx(1.0, rel=REL)
    # errors speak CLI
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    assert main(["cycling", "summarize", str(bad)]) == 2
    assert main(["cycling", "summarize", str(bad), "--map", "voltage_V=nope"]) == 2


# ------------------------------------------------------------------ BioLogic Modulo Bat with EIS
def test_biologic_mb_impedance_steps_make_no_false_cycle() -> None:
    name = "biologic_mb_peis_geis.mpt"
    assert detect(DATA / name) == "biologic-mpt"
    data = _read(name)
    tab = data.table
    imp = tab["step_mode"] == "impedance"
    assert imp.sum() == 3 * 19  # two PEIS and one GEIS sweep of 19 frequencies
    assert (tab.loc[imp, "step_type"] == "other").all()  # never a charge or a discharge
    s = summarize(data)
    t = s.table
    assert list(t["cycle"]) == [1, 2] and t["complete"].all()
    assert (t["impedance_steps"] == [2, 1]).all()
    # the file's own dq column, cut at the second discharge (sequence Ns 7): cycle 1 and cycle 2
    cols = pd.read_csv(DATA / name, sep="\t", skiprows=29, encoding="latin-1", index_col=False)
    dq = cols["dq/mA.h"].to_numpy()
    ns = cols["Ns"].to_numpy()
    for c, sel in ((1, ns < 7), (2, ns >= 7)):
        row = t[t.cycle == c].iloc[0]
        assert row.charge_capacity_mAh == pytest.approx(dq[sel & (dq > 0)].sum(), rel=REL)
        assert row.discharge_capacity_mAh == pytest.approx(-dq[sel & (dq < 0)].sum(), rel=REL)
    assert (t["end_of_discharge_voltage_V"] < 2.6).all()  # the CC cut-off, not an impedance record


# ------------------------------------------------------------------------------- Neware Pulse/SIM
def test_neware_pulse_step_is_counted() -> None:
    name = "neware_pulse_2-1-6_61_trimmed.nda"
    ref = pd.read_feather(DATA / "neware_pulse_2-1-6_61_trimmed.reference.ftr")
    assert set(ref["Status"].astype(str)) == {"Pulse"}
    data = _read(name)
    assert detect(DATA / name) == "neware-nda" and len(data) == len(ref)
    assert set(data.table["step_mode"]) == {"pulse"}
    t = summarize(data).table
    # NewareNDA's decoding of the file's own counter (stored negative by this firmware)
    assert t["discharge_capacity_mAh"].sum() == pytest.approx(abs(float(ref["Discharge_Capacity(mAh)"].iloc[-1])),
                                                              rel=REL)
    assert t["discharge_capacity_mAh"].sum() > 50  # 57.7 mAh in the first 3000 records: not the 0 of before


def test_neware_sim_drive_profile_in_a_zip() -> None:
    name = "neware_SIM_trimmed.nda.zip"
    assert detect(DATA / name) == "neware-nda"
    ref = pd.read_feather(DATA / "neware_SIM_trimmed.reference.ftr")
    data = _read(name)
    assert len(data) == len(ref)
    assert set(data.table["step_mode"]) == {"rest", "drive"}
    last = ref.groupby("Step")[["Charge_Capacity(mAh)", "Discharge_Capacity(mAh)"]].last().sum()
    t = summarize(data).table
    assert t["charge_capacity_mAh"].sum() == pytest.approx(float(last.iloc[0]), rel=REL)
    assert t["discharge_capacity_mAh"].sum() == pytest.approx(float(last.iloc[1]), rel=REL)


@pytest.mark.parametrize(
    ("name", "aux"),
    [
        ("neware_ndc14_aux_Unit27.ndax", {"temperature_C": "T1", "temperature_2_C": "T2"}),
        ("neware_ndc16_aux_ZZZZZZZZTEST.ndax", {"temperature_C": "T1", "aux_voltage_V": "V1"}),
        ("neware_ndc17_aux_TESTCELL0001.ndax", {"temperature_C": "T1"}),
    ],
)
def test_neware_split_ndax_and_auxiliary_channels(name: str, aux: dict[str, str]) -> None:
    ref = pd.read_feather(DATA / name.replace(".ndax", ".reference.ftr"))
    data = _read(name)
    t = data.table
    assert len(t) == len(ref)
    np.testing.assert_allclose(t["voltage_V"], ref["Voltage"].to_numpy(float), rtol=0, atol=1e-6)
    np.testing.assert_allclose(t["current_A"] * 1e3, ref["Current(mA)"].to_numpy(float), rtol=1e-6, atol=1e-9)
    for ours, theirs in aux.items():
        np.testing.assert_allclose(t[ours], ref[theirs].to_numpy(float), rtol=1e-6)
    last = ref.groupby("Step")[["Charge_Capacity(mAh)", "Discharge_Capacity(mAh)"]].last().sum()
    s = summarize(data).table
    for ours, theirs in (("charge_capacity_mAh", 0), ("discharge_capacity_mAh", 1)):
        assert s[ours].sum() == pytest.approx(float(last.iloc[theirs]), rel=REL, abs=1e-12)


def test_neware_ndc2_agrees_with_neware_btsda_export() -> None:
    data = _read("neware_ndc2_scrubbed.ndax")
    ref = pd.read_parquet(DATA / "neware_ndc2_scrubbed.btsda.parquet")
    t = data.table
    np.testing.assert_allclose(t["test_time_s"], ref["Total Time"], atol=1e-9)
    np.testing.assert_allclose(t["voltage_V"], ref["Voltage(mV)"] / 1e3, atol=1e-6)  # BTSDA rounds to 0.1 mV
    np.testing.assert_allclose(t["temperature_C"], ref["T1(?)"], atol=1e-4)
    assert set(t["step_mode"]) == {"rest", "other"}  # 'Control' steps


# --------------------------------------------------------------------------------- Maccor variants
def _maccor_rows(name: str) -> tuple[list[str], list[list[str]]]:
    lines = (DATA / name).read_text(encoding="latin-1").splitlines()
    h = next(k for k, ln in enumerate(lines) if ln.split("\t")[0].strip().rstrip("#") == "Rec" or
             ln.startswith("Rec#"))
    head = [c.strip() for c in lines[h].split("\t")]
    rows = [ln.split("\t") for ln in lines[h + 1:] if ln.strip()]
    return head, rows


#: how each Maccor file's capacity counter behaves (research/cycling/LAYOUTS.md §5)
MACCOR_COUNTERS = {
    "cellpy_maccor_three.txt": ("mAmp-hr", 1e-3, "state"),  # runs on from CC into CV: resets when the state changes
    "beep_xTESLADIAG_000038con_trimmed.078": ("Amp-hr", 1.0, "step"),  # resets every step
    "cellpy_maccor_one_trimmed.txt": ("Amp-hr", 1.0, "step"),
    "cellpy_maccor_002_trimmed.txt": ("Cap. [Ah]", 1.0, "step"),
    "beep_PredictionDiagnostics_000151_paused.052": ("Amp-hr", 1.0, "step"),
}


@pytest.mark.parametrize("name", sorted(MACCOR_COUNTERS))
def test_maccor_capacities_equal_the_counter(name: str) -> None:
    col, scale, resets = MACCOR_COUNTERS[name]
    head, rows = _maccor_rows(name)
    j, js = head.index(col), head.index("State" if "State" in head else "Md")
    jstep = head.index("Step")
    state = [r[js].strip() for r in rows]
    key = [(r[js].strip(), r[jstep].strip()) if resets == "step" else r[js].strip() for r in rows]
    expected = {"C": 0.0, "D": 0.0}
    for _, grp in itertools.groupby(zip(key, state, rows, strict=True), key=lambda x: x[0]):
        g = list(grp)
        if g[0][1] in expected:
            expected[g[0][1]] += float(g[-1][2][j].replace(",", ".")) * scale
    data = _read(name)
    assert detect(DATA / name) == "maccor-txt"
    t = summarize(data).table
    assert t["charge_capacity_mAh"].sum() / 1e3 == pytest.approx(expected["C"], rel=REL, abs=1e-12)
    assert t["discharge_capacity_mAh"].sum() / 1e3 == pytest.approx(expected["D"], rel=REL, abs=1e-12)
    assert expected["C"] + expected["D"] > 0


def test_maccor_variants_time_formats_and_units() -> None:
    one = _read("cellpy_maccor_one_trimmed.txt")
    # '  0d 00:00:5.05000019073486': seconds not zero-padded, float noise, no final newline
    assert one.table["test_time_s"].iloc[2] == pytest.approx(5.05000019073486, abs=1e-9)
    assert any("absolute zero" in n for n in one.meta.extra["auxiliary_channels"])  # Aux #n: −2500 °C = no sensor
    three = _read("cellpy_maccor_three.txt")
    assert three.meta.extra["voltage_unit"].startswith("mV")
    assert 1.0 < three.table["voltage_V"].min() and three.table["voltage_V"].max() < 4.3
    assert three.table["test_time_s"].iloc[-1] > 3 * 86400  # '3d 18:47:22.59' read as days
    beep = _read("beep_maccor_4267-66-6519.041")
    modes = beep.table.groupby("step_index")["step_mode"].first()
    assert "impedance" in set(modes)  # the FRA step
    assert (beep.table.loc[beep.table["step_mode"] == "impedance", "step_type"] == "other").all()
    two = _read("cellpy_maccor_002_trimmed.txt")  # last line without its trailing tab
    assert len(two) == len(_maccor_rows("cellpy_maccor_002_trimmed.txt")[1])


def test_live_maccor_file_warns_or_fails_with_strict() -> None:
    with pytest.warns(UserWarning, match=r"line 229: record cut off") as rec:
        data = read(DATA / "maccor_two.txt")
    assert len(rec) == 1
    assert data.meta.extra["dropped_incomplete_last_record"] == "line 229"
    with pytest.raises(FileFormatError, match="line 229"):
        read(DATA / "maccor_two.txt", strict=True)


# ----------------------------------------------------------------------------------------- BDF
def _trapz_by_direction(t: np.ndarray, i: np.ndarray) -> tuple[float, float]:
    """∫I dt (Ah) of the positive and the negative current, record interval by record interval, not
    across a change of sign (where a step ends)."""
    dq = 0.5 * (i[1:] + i[:-1]) * np.diff(t) / 3600.0
    same = np.sign(i[1:]) == np.sign(i[:-1])
    dq = np.where(same, dq, 0.0)
    return float(dq[dq > 0].sum()), float(-dq[dq < 0].sum())


def test_bdf_files_written_by_other_tools() -> None:
    sample = _read("bdf_sample.bdf.csv")
    assert detect(DATA / "bdf_sample.bdf.csv") == "bdf-csv"
    np.testing.assert_array_equal(sample.table["voltage_V"], [3.7, 3.6, 3.5])
    assert sample.table["charge_capacity_Ah"].iloc[-1] == pytest.approx(0.1 * 2 / 3600, rel=1e-12)
    legacy = _read("bdf_legacy.bdf.parquet")  # legacy machine names, test time in ms
    raw = pd.read_parquet(DATA / "bdf_legacy.bdf.parquet")
    np.testing.assert_allclose(legacy.table["test_time_s"], raw["test_time_millisecond"] / 1e3)
    assert legacy.table["temperature_C"].iloc[0] == raw["ambient_temperature_celsius"].iloc[0]
    sintef = _read("bdf_SINTEF_SLPBA842124HV_Rate_Neware_trimmed.bdf.csv")
    t = sintef.table["test_time_s"].to_numpy()
    assert np.all(np.diff(t) >= 0) and "falls back" in sintef.meta.extra["test_time"]
    src = pd.read_csv(DATA / "bdf_SINTEF_SLPBA842124HV_Rate_Neware_trimmed.bdf.csv")
    assert (np.diff(src["test_time_second"]) < 0).sum() == 4  # the file's own glitches
    ch, dis = _trapz_by_direction(t, src["current_ampere"].to_numpy())
    s = summarize(sintef).table
    assert s["charge_capacity_mAh"].sum() / 1e3 == pytest.approx(ch, rel=REL)
    assert s["discharge_capacity_mAh"].sum() / 1e3 == pytest.approx(dis, rel=REL)
    assert s["charge_capacity_mAh"].sum() > 4000  # the 7.5 Ah pouch cell's first charge, 4.0 Ah


def test_prestandard_bdf_with_discharge_positive() -> None:
    data = _read("cellpy_batmo_bdf_trimmed.csv")
    assert "sign reversed" in data.meta.extra["current_sign"]
    src = pd.read_csv(DATA / "cellpy_batmo_bdf_trimmed.csv")
    dis = data.table["step_type"] == "discharge"
    assert (data.table.loc[dis, "current_A"] <= 0).all()
    # the file's capacities reset every step: the totals are the sums of the step maxima
    run = (src["Step Index / 1"] != src["Step Index / 1"].shift()).cumsum()
    last = src.groupby(run)[["Charge Capacity / Ah", "Discharge Capacity / Ah"]].max().sum()
    s = summarize(data).table
    assert s["charge_capacity_mAh"].sum() / 1e3 == pytest.approx(float(last.iloc[0]), rel=REL)
    assert s["discharge_capacity_mAh"].sum() / 1e3 == pytest.approx(float(last.iloc[1]), rel=REL)


def test_battdat_parquet_and_hdf5() -> None:
    pq = _read("battdat_single-resistor-complex-charge_raw_data.parquet")
    raw = pd.read_parquet(DATA / "battdat_single-resistor-complex-charge_raw_data.parquet")
    ch, dis = _trapz_by_direction(raw["test_time"].to_numpy(), raw["current"].to_numpy())
    s = summarize(pq).table
    assert s["charge_capacity_mAh"].sum() / 1e3 == pytest.approx(ch, rel=REL)
    assert s["discharge_capacity_mAh"].sum() / 1e3 == pytest.approx(dis, rel=REL)
    pytest.importorskip("h5py")
    h5 = _read("battdat_single-resistor-complex-charge.hdf")
    np.testing.assert_array_equal(h5.table["voltage_V"], pq.table["voltage_V"])


def test_xlsx_cells_equal_openpyxl_exactly() -> None:
    """cellworks' vectorised sheet scan against openpyxl (an independent reader): every number of
    every sheet bit for bit, strings where the sheet holds strings."""
    import openpyxl

    from cellworks.cycling.readers._xlsx import read_workbook

    name = DATA / "arbin_mits7_Channel_11.xlsx"
    ours = read_workbook(name)
    wb = openpyxl.load_workbook(name, read_only=True, data_only=True)
    for sheet in wb.sheetnames:
        rows = list(wb[sheet].iter_rows(values_only=True))
        frame = ours[sheet]
        assert len(frame) == len(rows) - 1
        for j in range(len(frame.columns)):
            for k, r in enumerate(rows[1:]):
                want = r[j] if j < len(r) else None
                got = frame.iloc[k, j]
                if want is None or (isinstance(want, float) and np.isnan(want)):
                    assert got is None or (isinstance(got, float) and np.isnan(got))
                elif isinstance(want, (int, float)):  # booleans are read as 1.0 / 0.0
                    assert float(got) == float(want), (sheet, k, j)
                elif not hasattr(want, "year"):  # dates stay Excel serial numbers here
                    assert str(got) == str(want), (sheet, k, j)


@pytest.mark.parametrize("piece", [4096, 65536])
def test_xlsx_scan_in_pieces_equals_whole_sheet(monkeypatch: pytest.MonkeyPatch, piece: int) -> None:
    """The sheet is unpacked and scanned a run of whole rows at a time; with small pieces (many
    cuts, rows carried over) the cells are the same as one scan of the whole sheet XML."""
    import zipfile

    from cellworks.cycling.readers import _xlsx

    name = DATA / "arbin_mits7_Channel_11.xlsx"
    with zipfile.ZipFile(name) as zf:
        member = _xlsx.sheet_paths(zf, name)["Channel_11_1"]
        whole = _xlsx.sheet_arrays(zf.read(member))
        monkeypatch.setattr(_xlsx, "_PIECE", piece)
        pieces = _xlsx._scan_member(zf, member, name)
    assert whole is not None and pieces is not None
    assert len(whole[0]) > 50_000
    for a, b in zip(whole, pieces, strict=True):
        np.testing.assert_array_equal(a, b)
