import numpy as np

from cellworks.eis.circuits import simulate
from cellworks.eis.kk import lin_kk

CIRC = "R0-p(R1,CPE1)-p(R2,CPE2)"
PARAMS = [10.0, 50.0, 1e-4, 0.85, 30.0, 1e-2, 0.75]
F = np.logspace(-2, 5, 71)


def _noisy(z, rel, seed=1):
    rng = np.random.default_rng(seed)
    return z + rel * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))


def test_kk_consistent_spectrum_passes():
    z = _noisy(simulate(CIRC, PARAMS, F), 1e-3)  # 0.1 % noise, as a good potentiostat
    res = lin_kk(F, z)
    assert res.mu <= 0.85
    # residuals at the noise level (0.1 % per component): well inside the 1 % validity limit
    assert res.valid and res.rms_residual < 3e-3


def test_drifting_spectrum_fails():
    # the cell drifts while it is measured (sweep from high to low frequency): R1 grows 30 %
    drift = np.linspace(1.0, 1.3, F.size)
    z = np.array([simulate(CIRC, [PARAMS[0], PARAMS[1] * d, *PARAMS[2:]], [f])[0] for f, d in zip(F[::-1], drift, strict=True)])
    z = z[::-1]
    res = lin_kk(F, z)
    assert not res.valid and res.max_abs_residual > res.threshold


def test_example_data_is_valid_below_one_percent(example_spectrum):
    f, z = example_spectrum
    res = lin_kk(f, z)
    assert res.valid and res.max_abs_residual < 0.01
    assert res.C_F > 0  # the diffusion tail asks for the series capacitance
