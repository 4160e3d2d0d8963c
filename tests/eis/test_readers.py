import shutil

import numpy as np
import pytest

from cellworks.eis.readers import drop_positive_imag, n_cycles, read_spectrum
from cellworks.errors import FileFormatError

from .conftest import DATA


def test_csv_fixture():
    s = read_spectrum(DATA / "exampleData.csv")
    assert len(s) == 66
    # first row of the file: 3.1623e-03, 4.94998977640506e-02, -2.04386985444189e-02
    assert s.freq_Hz[0] == pytest.approx(3.1623e-3)
    assert s.Z_Ohm[0] == pytest.approx(4.949989776405060160e-02 - 2.043869854441892481e-02j)
    f, z = drop_positive_imag(s.freq_Hz, s.Z_Ohm)
    assert f.size == 57


def test_biologic_mpt_fixture():
    s = read_spectrum(DATA / "exampleDataBioLogic.mpt")
    assert len(s) == 43
    # first data line: freq 1.0003201E+003, Re 6.5470886E+001, -Im 3.8998979E-001
    assert s.freq_Hz[0] == pytest.approx(1000.3201)
    assert s.Z_Ohm[0] == pytest.approx(65.470886 - 0.38998979j)


def test_gamry_dta_fixture():
    s = read_spectrum(DATA / "exampleDataGamry.DTA")
    # ZCURVE rows 0..71; the last row is 861 s, 0.0158898 Hz, 17007.49, -6635.557
    assert len(s) == 72
    assert s.freq_Hz[-1] == pytest.approx(0.0158898)
    assert s.Z_Ohm[-1] == pytest.approx(17007.49 - 6635.557j)
    assert s.meta["TAG"] == "EISPOT"


def test_biologic_mpr_geis_fixture():
    pytest.importorskip("cellworks.cycling.readers.biologic")
    s = read_spectrum(DATA / "lili_tegdme_02_GEIS_C05.mpr")
    # 45 repeated GEIS sweeps of 9 frequencies, 500 Hz .. 0.8 Hz (in-situ monitoring of a Li|Li cell)
    assert len(s) == 405 and n_cycles(s) == 45
    one = read_spectrum(DATA / "lili_tegdme_02_GEIS_C05.mpr", cycle=2)
    assert len(one) == 9 and one.freq_Hz[0] == pytest.approx(500.16, rel=1e-4)
    assert one.freq_Hz[-1] == pytest.approx(0.7998, rel=1e-3)
    with pytest.raises(FileFormatError, match="no cycle 46"):
        read_spectrum(DATA / "lili_tegdme_02_GEIS_C05.mpr", cycle=46)
    assert np.all(s.freq_Hz > 0)
    # a Li|Li symmetric cell: resistive, capacitive arc (Re Z > 0, most Im Z < 0)
    assert np.all(s.Z_Ohm.real > 0)
    assert np.mean(s.Z_Ohm.imag < 0) > 0.9


@pytest.mark.parametrize(
    "text, line, token",
    [("1,2,3\n2,abc,4\n", 2, "abc"), ("1,2,3\n2,,4\n", 2, "missing"), ("1,2,3\n4,5\n", 2, "2 fields"), ("1,2,3\n4,5,6,7\n5,6,7\n", 2, "4 fields"),
     ("f,re,im\n1,2,3\n-1,2,3\n", 3, "> 0")],
)
def test_bad_csv_names_the_line(tmp_path, text, line, token):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(FileFormatError) as err:
        read_spectrum(p)
    assert err.value.record == f"line {line}"
    assert token in err.value.one_line()
    assert "bad.csv" in err.value.one_line()


def test_bad_mpt_and_dta(tmp_path):
    src = (DATA / "exampleDataBioLogic.mpt").read_bytes().decode("latin-1").splitlines()
    src[70] = src[70].replace("6.5470886E+001", "NaNx", 1) if "6.5470886E+001" in src[70] else src[70]
    lines = src
    idx = next(i for i, ln in enumerate(lines) if ln.startswith("1.0003201E+003"))
    lines[idx] = lines[idx].replace("6.5470886E+001", "garbage", 1)
    p = tmp_path / "bad.mpt"
    p.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(FileFormatError, match=f"line {idx + 1}"):
        read_spectrum(p)
    q = tmp_path / "x.DTA"
    shutil.copy(DATA / "exampleData.csv", q)
    with pytest.raises(FileFormatError, match="ZCURVE"):
        read_spectrum(q)
    with pytest.raises(FileFormatError, match="unknown impedance file type"):
        read_spectrum(shutil.copy(DATA / "exampleData.csv", tmp_path / "a.xyz"))


def _cut_last_value(path, tmp_path, keep_chars, name="cut.csv"):
    """Copy ``path`` with its final value cut to ``keep_chars`` characters (a file cut off mid-number)."""
    text = path.read_bytes().decode("latin-1").rstrip("\r\n")
    head, sep, last = text.rpartition(",") if path.suffix == ".csv" else text.rpartition("\t")
    out = tmp_path / name
    out.write_bytes((head + sep + last[:keep_chars]).encode("latin-1"))
    return out, len(text.splitlines())


def test_truncated_last_value_names_the_line(tmp_path):
    # exampleData.csv ends in 1.015747456493823649e-02; cut to 1.015 the row still parses (issue 17)
    cut, n_lines = _cut_last_value(DATA / "exampleData.csv", tmp_path, 5)
    with pytest.raises(FileFormatError) as err:
        read_spectrum(cut)
    assert err.value.record == f"line {n_lines}" and "cut off" in err.value.message
    spec = read_spectrum(cut, allow_truncated=True)
    assert len(spec) == 65 and spec.meta["dropped_truncated_line"] == n_lines
    # the same cut through the exponent only ("e-0"): still caught
    cut2, _ = _cut_last_value(DATA / "exampleData.csv", tmp_path, 23, "cut2.csv")
    with pytest.raises(FileFormatError, match="cut off"):
        read_spectrum(cut2)


def test_truncated_mpt_and_dta(tmp_path):
    lines = (DATA / "exampleDataBioLogic.mpt").read_bytes().decode("latin-1").splitlines()
    lines[-1] = "\t".join(lines[-1].split("\t")[:10])  # the last row cut after ten of its 18 fields
    p = tmp_path / "cut.mpt"
    p.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.raises(FileFormatError, match=f"line {len(lines)}: row has 10 fields, the header has 18"):
        read_spectrum(p)
    assert len(read_spectrum(p, allow_truncated=True)) == 42
    lines = (DATA / "exampleDataGamry.DTA").read_bytes().decode("latin-1").splitlines()
    last = max(i for i, ln in enumerate(lines) if ln.startswith("\t"))
    lines[last] = "\t".join(lines[last].split("\t")[:5])  # a row cut after five fields
    p = tmp_path / "cut.DTA"
    p.write_bytes("\n".join(lines[: last + 1]).encode("latin-1"))
    with pytest.raises(FileFormatError, match=f"line {last + 1}: row has 5 fields"):
        read_spectrum(p)
    assert len(read_spectrum(p, allow_truncated=True)) == 71


def test_short_last_values_that_are_not_cut_are_accepted():
    # the Autolab export ends in frequency '0.1' after '0.13335': shorter, but the same decade
    s = read_spectrum(DATA / "exampleDataAutolab.txt")
    assert len(s) == 41 and s.freq_Hz[-1] == 0.1


def test_autolab_zview_export():
    s = read_spectrum(DATA / "exampleDataAutolab.txt")
    assert s.format == "autolab-z60"
    # first row of the file: 10000,0,0,0,0.013785863964281,0.007191946305823 (Z'' signed, inductive at 10 kHz)
    assert s.freq_Hz[0] == 10000 and s.Z_Ohm[0] == pytest.approx(0.013785863964281 + 0.007191946305823j)


def test_parquet_series_of_the_lg_mj1_anode():
    s = read_spectrum(DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet")
    # 36 spectra x 72 frequencies (PyBOP example data, Kuhn et al. 2026), labelled by pulse number
    assert len(s) == 2592 and n_cycles(s) == 36
    assert s.meta["spectrum_labels"][:3] == [1, 2, 3] and s.meta["spectrum_labels"][-1] == 0
    one = read_spectrum(DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet", cycle=36)
    assert len(one) == 72 and one.freq_Hz.min() == pytest.approx(0.01) and one.freq_Hz.max() == pytest.approx(2e6)


def test_written_spectra_read_back(tmp_path):
    from cellworks.eis.export import write_spectrum

    f = np.logspace(3, -1, 9)
    z = 5 + 10 / (1 + 1j * f)
    back = read_spectrum(write_spectrum(tmp_path / "z.csv", f, z))
    assert np.allclose(back.freq_Hz, f) and np.allclose(back.Z_Ohm, z)
    two = read_spectrum(write_spectrum(tmp_path / "z.parquet", np.r_[f, f], np.r_[z, 2 * z], spectrum=[3] * 9 + [7] * 9))
    assert n_cycles(two) == 2 and two.meta["spectrum_labels"] == [3, 7]
    with pytest.raises(ValueError, match="several spectra"):
        write_spectrum(tmp_path / "x.csv", f, z, spectrum=[1] * 9)
