"""Replay a balancing policy on a BMS log and compare its decisions with the logged ones.

The policy sees the logged cell voltages (one "group" per logged cell), the logged current (its
sign gives the phase: charge, discharge or rest) and temperature, and the log's clock. Its timing
is the simulator's: a decision at a measurement; with ``hold_s`` > 0 the bleeds stay on for the
hold, then all are off for ``gap_s`` and the next measurement ends the gap; otherwise it measures
every ``measure_period_s``. Compiled threshold rules decide with the kernel's own function
(:func:`cellworks.pack.engine.control.select_bleeds`); Python policies get an
:class:`~cellworks.pack.bms.Observation`. On-chip FETs (``design.bleed.on_chip``) bleed one cell per
monitor chip, and no cell bleeds below the stop voltage, as in the simulator.

Agreement is counted on the valid rows: ``agreement_rows`` is the fraction of rows where the
policy bleeds exactly the logged cells; an *episode* is a run of rows with the same non-empty
logged bleed set, and ``agreement_episodes`` is the fraction of episodes the policy matches on at
least ``episode_match`` (90 %) of their rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.pack import bms as bms_mod

if TYPE_CHECKING:
    import numpy as np

    from cellworks.pack.pack import PackDesign
    from cellworks.pack.readers.bms_log import BmsLog

#: |current| below this is a rest when the log's phase is read from its current [A]
REST_CURRENT_A = 0.05


def episodes(flags: np.ndarray, valid: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Runs ``[start, stop)`` of rows with the same non-empty bleed set (invalid rows never split a run)."""
    import numpy as np

    rows = np.flatnonzero(valid) if valid is not None else np.arange(flags.shape[0])
    out: list[tuple[int, int]] = []
    start = -1
    prev: Any = None
    for r in rows:
        key = flags[r].tobytes()
        if prev is not None and key == prev and start >= 0:
            continue
        if start >= 0:
            out.append((start, int(r)))
            start = -1
        if flags[r].any():
            start = int(r)
        prev = key
    if start >= 0:
        out.append((start, int(rows[-1]) + 1))
    return out


@dataclass
class ReplayResult:
    """The policy's bleed states on every row and the agreement with the log."""

    policy_flags: np.ndarray  # (rows, cells) bool
    logged_flags: np.ndarray
    valid: np.ndarray
    agreement_rows: float
    agreement_episodes: float
    episodes: list[dict[str, Any]]
    policy_episodes: int
    decisions: int

    def to_dict(self, max_episodes: int = 200) -> dict[str, Any]:
        """Agreement figures and the first ``max_episodes`` episodes."""
        return {"agreement_rows": self.agreement_rows, "agreement_episodes": self.agreement_episodes,
                "rows_compared": int(self.valid.sum()), "logged_episodes": len(self.episodes),
                "policy_episodes": self.policy_episodes, "decisions": self.decisions,
                "episodes": self.episodes[:max_episodes],
                "episodes_listed": min(len(self.episodes), max_episodes)}


def replay(log: BmsLog, controller: bms_mod.Controller, design: PackDesign | None = None,
           episode_match: float = 0.9, cycle: int = 1) -> ReplayResult:
    """Run ``controller`` on the log's voltages; ``design`` supplies the bleed hardware (on-chip,
    stop voltage) and the OCV for the policies' SOC estimate (default: a pack of the note's cells)."""
    import numpy as np

    from cellworks.pack.engine import layout as L
    from cellworks.pack.engine.control import enforce_hardware, select_bleeds
    from cellworks.pack.pack import PackDesign

    if log.balance is None:
        raise ParameterError("the log has no balance-flag columns to compare with (give --map balance=…)",
                             file=log.source, field="balance")
    n, cells = log.cell_V.shape
    d = design or PackDesign(n_series=cells, n_parallel=1)
    if d.n_series != cells:
        raise ParameterError(f"the design has {d.n_series} series groups but the log {cells} cells", field="pack.series")
    pol = bms_mod.policy_vector(controller, True)
    compiled = bms_mod.is_compiled(controller)
    hw = np.zeros(L.HW_SIZE)
    hw[L.HW_ONCHIP] = 1.0 if d.bleed.on_chip else 0.0
    vstop = d.cell.v_min_V if math.isnan(d.bleed.stop_below_V) else d.bleed.stop_below_V
    chips = controller.chips(cells)
    out = np.zeros((n, cells), bool)
    bleed = np.zeros(cells)
    new = np.zeros(cells)
    next_meas = -math.inf
    off_at = math.inf
    rr = -1
    decisions = 0
    r0 = d.cell.r0_Ohm / d.n_parallel
    for k in range(n):
        t = float(log.time_s[k])
        if t >= off_at - 1e-9:
            bleed[:] = 0.0
            off_at = math.inf
        i_ch = float(log.current_A[k]) if math.isfinite(log.current_A[k]) else 0.0
        phase = "charge" if i_ch > REST_CURRENT_A else ("discharge" if i_ch < -REST_CURRENT_A else "rest")
        if not controller.active(phase, cycle):
            bleed[:] = 0.0
            off_at = math.inf
        elif log.valid[k] and t >= next_meas - 1e-9 and (not controller.measure_in_rest_only or phase == "rest"):
            v = np.asarray(log.cell_V[k], float)
            if compiled:
                rr = select_bleeds(pol, v, rr, new)
            else:
                obs = bms_mod.Observation(
                    v_measured_V=v.copy(), bleeding=bleed > 0.5, phase=phase, time_s=t, current_A=i_ch,
                    temperature_C=np.full(cells, float(log.temperature_C[k])),
                    soc_estimate=np.asarray(d.cell.ocv.soc_at(v - i_ch * r0), float), monitor_chip=chips)
                new[:] = np.asarray(controller.decide(obs), bool)
            enforce_hardware(hw, pol, new, v)
            new[v < vstop] = 0.0
            bleed[:] = new
            decisions += 1
            if bleed.any() and controller.hold_s > 0:
                off_at = t + controller.hold_s
                next_meas = t + controller.hold_s + controller.gap_s
            else:
                next_meas = t + controller.measure_period_s
        out[k] = bleed > 0.5
    logged = log.balance
    valid = log.valid
    same = np.all(out == logged, axis=1)
    ep = []
    for a, b in episodes(logged, valid):
        rows = np.arange(a, b)[valid[a:b]]
        frac = float(same[rows].mean())
        ep.append({"start_s": float(log.time_s[a]), "duration_s": float(log.time_s[b - 1] - log.time_s[a]),
                   "rows": len(rows), "logged_cells": (np.flatnonzero(logged[a]) + 1).tolist(),
                   "policy_cells_at_start": (np.flatnonzero(out[a]) + 1).tolist(), "row_agreement": frac,
                   "agrees": frac >= episode_match})
    agree_ep = float(np.mean([e["agrees"] for e in ep])) if ep else math.nan
    return ReplayResult(out, logged, valid, float(same[valid].mean()), agree_ep, ep, len(episodes(out, valid)),
                        decisions)

