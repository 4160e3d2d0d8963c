from __future__ import annotations

import pytest

from cellworks.errors import InputError
from cellworks.units import Dim, parse_duration_s, parse_quantity


@pytest.mark.parametrize(
    ("text", "dim", "value"),
    [
        ("0.2 A/g", Dim.CURRENT_PER_MASS, 0.2),
        ("15 min", Dim.TIME, 900.0),
        ("1000 Å", Dim.LENGTH, 1e-7),  # 1000 Å = 100 nm: the best LiPON thickness of document 001
        ("1000 angstrom", Dim.LENGTH, 1e-7),
        ("10 µA", Dim.CURRENT, 1e-5),
        ("2 mA cm-2", Dim.CURRENT_PER_AREA, 20.0),
        ("201.6 uAh", Dim.CHARGE, 201.6e-6),
        ("42 Ohm", Dim.RESISTANCE, 42.0),
        ("40 kOhm", Dim.RESISTANCE, 40e3),
        ("4 cm2", Dim.AREA, 4e-4),
        ("0.9 mg", Dim.MASS, 0.9e-3),
        ("C/20", Dim.C_RATE, 0.05),
        ("3 months", Dim.TIME, 3 * 30.436875 * 86400),
    ],
)
def test_parse_quantity(text: str, dim: Dim, value: float) -> None:
    q = parse_quantity(text)
    assert q.dim is dim
    assert q.value == pytest.approx(value, rel=1e-12)


def test_duration_rejects_other_dimensions() -> None:
    with pytest.raises(InputError, match="expected time"):
        parse_duration_s("3 V")
    assert parse_duration_s("2 hours") == 7200.0


def test_unknown_unit_names_it() -> None:
    with pytest.raises(InputError) as info:
        parse_quantity("3 furlongs")
    assert info.value.token == "furlongs"
