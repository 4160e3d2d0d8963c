"""Parameters of the three-reaction Li–S model (``chain3``): S₈ → S₄²⁻ → S₂²⁻ → S²⁻/Li₂S.

The chemistry is the three-reaction chain of Cornish & Marinescu (2021; its reactions, Nernst
forms and state layout, read from the authors' public code DrMichaelCornish/LiS-Models, whose
one-electron mass balances are *not* copied: here every reaction moves its stoichiometric
electrons, 16 per S₈, so the whole 1675 mAh/g is reachable). Added to it, each inside the current
balance of :mod:`cellworks.lis.kernels.chain3`:

* surface blocking by Li₂S: the reaction area ``(1 − θ)^ξ`` (Bruggeman exponent), θ the Li₂S
  volume over the pore volume open to it (the porosity dependence of Kumaresan et al., JES 155
  (2008) A576 and Zhang et al., PCCP 17 (2015) 22581), and the passivation resistance of the
  insulating Li₂S film on discharge, ``R_p·((1 − θ)^−n_p − 1)``;
* an electrolyte conductivity that falls linearly with dissolved polysulfide (Zhang et al. 2015,
  eq. 15; the same singular form as Cornish & Marinescu's fitted R = α/(β − Li));
* Li₂S precipitation on existing precipitate plus a nucleation seed (Marinescu et al., PCCP 18
  (2016) 584), dissolution with its own rate (Cornish & Marinescu 2021);
* the shuttle of dissolved high-order polysulfide through the separator (and a coating) in series
  with its reaction at the lithium, a fraction of it deposited there as Li₂S (module docstring of
  the kernels);
* the lithium anode: inventory, plating efficiency, Butler–Volmer on the lithium-covered collector.

Every field carries its unit in the name; :data:`FIELD_INFO` gives unit, source and kind
(``literature`` — read from a stated source; ``assumption`` — a stated choice; ``fitted`` —
calibrated, by whom) of each; ``cellworks lis params PRESET`` prints them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cellworks.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K
from cellworks.errors import ParameterError
from cellworks.lis.params import CellResistances, FieldInfo

if TYPE_CHECKING:
    import numpy as np

#: molar mass of Li₂S over that of its sulfur (45.95 / 32.06), for the precipitate's volume
LI2S_PER_S_MASS_RATIO = 45.95 / 32.06
#: lithium molar mass [g/mol] and density [g/L] (for the coverage of the collector)
LI_MOLAR_MASS_G_PER_MOL = 6.941
LI_DENSITY_G_PER_L = 534.0

CORNISH2021 = "Cornish & Marinescu (2021), three-reaction chain; public code DrMichaelCornish/LiS-Models"
MARINESCU2016 = "Marinescu, Zhang & Offer, PCCP 18 (2016) 584, Table 1"
BATCAN = ("coresresearch/BatCan inputs/Li_PorousSep_Sulfur.yaml @0e476ea (BSD-3-Clause; the Neidhardt et al., "
          "JES 159 (2012) A1528 parameterisation)")
KUMARESAN = ("Kumaresan, Mikhaylik & White, JES 155 (2008) A576: U⁰ 2.39/2.37/2.24/2.04/2.01 V of its five "
             "reactions, electron-weighted (as recalled in the research notes; the table was not re-read)")


def li2s_volume_L(sulfur_g: float, li2s_density_g_per_L: float) -> float:
    """Volume of the Li₂S that ``sulfur_g`` of sulfur makes [L] (M(Li₂S)/M(S) over the density)."""
    return sulfur_g * LI2S_PER_S_MASS_RATIO / li2s_density_g_per_L


@dataclass(frozen=True)
class Chain3Parameters(CellResistances):
    """One Li–S cell of the three-reaction model (see the module docstring and ``FIELD_INFO``)."""

    MODEL: ClassVar[str] = "chain3"

    name: str = "chain3_literature"
    source: str = (
        "three-reaction chain (Cornish & Marinescu 2021) with Li₂S blocking, pore and polysulfide resistance, "
        "transport-limited shuttle and a lithium anode; literature starter values, the cell geometry of "
        "Marinescu et al. 2016 (2.7 g S, 11.4 mL); per-field sources: `cellworks lis params chain3_literature`"
    )
    # --- chemistry
    molar_mass_S_g_per_mol: float = 32.0
    temperature_K: float = 298.0
    sulfur_mass_g: float = 2.7
    electrolyte_volume_L: float = 0.0114
    E_H0_V: float = 2.35
    E_M0_V: float = 2.04
    E_L0_V: float = 2.01
    i_H0_A_per_m2: float = 10.0
    i_M0_A_per_m2: float = 5.0
    i_L0_A_per_m2: float = 5.0
    reaction_area_m2: float = 0.960
    electrons_rds: float = 1.0
    area_exponent: float = 1.5
    # --- precipitation and its volume
    li2s_density_g_per_L: float = 1640.0
    li2s_pore_volume_L: float = 2.0e-3
    sulfide_saturation_mol_per_L: float = 1e-4 / (32.0 * 0.0114)
    k_precipitation_per_s: float = 100.0
    k_dissolution_per_s: float = 100.0
    rho_s_g_per_L: float = 2000.0
    nucleation_seed_fraction: float = 1e-6
    # --- resistances inside the current balance
    resistance_ohmic_Ohm: float = 0.01
    electrolyte_resistance_Ohm: float = 0.005
    passivation_resistance_Ohm: float = 0.002
    passivation_exponent: float = 1.5
    polysulfide_critical_mol_per_L: float = 2.2
    # --- shuttle
    separator_thickness_m: float = 30e-6
    separator_porosity: float = 0.5
    polysulfide_diffusivity_m2_per_s: float = 1e-10
    coating_transport_resistance_s_per_m: float = 0.0
    li_polysulfide_rate_m_per_s: float = 2.3e-9
    anode_reactive_fraction_rest: float = 1.0
    anode_fresh_current_A_per_m2: float = 0.0
    s8_solubility_mol_per_L: float = 0.01943
    shuttle_deposit_fraction: float = 0.0
    # --- lithium anode
    anode_area_m2: float = 0.135
    li_inventory_initial_mol: float = 0.5
    li_plating_efficiency: float = 1.0
    anode_i0_A_per_m2: float = 10.0
    li_coverage_thickness_m: float = 0.0
    layer_thickness_m: float = 0.0
    layer_conductivity_S_per_m: float = 2e-4
    # --- initial state, cell, validity
    initial_voltage_V: float = 2.4
    #: ≥ 0: start at rest with this mean charge of the sulfur (e⁻ per S: 0 all S₈, 2 all Li₂S)
    #: instead of at ``initial_voltage_V``; < 0: use the voltage
    initial_electrons_per_S: float = -1.0
    cathode_area_m2: float = 0.135
    nominal_capacity_Ah: float = 0.0
    voltage_floor_V: float = 1.0
    voltage_ceiling_V: float = 3.6
    species_floor_rel: float = 1e-12
    C_dl_cathode_F_per_m2: float = 0.2
    C_dl_anode_F_per_m2: float = 0.2

    # ------------------------------------------------------------------------------------------
    @property
    def sulfur_total_initial_g(self) -> float:
        """All sulfur of the cell in the species at the start [g] (= ``sulfur_mass_g``)."""
        return self.sulfur_mass_g

    @property
    def li2s_full_conversion_volume_L(self) -> float:
        """Volume of the Li₂S all the sulfur would make [L]."""
        return li2s_volume_L(self.sulfur_mass_g, self.li2s_density_g_per_L)

    @property
    def transport_rate_per_s(self) -> float:
        """k_T: polysulfide transport to the lithium, A_an·/(v·(L/(D·ε^1.5) + R_coat)) [1/s] (0: none)."""
        if self.anode_area_m2 <= 0 or self.polysulfide_diffusivity_m2_per_s <= 0:
            return 0.0
        r = (self.separator_thickness_m / (self.polysulfide_diffusivity_m2_per_s * self.separator_porosity**1.5)
             + self.coating_transport_resistance_s_per_m)
        return self.anode_area_m2 / (self.electrolyte_volume_L * 1e-3 * r) if r > 0 else math.inf

    @property
    def anode_reaction_rate_per_s(self) -> float:
        """k_r·A_an/v: the shuttle's reaction at a fully reactive lithium surface [1/s]."""
        if self.anode_area_m2 <= 0:
            return 0.0
        return self.li_polysulfide_rate_m_per_s * self.anode_area_m2 / (self.electrolyte_volume_L * 1e-3)

    def validate(self) -> Chain3Parameters:
        """Raise :class:`ParameterError` for impossible values; return self."""
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not math.isfinite(v):
                raise ParameterError(f"value {v} is not finite", field=f.name, record=self.name)
        positive = ("molar_mass_S_g_per_mol", "temperature_K", "sulfur_mass_g", "electrolyte_volume_L",
                    "reaction_area_m2", "electrons_rds", "li2s_density_g_per_L", "li2s_pore_volume_L",
                    "sulfide_saturation_mol_per_L", "rho_s_g_per_L", "nucleation_seed_fraction",
                    "separator_thickness_m", "separator_porosity")
        for n in positive:
            if getattr(self, n) <= 0:
                raise ParameterError(f"must be > 0, got {getattr(self, n)}", field=n, record=self.name)
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and f.name not in ("E_H0_V", "E_M0_V", "E_L0_V", "initial_electrons_per_S") and v < 0:
                raise ParameterError(f"must be ≥ 0, got {v}", field=f.name, record=self.name)
        for n in ("separator_porosity", "anode_reactive_fraction_rest", "shuttle_deposit_fraction"):
            if getattr(self, n) > 1:
                raise ParameterError(f"must be ≤ 1, got {getattr(self, n)}", field=n, record=self.name)
        if not 0 < self.li_plating_efficiency <= 1:
            raise ParameterError(f"must be in (0, 1], got {self.li_plating_efficiency}",
                                 field="li_plating_efficiency", record=self.name)
        if self.initial_electrons_per_S >= 2.0:
            raise ParameterError("must be < 2 (all Li₂S is 2 e⁻ per S)", field="initial_electrons_per_S", record=self.name)
        if self.nucleation_seed_fraction >= 0.5:
            raise ParameterError("must be < 0.5", field="nucleation_seed_fraction", record=self.name)
        if self.layer_thickness_m > 0 and self.layer_conductivity_S_per_m <= 0:
            raise ParameterError("must be > 0 when a layer is present", field="layer_conductivity_S_per_m",
                                 record=self.name)
        if self.voltage_floor_V >= self.voltage_ceiling_V:
            raise ParameterError("voltage_floor_V must be below voltage_ceiling_V", field="voltage_floor_V",
                                 record=self.name)
        return self


# ----------------------------------------------------------------------------------------------
# packing for the compiled kernels, initial state


def pack_params(p: Chain3Parameters) -> np.ndarray:
    """The numeric parameter vector of :mod:`cellworks.lis.kernels.chain3`."""
    import numpy as np

    from cellworks.lis.kernels import chain3 as k
    from cellworks.lis.kernels import marinescu as m

    out = np.zeros(k.NPC)
    ms, v = p.molar_mass_S_g_per_mol, p.electrolyte_volume_L
    rt_f = GAS_CONSTANT_J_PER_MOL_K * p.temperature_K / FARADAY_C_PER_MOL
    out[m.P_MS] = ms
    out[m.P_T] = p.temperature_K
    out[m.P_VFLOOR] = p.voltage_floor_V
    out[m.P_VCEIL] = p.voltage_ceiling_V
    out[m.P_FLOOR] = p.species_floor_rel * p.sulfur_mass_g
    out[m.P_MODEL] = k.MODEL_ID
    out[k.C_EH0], out[k.C_EM0], out[k.C_EL0] = p.E_H0_V, p.E_M0_V, p.E_L0_V
    out[k.C_AH] = p.i_H0_A_per_m2 * p.reaction_area_m2
    out[k.C_AM] = p.i_M0_A_per_m2 * p.reaction_area_m2
    out[k.C_AL] = p.i_L0_A_per_m2 * p.reaction_area_m2
    out[k.C_B] = p.electrons_rds / (2.0 * rt_f)
    out[k.C_C] = rt_f
    out[k.C_LNFH] = math.log(2.0 * ms * v)  # n₄²·M_s·v/n₈
    out[k.C_LNFM] = math.log(ms * v)  # n₂²·M_s·v/n₄
    out[k.C_LNFL] = math.log(0.5 * ms * v)  # n₁²·M_s·v/n₂
    out[k.C_THETA_G] = LI2S_PER_S_MASS_RATIO / (p.li2s_density_g_per_L * p.li2s_pore_volume_L)
    out[k.C_XI] = p.area_exponent
    out[k.C_SSTAR] = p.sulfide_saturation_mol_per_L * ms * v
    out[k.C_KP] = p.k_precipitation_per_s
    out[k.C_KD] = p.k_dissolution_per_s
    out[k.C_VRHO] = v * p.rho_s_g_per_L
    out[k.C_MNUC] = p.nucleation_seed_fraction * p.sulfur_mass_g
    out[k.C_REXT] = p.series_resistance_Ohm
    out[k.C_RE0] = p.electrolyte_resistance_Ohm
    out[k.C_CCRIT] = p.polysulfide_critical_mol_per_L
    out[k.C_INV_MSV] = 1.0 / (ms * v)
    kt = p.transport_rate_per_s
    out[k.C_KT] = kt if math.isfinite(kt) else 1e300
    out[k.C_KR] = p.anode_reaction_rate_per_s
    out[k.C_PHI0] = p.anode_reactive_fraction_rest
    out[k.C_IFRESH] = p.anode_fresh_current_A_per_m2 * p.anode_area_m2
    out[k.C_M8SAT] = p.s8_solubility_mol_per_L * 8.0 * ms * v
    out[k.C_FDEP] = p.shuttle_deposit_fraction
    out[k.C_ANODE_I0A] = p.anode_i0_A_per_m2 * p.anode_area_m2
    out[k.C_NCOV] = (p.li_coverage_thickness_m * p.anode_area_m2 * 1e3 * LI_DENSITY_G_PER_L
                     / LI_MOLAR_MASS_G_PER_MOL)
    out[k.C_LIEFF] = p.li_plating_efficiency
    out[k.C_RPASS] = p.passivation_resistance_Ohm
    out[k.C_NPASS] = p.passivation_exponent
    return out


def equilibrium_species(p: Chain3Parameters, voltage_V: float, sulfur_g: float | None = None,
                        precipitate_g: float | None = None) -> tuple[float, float, float, float, float]:
    """Masses (S₈, S₄²⁻, S₂²⁻, S²⁻, Sₚ) [g] of a cell at rest at ``voltage_V`` (E_H = E_M = E_L = V),
    ``sulfur_g`` in all (default: the cell's), ``precipitate_g`` of Li₂S seed (default: the
    nucleation seed). Solved by back-substitution from S₈ (Cornish & Marinescu's initial state)."""
    m_s = p.sulfur_mass_g if sulfur_g is None else sulfur_g
    mp = p.nucleation_seed_fraction * p.sulfur_mass_g if precipitate_g is None else precipitate_g
    ms, v = p.molar_mass_S_g_per_mol, p.electrolyte_volume_L
    c = GAS_CONSTANT_J_PER_MOL_K * p.temperature_K / FARADAY_C_PER_MOL

    m8sat = p.s8_solubility_mol_per_L * 8.0 * ms * v

    def chain(m8: float) -> tuple[float, float, float]:
        m8_dissolved = m8 * m8sat / (m8 + m8sat) if m8sat > 0 else m8
        m4 = math.sqrt(2.0 * ms * v * m8_dissolved * math.exp(-4.0 * (voltage_V - p.E_H0_V) / c))
        m2 = math.sqrt(ms * v * m4 * math.exp(-2.0 * (voltage_V - p.E_M0_V) / c))
        m1 = math.sqrt(0.5 * ms * v * m2 * math.exp(-2.0 * (voltage_V - p.E_L0_V) / c))
        return m4, m2, m1

    lo, hi = 0.0, m_s - mp
    for _ in range(200):  # total sulfur fixes S₈: bisection on the monotone total
        mid = 0.5 * (lo + hi)
        if mid + sum(chain(mid)) + mp > m_s:
            hi = mid
        else:
            lo = mid
    m8 = 0.5 * (lo + hi)
    floor = 1e-15 * m_s
    m4, m2, m1 = (max(x, floor) for x in chain(m8))
    return max(m8, floor), m4, m2, m1, mp


def rest_voltage_for_charge(p: Chain3Parameters, electrons_per_S: float) -> float:
    """The rest voltage at which the equilibrium species hold ``electrons_per_S`` (bisection: the
    mean charge falls monotonically with the voltage)."""
    weights = (0.0, 0.5, 1.0, 2.0, 2.0)
    lo, hi = 0.5, 4.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        m = equilibrium_species(p, mid)
        x = sum(w * mi for w, mi in zip(weights, m, strict=True)) / sum(m)
        if x > electrons_per_S:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def initial_state(p: Chain3Parameters) -> np.ndarray:
    """State vector at rest (at ``initial_voltage_V``, or at the voltage of ``initial_electrons_per_S``)
    with the cell's lithium inventory."""
    import numpy as np

    from cellworks.lis.kernels.marinescu import NY

    v0 = p.initial_voltage_V if p.initial_electrons_per_S < 0 else rest_voltage_for_charge(p, p.initial_electrons_per_S)
    y = np.zeros(NY)
    y[:5] = np.log(equilibrium_species(p, v0))
    y[7] = p.li_inventory_initial_mol
    return y


def scaled(p: Chain3Parameters, sulfur_mass_g: float, electrolyte_to_sulfur_uL_per_mg: float, *, name: str,
           source: str, **changes: float) -> Chain3Parameters:
    """``p`` scaled to another cell of the same chemistry: areas, volumes and the lithium inventory
    ∝ sulfur mass, resistances ∝ 1/sulfur mass (the same electrode per gram); the electrolyte volume
    from E/S. ``changes`` then override any field."""
    if not (sulfur_mass_g > 0 and electrolyte_to_sulfur_uL_per_mg > 0):
        raise ParameterError("sulfur mass and E/S must be > 0", field="sulfur_mass_g", record=name)
    s = sulfur_mass_g / p.sulfur_mass_g
    out = dataclasses.replace(
        p, name=name, source=source, sulfur_mass_g=sulfur_mass_g,
        electrolyte_volume_L=electrolyte_to_sulfur_uL_per_mg * sulfur_mass_g * 1e-3,
        reaction_area_m2=p.reaction_area_m2 * s, li2s_pore_volume_L=p.li2s_pore_volume_L * s,
        anode_area_m2=p.anode_area_m2 * s, cathode_area_m2=p.cathode_area_m2 * s,
        li_inventory_initial_mol=p.li_inventory_initial_mol * s,
        resistance_ohmic_Ohm=p.resistance_ohmic_Ohm / s, electrolyte_resistance_Ohm=p.electrolyte_resistance_Ohm / s,
        passivation_resistance_Ohm=p.passivation_resistance_Ohm / s,
    )
    return dataclasses.replace(out, **changes).validate() if changes else out.validate()  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# provenance of every field


def _f(unit: str, source: str, kind: str = "literature") -> FieldInfo:
    return FieldInfo(unit=unit, source=source, kind=kind)


FIELD_INFO: dict[str, FieldInfo] = {
    "molar_mass_S_g_per_mol": _f("g/mol", "Marinescu et al. 2016 convention (M_s = 32; 1675 mAh/g)"),
    "temperature_K": _f("K", MARINESCU2016),
    "sulfur_mass_g": _f("g", "cell (2.7 g: Marinescu et al. 2016's cell)"),
    "electrolyte_volume_L": _f("L", "cell (11.4 mL: Marinescu et al. 2016's cell, E/S 4.22 µL/mg)"),
    "E_H0_V": _f("V", f"{MARINESCU2016} (fitted there; same reaction)"),
    "E_M0_V": _f("V", KUMARESAN + "; starter value", "assumption"),
    "E_L0_V": _f("V", KUMARESAN + "; starter value", "assumption"),
    "i_H0_A_per_m2": _f("A/m²", f"{MARINESCU2016} (i_H0; fitted there)"),
    "i_M0_A_per_m2": _f("A/m²", f"{MARINESCU2016} (its lower-plateau i_L0 = 5; fitted there)", "assumption"),
    "i_L0_A_per_m2": _f("A/m²", f"{MARINESCU2016} (i_L0; fitted there)"),
    "reaction_area_m2": _f("m²", f"{MARINESCU2016} (a_r)"),
    "electrons_rds": _f("–", f"{CORNISH2021}: one electron in the Butler–Volmer exponent"),
    "area_exponent": _f("–", "Bruggeman exponent 1.5 of the area–porosity law (Kumaresan et al. 2008; Zhang et al. "
                             "2015 eq. 16)"),
    "li2s_density_g_per_L": _f("g/L", f"{BATCAN}: Li₂S(s) 1640 kg/m³"),
    "li2s_pore_volume_L": _f("L", "pore volume open to Li₂S: 85 % of the volume the cell's sulfur would make as Li₂S",
                             "assumption"),
    "sulfide_saturation_mol_per_L": _f("mol/L", f"{MARINESCU2016}: S* = 1e-4 g in 11.4 mL"),
    "k_precipitation_per_s": _f("1/s", f"{MARINESCU2016} (k_p)"),
    "k_dissolution_per_s": _f("1/s", f"{MARINESCU2016} (the same k_p; Cornish & Marinescu fit a separate one)"),
    "rho_s_g_per_L": _f("g/L", f"{MARINESCU2016} (ρ_s)"),
    "nucleation_seed_fraction": _f("–", f"{MARINESCU2016}: initial Sₚ 2.7e-6 g of 2.7 g"),
    "resistance_ohmic_Ohm": _f("Ω", "contacts and separator, 10 mΩ (as marinescu2016_lipon)", "assumption"),
    "electrolyte_resistance_Ohm": _f("Ω", "electrolyte resistance of the cathode without polysulfide", "assumption"),
    "passivation_resistance_Ohm": _f("Ω", "scale of the Li₂S film resistance on discharge", "assumption"),
    "passivation_exponent": _f("–", "film resistance ∝ (1 − θ)^−n_p − 1; n_p = 1.5 as the Bruggeman law of the area",
                               "assumption"),
    "polysulfide_critical_mol_per_L": _f("mol/L", "conductivity vanishes at 1.2× the all-S₄²⁻ concentration (Cornish "
                                         "& Marinescu 2021 fitted β ≈ 1.15× the dissolved maximum)", "assumption"),
    "separator_thickness_m": _f("m", f"{BATCAN} (separator 30 µm)"),
    "separator_porosity": _f("–", f"{BATCAN} (eps_electrolyte 0.5)"),
    "polysulfide_diffusivity_m2_per_s": _f("m²/s", f"{BATCAN} (S₄²⁻: 1e-10)"),
    "coating_transport_resistance_s_per_m": _f("s/m", "no coating", "assumption"),
    "li_polysulfide_rate_m_per_s": _f("m/s", "gives k_sh = 2.75e-5 1/s, the 298 K shuttle constant of Hua et al., "
                                      "J. Energy Storage (2019) as in LiS-Models (research notes)", "assumption"),
    "anode_reactive_fraction_rest": _f("–", "whole lithium surface reactive (no current dependence)", "assumption"),
    "anode_fresh_current_A_per_m2": _f("A/m²", "0: no fresh-lithium term", "assumption"),
    "s8_solubility_mol_per_L": _f("mol/L", f"{BATCAN} (S8(e) 1.943e-2 kmol/m³)"),
    "shuttle_deposit_fraction": _f("–", "0: no Li₂S deposited at the anode", "assumption"),
    "anode_area_m2": _f("m²", "2.7 g S at 2 mg/cm² (as marinescu2016_lipon)", "assumption"),
    "li_inventory_initial_mol": _f("mol", "lithium foil in excess (as marinescu2016)", "assumption"),
    "li_plating_efficiency": _f("–", "1: no dead lithium", "assumption"),
    "anode_i0_A_per_m2": _f("A/m²", "1 mA/cm² (as marinescu2016_lipon)", "assumption"),
    "li_coverage_thickness_m": _f("m", "0: a lithium foil covers its collector whatever its inventory", "assumption"),
    "layer_thickness_m": _f("m", "no protective layer", "assumption"),
    "layer_conductivity_S_per_m": _f("S/m", "LiPON 2e-6 S/cm (document 001)"),
    "initial_voltage_V": _f("V", f"{MARINESCU2016} (initial state at 2.4 V)"),
    "initial_electrons_per_S": _f("e⁻/S", "−1: start at initial_voltage_V", "assumption"),
    "cathode_area_m2": _f("m²", "as anode_area_m2", "assumption"),
    "nominal_capacity_Ah": _f("Ah", "0: 1C = 1675 mAh/g × sulfur mass"),
    "voltage_floor_V": _f("V", "model validity: below it a reactant is exhausted", "assumption"),
    "voltage_ceiling_V": _f("V", "model validity: above it a reactant is exhausted", "assumption"),
    "species_floor_rel": _f("–", "numerical floor of the exchange currents (far below one molecule)", "assumption"),
    "C_dl_cathode_F_per_m2": _f("F/m²", "0.2 F/m² (20 µF/cm², as marinescu2016)", "assumption"),
    "C_dl_anode_F_per_m2": _f("F/m²", "0.2 F/m² (as marinescu2016)", "assumption"),
}

CHAIN3_LITERATURE = dataclasses.replace(
    Chain3Parameters(), li2s_pore_volume_L=0.85 * 2.7 * LI2S_PER_S_MASS_RATIO / 1640.0
)

PRESETS: dict[str, Chain3Parameters] = {"chain3_literature": CHAIN3_LITERATURE}

__all__ = ["FIELD_INFO", "PRESETS", "Chain3Parameters", "equilibrium_species", "initial_state", "li2s_volume_L",
           "pack_params", "scaled"]
