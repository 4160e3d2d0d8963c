"""Document 001's catholyte cell: lithium plated in situ through LiPON from a Li₂Sₙ catholyte.

Document 001 (PolyPlus, "Plating metal negative electrodes under protective coatings", the cell
of its Examples): a LiPON-coated copper anode precursor (~2 × 2 cm, no lithium), a carbon / Al
cathode current collector (~1 × 1 cm), a 0.58 mm polypropylene separator that holds the catholyte
— lithium sulfide in tetraglyme, 3 mol/L sulfur and 0.75 mol/L lithium (average Li₂S₈) with
0.5 mol/L LiTFSI. The first charge plates the lithium (in situ).

The twin is the three-reaction model (:mod:`cellworks.lis.chain3`, literature chemistry per gram
of sulfur) with the document's catholyte and anode:

* catholyte volume = separator volume × porosity, its sulfur = 3 mol/L × volume, at rest with the
  average Li₂S₈ (0.25 e⁻ per S);
* no lithium at assembly. **Convention for a cell without plated lithium**: the lithium electrode
  covers none of the collector, so nothing can be stripped (a discharge ends at once on its
  voltage limit, its polarisation diverging), the first charge plates on the bare collector with
  the kinetics of a full electrode (plating needs no lithium; nucleation is not modelled), and the
  open-circuit voltage shown is the cathode's against a lithium reference;
* the anode's polarisation rises as its lithium runs out: Butler–Volmer on the lithium-covered
  share of the collector, Θ = 1 − exp(−n_Li/n_c) (random deposition, Kolmogorov–Avrami
  coverage), in series with the LiPON layer — so a strip ends on its voltage limit, and a smaller
  current strips a little more of the thinning film;
* lithium loss by a named mechanism only: **dead lithium per plated charge**, the Coulombic
  efficiency of lithium plating/stripping in an ether electrolyte (``li_plating_efficiency``, from
  the literature; see :data:`LITHIUM_LOSS`); the polysulfide shuttle does not reach the lithium:
  LiPON is a single-Li⁺-ion conductor (document 001), and no defect density is stated.

Nothing here is fitted to the document's 188.2 µAh: the recovered lithium is a prediction.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from cellworks.constants import FARADAY_C_PER_MOL
from cellworks.errors import ParameterError
from cellworks.lis.chain3 import CHAIN3_LITERATURE, Chain3Parameters, scaled

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
#: Example 3's strip limit [V]
STRIP_LIMIT_V = 2.0
#: Fig. 5 of the document in words: "approximately 2.5 V" at the all-sulfur end, a shoulder "at about"
#: Li2S8 (Li:S 0.25), a flat region to about Li2S2 (Li:S 1) and a steep drop between Li2S2 and Li2S;
#: the twin's comparison reads "approximately"/"about" as ±0.1 V and ±0.1 Li:S
PAPER_V_ALL_SULFUR_V = 2.5
PAPER_SHOULDER_LI_TO_S = 0.25
PAPER_FLAT_TO_LI_TO_S = 1.0
PAPER_STEEP_DROP_LI_TO_S = (1.0, 2.0)
FIG5_V_TOLERANCE_V = 0.1
FIG5_LI_TO_S_TOLERANCE = 0.1

#: every parameter that sets the lithium lost per cycle, its value in the twin, its source, and
#: whether it was fitted to the document's 188.2 µAh (none is)
LITHIUM_LOSS: tuple[dict[str, Any], ...] = (
    {"parameter": "li_plating_efficiency", "value": 0.99, "unit": "-",
     "mechanism": "dead lithium per plated charge: 1 % of every charge's lithium becomes inactive",
     "source": "Adams et al., Adv. Energy Mater. 8 (2018) 1702097: average lithium Coulombic efficiency 99.0 % "
               "(ether electrolyte, their improved protocol; abstract); a different cell from document 001's",
     "fitted_to_188_2_uAh": False},
    {"parameter": "coating_transport_resistance_s_per_m / li_polysulfide_rate_m_per_s", "value": 0.0,
     "unit": "1/s (shuttle rate)",
     "mechanism": "reaction of catholyte with lithium through defects of the protective layer: off",
     "source": "document 001: LiPON is a glassy single-Li+-ion conductor; no defect density is stated, so the twin "
               "has no shuttle to the lithium",
     "fitted_to_188_2_uAh": False},
)


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
    plating_efficiency: float = float(LITHIUM_LOSS[0]["value"])
    #: lithium thickness at which 63 % of the collector is covered (Avrami): the ~0.25 µm film
    #: Example 3 plates (201.6 µAh over 4 cm²) — an assumption, not fitted
    coverage_thickness_um: float = 0.25

    @property
    def catholyte_volume_L(self) -> float:
        """Separator volume × porosity [L]."""
        return self.separator_area_cm2 * self.separator_thickness_mm * 0.1 * self.separator_porosity * 1e-3

    @property
    def sulfur_mol(self) -> float:
        """Sulfur in the catholyte [mol]."""
        return self.sulfur_mol_per_L * self.catholyte_volume_L

    @property
    def lithium_mol(self) -> float:
        """Lithium in the catholyte's polysulfide [mol]."""
        return self.lithium_mol_per_L * self.catholyte_volume_L

    @property
    def li_to_s(self) -> float:
        """Average Li:S of the catholyte (0.25: Li₂S₈)."""
        return self.lithium_mol_per_L / self.sulfur_mol_per_L


def polyplus_catholyte(cell: CatholyteCell | None = None) -> Chain3Parameters:
    """Preset ``polyplus_catholyte``: the literature chain3 chemistry per gram of sulfur in the
    document's catholyte, a lithium-free LiPON/Cu anode precursor."""
    c = cell or CatholyteCell()
    m_s = c.sulfur_mol * SULFUR_MOLAR_MASS_G_PER_MOL
    es = c.catholyte_volume_L * 1e6 / (m_s * 1e3)  # µL per mg S
    base = scaled(CHAIN3_LITERATURE, m_s, es, name="polyplus_catholyte", source="")
    p = dataclasses.replace(
        base,
        source=(f"{DOC001}; catholyte 3 M S / 0.75 M Li (average Li2S8) in tetraglyme with 0.5 M LiTFSI; chain3 "
                "chemistry (literature values) per gram of sulfur; separator porosity 0.6, LiPON thickness from the "
                "sputter time, lithium exchange current and coverage thickness are cellworks assumptions; lithium "
                "loss: dead lithium per plated charge (li_plating_efficiency, Adams et al. 2018)"),
        initial_electrons_per_S=c.li_to_s,
        # the catholyte fills the separator: Li2S has the whole volume, no passivating film model
        li2s_pore_volume_L=c.catholyte_volume_L, passivation_resistance_Ohm=0.0,
        li_polysulfide_rate_m_per_s=0.0,
        li_inventory_initial_mol=0.0,
        li_plating_efficiency=c.plating_efficiency,
        anode_area_m2=c.anode_area_cm2 * 1e-4,
        cathode_area_m2=c.separator_area_cm2 * 1e-4,
        anode_i0_A_per_m2=c.anode_i0_mA_per_cm2 * 10.0,
        li_coverage_thickness_m=c.coverage_thickness_um * 1e-6,
        layer_thickness_m=c.lipon_thickness_A * 1e-10,
        layer_conductivity_S_per_m=c.lipon_conductivity_S_per_cm * 100.0,
        resistance_ohmic_Ohm=0.0,
        electrolyte_resistance_Ohm=0.0,
        voltage_floor_V=0.5,
    )
    return p.validate()


def li_to_s_of(masses: Any) -> Any:
    """Mean Li:S (e⁻ per S) of species masses (S₈, S₄²⁻, S₂²⁻, S²⁻, Sₚ); arrays or floats."""
    m8, m4, m2, m1, mp = masses
    return (0.5 * m4 + m2 + 2.0 * m1 + 2.0 * mp) / (m8 + m4 + m2 + m1 + mp)


# ---------------------------------------------------------------------------------------------
# Example 3: lithium plated, cycled and recovered


@dataclass(frozen=True)
class LithiumAccount:
    """Example 3's lithium, from the simulation [µAh]."""

    charge_passed_uAh: float  # all charge steps (each plates lithium)
    plated_initial_uAh: float  # charge of the in-situ plating steps (before cycling)
    cycled_uAh: float  # the 20 cycling discharges
    recovered_uAh: float  # the two strip steps
    recovered_by_step_uAh: tuple[float, ...]  # each strip step
    active_fraction: float  # (recovered + cycled) / charge passed, the document's measure
    li_left_uAh: float  # anode lithium after the strip (model state)
    dead_li_uAh: float  # lithium made inactive by plating (1 − efficiency of every charge)
    strip_end_reasons: tuple[str, ...]
    strip_end_V: tuple[float, ...]
    cycles_completed: int
    status: str
    final_li_to_s: float


def _uAh(q_Ah: float) -> float:
    return q_Ah * 1e6


def example3(params: Chain3Parameters | None = None, protocol: str = EXAMPLE3_PROTOCOL) -> tuple[LithiumAccount, Any]:
    """Run Example 3's protocol; the lithium account and the SimulationResult."""
    from cellworks.lis.simulation import simulate

    p = params or polyplus_catholyte()
    res = simulate(p, protocol, dq_out_Ah=1e-6)
    steps = res.steps
    n_cycling = 20
    plating = steps[:2]
    cyc = steps[2:2 + 2 * n_cycling]
    strip = steps[2 + 2 * n_cycling:]
    charge = sum(s.capacity_Ah for s in steps if s.kind == "charge")
    cycled = sum(s.capacity_Ah for s in cyc if s.kind == "discharge")
    recovered = [s.capacity_Ah for s in strip if s.kind == "discharge"]
    fs = res.final_state
    li_left = fs.get("li_inventory_mol", math.nan) * FARADAY_C_PER_MOL / 3.6e-3  # mol → µAh
    acc = LithiumAccount(
        charge_passed_uAh=_uAh(charge),
        plated_initial_uAh=_uAh(sum(s.capacity_Ah for s in plating)),
        cycled_uAh=_uAh(cycled),
        recovered_uAh=_uAh(sum(recovered)),
        recovered_by_step_uAh=tuple(_uAh(x) for x in recovered),
        active_fraction=(sum(recovered) + cycled) / charge if charge > 0 else math.nan,
        li_left_uAh=li_left,
        dead_li_uAh=_uAh(charge) * (1.0 - p.li_plating_efficiency),
        strip_end_reasons=tuple(s.end_reason for s in strip),
        strip_end_V=tuple(s.voltage_end_V for s in strip),
        cycles_completed=sum(1 for s in cyc if s.kind == "discharge" and s.end_reason == "time"),
        status=res.status,
        final_li_to_s=float(li_to_s_of([float(fs[k]) for k in ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g")])),
    )
    return acc, res


def example2(params: Chain3Parameters | None = None) -> dict[str, Any]:
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


def voltage_vs_li_to_s(params: Chain3Parameters | None = None, *, rate_per_h: float = 1e-3) -> dict[str, Any]:
    """Near-equilibrium voltage of the catholyte chemistry vs its average Li:S ratio.

    A very slow discharge (``rate_per_h`` of the theoretical capacity per hour) from nearly all
    sulfur (Li:S 0.002) to exhaustion, with an ideal lithium electrode; x = electrons per S.
    """
    import numpy as np

    from cellworks.lis.simulation import simulate

    base = params or polyplus_catholyte()
    p = dataclasses.replace(
        base, initial_electrons_per_S=0.002, li_inventory_initial_mol=1.0, anode_i0_A_per_m2=0.0,
        layer_thickness_m=0.0, resistance_ohmic_Ohm=0.0, li_polysulfide_rate_m_per_s=0.0, voltage_floor_V=0.5,
    ).validate()
    current = rate_per_h * p.capacity_nominal_Ah
    res = simulate(p, f"Discharge at {current:.6g} A until 0.8 V", dv_out_V=0.002, dq_out_Ah=p.capacity_nominal_Ah / 2000)
    if res.data is None:
        raise ParameterError("the slow discharge produced no data", field="voltage_vs_li_to_s")
    tb = res.data.table
    x = li_to_s_of([tb[c].to_numpy() for c in ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g")])
    v = tb["voltage_V"].to_numpy()
    return {"li_to_s": np.asarray(x), "voltage_V": v, "end_reason": res.steps[-1].end_reason if res.steps else ""}


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
