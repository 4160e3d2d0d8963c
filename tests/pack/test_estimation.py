"""SOC estimation (Plett's SPKF and EKF for the ESC model) on a simulated 4s run with sensor noise:
a pipeline test — the simulator and the filter share the cell model, the noise is an input."""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.pack.estimation import FilterTuning, estimate_soc
from cellworks.pack.pack import PackDesign, uniform_arrays
from cellworks.pack.simulation import SimOptions, simulate

PROFILE = ("(Discharge at 2 A for 5 minutes, Rest for 2 minutes, Charge at 1 A for 3 minutes, "
           "Discharge at 4 A for 1 minute, Rest for 1 minute) * 10")


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    d = PackDesign(n_series=4, n_parallel=1)
    a = uniform_arrays(d, 1, 0.7)
    a.soc0[0, :, 0] = [0.70, 0.65, 0.72, 0.60]
    res = simulate(d, a, PROFILE, options=SimOptions(dt_s=1.0, adaptive=False, record_every_s=1e-6))
    n = int(res.n_records[0])
    t = res.time_s[0, :n]
    keep = np.concatenate([[True], np.diff(t) > 0])  # a step's last instant repeats the next one's first
    return d, t[keep], res.current_A[0, :n][keep], res.group_voltage_V[0, :n][keep], res.soc[0, :n, :, 0][keep]


@pytest.mark.parametrize("kind", ["spkf", "ekf"])
def test_filter_converges_from_a_wrong_start_with_honest_bounds(run, kind: str) -> None:  # type: ignore[no-untyped-def]
    d, t, i, V, z = run
    rng = np.random.default_rng(1)
    v_noisy = V + rng.normal(0.0, 0.010, V.shape)  # Done-when: 10 mV voltage noise
    i_noisy = i + rng.normal(0.0, 0.020, i.shape)  # and a 20 mA current sensor
    est = estimate_soc(t, i_noisy, v_noisy, d.cell, soc0=z[0] + 0.20,  # 20 % wrong initial SOC
                       tuning=FilterTuning(kind=kind, sigma_voltage_V=0.010, sigma_current_A=0.05))
    err = est.soc - z
    after_1h = t > 3600.0
    rms = np.sqrt(np.mean(err[after_1h] ** 2, axis=0))
    assert np.all(rms < 0.02)  # Done-when: within 2 % SOC RMS after one hour
    inside = np.mean(np.abs(err) <= est.bound3, axis=0)
    assert np.all(inside >= 0.95)  # Done-when: the true SOC inside ±3σ ≥ 95 % of the time
    assert np.all(np.abs(err[0]) == pytest.approx(0.20))  # it did start 20 % off
    assert np.all(est.bound3[-1] < 0.02)  # and the band narrowed


def test_estimator_refuses_bad_input() -> None:
    from cellworks.pack.cell import CellParams

    with pytest.raises(ParameterError):
        estimate_soc([0.0], [0.0], [[3.7]], CellParams())
    with pytest.raises(ParameterError):
        FilterTuning(kind="particle")
    with pytest.raises(ParameterError):
        FilterTuning(sigma_voltage_V=float("nan"))
