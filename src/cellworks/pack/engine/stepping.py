"""Pieces of one kernel step that need no cell loop of their own: the string current a step's
control demands, the choice of the time step, and writing a trace record."""

from __future__ import annotations

import math

import numba as nb

from cellworks import _numba_cache  # noqa: F401
from cellworks.pack.engine.layout import (
    A_EXT_LEFT,
    A_NEXT_MEAS,
    A_NREC,
    A_OFF_AT,
    A_PREV_DT,
    A_PREV_V,
    A_PULSE_REST,
    A_STEP_NO,
    CS_VMAX,
    CS_VMIN,
    MODE_CURRENT,
    MODE_HOLD,
    MODE_POWER,
    MODE_RESISTANCE,
    O_ECH,
    O_EDIS,
    O_QCH,
    O_QDIS,
    OPT_ADAPTIVE,
    OPT_DT,
    OPT_DT_MIN,
    OPT_DT_REST_MAX,
    OPT_DZ_MAX,
    POL_ENABLED,
    POL_GAP_S,
    POL_HOLD_S,
)


@nb.njit(cache=True, inline="always", error_model="numpy")
def string_current(mode: int, sign: float, value: float, basis_pack: bool, E, Ic, Gt) -> tuple[float, bool]:  # type: ignore[no-untyped-def]
    """String current (> 0 discharge) demanded by the step's control; False if a power is unreachable."""
    S = E.shape[0]
    if mode == MODE_CURRENT:
        return sign * value, True
    A = 0.0
    B = 0.0
    for s in range(S):
        A += (E[s] - Ic[s]) / Gt[s]
        B += 1.0 / Gt[s]
    if mode == MODE_RESISTANCE:
        return A / (value + B), True
    if mode == MODE_POWER:
        if sign > 0:
            disc = A * A - 4.0 * B * value
            if disc < 0.0:
                return 0.0, False
            return (A - math.sqrt(disc)) / (2.0 * B), True
        return -(-A + math.sqrt(A * A + 4.0 * B * value)) / (2.0 * B), True
    if mode == MODE_HOLD:
        if basis_pack:
            current = (A - value) / B
        else:
            current = -1e300
            for s in range(S):
                current = max(current, E[s] - Ic[s] - value * Gt[s])
        return min(current, 0.0), True  # a charger cannot sink current
    return 0.0, True


@nb.njit(cache=True, inline="always", error_model="numpy")
def record_point(rec, p, clock, current, V, bleed, zp, Tp, board_C, aux, out) -> None:  # type: ignore[no-untyped-def]
    """Append one trace record of pack ``p`` (nothing when the trace is full)."""
    n = int(aux[p, A_NREC])
    if n >= rec.t_s.shape[1]:
        return
    S, N = zp.shape
    group_V = rec.group_V  # out of the tuple once (each tuple access costs a reference count)
    rbleed = rec.bleed
    soc = rec.soc
    T_C = rec.T_C
    vpack = 0.0
    for s in range(S):
        vpack += V[s]
        group_V[p, n, s] = V[s]
        rbleed[p, n, s] = bleed[s]
        for k in range(N):
            soc[p, n, s, k] = zp[s, k]
            T_C[p, n, s, k] = Tp[s, k]
    rec.t_s[p, n] = clock
    rec.current_A[p, n] = -current
    rec.voltage_V[p, n] = vpack
    rec.step_q[p, n, 0] = out[p, O_QCH]
    rec.step_q[p, n, 1] = out[p, O_QDIS]
    rec.step_q[p, n, 2] = out[p, O_ECH]
    rec.step_q[p, n, 3] = out[p, O_EDIS]
    rec.step_no[p, n] = aux[p, A_STEP_NO]
    rec.board_C[p, n] = board_C[p]
    aux[p, A_NREC] = n + 1


@nb.njit(cache=True, inline="always", error_model="numpy")
def time_step(opt, pol, cs, ocv, aux, p, clock, current, mode, basis_pack, vterm, anybleed, pulsed, V, ecell,  # type: ignore[no-untyped-def]
               fcell, r0p, qp, zp, vextreme) -> float:
    """The next time step: large in quiet rests, landing on measurements, hold ends and cut-offs."""
    dt0 = opt[OPT_DT]
    dtmin = opt[OPT_DT_MIN]
    adaptive = opt[OPT_ADAPTIVE] > 0.5
    S, N = ecell.shape
    dt = dt0
    if current == 0.0 and adaptive and not anybleed and aux[p, A_EXT_LEFT] <= 0.0 and not (
        pulsed and aux[p, A_PULSE_REST] > 0.5
    ):
        # long rest / storage: SOC moves only by leakage (and, in parallel groups, by the
        # circulating currents that equalise the cells: explicit steps stay below the time
        # constant R0·Q/(dOCV/dz) of that exchange)
        dt = opt[OPT_DT_REST_MAX]
        ng = ocv.shape[0] - 1
        for s in range(S):
            for k in range(N):
                r0k = r0p[s, k] * fcell[s, k]
                ik = abs(ecell[s, k] - V[s]) / r0k
                q = qp[s, k]
                if ik > 0.0:
                    dt = min(dt, opt[OPT_DZ_MAX] * q / ik)
                if N > 1:
                    jz = min(max(int(zp[s, k] * ng), 0), ng - 1)
                    slope = max((ocv[jz + 1] - ocv[jz]) * ng, 0.05)
                    dt = min(dt, 0.5 * r0k * q / slope)
        dt = max(dt, dt0)
    if pol[POL_ENABLED] > 0.5:
        to_meas = aux[p, A_NEXT_MEAS] - clock
        gap = pol[POL_HOLD_S] > 0.0 and to_meas <= pol[POL_GAP_S] + 1e-9
        if to_meas > 1e-9 and (anybleed or gap or (pulsed and aux[p, A_PULSE_REST] > 0.5)):
            dt = min(dt, max(to_meas, dtmin))
        if aux[p, A_OFF_AT] < math.inf:
            dt = min(dt, max(aux[p, A_OFF_AT] - clock, dtmin))
    if adaptive and current != 0.0 and mode != MODE_HOLD and aux[p, A_PREV_DT] > 0.0:
        lim = cs[CS_VMAX] if current < 0.0 else cs[CS_VMIN]
        if (not basis_pack) and vterm == vterm:
            lim = vterm if current < 0.0 and vterm < cs[CS_VMAX] else lim
            lim = vterm if current > 0.0 and vterm > cs[CS_VMIN] else lim
        rate = (vextreme - aux[p, A_PREV_V]) / aux[p, A_PREV_DT]
        margin = lim - vextreme
        if rate != 0.0 and margin / rate > 0.0:
            dt = min(dt, max(dtmin, 0.5 * margin / rate))
    return dt
