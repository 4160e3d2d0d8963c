"""Cell-design arithmetic of documents 000 and 001: sulfur loading, capacities, lithium plating,
protective layers and the composition limit of modifier/network-former glasses.

Every function is pure, takes and returns floats with the unit in the name, and raises
:class:`cellworks.errors.ParameterError` for impossible inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cellworks.constants import FARADAY_C_PER_MOL
from cellworks.errors import ParameterError

# IUPAC standard atomic weights (abridged, conventional values)
MOLAR_MASS_S_G_PER_MOL = 32.06
MOLAR_MASS_LI_G_PER_MOL = 6.94
DENSITY_LI_G_PER_CM3 = 0.534  # document 001 / CRC handbook, 20 °C
DENSITY_S_G_PER_CM3 = 2.07  # α-sulfur, document 000


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not (v > 0.0) or v != v or v == float("inf"):
            raise ParameterError(f"must be a positive finite number, got {v!r}", field=name)


def _fraction(**values: float) -> None:
    for name, v in values.items():
        if not (0.0 <= v <= 1.0):
            raise ParameterError(f"must be a fraction between 0 and 1, got {v!r}", field=name)


# ---------------------------------------------------------------------------------------------
# sulfur in the host carbon (document 000)


def max_sulfur_loading_fraction(pore_volume_cm3_per_g: float, sulfur_density_g_per_cm3: float = DENSITY_S_G_PER_CM3) -> float:
    """Largest sulfur mass fraction of a carbon/sulfur composite when sulfur fills every pore.

    1 g of carbon holds ρ_S·V_pore grams of sulfur, so w_S = ρ_S·V / (1 + ρ_S·V).
    Document 000: 1.01 cm³/g and 2.07 g/cm³ → 2.091 g S per g AC → 67.6 wt%.
    """
    _positive(pore_volume_cm3_per_g=pore_volume_cm3_per_g, sulfur_density_g_per_cm3=sulfur_density_g_per_cm3)
    s = sulfur_density_g_per_cm3 * pore_volume_cm3_per_g
    return s / (1.0 + s)


def theoretical_capacity_mAh_per_g(electrons_per_atom: float, molar_mass_g_per_mol: float) -> float:
    """Faraday's law: z·F / M in mAh per gram (1 mAh = 3.6 C)."""
    _positive(electrons_per_atom=electrons_per_atom, molar_mass_g_per_mol=molar_mass_g_per_mol)
    return electrons_per_atom * FARADAY_C_PER_MOL / molar_mass_g_per_mol / 3.6


def sulfur_capacity_mAh_per_g(molar_mass_g_per_mol: float = MOLAR_MASS_S_G_PER_MOL) -> float:
    """S → S²⁻ (16 e⁻ per S₈, 2 per atom): 1672 mAh/g with M_S = 32.06; the conventional
    1675 mAh/g of the literature (document 000) corresponds to M_S = 32.00."""
    return theoretical_capacity_mAh_per_g(2.0, molar_mass_g_per_mol)


def lithium_capacity_mAh_per_g(molar_mass_g_per_mol: float = MOLAR_MASS_LI_G_PER_MOL) -> float:
    """Li → Li⁺: 3862 mAh/g (documents quote 3860)."""
    return theoretical_capacity_mAh_per_g(1.0, molar_mass_g_per_mol)


@dataclass(frozen=True)
class ElectrodeSulfur:
    """Sulfur in one electrode, and the current for a rate given per gram of sulfur."""

    electrode_mass_mg: float
    composite_mass_mg: float
    sulfur_mass_mg: float
    sulfur_loading_mg_per_cm2: float
    current_A: float
    theoretical_capacity_mAh: float


def electrode_sulfur(
    *,
    loading_mg_per_cm2: float,
    area_cm2: float,
    composite_fraction: float,
    sulfur_fraction_of_composite: float,
    rate_A_per_g: float = 0.0,
    loading_is: str = "composite",
) -> ElectrodeSulfur:
    """Sulfur mass and test current from the electrode recipe.

    ``loading_is`` says what ``loading_mg_per_cm2`` counts: ``"composite"`` (the C/S composite,
    the "active material" of document 000: 0.9–1.0 mg cm⁻²), ``"electrode"`` (the whole dried
    coating: composite + conductive carbon + binder) or ``"sulfur"``.
    Document 000: 70 wt% composite, 65.3 / 57.9 wt% S in the composite, 2032 coin cell.
    """
    _positive(loading_mg_per_cm2=loading_mg_per_cm2, area_cm2=area_cm2)
    _fraction(composite_fraction=composite_fraction, sulfur_fraction_of_composite=sulfur_fraction_of_composite)
    if rate_A_per_g < 0:
        raise ParameterError("must not be negative", field="rate_A_per_g")
    total = loading_mg_per_cm2 * area_cm2
    if loading_is == "composite":
        composite = total
        electrode = composite / composite_fraction if composite_fraction > 0 else float("nan")
        sulfur = composite * sulfur_fraction_of_composite
    elif loading_is == "electrode":
        electrode = total
        composite = electrode * composite_fraction
        sulfur = composite * sulfur_fraction_of_composite
    elif loading_is == "sulfur":
        sulfur = total
        composite = sulfur / sulfur_fraction_of_composite
        electrode = composite / composite_fraction
    else:
        raise ParameterError(f"'{loading_is}' is not one of composite, electrode, sulfur", field="loading_is")
    return ElectrodeSulfur(
        electrode_mass_mg=electrode,
        composite_mass_mg=composite,
        sulfur_mass_mg=sulfur,
        sulfur_loading_mg_per_cm2=sulfur / area_cm2,
        current_A=rate_A_per_g * sulfur * 1e-3,
        theoretical_capacity_mAh=sulfur_capacity_mAh_per_g() * sulfur * 1e-3,
    )


# ---------------------------------------------------------------------------------------------
# sulfur content from thermogravimetry (document 000, Fig. 3d)


@dataclass(frozen=True)
class TgaResult:
    """Sulfur content read off a thermogravimetric curve (onset, plateau, mass loss)."""

    sulfur_wt_pct: float
    onset_C: float
    end_C: float
    mass_before_pct: float
    mass_after_pct: float


def sulfur_content_from_tga(temperature_C: Any, mass_pct: Any, *, smooth_window_C: float = 10.0) -> TgaResult:
    """Sulfur content of a C/S composite from its TGA mass-loss curve (N₂, to ~550 °C).

    Sulfur evaporates in one step (onset ~200 °C, over by ~400 °C); the carbon host keeps its
    mass. The sulfur content is the mass lost in that step: the level of the plateau before the
    step minus the level after it, each taken where the smoothed mass-loss rate (DTG) is below
    5 % of its peak, so early moisture loss and a slow carbon drift do not count. Masses in
    percent of the initial mass.
    """
    import numpy as np

    t = np.asarray(temperature_C, dtype=float)
    m = np.asarray(mass_pct, dtype=float)
    if t.shape != m.shape or t.ndim != 1 or t.size < 20:
        raise ParameterError("temperature and mass must be 1-D arrays of equal length (≥ 20 points)", field="mass_pct")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(m))):
        raise ParameterError("contains NaN or infinite values", field="mass_pct")
    order = np.argsort(t, kind="stable")
    t, m = t[order], m[order]
    # resample on a uniform 1 °C grid, smooth by a moving average of smooth_window_C
    grid = np.arange(np.ceil(t[0]), np.floor(t[-1]) + 1.0, 1.0)
    mg = np.interp(grid, t, m)
    w = max(1, int(round(smooth_window_C)))
    kernel = np.ones(w) / w
    ms = np.convolve(np.pad(mg, (w // 2, w - 1 - w // 2), mode="edge"), kernel, mode="valid")
    dtg = -np.gradient(ms, grid)  # % per °C, positive while losing mass
    dtg = np.convolve(np.pad(dtg, (w, w), mode="edge"), np.ones(2 * w + 1) / (2 * w + 1), mode="valid")
    peak = int(np.argmax(dtg))
    if dtg[peak] <= 0:
        raise ParameterError("no mass-loss step found", field="mass_pct")
    low = dtg < 0.05 * dtg[peak]
    before = np.flatnonzero(low[:peak])
    after = np.flatnonzero(low[peak:]) + peak
    if before.size == 0 or after.size == 0:
        raise ParameterError("the mass-loss step is not bounded by plateaus on both sides", field="temperature_C")
    i0, i1 = int(before[-1]), int(after[0])
    # the 5 % points cut the tails of the step (~1 % of the loss each side): walk on to the
    # DTG minima that separate the step from moisture loss below and carbon drift above
    while i0 > 0 and dtg[i0 - 1] <= dtg[i0]:
        i0 -= 1
    while i1 < dtg.size - 1 and dtg[i1 + 1] <= dtg[i1]:
        i1 += 1
    return TgaResult(
        sulfur_wt_pct=float(ms[i0] - ms[i1]),
        onset_C=float(grid[i0]),
        end_C=float(grid[i1]),
        mass_before_pct=float(ms[i0]),
        mass_after_pct=float(ms[i1]),
    )


# ---------------------------------------------------------------------------------------------
# lithium metal and protective layers (document 001)


def lithium_thickness_um(areal_capacity_mAh_per_cm2: float) -> float:
    """Thickness of dense lithium holding an areal capacity: 1 mAh/cm² → 4.85 µm (document 001)."""
    if areal_capacity_mAh_per_cm2 < 0:
        raise ParameterError("must not be negative", field="areal_capacity_mAh_per_cm2")
    grams_per_cm2 = areal_capacity_mAh_per_cm2 / lithium_capacity_mAh_per_g()
    return grams_per_cm2 / DENSITY_LI_G_PER_CM3 * 1e4


def layer_asr_ohm_cm2(thickness_m: float, conductivity_S_per_cm: float) -> float:
    """Area-specific resistance of a single-ion-conducting layer: thickness / conductivity.

    1000 Å of LiPON at 2e-6 S/cm → 5 Ω cm² (document 001).
    """
    _positive(thickness_m=thickness_m, conductivity_S_per_cm=conductivity_S_per_cm)
    return thickness_m * 100.0 / conductivity_S_per_cm


def layer_voltage_drop_V(thickness_m: float, conductivity_S_per_cm: float, current_A: float, area_cm2: float) -> float:
    """Ohmic drop across the layer at a current: I · ASR / A."""
    _positive(area_cm2=area_cm2)
    return abs(current_A) * layer_asr_ohm_cm2(thickness_m, conductivity_S_per_cm) / area_cm2


def plating_time_s(thickness_m: float, current_A: float, area_cm2: float, efficiency: float = 1.0) -> float:
    """Time to plate a dense lithium film of the given thickness at a constant current."""
    _positive(thickness_m=thickness_m, current_A=current_A, area_cm2=area_cm2, efficiency=efficiency)
    _fraction(efficiency=efficiency)
    mass_g = thickness_m * 100.0 * area_cm2 * DENSITY_LI_G_PER_CM3
    charge_C = mass_g / MOLAR_MASS_LI_G_PER_MOL * FARADAY_C_PER_MOL
    return charge_C / (current_A * efficiency)


# ---------------------------------------------------------------------------------------------
# modifier / network-former glasses (document 001)

# network-former cation: (valence, chalcogen neighbours in its fully ionic "ortho" anion).
# Document 001 names Li4SiO4 (SiO4⁴⁻), Li3BO3 (BO3³⁻) and Li3AlO3 (AlO3³⁻); P forms PO4³⁻/PS4³⁻,
# Ge GeO4⁴⁻/GeS4⁴⁻.
FORMER_CATIONS: dict[str, tuple[int, int]] = {"Si": (4, 4), "Ge": (4, 4), "B": (3, 3), "Al": (3, 3), "P": (5, 4)}
CHALCOGENS = ("O", "S", "Se")
MODIFIER_METALS = ("Li", "Na", "K")


@dataclass(frozen=True)
class GlassLimit:
    """The fully ionic composition of (M₂D)ₓ(AₙDₘ): beyond x_max phase separation is certain."""

    x_max: float
    ionic_salt: str
    modifier: str
    former: str


def _sub(n: int) -> str:
    return "" if n == 1 else str(n)


def glass_ionic_limit(modifier: str, former: str) -> GlassLimit:
    """Largest modifier content x of (M₂D)ₓ(AₙDₘ) before phase separation is certain.

    Each M₂D unit breaks one bridging chalcogen; the limit is reached when every former cation sits
    in its isolated ortho-anion A D_c^(2c−v)−, i.e. x = n·(2c − v)/2. Li₂O + SiO₂ → Li₄SiO₄ at
    x = 2; B₂O₃ → Li₃BO₃ at x = 3; Al₂O₃ → Li₃AlO₃ at x = 3 (document 001); P₂S₅ → Li₃PS₄ at x = 3.
    ``modifier`` like "Li2O", "Na2S"; ``former`` like "SiO2", "B2O3", "P2S5".
    """
    import re

    mm = re.fullmatch(r"(Li|Na|K)2(O|Se|S)", modifier.strip())
    if not mm:
        raise ParameterError("expected M2D with M in Li, Na, K and D in O, S, Se", field="modifier", token=modifier)
    fm = re.fullmatch(r"(Si|Ge|B|Al|P)(\d*)(O|Se|S)(\d*)", former.strip())
    if not fm:
        raise ParameterError(
            f"expected a network former AnDm with A in {', '.join(FORMER_CATIONS)}", field="former", token=former
        )
    metal, d_mod = mm.group(1), mm.group(2)
    cation, n_txt, d_form, m_txt = fm.groups()
    n = int(n_txt or 1)
    m = int(m_txt or 1)
    valence, coord = FORMER_CATIONS[cation]
    if n * valence != 2 * m:
        raise ParameterError(
            f"{former} is not charge-balanced for {cation}{valence}+ ({n}×{valence} ≠ 2×{m})", field="former", token=former
        )
    if d_mod != d_form:
        raise ParameterError(
            f"modifier chalcogen {d_mod} differs from the former's {d_form}; mixed anion glasses are not covered",
            field="modifier",
            token=modifier,
        )
    charge = 2 * coord - valence
    x = n * charge / 2.0
    salt = f"{metal}{_sub(charge)}{cation}{d_form}{_sub(coord)}"
    return GlassLimit(x_max=x, ionic_salt=salt, modifier=modifier, former=former)
