"""Document 001's catholyte cell (Examples 2, 3 and Fig. 5) on the twin."""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.lis import catholyte as cat
from cellworks.lis.params import FARADAY_C_PER_MOL


@pytest.fixture(scope="module")
def example3() -> cat.LithiumAccount:
    acc, _ = cat.example3()
    return acc


@pytest.fixture(scope="module")
def curve() -> dict:
    return cat.voltage_vs_li_to_s()


def test_catholyte_composition_is_average_li2s8() -> None:
    cell = cat.CatholyteCell()
    p = cat.polyplus_catholyte(cell)
    # 3 mol/L S and 0.75 mol/L Li (document 001) → Li:S = 0.25 = Li2S8, the twin's initial rest state
    assert cell.li_to_s == pytest.approx(0.25)
    from cellworks.lis.models import initial_state

    y = initial_state(p)
    assert cat.li_to_s_of(list(np.exp(y[:5]))) == pytest.approx(0.25, rel=1e-6)
    # sulfur mass = 3 mol/L × separator volume × porosity × 32.06 g/mol (1 cm² × 0.58 mm × 0.6)
    assert p.sulfur_mass_g == pytest.approx(3.0 * 1.0 * 0.058 * 0.6 * 1e-3 * 32.06, rel=1e-12)
    # no lithium at assembly: the first charge plates it (in situ)
    assert p.li_inventory_initial_mol == 0.0
    # LiPON at 2e-6 S/cm: 1000 Å gives 5 Ω·cm² (document 001); Example 3's layer is scaled by
    # sputter time × power (85 min · 78 W vs 58 min · 75 W), over the 4 cm² anode
    asr = cell.lipon_thickness_A * 1e-8 / 2e-6
    assert asr == pytest.approx(5.0 * 85 * 78 / (58 * 75), rel=1e-9)
    assert p.layer_resistance_Ohm == pytest.approx(asr / 4.0, rel=1e-9)


def test_lithium_loss_is_named_and_not_fitted() -> None:
    names = {x["parameter"] for x in cat.LITHIUM_LOSS}
    assert "li_plating_efficiency" in names
    assert all(x["source"] and x["mechanism"] and x["fitted_to_188_2_uAh"] is False for x in cat.LITHIUM_LOSS)
    assert cat.polyplus_catholyte().li_plating_efficiency == cat.LITHIUM_LOSS[0]["value"]


def test_example3_plating_and_cycling_charges(example3: cat.LithiumAccount) -> None:
    # 10 µA × 10 min + 100 µA × 2 h = 1.667 + 200 µAh (document: 201.6); 20 × 25 µAh cycled
    assert example3.plated_initial_uAh == pytest.approx(10 * 10 / 60 + 100 * 2, rel=1e-9)
    assert example3.cycled_uAh == pytest.approx(20 * 25.0, rel=1e-9)
    assert example3.charge_passed_uAh == pytest.approx(201.6667 + 500.0, rel=1e-6)
    assert example3.cycles_completed == 20
    assert example3.status == "ok"


def test_example3_strip_ends_on_the_voltage_limit(example3: cat.LithiumAccount) -> None:
    # the anode's polarisation rises as its lithium runs out: both strip steps end on 2.0 V
    assert example3.strip_end_reasons == ("voltage cut-off", "voltage cut-off")
    assert example3.strip_end_V == pytest.approx((2.0, 2.0), abs=1e-6)
    # the 20 µA step strips some more of the thinning film
    assert example3.recovered_by_step_uAh[1] > 0.0


def test_example3_recovered_lithium(example3: cat.LithiumAccount) -> None:
    # document 001: 188.2 µAh recovered; issue tolerance ±5 % (a prediction: nothing fitted to it)
    assert example3.recovered_uAh == pytest.approx(188.2, rel=0.05)
    assert example3.active_fraction >= 0.98  # document 001: "at least 98 %"
    # the account closes: recovered + left on the collector + dead = plated − cycled (µAh)
    assert (example3.recovered_uAh + example3.li_left_uAh + example3.dead_li_uAh
            == pytest.approx(example3.charge_passed_uAh - example3.cycled_uAh, rel=1e-6))


def test_example2_hundred_cycles_stable() -> None:
    ex2 = cat.example2()
    assert ex2["status"] == "ok"
    assert ex2["cycles_completed_full_15_min"] == 100
    # "behaved remarkably constantly": end-of-discharge voltage of cycle 1 and 100 within 5 mV
    assert abs(ex2["discharge_end_V_last"] - ex2["discharge_end_V_first"]) < 0.005
    # lithium left after 100 cycles with 1 % dead per plated charge: 200·0.99 − 100·25·0.01 µAh
    assert ex2["li_inventory_end_uAh"] == pytest.approx(200 * 0.99 - 100 * 25 * 0.01, rel=1e-4)


def test_voltage_vs_state_of_charge_has_the_regions(curve: dict) -> None:
    r = cat.curve_regions(curve["li_to_s"], curve["voltage_V"], ended_by_collapse=curve["end_reason"] == "sulfur exhausted")
    # the curve falls from the sulfur end through the upper plateau to a flat lower plateau that
    # reaches at least Li2S2, then drops before or at Li2S (the three-reaction chain reaches Li2S)
    assert r["flat_to_li_to_s"] >= 1.0
    assert 1.0 < r["steep_drop_li_to_s"] <= 2.0
    assert r["flat_V"] < r["shoulder_V"] < r["v_all_sulfur_V"]
    assert max(curve["li_to_s"]) > 1.9


def test_cycling_windows_follow_li_to_s_and_start_species(curve: dict) -> None:
    rows = cat.windows_table(curve)
    full = {w["start_species"]: w for w in rows if w["case"] == "all lithium plated"}
    # a more oxidised lithium source puts the window further towards sulfur (left)
    assert full["Li2S8"]["li_to_s_discharged"] < full["Li2S4"]["li_to_s_discharged"] < full["Li2S"]["li_to_s_discharged"]
    # more lithium per sulfur: a wider range (Li2S source widest)
    widths = {k: w["li_to_s_discharged"] - w["li_to_s_charged"] for k, w in full.items()}
    assert widths["Li2S"] == max(widths.values())
    # Example 3 moves 201.67 µAh of Li out of 3 M × 34.8 µL of S: ΔLi:S = 7.52 µmol / 104.4 µmol
    ex = next(w for w in rows if w["start_species"] == "Li2S8" and w["case"] == "Example 3 plating")
    d = 201.6 * 1e-6 * 3600 / FARADAY_C_PER_MOL / (3.0 * 34.8e-6)
    assert ex["li_to_s_discharged"] - ex["li_to_s_charged"] == pytest.approx(d, rel=1e-9)
    with pytest.raises(ParameterError):
        cat.cycling_window(-0.1, 0.1)
