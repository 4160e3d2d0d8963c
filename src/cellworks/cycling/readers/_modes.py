"""Step modes: what a step *did* (CC, CV, CC-CV, rest, OCV, impedance, pulse, GITT/HPPC, ...).

The mode column (``step_mode``) complements ``step_type`` (the direction: charge, discharge,
rest, other). Readers give the mode the instrument recorded where it records one (Neware
``Status``, BioLogic ``mode``/technique and frequency, Maccor ``FRA`` state); otherwise
:func:`derive_step_modes` infers it from the records, and :func:`recognise_pulse_protocols`
marks GITT and HPPC sequences. Every rule and threshold is stated below so a user can check a
classification by eye.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: every value of the ``step_mode`` column
STEP_MODES: tuple[str, ...] = (
    "CC", "CV", "CCCV", "CP", "CPCV", "CR", "rest", "OCV", "impedance", "pulse", "GITT", "HPPC", "drive",
    "ramp", "other",
)
#: modes whose steps do not start or continue a half-cycle when cycles are paired (their charge still
#: counts in the cycle they fall in): impedance sweeps, single pulses, HPPC pulse pairs, drive profiles
NON_PAIRING_MODES = frozenset({"impedance", "pulse", "HPPC", "drive"})

#: CC: the step's |I| stays within this fraction of its median (instrument CC regulation is ~0.1 %)
CC_CURRENT_SPREAD = 0.05
#: CV: the step's voltage stays within this many volts (CV regulation is ~1 mV)
CV_VOLTAGE_SPREAD_V = 0.01
#: CC-CV: the last part (this fraction of the records) holds the voltage within CV_VOLTAGE_SPREAD_V
#: while the current at the end has fallen below this fraction of the current at the start
CCCV_TAIL_FRACTION = 0.3
CCCV_CURRENT_DROP = 0.8
#: an HPPC pulse lasts between these (USABC/FreedomCAR 10 s, EUCAR 18 s, some 30 s); shorter steps
#: are cut-off-limited steps of a cell at its voltage limits, not pulses
PULSE_MIN_S = 5.0
PULSE_MAX_S = 30.0
#: HPPC pulses end on time, so their durations repeat: within this fraction of another pulse's
PULSE_DURATION_MATCH = 0.05
#: GITT: at least this many current steps of one direction and one current (within CC_CURRENT_SPREAD),
#: each followed by a rest at least as long as itself, none passing more than GITT_MAX_SHARE of the run
GITT_MIN_PULSES = 3
GITT_MAX_SHARE = 0.25
#: HPPC: a discharge pulse and a charge pulse (each ≤ PULSE_MAX_S) separated by at most this rest
HPPC_MAX_GAP_S = 120.0


def derive_step_modes(
    t: Any, current_A: Any, voltage_V: Any, step: Any, direction_code: Any,
) -> npt.NDArray[np.object_]:
    """Per-step mode from the records (vectorised over steps): rest for rest steps, CC when |I|
    is constant, CV when V is constant, CCCV when a constant-current start ends in a held voltage,
    else ``other``. ``direction_code``: 0 charge, 1 discharge, 2 rest, 3 other per step.

    Returns one label per step (steps are consecutive runs of ``step``)."""
    import numpy as np

    i = np.abs(np.asarray(current_A, dtype=float))
    v = np.asarray(voltage_V, dtype=float)
    s = np.asarray(step)
    n = len(s)
    if n == 0:
        return np.zeros(0, dtype=object)
    new = np.ones(n, dtype=bool)
    new[1:] = s[1:] != s[:-1]
    idx = np.flatnonzero(new)
    ends = np.r_[idx[1:], n]
    imax = np.maximum.reduceat(i, idx)
    imin = np.minimum.reduceat(i, idx)
    vmax = np.maximum.reduceat(v, idx)
    vmin = np.minimum.reduceat(v, idx)
    counts = ends - idx
    # median |I| of a step ~ its mean for CC; use the mean of max/min as the scale (no sort)
    scale = np.maximum(0.5 * (imax + imin), 1e-300)
    cc = (imax - imin) <= 2 * CC_CURRENT_SPREAD * scale
    cv = (vmax - vmin) <= CV_VOLTAGE_SPREAD_V
    d = np.asarray(direction_code)
    out = np.full(len(idx), "other", dtype=object)
    active = (d == 0) | (d == 1)
    out[active & cc] = "CC"
    out[active & ~cc & cv] = "CV"
    # CC-CV inside one step: the tail holds the voltage and the current fell
    cand = np.flatnonzero(active & ~cc & ~cv & (counts >= 10))
    for k in cand.tolist():
        a, b = int(idx[k]), int(ends[k])
        tail = a + int((1 - CCCV_TAIL_FRACTION) * (b - a))
        vt = v[tail:b]
        if vt.max() - vt.min() <= CV_VOLTAGE_SPREAD_V and i[b - 1] < CCCV_CURRENT_DROP * i[a + max(1, (b - a) // 10)]:
            out[k] = "CCCV"
    out[d == 2] = "rest"
    return out


def recognise_pulse_protocols(
    modes: Any, direction_code: Any, duration_s: Any, mean_abs_current_A: Any, charge_Ah: Any,
) -> npt.NDArray[np.object_]:
    """Mark GITT and HPPC steps (see the module constants for the rules); other steps unchanged.

    All arguments are per step. ``charge_Ah``: charge passed by the step (either direction)."""
    import numpy as np

    m = np.array(modes, dtype=object)
    d = np.asarray(direction_code)
    dur = np.asarray(duration_s, dtype=float)
    cur = np.asarray(mean_abs_current_A, dtype=float)
    q = np.asarray(charge_Ah, dtype=float)
    n = len(m)
    active = ((d == 0) | (d == 1)) & np.isin(m, ["CC", "other", "pulse"])
    # HPPC: discharge pulse, (rest ≤ gap), charge pulse — both time-limited pulses whose durations
    # repeat those of another pair
    pulse = active & (dur >= PULSE_MIN_S) & (dur <= PULSE_MAX_S)
    pairs: list[tuple[int, int]] = []
    for k in np.flatnonzero(pulse & (d == 1)).tolist():
        j = k + 1
        gap = 0.0
        while j < n and d[j] == 2 and gap + dur[j] <= HPPC_MAX_GAP_S:
            gap += dur[j]
            j += 1
        if j < n and pulse[j] and d[j] == 0:
            pairs.append((k, j))
    for a, (k, j) in enumerate(pairs):
        twins = [b for b, (k2, j2) in enumerate(pairs) if b != a
                 and abs(dur[k2] - dur[k]) <= PULSE_DURATION_MATCH * dur[k]
                 and abs(dur[j2] - dur[j]) <= PULSE_DURATION_MATCH * dur[j]]
        if twins:
            m[k] = m[j] = "HPPC"
    # GITT: runs of same-direction, same-current steps each followed by a rest at least as long
    k = 0
    while k < n:
        if not (active[k] and m[k] != "HPPC"):
            k += 1
            continue
        run = [k]
        j = k
        while True:
            r = j + 1
            rest = 0.0
            while r < n and d[r] == 2:
                rest += dur[r]
                r += 1
            if rest < dur[j]:
                break
            if (r < n and active[r] and m[r] != "HPPC" and d[r] == d[k]
                    and abs(cur[r] - cur[k]) <= CC_CURRENT_SPREAD * max(cur[k], 1e-300)):
                run.append(r)
                j = r
            else:
                break
        total = float(q[run].sum())
        if len(run) >= GITT_MIN_PULSES and total > 0 and float(q[run].max()) <= GITT_MAX_SHARE * total:
            m[run] = "GITT"
            k = run[-1] + 1
        else:
            k += 1
    return m
