"""Pack simulator: protection, balancing policies, examples of note 003, shipped scenario."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from cellworks.errors import ParameterError, ProtocolError
from cellworks.pack import bms
from cellworks.pack.balancing import BleedCircuit
from cellworks.pack.examples import conditioning_example, soft_short_example
from cellworks.pack.pack import PackDesign, uniform_arrays
from cellworks.pack.readers.scenario import EXAMPLES, load_config
from cellworks.pack.simulation import SimOptions, simulate
from cellworks.pack.variation import Dist, Variation, draw


@pytest.fixture(scope="module")
def soft_short():  # type: ignore[no-untyped-def]
    return soft_short_example()


def test_soft_short_storage_40_to_31_percent(soft_short) -> None:  # type: ignore[no-untyped-def]
    # note: cell 1 falls 3 %/month from 40 % to 31 % in three months; cell 2 stays at 40 %.
    # The leak resistance is set from the mean OCV, the real OCV varies → 0.1 % SOC tolerance
    soc = soft_short.report["soc_after_storage_percent"]
    assert soc[0] == pytest.approx(31.0, abs=0.1)
    assert soc[1] == pytest.approx(40.0, abs=1e-6)


def test_soft_short_loss_9_percent_and_recovered(soft_short) -> None:  # type: ignore[no-untyped-def]
    r = soft_short.report
    # note: "this represents a 9 % loss for the pack"; ±0.5 % (issue 6 Done-when) covers the
    # difference between the note's ideal SOC bookkeeping and a voltage-limited CC-CV/cut-off cycle
    assert r["loss_without_balancing_percent"] == pytest.approx(9.0, abs=0.5)
    # balancing recovers it; the 10 mV threshold leaves < 0.5 % (Done-when)
    assert abs(r["loss_with_balancing_percent"]) < 0.5


def test_soft_short_unbalanced_end_states(soft_short) -> None:  # type: ignore[no-untyped-def]
    # after the charge, cell 2 full while cell 1 lags by the 9 % deficit; on discharge cell 1
    # empties first with ~9 % left in cell 2 (note 003). Compare SOC differences (±0.5 %).
    un = soft_short.unbalanced
    dz = un.final_soc[0, 1, 0] - un.final_soc[0, 0, 0]
    assert dz == pytest.approx(0.09, abs=0.005)


def test_conditioning_simulation_close_to_arithmetic() -> None:
    # the note's 300 mAh assumes 4.20 V throughout; the real voltage falls as the full cell is
    # bled, so a little less flows — within 5 % of the arithmetic and below it
    rep = conditioning_example(2000.0)
    sim = rep["simulated"]["removed_mAh"]
    assert 0.95 * 300 < sim < 300
    assert rep["simulated"]["max_resistor_power_W"] <= 0.42


def test_charge_never_exceeds_vmax_and_discharge_stops_at_cutoff() -> None:
    d = PackDesign(n_series=3, n_parallel=2)
    a = draw(d, 2, Variation(dists={"soc0": Dist("uniform", 0.3, 0.6)}, seed=3))
    res = simulate(d, a, "(Charge at 2 A until 4.2 V, Hold at 4.2 V until 50 mA, Discharge at 2 A until 3.0 V)")
    assert np.all(res.cell_v_max_V <= 4.2 + 1e-12)
    assert np.all(res.cell_v_min_V >= 3.0 - 1e-12)
    assert res.steps[0].reason == ["voltage", "voltage"]
    assert res.steps[1].reason == ["current", "current"]


def _obs(v: np.ndarray) -> bms.Observation:
    n = len(v)
    return bms.Observation(v, np.zeros(n, bool), "charge", 0.0, 0.0, np.full(n, 25.0), np.full(n, 0.5),
                           np.zeros(n, int))


def test_threshold_balancer_python_twin_matches_rule() -> None:
    c = bms.ThresholdBalancer(threshold_V=0.010, select=bms.Select.ABOVE_MIN)
    v = np.array([3.700, 3.705, 3.712, 3.725])
    assert c.decide(_obs(v)).tolist() == [False, False, True, True]
    h = bms.ThresholdBalancer(threshold_V=0.010)
    assert h.decide(_obs(v)).tolist() == [False, False, False, True]
    assert not h.decide(_obs(v[:2])).any()
    # two monitor chips of two groups: the highest of each chip above min + threshold
    m = bms.ThresholdBalancer(threshold_V=0.010, monitor_group_size=2)
    assert m.decide(_obs(np.array([3.700, 3.715, 3.712, 3.725]))).tolist() == [False, True, False, True]


def test_when_policies() -> None:
    ch = bms.ThresholdBalancer(when=bms.When.CHARGE, conditioning_cycles=1)
    assert ch.active("discharge", 1) and ch.active("charge", 2) and not ch.active("discharge", 2)
    cd = bms.ThresholdBalancer(when=bms.When.CHARGE_DISCHARGE, conditioning_cycles=0)
    assert cd.active("discharge", 5) and not cd.active("rest", 5)
    co = bms.ThresholdBalancer(when=bms.When.CONDITIONING, conditioning_cycles=1)
    assert co.active("rest", 1) and not co.active("charge", 2)


def _two_cell(delta: float) -> tuple[PackDesign, object]:
    d = PackDesign(n_series=2, n_parallel=1)
    a = uniform_arrays(d, 1, 0.5)
    a.soc0[0, 1, 0] = 0.5 + delta
    return d, a


def test_rest_balancing_reaches_threshold_and_counts_energy() -> None:
    d, a = _two_cell(0.05)
    ctrl = bms.ThresholdBalancer(threshold_V=0.002, select=bms.Select.HIGHEST, when=bms.When.ALWAYS,
                                 measure_period_s=10.0)
    res = simulate(d, a, "Rest for 10 hours", ctrl, SimOptions(dt_s=10.0))
    # 5 % of 2 Ah = 100 mAh at ~3.8 V / 42.5 Ω ≈ 89 mA → ~1.1 h; balance must be reached in 2 h
    assert 0.5 * 3600 < res.time_to_balance_s[0] < 2 * 3600
    # charge bled ≈ the SOC difference (minus what the 2 mV threshold leaves, ~0.2 % SOC)
    assert res.bleed_charge_Ah[0] == pytest.approx(0.1, abs=0.01)
    # energy: ∫ I²R dt ≈ Q·V·R/(R+R_fet) at ~3.75 V within 5 %
    assert res.bleed_energy_Wh[0] == pytest.approx(res.bleed_charge_Ah[0] * 3.75 * 42 / 42.5, rel=0.05)
    assert res.max_resistor_power_W[0] <= 4.2**2 / 42.5**2 * 42


def test_on_chip_bleed_is_current_limited() -> None:
    d, a = _two_cell(0.02)
    d = PackDesign(n_series=2, n_parallel=1, bleed=BleedCircuit.on_chip_fet(resistor_Ohm=100.0))
    ctrl = bms.ThresholdBalancer(threshold_V=0.002, select=bms.Select.ONE_AT_A_TIME, when=bms.When.ALWAYS)
    res = simulate(d, a, "Rest for 1 hour", ctrl, SimOptions(dt_s=10.0))
    # ≤ 10 mA for ≤ 1 h
    assert res.bleed_charge_Ah[0] <= 0.010 + 1e-9
    assert res.bleed_charge_Ah[0] > 0.009


def test_measurement_only_in_rest_pulsed_charge() -> None:
    d, a = _two_cell(0.05)
    pulsed = bms.ThresholdBalancer(threshold_V=0.005, select=bms.Select.HIGHEST, measure_in_rest_only=True,
                                   pulse_on_s=300.0, pulse_rest_s=60.0, pulse_short_on_s=60.0,
                                   pulse_shorten_above_V=4.1, when=bms.When.CHARGE, conditioning_cycles=0)
    res = simulate(d, a, "Charge at 1 A until 4.2 V", pulsed, SimOptions(dt_s=5.0, record_every_s=5.0))
    n = int(res.n_records[0])
    i = res.current_A[0, :n]
    assert (i == 0).sum() > 10  # rests between pulses
    b = res.bleeding[0, :n, 1]
    # the bleed state only changes right after a rest (measurement) sample
    changes = np.flatnonzero(np.diff(b) != 0) + 1
    assert len(changes) > 0
    assert all(i[k - 1] == 0 or i[k] == 0 for k in changes)
    assert res.cell_v_max_V[0] <= 4.2 + 1e-12


def test_overvoltage_extends_rest_until_balanced() -> None:
    d, a = _two_cell(0.10)
    ext = bms.ThresholdBalancer(threshold_V=0.005, when=bms.When.CHARGE, conditioning_cycles=0,
                                extend_rest_on_overvoltage=True, extend_rest_s=1800.0, max_extensions=50)
    plain = bms.ThresholdBalancer(threshold_V=0.005, when=bms.When.CHARGE, conditioning_cycles=0)
    r1 = simulate(d, a, "Charge at 2 A until 4.2 V", ext, SimOptions(dt_s=5.0))
    r0 = simulate(d, a, "Charge at 2 A until 4.2 V", plain, SimOptions(dt_s=5.0))
    # with the extension the lagging cell ends closer to full than without
    assert r1.final_soc[0, 0, 0] > r0.final_soc[0, 0, 0] + 0.02
    assert r1.cell_v_max_V[0] <= 4.2 + 1e-12


def test_temperature_limit_reduces_charge_current() -> None:
    cell = PackDesign().cell.with_(thermal_R_K_per_W=20.0, heat_capacity_J_per_K=10.0)
    d = PackDesign(n_series=1, n_parallel=1, cell=cell)
    a = uniform_arrays(d, 1, 0.2)
    hot = bms.ThresholdBalancer(temperature_limit_C=26.0, current_factor_above_limit=0.5)
    r = simulate(d, a, "Charge at 3 A for 10 minutes", hot, SimOptions(dt_s=1.0, record_every_s=1.0))
    cool = simulate(d, a, "Charge at 3 A for 10 minutes", None, SimOptions(dt_s=1.0))
    assert r.max_temperature_C[0] > 26.0
    assert r.cycle_charge_Ah[0, 0] < 0.9 * cool.cycle_charge_Ah[0, 0]


@dataclass(frozen=True)
class _BleedAll(bms.Controller):
    when: bms.When = bms.When.ALWAYS

    def decide(self, obs):  # type: ignore[no-untyped-def]
        return np.ones(len(obs.v_measured_V), bool)


def test_user_policy_runs_in_python_path() -> None:
    d, a = _two_cell(0.0)
    res = simulate(d, a, "Rest for 1 hour", _BleedAll(measure_period_s=60.0), SimOptions(dt_s=10.0))
    # both cells bled ~3.7 V / 42.5 Ω for 1 h ≈ 87 mAh each
    assert res.bleed_charge_Ah[0] == pytest.approx(2 * 3.7 / 42.5, rel=0.03)


def test_bad_protocol_and_arrays() -> None:
    d, a = _two_cell(0.0)
    with pytest.raises(ParameterError):
        simulate(d, a, "Discharge at 1 A/g for 1 hour")
    with pytest.raises(ProtocolError):
        simulate(d, a, "Dance at 1 A")
    a.capacity_Ah[0, 0, 0] = -1.0
    with pytest.raises(ParameterError):
        simulate(d, a, "Rest for 1 hour")


def test_cycling_data_export() -> None:
    d, a = _two_cell(0.0)
    res = simulate(d, a, "(Charge at 1 A for 10 minutes, Rest for 5 minutes, Discharge at 1 A for 10 minutes)")
    cd = res.to_cycling_data(0)
    t = cd.table
    assert set(t["step_type"]) == {"charge", "rest", "discharge"}
    assert (t.loc[t.step_type == "charge", "current_A"] > 0).all()
    assert (t.loc[t.step_type == "discharge", "current_A"] < 0).all()
    assert "group1_voltage_V" in t.columns


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    cfg = load_config(EXAMPLES["baumhofer-4s3p"])
    arr = draw(cfg.design, 1, cfg.variation, cfg.soc0)
    un = simulate(cfg.design, arr, cfg.protocol, bms.NoBalancing(), cfg.options)
    ba = simulate(cfg.design, arr, cfg.protocol, cfg.controller, cfg.options)
    return cfg, arr, un, ba


def test_shipped_config_uses_baumhofer_capacities(shipped) -> None:  # type: ignore[no-untyped-def]
    from cellworks.pack.variation import baumhofer_capacities_Ah

    cfg, arr, _, _ = shipped
    vals = set(baumhofer_capacities_Ah())
    assert arr.capacity_Ah.shape == (1, 4, 3)
    assert all(float(x) in vals for x in arr.capacity_Ah.ravel())
    assert np.isfinite(arr.short_Ohm).sum() == 1 and 40000.0 in arr.short_Ohm


def test_shipped_config_limits_and_capacity(shipped) -> None:  # type: ignore[no-untyped-def]
    cfg, _, un, ba = shipped
    days = un.final_time_s[0] / 86400
    assert 170 < days < 200  # six months of daily cycles
    # balanced run: no cell above its maximum voltage or below its cut-off
    assert ba.cell_v_max_V[0] <= cfg.design.cell.v_max_V + 1e-12
    assert ba.cell_v_min_V[0] >= cfg.design.cell.v_min_V
    # the protocol's 3.0 V discharge cut-off is honoured too
    assert ba.cell_v_min_V[0] >= 3.0 - 1e-9
    # 40 kΩ at ~3.7 V ≈ 0.09 mA ≈ 400 mAh in six months from a 5.5 Ah group: ~7 % lost without
    # balancing; charge-only balancing keeps the loss within ~1 % (10 mV threshold)
    q0 = un.cycle_discharge_Ah[0, 0]
    assert 0.04 < (q0 - un.cycle_discharge_Ah[0, -1]) / q0 < 0.10
    assert (q0 - ba.cycle_discharge_Ah[0, -1]) / q0 < 0.015


def test_reproducible_seed() -> None:
    cfg = load_config(EXAMPLES["baumhofer-4s3p"])
    a1 = draw(cfg.design, 3, cfg.variation, cfg.soc0)
    a2 = draw(cfg.design, 3, cfg.variation, cfg.soc0)
    assert np.array_equal(a1.capacity_Ah, a2.capacity_Ah) and np.array_equal(a1.r0_Ohm, a2.r0_Ohm)


def test_measurement_error_leaves_real_spread() -> None:
    # with ±10 mV reading errors the controller balances the *readings*: the true OCVs stay apart
    # by up to ~2 × accuracy; a perfect meter gets them within the threshold plus the RC
    # polarisation the bleed current leaves in the cells it just bled (~R1·I ≈ 1.5 mV at 90 mA)
    d = PackDesign(n_series=6, n_parallel=1)
    a = uniform_arrays(d, 1, 0.5)
    a.soc0[0, :, 0] = np.linspace(0.45, 0.55, 6)
    opts = SimOptions(dt_s=10.0, seed=4)
    exact = bms.ThresholdBalancer(threshold_V=0.002, select=bms.Select.ABOVE_MIN, when=bms.When.ALWAYS)
    noisy = bms.ThresholdBalancer(threshold_V=0.002, select=bms.Select.ABOVE_MIN, when=bms.When.ALWAYS,
                                  accuracy_V=0.010)
    r0 = simulate(d, a, "Rest for 12 hours", exact, opts)
    r1 = simulate(d, a, "Rest for 12 hours", noisy, opts)
    ocv = d.cell.ocv
    v0 = np.ptp(ocv(r0.final_soc[0, :, 0]))
    v1 = np.ptp(ocv(r1.final_soc[0, :, 0]))
    assert v0 <= 0.002 + 0.0025
    assert v1 > 0.008


class _Twin(bms.ThresholdBalancer):
    """The threshold rule through the Python-policy path (its decide is the Python twin)."""

    def decide(self, obs):  # type: ignore[no-untyped-def]
        return super().decide(obs)


def test_python_policy_matches_compiled_with_rest_extension() -> None:
    # before: a Python policy lost the over-voltage rest extension; now timing and extension are the
    # base controller's, so the Python path reproduces the compiled one exactly
    d, a = _two_cell(0.10)
    kw = {"threshold_V": 0.005, "when": bms.When.CHARGE, "conditioning_cycles": 0,
          "extend_rest_on_overvoltage": True, "extend_rest_s": 1800.0, "max_extensions": 50}
    r_c = simulate(d, a, "Charge at 2 A until 4.2 V", bms.ThresholdBalancer(**kw), SimOptions(dt_s=5.0))
    r_p = simulate(d, a, "Charge at 2 A until 4.2 V", _Twin(**kw), SimOptions(dt_s=5.0))
    assert not bms.is_compiled(_Twin(**kw))
    assert np.array_equal(r_c.final_soc, r_p.final_soc)
    assert r_c.final_time_s[0] == r_p.final_time_s[0]
    assert r_c.final_time_s[0] > 3600.0  # the rests were extended (a 2 A charge of 0.1 × 2 Ah alone: 6 min)


def test_measuring_only_in_rests_balances_a_plain_charge() -> None:
    # the note's advice: measure in the rests between charge pulses. Asked for on a plain CC charge
    # without pulse timing, the charger is pulsed (300 s on, 30 s off) so that the BMS can measure
    d, a = _two_cell(0.06)
    rest_only = bms.ThresholdBalancer(threshold_V=0.005, when=bms.When.CHARGE, conditioning_cycles=0,
                                      measure_in_rest_only=True)
    res = simulate(d, a, "Charge at 0.5 A until 4.2 V", rest_only, SimOptions(dt_s=5.0, record_every_s=5.0))
    assert res.bleed_charge_Ah[0] > 0.01  # it did bleed
    n = int(res.n_records[0])
    i = res.current_A[0, :n]
    assert (i == 0).sum() > 10  # the rests of the pulsed charge
    b = res.bleeding[0, :n].any(axis=1)
    changes = np.flatnonzero(np.diff(b.astype(int)) != 0) + 1
    assert all(i[k - 1] == 0 or i[k] == 0 for k in changes)  # decisions only in rests
