"""Parameters of the zero-dimensional Li–S cell model, as frozen dataclasses with their source.

The cathode is the model of Marinescu, Zhang & Offer, PCCP 18 (2016) 584 (two lumped reactions
S₈ → S₄²⁻ and S₄²⁻ → S₂²⁻ + 2S²⁻, precipitation of Li₂S, a first-order shuttle); the optional
capacity fade is the shuttle loss of Marinescu et al., J. Electrochem. Soc. 165 (2018) A6107.
The lithium-metal anode (finite inventory, protective layer, plating efficiency, Butler–Volmer
kinetics) and the double-layer capacitances are cellworks additions; their defaults in the
``marinescu2016`` preset make them transparent (ideal lithium reference, as in the paper) so the
preset reproduces the published model exactly.

All fields are SI or carry their unit in the name. Presets are named after their source.
Override any numeric field with :func:`with_overrides` (the CLI's ``--set name=value``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from cellworks.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K
from cellworks.errors import ParameterError

#: theoretical capacity of sulfur, 16 e⁻ per S₈ (2 e⁻ per S atom) with M_S = 32 g/mol [mAh/g]
THEORETICAL_MAH_PER_G_S = 2 * FARADAY_C_PER_MOL / 32.0 / 3.6


class FieldInfo(NamedTuple):
    """Unit, source and kind of a parameter field (``literature``, ``assumption`` or ``fitted``)."""

    unit: str
    source: str
    kind: str = "literature"


class CellResistances:
    """Properties both models' parameter sets derive from the same field names (1C, protective
    layer, series resistance); a base of :class:`LiSParameters` and ``Chain3Parameters``."""

    if TYPE_CHECKING:
        nominal_capacity_Ah: float
        sulfur_mass_g: float
        layer_thickness_m: float
        layer_conductivity_S_per_m: float
        anode_area_m2: float
        resistance_ohmic_Ohm: float

    @property
    def capacity_nominal_Ah(self) -> float:
        """1C [Ah]: ``nominal_capacity_Ah`` or 1675 mAh/g × sulfur mass."""
        if self.nominal_capacity_Ah > 0:
            return self.nominal_capacity_Ah
        return THEORETICAL_MAH_PER_G_S * self.sulfur_mass_g / 1000.0

    @property
    def layer_resistance_Ohm(self) -> float:
        """Protective layer on the anode in series: thickness / (conductivity · area) [Ω]."""
        if self.layer_thickness_m <= 0 or self.anode_area_m2 <= 0:
            return 0.0
        return self.layer_thickness_m / (self.layer_conductivity_S_per_m * self.anode_area_m2)

    @property
    def series_resistance_Ohm(self) -> float:
        """Resistance outside the cathode pores: ohmic + protective layer [Ω]."""
        return self.resistance_ohmic_Ohm + self.layer_resistance_Ohm


@dataclass(frozen=True)
class LiSParameters(CellResistances):
    """One Li–S cell: cathode chemistry (Marinescu 2016), shuttle/fade, anode, lumped impedance.

    Masses are grams of sulfur in each species (S₈⁰, S₄²⁻, S₂²⁻, S²⁻ dissolved; Sₚ precipitated
    Li₂S counted as its sulfur). Currents per gram (A/g) refer to ``sulfur_mass_g``.
    """

    MODEL: ClassVar[str] = "marinescu2016"

    name: str = "marinescu2016"
    source: str = (
        "M. Marinescu, T. Zhang, G. J. Offer, Phys. Chem. Chem. Phys. 18 (2016) 584, Table 1 "
        "(parameters) and the initial state of its 1.7 A discharge"
    )
    # --- cathode: Marinescu et al. 2016, Table 1
    molar_mass_S_g_per_mol: float = 32.0
    temperature_K: float = 298.0
    i_H0_A_per_m2: float = 10.0
    i_L0_A_per_m2: float = 5.0
    a_r_m2: float = 0.960
    electrolyte_volume_L: float = 0.0114
    rho_s_g_per_L: float = 2000.0
    E_H0_V: float = 2.35
    E_L0_V: float = 2.195
    k_p_per_s: float = 100.0
    S_star_g: float = 1e-4
    # --- shuttle (2016) and its irreversible loss (Marinescu et al. 2018); f_s = 0: no fade
    k_s_charge_per_s: float = 2e-4
    k_s_discharge_per_s: float = 0.0
    f_s_per_mol: float = 0.0
    #: polysulfide (S₄²⁻) shuttle on charge: S₄²⁻ reduced at the anode to S₂²⁻ + 2 S²⁻, re-oxidised at
    #: the cathode; costs charge, converts no sulfur (cellworks, model.py; 0 = Marinescu's model)
    k_s4_charge_per_s: float = 0.0
    # --- initial state (g of sulfur)
    S8_initial_g: float = 2.6730
    S4_initial_g: float = 0.0128
    S2_initial_g: float = 4.3321e-6
    S_initial_g: float = 1.6321e-6
    Sp_initial_g: float = 2.7e-6
    # --- cell
    sulfur_mass_g: float = 2.7  # reference for A/g currents and the nominal capacity
    nominal_capacity_Ah: float = 0.0  # 0: theoretical, 1675 mAh/g × sulfur_mass_g (1C)
    resistance_ohmic_Ohm: float = 0.0
    cathode_area_m2: float = 0.0  # geometric area for mA/cm² currents; 0: unknown
    # --- lithium-metal anode (cellworks; see anode.py). i0 = 0: ideal reference electrode
    li_inventory_initial_mol: float = 0.5
    li_plating_efficiency: float = 1.0
    anode_area_m2: float = 0.0
    anode_i0_A_per_m2: float = 0.0
    layer_thickness_m: float = 0.0
    layer_conductivity_S_per_m: float = 2e-4
    # --- lumped double layers for the impedance spectrum (not used in time-domain runs)
    C_dl_cathode_F_per_m2: float = 0.2
    C_dl_anode_F_per_m2: float = 0.2
    # --- model validity limits: a voltage collapse beyond them means the reactant is exhausted
    voltage_floor_V: float = 1.0
    voltage_ceiling_V: float = 3.6
    #: exchange currents vanish with a species below this fraction of the total sulfur (model.py)
    species_floor_rel: float = 1e-12

    # ------------------------------------------------------------------------------------------
    @property
    def sulfur_total_initial_g(self) -> float:
        """Sulfur in the initial species [g]."""
        return (
            self.S8_initial_g + self.S4_initial_g + self.S2_initial_g + self.S_initial_g + self.Sp_initial_g
        )

    def validate(self) -> LiSParameters:
        """Raise :class:`ParameterError` for impossible values; return self."""
        positive = (
            "molar_mass_S_g_per_mol", "temperature_K", "i_H0_A_per_m2", "i_L0_A_per_m2", "a_r_m2",
            "electrolyte_volume_L", "rho_s_g_per_L", "S8_initial_g", "S4_initial_g", "S2_initial_g",
            "S_initial_g", "Sp_initial_g", "sulfur_mass_g",
        )
        non_negative = (
            "k_p_per_s", "S_star_g", "k_s_charge_per_s", "k_s_discharge_per_s", "f_s_per_mol", "k_s4_charge_per_s",
            "nominal_capacity_Ah", "resistance_ohmic_Ohm", "cathode_area_m2", "li_inventory_initial_mol",
            "anode_area_m2", "anode_i0_A_per_m2", "layer_thickness_m", "C_dl_cathode_F_per_m2",
            "C_dl_anode_F_per_m2", "species_floor_rel",
        )
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not math.isfinite(v):
                raise ParameterError(f"value {v} is not finite", field=f.name, record=self.name)
        for n in positive:
            if getattr(self, n) <= 0:
                raise ParameterError(f"must be > 0, got {getattr(self, n)}", field=n, record=self.name)
        for n in non_negative:
            if getattr(self, n) < 0:
                raise ParameterError(f"must be ≥ 0, got {getattr(self, n)}", field=n, record=self.name)
        if not 0 < self.li_plating_efficiency <= 1:
            raise ParameterError(
                f"must be in (0, 1], got {self.li_plating_efficiency}", field="li_plating_efficiency",
                record=self.name,
            )
        if self.layer_thickness_m > 0 and self.layer_conductivity_S_per_m <= 0:
            raise ParameterError("must be > 0 when a layer is present", field="layer_conductivity_S_per_m")
        if self.anode_i0_A_per_m2 > 0 and self.anode_area_m2 <= 0:
            raise ParameterError("anode kinetics need anode_area_m2 > 0", field="anode_area_m2")
        if self.voltage_floor_V >= self.voltage_ceiling_V:
            raise ParameterError("voltage_floor_V must be below voltage_ceiling_V", field="voltage_floor_V")
        return self


_M2016 = LiSParameters()

_T1 = "Marinescu, Zhang & Offer, PCCP 18 (2016) 584, Table 1"
_CW = "cellworks addition (off in marinescu2016)"


def _i(unit: str, source: str, kind: str = "literature") -> FieldInfo:
    return FieldInfo(unit, source, kind)


#: unit, source and kind of every numeric field of :class:`LiSParameters` (``cellworks lis params``)
FIELD_INFO: dict[str, FieldInfo] = {
    "molar_mass_S_g_per_mol": _i("g/mol", _T1),
    "temperature_K": _i("K", _T1),
    "i_H0_A_per_m2": _i("A/m²", _T1 + " (fitted there)"),
    "i_L0_A_per_m2": _i("A/m²", _T1 + " (fitted there)"),
    "a_r_m2": _i("m²", _T1 + " (fitted there)"),
    "electrolyte_volume_L": _i("L", _T1),
    "rho_s_g_per_L": _i("g/L", _T1),
    "E_H0_V": _i("V", _T1 + " (fitted there)"),
    "E_L0_V": _i("V", _T1 + " (fitted there)"),
    "k_p_per_s": _i("1/s", _T1 + " (fitted there)"),
    "S_star_g": _i("g", _T1 + " (fitted there)"),
    "k_s_charge_per_s": _i("1/s", _T1 + " (fitted there)"),
    "k_s_discharge_per_s": _i("1/s", _T1),
    "f_s_per_mol": _i("1/mol", "Marinescu et al., JES 165 (2018) A6107 (0: no fade)"),
    "k_s4_charge_per_s": _i("1/s", _CW + ": S₄²⁻ shuttle on charge", "assumption"),
    "S8_initial_g": _i("g", "REFERENCE initial state of the 1.7 A discharge (Marinescu 2016)"),
    "S4_initial_g": _i("g", "REFERENCE initial state of the 1.7 A discharge (Marinescu 2016)"),
    "S2_initial_g": _i("g", "REFERENCE initial state of the 1.7 A discharge (Marinescu 2016)"),
    "S_initial_g": _i("g", "REFERENCE initial state of the 1.7 A discharge (Marinescu 2016)"),
    "Sp_initial_g": _i("g", "REFERENCE initial state of the 1.7 A discharge (Marinescu 2016)"),
    "sulfur_mass_g": _i("g", _T1 + " (2.7 g)"),
    "nominal_capacity_Ah": _i("Ah", "0: 1C = 1675 mAh/g × sulfur mass"),
    "resistance_ohmic_Ohm": _i("Ω", _CW, "assumption"),
    "cathode_area_m2": _i("m²", _CW, "assumption"),
    "li_inventory_initial_mol": _i("mol", _CW + ": lithium in excess", "assumption"),
    "li_plating_efficiency": _i("–", _CW, "assumption"),
    "anode_area_m2": _i("m²", _CW, "assumption"),
    "anode_i0_A_per_m2": _i("A/m²", _CW + " (0: ideal reference electrode)", "assumption"),
    "layer_thickness_m": _i("m", _CW + " (document 001's LiPON layer)", "assumption"),
    "layer_conductivity_S_per_m": _i("S/m", "LiPON 2e-6 S/cm (document 001)"),
    "C_dl_cathode_F_per_m2": _i("F/m²", _CW + " (impedance only)", "assumption"),
    "C_dl_anode_F_per_m2": _i("F/m²", _CW + " (impedance only)", "assumption"),
    "voltage_floor_V": _i("V", "model validity limit", "assumption"),
    "voltage_ceiling_V": _i("V", "model validity limit", "assumption"),
    "species_floor_rel": _i("–", "numerical floor of the exchange currents", "assumption"),
}

PRESETS: dict[str, LiSParameters] = {
    "marinescu2016": _M2016,
    "marinescu2016_fade": dataclasses.replace(
        _M2016,
        name="marinescu2016_fade",
        f_s_per_mol=0.01,
        source=(
            "Marinescu et al., PCCP 18 (2016) 584 (Table 1) with the shuttle-loss fade term of "
            "Marinescu et al., J. Electrochem. Soc. 165 (2018) A6107; f_s = 0.01 mol⁻¹ is an "
            "illustrative value (cellworks), not the paper's fit"
        ),
    ),
    "marinescu2016_lipon": dataclasses.replace(
        _M2016,
        name="marinescu2016_lipon",
        # 2.7 g S at ~2 mg/cm² → 1350 cm² of electrode; LiPON 1000 Å at 2e-6 S/cm → 5 Ω·cm²
        anode_area_m2=0.135,
        cathode_area_m2=0.135,
        anode_i0_A_per_m2=10.0,
        layer_thickness_m=1000e-10,
        layer_conductivity_S_per_m=2e-4,
        li_inventory_initial_mol=0.2,
        li_plating_efficiency=0.99,
        resistance_ohmic_Ohm=0.01,
        source=(
            "Marinescu et al., PCCP 18 (2016) 584 cathode; LiPON-protected lithium anode after US patent "
            "document 001 (1000 Å layer, 2e-6 S/cm → 5 Ω·cm²; ≥ 98 % of plated Li stays active); area, "
            "Li excess (≈1.2×), exchange current 1 mA/cm² and 10 mΩ ohmic resistance are cellworks "
            "illustrative values"
        ),
    ),
}


def _all_presets() -> dict[str, Any]:
    from cellworks.lis.chain3 import PRESETS as CHAIN3_PRESETS

    return {**PRESETS, **CHAIN3_PRESETS}


def list_presets() -> list[dict[str, str]]:
    """Name, model and source of every preset (both models)."""
    return [{"name": k, "model": v.MODEL, "source": v.source} for k, v in _all_presets().items()]


def get_preset(name: str) -> Any:
    """The parameter set of a preset: :class:`LiSParameters` or :class:`~cellworks.lis.chain3.Chain3Parameters`."""
    presets = _all_presets()
    try:
        return presets[name]
    except KeyError:
        raise ParameterError(
            f"unknown preset '{name}' (known: {', '.join(presets)})", field="preset", token=name
        ) from None


def numeric_fields(params: Any) -> tuple[str, ...]:
    """Names of the numeric fields of a parameter dataclass (instance or class)."""
    return tuple(f.name for f in dataclasses.fields(params) if f.type in ("float", float))


NUMERIC_FIELDS: tuple[str, ...] = numeric_fields(LiSParameters)


def field_info(params: Any) -> dict[str, FieldInfo]:
    """Unit, source and kind of every numeric field of a parameter set's class."""
    if getattr(params, "MODEL", "") == "chain3":
        from cellworks.lis.chain3 import FIELD_INFO as CHAIN3_INFO

        return CHAIN3_INFO
    return FIELD_INFO


def with_overrides(params: Any, overrides: dict[str, float | str] | list[str] | None) -> Any:
    """Return ``params`` with fields replaced; accepts ``{"name": value}`` or ``["name=value", ...]``."""
    if not overrides:
        return params
    items: dict[str, float | str] = {}
    if isinstance(overrides, dict):
        items = dict(overrides)
    else:
        for text in overrides:
            if "=" not in text:
                raise ParameterError("expected name=value", token=text, field="--set")
            key, val = text.split("=", 1)
            items[key.strip()] = val.strip()
    known = numeric_fields(params)
    changes: dict[str, float | str] = {}
    for k, raw in items.items():
        if k in ("name", "source"):
            changes[k] = str(raw)
            continue
        if k not in known:
            raise ParameterError(
                f"unknown parameter (known: {', '.join(known)})", field=k, token=str(raw)
            )
        try:
            changes[k] = float(raw)
        except (TypeError, ValueError):
            raise ParameterError(f"value '{raw}' is not a number", field=k, token=str(raw)) from None
    out = dataclasses.replace(params, **changes)
    return out.validate()


__all__ = [
    "FARADAY_C_PER_MOL",
    "FIELD_INFO",
    "GAS_CONSTANT_J_PER_MOL_K",
    "FieldInfo",
    "LiSParameters",
    "NUMERIC_FIELDS",
    "PRESETS",
    "THEORETICAL_MAH_PER_G_S",
    "field_info",
    "get_preset",
    "numeric_fields",
    "list_presets",
    "with_overrides",
]
