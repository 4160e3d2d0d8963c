from __future__ import annotations

import math

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.lis.impedance import cell_impedance, charge_transfer_resistance_Ohm, impedance_elements
from cellworks.lis.kernels import marinescu as model
from cellworks.lis.params import FARADAY_C_PER_MOL as F
from cellworks.lis.params import GAS_CONSTANT_J_PER_MOL_K as R
from cellworks.lis.params import get_preset


def test_cathode_rct_is_linearised_butler_volmer() -> None:
    p = get_preset("marinescu2016")
    P = model.pack_params(p)
    y = model.initial_state(p)
    e_h, e_l = model.plateau_potentials(y, P)
    s_h, s_l = model.exchange_factors(y, P)
    v = model.outputs(y, 0.0, P)[1]
    b = 4 * F / (2 * R * p.temperature_K)
    g = (2 * p.i_H0_A_per_m2 * s_h * p.a_r_m2 * b * math.cosh(b * (v - e_h))
         + 2 * p.i_L0_A_per_m2 * s_l * p.a_r_m2 * b * math.cosh(b * (v - e_l)))
    r = charge_transfer_resistance_Ohm(p)
    assert r["R_ct_cathode_Ohm"] == pytest.approx(1 / g, rel=1e-9)
    assert r["R_ct_anode_Ohm"] == 0.0  # ideal anode in the 2016 preset


def test_spectrum_limits() -> None:
    p = get_preset("marinescu2016_lipon")
    el = impedance_elements(p)
    z = cell_impedance(p, None, np.array([1e-6, 1e9]))
    r_s = el["R_ohmic_Ohm"] + el["R_layer_Ohm"]
    # high frequency: capacitors short the charge-transfer resistances; low: series sum
    assert z[1].real == pytest.approx(r_s, rel=1e-6)
    assert z[0].real == pytest.approx(r_s + el["R_ct_cathode_Ohm"] + el["R_ct_anode_Ohm"], rel=1e-6)
    assert np.all(cell_impedance(p, None, np.geomspace(0.01, 1e5, 30)).imag <= 0)


def test_state_inputs_and_errors() -> None:
    p = get_preset("marinescu2016")
    masses = {"S8_g": 1.0, "S4_g": 1.0, "S2_g": 0.1, "S_g": 1e-3, "Sp_g": 0.5}
    z1 = cell_impedance(p, masses, [1.0])
    z2 = cell_impedance(p, [1.0, 1.0, 0.1, 1e-3, 0.5], [1.0])
    assert z1[0] == z2[0]
    with pytest.raises(ParameterError):
        cell_impedance(p, None, [0.0])
    with pytest.raises(ParameterError):
        cell_impedance(p, {"S8_g": 1.0}, [1.0])
