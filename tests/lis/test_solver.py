"""The compiled driver (solver.py): layers faster than the step clock resolves are followed.

A rest after an exhausting discharge relaxes for its full time; a discharge passes the end of its
upper plateau.

Regression for the "solver failure" of the factor-10 robustness test (test_robustness.py, set 167
of its draw, in the state the earlier driver's discharge left it, S₂²⁻ exhausted — the driver now
carries that discharge on to lithium exhaustion): in the rest, precipitated Li₂S
dissolves (S²⁻ is below saturation) and its S²⁻ is oxidised back to S₄²⁻ by reducing the last traces
of S₂²⁻, which drains S₂²⁻ below the exchange floor. Its log-mass then runs like ln(t_e − t): a
physical layer, 1e-11 s into the rest, shorter than the resolution of the step clock there. The
driver restarts its step clock and integrates the layer with error control.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from cellworks.lis import simulate
from cellworks.lis.params import FARADAY_C_PER_MOL as F
from cellworks.lis.params import get_preset

# set 167 of test_robustness._run(potential_factor=10.0), every drawn field written out
SET_167 = {
    "molar_mass_S_g_per_mol": 18.527197291145242, "temperature_K": 103.68634738553055,
    "i_H0_A_per_m2": 21.667249307836837, "i_L0_A_per_m2": 7.784665472282544, "a_r_m2": 1.4696857610089744,
    "electrolyte_volume_L": 0.0017590856486014892, "rho_s_g_per_L": 1587.42201002209,
    "E_H0_V": 1.9038579166303793, "E_L0_V": 0.9744464765412015, "k_p_per_s": 111.45767433273515,
    "S_star_g": 3.733150608927938e-05, "k_s_charge_per_s": 0.00013748681956142974,
    "S8_initial_g": 12.585987615648826, "S4_initial_g": 0.001746353468931761,
    "S2_initial_g": 3.2194188434091384e-06, "S_initial_g": 1.6564942304019749e-07,
    "Sp_initial_g": 1.3817278416212118e-05, "sulfur_mass_g": 16.614856787114157,
    "resistance_ohmic_Ohm": 0.003785994974802503, "cathode_area_m2": 0.0381424380861175,
    "li_inventory_initial_mol": 0.07835161331736379, "li_plating_efficiency": 0.5998694773233851,
    "anode_area_m2": 0.7905668341128127, "anode_i0_A_per_m2": 17.812754021044064,
    "layer_thickness_m": 1.4636834944712018e-07, "layer_conductivity_S_per_m": 0.001262190829261764,
}
# the state a discharge of this cell ended in (ln S₈, ln S₄, ln S₂, ln S, ln Sp [g], S_sh, S_lost [g],
# Li [mol], q [C], energy [J], shuttle e⁻ [mol]): S₂²⁻ at e^-43 g, S²⁻ at e^-105 g, below saturation
STATE_167 = [2.5104256774663476, -1.2816774499316426, -43.22344998661554, -105.02470118581957,
             -11.439047925867392, 0.0, 0.0, 0.07090834933075871, 718.1657978044268, 1359.8896389017775, 0.0]


@pytest.fixture(scope="module")
def rest():
    p = dataclasses.replace(get_preset("marinescu2016_lipon"), name="set167", **SET_167).validate()
    return p, simulate(p, "Rest for 10 minutes", initial_state=STATE_167)


def test_rest_after_exhaustion_relaxes_for_its_full_time(rest) -> None:
    _p, r = rest
    assert r.status == "ok"
    assert [s.end_reason for s in r.steps] == ["time"]
    # the clock restart keeps the step's duration: 600 s to the rounding of t
    assert r.steps[0].duration_s == pytest.approx(600.0, rel=1e-12)
    # the layer happened and was crossed by restarting the step clock (not by a forced step)
    assert r.rejections["clock_restarts"] >= 1 and r.rejections["forced"] == 0


def test_rest_after_exhaustion_conserves_and_relaxes(rest) -> None:
    p, r = rest
    # conservation as everywhere else: sulfur to round-off (1e-9 is the Done-when bound)
    assert r.sulfur_mass_drift_rel <= 1e-9
    # electrons: no current flows, the species' electron content must not move: within 1e-12 of
    # the charge scale of the cell, F·(sulfur)/M_s (the projection restores it to ~1e-16 per step)
    scale_C = F * p.sulfur_total_initial_g / p.molar_mass_S_g_per_mol
    assert r.charge_balance_error_C <= 1e-12 * scale_C
    # the physics of the layer and after: S₂²⁻ is drained to nothing (below 1e-100 g), the Li₂S that
    # was below saturation dissolves (S²⁻ rises towards S*, the precipitate shrinks), and the voltage
    # stays on the upper plateau (S₈ and S₄²⁻ are untouched: within 0.1 mV)
    fs = r.final_state
    assert fs["S2_g"] < 1e-100
    assert 0.01 * p.S_star_g < fs["S_g"] <= p.S_star_g
    assert fs["Sp_g"] < 0.5 * math.exp(STATE_167[4])
    assert r.steps[0].voltage_end_V == pytest.approx(r.steps[0].voltage_start_V, abs=1e-4)


# set 88 of test_robustness._run(potential_factor=1.1): a cell whose S₈ runs out at the end of the
# upper plateau faster than the step clock resolves (its ln S₈ runs like ln(t_e − t)); the driver
# used to end the discharge there as "sulfur exhausted", a third of the way down
SET_88 = {
    "molar_mass_S_g_per_mol": 10.918415739317343, "temperature_K": 286.26007225663585,
    "i_H0_A_per_m2": 70.3628844793119, "i_L0_A_per_m2": 0.9368349574945123, "a_r_m2": 0.6894281667147143,
    "electrolyte_volume_L": 0.01589136888502077, "rho_s_g_per_L": 349.57804802621934,
    "E_H0_V": 2.532994899262377, "E_L0_V": 2.048443912472805, "k_p_per_s": 60.752181194527225,
    "S_star_g": 6.85303357760537e-05, "k_s_charge_per_s": 0.0009682190865427231,
    "f_s_per_mol": 0.0035211630168555208, "S8_initial_g": 1.7513052715948425,
    "S4_initial_g": 0.02538654146645548, "S2_initial_g": 1.0552765565153265e-06,
    "S_initial_g": 1.150149507783406e-05, "Sp_initial_g": 4.99120662106331e-07,
    "sulfur_mass_g": 10.723061944433338, "li_inventory_initial_mol": 0.9034927078624991,
    "li_plating_efficiency": 0.6560269961548364, "layer_conductivity_S_per_m": 0.000503134632270531,
}


def test_discharge_passes_the_end_of_the_upper_plateau() -> None:
    p = dataclasses.replace(get_preset("marinescu2016_fade"), name="set88", **SET_88).validate()
    r = simulate(p, "Discharge at 0.240251C until 1.7984 V")
    assert r.status == "ok" and r.steps[0].end_reason == "voltage cut-off"
    assert r.steps[0].voltage_end_V == pytest.approx(1.7984, abs=1e-6)  # located cut-off (G_TOL 1e-9 V)
    # both plateaus are discharged: S₈ → S₄²⁻ (½ e⁻ per S) then S₄²⁻ → S₂²⁻ + 2 S²⁻ (1 e⁻ per S), so the
    # charge is Faraday's 1.5 e⁻ per S atom less what the initial S₄/S₂/S/Sp already carry. 1e-3: the
    # S₄²⁻ left at the cut-off (< 1e-12 g) and the shuttle are far smaller; the old premature end
    # delivered a third of this
    ms = p.molar_mass_S_g_per_mol
    z0 = 0.5 * p.S4_initial_g + p.S2_initial_g + 2.0 * (p.S_initial_g + p.Sp_initial_g)
    q_Ah = F * (1.5 * p.sulfur_total_initial_g - z0) / ms / 3600.0
    assert r.steps[0].capacity_Ah == pytest.approx(q_Ah, rel=1e-3)
    tb = r.data.table
    q = tb["discharge_capacity_Ah"].to_numpy()
    v = tb["voltage_V"].to_numpy()
    # upper plateau near E_H0, lower plateau near E_L0 (within 0.1 V: Nernst terms and overpotentials)
    assert abs(v[q < 0.25 * q[-1]].mean() - p.E_H0_V) < 0.1
    assert abs(v[(q > 0.5 * q[-1]) & (q < 0.8 * q[-1])].mean() - p.E_L0_V) < 0.1
