"""Cell-design arithmetic against the numbers documents 000 and 001 state."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.lis.design import (
    electrode_sulfur,
    glass_ionic_limit,
    layer_asr_ohm_cm2,
    layer_voltage_drop_V,
    lithium_capacity_mAh_per_g,
    lithium_thickness_um,
    max_sulfur_loading_fraction,
    plating_time_s,
    sulfur_capacity_mAh_per_g,
    sulfur_content_from_tga,
)


def test_max_sulfur_loading_document_000() -> None:
    # 2.07 g/cm³ × 1.01 cm³/g = 2.091 g S per g AC → 2.091 / 3.091 = 67.6 wt% (document 000, quoted to 0.1 wt%)
    assert max_sulfur_loading_fraction(1.01, 2.07) == pytest.approx(0.676, abs=0.0005)


def test_theoretical_capacities() -> None:
    # 1675 mAh/g is the literature's rounding with M_S = 32.00; with IUPAC 32.06 Faraday's law gives 1672 (0.2 % lower)
    assert sulfur_capacity_mAh_per_g(32.0) == pytest.approx(1675, abs=0.5)
    assert sulfur_capacity_mAh_per_g() == pytest.approx(1675, rel=0.0025)
    # lithium 3860 mAh/g (document 001), stated to 3 significant figures
    assert lithium_capacity_mAh_per_g() == pytest.approx(3860, rel=0.001)


def test_lithium_thickness_per_areal_capacity() -> None:
    # document 001: 1 mAh/cm² of Li ≈ 4.85 µm (3860 mAh/g, 0.534 g/cm³), stated to 3 figures
    assert lithium_thickness_um(1.0) == pytest.approx(4.85, abs=0.005)


def test_lipon_asr_and_drop() -> None:
    # document 001: 1000 Å at 2e-6 S/cm → 5 Ω cm²
    assert layer_asr_ohm_cm2(1000e-10, 2e-6) == pytest.approx(5.0, rel=1e-12)
    # at 100 µA over 4 cm²: 100e-6 A × 5 Ω cm² / 4 cm² = 125 µV
    assert layer_voltage_drop_V(1000e-10, 2e-6, 100e-6, 4.0) == pytest.approx(125e-6, rel=1e-12)


def test_plating_time_inverts_thickness() -> None:
    # plating 1 mAh/cm² over 4 cm² at 100 µA takes 40 h, and makes the 4.85 µm film above
    t = plating_time_s(lithium_thickness_um(1.0) * 1e-6, 100e-6, 4.0)
    assert t == pytest.approx(40 * 3600.0, rel=1e-9)


def test_electrode_sulfur_document_000() -> None:
    # 0.95 mg/cm² composite at 65.3 wt% S over a 2032 coin-cell electrode (Ø 14 mm → 1.539 cm²)
    area = np.pi * 0.7**2
    r = electrode_sulfur(loading_mg_per_cm2=0.95, area_cm2=area, composite_fraction=0.70,
                         sulfur_fraction_of_composite=0.653, rate_A_per_g=0.2)
    assert r.sulfur_mass_mg == pytest.approx(0.95 * area * 0.653, rel=1e-12)
    assert r.current_A == pytest.approx(0.2 * r.sulfur_mass_mg * 1e-3, rel=1e-12)
    assert r.electrode_mass_mg == pytest.approx(0.95 * area / 0.70, rel=1e-12)
    with pytest.raises(ParameterError, match="loading_is"):
        electrode_sulfur(loading_mg_per_cm2=1, area_cm2=1, composite_fraction=0.7,
                         sulfur_fraction_of_composite=0.5, loading_is="jam")


def _tga_curve(sulfur_pct: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A curve shaped like document 000's Fig. 3d: ~1 % moisture below 120 °C, one sulfur step
    centred near 300 °C, a slow drift of the carbon above it, and 0.05 % noise."""
    rng = np.random.default_rng(seed)
    t = np.linspace(30.0, 550.0, 1041)
    moisture = 1.0 / (1.0 + np.exp(-(t - 80.0) / 8.0))
    sulfur = sulfur_pct / (1.0 + np.exp(-(t - 300.0) / 18.0))
    drift = 0.002 * np.clip(t - 420.0, 0.0, None)
    return t, 100.0 - moisture - sulfur - drift + rng.normal(0.0, 0.05, t.size)


@pytest.mark.parametrize("sulfur_pct", [65.3, 57.9])
def test_sulfur_from_tga_recovers_document_values(sulfur_pct: float) -> None:
    # the logistic step is 99.9 % complete within the detected window, the moisture step
    # (≤ 1 %) sits outside it; tolerance 0.5 wt% ~ the resolution a TGA reading is quoted to
    t, m = _tga_curve(sulfur_pct, seed=3)
    r = sulfur_content_from_tga(t, m)
    assert r.sulfur_wt_pct == pytest.approx(sulfur_pct, abs=0.5)
    assert 150 < r.onset_C < 250 and 350 < r.end_C < 500


def test_tga_rejects_flat_curve() -> None:
    with pytest.raises(ParameterError):
        sulfur_content_from_tga(np.linspace(30, 550, 100), np.full(100, 100.0))


@pytest.mark.parametrize(
    ("modifier", "former", "x", "salt"),
    [
        ("Li2O", "SiO2", 2.0, "Li4SiO4"),  # document 001
        ("Li2O", "B2O3", 3.0, "Li3BO3"),  # document 001
        ("Li2O", "Al2O3", 3.0, "Li3AlO3"),  # document 001
        ("Li2O", "P2O5", 3.0, "Li3PO4"),
        ("Li2S", "P2S5", 3.0, "Li3PS4"),
        ("Li2S", "SiS2", 2.0, "Li4SiS4"),
        ("Na2O", "SiO2", 2.0, "Na4SiO4"),
    ],
)
def test_glass_ionic_limit(modifier: str, former: str, x: float, salt: str) -> None:
    r = glass_ionic_limit(modifier, former)
    assert r.x_max == x and r.ionic_salt == salt


def test_glass_limit_rejects_unbalanced_former() -> None:
    with pytest.raises(ParameterError, match="charge-balanced"):
        glass_ionic_limit("Li2O", "SiO3")


def test_cli_sulfur_loading(capsys: pytest.CaptureFixture[str]) -> None:
    from cellworks.cli import main

    rc = main(["lis", "design", "sulfur-loading", "--pore-volume-cm3-per-g", "1.01",
               "--sulfur-density-g-per-cm3", "2.07", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["max_sulfur_fraction"] == pytest.approx(0.676, abs=0.001)


def test_cli_bad_parameter_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from cellworks.cli import main

    assert main(["lis", "design", "sulfur-loading", "--pore-volume-cm3-per-g", "-1"]) == 2
    err = capsys.readouterr().err
    assert "pore_volume_cm3_per_g" in err and err.count("\n") == 1
