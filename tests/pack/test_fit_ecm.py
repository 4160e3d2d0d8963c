"""ECM fit to PyBOP's real Samsung INR21700 multi-pulse HPPC test (tests/data/pack), on stated OCV curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import FileFormatError, ParameterError
from cellworks.pack.cell import OcvTable
from cellworks.pack.ecm_fitting import EcmFit, fit_ecm
from cellworks.pack.readers.hppc import PulseData, read_pulse_test

DATA = Path(__file__).parents[1] / "data" / "pack"
HPPC = DATA / "samsung_inr21700_multipulse_hppc.xlsx"
ECM_EXAMPLE_OCV = DATA / "pybamm_ecm_example_ocv.csv"


@pytest.fixture(scope="module")
def data() -> PulseData:
    return read_pulse_test(HPPC)


def test_reader(data: PulseData) -> None:
    assert len(data.time_s) == 1194
    assert data.current_A.max() == pytest.approx(5.99956)  # the 6 A discharge pulse
    assert data.voltage_V[0] == pytest.approx(4.18647)


@pytest.fixture(scope="module")
def fit(data: PulseData) -> EcmFit:
    return fit_ecm(data, capacity_Ah=3.0, n_rc=2)  # the cell is a 3 Ah Samsung INR21700-30T


def test_fit_states_its_ocv_and_fits_within_a_few_mV(fit: EcmFit) -> None:
    assert fit.rms_error_V <= 0.002  # the model reproduces the test (1.05 mV measured)
    assert "LG M50" in fit.ocv_source and "4.1865 V" in fit.ocv_source
    # the test spans 18 mAh = 0.6 % of 3 Ah (≈16.6 mAh net): coulomb counting, not a fit
    assert fit.soc_span == pytest.approx(0.0060, abs=0.0003)
    assert all(r > 0 for r in fit.rc_R_Ohm) and fit.rc_tau_s[0] < fit.rc_tau_s[1]
    d = fit.to_dict()
    assert set(d) >= {"fitted", "input", "ocv_table", "peer_documented"}
    assert d["peer_documented"]["tool"] == "PyBOP"


def test_r0_between_the_first_two_samples_of_the_pulse(data: PulseData, fit: EcmFit) -> None:
    # independent bounds from the data: 0.12 s after the 3 A step the voltage has dropped 7.3 mΩ × I,
    # 0.21 s after it 9.9 mΩ × I; a process faster than one sample (τ ~ 0.1 s) sits between, so an
    # ohmic R0 of a 2-RC model lies between the two (PyBOP's documented fit: 9.56 mΩ)
    k = int(np.flatnonzero(data.current_A > 1)[0])
    dv1 = data.voltage_V[k - 1] - data.voltage_V[k]
    dv2 = data.voltage_V[k - 1] - data.voltage_V[k + 1]
    r1, r2 = dv1 / data.current_A[k], dv2 / data.current_A[k + 1]
    assert r1 < fit.r0_Ohm < r2
    assert fit.total_resistance_Ohm > r2


def test_like_for_like_with_pybop_documented_values(data: PulseData) -> None:
    # same model as PyBOP's notebook (R0 + 2 RC, no hysteresis), same OCV (PyBaMM's ECM_Example curve,
    # initial state from the first voltage), same 3 Ah: the total resistance is held out — PyBOP
    # documents 30.55 mΩ (commit d70408cd) and 31.33 mΩ (2025 versions): we accept ± that spread (0.8 mΩ)
    f = fit_ecm(data, 3.0, 2, OcvTable.from_csv(ECM_EXAMPLE_OCV), hysteresis=False)
    assert f.total_resistance_Ohm * 1e3 == pytest.approx(30.55, abs=0.8)
    assert f.peer["total_resistance_mOhm"] == 30.55
    assert f.hysteresis_M0_V == 0.0
    # the OCV curve matters over a 0.6 % SOC window: the LG M50 curve is steeper at this SOC and
    # moves part of the slow relaxation into the OCV drift, so its fit differs by more than PyBOP's spread
    g = fit_ecm(data, 3.0, 2, "lg_m50", hysteresis=False)
    assert abs(g.total_resistance_Ohm - f.total_resistance_Ohm) * 1e3 > 0.8


def test_fitting_an_ocv_the_test_does_not_span_is_refused(data: PulseData) -> None:
    with pytest.raises(ParameterError, match="0.604 % of 3 Ah"):
        fit_ecm(data, 3.0, 2, "fit", n_ocv=4)
    with pytest.raises(ParameterError):
        fit_ecm(data, float("nan"))


def test_bad_file(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("time,amps\n0,1\n")
    with pytest.raises(FileFormatError, match="current"):
        read_pulse_test(p)
    p.write_text("time,current,voltage\n" + "\n".join(f"{i},0,{'x' if i == 5 else 4.1}" for i in range(20)))
    with pytest.raises(FileFormatError, match="row 7"):
        read_pulse_test(p)
