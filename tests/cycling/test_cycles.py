"""Pairing of half-cycles and the per-cycle summary, on synthetic tables with analytic answers."""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.cycling.cycles import half_cycles, summarize
from cellworks.errors import InputError
from cellworks.timeseries import CyclingData

from .synth import lis_cycles

# constant-current capacities are integrated exactly by the trapezoidal rule: only float rounding
RTOL_EXACT = 1e-9


def test_discharge_first_capacities_and_ce() -> None:
    data, exp = lis_cycles(5, ce=0.95, fade=0.02)
    s = summarize(data, pairing="discharge-first")
    t = s.table
    assert s.pairing == "discharge-first"
    assert list(t["cycle"]) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(t["discharge_capacity_mAh"], np.array(exp.discharge_Ah) * 1e3, rtol=RTOL_EXACT)
    np.testing.assert_allclose(t["charge_capacity_mAh"], np.array(exp.charge_Ah) * 1e3, rtol=RTOL_EXACT)
    # the generator's CE: discharge of cycle n over the charge that follows it
    np.testing.assert_allclose(t["coulombic_efficiency"], 0.95, rtol=RTOL_EXACT)
    # retention vs cycle 1 is (1 - fade)^(n-1)
    np.testing.assert_allclose(t["retention"], 0.98 ** np.arange(5), rtol=RTOL_EXACT)  # a fraction
    assert "follows" in s.ce_definition


def test_charge_first_pairing_shifts_ce_by_one_cycle() -> None:
    # same file, paired the other way: cycle n = charge n-1's successor... the first discharge is
    # cycle 0 (incomplete) and CE_n = Q_dis,n+1 / Q_ch,n of the discharge-first numbering
    data, exp = lis_cycles(5, ce=0.95, fade=0.02)
    s = summarize(data, pairing="charge-first")
    t = s.table
    assert list(t["cycle"]) == [0, 1, 2, 3, 4, 5]
    assert not t["complete"].iloc[0] and "cycle 0" in t["incomplete_reason"].iloc[0]
    assert not t["complete"].iloc[-1] and t["incomplete_reason"].iloc[-1] == "no discharge half-cycle"
    assert t["complete"].iloc[1:5].all()
    q_ch = np.array(exp.charge_Ah)
    q_dis = np.array(exp.discharge_Ah)
    np.testing.assert_allclose(t["charge_capacity_mAh"][1:5], q_ch[:4] * 1e3, rtol=RTOL_EXACT)
    np.testing.assert_allclose(t["discharge_capacity_mAh"][1:5], q_dis[1:5] * 1e3, rtol=RTOL_EXACT)
    np.testing.assert_allclose(t["coulombic_efficiency"][1:5], q_dis[1:] / q_ch[:-1], rtol=RTOL_EXACT)
    assert np.isnan(t["coulombic_efficiency"].iloc[-1])  # last cycle: a charge with no discharge after it
    assert "precedes" not in s.ce_definition or "charge-first" in s.ce_definition


@pytest.mark.parametrize(("lead", "expected"), [("discharge", "discharge-first"), ("charge", "charge-first")])
def test_auto_is_decided_by_first_active_step_and_stated(lead: str, expected: str) -> None:
    data, _ = lis_cycles(3, lead=lead)
    s = summarize(data, pairing="auto")
    assert s.pairing == expected
    assert s.pairing_requested == "auto"
    assert "first non-rest step" in s.pairing_reason and expected in s.pairing_reason
    assert list(s.table["cycle"]) == [1, 2, 3]


def test_specific_and_areal_capacity_and_durations() -> None:
    data, exp = lis_cycles(3, rest_s=600.0)
    mass_g, area_cm2 = 0.95e-3, 1.54
    s = summarize(data, pairing="discharge-first", active_mass_g=mass_g, area_cm2=area_cm2)
    t = s.table
    np.testing.assert_allclose(t["discharge_capacity_mAh_per_g"], np.array(exp.discharge_Ah) * 1e3 / mass_g, rtol=RTOL_EXACT)
    np.testing.assert_allclose(t["charge_capacity_mAh_per_cm2"], np.array(exp.charge_Ah) * 1e3 / area_cm2, rtol=RTOL_EXACT)
    # a step lasts from the previous step's last record to its own last record: the generator puts
    # the first record of each step 1 s after the last record of the previous one
    np.testing.assert_allclose(t["discharge_time_s"], np.array(exp.discharge_time_s) + 1.0, rtol=RTOL_EXACT)
    np.testing.assert_allclose(t["charge_time_s"], np.array(exp.charge_time_s) + 1.0, rtol=RTOL_EXACT)
    # cycle 1 owns the leading rest (600 s) and two rests of 600 s + 1 s; later cycles two rests
    np.testing.assert_allclose(t["rest_time_s"], [600.0 + 2 * 601.0, 2 * 601.0, 2 * 601.0], rtol=RTOL_EXACT)
    # mean current = Q / t of the discharge: C/5 = 0.2 mA (the extra 1 s lowers it by 1 s / t)
    i = 1e-3 / 5
    np.testing.assert_allclose(t["mean_discharge_current_A"], i * np.array(exp.discharge_time_s) / (np.array(exp.discharge_time_s) + 1), rtol=1e-9)


def test_voltages_and_energy_efficiency() -> None:
    data, _ = lis_cycles(2)
    s = summarize(data, pairing="discharge-first")
    tab = data.table
    for c in (1, 2):
        rows = tab[(tab.cycle_index == c) & (tab.step_type == "discharge")]
        # capacity-weighted mean voltage of a CC step = time average of V (trapezoid, as integrated)
        v_mean = np.trapezoid(rows.voltage_V, rows.test_time_s) / (rows.test_time_s.iloc[-1] - rows.test_time_s.iloc[0])
        row = s.table[s.table.cycle == c].iloc[0]
        assert row.mean_discharge_voltage_V == pytest.approx(v_mean, rel=1e-9)
        assert row.end_of_discharge_voltage_V == pytest.approx(rows.voltage_V.iloc[-1])
        ch = tab[(tab.cycle_index == c) & (tab.step_type == "charge")]
        assert row.end_of_charge_voltage_V == pytest.approx(ch.voltage_V.iloc[-1])
        ee = row.discharge_energy_mWh / row.charge_energy_mWh
        assert row.energy_efficiency == pytest.approx(ee)
        # energy efficiency < CE because the discharge runs at lower voltage than the charge
        assert row.energy_efficiency < row.coulombic_efficiency


def test_instrument_pairing_keeps_cycle_column() -> None:
    data, _ = lis_cycles(3, lead="charge")
    s = summarize(data, pairing="instrument")
    assert list(s.table["cycle"]) == [1, 2, 3]
    assert s.pairing == "instrument"


def test_reference_cycle_and_bad_choices() -> None:
    data, exp = lis_cycles(4, fade=0.1)
    s = summarize(data, pairing="discharge-first", reference_cycle=2)
    np.testing.assert_allclose(s.table["retention"], 0.9 ** (np.arange(4) - 1), rtol=RTOL_EXACT)
    with pytest.raises(InputError, match="reference cycle 9"):
        summarize(data, reference_cycle=9)
    with pytest.raises(InputError, match="unknown pairing"):
        summarize(data, pairing="sideways")
    with pytest.raises(InputError, match="active mass"):
        summarize(data, active_mass_g=-1.0)


def test_cc_cv_charge_is_one_half_cycle() -> None:
    # two consecutive charge steps (CC then CV) belong to one half-cycle
    data, _ = lis_cycles(2, leading_rest=False)
    tab = data.table.copy()
    # split the first charge step into two steps: renumber the second half of its rows
    ch = tab.index[(tab.cycle_index == 1) & (tab.step_type == "charge")]
    second = ch[len(ch) // 2 :]
    tab.loc[tab.index >= second[0], "step_index"] += 1
    # the new step's capacity counts from the last record of the old one (no charge lost)
    tab.loc[second, "charge_capacity_Ah"] -= tab.loc[second[0] - 1, "charge_capacity_Ah"]
    tab.loc[second, "charge_capacity_Ah"] = tab.loc[second, "charge_capacity_Ah"].clip(lower=0)
    data2 = CyclingData(tab, data.meta)
    s1 = summarize(data, pairing="discharge-first").table
    s2 = summarize(data2, pairing="discharge-first").table
    assert list(s2.cycle) == [1, 2]
    # sum of the two step maxima = the single step's maximum
    assert s2.charge_capacity_mAh[0] == pytest.approx(s1.charge_capacity_mAh[0], rel=1e-12)
    assert s2.charge_time_s[0] == pytest.approx(s1.charge_time_s[0], rel=1e-12)
    hcs = half_cycles(data2, pairing="discharge-first", cycles=[1], direction="charge")
    assert len(hcs) == 1
    assert np.all(np.diff(hcs[0].capacity_Ah) >= 0)


def test_sulfur_utilisation_against_1675() -> None:
    from cellworks.cycling.cycles import THEORETICAL_S_MAH_PER_G

    # 2 e- per S: 2 F / M_S = 1672 mAh/g; documents 000/001 quote 1675 (0.2 % apart)
    assert 2 * 96485.33 / 32.06 / 3.6 == pytest.approx(THEORETICAL_S_MAH_PER_G, rel=0.0025)
    # 1.0 mAh from 0.95 mg S = 1052.6 mAh/g = 62.84 % of 1675 (document 000's first discharge is 1030 mAh/g)
    data, _ = lis_cycles(1, capacity_Ah=1.0e-3, active_mass_g=0.95e-3)
    s = summarize(data)
    assert s.table["sulfur_utilisation"].iloc[0] == pytest.approx(1.0 / 0.95e-3 / 1675, rel=1e-9)  # a fraction
    other, _ = lis_cycles(1, active_mass_g=1e-3)
    assert "sulfur_utilisation_pct" not in summarize(other.with_meta(active_material="LiCoO2")).table
