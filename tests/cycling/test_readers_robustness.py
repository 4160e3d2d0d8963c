"""Readers on damaged or unusual input: unknown BioLogic column IDs, truncated copies of every
fixture, untouched inputs, and the table layouts we have no real file for (LAND, Arbin XLSX,
generic CSV/XLSX with a column mapping)."""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from cellworks.cycling.readers import detect, read
from cellworks.cycling.readers.biologic import read_mpr_columns
from cellworks.errors import FileFormatError

from .test_readers import DATA, EXPECTED_FORMAT, mpr_modules


# ----------------------------------------------------------------------------- unknown column IDs
def _id_offsets(buf: bytes) -> tuple[list[int], int]:
    """Column IDs of the data module and the byte offset of the first ID (found by hand)."""
    short, start, _length, layout, version = next(m for m in mpr_modules(buf) if m[0] == "VMP data")
    n_cols = struct.unpack_from("<H", buf, start + 4)[0] if layout == "new" else buf[start + 4]
    first = start + (6 if layout == "new" else 5)
    ids = list(struct.unpack_from(f"<{n_cols}H", buf, first))
    return ids, first


def _with_ids(src: Path, dst: Path, replace: dict[int, int]) -> None:
    buf = bytearray(src.read_bytes())
    ids, first = _id_offsets(bytes(buf))
    for old, new in replace.items():
        k = ids.index(old)
        struct.pack_into("<H", buf, first + 2 * k, new)
    dst.write_bytes(bytes(buf))


@pytest.mark.parametrize(
    ("name", "victim", "width"),
    [
        ("00_test_04_MB_C01.mpr", 74, 8),  # new (EC-Lab 11.50+) header; |Energy|/W.h, float64
        ("lili_tegdme_01_GCPL_C05.mpr", 13, 8),  # old header, data module v3; (Q-Qo)/mA.h
        ("lili_tegdme_01_GCPL_C05.mpr", 70, 4),  # last column of the record; P/W, float32
        ("lili_tegdme_02_GEIS_C05.mpr", 38, 4),  # -Im(Z)/Ohm in an impedance file
    ],
)
def test_unknown_column_id_is_skipped_with_one_warning(tmp_path: Path, name: str, victim: int, width: int) -> None:
    edited = tmp_path / name
    _with_ids(DATA / name, edited, {victim: 9999})
    orig, _ = read_mpr_columns(DATA / name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cols, meta = read_mpr_columns(edited)
        data = read(edited)
    msgs = [str(w.message) for w in caught if "9999" in str(w.message)]
    # one warning per read (read_mpr_columns, then read): the ID is named
    assert len(msgs) == 2, [str(w.message) for w in caught]
    assert f"{width} bytes" in msgs[0]
    assert meta["skipped_column_ids"] == [9999]
    from cellworks.cycling.readers.biologic import DATA_COLUMNS

    lost = DATA_COLUMNS[victim][0]
    assert lost not in cols or lost == "Re(Z)/Ohm"
    for key, values in orig.items():
        if key == lost:
            continue
        np.testing.assert_array_equal(cols[key], values, err_msg=key)
    assert len(data) == meta["n_points"]


def test_single_unknown_id_read_warns_exactly_once(tmp_path: Path) -> None:
    edited = tmp_path / "x.mpr"
    _with_ids(DATA / "00_test_02_MB_C01.mpr", edited, {74: 4321})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read(edited)
    assert [str(w.message) for w in caught if "4321" in str(w.message)].__len__() == 1
    assert sum(issubclass(w.category, UserWarning) for w in caught) == 1


def test_two_unknown_ids_keep_the_columns_outside_them(tmp_path: Path) -> None:
    # GCPL record: flags Ns time dq (Q-Qo) control Ewe IRange Q halfcycle P
    edited = tmp_path / "two.mpr"
    _with_ids(DATA / "lili_tegdme_01_GCPL_C05.mpr", edited, {7: 9001, 5: 9002})
    orig, _ = read_mpr_columns(DATA / "lili_tegdme_01_GCPL_C05.mpr")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cols, meta = read_mpr_columns(edited)
    text = " ".join(str(w.message) for w in caught)
    assert "9001" in text and "9002" in text and "(Q-Qo)/mA.h" in text  # the column between them
    for key in ("time/s", "Ns", "Ewe/V", "Q charge/discharge/mA.h", "half cycle", "P/W", "mode"):
        np.testing.assert_array_equal(cols[key], orig[key], err_msg=key)
    assert "(Q-Qo)/mA.h" not in cols


# ----------------------------------------------------------------------------- truncation
def _cut(src: Path, dst: Path, fraction: float) -> int:
    raw = src.read_bytes()
    k = int(len(raw) * fraction)
    while k > 1 and raw[k - 1 : k] in (b"\n", b"\r", b"\t"):  # cut inside a value, not at its edge
        k -= 1
    dst.write_bytes(raw[:k])
    return k


TEXT_FORMATS = ("maccor-txt", "arbin-csv", "biologic-mpt", "generic-csv", "bdf-csv")


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMAT))
@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.6, 0.93])
def test_truncated_copy_gives_one_clear_error(tmp_path: Path, name: str, fraction: float) -> None:
    """A cut binary file is an error naming the byte; a cut text export (a live file) is read to its
    last complete record with one warning naming the line, and is the same error with strict."""
    cut = tmp_path / ("cut_" + name)
    _cut(DATA / name, cut, fraction)
    text = EXPECTED_FORMAT[name] in TEXT_FORMATS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read(cut)
        readable = True
    except FileFormatError:
        readable = False  # the cut fell in the header: nothing to read, strict or not
    if text and readable:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = read(cut)
        msgs = [str(w.message) for w in caught if "record" in str(w.message)]
        assert len(msgs) == 1 and "line " in msgs[0] and "dropped" in msgs[0], msgs
        assert data.meta.extra["dropped_incomplete_last_record"].startswith("line ")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FileFormatError) as err:
            read(cut, strict=True)
    msg = err.value.one_line()
    assert "\n" not in msg
    assert str(cut) in msg
    assert any(w in msg for w in ("byte", "line", "row")), msg


def test_truncation_error_names_the_byte_offset(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mpr"
    n = _cut(DATA / "00_test_04_MB_C01.mpr", cut, 0.5)
    with pytest.raises(FileFormatError, match=f"byte {n}"):
        read(cut)


def test_allow_truncated_is_only_for_text(tmp_path: Path) -> None:
    cut = tmp_path / "cut.nda"
    _cut(DATA / "test.nda", cut, 0.5)
    with pytest.raises(FileFormatError):
        read(cut)  # binary: always strict
    csv = tmp_path / "cut.csv"
    _cut(DATA / "battdat_arbin_example.csv", csv, 0.5)
    with pytest.warns(UserWarning, match="incomplete last record dropped"):
        d = read(csv, allow_truncated=True)
    full = read(DATA / "battdat_arbin_example.csv").table
    lines = [ln for ln in csv.read_text().splitlines() if ln.strip()]
    assert len(d) == len(lines) - 2  # header and the cut record
    np.testing.assert_array_equal(d.table["voltage_V"].to_numpy(), full["voltage_V"].to_numpy()[: len(d)])


def test_garbage_and_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "e.mpr"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        read(empty)
    junk = tmp_path / "j.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FileFormatError):
        read(junk)
    bad_magic = tmp_path / "m.mpr"
    bad_magic.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b" " * 25 + b"\0" * 4 + b"MODULX" + b"\0" * 80)
    with pytest.raises(FileFormatError, match="byte 52"):
        read(bad_magic)


# ----------------------------------------------------------------------------- inputs untouched
@pytest.mark.parametrize("name", sorted(EXPECTED_FORMAT))
def test_input_bytes_and_mtime_unchanged(tmp_path: Path, name: str) -> None:
    src = tmp_path / name
    src.write_bytes((DATA / name).read_bytes())
    os.utime(src, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (src.read_bytes(), src.stat().st_mtime_ns)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read(src, allow_truncated=True)
    assert (src.read_bytes(), src.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing written beside it


def test_read_only_file_is_readable(tmp_path: Path) -> None:
    src = tmp_path / "ro.ndax"
    src.write_bytes((DATA / "test.ndax").read_bytes())
    src.chmod(0o444)
    assert len(read(src)) > 0


# ----------------------------------------------------------------------------- synthetic layouts
def _cc_profile() -> dict[str, np.ndarray]:
    """1 h rest-free CC discharge at 2 mA then CC charge at 2 mA, 10 s records: 2 mAh each way."""
    t = np.arange(0, 7200 + 10, 10.0)
    first = t <= 3600
    i_mA = np.where(first, -2.0, 2.0)
    v = np.where(first, 2.4 - t / 3600 * 0.4, 2.0 + (t - 3600) / 3600 * 0.4)
    step_t = np.where(first, t, t - 3610)
    q = 2.0 * step_t / 3600.0  # mAh since the step began (LAND counts per step)
    return {"t": t, "i": i_mA, "v": v, "step": np.where(first, 1, 2), "q": q, "step_t": step_t}


def test_land_xlsx_layout(tmp_path: Path) -> None:
    from openpyxl import Workbook

    p = _cc_profile()
    wb = Workbook()
    ws = wb.active
    ws.title = "Record"
    ws.append(["Record", "Cycle-Index", "Step-Index", "State", "TestTime/Sec", "StepTime/Sec",
               "Current/mA", "Voltage/V", "Capacity/mAh", "Energy/mWh"])
    for k in range(len(p["t"])):
        ws.append([k + 1, 1, int(p["step"][k]), "D_CC" if p["step"][k] == 1 else "C_CC", float(p["t"][k]),
                   float(p["step_t"][k]), abs(float(p["i"][k])), float(p["v"][k]), float(p["q"][k]), 0.0])
    wb.create_sheet("Step").append(["Step", "State"])
    wb.create_sheet("Cycle").append(["Cycle", "Capacity/mAh"])
    path = tmp_path / "land_export.xlsx"
    wb.save(path)
    assert detect(path) == "land-xlsx"
    d = read(path)
    t = d.table
    assert len(t) == len(p["t"])
    assert d.meta.instrument.startswith("LAND")
    # magnitudes only in the export; the state makes discharge negative
    assert (t.loc[t.step_type == "discharge", "current_A"] < 0).all()
    # 2 mA for 1 h = 2 mAh, by the definition of the ampere-hour (exact in the synthetic data)
    assert t.groupby("step_index")["discharge_capacity_Ah"].max().iloc[0] == pytest.approx(2.0e-3, rel=1e-9)
    assert t.groupby("step_index")["charge_capacity_Ah"].max().iloc[1] == pytest.approx(2.0e-3 * 3590 / 3600,
                                                                                        rel=1e-9)


def test_generic_csv_with_column_map_and_units(tmp_path: Path) -> None:
    p = _cc_profile()
    path = tmp_path / "lab.csv"
    lines = ["minutes;E (mV);I [mA];ns"]
    for k in range(len(p["t"])):
        lines.append(f"{p['t'][k] / 60:.6f};{p['v'][k] * 1000:.4f};{p['i'][k]:.4f};{p['step'][k]}")
    path.write_text("\n".join(lines) + "\n")
    assert detect(path) == "generic-csv"
    with pytest.raises(FileFormatError, match="test_time_s"):
        read(path)
    d = read(path, column_map={"test_time_s": "minutes", "voltage_V": "E (mV)", "current_A": "I [mA]",
                               "step_index": "ns"})
    t = d.table
    np.testing.assert_allclose(t["voltage_V"].to_numpy(), p["v"], atol=1e-7)  # mV -> V
    np.testing.assert_allclose(t["current_A"].to_numpy(), p["i"] * 1e-3, rtol=1e-9)  # mA -> A
    # "minutes" has no unit in its header: a mapping without a unit takes seconds as given
    assert t["test_time_s"].iloc[-1] == pytest.approx(7200 / 60, rel=1e-6)
    # no capacity column: integrated (trapezoid, exact for constant current) 2 mA x 1 h x (1/60)
    assert t["discharge_capacity_Ah"].max() == pytest.approx(2e-3 / 60, rel=1e-6)


def test_generic_csv_unknown_mapping_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(FileFormatError, match="--map voltage_V='nope': no such column"):
        read(path, column_map={"voltage_V": "nope"})


def test_arbin_xlsx_equals_the_csv(tmp_path: Path) -> None:
    import pandas as pd

    raw = pd.read_csv(DATA / "battdat_arbin_example.csv")
    raw = raw.rename(columns={"Test_Time": "Test_Time(s)", "Current": "Current(A)", "Voltage": "Voltage(V)",
                              "Charge_Capacity": "Charge_Capacity(Ah)", "Discharge_Capacity": "Discharge_Capacity(Ah)",
                              "Charge_Energy": "Charge_Energy(Wh)", "Discharge_Energy": "Discharge_Energy(Wh)"})
    path = tmp_path / "arbin.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame({"Test Name": ["x"]}).to_excel(xw, sheet_name="Global_Info", index=False)
        raw.to_excel(xw, sheet_name="Channel_1-008", index=False)
    assert detect(path) == "arbin-xlsx"
    a = read(path).table
    b = read(DATA / "battdat_arbin_example.csv").table
    for col in ("test_time_s", "current_A", "voltage_V", "charge_capacity_Ah", "discharge_capacity_Ah",
                "cycle_index", "step_index"):
        np.testing.assert_allclose(a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float), rtol=1e-12,
                                   err_msg=col)


def test_generic_xlsx(tmp_path: Path) -> None:
    import pandas as pd

    p = _cc_profile()
    df = pd.DataFrame({"Time (h)": p["t"] / 3600, "Voltage (V)": p["v"], "Current (A)": p["i"] / 1000,
                       "Cycle": 1, "Step": p["step"]})
    path = tmp_path / "g.xlsx"
    df.to_excel(path, sheet_name="data", index=False)
    assert detect(path) == "generic-xlsx"
    t = read(path).table
    assert t["test_time_s"].iloc[-1] == pytest.approx(7200.0)  # hours -> seconds from the header unit
    assert set(t["step_type"]) == {"charge", "discharge"}


def test_mpt_with_decimal_comma_equals_the_mpr(tmp_path: Path) -> None:
    """An EC-Lab text export in the French/German locale (decimal comma) of the GCPL binary."""
    cols, _ = read_mpr_columns(DATA / "lili_tegdme_01_GCPL_C05.mpr")
    names = list(cols)
    header = ["EC-Lab ASCII FILE", "Nb header lines : 5", "", "Galvanostatic Cycling with Potential Limitation",
              "\t".join(names) + "\t"]
    body = []
    for k in range(len(cols["time/s"])):
        body.append("\t".join(repr(float(cols[n][k])).replace(".", ",") for n in names) + "\t")
    path = tmp_path / "gcpl.mpt"
    path.write_bytes(("\r\n".join(header + body) + "\r\n").encode("cp1252"))
    assert detect(path) == "biologic-mpt"
    a = read(path).table
    b = read(DATA / "lili_tegdme_01_GCPL_C05.mpr").table
    for col in ("test_time_s", "voltage_V", "current_A", "charge_capacity_Ah", "discharge_capacity_Ah",
                "step_index", "cycle_index"):
        np.testing.assert_allclose(a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float), rtol=1e-12,
                                   err_msg=col)
    assert list(a["step_type"]) == list(b["step_type"])
