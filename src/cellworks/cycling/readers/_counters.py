"""Instrument capacity/energy counters → per-record increments, with the counter's reset rule
classified from the data.

Cyclers keep cumulative counters that restart at different places: every step (Neware, Maccor
exports of most procedures, BioLogic ``Q charge/discharge`` per half cycle), every half-cycle,
every cycle (Arbin, battery-data-toolkit ``cycle_capacity``), or never (BDF ``Charging Capacity``,
BioLogic ``(Q-Qo)``). A counter that runs on from a CC step into the CV step after it must not be
restarted at the step boundary (that double counts the CC part), and a counter that restarts
must not be differenced across the restart.

:func:`classify_counter` looks at the records where a step, a half-cycle or a cycle begins and
asks, for each boundary the data can decide (the counter held a value before it), whether the
counter fell back (restart) or ran on. The reset rule is the finest boundary kind at which the
counter restarts *every time* it can be seen to. Resets are then applied at every boundary of that
kind (so a restart that the data cannot see, after a step too short to fall from, is still
honoured), plus wherever the counter visibly falls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: a counter "falls back" at a boundary when its new value is at most this fraction of the value
#: before it (float32 counters jitter by ~1e-7 relative; a restart drops to ~one record's charge)
RESTART_FRACTION = 0.5

RESET_RULES: tuple[str, ...] = ("step", "half-cycle", "cycle", "never", "mixed")


@dataclass(frozen=True)
class CounterClass:
    """How a counter restarts, and the evidence."""

    rule: str  # one of RESET_RULES
    restarts_seen: dict[str, int]  # boundary kind → restarts observed
    runs_on_seen: dict[str, int]  # boundary kind → boundaries where the counter ran on

    def describe(self) -> str:
        ev = "; ".join(
            f"at {k} boundaries {self.restarts_seen.get(k, 0)} restart(s), {self.runs_on_seen.get(k, 0)} run-on(s)"
            for k in ("step", "half-cycle", "cycle")
            if self.restarts_seen.get(k, 0) or self.runs_on_seen.get(k, 0)
        )
        head = {"never": "never restarts", "mixed": "restarts irregularly (only visible falls taken as restarts)"}.get(
            self.rule, f"restarts every {self.rule}")
        return head + (f" ({ev})" if ev else "")


def boundary_masks(step: Any, direction: Any, cycle: Any) -> dict[str, npt.NDArray[np.bool_]]:
    """Where steps, half-cycles and cycles begin (row 0 excluded).

    ``direction``: +1 charge, −1 discharge, 0 anything else, per record (constant within a step;
    the value at the step's first record is used). A half-cycle begins at the first record of a
    charge or discharge step whose direction differs from the last charge/discharge step before
    it; a new cycle is also a new half-cycle.
    """
    import numpy as np

    s = np.asarray(step)
    d = np.asarray(direction)
    c = np.asarray(cycle)
    n = len(s)
    step_b = np.zeros(n, dtype=bool)
    cyc_b = np.zeros(n, dtype=bool)
    half_b = np.zeros(n, dtype=bool)
    if n > 1:
        step_b[1:] = s[1:] != s[:-1]
        cyc_b[1:] = c[1:] != c[:-1]
        starts = np.flatnonzero(step_b | (np.arange(n) == 0))
        ds = d[starts]
        active = ds != 0
        # direction of the last active step before each step
        idx = np.where(active, np.arange(len(ds)), -1)
        last = np.maximum.accumulate(idx)
        prev = np.zeros(len(ds), dtype=ds.dtype)
        ok = last[:-1] >= 0
        prev[1:][ok] = ds[last[:-1][ok]]
        new_half = active & (prev != 0) & (ds != prev)
        half_b[starts[new_half]] = True
        half_b[0] = False
    return {"step": step_b, "half-cycle": half_b | cyc_b, "cycle": cyc_b}


def _fell(v: Any, b: Any, tiny: float) -> tuple[int, int]:
    """(restarts, run-ons) of counter ``v`` at boundary rows ``b`` where it held a value before."""
    import numpy as np

    b = np.flatnonzero(np.asarray(b))
    if b.size == 0:
        return 0, 0
    prev, cur = v[b - 1], v[b]
    informative = prev > tiny
    fell = informative & (cur <= RESTART_FRACTION * prev)
    return int(fell.sum()), int((informative & ~fell).sum())


def classify_counter(values: Any, bounds: dict[str, Any], *, tiny: float | None = None) -> CounterClass:
    """The reset rule of a cumulative counter (magnitudes; see the module docstring):
    ``step``, ``half-cycle``, ``cycle``, ``never``, or ``mixed`` (restarts at some boundaries of a
    kind and runs on at others: then only visible falls are taken as restarts)."""
    import numpy as np

    v = np.abs(np.asarray(values, dtype=float))
    n = len(v)
    if tiny is None:
        vmax = float(np.nanmax(v)) if n else 0.0
        tiny = 1e-6 * vmax if vmax > 0 else 0.0
    step_b = np.asarray(bounds["step"], dtype=bool)
    half_b = np.asarray(bounds["half-cycle"], dtype=bool)
    cyc_b = np.asarray(bounds["cycle"], dtype=bool)
    inner = _fell(v, step_b & ~half_b, tiny)  # step boundaries inside a half-cycle (CC -> CV)
    mid = _fell(v, half_b & ~cyc_b, tiny)  # half-cycle boundaries inside a cycle
    cyc = _fell(v, cyc_b, tiny)
    restarts = {"step": inner[0], "half-cycle": mid[0], "cycle": cyc[0]}
    runs = {"step": inner[1], "half-cycle": mid[1], "cycle": cyc[1]}
    if inner[0] and not inner[1]:
        rule = "step"
    elif not inner[0] and mid[0] and not mid[1]:
        rule = "half-cycle"
    elif not inner[0] and not mid[0] and cyc[0] and not cyc[1]:
        rule = "cycle"
    elif not inner[0] and not mid[0] and not cyc[0]:
        rule = "never"
    else:
        rule = "mixed"
    return CounterClass(rule, restarts, runs)


def counter_increments(
    values: Any, bounds: dict[str, Any] | None = None, *, rule: str | None = None, first_is_offset: bool = False,
) -> tuple[npt.NDArray[np.float64], CounterClass | None]:
    """Per-record increments of a cumulative counter (magnitudes) and its classified reset rule.

    Resets are applied at every boundary of the counter's rule (``rule`` given, or classified
    from ``bounds``) and wherever the counter falls to at most :data:`RESTART_FRACTION` of its
    previous value. ``first_is_offset``: the first record's value is history from before the file
    (an excerpt, a counter carried over) and contributes nothing.
    """
    import numpy as np

    v = np.abs(np.asarray(values, dtype=float))
    n = len(v)
    inc = np.empty_like(v)
    if n == 0:
        return inc, None
    cls = None
    if rule is None and bounds is not None:
        cls = classify_counter(v, bounds)
        rule = cls.rule
    inc[0] = v[0]
    inc[1:] = np.diff(v)
    mask = np.zeros(n, dtype=bool)
    if bounds is not None and rule in ("step", "half-cycle", "cycle"):
        mask |= np.asarray(bounds[rule], dtype=bool)
    mask[1:] |= (inc[1:] < 0) & (v[1:] <= RESTART_FRACTION * v[:-1])
    inc[mask] = v[mask]
    if first_is_offset:
        inc[0] = 0.0
    return inc, cls


def net_increments(values: Any, resets: Any = None) -> npt.NDArray[np.float64]:
    """Increments of a *signed* cumulative counter (charge positive, e.g. BioLogic ``(Q-Qo)``);
    ``resets`` marks records where it restarted from 0."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    inc = np.empty_like(v)
    if len(v) == 0:
        return inc
    inc[0] = v[0]
    inc[1:] = np.diff(v)
    if resets is not None:
        r = np.asarray(resets, dtype=bool)
        inc[r] = v[r]
    return inc
