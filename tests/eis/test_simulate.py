import numpy as np
import pytest

from cellworks.eis.circuits import randles, simulate
from cellworks.eis.fitting import fit_circuit
from cellworks.eis.model import charge_transfer_resistance


@pytest.mark.parametrize("r_ct", [33.3, 29.5])  # document 000: AC-S and carbon-coated AC-S cathodes
def test_charge_transfer_resistance_recovered_from_a_simulated_cell(r_ct):
    # the document's EIS window: 100 kHz - 10 mHz; a coin cell with 5 Ohm electrolyte resistance
    f = np.logspace(5, -2, 71)
    z = randles(5.0, r_ct, 2e-5, 15.0, f)
    rng = np.random.default_rng(0)
    z = z + 0.002 * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    res = fit_circuit(f, z, "R0-p(R1-W1,C1)", weight="modulus", n_starts=16)
    rct, se = charge_transfer_resistance(res, "R1")
    # 0.2 % noise per point: the fitted R_ct is within a few standard errors, well inside 1 %
    assert rct == pytest.approx(r_ct, rel=0.01)
    assert abs(rct - r_ct) < 5 * se


def test_simulate_accepts_names_and_vectors():
    f = np.array([1.0, 10.0])
    a = simulate("R0-p(R1,C1)", [1.0, 2.0, 0.1], f)
    b = simulate("R0-p(R1,C1)", {"R0": 1.0, "R1": 2.0, "C1": 0.1}, f)
    assert np.allclose(a, b)
    with pytest.raises(ValueError, match="no value for C1"):
        simulate("R0-p(R1,C1)", {"R0": 1.0, "R1": 2.0}, f)
