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

Steps whose mode (``step_mode``: impedance sweeps, single pulses, HPPC pulse pairs, drive profiles)
is not a charge or a discharge of the cell do not start or continue half-cycles; their charge still
counts in the cycle they fall in. GITT pulses are a half-cycle like any charge or discharge.

Per-cycle totals follow :mod:`cellworks.timeseries`: the capacities and energies restart at every
step and a cycle's total is the sum of its steps' maxima. Step durations run from the end of the
previous step's last record to the step's last record (the first step from its first record).
The per-cycle summary is :func:`cellworks.cycling.summary.summarize`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cellworks.cycling.readers._modes import NON_PAIRING_MODES
from cellworks.errors import InputError, SchemaError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

Pairing = Literal["discharge-first", "charge-first", "auto", "instrument"]
PAIRINGS: tuple[str, ...] = ("discharge-first", "charge-first", "auto", "instrument")

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
    v_start_V: Any = None
    mode: Any = None  # object array of step_mode labels
    pairs: Any = None  # bool: the step takes part in pairing (charge/discharge, not impedance/pulse/...)
    charge_Vq: Any = None  # ∫ V dq over the step's charge (V·Ah): capacity-weighted mean voltage × Ah
    discharge_Vq: Any = None
    mean_abs_current_A: Any = None

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
    if "step_mode" in table.columns:
        mode = table["step_mode"].to_numpy(dtype=object)[mid]
    else:
        mode = np.array([{1: "CC", -1: "CC", 0: "rest"}.get(int(k), "other") for k in kind], dtype=object)
    pairs = ((kind == 1) | (kind == -1)) & ~np.isin(mode.astype(str), list(NON_PAIRING_MODES))
    # ∫V dq per step from the per-step cumulative capacities (their increments) and the mid voltage
    vmid = v.copy()
    if n > 1:
        vmid[1:] = 0.5 * (v[1:] + v[:-1])

    def vq(col: str) -> Any:
        q = table[col].to_numpy(dtype=float)
        dq = np.empty_like(q)
        dq[0] = q[0]
        dq[1:] = np.diff(q)
        dq[start] = q[start]
        return np.add.reduceat(vmid * dq, start)

    i_abs = np.abs(table["current_A"].to_numpy(dtype=float))
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
        v_start_V=v[start],
        mode=mode,
        pairs=pairs,
        charge_Vq=vq("charge_capacity_Ah"),
        discharge_Vq=vq("discharge_capacity_Ah"),
        mean_abs_current_A=np.add.reduceat(i_abs, start) / (stop - start),
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
    kind = np.asarray(steps.kind).copy()
    if steps.pairs is not None:
        # impedance sweeps, single pulses, HPPC pairs, drive profiles: counted, never paired
        kind[~np.asarray(steps.pairs) & ((kind == 1) | (kind == -1))] = 2
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
    kind = np.asarray(steps.kind).copy()
    if steps.pairs is not None:
        kind[~np.asarray(steps.pairs) & ((kind == 1) | (kind == -1))] = 2
    while k < n:
        d = int(kind[k])
        if d not in (1, -1):
            k += 1
            continue
        c = int(pr.cycle[k])
        members = [k]
        j = k + 1
        # a half-cycle: same direction, same cycle, rests/other in between skipped
        while j < n and int(pr.cycle[j]) == c and int(kind[j]) in (d, 0, 2):
            if int(kind[j]) == d:
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


def summarize(data: CyclingData, **options: Any) -> Any:
    """The per-cycle summary: :func:`cellworks.cycling.summary.summarize` (kept here for callers of
    this module's earlier home)."""
    from cellworks.cycling.summary import summarize as _summarize

    return _summarize(data, **options)


def __getattr__(name: str) -> Any:
    # names that moved to cellworks.cycling.summary, still importable from here
    if name in ("CycleSummary", "CE_DEFINITION", "THEORETICAL_S_MAH_PER_G", "SULFUR_NAMES"):
        import cellworks.cycling.summary as _summary

        return getattr(_summary, name)
    raise AttributeError(name)


__all__ = [
    "HalfCycle",
    "PAIRINGS",
    "PairingResult",
    "Steps",
    "half_cycles",
    "pair_steps",
    "steps_of",
    "summarize",
]
