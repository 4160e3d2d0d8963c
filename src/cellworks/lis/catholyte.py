"""Document 001's catholyte cell: lithium plated in situ through LiPON from a Li₂Sₙ catholyte.

Document 001 (PolyPlus, WO 99/… "Plating metal negative electrodes under protective coatings",
the cell of its Examples): a LiPON-coated copper anode precursor (~2 × 2 cm, no lithium), a carbon
/ Al cathode current collector (~1 × 1 cm), a 0.58 mm polypropylene separator that holds the
catholyte — lithium sulfide in tetraglyme, 3 mol/L sulfur and 0.75 mol/L lithium (average Li₂S₈)
with 0.5 mol/L LiTFSI. The first charge plates the lithium (in situ).

The twin is the cellworks Li–S model (Marinescu 2016 chemistry; lithium inventory, LiPON layer and
plating efficiency of :mod:`cellworks.lis.anode`) with:

* the catholyte volume = separator volume × porosity, its sulfur = 3 mol/L × volume, its initial
  composition the average Li₂S₈ (0.25 e⁻ per S), which in the model's lumped species is half S₈⁰,
  half S₄²⁻ by mass (0·½ + ½·½ = ¼ e⁻ per S);
* no lithium at assembly (``li_inventory_initial_mol = 0``); plating efficiency 0.99 (the value of
  the ``marinescu2016_lipon`` preset, inside the document's "at least 98 %");
* no shuttle (``k_s = 0``): the single-ion-conducting LiPON keeps polysulfides off the lithium,
  the reason the document's protected anode cycles.

Lithium accounting (Example 3) comes from the simulation: plated = charge passed × plating
efficiency, cycled = the 15-min discharges, recovered = the strip steps (100 µA then 20 µA to
2.0 V), anode-active fraction = (recovered + cycled) / charge passed — the document's own
definition (688.2 / 701.6 ≥ 98 %).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from cellworks.errors import ParameterError
from cellworks.lis.params import FARADAY_C_PER_MOL, LiSParameters, get_preset

DOC001 = (
    "PolyPlus Battery Co., international patent application PCT/US99/03335 (document 001): "
    "'Plating metal negative electrodes under protective coatings', Examples 1-3 and Fig. 5"
)

SULFUR_MOLAR_MASS_G_PER_MOL = 32.06

EXAMPLE3_PROTOCOL = (
    "Charge at 10 uA for 10 minutes\n"
    "Charge at 100 uA for 2 hours\n"
    "(Discharge at 100 uA for 15 minutes, Charge at 100 uA for 15 minutes) * 20\n"
    "Discharge at 100 uA until 2.0 V\n"
    "Discharge at 20 uA until 2.0 V"
)
EXAMPLE2_PROTOCOL = (
    "Charge at 100 uA for 2 hours\n"
    "(Discharge at 100 uA for 15 minutes, Charge at 100 uA for 15 minutes) * 100"
)

#: the document's numbers for Example 3 [µAh] and its claim
PAPER_RECOVERED_uAh = 188.2
PAPER_PLATED_INITIAL_uAh = 201.6
PAPER_ACTIVE_FRACTION_MIN = 0.98


@dataclass(frozen=True)
class CatholyteCell:
    """Geometry and chemistry of the document-001 cell (the assumptions are marked)."""

    sulfur_mol_per_L: float = 3.0
    lithium_mol_per_L: float = 0.75
    separator_area_cm2: float = 1.0  # "other components are about 1 cm x 1 cm"
    separator_thickness_mm: float = 0.58
    separator_porosity: float = 0.6  # assumption: the document gives no porosity
    anode_area_cm2: float = 4.0  # "the Cu piece was about 2 cm x 2 cm"
    # LiPON: the document's preferred ~1000 Å for its standard sputter run (58 min, 75 W); Example 3
    # sputtered 85 min at 78 W → thickness scaled by time × power (assumption: constant rate)
    lipon_thickness_A: float = 1000.0 * (85.0 * 78.0) / (58.0 * 75.0)
    lipon_conductivity_S_per_cm: float = 2e-6  # "LiPON is about 2-3e-6 S/cm"
    anode_i0_mA_per_cm2: float = 1.0  # lithium exchange current density (assumption, as marinescu2016_lipon)
    plating_efficiency: float = 0.99  # marinescu2016_lipon; document: ≥ 98 % stays active

    @property
    def catholyte_volume_L(self) -> float:
        return self.separator_area_cm2 * self.separator_thickness_mm * 0.1 * self.separator_porosity * 1e-3

    @property
    def sulfur_mol(self) -> float:
        return self.sulfur_mol_per_L * self.catholyte_volume_L

    @property
    def lithium_mol(self) -> float:
        return self.lithium_mol_per_L * self.catholyte_volume_L

    @property
    def li_to_s(self) -> float:
        return self.lithium_mol_per_L / self.sulfur_mol_per_L


def species_for_li_to_s(x: float, sulfur_g: float) -> tuple[float, float, float, float, float]:
    """Masses (S₈, S₄²⁻, S₂²⁻, S²⁻, Sₚ) of the model's lumped species for an average Li:S ratio
    ``x`` = electrons per sulfur atom (0 ≤ x < 1.5; tiny seeds keep every species present)."""
    if not (0.0 <= x < 1.5):
        raise ParameterError(f"Li:S must be in [0, 1.5) for the lumped chemistry, got {x}", field="li_to_s")
    seed = 1e-9 * sulfur_g
    if x <= 0.5:
        s4 = 2.0 * x * sulfur_g  # S₄²⁻ holds 0.5 e⁻ per S
        s8 = sulfur_g - s4
        s2 = s1 = sp = seed
    else:
        # beyond Li₂S₄ the low-plateau reaction S₄²⁻ → S₂²⁻ + 2 S²⁻ (S₂ and S masses equal)
        xi = (x - 0.5) * sulfur_g  # g of S₄ converted (each gram adds 1 e⁻ per S)
        s8 = seed
        s4 = sulfur_g - xi
        s2 = 0.5 * xi
        s1 = 0.5 * xi
        sp = seed
    return max(s8, seed), max(s4, seed), s2, s1, sp


def polyplus_catholyte(cell: CatholyteCell | None = None) -> LiSParameters:
    """Preset ``polyplus_catholyte``: the Marinescu chemistry per gram of sulfur in the document's
    catholyte volume, a lithium-free LiPON/Cu anode precursor."""
    c = cell or CatholyteCell()
    base = get_preset("marinescu2016")
    m_s = c.sulfur_mol * SULFUR_MOLAR_MASS_G_PER_MOL
    scale = m_s / base.sulfur_total_initial_g
    s8, s4, s2, s1, sp = species_for_li_to_s(c.li_to_s, m_s)
    v = c.catholyte_volume_L
    p = dataclasses.replace(
        base,
        name="polyplus_catholyte",
        source=(f"{DOC001}; catholyte 3 M S / 0.75 M Li (average Li2S8) in tetraglyme with 0.5 M LiTFSI; "
                "cathode chemistry Marinescu et al., PCCP 18 (2016) 584 per gram of sulfur; separator porosity "
                "0.6, LiPON thickness from the sputter time and lithium exchange current are cellworks "
                "assumptions"),
        a_r_m2=base.a_r_m2 * scale,
        electrolyte_volume_L=v,
        S_star_g=base.S_star_g / base.electrolyte_volume_L * v,
        S8_initial_g=s8, S4_initial_g=s4, S2_initial_g=s2, S_initial_g=s1, Sp_initial_g=sp,
        sulfur_mass_g=m_s,
        k_s_charge_per_s=0.0,
        k_s_discharge_per_s=0.0,
        f_s_per_mol=0.0,
        li_inventory_initial_mol=0.0,
        li_plating_efficiency=c.plating_efficiency,
        anode_area_m2=c.anode_area_cm2 * 1e-4,
        cathode_area_m2=c.separator_area_cm2 * 1e-4,
        anode_i0_A_per_m2=c.anode_i0_mA_per_cm2 * 10.0,
        layer_thickness_m=c.lipon_thickness_A * 1e-10,
        layer_conductivity_S_per_m=c.lipon_conductivity_S_per_cm * 100.0,
        voltage_floor_V=0.5,
    )
    return p.validate()


# ---------------------------------------------------------------------------------------------
# Example 3: lithium plated, cycled and recovered


@dataclass(frozen=True)
class LithiumAccount:
    charge_passed_uAh: float  # all charge steps (each plates lithium)
    plated_initial_uAh: float  # charge of the in-situ plating steps (before cycling)
    cycled_uAh: float  # the 20 cycling discharges
    recovered_uAh: float  # the two strip steps
    active_fraction: float  # (recovered + cycled) / charge passed, the document's measure
    li_left_uAh: float  # anode lithium after the strip (model state)
    strip_end_reasons: tuple[str, ...]
    cycles_completed: int
    status: str
    final_li_to_s: float


def _uAh(q_Ah: float) -> float:
    return q_Ah * 1e6


def example3(params: LiSParameters | None = None, protocol: str = EXAMPLE3_PROTOCOL) -> tuple[LithiumAccount, Any]:
    """Run Example 3's protocol; the lithium account and the SimulationResult."""
    from cellworks.lis.simulation import simulate

    p = params or polyplus_catholyte()
    res = simulate(p, protocol, dq_out_Ah=1e-6)
    steps = res.steps
    n_cycling = 20
    plating = [s for s in steps[:2]]
    cyc = [s for s in steps[2:2 + 2 * n_cycling]]
    strip = [s for s in steps[2 + 2 * n_cycling:]]
    charge = sum(s.capacity_Ah for s in steps if s.kind == "charge")
    cycled = sum(s.capacity_Ah for s in cyc if s.kind == "discharge")
    recovered = sum(s.capacity_Ah for s in strip if s.kind == "discharge")
    li_left = res.final_state.get("li_inventory_mol", math.nan) * FARADAY_C_PER_MOL / 3.6e-3  # mol → µAh
    fs = res.final_state
    x = _li_to_s_from_state(fs)
    acc = LithiumAccount(
        charge_passed_uAh=_uAh(charge),
        plated_initial_uAh=_uAh(sum(s.capacity_Ah for s in plating)),
        cycled_uAh=_uAh(cycled),
        recovered_uAh=_uAh(recovered),
        active_fraction=(recovered + cycled) / charge if charge > 0 else math.nan,
        li_left_uAh=li_left,
        strip_end_reasons=tuple(s.end_reason for s in strip),
        cycles_completed=sum(1 for s in cyc if s.kind == "discharge" and s.end_reason == "time"),
        status=res.status,
        final_li_to_s=x,
    )
    return acc, res


def _li_to_s_from_state(fs: dict[str, Any]) -> float:
    m = [float(fs[k]) for k in ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g")]
    tot = sum(m)
    return (0.5 * m[1] + m[2] + 2.0 * m[3] + 2.0 * m[4]) / tot if tot > 0 else math.nan


def example2(params: LiSParameters | None = None) -> dict[str, Any]:
    """Example 2: 2 h plating, then 100 cycles of 15 min / 15 min at 100 µA — stability figures."""
    from cellworks.lis.simulation import simulate

    p = params or polyplus_catholyte()
    res = simulate(p, EXAMPLE2_PROTOCOL, table=False)
    dis = [s for s in res.steps if s.kind == "discharge"]
    ch = [s for s in res.steps[1:] if s.kind == "charge"]
    completed = sum(1 for s in dis if s.end_reason == "time")
    return {
        "status": res.status,
        "cycles": len(dis),
        "cycles_completed_full_15_min": completed,
        "discharge_end_V_first": dis[0].voltage_end_V if dis else math.nan,
        "discharge_end_V_last": dis[-1].voltage_end_V if dis else math.nan,
        "charge_end_V_first": ch[0].voltage_end_V if ch else math.nan,
        "charge_end_V_last": ch[-1].voltage_end_V if ch else math.nan,
        "li_inventory_end_uAh": res.final_state.get("li_inventory_mol", math.nan) * FARADAY_C_PER_MOL / 3.6e-3,
    }


# ---------------------------------------------------------------------------------------------
# Fig. 5: cell voltage vs catholyte state of charge; cycling windows


def voltage_vs_li_to_s(params: LiSParameters | None = None, *, rate_per_h: float = 1e-3) -> dict[str, Any]:
    """Near-equilibrium voltage of the catholyte chemistry vs its average Li:S ratio.

    A very slow discharge (``rate_per_h`` of the theoretical capacity per hour) of the model from
    nearly all-sulfur to exhaustion, lithium anode ideal; x = electrons per S of the species.
    """
    import numpy as np

    from cellworks.lis.simulation import simulate

    base = params or polyplus_catholyte()
    m_s = base.sulfur_mass_g
    s8, s4, s2, s1, sp = species_for_li_to_s(0.002, m_s)
    p = dataclasses.replace(
        base, S8_initial_g=s8, S4_initial_g=s4, S2_initial_g=s2, S_initial_g=s1, Sp_initial_g=sp,
        li_inventory_initial_mol=1.0, anode_i0_A_per_m2=0.0, layer_thickness_m=0.0,
        resistance_ohmic_Ohm=0.0, k_s_charge_per_s=0.0, k_s_discharge_per_s=0.0, voltage_floor_V=0.5,
    ).validate()
    current = rate_per_h * p.capacity_nominal_Ah
    res = simulate(p, f"Discharge at {current:.6g} A until 0.8 V", dv_out_V=0.002, dq_out_Ah=p.capacity_nominal_Ah / 2000)
    if res.data is None:
        raise ParameterError("the slow discharge produced no data", field="voltage_vs_li_to_s")
    tb = res.data.table
    m = np.column_stack([tb[c].to_numpy() for c in ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g")])
    x = (0.5 * m[:, 1] + m[:, 2] + 2.0 * m[:, 3] + 2.0 * m[:, 4]) / m.sum(axis=1)
    v = tb["voltage_V"].to_numpy()
    return {"li_to_s": x, "voltage_V": v, "end_reason": res.steps[-1].end_reason if res.steps else ""}


def curve_regions(x: Any, v: Any, *, ended_by_collapse: bool = False) -> dict[str, float]:
    """Locate the features document 001 describes on a V–(Li:S) curve.

    * ``v_all_sulfur_V``: voltage at the sulfur end (first point);
    * ``shoulder_li_to_s``: the upper (S₈/S₄²⁻) plateau's flattest point, where the curve bends
      from its 2.4–2.5 V start into the step down to the lower plateau;
    * the flat lower plateau: the longest run where |dV/dx| < 0.2 V per unit Li:S
      (``flat_from_li_to_s`` … ``flat_to_li_to_s``, mean ``flat_V``);
    * ``steep_drop_li_to_s``: where the voltage first falls 0.3 V below the flat plateau (or the
      curve's end when it ends in the model's voltage collapse, ``ended_by_collapse``).
    """
    import numpy as np

    xa = np.asarray(x, dtype=float)
    va = np.asarray(v, dtype=float)
    order = np.argsort(xa)
    xa, va = xa[order], va[order]
    grid = np.linspace(float(xa[0]), float(xa[-1]), 1501)
    vg = np.interp(grid, xa, va)
    # slope over a ±0.02 Li:S stencil: the table rows are decimated (every 2 mV), so a point-wise
    # gradient of the interpolant is piecewise constant and noisy
    half = 0.02
    dv = (np.interp(grid + half, xa, va) - np.interp(grid - half, xa, va)) / (
        np.minimum(grid + half, xa[-1]) - np.maximum(grid - half, xa[0]))
    upper = (grid > 0.02) & (grid < 0.5)
    k_sh = int(np.flatnonzero(upper)[np.argmax(dv[upper])]) if upper.any() else 0
    flat = np.abs(dv) < 0.2
    best = (0, 0)
    i = 0
    n = len(grid)
    while i < n:
        if flat[i] and grid[i] > 0.5:
            j = i
            while j + 1 < n and flat[j + 1]:
                j += 1
            if grid[j] - grid[i] > grid[best[1]] - grid[best[0]]:
                best = (i, j)
            i = j + 1
        else:
            i += 1
    f0, f1 = best
    flat_v = float(vg[f0:f1 + 1].mean()) if f1 > f0 else math.nan
    below = np.flatnonzero((grid > grid[f1]) & (vg < flat_v - 0.3)) if f1 > f0 else np.array([], dtype=int)
    if below.size == 0 and f1 > f0 and ended_by_collapse:
        below = np.array([len(grid) - 1])  # the curve ends in the model's voltage collapse
    return {
        "v_all_sulfur_V": float(vg[0]),
        "shoulder_li_to_s": float(grid[k_sh]),
        "shoulder_V": float(vg[k_sh]),
        "flat_from_li_to_s": float(grid[f0]),
        "flat_to_li_to_s": float(grid[f1]),
        "flat_V": flat_v,
        "steep_drop_li_to_s": float(grid[below[0]]) if below.size else math.nan,
    }


#: starting lithium sources of the document (Li₂Sₙ → Li:S = 2/n)
START_SPECIES: dict[str, float] = {"Li2S8": 2.0 / 8.0, "Li2S6+Li2S4": 0.5 * (2.0 / 6.0 + 2.0 / 4.0),
                                   "Li2S4": 2.0 / 4.0, "Li2S2": 1.0, "Li2S": 2.0}


def cycling_window(start_li_to_s: float, li_to_s_cycled: float) -> tuple[float, float]:
    """Li:S range a cell cycles over: discharged at the starting species' ratio, charged by the
    lithium moved to the anode (in Li per S). A lower ratio (more oxidised source) puts the window
    further towards sulfur; more lithium per sulfur makes it wider (document 001, Fig. 5 bars)."""
    if start_li_to_s < 0 or li_to_s_cycled < 0:
        raise ParameterError("Li:S values must be ≥ 0", field="li_to_s")
    return max(start_li_to_s - li_to_s_cycled, 0.0), start_li_to_s


def windows_table(curve: dict[str, Any], cell: CatholyteCell | None = None, *, plated_uAh: float = 201.6) -> list[dict[str, Any]]:
    """Windows of the document's starting species for a cell that plates ``plated_uAh`` of
    lithium (the Example 3 charge by default), and of a full charge (all lithium plated)."""
    import numpy as np

    c = cell or CatholyteCell()
    dx = plated_uAh * 1e-6 * 3600.0 / FARADAY_C_PER_MOL / c.sulfur_mol
    x = np.asarray(curve["li_to_s"], dtype=float)
    v = np.asarray(curve["voltage_V"], dtype=float)
    order = np.argsort(x)
    x, v = x[order], v[order]
    out = []
    for name, x0 in START_SPECIES.items():
        for label, width in (("Example 3 plating", dx), ("all lithium plated", x0)):
            lo, hi = cycling_window(x0, width)
            hi_eff = min(hi, float(x[-1]))
            out.append({
                "start_species": name, "case": label, "li_to_s_charged": lo, "li_to_s_discharged": hi,
                "V_charged": float(np.interp(lo, x, v)), "V_discharged": float(np.interp(hi_eff, x, v)),
                "beyond_model": hi > float(x[-1]),
            })
    return out
