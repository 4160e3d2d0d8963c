"""The compiled model kernels against the equations of Marinescu et al. 2016 written out in NumPy."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cellworks.lis.kernels import marinescu as model
from cellworks.lis.params import FARADAY_C_PER_MOL as F
from cellworks.lis.params import GAS_CONSTANT_J_PER_MOL_K as R
from cellworks.lis.params import get_preset


def _reference_potentials(p, m):  # REFERENCE.md §5, written independently of model.py
    c = R * p.temperature_K / (4 * F)
    f_h = 4**2 * p.molar_mass_S_g_per_mol * p.electrolyte_volume_L / 8
    f_l = 1**2 * 2 * p.molar_mass_S_g_per_mol**2 * p.electrolyte_volume_L**2 / 4
    e_h = p.E_H0_V + c * math.log(f_h * m[0] / m[1] ** 2)
    e_l = p.E_L0_V + c * math.log(f_l * m[1] / (m[2] * m[3] ** 2))
    return e_h, e_l


def test_plateau_potentials_match_reference_equations() -> None:
    p = get_preset("marinescu2016")
    y = model.initial_state(p)
    e_h, e_l = model.plateau_potentials(y, model.pack_params(p))
    ref = _reference_potentials(p, np.exp(y[:4]))
    # same formula, different arithmetic order: agreement to round-off
    assert e_h == pytest.approx(ref[0], abs=1e-12)
    assert e_l == pytest.approx(ref[1], abs=1e-12)


@pytest.mark.parametrize("current", [-20.0, -1.7, 0.0, 1.7, 20.0])
def test_closed_form_voltage_satisfies_current_balance(current: float) -> None:
    p = dataclasses.replace(get_preset("marinescu2016"), species_floor_rel=0.0)
    P = model.pack_params(p)
    y = model.initial_state(p)
    e_h, e_l = model.plateau_potentials(y, P)
    v, i_h, _ = model.cathode(e_h, e_l, current, P, 1.0, 1.0)
    b = 4 * F / (2 * R * p.temperature_K)
    i_h_ref = -2 * p.i_H0_A_per_m2 * p.a_r_m2 * math.sinh(b * (v - e_h))
    i_l_ref = -2 * p.i_L0_A_per_m2 * p.a_r_m2 * math.sinh(b * (v - e_l))
    # exchange currents ~10 A: the balance holds to round-off of those terms (1e-12 A)
    assert i_h_ref + i_l_ref == pytest.approx(current, abs=1e-9)
    assert i_h == pytest.approx(i_h_ref, rel=1e-9, abs=1e-9)


def test_initial_voltage_near_reference_value() -> None:
    """REFERENCE §5: the 1.7 A discharge starts from V = 2.4 V."""
    p = get_preset("marinescu2016")
    P = model.pack_params(p)
    v = model.outputs(model.initial_state(p), 1.7, P)[0]
    # the published initial state is rounded to 4 digits; 2.4 V is quoted to 2 significant digits
    assert v == pytest.approx(2.4, abs=0.01)


@pytest.mark.parametrize("mode,value", [(0, 1.7), (0, -1.7), (1, 2.3), (2, 3.0), (2, -3.0), (3, 1.5)])
def test_analytic_jacobian_matches_finite_differences(mode: int, value: float) -> None:
    p = dataclasses.replace(get_preset("marinescu2016_lipon"), f_s_per_mol=0.01)
    P = model.pack_params(p)
    y = model.initial_state(p)
    y[5] = 30.0  # shuttled mass inside the fade's linear range
    dy = np.empty(model.NY)
    cur = model.rhs(y, mode, value, 0.5, P, dy)
    J = np.zeros((model.NY, model.N_DYN))
    model.jacobian(y, mode, value, cur, P, J)
    for j in range(model.N_DYN):
        d = 1e-6
        yp, ym = y.copy(), y.copy()
        yp[j] += d
        ym[j] -= d
        fp, fm = np.empty(model.NY), np.empty(model.NY)
        model.rhs(yp, mode, value, cur, P, fp)
        model.rhs(ym, mode, value, cur, P, fm)
        fd = (fp - fm) / (2 * d)
        scale = np.abs(fd) + 1e-8 * np.abs(fd).max() + 1e-300
        # central differences with d = 1e-6 are accurate to ~1e-8 relative; 1e-4 leaves margin
        np.testing.assert_array_less(np.abs(J[:, j] - fd) / scale, 1e-4)


def test_species_and_electrons_balance_in_rhs() -> None:
    """d/dt of total sulfur is 0 and of stored electrons is I/F + shuttle electrons (any state)."""
    p = dataclasses.replace(get_preset("marinescu2016"), f_s_per_mol=0.02)
    P = model.pack_params(p)
    rng = np.random.default_rng(1)
    for _ in range(20):
        y = model.initial_state(p)
        y[:5] = np.log(rng.uniform(1e-4, 2.0, 5))
        y[5] = rng.uniform(0, 60)
        dy = np.empty(model.NY)
        cur = model.rhs(y, 0, -1.0, -1.0, P, dy)
        m = np.exp(y[:5])
        dm = dy[:5] * m
        assert abs(dm.sum() + dy[6]) <= 1e-12 * np.abs(dm).max()
        w = model.ELECTRON_WEIGHT
        dz = (w @ dm + 2 * dy[6]) / p.molar_mass_S_g_per_mol  # mol e- per s
        assert dz == pytest.approx(cur / F + dy[10], rel=1e-10, abs=1e-18)


def test_shuttle_current_formula() -> None:
    p = get_preset("marinescu2016")
    # k_s·S8·n_e·F/(n8·M_s) with the values of REFERENCE §5
    assert model.shuttle_current_A(p, 2.673) == pytest.approx(2e-4 * 2.673 * 4 * 96485.33212 / (8 * 32), rel=1e-12)
