"""The experiment language: PyBaMM's grammar plus per-mass/per-area currents."""

from __future__ import annotations

import pytest

from cellworks.errors import ProtocolError
from cellworks.protocol import Control, Limit, StepKind, as_protocol, parse_protocol


def test_repeated_tuple_li_s_cycle() -> None:
    p = parse_protocol(
        "(Discharge at 0.2 A/g until 1.0 V, Rest for 10 minutes, Charge at 0.2 A/g until 3.0 V) * 3"
    )
    assert len(p.cycles) == 3 and len(p) == 9
    d, r, c = p.cycles[0]
    assert d.kind is StepKind.DISCHARGE and d.control is Control.CURRENT_PER_MASS
    assert d.current_A_per_g == pytest.approx(0.2)
    assert d.terminations[0].limit is Limit.VOLTAGE and d.terminations[0].value == pytest.approx(1.0)
    assert r.kind is StepKind.REST and r.duration_s == pytest.approx(600.0)
    assert c.kind is StepKind.CHARGE and c.voltage_cutoff_V() == pytest.approx(3.0)
    assert p.cycles[2] == p.cycles[0]


@pytest.mark.parametrize(
    ("text", "control", "value"),
    [
        ("Discharge at 1C until 2.5 V", Control.C_RATE, 1.0),
        ("Discharge at C/20 until 2.5 V", Control.C_RATE, 0.05),
        ("Charge at 0.5 A for 2 hours or until 4.2 V", Control.CURRENT, 0.5),
        ("Charge at 100 uA for 2 hours", Control.CURRENT, 100e-6),
        ("Charge at 100 µA for 2 hours", Control.CURRENT, 100e-6),
        ("Discharge at 2 mA/cm2 until 1.7 V", Control.CURRENT_PER_AREA, 20.0),  # 2 mA/cm² = 20 A/m²
        ("Discharge at 2 mA cm-2 until 1.7 V", Control.CURRENT_PER_AREA, 20.0),
        ("Discharge at 200 mA/g until 1.7 V", Control.CURRENT_PER_MASS, 0.2),
        ("Discharge at 2 W for 1 hour", Control.POWER, 2.0),
        ("Discharge at 4 Ohm until 3 V", Control.RESISTANCE, 4.0),
        ("Discharge at 4 Ω until 3 V", Control.RESISTANCE, 4.0),
        ("Hold at 4.2 V until 50 mA", Control.VOLTAGE, 4.2),
    ],
)
def test_controls_in_base_units(text: str, control: Control, value: float) -> None:
    (step,) = parse_protocol(text).steps
    assert step.control is control
    assert step.value == pytest.approx(value, rel=1e-12)


def test_hold_until_current_and_time_units() -> None:
    (s,) = parse_protocol("Hold at 4.2 V for 1 hour or until 50 mA").steps
    assert s.kind is StepKind.HOLD and s.voltage_V == pytest.approx(4.2)
    assert s.duration_s == pytest.approx(3600.0)
    assert s.terminations[0].limit is Limit.CURRENT and s.terminations[0].value == pytest.approx(0.05)


def test_capacity_limit_and_catholyte_example() -> None:
    # document 001, Example 3: 20 cycles of 15 min / 15 min at 100 µA, then strip
    p = parse_protocol(
        "Charge at 10 uA for 10 minutes, Charge at 100 uA for 2 hours,"
        " (Discharge at 100 uA for 15 minutes, Charge at 100 uA for 15 minutes) * 20,"
        " Discharge at 100 uA until 2.0 V, Discharge at 20 uA until 2.0 V"
    )
    assert len(p.cycles) == 2 + 20 + 2
    (s,) = parse_protocol("Discharge at 1 mA until 25 uAh").steps
    assert s.terminations[0].limit is Limit.CAPACITY
    assert s.terminations[0].value == pytest.approx(25e-6)


def test_newlines_semicolons_and_nesting() -> None:
    p = parse_protocol("Rest for 1 h\nDischarge at 1 A until 3 V; ((Charge at 1 A until 4 V, Rest for 5 min) * 2) * 3")
    assert len(p.cycles) == 2 + 3
    assert len(p.cycles[-1]) == 4


def test_resolve_current() -> None:
    (s,) = parse_protocol("Discharge at 0.2 A/g until 1 V").steps
    assert s.resolve_current_A(active_mass_g=2.7) == pytest.approx(0.54)
    (c,) = parse_protocol("Discharge at C/2 until 1 V").steps
    assert c.resolve_current_A(capacity_Ah=5.0) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="no active mass"):
        s.resolve_current_A()


def test_list_of_steps_like_pybamm() -> None:
    p = as_protocol(["Discharge at 1C until 2.5 V", "Rest for 1 hour"])
    assert len(p.cycles) == 2


@pytest.mark.parametrize(
    ("text", "token", "position"),
    [
        ("Discharge at banana", "banana", 13),
        ("Discharge at 1 A until 2.5 banana", "banana", 27),
        ("Dance at 1 A until 2 V", "Dance", 0),
        ("Rest for 10 parsecs", "parsecs", 12),
        ("Rest", "", 4),
        ("Discharge at 1 A", "", 16),
        ("(Discharge at 1 A until 2 V", "", 27),
        ("(Discharge at 1 A until 2 V) * x", "x", 31),
        ("Discharge at 1 V/s until 2 V", "V/s", 15),
        ("Rest for 5 V", "V", 11),  # a voltage where a duration belongs: the unit is the culprit
    ],
)
def test_errors_name_token_and_position(text: str, token: str, position: int) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_protocol(text)
    err = info.value
    assert err.token == token
    assert err.position == position
    assert "\n" not in str(err)


def test_empty_protocol() -> None:
    with pytest.raises(ProtocolError, match="empty"):
        parse_protocol("   ")


def test_to_dict_fields() -> None:
    d = parse_protocol("Discharge at 0.2 A/g until 1.0 V").to_dict()
    step = d["steps"][0]
    assert step["current_A_per_g"] == 0.2
    assert step["until"] == [{"limit": "voltage", "voltage_V": 1.0}]
