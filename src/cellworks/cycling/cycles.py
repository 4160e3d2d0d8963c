"""Half-cycles into cycles, and the per-cycle summary.

Pairing is an explicit choice, because tools disagree on it and the coulombic efficiency shifts
by one cycle when two tools pair differently:

``discharge-first``
    A cycle is a discharge half-cycle followed by the charge half-cycle after it. For cells that
    are assembled charged: Li–S cells (sulfur is the charged state), cathode half-cells vs Li.
    Coulombic efficiency ``CE_n = Q_dis,n / Q_ch,n`` — the discharge of cycle *n* divided by the
    charge that *follows* it (the Li–S convention: shuttle makes Q_ch > Q_dis, CE < 1).
``charge-first``
    A cycle is a charge half-cycle followed by the discharge after it. For Li-ion full cells
    assembled discharged. ``CE_n = Q_dis,n / Q_ch,n`` — the discharge divided by the charge that
    *precedes* it.
``auto``
    ``discharge-first`` or ``charge-first`` according to the direction of the first charge or
    discharge step of the file (steps passing < 1 % of the largest step's charge, such as check
    pulses, are not taken as deciding); the summary states what was decided and why.
``instrument``
    Keep the cycle numbers in the table's ``cycle_index`` column (the instrument's own counting).
    Used to compare our capacities with the instrument's per-cycle columns.

A *half-cycle* is a run of consecutive charge (or discharge) steps, rests between them included
(CC then CV charging is one charge half-cycle). Rest and "other" steps belong to the cycle of the
active step before them; rests before the first active step belong to the first cycle. If the file
begins with a half-cycle of the other direction (e.g. a charge in ``discharge-first``), that
half-cycle is cycle **0** (incomplete, stated in the notes) so that cycle 1 is always the first
complete cycle.

Per-cycle totals follow :mod:`cellworks.timeseries`: the capacities and energies restart at every
step and a cycle's total is the sum of its steps' maxima. Step durations run from the end of the
previous step's last record to the step's last record (the first step from its first record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from cellworks.errors import InputError, SchemaError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

Pairing = Literal["discharge-first", "charge-first", "auto", "instrument"]
PAIRINGS: tuple[str, ...] = ("discharge-first", "charge-first", "auto", "instrument")

#: theoretical capacity of sulfur (16 e⁻ per S8, i.e. 2 e⁻ per S) as documents 000 and 001 quote it;
#: 2·F/M_S = 2 × 96485.33 / 32.06 / 3.6 = 1672 mAh/g, the literature rounds to 1675. The sulfur
#: utilisation of document 001 ("measured against 1675 mAh/g") uses the quoted value.
THEORETICAL_S_MAH_PER_G = 1675.0
SULFUR_NAMES = frozenset({"s", "s8", "sulfur", "sulphur"})

#: in ``auto`` pairing, active steps passing less than this fraction of the largest step's charge
#: (check pulses, probe steps) do not decide the direction
AUTO_MIN_FRACTION = 0.01

_KIND_CODE = {"charge": 1, "discharge": -1, "rest": 0, "other": 2}


@dataclass(frozen=True)
class Steps:
    """One entry per step (contiguous run of records with one step_index and cycle_index).

    Arrays (numpy) of equal length; ``start``/``stop`` are row slices into the table.
    """

    start: Any  # int64 first row
    stop: Any  # int64 one past the last row
    kind: Any  # int8: +1 charge, -1 discharge, 0 rest, 2 other
    step_index: Any
    instrument_cycle: Any
    t_first_s: Any
    t_last_s: Any
    duration_s: Any
    charge_Ah: Any
    discharge_Ah: Any
    charge_Wh: Any
    discharge_Wh: Any
    v_end_V: Any

    def __len__(self) -> int:
        return len(self.start)


def steps_of(table: pd.DataFrame) -> Steps:
    """Aggregate a cycling table into steps (vectorised; one pass per column)."""
    import numpy as np

    n = len(table)
    if n == 0:
        raise SchemaError("the table has no rows: nothing to summarise")
    step = table["step_index"].to_numpy()
    cyc = table["cycle_index"].to_numpy()
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (step[1:] != step[:-1]) | (cyc[1:] != cyc[:-1])
    start = np.flatnonzero(new)
    stop = np.append(start[1:], n)
    last = stop - 1
    t = table["test_time_s"].to_numpy(dtype=float)

    def smax(col: str) -> Any:
        return np.maximum.reduceat(table[col].to_numpy(dtype=float), start)

    # the step's type: taken at its middle record (the records at step boundaries are the ones an
    # instrument most often labels with the neighbouring step's type)
    mid = (start + last) // 2
    st = table["step_type"].to_numpy()[mid]
    kind = np.array([_KIND_CODE.get(str(s), 2) for s in st], dtype=np.int8)
    t_last = t[last]
    prev_end = np.empty_like(t_last)
    prev_end[0] = t[0]
    prev_end[1:] = t_last[:-1]
    v = table["voltage_V"].to_numpy(dtype=float)
    return Steps(
        start=start,
        stop=stop,
        kind=kind,
        step_index=step[start],
        instrument_cycle=cyc[start],
        t_first_s=t[start],
        t_last_s=t_last,
        duration_s=t_last - prev_end,
        charge_Ah=smax("charge_capacity_Ah"),
        discharge_Ah=smax("discharge_capacity_Ah"),
        charge_Wh=smax("charge_energy_Wh"),
        discharge_Wh=smax("discharge_energy_Wh"),
        v_end_V=v[last],
    )


@dataclass(frozen=True)
class PairingResult:
    """Cycle number of every step under a pairing, and how the pairing was decided."""

    cycle: Any  # int64 per step
    pairing: str  # the resolved pairing (never "auto")
    requested: str
    reason: str
    has_cycle_zero: bool


def pair_steps(steps: Steps, pairing: str = "auto") -> PairingResult:
    """Number the cycles of ``steps`` under ``pairing`` (see the module docstring)."""
    import numpy as np

    if pairing not in PAIRINGS:
        raise InputError(f"unknown pairing '{pairing}'; choose one of {', '.join(PAIRINGS)}", field="pairing")
    if pairing == "instrument":
        cyc = np.asarray(steps.instrument_cycle, dtype=np.int64)
        return PairingResult(cyc, "instrument", pairing, "cycle numbers as recorded by the instrument", bool((cyc == 0).any()))
    kind = np.asarray(steps.kind)
    active = np.flatnonzero((kind == 1) | (kind == -1))
    if pairing == "auto":
        # the deciding step must pass a real charge: check pulses / probe steps below 1 % of the
        # largest step's capacity do not decide (they are still counted in their cycle)
        q_step = np.maximum(np.asarray(steps.charge_Ah), np.asarray(steps.discharge_Ah))
        q_big = float(q_step[active].max()) if active.size else 0.0
        decisive = active[q_step[active] >= AUTO_MIN_FRACTION * q_big] if q_big > 0 else active
        if decisive.size == 0:
            resolved = "discharge-first"
            reason = "auto: no charge or discharge step in the file; discharge-first by default"
        else:
            k0 = int(decisive[0])
            first = int(kind[k0])
            resolved = "discharge-first" if first == -1 else "charge-first"
            word = "discharge" if first == -1 else "charge"
            skipped = int(np.count_nonzero(active < k0))
            reason = (
                f"auto: the first non-rest step (step {int(steps.step_index[k0])}, "
                f"t = {float(steps.t_first_s[k0]):g} s) is a {word}, so {resolved}"
            )
            if skipped:
                reason += (
                    f" ({skipped} earlier active step(s) passing < {AUTO_MIN_FRACTION:.0%} of the largest "
                    "step's capacity were not taken as deciding)"
                )
    else:
        resolved = pairing
        reason = f"{pairing} (chosen by the user)"
    lead = -1 if resolved == "discharge-first" else 1
    cyc = np.zeros(len(kind), dtype=np.int64)
    cycle = 0
    prev = 0
    for k in range(len(kind)):
        d = int(kind[k])
        if d in (1, -1):
            if d == lead and prev != lead:
                cycle += 1
            prev = d
        cyc[k] = cycle
    # rests before the first active step belong to the first cycle
    if active.size:
        first_active = int(active[0])
        cyc[:first_active] = cyc[first_active]
    else:
        cyc[:] = 1
    has_zero = bool((cyc == 0).any())
    if has_zero:
        reason += "; the file begins with a half-cycle of the other direction, reported as cycle 0 (incomplete)"
    return PairingResult(cyc, resolved, pairing, reason, has_zero)


CE_DEFINITION = {
    "discharge-first": "coulombic efficiency = discharge / charge of the same cycle; the charge follows the discharge (discharge-first pairing)",
    "charge-first": "coulombic efficiency = discharge / charge of the same cycle; the discharge follows the charge (charge-first pairing)",
    "instrument": "coulombic efficiency = discharge / charge within the instrument's cycle numbering",
}


@dataclass(frozen=True)
class CycleSummary:
    """The per-cycle summary table and the choices behind it.

    ``table`` columns (one row per cycle; NaN where a quantity does not exist, e.g. the CE of a
    cycle without a charge):

    cycle, first_step, last_step, start_time_s, end_time_s,
    charge_capacity_mAh, discharge_capacity_mAh, charge_energy_mWh, discharge_energy_mWh,
    [charge|discharge]_capacity_mAh_per_g (mass given), [charge|discharge]_capacity_mAh_per_cm2 (area given),
    sulfur_utilisation_pct (mass of sulfur given: discharge capacity / 1675 mAh g⁻¹),
    coulombic_efficiency, energy_efficiency (fractions),
    mean_charge_voltage_V, mean_discharge_voltage_V (energy / capacity: the capacity-weighted mean),
    end_of_charge_voltage_V, end_of_discharge_voltage_V (last record of the last charge/discharge step),
    mean_charge_current_A, mean_discharge_current_A (capacity / step time; CV tails included),
    retention_pct (discharge capacity vs the reference cycle),
    charge_time_s, discharge_time_s, rest_time_s, other_time_s.
    """

    table: pd.DataFrame
    pairing: str
    pairing_requested: str
    pairing_reason: str
    ce_definition: str
    reference_cycle: int | None
    active_mass_g: float | None = None
    area_cm2: float | None = None
    source_file: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    active_material: str | None = None  # which gram the per-gram columns are per (e.g. "S")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the choices and one record per cycle (NaN → None by emit_json)."""
        return {
            "source_file": self.source_file,
            "pairing": self.pairing,
            "pairing_requested": self.pairing_requested,
            "pairing_reason": self.pairing_reason,
            "coulombic_efficiency_definition": self.ce_definition,
            "retention_reference_cycle": self.reference_cycle,
            "active_mass_g": self.active_mass_g,
            "active_material": self.active_material,
            "area_cm2": self.area_cm2,
            "n_cycles": int(len(self.table)),
            "notes": list(self.notes),
            "cycles": self.table.to_dict(orient="records"),
        }


def _div(a: Any, b: Any) -> Any:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.full(np.broadcast(a, b).shape, np.nan)
    ok = b > 0
    np.divide(a, b, out=out, where=ok)
    return out


def summarize(
    data: CyclingData,
    *,
    pairing: str = "auto",
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    reference_cycle: int | None = None,
) -> CycleSummary:
    """Per-cycle summary of a cycling table (see :class:`CycleSummary` for the columns).

    ``active_mass_g`` / ``area_cm2`` default to the table's metadata. ``reference_cycle`` for the
    retention defaults to cycle 1 (or the first cycle with a discharge if cycle 1 has none).
    """
    import numpy as np
    import pandas as pd

    source = data.meta.source_file
    mass = active_mass_g if active_mass_g is not None else data.meta.active_mass_g
    area = area_cm2 if area_cm2 is not None else data.meta.area_cm2
    if mass is not None and not (mass > 0 and np.isfinite(mass)):
        raise InputError(f"active mass must be a positive number of grams, got {mass}", file=source, field="active_mass_g")
    if area is not None and not (area > 0 and np.isfinite(area)):
        raise InputError(f"area must be a positive number of cm², got {area}", file=source, field="area_cm2")
    steps = steps_of(data.table)
    pr = pair_steps(steps, pairing)
    cyc = pr.cycle
    cycles, inv = np.unique(cyc, return_inverse=True)
    nc = len(cycles)

    def per_cycle(values: Any, mask: Any = None) -> Any:
        w = np.asarray(values, dtype=float)
        if mask is not None:
            w = np.where(mask, w, 0.0)
        return np.bincount(inv, weights=w, minlength=nc)

    kind = steps.kind
    is_ch = kind == 1
    is_dis = kind == -1
    q_ch = per_cycle(steps.charge_Ah)
    q_dis = per_cycle(steps.discharge_Ah)
    e_ch = per_cycle(steps.charge_Wh)
    e_dis = per_cycle(steps.discharge_Wh)
    t_ch = per_cycle(steps.duration_s, is_ch)
    t_dis = per_cycle(steps.duration_s, is_dis)
    t_rest = per_cycle(steps.duration_s, kind == 0)
    t_other = per_cycle(steps.duration_s, kind == 2)
    idx = np.arange(len(steps))
    first_step = np.full(nc, -1, dtype=np.int64)
    last_step = np.full(nc, -1, dtype=np.int64)
    np.maximum.at(last_step, inv, idx)
    first_step[:] = len(steps)
    np.minimum.at(first_step, inv, idx)

    def last_of(mask: Any) -> Any:
        pos = np.full(nc, -1, dtype=np.int64)
        np.maximum.at(pos, inv[mask], idx[mask])
        out = np.full(nc, np.nan)
        ok = pos >= 0
        out[ok] = steps.v_end_V[pos[ok]]
        return out

    cols: dict[str, Any] = {
        "cycle": cycles.astype(np.int64),
        "first_step": np.asarray(steps.step_index)[first_step].astype(np.int64),
        "last_step": np.asarray(steps.step_index)[last_step].astype(np.int64),
        "start_time_s": np.asarray(steps.t_first_s)[first_step],
        "end_time_s": np.asarray(steps.t_last_s)[last_step],
        "charge_capacity_mAh": q_ch * 1e3,
        "discharge_capacity_mAh": q_dis * 1e3,
        "charge_energy_mWh": e_ch * 1e3,
        "discharge_energy_mWh": e_dis * 1e3,
    }
    if mass is not None:
        cols["charge_capacity_mAh_per_g"] = q_ch * 1e3 / mass
        cols["discharge_capacity_mAh_per_g"] = q_dis * 1e3 / mass
    material = data.meta.active_material
    if mass is not None and material is not None and material.strip().lower() in SULFUR_NAMES:
        cols["sulfur_utilisation_pct"] = q_dis * 1e3 / mass / THEORETICAL_S_MAH_PER_G * 100.0
    if area is not None:
        cols["charge_capacity_mAh_per_cm2"] = q_ch * 1e3 / area
        cols["discharge_capacity_mAh_per_cm2"] = q_dis * 1e3 / area
    cols["coulombic_efficiency"] = _div(q_dis, np.where(q_dis > 0, q_ch, 0.0))
    cols["energy_efficiency"] = _div(e_dis, np.where(e_dis > 0, e_ch, 0.0))
    cols["mean_charge_voltage_V"] = _div(e_ch, q_ch)
    cols["mean_discharge_voltage_V"] = _div(e_dis, q_dis)
    cols["end_of_charge_voltage_V"] = last_of(is_ch)
    cols["end_of_discharge_voltage_V"] = last_of(is_dis)
    cols["mean_charge_current_A"] = _div(q_ch * 3600.0, t_ch)
    cols["mean_discharge_current_A"] = _div(q_dis * 3600.0, t_dis)
    notes: list[str] = []
    ref = reference_cycle
    if ref is None:
        candidates = cycles[(cycles >= 1) & (q_dis > 0)]
        ref = int(1 if (1 in cycles and q_dis[cycles == 1][0] > 0) else (candidates[0] if candidates.size else -1))
        if ref == -1:
            ref = None
    elif ref not in cycles:
        raise InputError(
            f"reference cycle {ref} is not in the data (cycles {int(cycles[0])}–{int(cycles[-1])})",
            file=source, field="reference_cycle",
        )
    if ref is not None and q_dis[cycles == ref][0] > 0:
        cols["retention_pct"] = q_dis / q_dis[cycles == ref][0] * 100.0
    else:
        cols["retention_pct"] = np.full(nc, np.nan)
        if ref is not None:
            notes.append(f"reference cycle {ref} has no discharge: retention not computed")
    cols["charge_time_s"] = t_ch
    cols["discharge_time_s"] = t_dis
    cols["rest_time_s"] = t_rest
    cols["other_time_s"] = t_other
    if pr.has_cycle_zero:
        notes.append("cycle 0 is an incomplete leading half-cycle (the file starts in the other direction)")
    if nc and (q_ch[-1] == 0 or q_dis[-1] == 0) and nc > 1:
        notes.append(f"the last cycle ({int(cycles[-1])}) is incomplete (one direction only)")
    table = pd.DataFrame(cols)
    return CycleSummary(
        table=table,
        pairing=pr.pairing,
        pairing_requested=pr.requested,
        pairing_reason=pr.reason,
        ce_definition=CE_DEFINITION[pr.pairing],
        reference_cycle=ref,
        active_mass_g=mass,
        area_cm2=area,
        source_file=source,
        notes=tuple(notes),
        active_material=data.meta.active_material,
    )


@dataclass(frozen=True)
class HalfCycle:
    """The records of one half-cycle: capacity counted from its start (always increasing)."""

    cycle: int
    direction: str  # "charge" or "discharge"
    test_time_s: Any
    capacity_Ah: Any  # cumulative through the half-cycle's steps, non-decreasing
    voltage_V: Any
    current_A: Any
    rows: Any  # row positions in the table


def half_cycles(
    data: CyclingData,
    *,
    pairing: str = "auto",
    cycles: list[int] | tuple[int, ...] | None = None,
    direction: str | None = None,
) -> list[HalfCycle]:
    """Split the table into half-cycles (rests excluded) under ``pairing``.

    ``cycles`` keeps only those cycle numbers, ``direction`` only "charge" or "discharge".
    """
    import numpy as np

    table = data.table
    steps = steps_of(table)
    pr = pair_steps(steps, pairing)
    cap_col = {1: table["charge_capacity_Ah"].to_numpy(dtype=float), -1: table["discharge_capacity_Ah"].to_numpy(dtype=float)}
    t = table["test_time_s"].to_numpy(dtype=float)
    v = table["voltage_V"].to_numpy(dtype=float)
    i = table["current_A"].to_numpy(dtype=float)
    out: list[HalfCycle] = []
    want = None if cycles is None else set(int(c) for c in cycles)
    k = 0
    n = len(steps)
    while k < n:
        d = int(steps.kind[k])
        if d not in (1, -1):
            k += 1
            continue
        c = int(pr.cycle[k])
        members = [k]
        j = k + 1
        # a half-cycle: same direction, same cycle, rests/other in between skipped
        while j < n and int(pr.cycle[j]) == c and int(steps.kind[j]) in (d, 0, 2):
            if int(steps.kind[j]) == d:
                members.append(j)
            j += 1
        k = j
        name = "charge" if d == 1 else "discharge"
        if (want is not None and c not in want) or (direction is not None and direction != name):
            continue
        rows_l = [np.arange(steps.start[m], steps.stop[m]) for m in members]
        caps = []
        offset = 0.0
        for r in rows_l:
            caps.append(cap_col[d][r] + offset)
            offset += float(cap_col[d][r].max())
        rows = np.concatenate(rows_l)
        out.append(HalfCycle(c, name, t[rows], np.concatenate(caps), v[rows], i[rows], rows))
    return out


__all__ = [
    "CE_DEFINITION",
    "CycleSummary",
    "HalfCycle",
    "PAIRINGS",
    "PairingResult",
    "Steps",
    "half_cycles",
    "pair_steps",
    "steps_of",
    "summarize",
]
