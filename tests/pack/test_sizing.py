"""Sizing arithmetic: every number application note 003 works through (REFERENCE §4).

The note's numbers are exact arithmetic, so tolerances are floating-point only (1e-9 relative).
"""

from __future__ import annotations

import math

import pytest

from cellworks.errors import ParameterError
from cellworks.pack import sizing
from cellworks.pack.balancing import BleedCircuit, check_bleed_path


def test_balancing_current_1200_mA() -> None:
    # 20 % × 2000 mAh × 3 / 1.0 h = 1200 mA
    assert sizing.balancing_current_A(2.0, 3, 0.20, 1.0) == pytest.approx(1.200, rel=1e-9)


def test_balancing_current_two_conditioning_cycles() -> None:
    # two cycles of 1 h charge + 3 h discharge = 8 h → 150 mA, 0.6 W at 4 V
    rep = sizing.balancing_current_report(2.0, 3, 0.20, 8.0, cell_voltage_V=4.0)
    assert rep["balancing_current_mA"] == pytest.approx(150.0, rel=1e-9)
    assert rep["dissipation_W"] == pytest.approx(0.6, rel=1e-9)


def test_conditioning_2000_mAh() -> None:
    rep = sizing.conditioning_report(2.0)
    assert rep["bleed_resistance_Ohm"] == pytest.approx(42.0, rel=1e-9)  # 4.20 V / 100 mA
    assert rep["dissipation_W"] == pytest.approx(0.42, rel=1e-9)
    assert rep["removed_per_discharge_mAh"] == pytest.approx(300.0, rel=1e-9)
    assert rep["corrected_per_discharge_percent"] == pytest.approx(15.0, rel=1e-9)


def test_conditioning_6000_mAh() -> None:
    rep = sizing.conditioning_report(6.0)
    assert rep["corrected_per_discharge_percent"] == pytest.approx(5.0, rel=1e-9)
    assert rep["corrected_per_discharge_and_charge_percent"] == pytest.approx(10.0, rel=1e-9)


def test_discharge_resistance_formula() -> None:
    # R = (R1 + RT1)·RL / (R1 + RT1 + RL): (40 + 2)·42 / 84 = 21 Ω
    assert sizing.discharge_resistance_Ohm(40.0, 2.0, 42.0) == pytest.approx(21.0, rel=1e-9)
    assert sizing.discharge_resistance_Ohm(40.0, 2.0, math.inf) == 42.0
    # a light load leaves most current in the bleed path
    assert sizing.bleed_fraction_of_discharge(42.0, 0.0, 4200.0) == pytest.approx(4200 / 4242, rel=1e-9)


def test_fet_straight_across_cell_is_refused_with_160_W() -> None:
    with pytest.raises(ParameterError, match="160 W"):
        check_bleed_path(4.0, 0.0, 0.1)


def test_note_bleed_path_is_accepted() -> None:
    res = check_bleed_path(4.2, 41.5, 0.5, resistor_rating_W=2.0)
    assert res["power_W"] == pytest.approx(0.42, rel=1e-9)
    BleedCircuit().check(4.2)


def test_resistor_rating_exceeded() -> None:
    with pytest.raises(ParameterError, match="rating"):
        check_bleed_path(4.2, 10.0, 0.0, resistor_rating_W=1.0)  # 1.76 W in a 1 W part


@pytest.mark.parametrize("args", [(0.0, 3, 0.2, 1.0), (2.0, 0, 0.2, 1.0), (2.0, 3, 20.0, 1.0), (2.0, 3, 0.2, -1.0)])
def test_bad_sizing_input(args: tuple[float, int, float, float]) -> None:
    with pytest.raises(ParameterError):
        sizing.balancing_current_A(*args)
