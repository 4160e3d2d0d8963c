"""A document's cell as a twin: the three-reaction chemistry scaled to the electrode recipe, plus the
document's activation; running it through a protocol, cycle by cycle.

The chemistry (:mod:`cellworks.lis.chain3`) carries rate capability (Li₂S blocking and passivation,
polysulfide-dependent resistance), the shuttle (transport to the lithium in series with its
reaction there; a coating as a transport resistance) and fade (the shuttled polysulfide that
deposits as Li₂S on the lithium) inside its equations. One mechanism of document 000 is outside
them and applied here, by operator splitting at every protocol-step boundary:

* *activation* (``accessible_fraction_initial``, ``activation_rate_per_h``): at assembly only part
  of the sulfur is reached by the electrolyte; the rest becomes accessible by first-order
  infiltration in time (document 000: "a certain amount of time is required for the electrolyte to
  infiltrate the amorphous carbon-coating layer"). Released sulfur joins the cell as S₈.

Optionally (``li2s_isolation_fraction``, 0 unless a targets file frees it): a share of the Li₂S a
discharge made becomes electronically isolated ("insoluble and insulating Li₂S₂/Li₂S … loss of
active materials"). Where the isolated Li₂S goes is ``isolated_li2s_pore_share``: the share of its
volume that stays in the cathode's pores, shrinking the pore volume open to new Li₂S
(``li2s_pore_volume_L``, which sets the surface blocking θ and the film resistance) after every
discharge. 0 (the default and the committed document-000 twins): it leaves the pores (shed from the
carbon, as the lithium's shuttle deposit does); 1: it stays where it precipitated. The document does
not say which; docs/lis-twins.md reports the calibration with 1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.lis.chain3 import CHAIN3_LITERATURE, Chain3Parameters, li2s_volume_L, scaled
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, numeric_fields

if TYPE_CHECKING:
    from cellworks.protocol import Protocol

#: relative tolerance of twin runs: at 1e-5 the capacity of successive cycles scatters by ~0.2 %,
#: the size of the rise and fall around a flat capacity maximum
TWIN_RTOL = 1e-6
#: a charge may pass at most the theoretical capacity of the sulfur it oxidises plus the shuttle's
#: charge; this slack covers the integrator's tolerance when a charge is checked against it [mAh/g]
CHARGE_BALANCE_SLACK_MAH_PER_G = 1e-3


@dataclass(frozen=True)
class TwinMechanisms:
    """Mechanisms applied between protocol steps (module docstring)."""

    #: fraction of the sulfur reachable by the electrolyte at assembly [–]
    accessible_fraction_initial: float = 1.0
    #: first-order rate at which the rest becomes accessible (electrolyte infiltration) [1/h]
    activation_rate_per_h: float = 0.0
    #: fraction of the Li₂S precipitated in a discharge that becomes electronically isolated [–]
    li2s_isolation_fraction: float = 0.0
    #: share of the isolated Li₂S's volume that stays in the cathode's pores [–] (module docstring)
    isolated_li2s_pore_share: float = 0.0

    def validate(self, record: str = "") -> TwinMechanisms:
        """Raise :class:`ParameterError` for impossible values; return self."""
        if not 0.0 < self.accessible_fraction_initial <= 1.0:
            raise ParameterError("must be in (0, 1]", field="accessible_fraction_initial", record=record)
        if not 0.0 <= self.li2s_isolation_fraction < 1.0:
            raise ParameterError("must be in [0, 1)", field="li2s_isolation_fraction", record=record)
        if not 0.0 <= self.isolated_li2s_pore_share <= 1.0:
            raise ParameterError("must be in [0, 1]", field="isolated_li2s_pore_share", record=record)
        if not (math.isfinite(self.activation_rate_per_h) and self.activation_rate_per_h >= 0.0):
            raise ParameterError("must be finite and ≥ 0", field="activation_rate_per_h", record=record)
        return self


MECHANISM_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(TwinMechanisms))
#: parameters a targets file may name besides the model's and the mechanisms' fields
DERIVED_FIELDS: tuple[str, ...] = ("exchange_current_scale", "pore_volume_fraction")


@dataclass(frozen=True)
class CoinCellRecipe:
    """Electrode recipe → sulfur mass (document 000, Experimental)."""

    composite_loading_mg_per_cm2: float
    electrode_area_cm2: float
    composite_fraction: float
    sulfur_fraction_of_composite: float
    electrolyte_to_sulfur_uL_per_mg: float

    @property
    def sulfur_mass_g(self) -> float:
        """Sulfur on the electrode [g]: composite loading × area × sulfur content of the composite."""
        from cellworks.lis.design import electrode_sulfur

        es = electrode_sulfur(
            loading_mg_per_cm2=self.composite_loading_mg_per_cm2, area_cm2=self.electrode_area_cm2,
            composite_fraction=self.composite_fraction,
            sulfur_fraction_of_composite=self.sulfur_fraction_of_composite, loading_is="composite",
        )
        return es.sulfur_mass_mg * 1e-3


@dataclass(frozen=True)
class TwinCell:
    """A published cell: model parameters + twin mechanisms + where they came from."""

    name: str
    source: str
    params: Any  # Chain3Parameters (or LiSParameters for the catholyte twin)
    mechanisms: TwinMechanisms
    notes: tuple[str, ...] = ()

    @property
    def sulfur_mass_g(self) -> float:
        """Sulfur of the cell [g]."""
        return float(self.params.sulfur_mass_g)

    def with_values(self, values: dict[str, float]) -> TwinCell:
        """Replace model, mechanism and derived fields (``exchange_current_scale`` multiplies the
        literature exchange currents; ``pore_volume_fraction`` sets the Li₂S pore volume as a share
        of the volume the cell's sulfur makes as Li₂S)."""
        mech: dict[str, float] = {}
        par: dict[str, float] = {}
        known = numeric_fields(self.params)
        for k, v in values.items():
            if k in MECHANISM_FIELDS:
                mech[k] = float(v)
            elif k == "exchange_current_scale":
                base = CHAIN3_LITERATURE
                par["i_H0_A_per_m2"] = base.i_H0_A_per_m2 * float(v)
                par["i_M0_A_per_m2"] = base.i_M0_A_per_m2 * float(v)
                par["i_L0_A_per_m2"] = base.i_L0_A_per_m2 * float(v)
            elif k == "pore_volume_fraction":
                par["li2s_pore_volume_L"] = float(v) * self.params.li2s_full_conversion_volume_L
            elif k in known:
                par[k] = float(v)
            else:
                raise ParameterError("unknown twin parameter", field=k, record=self.name)
        params = dataclasses.replace(self.params, **par).validate() if par else self.params
        return dataclasses.replace(self, params=params,
                                   mechanisms=dataclasses.replace(self.mechanisms, **mech).validate(self.name))


def chain3_cell(name: str, source: str, recipe: CoinCellRecipe) -> TwinCell:
    """The literature chain3 chemistry scaled to a recipe's sulfur mass and E/S (no mechanisms)."""
    p = scaled(CHAIN3_LITERATURE, recipe.sulfur_mass_g, recipe.electrolyte_to_sulfur_uL_per_mg, name=name,
               source=source)
    return TwinCell(name=name, source=source, params=p, mechanisms=TwinMechanisms())


# ----------------------------------------------------------------------------------------------
# running a twin


@dataclass
class CycleRecord:
    """One cycle of a twin run (capacities per gram of the cell's sulfur)."""

    cycle: int
    discharge_mAh_per_g: float
    charge_mAh_per_g: float
    shuttle_charge_mAh_per_g: float  # charge the shuttle carried during the cycle's charge
    duration_h: float
    accessible_fraction: float
    end_reasons: tuple[str, ...]
    #: electrons the charge removed from the sulfur [mAh/g]: charge minus its shuttle charge
    oxidation_mAh_per_g: float = 0.0


@dataclass
class TwinRun:
    """A twin run: cycles, optional profiles, states after each charge, status."""

    cell: TwinCell
    protocol_text: str
    cycles: list[CycleRecord]
    profiles: dict[int, dict[str, Any]] = field(default_factory=dict)  # cycle → arrays
    status: str = "ok"
    wall_s: float = 0.0
    sulfur_drift_rel: float = 0.0
    #: sulfur of the Li₂S isolated in the cathode over the run [g], and the Li₂S pore volume left [L]
    isolated_sulfur_g: float = 0.0
    pore_volume_end_L: float | None = None

    @property
    def discharge(self) -> list[float]:
        """Discharge capacity of every cycle [mAh/g]."""
        return [c.discharge_mAh_per_g for c in self.cycles]

    @property
    def charge(self) -> list[float]:
        """Charge capacity of every cycle [mAh/g]."""
        return [c.charge_mAh_per_g for c in self.cycles]


#: the pore volume isolated Li₂S can fill is capped at this share of the fresh cathode's: the film
#: resistance diverges as θ → 1, so a cathode whose pores are full ends every discharge at once
PORE_VOLUME_FLOOR_FRACTION = 1e-3


def clogged_pore_volume_L(pore_volume_L: float, isolated_sulfur_g: float, li2s_density_g_per_L: float) -> float:
    """Pore volume left open to new Li₂S once ``isolated_sulfur_g`` of sulfur sits in it as isolated
    Li₂S [L] (never below :data:`PORE_VOLUME_FLOOR_FRACTION` of the fresh volume)."""
    left = pore_volume_L - li2s_volume_L(isolated_sulfur_g, li2s_density_g_per_L)
    return max(left, PORE_VOLUME_FLOOR_FRACTION * pore_volume_L)


def _isolate(y: Any, fraction: float, before_g: float) -> float:
    """Move ``fraction`` of the Li₂S a discharge made (its Li₂S sulfur over ``before_g``, the mass
    when it started) to the lost sulfur ``y[6]``; returns the mass moved [g]."""
    m = math.exp(y[4])
    d = fraction * max(m - before_g, 0.0)
    if d > 0.0:
        y[4] = math.log(m - d)
        y[6] += d
    return d


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

    from cellworks.lis.models import initial_state
    from cellworks.lis.simulation import simulate
    from cellworks.protocol import Protocol as _Protocol
    from cellworks.protocol import as_protocol

    t_wall = time.perf_counter()
    prot = as_protocol(protocol)
    p = cell.params
    mech = cell.mechanisms.validate(cell.name)
    m_s = p.sulfur_mass_g
    y = initial_state(p)
    inactive = 0.0
    if mech.accessible_fraction_initial < 1.0:
        total = float(np.exp(y[:5]).sum())
        inactive = (1.0 - mech.accessible_fraction_initial) * total
        y[:5] += math.log(mech.accessible_fraction_initial)
    sulfur_start = float(np.exp(y[:5]).sum() + y[6]) + inactive
    k_act = mech.activation_rate_per_h / 3600.0
    pore0_L: float | None = getattr(p, "li2s_pore_volume_L", None)  # chain3 only: marinescu has no Li₂S pores
    isolated_g = 0.0
    run = TwinRun(cell=cell, protocol_text=prot.text, cycles=[])
    want = set(profile_cycles)
    drift = 0.0
    for ci, cyc in enumerate(prot.cycles):
        if max_cycles is not None and ci >= max_cycles:
            break
        qd = qc = q_sh = dur = 0.0
        reasons: list[str] = []
        prof: dict[str, list[Any]] = {"t": [], "v": [], "q": [], "kind": []}
        for st in cyc:
            li2s_before_g = math.exp(y[4])
            res = simulate(p, _Protocol(cycles=((st,),), text=st.text), initial_state=y,
                           table=(ci + 1) in want, rtol=rtol)
            if res.status != "ok" or not res.steps:
                run.status = "failed"
                reasons.append(res.steps[0].end_reason if res.steps else "none")
                break
            rec = res.steps[0]
            reasons.append(rec.end_reason)
            if rec.kind == "discharge":
                qd += rec.capacity_Ah
            elif rec.kind == "charge":
                qc += rec.capacity_Ah
                q_sh += rec.shuttle_capacity_Ah
            dur += rec.duration_s
            if (ci + 1) in want and res.data is not None:
                tb = res.data.table
                q = (tb["charge_capacity_Ah"].to_numpy() + tb["discharge_capacity_Ah"].to_numpy()) / m_s
                prof["t"].append(tb["test_time_s"].to_numpy())
                prof["v"].append(tb["voltage_V"].to_numpy())
                prof["q"].append(q * 1e3)  # mAh/g
                prof["kind"].append(rec.kind)
            y = np.array(res.final_state["y"], dtype=float)
            drift = max(drift, res.sulfur_mass_drift_rel)
            if not (np.all(np.isfinite(y)) and np.all(y[:5] < 50.0)):
                run.status = "failed"  # the solver returned a non-physical state
                reasons.append("non-finite state")
                break
            # --- operator splitting: activation over the step, isolation after a discharge
            if inactive > 0.0 and k_act > 0.0 and rec.duration_s > 0:
                rel = inactive * (1.0 - math.exp(-k_act * rec.duration_s))
                inactive -= rel
                y[0] = math.log(math.exp(y[0]) + rel)
            if rec.kind == "discharge" and mech.li2s_isolation_fraction > 0.0:
                isolated_g += _isolate(y, mech.li2s_isolation_fraction, li2s_before_g)
                if pore0_L is not None and mech.isolated_li2s_pore_share > 0.0:
                    p = dataclasses.replace(p, li2s_pore_volume_L=clogged_pore_volume_L(
                        pore0_L, mech.isolated_li2s_pore_share * isolated_g, p.li2s_density_g_per_L))
        species = float(np.exp(y[:5]).sum())
        run.cycles.append(CycleRecord(
            cycle=ci + 1, discharge_mAh_per_g=qd * 1e3 / m_s, charge_mAh_per_g=qc * 1e3 / m_s,
            shuttle_charge_mAh_per_g=q_sh * 1e3 / m_s, duration_h=dur / 3600.0, accessible_fraction=species / m_s,
            end_reasons=tuple(reasons), oxidation_mAh_per_g=(qc - q_sh) * 1e3 / m_s,
        ))
        if (ci + 1) in want:
            run.profiles[ci + 1] = prof
        if run.status != "ok":
            break
        if stop is not None and stop(run.cycles):
            break
    total_end = float(np.exp(y[:5]).sum() + y[6]) + inactive
    run.sulfur_drift_rel = max(drift, abs(total_end - sulfur_start) / sulfur_start)
    run.isolated_sulfur_g = isolated_g
    run.pore_volume_end_L = getattr(p, "li2s_pore_volume_L", None)
    run.wall_s = time.perf_counter() - t_wall
    return run


def theoretical_charge_ok(record: CycleRecord) -> bool:
    """True when the cycle's charge stays within what sulfur accepts plus the shuttle's charge."""
    return record.oxidation_mAh_per_g <= THEORETICAL_MAH_PER_G_S + CHARGE_BALANCE_SLACK_MAH_PER_G


__all__ = ["DERIVED_FIELDS", "MECHANISM_FIELDS", "PORE_VOLUME_FLOOR_FRACTION", "TWIN_RTOL", "CoinCellRecipe",
           "CycleRecord", "TwinCell", "TwinMechanisms", "TwinRun", "chain3_cell", "clogged_pore_volume_L", "run_twin",
           "theoretical_charge_ok"]
_ = Chain3Parameters
