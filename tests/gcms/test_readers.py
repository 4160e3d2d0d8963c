"""ANDI/AIA netCDF, JCAMP-DX, CSV and mzML readers on the real fixtures and edited copies."""

from __future__ import annotations

import base64
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import FileFormatError
from cellworks.gcms.readers import read_run
from cellworks.gcms.run import Run

from ._netcdf_edit import edited_copy

DATA = Path(__file__).resolve().parents[1] / "data" / "gcms"
GASOLINE = DATA / "agilent-gcms-gasoline.cdf"
TIC_ONLY = DATA / "agilent-gcms-tic.cdf"
FILL = 9.969209968386869e36


@pytest.fixture(scope="module")
def gasoline() -> Run:
    return read_run(GASOLINE)


def test_gasoline_loads_6401_scans(gasoline: Run) -> None:
    # fixture SOURCES: 6401 centroided scans, 0-63 min, m/z up to 429
    assert gasoline.n_scans == 6401
    assert gasoline.scan_times_s[0] == pytest.approx(5.25)  # first scan_acquisition_time in the file
    assert gasoline.scan_times_min[-1] == pytest.approx(63.0, abs=0.01)
    assert gasoline.mz.max() < 430
    assert gasoline.metadata["title"] == "P071 Essence super BP"
    assert gasoline.metadata["ionization_mode"] == "Electron Impact"


def test_tic_equals_the_files_own_total_intensity(gasoline: Run) -> None:
    # ChemStation writes total_intensity itself; our sum of the centroids must reproduce it
    # (values are float32 in the file: relative tolerance 1e-6)
    assert gasoline.stored_tic is not None
    np.testing.assert_allclose(gasoline.tic(), gasoline.stored_tic, rtol=1e-6)


def test_eic_unit_mass_sums_centroids(gasoline: Run) -> None:
    i = 4000
    mz, y = gasoline.scan(i)
    expected = y[np.abs(mz - 57.0) <= 0.5].sum()
    assert gasoline.eic(57.0)[i] == pytest.approx(expected)
    assert not gasoline.is_sim and gasoline.sim_channels == {}


def test_time_values_fill_quirk_is_ignored(gasoline: Run) -> None:
    # the real file's time_values are all 9.97e36 (netCDF fill): scan times come from
    # scan_acquisition_time and no point was dropped (the fill is in time_values only)
    assert gasoline.metadata["n_fill_points_dropped"] == "0"
    assert np.all(np.diff(gasoline.scan_times_s) > 0)


def test_tic_only_file() -> None:
    run = read_run(TIC_ONLY)
    assert run.n_scans == 1645 and not run.has_spectra
    assert run.tic()[0] == pytest.approx(168705.0)  # first ordinate_values entry of the file
    assert run.scan_times_s[0] == pytest.approx(3.381, abs=1e-3)


def test_fill_values_in_intensities_and_times_are_dropped_or_interpolated(tmp_path: Path, gasoline: Run) -> None:
    def kill_points(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[10:15] = FILL  # scan 0 holds points 0..10, scan 1 holds 11..21
        return a

    def kill_time(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[100] = FILL
        return a

    dst = edited_copy(GASOLINE, tmp_path / "fill.cdf",
                      edit={"intensity_values": kill_points, "scan_acquisition_time": kill_time})
    run = read_run(dst)
    assert run.metadata["n_fill_points_dropped"] == "5"
    assert run.mz.size == gasoline.mz.size - 5
    # interpolated time between its neighbours (scans are 0.59 s apart)
    assert run.scan_times_s[100] == pytest.approx(0.5 * (gasoline.scan_times_s[99] + gasoline.scan_times_s[101]))
    assert np.isfinite(run.tic()).all() and run.tic().max() < 1e12


def test_missing_instrument_and_index_fields(tmp_path: Path, gasoline: Run) -> None:
    instrument = tuple(f"instrument_{k}" for k in ("name", "id", "mfr", "model", "serial_no", "sw_version",
                                                    "fw_version", "os_version", "app_version", "comments"))
    dst = edited_copy(GASOLINE, tmp_path / "noinst.cdf", drop=(*instrument, "scan_index", "total_intensity"))
    run = read_run(dst)
    assert run.n_scans == 6401
    np.testing.assert_array_equal(run.offsets, gasoline.offsets)  # scan_index derived from point_count
    assert run.stored_tic is None
    dst2 = edited_copy(GASOLINE, tmp_path / "nopc.cdf", drop=("point_count",))
    np.testing.assert_array_equal(read_run(dst2).offsets, gasoline.offsets)


def test_missing_scan_times_is_an_error_naming_the_field(tmp_path: Path) -> None:
    dst = edited_copy(GASOLINE, tmp_path / "notime.cdf", drop=("scan_acquisition_time",))
    with pytest.raises(FileFormatError, match="scan_acquisition_time"):
        read_run(dst)


def test_inconsistent_index_is_an_error(tmp_path: Path) -> None:
    def bad(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[7] = 10**8
        return a

    dst = edited_copy(GASOLINE, tmp_path / "badidx.cdf", edit={"scan_index": bad})
    with pytest.raises(FileFormatError, match="scan 7"):
        read_run(dst)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cellworks.cli", "gcms", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("kind", ["truncated", "garbage", "not_netcdf"])
def test_damaged_cdf_gives_exit_2_and_one_line(tmp_path: Path, kind: str) -> None:
    raw = GASOLINE.read_bytes()
    p = tmp_path / f"{kind}.cdf"
    if kind == "truncated":
        p.write_bytes(raw[: len(raw) // 3])
    elif kind == "garbage":
        p.write_bytes(raw[:64] + bytes(range(256)) * 20)
    else:
        p.write_bytes(b"this is not a netCDF file\n" * 10)
    with pytest.raises(FileFormatError):
        read_run(p)
    res = _cli("peaks", str(p), "--json")
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0]


def test_jcamp_round_trip(tmp_path: Path, gasoline: Run) -> None:
    from cellworks.gcms.readers.jcamp import write_jcamp_run

    sub = Run.from_scans(gasoline.scan_times_s[:40], [gasoline.scan(i) for i in range(40)])
    write_jcamp_run(sub, tmp_path / "r.jdx")
    back = read_run(tmp_path / "r.jdx")
    assert back.n_scans == 40
    np.testing.assert_allclose(back.tic(), sub.tic(), rtol=1e-5)  # 6 significant digits written
    np.testing.assert_allclose(back.scan_times_s, sub.scan_times_s, atol=1e-4)


def test_jcamp_minutes_and_errors(tmp_path: Path) -> None:
    text = ("##TITLE= t\n##JCAMP-DX= 5.01\n##NTUPLES= MASS SPECTRUM\n##UNITS= M/Z, RELATIVE ABUNDANCE, MINUTES\n"
            "##PAGE= T= 1.5\n##DATA TABLE= (XY..XY), PEAKS\n43, 100 57, 50\n##PAGE= T= 2.0\n"
            "##DATA TABLE= (XY..XY), PEAKS\n91, 10\n##END=\n")
    (tmp_path / "a.jdx").write_text(text)
    run = read_run(tmp_path / "a.jdx")
    assert run.scan_times_s.tolist() == [90.0, 120.0]
    assert run.tic().tolist() == [150.0, 10.0]
    (tmp_path / "b.jdx").write_text(text.replace("57, 50", "57"))
    with pytest.raises(FileFormatError, match="line 7"):
        read_run(tmp_path / "b.jdx")


def test_csv_long_and_wide(tmp_path: Path) -> None:
    (tmp_path / "long.csv").write_text("rt_min,mz,intensity\n1.0,43,100\n1.0,57,20\n2.0,43,5\n")
    r = read_run(tmp_path / "long.csv")
    assert r.scan_times_s.tolist() == [60.0, 120.0] and r.tic().tolist() == [120.0, 5.0]
    (tmp_path / "wide.csv").write_text("time_s,43,57\n1,100,0\n2,5,7\n")
    w = read_run(tmp_path / "wide.csv")
    assert w.eic(57).tolist() == [0.0, 7.0]
    (tmp_path / "bad.csv").write_text("time_s,43\n1,abc\n")
    with pytest.raises(FileFormatError, match="row 2"):
        read_run(tmp_path / "bad.csv")


def test_mzml_minimal(tmp_path: Path) -> None:
    def arr(a: list[float], acc: str) -> str:
        b = base64.b64encode(zlib.compress(np.asarray(a, "<f8").tobytes())).decode()
        return (f'<binaryDataArray><cvParam accession="MS:1000523"/><cvParam accession="MS:1000574"/>'
                f'<cvParam accession="{acc}"/><binary>{b}</binary></binaryDataArray>')

    spec = ""
    for i, (t, mz, y) in enumerate([(0.5, [43.0, 57.0], [10.0, 5.0]), (0.6, [91.0], [7.0])]):
        spec += (f'<spectrum index="{i}"><cvParam accession="MS:1000511" value="1"/><scanList><scan>'
                 f'<cvParam accession="MS:1000016" value="{t}" unitName="minute"/></scan></scanList>'
                 f'<binaryDataArrayList>{arr(mz, "MS:1000514")}{arr(y, "MS:1000515")}</binaryDataArrayList></spectrum>')
    (tmp_path / "a.mzML").write_text(f'<?xml version="1.0"?><mzML xmlns="http://psi.hupo.org/ms/mzml"><run>'
                                     f'<spectrumList>{spec}</spectrumList></run></mzML>')
    run = read_run(tmp_path / "a.mzML")
    assert run.scan_times_s.tolist() == pytest.approx([30.0, 36.0])
    assert run.tic().tolist() == [15.0, 7.0]


def test_sim_channels() -> None:
    run = Run.from_scans([0.0, 1.0, 2.0, 3.0], [([74.0, 78.0], [1, 2]), ([74.0, 78.0], [3, 4]),
                                                ([150.0], [5]), ([74.0, 78.0], [6, 7])])
    assert run.is_sim
    ch = run.sim_channels
    assert sorted(ch) == [74, 78, 150]
    assert ch[78].tolist() == [2, 4, 0, 7]
