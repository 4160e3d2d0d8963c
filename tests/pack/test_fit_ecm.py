"""ECM fit to PyBOP's real Samsung INR21700 multi-pulse HPPC test (tests/data/pack)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import FileFormatError
from cellworks.pack.ecm_fitting import EcmFit, PulseData, fit_ecm, read_pulse_test

DATA = Path(__file__).parents[1] / "data" / "pack"
HPPC = DATA / "samsung_inr21700_multipulse_hppc.xlsx"


@pytest.fixture(scope="module")
def data() -> PulseData:
    return read_pulse_test(HPPC)


def test_reader(data: PulseData) -> None:
    assert len(data.time_s) == 1194
    assert data.current_A.max() == pytest.approx(5.99956)  # the 6 A discharge pulse
    assert data.voltage_V[0] == pytest.approx(4.18647)


@pytest.fixture(scope="module")
def fit(data: PulseData) -> EcmFit:
    return fit_ecm(data, capacity_Ah=5.0, n_rc=2)


def test_fit_rms_within_10_mV(fit: EcmFit) -> None:
    f = fit
    # issue 6: RMS voltage error ≤ 10 mV
    assert f.rms_error_V <= 0.010
    # a 21700 cell: R0 of a few to a few tens of mΩ, positive RC resistances, sorted τ
    assert 0.002 < f.r0_Ohm < 0.05
    assert all(r > 0 for r in f.rc_R_Ohm)
    assert f.rc_tau_s[0] < f.rc_tau_s[1]
    # OCV table increases with SOC and matches the initial rest voltage within 10 mV
    assert np.all(np.diff(f.ocv_V) > 0)
    assert f.ocv_V[-1] == pytest.approx(4.18647, abs=0.010)


def test_instantaneous_drop_sets_r0(data: PulseData, fit: EcmFit) -> None:
    # independent check: the voltage step at the start of the 3 A pulse (0 → 3.0036 A) is
    # (R0 + share of the fast RC)·ΔI; the fitted R0 must not exceed the measured step resistance
    k = int(np.flatnonzero(data.current_A > 1)[0])
    r_step = (data.voltage_V[k - 1] - data.voltage_V[k]) / (data.current_A[k] - data.current_A[k - 1])
    f = fit
    assert f.r0_Ohm <= r_step * 1.05
    assert f.r0_Ohm + f.rc_R_Ohm[0] + f.rc_R_Ohm[1] > r_step


def test_bad_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("time,amps\n0,1\n")
    with pytest.raises(FileFormatError, match="current"):
        read_pulse_test(p)
    p.write_text("time,current,voltage\n" + "\n".join(f"{i},0,{'x' if i == 5 else 4.1}" for i in range(20)))
    with pytest.raises(FileFormatError, match="row 7"):
        read_pulse_test(p)
