"""Protected lithium anode: the numbers of document 001."""

from __future__ import annotations

import math

import pytest

from cellworks.errors import ParameterError
from cellworks.lis import anode


def test_lipon_area_specific_resistance() -> None:
    # 1000 Å at 2e-6 S/cm → 5 Ω·cm² = 5e-4 Ω·m²
    asr = anode.layer_area_specific_resistance_Ohm_m2(1000e-10, 2e-6 * 100)
    assert asr == pytest.approx(5e-4, rel=1e-12)
    assert anode.layer_resistance_Ohm(1000e-10, 2e-4, 4e-4) == pytest.approx(1.25, rel=1e-12)  # 2 × 2 cm


def test_plated_lithium_thickness() -> None:
    # document 001: 1 mAh/cm² makes about 4.85 µm of Li (3860 mAh/g, 0.534 g/cm³); quoted to 3 digits
    assert anode.lithium_thickness_m(1e-3, 1e-4) == pytest.approx(4.85e-6, rel=2e-3)


def test_kinetics() -> None:
    # small-signal: η/I → RT/(F i0 A)
    r = anode.charge_transfer_resistance_Ohm(10.0, 0.1)
    assert anode.overpotential_V(1e-6, 10.0, 0.1) / 1e-6 == pytest.approx(r, rel=1e-6)
    assert r == pytest.approx(8.314462618 * 298 / (96485.33212 * 1.0), rel=1e-12)
    assert anode.overpotential_V(1.0, 0.0, 0.1) == 0.0
    assert math.isclose(anode.lithium_mol_from_capacity(96485.33212 / 3600), 1.0)
    with pytest.raises(ParameterError):
        anode.layer_resistance_Ohm(1e-7, 0.0, 1.0)
