"""Document 001's catholyte cell (Examples 2, 3 and Fig. 5) on the twin."""

from __future__ import annotations

import math

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
    # 3 mol/L S and 0.75 mol/L Li (document 001) → Li:S = 0.25 = Li2S8
    assert cell.li_to_s == pytest.approx(0.25)
    # electrons per S of the initial species: S4(2-) carries 0.5 e- per S, the rest is S8
    m = [p.S8_initial_g, p.S4_initial_g, p.S2_initial_g, p.S_initial_g, p.Sp_initial_g]
    x = (0.5 * m[1] + m[2] + 2 * m[3] + 2 * m[4]) / sum(m)
    assert x == pytest.approx(0.25, rel=1e-6)
    # sulfur mass = 3 mol/L × separator volume × porosity × 32.06 g/mol (1 cm² × 0.58 mm × 0.6)
    assert p.sulfur_mass_g == pytest.approx(3.0 * 1.0 * 0.058 * 0.6 * 1e-3 * 32.06, rel=1e-12)
    # no lithium at assembly: the first charge plates it (in situ)
    assert p.li_inventory_initial_mol == 0.0
    # LiPON at 2e-6 S/cm: 1000 Å gives 5 Ω·cm² (document 001); Example 3's layer is scaled by
    # sputter time × power (85 min · 78 W vs 58 min · 75 W), over the 4 cm² anode
    asr = cell.lipon_thickness_A * 1e-8 / 2e-6
    assert asr == pytest.approx(5.0 * 85 * 78 / (58 * 75), rel=1e-9)
    assert p.layer_resistance_Ohm == pytest.approx(asr / 4.0, rel=1e-9)


def test_species_for_li_to_s_rejects_beyond_lumped_chemistry() -> None:
    with pytest.raises(ParameterError):
        cat.species_for_li_to_s(1.6, 1.0)


def test_example3_plating_and_cycling_charges(example3: cat.LithiumAccount) -> None:
    # 10 µA × 10 min + 100 µA × 2 h = 1.667 + 200 µAh (document: 201.6); 20 × 25 µAh cycled
    assert example3.plated_initial_uAh == pytest.approx(10 * 10 / 60 + 100 * 2, rel=1e-9)
    assert example3.cycled_uAh == pytest.approx(20 * 25.0, rel=1e-9)
    assert example3.charge_passed_uAh == pytest.approx(201.6667 + 500.0, rel=1e-6)
    assert example3.cycles_completed == 20
    assert example3.status == "ok"


def test_example3_recovered_lithium_matches_document(example3: cat.LithiumAccount) -> None:
    # document 001: 188.2 µAh recovered; issue tolerance ±5 %
    assert example3.recovered_uAh == pytest.approx(188.2, rel=0.05)
    # document 001: at least 98 % of the lithium stays anode-active
    assert example3.active_fraction >= 0.98
    # the strip ends when the plated lithium is used up (the cathode stays on its upper plateau)
    assert example3.strip_end_reasons[0] == "anode lithium exhausted"
    assert abs(example3.li_left_uAh) < 1e-6


def test_example3_account_is_the_plating_efficiency_balance(example3: cat.LithiumAccount) -> None:
    # every charge plates η·Q, every discharge strips Q: recovered = η·(charge passed) − cycled,
    # so (recovered + cycled)/charge is the plating efficiency of the preset (0.99)
    eta = cat.CatholyteCell().plating_efficiency
    assert example3.recovered_uAh == pytest.approx(eta * example3.charge_passed_uAh - example3.cycled_uAh, rel=1e-6)


def test_example2_hundred_cycles_stable() -> None:
    ex2 = cat.example2()
    assert ex2["status"] == "ok"
    assert ex2["cycles_completed_full_15_min"] == 100
    # "behaved remarkably constantly": end-of-discharge voltage of cycle 1 and 100 within 5 mV
    assert abs(ex2["discharge_end_V_last"] - ex2["discharge_end_V_first"]) < 0.005
    # lithium left after 100 cycles at 99 % plating efficiency: 200·0.99 − 100·25·0.01 µAh
    li_expected_uAh = 200 * 0.99 - 100 * 25 * 0.01
    assert ex2["li_inventory_end_uAh"] == pytest.approx(li_expected_uAh, rel=1e-4)


def test_voltage_vs_state_of_charge_has_the_three_regions(curve: dict) -> None:
    r = cat.curve_regions(curve["li_to_s"], curve["voltage_V"], ended_by_collapse=curve["end_reason"] == "sulfur exhausted")
    # document 001 Fig. 5: ~2.5 V at all sulfur (±0.1 V: "approximately")
    assert r["v_all_sulfur_V"] == pytest.approx(2.5, abs=0.1)
    # shoulder near average Li2S8 (Li:S 0.25; the Nernst S8/S4 couple is flattest at 1/(2+√2) = 0.293)
    assert r["shoulder_li_to_s"] == pytest.approx(1 / (2 + math.sqrt(2)), abs=0.02)
    # flat region reaching at least Li2S2, then a steep drop before Li2S
    assert r["flat_to_li_to_s"] >= 1.0
    assert 1.0 < r["steep_drop_li_to_s"] <= 2.0
    assert r["flat_V"] < r["shoulder_V"] < r["v_all_sulfur_V"]


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
