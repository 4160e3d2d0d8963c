"""simulate(): the Done-when discharge, conservation, every kind of step ending, batch mode."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.lis import simulate, simulate_batch
from cellworks.lis.params import FARADAY_C_PER_MOL as F
from cellworks.lis.params import get_preset
from cellworks.timeseries import validate

DISCHARGE = "Discharge at 1.7 A until 2.15 V"


@pytest.fixture(scope="module")
def discharge():
    return simulate("marinescu2016", DISCHARGE)


def test_reference_discharge_two_plateaus(discharge) -> None:
    r = discharge
    assert r.status == "ok" and r.steps[0].end_reason == "voltage cut-off"
    assert r.sulfur_mass_drift_rel <= 1e-9
    tb = r.data.table
    validate(tb)
    v = tb["voltage_V"].to_numpy()
    q = tb["discharge_capacity_Ah"].to_numpy()
    # upper plateau starts near 2.4 V (REFERENCE §5 initial state)
    assert v[0] == pytest.approx(2.4, abs=0.02)
    # the end of the upper plateau: S8 is gone and the voltage dips (precipitation onset)
    dip = int(np.argmin(np.where(q < 0.6 * q[-1], v, np.inf)))
    assert 2.2 < v[dip] < 2.3
    # a lower plateau below the upper one: flat (< 20 mV over its middle half) and below 2.3 V
    mid = (q > q[dip] + 0.25 * (q[-1] - q[dip])) & (q < q[dip] + 0.75 * (q[-1] - q[dip]))
    assert v[mid].max() - v[mid].min() < 0.02
    assert v[mid].max() < v[q < 0.5 * q[dip]].min()
    assert v[-1] == pytest.approx(2.15, abs=1e-6)  # event located on the cut-off
    for col in ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g", "li_inventory_mol", "anode_overpotential_V", "i_H_A", "i_L_A"):
        assert col in tb.columns
    assert (tb["current_A"] < 0).all()  # cycling-table sign: discharge negative


def test_charge_is_exact(discharge) -> None:
    r = discharge
    p = get_preset("marinescu2016")
    q = r.steps[0].capacity_Ah
    # constant current: capacity is I·t exactly
    assert q == pytest.approx(1.7 * r.steps[0].duration_s / 3600.0, rel=1e-13)
    # lithium stripped = charge passed (ideal efficiency on discharge)
    assert p.li_inventory_initial_mol - r.final_state["li_inventory_mol"] == pytest.approx(q * 3600 / F, rel=1e-12)
    # electrons stored in the sulfur species equal ∫I dt (round-off level, in coulombs)
    assert r.charge_balance_error_C < 1e-6
    # reaction currents add up to the applied current (cycling sign: -I)
    tb = r.data.table
    np.testing.assert_allclose(tb["i_H_A"] + tb["i_L_A"], -tb["current_A"], atol=1e-9)


def test_default_tolerance_converges(discharge) -> None:
    tight = simulate("marinescu2016", DISCHARGE, rtol=1e-9)
    # default rtol = 1e-5: capacity within 1e-5 relative of the tight solution
    assert discharge.steps[0].capacity_Ah == pytest.approx(tight.steps[0].capacity_Ah, rel=1e-5)


def test_cycling_with_shuttle_and_fade() -> None:
    r = simulate("marinescu2016_fade", "(Discharge at 1.7 A until 2.15 V, Rest for 10 minutes, "
                 "Charge at 1.7 A for 3 hours or until 2.45 V, Rest for 10 minutes) * 4")
    assert r.status == "ok" and r.cycles_completed == 4
    assert all(s.end_reason in ("voltage cut-off", "time") for s in r.steps)
    tb = r.data.table
    validate(tb)
    lost = tb["S_lost_g"].to_numpy()
    assert lost[-1] > 0 and np.all(np.diff(lost) >= -1e-15)
    total = tb[["S8_g", "S4_g", "S2_g", "S_g", "Sp_g", "S_lost_g"]].sum(axis=1).to_numpy()
    assert np.max(np.abs(total / total[0] - 1)) <= 1e-9
    caps = r.discharge_capacities_Ah
    assert caps[-1] < caps[1]  # the fade removes sulfur


def test_shuttle_stops_a_charge_that_cannot_progress() -> None:
    # 0.1 A is far below the shuttle current (~0.8 A at 2.7 g S8): never reaches 2.45 V
    p = get_preset("marinescu2016")
    r = simulate(p, "Discharge at 1.7 A until 2.3 V, Charge at 0.1 A until 2.45 V")
    assert r.steps[1].end_reason == "shuttle: charge cannot progress"
    assert r.steps[1].voltage_max_V < 2.45
    r2 = simulate(p, "Discharge at 1.7 A until 2.3 V, Charge at 0.1 A for 20 hours or until 2.45 V")
    assert r2.steps[1].end_reason == "shuttle: charge cannot progress"
    assert r2.steps[1].duration_s == pytest.approx(20 * 3600, rel=1e-12)
    # a voltage hold whose current never falls to its limit because the shuttle carries it
    r3 = simulate(p, "Discharge at 1.7 A until 2.3 V, Charge at 1.7 A until 2.4 V, Hold at 2.4 V until 50 mA")
    assert r3.steps[2].end_reason == "shuttle: charge cannot progress"
    assert abs(r3.steps[2].current_end_A) > 0.05
    # without shuttle, the same charge reaches its cut-off
    r4 = simulate(dataclasses.replace(p, k_s_charge_per_s=0.0), "Discharge at 1.7 A until 2.3 V, Charge at 0.1 A until 2.45 V")
    assert r4.steps[1].end_reason == "voltage cut-off"


def test_anode_lithium_exhausted() -> None:
    p = dataclasses.replace(get_preset("marinescu2016"), li_inventory_initial_mol=0.05)
    r = simulate(p, DISCHARGE)
    s = r.steps[0]
    assert s.end_reason == "anode lithium exhausted"
    assert s.capacity_Ah == pytest.approx(0.05 * F / 3600, rel=1e-9)


def test_sulfur_exhausted_without_cutoff() -> None:
    r = simulate("marinescu2016", "Discharge at 1.7 A for 10 hours")
    assert r.steps[0].end_reason == "sulfur exhausted"
    assert r.steps[0].duration_s < 3 * 3600


def test_other_controls_and_limits() -> None:
    p = dataclasses.replace(get_preset("marinescu2016_lipon"), k_s_charge_per_s=0.0)  # hold can finish
    r = simulate(p, "Discharge at 1.7 A until 1 Ah, Discharge at 3 W for 10 minutes, "
                    "Discharge at 2 Ohm for 10 minutes, Charge at 1.7 A until 2.4 V, Hold at 2.4 V until 50 mA, "
                    "Discharge at 0.5 A/g for 10 minutes, Discharge at 0.2C for 10 minutes, "
                    "Discharge at 2 mA/cm2 for 10 minutes")
    assert r.status == "ok"
    reasons = [s.end_reason for s in r.steps]
    assert reasons == ["capacity", "time", "time", "voltage cut-off", "current cut-off", "time", "time", "time"]
    assert r.steps[0].capacity_Ah == pytest.approx(1.0, rel=1e-9)
    tb = r.data.table
    validate(tb)
    w = tb[tb["step_index"] == 2]
    np.testing.assert_allclose(-(w["current_A"] * w["voltage_V"]), 3.0, rtol=1e-9)
    ohm = tb[tb["step_index"] == 3]
    np.testing.assert_allclose(ohm["voltage_V"], -2.0 * ohm["current_A"], rtol=1e-9)
    assert abs(r.steps[4].current_end_A) == pytest.approx(0.05, rel=1e-6)
    # A/g per gram of sulfur, C-rate of the theoretical capacity, mA/cm2 over the cathode area
    assert r.steps[5].current_end_A == pytest.approx(-0.5 * 2.7, rel=1e-12)
    assert r.steps[6].current_end_A == pytest.approx(-0.2 * 1.6751 * 2.7, rel=1e-4)
    assert r.steps[7].current_end_A == pytest.approx(-20.0 * 0.135, rel=1e-12)
    # anode overpotential and plating losses are live in this preset
    assert tb["anode_overpotential_V"].abs().max() > 0


def test_bad_inputs() -> None:
    with pytest.raises(ParameterError):
        simulate("nope", DISCHARGE)
    with pytest.raises(ParameterError, match="resistance"):
        simulate("marinescu2016", "Charge at 2 Ohm for 1 hour")
    with pytest.raises(ParameterError, match="area"):
        simulate("marinescu2016", "Discharge at 1 mA/cm2 for 1 hour")


def test_batch_equals_single_runs() -> None:
    base = get_preset("marinescu2016")
    plist = [dataclasses.replace(base, i_H0_A_per_m2=v) for v in (5.0, 10.0, 20.0)]
    batch = simulate_batch(plist, DISCHARGE, table=False)
    for p, b in zip(plist, batch, strict=True):
        single = simulate(p, DISCHARGE, table=False)
        assert b.steps[0].capacity_Ah == single.steps[0].capacity_Ah  # deterministic, same code path


def test_continue_from_final_state(discharge) -> None:
    cont = simulate("marinescu2016", "Rest for 10 minutes", initial_state=discharge.final_state["y"])
    assert cont.steps[0].voltage_start_V > 2.15  # relaxes up after the current stops
    assert cont.status == "ok"


def test_polysulfide_shuttle_alone_also_flags_a_charge_that_cannot_progress() -> None:
    # the S4(2-) shuttle (k_s4, 1 e- per S) in place of Marinescu's S8 shuttle: with k_s4 = 1e-3 /s
    # its current, k_s4*m(S4)*F/M_S, is amperes at grams of S4 -- far above a 0.1 A charge
    p = dataclasses.replace(get_preset("marinescu2016"), k_s_charge_per_s=0.0, k_s4_charge_per_s=1e-3)
    r = simulate(p, "Discharge at 1.7 A until 2.3 V, Charge at 0.1 A for 20 hours or until 2.45 V")
    assert r.steps[1].end_reason == "shuttle: charge cannot progress"
    assert r.steps[1].voltage_max_V < 2.45
    r2 = simulate(p, "Discharge at 1.7 A until 2.3 V, Charge at 0.1 A until 2.45 V")
    assert r2.steps[1].end_reason == "shuttle: charge cannot progress"
    # conservation holds with the second shuttle (it moves sulfur between species only)
    assert r.sulfur_mass_drift_rel <= 1e-9
