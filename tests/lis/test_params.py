from __future__ import annotations

import pytest

from cellworks.errors import ParameterError
from cellworks.lis.params import PRESETS, THEORETICAL_MAH_PER_G_S, get_preset, list_presets, with_overrides


def test_presets_have_sources_and_validate() -> None:
    assert {"marinescu2016", "marinescu2016_fade", "marinescu2016_lipon"} <= set(PRESETS)
    for item in list_presets():
        assert item["source"]
        get_preset(item["name"]).validate()


def test_marinescu2016_values_from_reference() -> None:
    p = get_preset("marinescu2016")
    assert (p.i_H0_A_per_m2, p.i_L0_A_per_m2, p.a_r_m2, p.electrolyte_volume_L) == (10.0, 5.0, 0.960, 0.0114)
    assert (p.E_H0_V, p.E_L0_V, p.k_p_per_s, p.S_star_g, p.k_s_charge_per_s) == (2.35, 2.195, 100.0, 1e-4, 2e-4)
    assert (p.S8_initial_g, p.S4_initial_g, p.Sp_initial_g, p.sulfur_mass_g) == (2.6730, 0.0128, 2.7e-6, 2.7)


def test_theoretical_capacity_of_sulfur() -> None:
    # document 000: 1675 mAh/g (16 e- per S8 with M_S = 32)
    assert THEORETICAL_MAH_PER_G_S == pytest.approx(1675, abs=0.5)


def test_overrides_and_errors() -> None:
    p = with_overrides(get_preset("marinescu2016"), ["k_s_charge_per_s=0", "f_s_per_mol=0.05"])
    assert p.k_s_charge_per_s == 0.0 and p.f_s_per_mol == 0.05
    with pytest.raises(ParameterError, match="unknown parameter"):
        with_overrides(p, ["banana=1"])
    with pytest.raises(ParameterError, match="not a number"):
        with_overrides(p, ["a_r_m2=abc"])
    with pytest.raises(ParameterError, match="must be > 0"):
        with_overrides(p, ["a_r_m2=-1"])
    with pytest.raises(ParameterError, match="name=value"):
        with_overrides(p, ["a_r_m2"])
    with pytest.raises(ParameterError, match="unknown preset"):
        get_preset("nope")


def test_layer_resistance_of_lipon_preset() -> None:
    p = get_preset("marinescu2016_lipon")
    # 1000 Å at 2e-6 S/cm is 5 Ω·cm² (document 001), over 1350 cm²
    assert p.layer_resistance_Ohm == pytest.approx(5.0 / 1350.0, rel=1e-12)
