"""The three-reaction model (chain3): conservation, charge accounting, limits, rate, shuttle, anode."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.lis import simulate
from cellworks.lis.chain3 import FIELD_INFO, Chain3Parameters, equilibrium_species, scaled
from cellworks.lis.params import FARADAY_C_PER_MOL as F
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, get_preset, numeric_fields

R = 8.314462618


def _coin(**changes: float) -> Chain3Parameters:
    # a 0.7 mg S coin cell of the literature chemistry (the per-gram model of the document twins)
    base = {"anode_area_m2": 1.131e-4, "cathode_area_m2": 1.131e-4, "li_inventory_initial_mol": 1e-4}
    return scaled(get_preset("chain3_literature"), 0.7e-3, 4.222, name="coin", source="test", **{**base, **changes})


def test_every_field_has_unit_source_and_kind() -> None:
    for name in numeric_fields(Chain3Parameters):
        info = FIELD_INFO[name]
        assert info.unit and info.source and info.kind in ("literature", "assumption", "fitted"), name


def test_stoichiometry_reaches_li2s_and_1675() -> None:
    # 16 e⁻ per S₈ (2 per S atom) with M_s = 32 g/mol
    assert THEORETICAL_MAH_PER_G_S == pytest.approx(2 * F / 32 / 3.6, rel=1e-12)
    # a very slow discharge of a cell without shuttle or passivation converts nearly all the sulfur
    # to Li₂S: far beyond the 75 % (1256 mAh/g) the two-reaction model can reach
    p = _coin(li_polysulfide_rate_m_per_s=0.0, passivation_resistance_Ohm=0.0, li2s_pore_volume_L=1.0)
    r = simulate(p, "Discharge at 0.01C until 1.0 V", table=False)
    q = r.steps[0].capacity_Ah / p.sulfur_mass_g * 1e3
    assert 0.95 * THEORETICAL_MAH_PER_G_S < q <= THEORETICAL_MAH_PER_G_S * (1 + 1e-9)


def test_equilibrium_rest_state_is_nernstian() -> None:
    # at rest E_H = E_M = E_L = V (the three Nernst expressions of kernels/chain3.py, written out here)
    p = get_preset("chain3_literature")
    m8, m4, m2, m1, _ = equilibrium_species(p, 2.4)
    c = R * 298.0 / F
    msat = p.s8_solubility_mol_per_L * 8 * 32 * p.electrolyte_volume_L
    m8d = m8 * msat / (m8 + msat)
    v = p.electrolyte_volume_L
    e_h = p.E_H0_V + c / 4 * math.log(2 * 32 * v * m8d / m4**2)
    e_m = p.E_M0_V + c / 2 * math.log(32 * v * m4 / m2**2)
    e_l = p.E_L0_V + c / 2 * math.log(0.5 * 32 * v * m2 / m1**2)
    assert (e_h, e_m, e_l) == pytest.approx((2.4, 2.4, 2.4), abs=1e-9)


@pytest.fixture(scope="module")
def cycles() -> object:
    # 3 cycles with shuttle, deposition and passivation on (the twin's kind of cell)
    p = _coin(li_polysulfide_rate_m_per_s=3e-8, anode_reactive_fraction_rest=1e-3, anode_fresh_current_A_per_m2=100.0,
              shuttle_deposit_fraction=0.03, passivation_resistance_Ohm=600.0, electrolyte_resistance_Ohm=5.0,
              k_dissolution_per_s=5000.0, polysulfide_critical_mol_per_L=4.0, resistance_ohmic_Ohm=3.0,
              passivation_exponent=3.0)
    return p, simulate(p, "(Discharge at 0.2 A/g until 1.0 V, Rest for 1 hour, Charge at 0.2 A/g until 3.0 V) * 3",
                       rtol=1e-6)


def test_sulfur_is_conserved_to_round_off(cycles) -> None:
    _, r = cycles
    assert r.status == "ok"
    # species + lost sulfur is constant; 1e-14: a few ulps over ~1e4 projections
    assert r.sulfur_mass_drift_rel < 1e-14


def test_charge_accounting(cycles) -> None:
    # ∫I dt = Σ reaction charges + shuttle charge: the electrons in the sulfur change by the current
    # plus the shuttle's electrons (and the Li₂S lost carries 2 e⁻ per S); checked by the driver to
    # round-off of the total charge passed
    p, r = cycles
    total_C = sum(s.capacity_Ah for s in r.steps) * 3600.0
    assert r.charge_balance_error_C < 1e-12 * total_C + 1e-15
    shuttle = sum(s.shuttle_capacity_Ah for s in r.steps)
    assert shuttle > 0.0  # the shuttle ran and its charge is stated


def test_no_charge_beyond_sulfur_plus_shuttle(cycles) -> None:
    # every charge passes at most what the sulfur accepts (1675 mAh/g) plus what the shuttle carried
    p, r = cycles
    for s in r.steps:
        if s.kind == "charge":
            oxidation = (s.capacity_Ah - s.shuttle_capacity_Ah) / p.sulfur_mass_g * 1e3
            assert oxidation <= THEORETICAL_MAH_PER_G_S * (1 + 1e-9)
            assert s.end_reason == "voltage cut-off"  # ends on its limit, no time or capacity crutch


def test_coulombic_efficiency_below_one_without_activation(cycles) -> None:
    # no sulfur is added between cycles: every discharge is at most the charge before it
    _, r = cycles
    d = [s.capacity_Ah for s in r.steps if s.kind == "discharge"]
    c = [s.capacity_Ah for s in r.steps if s.kind == "charge"]
    for k in range(1, len(d)):
        assert d[k] <= c[k - 1] * (1 + 1e-9)


def test_capacity_falls_with_rate() -> None:
    # Li₂S blocking and passivation inside the current balance: a faster discharge ends earlier.
    # Shuttle off, so the slow discharge is not shortened by self-discharge instead.
    p = _coin(li_polysulfide_rate_m_per_s=0.0, passivation_resistance_Ohm=600.0, passivation_exponent=3.0,
              resistance_ohmic_Ohm=3.0, electrolyte_resistance_Ohm=5.0, polysulfide_critical_mol_per_L=4.0)
    caps = [simulate(p, f"Discharge at {r} A/g until 1.0 V", table=False).steps[0].capacity_Ah for r in (0.2, 0.8, 3.2)]
    assert caps[0] > caps[1] > caps[2]
    assert caps[2] < 0.8 * caps[0]


def test_passivation_acts_on_discharge_only() -> None:
    # the Li₂S film is in the current path of a reduction only: after a discharge to the cut-off a
    # charge starts near the charge plateau (< 2.6 V), not at the discharge's polarisation mirrored
    p = _coin(li_polysulfide_rate_m_per_s=0.0, passivation_resistance_Ohm=600.0, passivation_exponent=3.0,
              k_dissolution_per_s=5000.0)
    r = simulate(p, "Discharge at 0.8 A/g until 1.0 V\nCharge at 0.8 A/g until 3.0 V", table=False)
    assert r.steps[0].end_reason == "voltage cut-off"
    assert r.steps[1].voltage_start_V < 2.6
    assert r.steps[1].capacity_Ah > 0.8 * r.steps[0].capacity_Ah


def test_coating_lowers_the_shuttle_by_construction() -> None:
    # the same cell with a polysulfide transport resistance in series shuttles less (strictly)
    base = dict(li_polysulfide_rate_m_per_s=3e-8, anode_reactive_fraction_rest=0.01, k_dissolution_per_s=5000.0)
    plain, coated = _coin(**base), _coin(**base, coating_transport_resistance_s_per_m=3e8)
    assert coated.transport_rate_per_s < plain.transport_rate_per_s
    prot = "Discharge at 0.2 A/g until 1.0 V\nCharge at 0.2 A/g until 3.0 V"
    sh = [sum(s.shuttle_capacity_Ah for s in simulate(p, prot, table=False).steps) for p in (plain, coated)]
    assert 0.0 < sh[1] < sh[0]


def test_shuttle_rate_has_a_transport_limit() -> None:
    from cellworks.lis.chain3 import pack_params
    from cellworks.lis.kernels import chain3 as k

    p = _coin(li_polysulfide_rate_m_per_s=1.0, anode_reactive_fraction_rest=1.0,
              coating_transport_resistance_s_per_m=1e9)
    # a surface reaction far faster than transport: the shuttle runs at the transport rate
    assert k.shuttle_rate(0.0, pack_params(p)) == pytest.approx(p.transport_rate_per_s, rel=1e-6)


def test_strip_ends_on_voltage_limit_as_lithium_runs_out() -> None:
    # plated lithium on a bare collector (no lithium at assembly): the anode's polarisation rises
    # as the lithium's coverage of the collector falls, so the strip ends on its voltage limit,
    # and a smaller current strips a little more
    p = _coin(li_inventory_initial_mol=0.0, li_coverage_thickness_m=0.25e-6, li_polysulfide_rate_m_per_s=0.0,
              initial_electrons_per_S=0.25)
    r = simulate(p, "Charge at 0.1 mA for 20 minutes\nDischarge at 0.1 mA until 2.0 V\nDischarge at 0.02 mA until 2.0 V",
                 table=False)
    s = r.steps
    assert s[1].end_reason == s[2].end_reason == "voltage cut-off"
    assert s[1].voltage_end_V == pytest.approx(2.0, abs=1e-6)
    assert s[2].capacity_Ah > 0.0
    assert s[1].capacity_Ah + s[2].capacity_Ah <= s[0].capacity_Ah * (1 + 1e-9)


def test_no_lithium_convention() -> None:
    # a cell without plated lithium: a discharge cannot strip anything and ends at once on its limit
    p = _coin(li_inventory_initial_mol=0.0, li_coverage_thickness_m=0.25e-6, initial_electrons_per_S=0.25)
    r = simulate(p, "Discharge at 0.1 mA until 1.5 V", table=False)
    assert r.steps[0].capacity_Ah == pytest.approx(0.0, abs=1e-15)
    assert r.steps[0].end_reason in ("voltage cut-off", "anode lithium exhausted")


def test_dead_lithium_per_plated_charge() -> None:
    # li_plating_efficiency: the named lithium-loss mechanism; inventory after plate/strip cycles
    p = _coin(li_inventory_initial_mol=0.0, li_plating_efficiency=0.99, initial_electrons_per_S=0.25,
              li_polysulfide_rate_m_per_s=0.0)
    r = simulate(p, "Charge at 0.1 mA for 1 hour\n(Discharge at 0.1 mA for 15 minutes, Charge at 0.1 mA for 15 minutes) * 4",
                 table=False)
    li_uAh = r.final_state["li_inventory_mol"] * F / 3.6e-3
    assert li_uAh == pytest.approx(100 * 0.99 - 4 * 25 * 0.01, rel=1e-6)


def test_validation() -> None:
    with pytest.raises(ParameterError):
        dataclasses.replace(get_preset("chain3_literature"), separator_porosity=1.5).validate()
    with pytest.raises(ParameterError):
        dataclasses.replace(get_preset("chain3_literature"), li2s_pore_volume_L=0.0).validate()
    with pytest.raises(ParameterError):
        dataclasses.replace(get_preset("chain3_literature"), initial_electrons_per_S=2.5).validate()


def test_state_table_has_the_middle_reaction() -> None:
    r = simulate("chain3_literature", "Discharge at 0.5C until 1.8 V")
    tb = r.data.table
    assert "i_M_A" in tb.columns
    # the three reaction currents add up to the cell current (cycling sign: < 0 on discharge)
    total = tb["i_H_A"] + tb["i_M_A"] + tb["i_L_A"]
    assert np.allclose(total, -tb["current_A"], rtol=1e-6, atol=1e-9)
