"""Document-000 twin building blocks: targets file, roles, protocols, metrics, recipe, activation, R_ct."""

from __future__ import annotations

import math

import pytest

from cellworks.errors import ParameterError
from cellworks.lis.readers.targets import load_targets
from cellworks.lis.twins import mechanisms as mech
from cellworks.lis.twins import metrics, protocols
from cellworks.lis.twins.targets import cell_from_spec, fitted_targets, parse_targets
from cellworks.protocol import parse_protocol

R, F = 8.314462618, 96485.33212


@pytest.fixture(scope="module")
def doc() -> dict:
    return load_targets()


def test_roles_and_held_out_count(doc) -> None:
    tt = parse_targets(doc)
    assert len(tt) == 19  # REFERENCE.md §1: 6 numbers for AC-S, 13 for the coated cell
    held = [t for t in tt if t.role == "held_out"]
    assert len(held) >= 5
    # the calibration's only door to the file lets no held-out target through
    assert {t.id for t in fitted_targets(doc)} == {t.id for t in tt if t.role == "fitted"}


def test_bad_role_is_rejected(tmp_path) -> None:
    src = load_targets()
    text = (tmp_path / "t.toml")
    import tomllib  # noqa: F401  (the file is written by hand below)

    text.write_text('[document]\n[experiments.a]\nkind = "cycling"\nrate_A_per_g = 0.2\ncycles = 1\n'
                    '[cells.c]\n[[targets]]\nid = "x"\nrole = "peeked"\n')
    with pytest.raises(ParameterError, match="role"):
        load_targets(text)
    assert src["experiments"]


def test_protocols_of_the_document(doc) -> None:
    prots = protocols.experiment_protocols(doc)
    p = parse_protocol(prots["cycling_0.2"])
    assert len(p.cycles) == 50
    rate = parse_protocol(prots["rate"])
    assert len(rate.cycles) == 35  # 7 rates × 5 cycles
    assert [c[0].value for c in rate.cycles[::5]] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 1.6])
    charge = p.cycles[0][1]
    # the charge ends on the document's 3.0 V limit; no time or capacity safety limit
    assert charge.voltage_cutoff_V() == 3.0 and charge.duration_s is None
    with pytest.raises(ParameterError):
        protocols.cycling_protocol(0.2, 0)


def test_recipe_sulfur_mass() -> None:
    # document 000: 0.95 mg/cm² composite (middle of 0.9–1.0) on a Ø12 mm disc, 65.3 wt% S
    r = mech.CoinCellRecipe(0.95, 1.131, 0.70, 0.653, 4.222)
    assert r.sulfur_mass_g == pytest.approx(0.95 * 1.131 * 0.653 * 1e-3, rel=1e-12)


def _run(caps: list[float], charges: list[float]) -> mech.TwinRun:
    cyc = [mech.CycleRecord(i + 1, d, c, 0.0, 1.0, 1.0, ()) for i, (d, c) in enumerate(zip(caps, charges, strict=True))]
    return mech.TwinRun(cell=None, protocol_text="", cycles=cyc)  # type: ignore[arg-type]


def test_metrics_on_a_hand_made_run() -> None:
    r = _run([1000, 1100, 1050, 800], [1050, 1120, 1100, 850])
    assert metrics.capacity_at(r, 2) == 1100
    assert math.isnan(metrics.capacity_at(r, 5))
    assert metrics.max_capacity(r) == (1100, 2)
    assert metrics.retention(r) == pytest.approx(800 / 1100)
    # discharge_n / charge_(n-1): 1100/1050, 1050/1120, 800/1100
    assert metrics.coulombic_efficiency(r) == pytest.approx((1100 / 1050 + 1050 / 1120 + 800 / 1100) / 3)
    assert metrics.mean_capacity(r, 2, 3) == pytest.approx(1075)
    assert metrics.max_charge(r) == 1120


def test_smooth_cycle_of_max() -> None:
    assert metrics.smooth_cycle_of_max(_run([900, 1000, 950, 900], [1] * 4)) == pytest.approx(2.0)
    assert metrics.smooth_cycle_of_max(_run([900, 1000, 1000, 1000, 900], [1] * 5)) == pytest.approx(3.0)
    # within the 0.5 % band (≥ 995) the weights are (C − 995)²: (5² · 2 + 2² · 3) / (25 + 4)
    assert metrics.smooth_cycle_of_max(_run([900, 1000, 997, 900], [1] * 4)) == pytest.approx((25 * 2 + 4 * 3) / 29)


def test_plateau_voltages_of_a_two_step_curve() -> None:
    import numpy as np

    # 400 mAh/g at 2.3 V, a 0.2 V fall, 800 mAh/g at 2.1 V (the split of cellworks.cycling)
    q = np.linspace(0, 1200, 1201)
    v = np.where(q < 400, 2.3, 2.1) - 0.0001 * (q % 400) / 400
    pv = metrics.plateau_voltages(q, v)
    assert pv["upper"] == pytest.approx(2.3, abs=1e-3)
    assert pv["lower"] == pytest.approx(2.1, abs=1e-3)


def test_rct_closed_form(doc) -> None:
    # at rest all three couples are at zero overpotential: R_ct = 1/(2b·Σ i0·a₀) + RT/(F·i0·A)
    c = cell_from_spec("zhang2016_coated", doc, {"exchange_current_scale": 0.5})
    p = c.params
    b = F / (2 * R * p.temperature_K)
    cat = 1.0 / (2 * b * (p.i_H0_A_per_m2 + p.i_M0_A_per_m2 + p.i_L0_A_per_m2) * p.reaction_area_m2)
    an = R * p.temperature_K / (F * p.anode_i0_A_per_m2 * p.anode_area_m2)
    assert metrics.charge_transfer_resistance(c)["R_ct_total_Ohm"] == pytest.approx(cat + an, rel=1e-12)


def test_activation_raises_capacity_over_cycles(doc) -> None:
    prot = protocols.cycling_protocol(0.8, 6)
    held = cell_from_spec("zhang2016_coated", doc, {"accessible_fraction_initial": 0.8, "activation_rate_per_h": 1e-3})
    act = cell_from_spec("zhang2016_coated", doc, {"accessible_fraction_initial": 0.8, "activation_rate_per_h": 0.3})
    r0, r1 = mech.run_twin(held, prot), mech.run_twin(act, prot)
    assert r0.status == r1.status == "ok"
    assert r1.discharge[-1] > 1.05 * r0.discharge[-1]
    assert r1.cycles[-1].accessible_fraction > r0.cycles[-1].accessible_fraction
    # all sulfur is accounted for: species + lost + not yet accessible (round-off of the run)
    assert r1.sulfur_drift_rel < 1e-12


def test_unknown_twin_parameter(doc) -> None:
    with pytest.raises(ParameterError):
        cell_from_spec("zhang2016_ac_s", doc, {"no_such_parameter": 1.0})
    with pytest.raises(ParameterError):
        cell_from_spec("zhang2016_ac_s", doc, {"accessible_fraction_initial": 0.0})


def test_clogged_pore_volume_is_the_volume_of_the_isolated_li2s() -> None:
    # 1 mg of sulfur as Li₂S: 1 mg × 45.95/32.06 (M(Li₂S)/M(S)) / 1640 g/L (Li₂S density, BatCan)
    v = 1e-3 * (45.95 / 32.06) / 1640.0
    assert mech.clogged_pore_volume_L(2e-6, 1e-3, 1640.0) == pytest.approx(2e-6 - v, rel=1e-12)
    # a cathode whose pores are full keeps the floor share of its fresh volume (θ stays < 1)
    assert mech.clogged_pore_volume_L(2e-6, 1.0, 1640.0) == pytest.approx(mech.PORE_VOLUME_FLOOR_FRACTION * 2e-6)


def test_isolated_li2s_keeps_its_pore_volume(doc) -> None:
    # with isolated_li2s_pore_share = 1 the isolated Li₂S leaves the active sulfur (lost, y[6]) but
    # stays in the cathode's pores; half of it with 0.5
    prot = protocols.cycling_protocol(0.8, 4)
    for share in (1.0, 0.5):
        cell = cell_from_spec("zhang2016_ac_s", doc, {"li2s_isolation_fraction": 0.05, "isolated_li2s_pore_share": share})
        run = mech.run_twin(cell, prot)
        assert run.status == "ok" and run.isolated_sulfur_g > 0
        p = cell.params
        assert run.pore_volume_end_L == pytest.approx(
            p.li2s_pore_volume_L - share * run.isolated_sulfur_g * (45.95 / 32.06) / p.li2s_density_g_per_L, rel=1e-12)
        assert run.sulfur_drift_rel < 1e-12
    # share 0 (the committed twins): isolated, but the pores stay open
    shed = mech.run_twin(cell_from_spec("zhang2016_ac_s", doc, {"li2s_isolation_fraction": 0.05}), prot)
    assert shed.isolated_sulfur_g > 0 and shed.pore_volume_end_L == p.li2s_pore_volume_L
    with pytest.raises(ParameterError):
        cell_from_spec("zhang2016_ac_s", doc, {"isolated_li2s_pore_share": 1.5})
