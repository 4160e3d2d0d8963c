"""Hardware limits inside the simulation, the thermal network against a hand calculation, the
instantaneous hysteresis at a current reversal, and the exactness of the exported trace."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.pack import bms
from cellworks.pack.balancing import BleedCircuit
from cellworks.pack.cell import CellParams, OcvTable
from cellworks.pack.examples import BleedCell
from cellworks.pack.pack import PackDesign, uniform_arrays
from cellworks.pack.simulation import SimOptions, simulate
from cellworks.pack.thermal import ThermalNetwork


@dataclass(frozen=True)
class BleedAll(bms.Controller):
    """Asks for every bleed at every measurement (the hardware must say no)."""

    when: bms.When = bms.When.ALWAYS

    def decide(self, obs):  # type: ignore[no-untyped-def]
        return np.ones(len(obs.v_measured_V), bool)


def test_destructive_bleed_refused_in_both_modes() -> None:
    # note 003: a 0.1 Ω FET straight across a cell is destructive (160 W at 4 V); before, the
    # simulator ran it silently at 43 W with the group pulled to 1.63 V
    for mode in ("refuse", "clamp"):
        d = PackDesign(n_series=2, n_parallel=1, bleed=BleedCircuit(resistor_Ohm=0.0, fet_on_Ohm=0.1, over_rating=mode))
        with pytest.raises(ParameterError, match="destructive"):
            simulate(d, uniform_arrays(d, 1, 0.5), "Rest for 1 hour", BleedCell(group=0))


def test_resistor_over_rating_refused_at_setup() -> None:
    # 4 Ω + 0.1 Ω at 4.2 V: 1.02 A, 4.2 W in the resistor > its 2 W rating (below the 5 W "destructive")
    d = PackDesign(n_series=2, n_parallel=1, bleed=BleedCircuit(resistor_Ohm=4.0, fet_on_Ohm=0.1))
    with pytest.raises(ParameterError) as info:
        simulate(d, uniform_arrays(d, 1, 0.5), "Rest for 1 hour", BleedCell(group=0))
    assert info.value.field == "bleed.resistor_rating_W" and "clamp" in info.value.message


def test_resistor_over_rating_clamped_and_reported() -> None:
    d = PackDesign(n_series=2, n_parallel=1,
                   bleed=BleedCircuit(resistor_Ohm=4.0, fet_on_Ohm=0.1, over_rating="clamp"))
    a = uniform_arrays(d, 1, 0.9)
    res = simulate(d, a, "Rest for 20 minutes", BleedCell(group=0, measure_period_s=60.0), SimOptions(dt_s=5.0))
    # clamp: I = √(P_rating / R) = √(2 / 4) = 0.7071 A, so the resistor never exceeds 2 W
    assert res.max_resistor_power_W[0] == pytest.approx(2.0, rel=1e-9)
    assert res.bleed_charge_Ah[0] == pytest.approx(np.sqrt(0.5) * 20 / 60, rel=1e-9)
    kinds = {e.event for e in res.events}
    assert {"bleed_current_clamped_at_setup", "bleed_current_clamped_to_rating"} <= kinds
    assert "resistor_above_rating" not in kinds


def _max_per_chip(res, chip: int) -> int:  # type: ignore[no-untyped-def]
    n = int(res.n_records[0])
    b = res.bleeding[0, :n] > 0.5
    S = b.shape[1]
    return max(int(b[:, c:c + chip].sum(axis=1).max()) for c in range(0, S, chip))


def test_on_chip_never_bleeds_two_cells_of_one_chip() -> None:
    d = PackDesign(n_series=6, n_parallel=1, bleed=BleedCircuit.on_chip_fet(resistor_Ohm=420.0))
    a = uniform_arrays(d, 1, 0.5)
    a.soc0[0, :, 0] = [0.60, 0.58, 0.50, 0.61, 0.59, 0.50]
    opts = SimOptions(dt_s=5.0, record_every_s=1e-6)  # record every step
    for ctrl in (BleedAll(measure_period_s=30.0, monitor_group_size=3),
                 bms.ThresholdBalancer(threshold_V=0.002, select=bms.Select.ABOVE_MIN, when=bms.When.ALWAYS,
                                       monitor_group_size=3)):
        res = simulate(d, a, "Rest for 2 hours", ctrl, opts)
        assert _max_per_chip(res, 3) == 1  # the rule: one bleed per chip, whatever was asked
        n = int(res.n_records[0])
        assert res.bleeding[0, :n, :3].any() and res.bleeding[0, :n, 3:].any()  # both chips do bleed
        assert any(e.event == "on_chip_one_at_a_time" for e in res.events)
    # the same pack with one monitor chip: never two bleeds at once in the whole pack
    res = simulate(d, a, "Rest for 2 hours", BleedAll(measure_period_s=30.0), opts)
    assert _max_per_chip(res, 6) == 1


def test_bleeding_stops_at_the_stop_voltage() -> None:
    d = PackDesign(n_series=2, n_parallel=1, bleed=BleedCircuit(stop_below_V=3.55))
    a = uniform_arrays(d, 1, 0.40)  # OCV 3.667 V
    res = simulate(d, a, "Rest for 10 hours", BleedCell(group=0, measure_period_s=60.0), SimOptions(dt_s=10.0))
    ocv_end = float(d.cell.ocv(res.final_soc[0, 0, 0]))
    # bled until the loaded voltage (OCV − R0·I − RC drops, ~15 mV at 85 mA) fell below 3.55 V
    assert 3.55 < ocv_end < 3.55 + 0.03
    uv = [e for e in res.events if e.event == "bleed_stopped_under_voltage"]
    assert uv and uv[0].first_time_s > 3600.0
    assert res.bleed_charge_Ah[0] < (0.40 - float(d.cell.ocv.soc_at(3.55))) * 2.0 + 1e-3


def test_thermal_network_matches_hand_calculation() -> None:
    """42 Ω bleed at 4.2 V on the middle cell of a 3s1p pack; cells to ambient R_a, neighbours
    R_cc, a BMS board to ambient R_ba and to every group's cell R_bc; a fraction f of the resistor
    heat goes into the adjacent (bled) cell, the rest into the board. Steady state by hand."""
    Ra, Rcc, Rba, Rbc, f = 24.0, 10.0, 40.0, 20.0, 0.3
    R0, Rb = 1e-3, 42.0
    ocv = OcvTable((0.0, 1.0), (4.2, 4.2), "flat 4.2 V (no entropic term: the hand calculation has none)")
    cell = CellParams(capacity_Ah=1e4, r0_Ohm=R0, rc_R_Ohm=(), rc_tau_s=(), ocv=ocv, thermal_R_K_per_W=Ra,
                      heat_capacity_J_per_K=45.0, v_max_V=4.25)
    net = ThermalNetwork(cell_to_cell_K_per_W=Rcc, board_heat_capacity_J_per_K=15.0, board_to_ambient_K_per_W=Rba,
                         board_to_cell_K_per_W=Rbc, bleed_heat_to_cell=f, source="test network")
    d = PackDesign(n_series=3, n_parallel=1, cell=cell, thermal=net,
                   bleed=BleedCircuit(resistor_Ohm=Rb, fet_on_Ohm=0.0, resistor_rating_W=2.0))
    res = simulate(d, uniform_arrays(d, 1, 1.0), "Rest for 8 hours", BleedCell(group=1, measure_period_s=3600.0),
                   SimOptions(dt_s=10.0, record=False))
    # hand calculation: the bled cell is 4.2 V behind R0, so I = 4.2/(Rb + R0)
    i = 4.2 / (Rb + R0)
    q_res = i * i * Rb  # 0.41999 W (note 003: 0.42 W)
    q_cell = i * i * R0  # the bled cell's own Joule heat
    # unknowns: x1 = edge cells (symmetric), x2 = middle cell, xb = board; rows: heat balances
    a11, a12, a13, b1 = 1 / Ra + 1 / Rcc + 1 / Rbc, -1 / Rcc, -1 / Rbc, 0.0
    a21, a22, a23, b2 = -2 / Rcc, 1 / Ra + 2 / Rcc + 1 / Rbc, -1 / Rbc, f * q_res + q_cell
    a31, a32, a33, b3 = -2 / Rbc, -1 / Rbc, 1 / Rba + 3 / Rbc, (1 - f) * q_res

    def det(m11, m12, m13, m21, m22, m23, m31, m32, m33):  # type: ignore[no-untyped-def]
        return m11 * (m22 * m33 - m23 * m32) - m12 * (m21 * m33 - m23 * m31) + m13 * (m21 * m32 - m22 * m31)

    D = det(a11, a12, a13, a21, a22, a23, a31, a32, a33)
    x1 = det(b1, a12, a13, b2, a22, a23, b3, a32, a33) / D
    x2 = det(a11, b1, a13, a21, b2, a23, a31, b3, a33) / D
    xb = det(a11, a12, b1, a21, a22, b2, a31, a32, b3) / D
    T = res.final_temperature_C[0, :, 0] - 25.0
    # Done-when: the adjacent (bled) cell within 1 % of the hand calculation; the others too
    assert T[1] == pytest.approx(x2, rel=0.01)
    assert T[0] == pytest.approx(x1, rel=0.01) and T[2] == pytest.approx(x1, rel=0.01)
    assert res.max_board_temperature_C[0] - 25.0 == pytest.approx(xb, rel=0.01)
    assert x2 > 2.0  # a visible effect: the bled cell runs ~2.8 K above ambient


def test_entropic_heat_and_temperature_dependent_ocv() -> None:
    # OCV(z, T) = OCV(z) + (T − 25 °C)·dU/dT(z): at 95 % SOC dU/dT = +0.083 mV/K (O'Regan 2022)
    ocv = OcvTable.lg_m50()
    z = 0.95
    dudt = float(np.interp(z, ocv.soc, ocv.dudt_V_per_K))
    assert dudt == pytest.approx(0.083e-3, rel=1e-9)
    assert float(ocv.at(z, 35.0) - ocv.at(z)) == pytest.approx(10 * dudt, rel=1e-12)
    # a 1s1p cell held at 45 °C ambient reads the shifted OCV at rest
    cell = CellParams(ambient_C=45.0, thermal_R_K_per_W=20.0)
    d = PackDesign(n_series=1, n_parallel=1, cell=cell)
    res = simulate(d, uniform_arrays(d, 1, z), "Rest for 10 minutes", options=SimOptions(record_every_s=60.0))
    n = int(res.n_records[0])
    assert res.voltage_V[0, n - 1] == pytest.approx(float(ocv.at(res.soc[0, n - 1, 0, 0], 45.0)), abs=1e-9)


def test_instantaneous_hysteresis_has_no_lag_at_a_reversal() -> None:
    # M0 = 5 mV: the voltage right after discharge → charge must carry −M0, not +M0 (a 10 mV error before)
    cell = CellParams(r0_Ohm=0.1, rc_R_Ohm=(), rc_tau_s=(), hysteresis_M0_V=0.005)
    d = PackDesign(n_series=1, n_parallel=1, cell=cell)
    res = simulate(d, uniform_arrays(d, 1, 0.5), "Discharge at 1 A for 60 seconds, Charge at 1 A for 60 seconds",
                   options=SimOptions(dt_s=1.0, record_every_s=1e-6, adaptive=False))
    n = int(res.n_records[0])
    t, i, v, z = res.time_s[0, :n], res.current_A[0, :n], res.voltage_V[0, :n], res.soc[0, :n, 0, 0]
    ocv = cell.ocv(z)
    # Plett's ESC with s = sgn(i) (i > 0 discharge) and R0 drop: v = OCV + M0·s − R0·i_discharge
    expected = ocv + 0.005 * np.where(i < 0, 1.0, -1.0) + 0.1 * i
    assert np.max(np.abs(v - expected)) < 1e-9
    first_charge = int(np.flatnonzero((i > 0) & (t >= 60.0))[0])
    assert v[first_charge] - (ocv[first_charge] + 0.1) == pytest.approx(-0.005, abs=1e-9)


def test_trace_summary_equals_simulator_counts() -> None:
    # a cycling summary of the exported trace reproduces the simulator's per-cycle charge exactly
    # (before: a 600 s sampling read daily cycles as CE 108 %)
    from cellworks.cycling import summarize

    d = PackDesign(n_series=2, n_parallel=2)
    a = uniform_arrays(d, 1, 0.5)
    a.soc0[0, 1, :] = 0.45
    text = ("(Charge at 2 A until 4.2 V, Hold at 4.2 V until 100 mA, Rest for 6 hours, "
            "Discharge at 1.5 A for 3 hours or until 3.0 V, Rest for 12 hours) * 4")
    res = simulate(d, a, text, bms.ThresholdBalancer(), SimOptions(record_every_s=600.0))
    cs = summarize(res.to_cycling_data(0), pairing="instrument").table
    q_ch = cs["charge_capacity_mAh"].to_numpy() / 1e3
    q_dis = cs["discharge_capacity_mAh"].to_numpy() / 1e3
    assert len(q_ch) == 4
    assert np.allclose(q_ch, res.cycle_charge_Ah[0], rtol=0, atol=1e-9)
    assert np.allclose(q_dis, res.cycle_discharge_Ah[0], rtol=0, atol=1e-9)
    # cycles after the first (which starts half full): coulombic efficiency below 100 % (η = 0.999)
    assert np.all(q_dis[1:] / q_ch[1:] < 1.0)


def test_a_step_needing_too_many_time_steps_is_refused() -> None:
    # hostile input: a rest of 10⁶ hours while bleeding (10 s steps) must not hang the run
    d = PackDesign(n_series=2, n_parallel=1)
    with pytest.raises(ParameterError, match="time steps"):
        simulate(d, uniform_arrays(d, 1, 0.5), "Rest for 1000000 hours", BleedCell(group=0),
                 SimOptions(max_steps_per_step=10_000))


def test_trace_fits_its_memory_budget() -> None:
    d = PackDesign(n_series=3, n_parallel=2)
    res = simulate(d, uniform_arrays(d, 1, 0.5), "Charge at 1 A for 1 hour",
                   options=SimOptions(record_every_s=1.0, max_trace_bytes=8 * (6 + 6 + 12 + 4) * 100))
    assert res.time_s.shape[1] == 100 and bool(res.records_truncated[0])
