"""Digital twins of the published Li–S cells of documents 000 and 001.

Document 000 (Zhang et al., RSC Advances 2016, "Improving lithium–sulfur battery performance via a
carbon-coating layer derived from the hydrothermal carbonization of glucose"): AC–S and
carbon-coated AC–S cathodes in 2032 coin cells. The twin is the Marinescu et al. (PCCP 18 (2016)
584) chemistry of :mod:`cellworks.lis.model`, scaled to the sulfur mass of the electrode recipe,
plus documented physical mechanisms, each one named parameter (:class:`TwinMechanisms`,
:class:`cellworks.lis.params.LiSParameters`):

* ``accessible_fraction_initial`` and ``activation_rate_per_h`` — *activation*: only part of the
  sulfur is reachable by the electrolyte at assembly; the rest becomes accessible by first-order
  infiltration of the electrolyte through the carbon coating, in time (document 000: "a certain
  amount of time is required for the electrolyte to infiltrate the amorphous carbon-coating layer").
* ``li2s_isolation_fraction`` and ``li2s_residual_isolation_fraction`` — *irreversible Li₂S
  deposition* (document 000, introduction: "precipitation of insoluble and insulating Li₂S₂/Li₂S
  ... loss of active materials"): a fraction of the solid products a discharge made, and a
  fraction of what a charge left unoxidised (Li₂S whose oxidation, limited by its dissolution rate
  k_p, did not finish: more of it the faster the charge), become electronically isolated and are
  lost. Both take S₂²⁻ and Sₚ in equal shares (see :func:`_isolate`).
* the charge shuttles of :class:`cellworks.lis.params.LiSParameters`: Marinescu's S₈ shuttle and
  its irreversible loss (``k_s_charge_per_s``, ``f_s_per_mol``; 2016 / 2018), and the polysulfide
  shuttle ``k_s4_charge_per_s`` (:mod:`cellworks.lis.model`): dissolved S₄²⁻ reduced at the lithium
  and re-oxidised at the cathode, which costs charge without converting sulfur — the coulombic
  efficiency below 100 % (document 000: "approximately 95 %"; introduction: the shuttle "could
  result in low coulombic efficiency"). Its current, k_s4·S₄·F/M_s, does not depend on the cell
  current, so its share of a charge grows as the current falls. The coating's confinement of
  polysulfides shows as the values the fit gives each cell.
* ``film_resistance_Ohm`` and ``film_efold_fraction`` — *rate limitation by the insulating
  precipitate (passivation)*: the Li₂S precipitated in a discharge covers the wetted carbon
  surface with an electronically insulating film; electrons reach the electrolyte through it by
  tunnelling, so its resistance grows exponentially with its thickness, ``R_film·exp(θ/θ_f)``
  with θ = Sp/m_acc the precipitated share of the accessible sulfur (film thickness ∝ precipitate
  per wetted area, and the wetted area ∝ the sulfur the electrolyte reaches). A discharge reaches
  its cut-off when ``I·R_film·exp(θ/θ_f)`` uses up the margin to it, i.e. at
  θ ≈ θ_f·ln(ΔV/(I·R_film)): the capacity falls by θ_f·ln 2 of the accessible sulfur for every
  doubling of the current (the logarithmic rate dependence of film-limited discharges, as for
  Li₂O₂ in Li–O₂ cells: Viswanathan et al., J. Chem. Phys. 135 (2011) 214704). It acts on
  discharge only: on charge the precipitate is oxidised where it touches the carbon, from the
  inside of the film, and its dissolution rate is the model's own k_p term.

Numerics: the mechanisms the compiled model does not contain are applied by operator splitting
at every protocol-step boundary (activation: exact first-order release over the step's duration;
isolation: at the end of each discharge and each charge), and the film resistance, which for a galvanostatic step
does not change the state's evolution, by locating the step's cut-off on the terminal voltage
including the film drop and re-running the step to that time (so the state is exact).

Everything here is pure computation; the CLI is :mod:`cellworks.lis.cli.twins`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, LiSParameters, get_preset

if TYPE_CHECKING:
    from cellworks.protocol import Protocol, Step
    from cellworks.report import Figure, Table

DOC000 = (
    "S. Zhang, N. Li, H. Lu, J. Zheng, R. Zang, J. Cao, RSC Advances (2016), accepted manuscript "
    "'Improving lithium-sulfur battery performance via a carbon-coating layer derived from the "
    "hydrothermal carbonization of glucose' (document 000)"
)

# ---------------------------------------------------------------------------------------------
# the document's protocols, as cellworks.protocol text


#: charge safety limit in units of the theoretical capacity (1675 mAh/g). The document states no
#: charge limit (its charges end at 3.0 V); without one a shuttle-dominated charge never ends. Three
#: times the theoretical capacity lets a charge whose coulombic efficiency is as low as ~35 % still
#: end at 3.0 V as the document's do, while a charge that truly stalls stops.
CHARGE_LIMIT_FACTOR = 3.0


def _cycle(rate_A_per_g: float, v_low: float = 1.0, v_high: float = 3.0) -> str:
    hours = CHARGE_LIMIT_FACTOR * THEORETICAL_MAH_PER_G_S / 1000.0 / rate_A_per_g
    return (f"Discharge at {rate_A_per_g:g} A/g until {v_low:g} V, "
            f"Charge at {rate_A_per_g:g} A/g for {hours:.4g} hours or until {v_high:g} V")


def cycling_protocol(rate_A_per_g: float, cycles: int) -> str:
    """Galvanostatic cycling 1.0–3.0 V at a current per gram of sulfur (document 000)."""
    if cycles < 1:
        raise ParameterError("need at least one cycle", field="cycles")
    return f"({_cycle(rate_A_per_g)}) * {cycles}"


RATE_TEST_A_PER_G: tuple[float, ...] = (0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 1.6)
RATE_TEST_CYCLES_EACH = 5


def rate_test_protocol(rates: Sequence[float] = RATE_TEST_A_PER_G, cycles_each: int = RATE_TEST_CYCLES_EACH) -> str:
    """Document 000 Fig. 4c: 0.2 → 0.4 → 0.8 → 1.6 → 3.2 → 6.4 → 1.6 A/g, 5 cycles each."""
    return "\n".join(f"({_cycle(r)}) * {cycles_each}" for r in rates)


#: name → protocol text of every experiment of document 000 the twin runs on a fresh cell
def zhang2016_protocols(cycles_02: int = 50, cycles_long: int = 150) -> dict[str, str]:
    return {
        "cycling_0.2": cycling_protocol(0.2, cycles_02),
        "rate": rate_test_protocol(),
        "long_0.8": cycling_protocol(0.8, cycles_long),
        "long_1.6": cycling_protocol(1.6, cycles_long),
    }


# ---------------------------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class TwinMechanisms:
    """Mechanisms beyond the Marinescu model (each documented in the module docstring)."""

    #: fraction of the sulfur reachable by the electrolyte at assembly [–]
    accessible_fraction_initial: float = 1.0
    #: first-order rate at which the rest becomes accessible (electrolyte infiltration) [1/h]
    activation_rate_per_h: float = 0.0
    #: fraction of the Li₂S precipitated in a discharge that becomes electronically isolated [–]
    li2s_isolation_fraction: float = 0.0
    #: fraction of the Li₂S₂/Li₂S a charge leaves unoxidised that becomes isolated ("dead Li₂S") [–]
    li2s_residual_isolation_fraction: float = 0.0
    #: resistance of the thinnest Li₂S film (prefactor of the tunnelling law R·exp(θ/θ_f)) [Ω]
    film_resistance_Ohm: float = 0.0
    #: share θ_f of the accessible sulfur, precipitated, over which the film resistance grows e-fold [–]
    film_efold_fraction: float = 0.1

    def validate(self, record: str = "") -> TwinMechanisms:
        if not 0.0 < self.accessible_fraction_initial <= 1.0:
            raise ParameterError("must be in (0, 1]", field="accessible_fraction_initial", record=record)
        for n in ("li2s_isolation_fraction", "li2s_residual_isolation_fraction"):
            if not 0.0 <= getattr(self, n) < 1.0:
                raise ParameterError("must be in [0, 1)", field=n, record=record)
        for n in ("activation_rate_per_h", "film_resistance_Ohm"):
            v = getattr(self, n)
            if not (math.isfinite(v) and v >= 0.0):
                raise ParameterError(f"must be finite and ≥ 0, got {v}", field=n, record=record)
        if not (math.isfinite(self.film_efold_fraction) and self.film_efold_fraction > 0.0):
            raise ParameterError(f"must be finite and > 0, got {self.film_efold_fraction}",
                                 field="film_efold_fraction", record=record)
        return self

    def film_drop_V(self, current_A: Any, sp_g: Any, accessible_g: float) -> Any:
        """Voltage drop across the Li₂S film [V], I·R_film·exp(θ/θ_f), θ = Sp/m_acc (arrays or floats;
        cycling-table sign: negative on discharge, so the drop lowers the terminal voltage)."""
        import numpy as np

        if self.film_resistance_Ohm <= 0.0:
            return np.zeros_like(np.asarray(current_A, dtype=float))
        theta = np.asarray(sp_g, dtype=float) / accessible_g
        return np.asarray(current_A, dtype=float) * self.film_resistance_Ohm * np.exp(
            np.minimum(theta / self.film_efold_fraction, 700.0))



MECHANISM_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(TwinMechanisms))


@dataclass(frozen=True)
class CoinCellRecipe:
    """Electrode recipe → sulfur mass (document 000, Experimental)."""

    composite_loading_mg_per_cm2: float  # "0.9–1.0 mg cm⁻² active material" (the C/S composite)
    electrode_area_cm2: float  # 2032 coin cell cathode disc
    composite_fraction: float  # 70 wt% composite in the coating
    sulfur_fraction_of_composite: float  # thermal analysis: 65.3 / 57.9 wt%
    electrolyte_to_sulfur_uL_per_mg: float  # E/S ratio; the Marinescu chemistry's own is 4.22 µL/mg

    @property
    def sulfur_mass_g(self) -> float:
        from cellworks.lis.design import electrode_sulfur

        es = electrode_sulfur(
            loading_mg_per_cm2=self.composite_loading_mg_per_cm2,
            area_cm2=self.electrode_area_cm2,
            composite_fraction=self.composite_fraction,
            sulfur_fraction_of_composite=self.sulfur_fraction_of_composite,
            loading_is="composite",
        )
        return es.sulfur_mass_mg * 1e-3


def scaled_marinescu(sulfur_mass_g: float, electrolyte_to_sulfur_uL_per_mg: float, *, name: str,
                     source: str, **changes: Any) -> LiSParameters:
    """The Marinescu 2016 cell scaled to ``sulfur_mass_g``.

    Reaction area, the initial species masses and the saturation mass S* scale with the sulfur
    mass (same specific area, same state); the electrolyte volume is ``E/S × m_S`` and S* keeps
    Marinescu's saturation concentration (S*/v). With E/S = 4.22 µL/mg (Marinescu's 11.4 mL for
    2.7 g) the model is identical per gram of sulfur, so capacities per gram at the same A/g are
    the published model's.
    """
    base = get_preset("marinescu2016")
    if not (sulfur_mass_g > 0 and electrolyte_to_sulfur_uL_per_mg > 0):
        raise ParameterError("sulfur mass and E/S must be > 0", field="sulfur_mass_g", record=name)
    s = sulfur_mass_g / base.sulfur_total_initial_g
    v_L = electrolyte_to_sulfur_uL_per_mg * sulfur_mass_g * 1e-3  # (µL/mg)·(g) = mL
    p = dataclasses.replace(
        base,
        name=name,
        source=source,
        a_r_m2=base.a_r_m2 * s,
        electrolyte_volume_L=v_L,
        S_star_g=base.S_star_g / base.electrolyte_volume_L * v_L,
        S8_initial_g=base.S8_initial_g * s,
        S4_initial_g=base.S4_initial_g * s,
        S2_initial_g=base.S2_initial_g * s,
        S_initial_g=base.S_initial_g * s,
        Sp_initial_g=base.Sp_initial_g * s,
        sulfur_mass_g=sulfur_mass_g,
    )
    return dataclasses.replace(p, **changes).validate() if changes else p.validate()


@dataclass(frozen=True)
class TwinCell:
    """A published cell: model parameters + twin mechanisms + where they came from."""

    name: str
    source: str
    params: LiSParameters
    mechanisms: TwinMechanisms
    notes: tuple[str, ...] = ()

    @property
    def sulfur_mass_g(self) -> float:
        return self.params.sulfur_mass_g

    def with_values(self, values: dict[str, float]) -> TwinCell:
        """Replace model (LiSParameters) and mechanism fields by name."""
        from cellworks.lis.params import NUMERIC_FIELDS

        mech: dict[str, float] = {}
        par: dict[str, float] = {}
        for k, v in values.items():
            if k in MECHANISM_FIELDS:
                mech[k] = float(v)
            elif k == "exchange_current_scale":
                par["i_H0_A_per_m2"] = get_preset("marinescu2016").i_H0_A_per_m2 * float(v)
                par["i_L0_A_per_m2"] = get_preset("marinescu2016").i_L0_A_per_m2 * float(v)
            elif k in NUMERIC_FIELDS:
                par[k] = float(v)
            else:
                raise ParameterError("unknown twin parameter", field=k, record=self.name)
        return dataclasses.replace(
            self,
            params=dataclasses.replace(self.params, **par).validate() if par else self.params,  # type: ignore[arg-type]
            mechanisms=dataclasses.replace(self.mechanisms, **mech).validate(self.name),
        )


# ---------------------------------------------------------------------------------------------
# running a twin through a protocol


@dataclass
class CycleRecord:
    cycle: int
    discharge_mAh_per_g: float
    charge_mAh_per_g: float
    duration_h: float
    accessible_fraction: float
    end_reasons: tuple[str, ...]


@dataclass
class TwinRun:
    cell: TwinCell
    protocol_text: str
    cycles: list[CycleRecord]
    profiles: dict[int, dict[str, Any]] = field(default_factory=dict)  # cycle → arrays
    states_after_charge: list[dict[str, float]] = field(default_factory=list)
    status: str = "ok"
    wall_s: float = 0.0

    @property
    def discharge(self) -> list[float]:
        return [c.discharge_mAh_per_g for c in self.cycles]

    @property
    def charge(self) -> list[float]:
        return [c.charge_mAh_per_g for c in self.cycles]


def _galvanostatic(step: Step) -> bool:
    from cellworks.protocol import Control

    return step.control in (Control.CURRENT, Control.CURRENT_PER_MASS, Control.CURRENT_PER_AREA, Control.C_RATE)


def _vcut(step: Step) -> float | None:
    return step.voltage_cutoff_V()


def _film_crossing(table: Any, step: Step, mech: TwinMechanisms, accessible_g: float) -> float | None:
    """Time [s, relative to the step start] where the terminal voltage with the film drop first
    crosses the step's voltage cut-off; None if it does not within the step."""
    import numpy as np

    from cellworks.protocol import StepKind

    vc = _vcut(step)
    if vc is None or mech.film_resistance_Ohm <= 0 or len(table) == 0:
        return None
    if step.kind is not StepKind.DISCHARGE:
        return None  # the film limits the reduction only (module docstring)
    t = table["test_time_s"].to_numpy()
    v_model = table["voltage_V"].to_numpy()
    sp = table["Sp_g"].to_numpy()
    current = table["current_A"].to_numpy()
    g = v_model + mech.film_drop_V(current, sp, accessible_g) - vc
    bad = np.flatnonzero(g <= 0.0)
    if bad.size == 0:
        return None
    k = int(bad[0])
    if k == 0:
        return 0.0
    # The rows are the integrator's steps (tens of seconds apart in a plateau), and the film drop
    # is exponential in Sp: a straight line through g between two rows misplaces the crossing by
    # ~0.1 % of the capacity, differently from cycle to cycle. The model voltage and Sp are smooth
    # in time, so interpolate those (cubic through the four rows around the crossing) and solve
    # g = 0 on the interpolant by bisection: it passes through the rows, so the bracket holds.
    lo_i = max(k - 2, 0)
    hi_i = min(lo_i + 4, len(t))
    lo_i = max(hi_i - 4, 0)
    # (a row repeated at the same time, e.g. at the step start, is used once)
    ts, first = np.unique(t[lo_i:hi_i] - t[k - 1], return_index=True)
    vs = v_model[lo_i:hi_i][first]
    sps = sp[lo_i:hi_i][first]
    cur = float(current[k])
    a, b = 0.0, float(t[k] - t[k - 1])
    g0, g1 = g[k - 1], g[k]
    linear = float(t[k - 1] - t[0] + b * g0 / (g0 - g1)) if g0 != g1 else float(t[k] - t[0])
    if len(ts) < 2 or b <= 0.0:
        return linear
    try:
        cv = np.polyfit(ts, vs, len(ts) - 1)
        cs = np.polyfit(ts, sps, len(ts) - 1)
    except (np.linalg.LinAlgError, ValueError):
        return linear

    def gi(x: float) -> float:
        return float(np.polyval(cv, x) + mech.film_drop_V(cur, np.polyval(cs, x), accessible_g) - vc)

    if not (gi(a) > 0.0 and gi(b) <= 0.0):  # interpolant not bracketing (should not happen): linear
        return linear
    for _ in range(60):
        mid = 0.5 * (a + b)
        if gi(mid) > 0.0:
            a = mid
        else:
            b = mid
    return float(t[k - 1] - t[0] + 0.5 * (a + b))


#: relative tolerance of the twin runs. 1e-6, not the simulator's default 1e-5: at 1e-5 the
#: capacity of successive cycles scatters by ~0.2 % (step-size and cut-off location noise), which is
#: the size of the rise and fall around the coated cell's flat capacity maximum at 0.8 and 1.6 A/g,
#: so the cycle of the maximum would be set by noise; 1e-6 costs no extra time here.
TWIN_RTOL = 1e-6


def _isolate(y: Any, fraction: float, seed_g: float) -> float:
    """Move ``fraction`` of the S₂²⁻ and of the precipitated Li₂S above ``seed_g`` from the state
    (log masses ``y[2]``, ``y[4]``) to the lost sulfur ``y[6]``; returns the mass moved [g].

    Both together: the lumped chemistry oxidises S₂²⁻ only with S²⁻ (the reverse of S₄²⁻ + 4e⁻ →
    S₂²⁻ + 2S²⁻, which makes them in equal masses), so isolating Li₂S alone would strand its S₂²⁻
    partner as an unreachable but still dissolved species; the document names both
    ("insoluble and insulating Li₂S₂/Li₂S")."""
    moved = 0.0
    for k in (2, 4):
        m = math.exp(y[k])
        d = fraction * max(m - seed_g, 0.0)
        if d > 0.0:
            y[k] = math.log(m - d)
            moved += d
    y[6] += moved
    return moved


def run_twin(
    cell: TwinCell,
    protocol: str | Protocol,
    *,
    profile_cycles: Sequence[int] = (),
    rtol: float = TWIN_RTOL,
    max_cycles: int | None = None,
    stop: Callable[[list[CycleRecord]], bool] | None = None,
) -> TwinRun:
    """Run a twin cell (fresh) through a protocol, step by step, with the twin mechanisms."""
    import time

    import numpy as np

    from cellworks.lis import model
    from cellworks.lis.simulation import simulate
    from cellworks.protocol import Protocol as _Protocol
    from cellworks.protocol import StepKind, as_protocol

    t_wall = time.perf_counter()
    prot = as_protocol(protocol)
    p = cell.params
    mech = cell.mechanisms.validate(cell.name)
    m_s = p.sulfur_mass_g
    # initial state: the accessible part of the sulfur in the cell, the rest held back
    y = model.initial_state(p)
    f0 = mech.accessible_fraction_initial
    inactive = 0.0
    if f0 < 1.0:
        total = float(np.exp(y[:5]).sum())
        inactive = (1.0 - f0) * total
        y[:5] += math.log(f0)
    k_act = mech.activation_rate_per_h / 3600.0
    seed_g = 1e-6 * m_s  # Li₂S nuclei / trace S₂²⁻ that isolation never takes (Marinescu's initial Sp is 1e-6 of the sulfur)
    run = TwinRun(cell=cell, protocol_text=prot.text, cycles=[])
    want = set(profile_cycles)
    for ci, cyc in enumerate(prot.cycles):
        if max_cycles is not None and ci >= max_cycles:
            break
        qd = qc = dur = 0.0
        reasons: list[str] = []
        prof: dict[str, list[Any]] = {"t": [], "v": [], "q": [], "kind": []}
        for st in cyc:
            need_table = (ci + 1) in want or (mech.film_resistance_Ohm > 0 and _galvanostatic(st)
                                              and st.kind is StepKind.DISCHARGE)
            one = _Protocol(cycles=((st,),), text=st.text)
            res = simulate(p, one, initial_state=y, table=need_table, rtol=rtol)
            m_acc = float(np.exp(y[:5]).sum())  # accessible sulfur at the step start [g]
            if mech.film_resistance_Ohm > 0 and res.data is not None and _galvanostatic(st):
                tc = _film_crossing(res.data.table, st, mech, m_acc)
                if tc is not None and tc <= 0.0:
                    # the cut-off is met at once: the step passes no charge, the state is unchanged
                    reasons.append("voltage cut-off (film) at start")
                    continue
                if tc is not None:
                    st2 = dataclasses.replace(st, duration_s=max(tc, 0.0), terminations=())
                    res = simulate(p, _Protocol(cycles=((st2,),), text=st.text), initial_state=y,
                                   table=(ci + 1) in want, rtol=rtol)
                    reasons.append("voltage cut-off (film)")
                else:
                    reasons.append(res.steps[0].end_reason if res.steps else "none")
            else:
                reasons.append(res.steps[0].end_reason if res.steps else "none")
            if res.status != "ok" or not res.steps:
                run.status = "failed"
                break
            rec = res.steps[0]
            if rec.kind == "discharge":
                qd += rec.capacity_Ah
            elif rec.kind == "charge":
                qc += rec.capacity_Ah
            dur += rec.duration_s
            if (ci + 1) in want and res.data is not None:
                tb = res.data.table
                cur = tb["current_A"].to_numpy()
                v = tb["voltage_V"].to_numpy()
                if rec.kind == "discharge":
                    v = v + mech.film_drop_V(cur, tb["Sp_g"].to_numpy(), m_acc)
                q = (tb["charge_capacity_Ah"].to_numpy() + tb["discharge_capacity_Ah"].to_numpy()) / m_s
                prof["t"].append(tb["test_time_s"].to_numpy())
                prof["v"].append(v)
                prof["q"].append(q * 1e3)  # mAh/g
                prof["kind"].append(rec.kind)
            y = np.array(res.final_state["y"], dtype=float)
            if not (np.all(np.isfinite(y)) and np.all(y[:5] < 50.0)):
                run.status = "failed"  # the solver returned a non-physical state
                reasons.append("non-finite state")
                break
            # --- operator splitting: activation over the step, isolation after it
            if inactive > 0.0 and k_act > 0.0 and rec.duration_s > 0:
                rel = inactive * (1.0 - math.exp(-k_act * rec.duration_s))
                inactive -= rel
                y[0] = math.log(math.exp(y[0]) + rel)
            # isolation of the solid discharge products Li₂S₂/Li₂S (S₂²⁻ and Sₚ in equal shares):
            # a fraction of what a discharge made, and a fraction of what a charge left unoxidised
            f_iso = (mech.li2s_isolation_fraction if rec.kind == "discharge"
                     else mech.li2s_residual_isolation_fraction if rec.kind == "charge" else 0.0)
            if f_iso > 0.0:
                _isolate(y, f_iso, seed_g)
            if rec.kind == "charge" and st.kind is StepKind.CHARGE:
                run.states_after_charge.append(
                    {"S8_g": math.exp(y[0]), "S4_g": math.exp(y[1]), "S2_g": math.exp(y[2]),
                     "S_g": math.exp(y[3]), "Sp_g": math.exp(y[4])}
                )
        species = float(np.exp(y[:5]).sum())
        run.cycles.append(
            CycleRecord(
                cycle=ci + 1,
                discharge_mAh_per_g=qd * 1e3 / m_s,
                charge_mAh_per_g=qc * 1e3 / m_s,
                duration_h=dur / 3600.0,
                accessible_fraction=species / m_s,
                end_reasons=tuple(reasons),
            )
        )
        if (ci + 1) in want:
            run.profiles[ci + 1] = prof
        if run.status != "ok":
            break
        if stop is not None and stop(run.cycles):
            break
    run.wall_s = time.perf_counter() - t_wall
    return run


# ---------------------------------------------------------------------------------------------
# metrics


def capacity_at(run: TwinRun, cycle: int) -> float:
    """Discharge capacity [mAh/g S] of a 1-based cycle (NaN if the run did not reach it)."""
    if 1 <= cycle <= len(run.cycles):
        return run.cycles[cycle - 1].discharge_mAh_per_g
    return math.nan


def max_capacity(run: TwinRun) -> tuple[float, int]:
    """Maximum discharge capacity and its 1-based cycle."""
    caps = run.discharge
    if not caps:
        return math.nan, 0
    k = max(range(len(caps)), key=lambda i: caps[i])
    return caps[k], k + 1


#: relative band below the maximum whose cycles make up the smooth peak position
PEAK_BAND_REL = 0.005


def smooth_cycle_of_max(run: TwinRun, last_cycle: int | None = None, band_rel: float = PEAK_BAND_REL) -> float:
    """Peak position as a continuous number: the centroid of the cycles whose capacity is within
    ``band_rel`` of the maximum, weighted by (C_n − (1 − band_rel)·C_max)². Equal to the cycle of
    the maximum for a sharp peak, the middle of a flat top otherwise; unlike the integer arg-max it
    moves continuously with the parameters, so :mod:`cellworks.lis.fit` can calibrate to it."""
    caps = run.discharge[: last_cycle or None]
    if not caps:
        return math.nan
    floor = (1.0 - band_rel) * max(caps)
    w = [max(c - floor, 0.0) ** 2 for c in caps]
    sw = sum(w)
    return sum((i + 1) * wi for i, wi in enumerate(w)) / sw if sw > 0 else float(max_capacity(run)[1])


def retention(run: TwinRun, last_cycle: int | None = None) -> float:
    """Capacity at the last cycle over the maximum capacity (the document's activated cells rise
    first; for a cell that only fades the maximum is the first cycle)."""
    caps = run.discharge
    n = last_cycle or len(caps)
    if n > len(caps) or n < 1:
        return math.nan
    cmax = max(caps[:n])
    return caps[n - 1] / cmax if cmax > 0 else math.nan


def coulombic_efficiency(run: TwinRun) -> float:
    """Mean coulombic efficiency: each discharge over the charge before it (a cycle starts with a
    discharge of the as-assembled cell, so discharge_n / charge_{n−1}, n ≥ 2)."""
    ce = [run.cycles[i].discharge_mAh_per_g / run.cycles[i - 1].charge_mAh_per_g
          for i in range(1, len(run.cycles)) if run.cycles[i - 1].charge_mAh_per_g > 0]
    return float(sum(ce) / len(ce)) if ce else math.nan


def mean_capacity(run: TwinRun, first: int, last: int) -> float:
    caps = [capacity_at(run, c) for c in range(first, last + 1)]
    return float(sum(caps) / len(caps)) if caps else math.nan


def charged_reference_state(cell: TwinCell) -> dict[str, float]:
    """The rest state of a charged cell the EIS probes: the upper-plateau S₈/S₄²⁻ couple at equal
    masses (what a charge to 3.0 V followed by relaxation leaves) and the lower-plateau species in
    equilibrium with it (E_L = E_H, S₂²⁻ = S²⁻ as the reaction makes them), so both couples sit at
    zero overpotential and the linearised Butler–Volmer resistance is that of the two couples in
    parallel, RT/(n_e·F·a_r·(i_H0 + i_L0)).

    Why not the state at the 3.0 V cut-off itself: there the Nernst potential needs S₄²⁻ at
    ~e⁻⁵⁰ of the sulfur, below the model's species floor, and the lumped exchange currents (and
    with them R_ct) are set by that numerical floor and by the two couples driving each other, not
    by the cell at rest.
    """
    import numpy as np

    from cellworks.lis import model

    p = cell.params
    m = cell.sulfur_mass_g * cell.mechanisms.accessible_fraction_initial
    y = model.initial_state(p)
    y[0] = y[1] = math.log(0.5 * m)
    P = model.pack_params(p)
    c = P[model.P_C]
    e_h = P[model.P_EH0] + c * (P[model.P_LNFH] + y[0] - 2.0 * y[1])
    # E_L = E_L0 + c·(ln f_l + ln S4 − ln S2 − 2 ln S) = E_H with S2 = S:  3·ln S = ln f_l + ln S4 − (E_H − E_L0)/c
    ln_s = (P[model.P_LNFL] + y[1] - (e_h - P[model.P_EL0]) / c) / 3.0
    trace = float(np.exp(ln_s))
    return {"S8_g": 0.5 * m, "S4_g": 0.5 * m, "S2_g": trace, "S_g": trace, "Sp_g": 1e-9 * m}


def charge_transfer_resistance(cell: TwinCell) -> float:
    """R_ct [Ω] of the charged cell: linearised Butler–Volmer of the current balance at the
    charged reference state (:func:`cellworks.lis.impedance.charge_transfer_resistance_Ohm`,
    cathode + anode)."""
    from cellworks.lis.impedance import charge_transfer_resistance_Ohm

    return float(charge_transfer_resistance_Ohm(cell.params, charged_reference_state(cell))["R_ct_total_Ohm"])


# ---------------------------------------------------------------------------------------------
# presets (the fitted parameter file written by cellworks.lis.fit)

DATA_PACKAGE = "cellworks.lis.data"
TARGETS_FILE = "zhang2016_targets.toml"
FITTED_FILE = "zhang2016_fitted.json"


def data_path(name: str) -> Path:
    return Path(str(resources.files(DATA_PACKAGE).joinpath(name)))


def load_targets(path: Path | None = None) -> dict[str, Any]:
    """Read a targets file (TOML): cells (recipe + fixed values), free parameters, targets."""
    p = path or data_path(TARGETS_FILE)
    try:
        with open(p, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ParameterError("targets file not found", file=str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ParameterError(f"not valid TOML: {e}", file=str(p)) from None
    if "cells" not in doc or not isinstance(doc["cells"], dict):
        raise ParameterError("needs a [cells.<name>] table", file=str(p), field="cells")
    return doc


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cell_from_spec(name: str, spec: dict[str, Any], values: dict[str, float] | None = None) -> TwinCell:
    """Build a twin from a [cells.<name>] table of a targets file (+ fitted values)."""
    rec = spec.get("recipe")
    if not isinstance(rec, dict):
        raise ParameterError("needs a recipe table", record=name, field="recipe")
    try:
        recipe = CoinCellRecipe(**{k: float(v) for k, v in rec.items()})
    except TypeError as e:
        raise ParameterError(f"bad recipe: {e}", record=name, field="recipe") from None
    fixed = {k: float(v) for k, v in spec.get("fixed", {}).items()}
    cell = TwinCell(
        name=name,
        source=str(spec.get("source", DOC000)),
        params=scaled_marinescu(recipe.sulfur_mass_g, recipe.electrolyte_to_sulfur_uL_per_mg, name=name,
                                source=str(spec.get("source", DOC000))),
        mechanisms=TwinMechanisms(),
        notes=tuple(str(n) for n in spec.get("notes", [])),
    )
    cell = cell.with_values(fixed)
    start = {k: float(v["start"]) for k, v in spec.get("free", {}).items()}
    cell = cell.with_values(start)
    if values:
        cell = cell.with_values(values)
    return cell


def load_fitted(path: Path | None = None) -> dict[str, Any]:
    p = path or data_path(FITTED_FILE)
    try:
        return dict(json.loads(p.read_text()))
    except FileNotFoundError:
        raise ParameterError("fitted parameter file not found (run `cellworks lis fit`)", file=str(p)) from None
    except json.JSONDecodeError as e:
        raise ParameterError(f"not valid JSON: {e}", file=str(p)) from None


def zhang2016_cell(name: str, *, targets: Path | None = None, fitted: Path | None = None) -> TwinCell:
    """Preset ``zhang2016_ac_s`` or ``zhang2016_coated``: recipe + the committed fitted values."""
    doc = load_targets(targets)
    if name not in doc["cells"]:
        raise ParameterError(f"unknown twin '{name}' (known: {', '.join(doc['cells'])})", field="preset")
    fit = load_fitted(fitted)
    vals = fit.get("cells", {}).get(name, {}).get("values", {})
    return cell_from_spec(name, doc["cells"][name], vals)


TWIN_PRESETS = ("zhang2016_ac_s", "zhang2016_coated", "polyplus_catholyte")


def get_twin(name: str) -> Any:
    if name in ("zhang2016_ac_s", "zhang2016_coated"):
        return zhang2016_cell(name)
    if name == "polyplus_catholyte":
        from cellworks.lis.catholyte import polyplus_catholyte

        return polyplus_catholyte()
    raise ParameterError(f"unknown twin preset '{name}' (known: {', '.join(TWIN_PRESETS)})", field="preset")


# ---------------------------------------------------------------------------------------------
# targets → simulated values


METRICS = ("capacity_at", "max_capacity", "cycle_of_max", "retention", "mean_capacity",
           "coulombic_efficiency", "r_ct")


@dataclass(frozen=True)
class Target:
    """One published number and how the twin computes its counterpart."""

    id: str
    cell: str
    experiment: str  # key of zhang2016_protocols() or "eis"
    metric: str
    paper: float
    unit: str
    tolerance: float  # absolute, in ``unit``
    tolerance_text: str
    quantity: str
    cycle: int = 0
    first: int = 0
    last: int = 0
    fit_weight: float = 1.0  # 0: reported, not fitted
    #: share of the tolerance band the fit keeps this target inside before balancing (cellworks.lis.fit)
    fit_margin: float = 0.8

    @staticmethod
    def from_dict(d: dict[str, Any], where: str) -> Target:
        try:
            paper = float(d["paper"])
            tol_rel = d.get("tolerance_rel")
            tol_abs = d.get("tolerance_abs")
            if tol_rel is not None:
                tol = abs(paper) * float(tol_rel)
                tt = f"±{float(tol_rel) * 100:g} %"
            elif tol_abs is not None:
                tol = float(tol_abs)
                unit = str(d.get("unit", ""))
                tt = f"±{tol:g} percentage points" if unit == "%" else f"±{tol:g} {unit}".strip()
            else:
                raise ParameterError("needs tolerance_rel or tolerance_abs", record=where, field="tolerance")
            t = Target(
                id=str(d["id"]), cell=str(d["cell"]), experiment=str(d["experiment"]), metric=str(d["metric"]),
                paper=paper, unit=str(d.get("unit", "")), tolerance=tol, tolerance_text=tt,
                quantity=str(d.get("quantity", d["id"])), cycle=int(d.get("cycle", 0)),
                first=int(d.get("first", 0)), last=int(d.get("last", 0)),
                fit_weight=float(d.get("fit_weight", 1.0)),
                fit_margin=float(d.get("fit_margin", 0.8)),
            )
        except KeyError as e:
            raise ParameterError(f"missing key {e}", record=where, field=str(e).strip("'")) from None
        except (TypeError, ValueError) as e:
            raise ParameterError(f"bad value: {e}", record=where) from None
        if t.metric not in METRICS:
            raise ParameterError(f"unknown metric (known: {', '.join(METRICS)})", record=where, field="metric")
        return t


def parse_targets(doc: dict[str, Any]) -> list[Target]:
    items = doc.get("targets", [])
    if not isinstance(items, list):
        raise ParameterError("[[targets]] must be an array of tables", field="targets")
    return [Target.from_dict(d, f"targets[{i}]") for i, d in enumerate(items)]


def experiments_needed(targets: Sequence[Target]) -> set[str]:
    return {t.experiment for t in targets} - {"eis"}


def simulated_value(t: Target, runs: dict[str, TwinRun], cell: TwinCell, *, smooth: bool = False) -> float:
    """The twin's value of a target (in the target's unit). ``smooth``: the cycle of the maximum as
    :func:`smooth_cycle_of_max` (what the fit calibrates) instead of the integer arg-max (what
    ``reproduce`` reports)."""
    if t.metric == "r_ct":
        return charge_transfer_resistance(cell)
    run = runs[t.experiment]
    pct = t.unit == "%"
    if t.metric == "capacity_at":
        return capacity_at(run, t.cycle)
    if t.metric == "max_capacity":
        sub = TwinRun(cell=run.cell, protocol_text="", cycles=run.cycles[: t.last or None])
        return max_capacity(sub)[0]
    if t.metric == "cycle_of_max":
        sub = TwinRun(cell=run.cell, protocol_text="", cycles=run.cycles[: t.last or None])
        return smooth_cycle_of_max(sub) if smooth else float(max_capacity(sub)[1])
    if t.metric == "retention":
        r = retention(run, t.last or None)
        return 100.0 * r if pct else r
    if t.metric == "mean_capacity":
        return mean_capacity(run, t.first, t.last)
    if t.metric == "coulombic_efficiency":
        ce = coulombic_efficiency(run)
        return 100.0 * ce if pct else ce
    raise ParameterError("unknown metric", field="metric", token=t.metric)


def run_experiments(cell: TwinCell, names: Sequence[str], *, profile_cycles: dict[str, Sequence[int]] | None = None,
                    workers: int = 2, cycles_02: int = 50, cycles_long: int = 150) -> dict[str, TwinRun]:
    """Run the named document-000 experiments on fresh copies of ``cell`` (threads: the compiled
    solver releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    prots = zhang2016_protocols(cycles_02, cycles_long)
    unknown = [n for n in names if n not in prots]
    if unknown:
        raise ParameterError(f"unknown experiment (known: {', '.join(prots)})", field="experiment", token=unknown[0])
    pc = profile_cycles or {}
    order = sorted(names, key=lambda n: -len(prots[n]))  # longest first
    if workers <= 1 or len(order) == 1:
        return {n: run_twin(cell, prots[n], profile_cycles=pc.get(n, ())) for n in order}
    with ThreadPoolExecutor(max_workers=workers) as ex:
        futs = {n: ex.submit(run_twin, cell, prots[n], profile_cycles=pc.get(n, ())) for n in order}
        return {n: f.result() for n, f in futs.items()}


# ---------------------------------------------------------------------------------------------
# reproduce: document 000


def _row(t: Target, sim: float) -> dict[str, Any]:
    ok = bool(math.isfinite(sim) and abs(sim - t.paper) <= t.tolerance * (1 + 1e-12))
    return {
        "id": t.id, "cell": t.cell, "quantity": t.quantity, "paper": t.paper,
        "simulated": sim if math.isfinite(sim) else None, "unit": t.unit, "tolerance": t.tolerance,
        "tolerance_text": t.tolerance_text, "ok": ok, "fitted": t.fit_weight > 0,
    }


PROFILE_CYCLES: dict[str, Sequence[int]] = {"cycling_0.2": (1, 2, 6, 50), "long_1.6": (1, 50, 100, 150)}


def reproduce_zhang2016(*, plots_dir: Path | None = None, targets: Path | None = None,
                        fitted: Path | None = None, cycles_02: int = 50, cycles_long: int = 150) -> dict[str, Any]:
    """Both document-000 twins through the document's protocols; one row per published number."""
    import time

    t0 = time.perf_counter()
    doc = load_targets(targets)
    tt = parse_targets(doc)
    fit = load_fitted(fitted)
    cells = {n: zhang2016_cell(n, targets=targets, fitted=fitted) for n in ("zhang2016_ac_s", "zhang2016_coated")}
    names = ["cycling_0.2", "rate", "long_0.8", "long_1.6"]
    runs = {n: run_experiments(c, names, profile_cycles=PROFILE_CYCLES if plots_dir else None,
                               cycles_02=cycles_02, cycles_long=cycles_long) for n, c in cells.items()}
    rows = []
    for t in tt:
        r = runs[t.cell]
        failed = r.get(t.experiment)
        sim = math.nan if failed is not None and failed.status != "ok" else simulated_value(t, r, cells[t.cell])
        rows.append(_row(t, sim))
    inputs = [
        {"quantity": f"sulfur content by thermal analysis ({n})", "paper_wt_pct": 100 * v, "used_wt_pct": 100 * v,
         "role": "input of the electrode recipe (not a prediction)"}
        for n, v in (("AC-S", doc["cells"]["zhang2016_ac_s"]["recipe"]["sulfur_fraction_of_composite"]),
                     ("carbon-coated AC-S", doc["cells"]["zhang2016_coated"]["recipe"]["sulfur_fraction_of_composite"]))
    ]
    out: dict[str, Any] = {
        "document": DOC000,
        "rows": rows,
        "all_ok": all(r["ok"] for r in rows),
        "n_ok": sum(r["ok"] for r in rows),
        "n_rows": len(rows),
        "inputs": inputs,
        "cells": {
            n: {"sulfur_mass_mg": c.sulfur_mass_g * 1e3, "values": fit["cells"].get(n, {}).get("values", {}),
                "mechanisms": dataclasses.asdict(c.mechanisms), "notes": list(c.notes),
                "run_status": {k: v.status for k, v in runs[n].items()}}
            for n, c in cells.items()
        },
        "fit": {"command": fit.get("command"), "targets_sha256": fit.get("targets_sha256"),
                "targets_file_matches": fit.get("targets_sha256") == file_sha256(targets or data_path(TARGETS_FILE))},
        "protocols": zhang2016_protocols(cycles_02, cycles_long),
    }
    if plots_dir is not None:
        out["figures"] = [str(p) for p in plot_zhang2016(runs, cells, Path(plots_dir))]
    out["wall_s"] = time.perf_counter() - t0
    return out


_LABEL = {"zhang2016_ac_s": "AC-S (twin)", "zhang2016_coated": "carbon-coated AC-S (twin)"}


def _save(fig: Any, path: Path) -> Path:
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    with atomic_write(path, "wb") as fh:
        fh.write(figure_png(fig))
    return path


def zhang2016_figures(runs: dict[str, dict[str, TwinRun]], cells: dict[str, TwinCell]) -> list[tuple[str, Any, str]]:
    """(file name, matplotlib figure, caption) of the simulated Fig. 4a, 4b, 4c, 4e and 5."""
    import numpy as np

    from cellworks.lis.impedance import cell_impedance
    from cellworks.report import new_figure

    figs: list[tuple[str, Any, str]] = []
    fig, ax = new_figure(figsize=(6, 4))
    colors = {1: "C0", 2: "C1", 50: "C3"}
    for n, st in (("zhang2016_ac_s", "--"), ("zhang2016_coated", "-")):
        for cyc, prof in sorted(runs[n]["cycling_0.2"].profiles.items()):
            if cyc not in colors:
                continue
            for q, v in zip(prof["q"], prof["v"], strict=True):
                ax.plot(q, v, st, color=colors[cyc], lw=1)
            ax.plot([], [], st, color=colors[cyc], label=f"{_LABEL[n]} cycle {cyc}")
    ax.set_xlabel("capacity [mAh/g S]")
    ax.set_ylabel("voltage [V]")
    ax.set_ylim(0.9, 3.1)
    ax.legend(fontsize=7)
    figs.append(("fig4a_profiles_0.2Ag.png", fig,
                 "Simulated Fig. 4a: discharge/charge profiles at 0.2 A/g, cycles 1, 2 and 50 (1.0–3.0 V)."))
    fig, ax = new_figure(figsize=(6, 4))
    for n, mk in (("zhang2016_ac_s", "s"), ("zhang2016_coated", "o")):
        d = runs[n]["cycling_0.2"].discharge
        ax.plot(range(1, len(d) + 1), d, mk, ms=3, label=_LABEL[n])
    ax.plot([1, 50], [1012, 607], "kx", label="AC-S, document (cycles 1, 50)")
    ax.plot([1, 6, 50], [1030, 1103, 950], "k+", ms=9, label="coated, document (cycles 1, 6, 50)")
    ax.set_xlabel("cycle")
    ax.set_ylabel("discharge capacity [mAh/g S]")
    ax.legend(fontsize=7)
    figs.append(("fig4b_cycling_0.2Ag.png", fig,
                 "Simulated Fig. 4b: discharge capacity over 50 cycles at 0.2 A/g; crosses: the document's numbers."))
    fig, ax = new_figure(figsize=(6, 4))
    for n, mk in (("zhang2016_ac_s", "s"), ("zhang2016_coated", "o")):
        d = runs[n]["rate"].discharge
        ax.plot(range(1, len(d) + 1), d, mk, ms=3, label=_LABEL[n])
    for i, r in enumerate(RATE_TEST_A_PER_G):
        ax.text(i * RATE_TEST_CYCLES_EACH + 1, 50, f"{r:g}", fontsize=7)
    ax.plot([28, 28], [379, 603], "kx", label="document, 6.4 A/g")
    ax.set_xlabel("cycle (rate in A/g written at the bottom)")
    ax.set_ylabel("discharge capacity [mAh/g S]")
    ax.legend(fontsize=7)
    figs.append(("fig4c_rate.png", fig, "Simulated Fig. 4c: rate test 0.2 → 6.4 → 1.6 A/g, 5 cycles each."))
    fig, ax = new_figure(figsize=(6, 4))
    for n, mk in (("zhang2016_ac_s", "s"), ("zhang2016_coated", "o")):
        for key, col in (("long_0.8", "C0"), ("long_1.6", "C3")):
            d = runs[n][key].discharge
            ax.plot(range(1, len(d) + 1), d, mk, ms=2, color=col, label=f"{_LABEL[n]}, {key[5:]} A/g")
    ax.plot([19, 13], [880, 835], "k+", ms=9, label="coated maxima, document")
    ax.set_xlabel("cycle")
    ax.set_ylabel("discharge capacity [mAh/g S]")
    ax.legend(fontsize=7)
    figs.append(("fig4e_long_cycling.png", fig,
                 "Simulated Fig. 4e: 150 cycles at 0.8 and 1.6 A/g (document: retention 54/57 % AC-S, 75/75 % coated)."))
    fig, ax = new_figure(figsize=(5, 4))
    f = np.logspace(5, -2, 71)
    for n, mk in (("zhang2016_ac_s", "s"), ("zhang2016_coated", "o")):
        z = cell_impedance(cells[n].params, charged_reference_state(cells[n]), f)
        ax.plot(z.real, -z.imag, mk + "-", ms=3, label=_LABEL[n])
    ax.set_xlabel("Z' [Ω]")
    ax.set_ylabel("−Z'' [Ω]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=7)
    figs.append(("fig5_nyquist.png", fig,
                 "Simulated Fig. 5: Nyquist plot of the charged cells, 100 kHz–10 mHz (lumped model: "
                 "ohmic + charge-transfer semicircle; the document's Warburg tail is outside the lumped model)."))
    return figs


def plot_zhang2016(runs: dict[str, dict[str, TwinRun]], cells: dict[str, TwinCell], outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    return [_save(fig, outdir / name) for name, fig, _ in zhang2016_figures(runs, cells)]


# ---------------------------------------------------------------------------------------------
# reproduce: document 001


def reproduce_polyplus(*, plots_dir: Path | None = None) -> dict[str, Any]:
    """Example 3's lithium account, Example 2's stability, the V–(Li:S) curve and windows."""
    import time

    import numpy as np

    from cellworks.lis import catholyte as cat

    t0 = time.perf_counter()
    cell = cat.CatholyteCell()
    p = cat.polyplus_catholyte(cell)
    acc, res3 = cat.example3(p)
    ex2 = cat.example2(p)
    curve = cat.voltage_vs_li_to_s(p)
    regions = cat.curve_regions(curve["li_to_s"], curve["voltage_V"],
                                ended_by_collapse=curve["end_reason"] == "sulfur exhausted")
    windows = cat.windows_table(curve, cell, plated_uAh=acc.plated_initial_uAh)
    rec_tol = 0.05 * cat.PAPER_RECOVERED_uAh
    rows = [
        {"id": "polyplus.recovered", "quantity": "lithium recovered by the strip after 20 cycles (Example 3)",
         "paper": cat.PAPER_RECOVERED_uAh, "simulated": acc.recovered_uAh, "unit": "uAh", "tolerance": rec_tol,
         "tolerance_text": "±5 %", "ok": abs(acc.recovered_uAh - cat.PAPER_RECOVERED_uAh) <= rec_tol, "fitted": False},
        {"id": "polyplus.active_fraction", "quantity": "anode-active fraction (recovered + cycled) / plated",
         "paper": cat.PAPER_ACTIVE_FRACTION_MIN, "simulated": acc.active_fraction, "unit": "-",
         "tolerance": 0.0, "tolerance_text": "≥ 0.98", "ok": acc.active_fraction >= cat.PAPER_ACTIVE_FRACTION_MIN,
         "fitted": False},
        {"id": "polyplus.plated_initial", "quantity": "lithium plated in situ before cycling (10 uA 10 min + 100 uA 2 h)",
         "paper": cat.PAPER_PLATED_INITIAL_uAh, "simulated": acc.plated_initial_uAh, "unit": "uAh",
         "tolerance": 0.1, "tolerance_text": "±0.1 uAh (document rounds to 0.1)",
         "ok": abs(acc.plated_initial_uAh - cat.PAPER_PLATED_INITIAL_uAh) <= 0.1, "fitted": False},
        {"id": "polyplus.example2_cycles", "quantity": "Example 2: cycles completed of 100 (15 min / 15 min, 100 uA)",
         "paper": 100.0, "simulated": float(ex2["cycles_completed_full_15_min"]), "unit": "cycles",
         "tolerance": 0.0, "tolerance_text": "all", "ok": ex2["cycles_completed_full_15_min"] == 100, "fitted": False},
        {"id": "polyplus.v_all_sulfur", "quantity": "Fig. 5: voltage at the all-sulfur end (document ~2.5 V)",
         "paper": 2.5, "simulated": regions["v_all_sulfur_V"], "unit": "V", "tolerance": 0.1,
         "tolerance_text": "±0.1 V ('approximately')", "ok": abs(regions["v_all_sulfur_V"] - 2.5) <= 0.1, "fitted": False},
        {"id": "polyplus.shoulder", "quantity": "Fig. 5: shoulder of the curve at average composition ~Li2S8 (Li:S 0.25)",
         "paper": 0.25, "simulated": regions["shoulder_li_to_s"], "unit": "Li:S", "tolerance": 0.1,
         "tolerance_text": "±0.1 ('about')", "ok": abs(regions["shoulder_li_to_s"] - 0.25) <= 0.1, "fitted": False},
        {"id": "polyplus.flat_to", "quantity": "Fig. 5: flat region reaches about Li2S2 (Li:S 1.0)",
         "paper": 1.0, "simulated": regions["flat_to_li_to_s"], "unit": "Li:S", "tolerance": 0.0,
         "tolerance_text": "≥ 1.0", "ok": regions["flat_to_li_to_s"] >= 1.0, "fitted": False},
        {"id": "polyplus.steep_drop", "quantity": "Fig. 5: steep drop between Li2S2 and Li2S (Li:S 1–2)",
         "paper": 1.0, "simulated": regions["steep_drop_li_to_s"], "unit": "Li:S", "tolerance": 0.0,
         "tolerance_text": "in (1, 2]",
         "ok": bool(np.isfinite(regions["steep_drop_li_to_s"]) and 1.0 < regions["steep_drop_li_to_s"] <= 2.0),
         "fitted": False},
    ]
    out: dict[str, Any] = {
        "document": __import__("cellworks.lis.catholyte", fromlist=["DOC001"]).DOC001,
        "rows": rows,
        "all_ok": all(r["ok"] for r in rows),
        "lithium_account": dataclasses.asdict(acc),
        "example2": ex2,
        "curve_regions": regions,
        "curve_note": ("the lumped Marinescu chemistry reduces S4(2-) to S2(2-) + 2 S(2-): its lower plateau ends at "
                       "Li:S = 1.5 (half the sulfur left as Li2S2), so the steep drop sits at 1.5, inside the "
                       "document's Li2S2-to-Li2S range, and Li2S (Li:S = 2) is not reached"),
        "windows": windows,
        "cell": dataclasses.asdict(cell) | {"catholyte_volume_uL": cell.catholyte_volume_L * 1e6,
                                            "sulfur_umol": cell.sulfur_mol * 1e6, "lithium_umol": cell.lithium_mol * 1e6,
                                            "layer_resistance_Ohm": p.layer_resistance_Ohm},
        "protocol_example3": cat.EXAMPLE3_PROTOCOL,
        "protocol_example2": cat.EXAMPLE2_PROTOCOL,
    }
    if plots_dir is not None:
        out["figures"] = [str(x) for x in plot_polyplus(res3, curve, windows, regions, Path(plots_dir))]
    out["wall_s"] = time.perf_counter() - t0
    return out


def polyplus_figures(res3: Any, curve: dict[str, Any], windows: list[dict[str, Any]],
                     regions: dict[str, float]) -> list[tuple[str, Any, str]]:
    import numpy as np

    from cellworks.report import new_figure

    figs: list[tuple[str, Any, str]] = []
    fig, ax = new_figure(figsize=(6, 4))
    x = np.asarray(curve["li_to_s"])
    v = np.asarray(curve["voltage_V"])
    ax.plot(x, v, "k-", lw=1.5, label="twin, near-equilibrium (C/1000)")
    for name, xx in (("Li2S8", 0.25), ("Li2S4", 0.5), ("Li2S2", 1.0), ("Li2S", 2.0)):
        ax.axvline(xx, color="0.8", lw=0.8)
        ax.text(xx, float(v.min()) - 0.02, name, fontsize=7, ha="center")
    ys = np.linspace(float(v.max()) + 0.02, float(v.max()) + 0.12, len(windows) // 2)
    k = 0
    for w in windows:
        if w["case"] != "all lithium plated":
            continue
        ax.plot([w["li_to_s_charged"], w["li_to_s_discharged"]], [ys[k]] * 2, lw=4, alpha=0.6,
                label=f"window, source {w['start_species']}")
        k += 1
    ax.plot(regions["shoulder_li_to_s"], regions["shoulder_V"], "v", color="C3", label="shoulder (detected)")
    ax.set_xlabel("catholyte average Li:S (state of charge →  discharged)")
    ax.set_ylabel("cell voltage [V]")
    ax.set_xlim(0, 2.05)
    ax.legend(fontsize=6, loc="lower left")
    figs.append(("fig5_voltage_vs_li_to_s.png", fig,
                 "Simulated document-001 Fig. 5: voltage vs catholyte Li:S; bars: cycling windows when all the "
                 "lithium of the starting species is plated (Li2S source widest; oxidised sources sit towards sulfur)."))
    if res3.data is not None:
        tb = res3.data.table
        fig, ax = new_figure(figsize=(6, 4))
        ax.plot(tb["test_time_s"].to_numpy() / 3600.0, tb["voltage_V"].to_numpy(), "k-", lw=0.8)
        ax.set_xlabel("time [h]")
        ax.set_ylabel("cell voltage [V]")
        figs.append(("example3_voltage.png", fig,
                     "Simulated Example 3 (document-001 Fig. 6): in-situ plating, 20 cycles of 15 min at 100 uA, "
                     "strip to 2.0 V at 100 then 20 uA."))
    return figs


def plot_polyplus(res3: Any, curve: dict[str, Any], windows: list[dict[str, Any]], regions: dict[str, float],
                  outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    return [_save(fig, outdir / name) for name, fig, _ in polyplus_figures(res3, curve, windows, regions)]


# ---------------------------------------------------------------------------------------------
# demo piece (wired into the lis demo section by its owner)


def build_twin_parts(workdir: Path, quick: bool = False) -> tuple[list[Figure], list[Table], list[str]]:
    """Figures, tables and notes of the two document twins for the lis demo section.

    ``quick``: 10 cycles instead of 50/150 and no document-001 strip run (a few seconds).
    """
    from cellworks.report import Figure, Table, figure_png

    figures: list[Figure] = []
    tables: list[Table] = []
    notes: list[str] = []
    if quick:
        cells = {n: zhang2016_cell(n) for n in ("zhang2016_ac_s", "zhang2016_coated")}
        runs = {n: run_experiments(c, ["cycling_0.2"], cycles_02=10) for n, c in cells.items()}
        rows = tuple((n, f"{runs[n]['cycling_0.2'].discharge[0]:.0f}", f"{max_capacity(runs[n]['cycling_0.2'])[0]:.0f}")
                     for n in cells)
        tables.append(Table(("twin", "first discharge 0.2 A/g [mAh/g]", "max of 10 cycles [mAh/g]"), rows,
                            "Quick run: first 10 cycles at 0.2 A/g (document: 1012 AC-S, 1030 → 1103 coated)."))
        notes.append("quick mode: run `cellworks lis reproduce zhang2016 --plots DIR` for the full comparison")
        return figures, tables, notes
    z = reproduce_zhang2016()
    tables.append(Table(
        ("quantity", "cell", "document", "twin", "tolerance", "ok", "fitted"),
        tuple((r["quantity"], r["cell"], f"{r['paper']:g} {r['unit']}",
               "n/a" if r["simulated"] is None else f"{r['simulated']:.4g}", r["tolerance_text"],
               "yes" if r["ok"] else "NO", "yes" if r["fitted"] else "no") for r in z["rows"]),
        "Document 000 (Zhang et al. 2016): every published number beside the twin's; 'fitted' rows were "
        "calibration targets of `cellworks lis fit`, the others are predictions.",
    ))
    cells = {n: zhang2016_cell(n) for n in ("zhang2016_ac_s", "zhang2016_coated")}
    runs = {n: run_experiments(c, ["cycling_0.2", "rate", "long_0.8", "long_1.6"], profile_cycles=PROFILE_CYCLES)
            for n, c in cells.items()}
    for _, fig, cap in zhang2016_figures(runs, cells):
        figures.append(Figure(figure_png(fig), cap))
    pp = reproduce_polyplus()
    tables.append(Table(
        ("quantity", "document", "twin", "criterion", "ok"),
        tuple((r["quantity"], f"{r['paper']:g} {r['unit']}", f"{r['simulated']:.4g}", r["tolerance_text"],
               "yes" if r["ok"] else "NO") for r in pp["rows"]),
        "Document 001 (PolyPlus): Example 3 lithium account, Example 2 stability, Fig. 5 regions.",
    ))
    from cellworks.lis import catholyte as cat

    acc, res3 = cat.example3()
    curve = cat.voltage_vs_li_to_s()
    for _, fig, cap in polyplus_figures(res3, curve, pp["windows"], pp["curve_regions"]):
        figures.append(Figure(figure_png(fig), cap))
    notes.append(pp["curve_note"])
    notes.append(f"fit command: {z['fit']['command']}")
    del workdir, acc
    return figures, tables, notes
