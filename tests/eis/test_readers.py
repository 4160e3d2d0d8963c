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
    [("1,2,3\n2,abc,4\n", 2, "abc"), ("1,2,3\n2,,4\n", 2, "missing"), ("1,2,3\n4,5\n", 2, "3 columns"),
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
