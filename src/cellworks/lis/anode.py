"""Lithium-metal negative electrode: inventory, protective layer, kinetics (pure functions).

The time-domain model (``model.py``) carries the lithium inventory ``n_Li`` [mol] as a state:
stripping on discharge removes ``I/F``; plating on charge adds ``η_plating·|I|/F`` (the rest
becomes inactive, "dead" lithium — document 001 reports ≥ 98 % of plated lithium staying active
over 20 cycles); polysulfides shuttled to the anode corrode it chemically (their electrons come
from lithium). A step that would strip more lithium than exists ends with
``anode lithium exhausted``.

The protective layer (e.g. LiPON, document 001: 50 Å–5 µm, 1e-8–1e-2 S/cm, LiPON ≈ 2–3e-6 S/cm)
is a single-ion conductor in series: ``R_layer = thickness / (conductivity · area)``. The
lithium/electrolyte (or lithium/layer) interface follows symmetric Butler–Volmer kinetics, n = 1:
``η = (2RT/F)·asinh(I / (2·i0·A))``, whose small-signal resistance is ``RT/(F·i0·A)``.
"""

from __future__ import annotations

import math

from cellworks.errors import ParameterError
from cellworks.lis.params import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K

LI_MOLAR_MASS_G_PER_MOL = 6.941
LI_DENSITY_G_PER_CM3 = 0.534


def layer_area_specific_resistance_Ohm_m2(thickness_m: float, conductivity_S_per_m: float) -> float:
    """Area-specific resistance of a protective layer, thickness / conductivity [Ω·m²]."""
    if thickness_m < 0:
        raise ParameterError(f"must be ≥ 0, got {thickness_m}", field="thickness_m")
    if conductivity_S_per_m <= 0:
        raise ParameterError(f"must be > 0, got {conductivity_S_per_m}", field="conductivity_S_per_m")
    return thickness_m / conductivity_S_per_m


def layer_resistance_Ohm(thickness_m: float, conductivity_S_per_m: float, area_m2: float) -> float:
    """Series resistance of a protective layer over ``area_m2`` [Ω]."""
    if area_m2 <= 0:
        raise ParameterError(f"must be > 0, got {area_m2}", field="area_m2")
    return layer_area_specific_resistance_Ohm_m2(thickness_m, conductivity_S_per_m) / area_m2


def lithium_thickness_m(capacity_Ah: float, area_m2: float) -> float:
    """Thickness of dense lithium holding ``capacity_Ah`` over ``area_m2`` (1 mAh/cm² ≈ 4.85 µm)."""
    if area_m2 <= 0:
        raise ParameterError(f"must be > 0, got {area_m2}", field="area_m2")
    mol = capacity_Ah * 3600.0 / FARADAY_C_PER_MOL
    volume_cm3 = mol * LI_MOLAR_MASS_G_PER_MOL / LI_DENSITY_G_PER_CM3
    return volume_cm3 * 1e-6 / area_m2


def lithium_mol_from_capacity(capacity_Ah: float) -> float:
    """Moles of lithium equivalent to a charge (one electron per atom)."""
    return capacity_Ah * 3600.0 / FARADAY_C_PER_MOL


def overpotential_V(current_A: float, i0_A_per_m2: float, area_m2: float, temperature_K: float = 298.0) -> float:
    """Butler–Volmer overpotential of the lithium electrode (positive while stripping, I > 0)."""
    if i0_A_per_m2 <= 0 or area_m2 <= 0:
        return 0.0
    return 2.0 * GAS_CONSTANT_J_PER_MOL_K * temperature_K / FARADAY_C_PER_MOL * math.asinh(
        current_A / (2.0 * i0_A_per_m2 * area_m2)
    )


def charge_transfer_resistance_Ohm(i0_A_per_m2: float, area_m2: float, temperature_K: float = 298.0) -> float:
    """Small-signal charge-transfer resistance RT/(F·i0·A) of the lithium electrode (0 when ideal)."""
    if i0_A_per_m2 <= 0 or area_m2 <= 0:
        return 0.0
    return GAS_CONSTANT_J_PER_MOL_K * temperature_K / (FARADAY_C_PER_MOL * i0_A_per_m2 * area_m2)


__all__ = [
    "charge_transfer_resistance_Ohm",
    "layer_area_specific_resistance_Ohm_m2",
    "layer_resistance_Ohm",
    "lithium_mol_from_capacity",
    "lithium_thickness_m",
    "overpotential_V",
]
