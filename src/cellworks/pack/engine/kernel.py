"""One protocol step for a batch of packs: :func:`run_step` (numba, ``cache=True``).

Per time step and pack:

1. cell and group sources (:mod:`~cellworks.pack.engine.cells`), leakage and soft shorts at the
   present time, bleed paths with their switch states;
2. the string current from the step's control (current, power, load resistance, or a voltage hold
   on the highest cell / the pack), clamped so no group leaves [v_min, v_max]; a step's voltage
   cut-off ends it when the clamp binds; charge current derated above the temperature limit;
3. the controller measures the group voltages (bleeds momentarily off, or on, with a fixed
   per-group error) when a decision is due, decides in the kernel (threshold rule) or hands the
   measurement to a Python policy (the step returns "decision due" and resumes with its answer),
   then the hardware limits act (:mod:`~cellworks.pack.engine.control`) and the hold / gap timers
   are set;
4. the instantaneous hysteresis sign of every cell follows its *present* current (Plett: kept
   unless |i| > Q/100), before the voltage is used;
5. cells and the thermal network advance by ``dt``; near a cut-off ``dt`` shrinks so the limit is
   met within ``dt_min``; in rests without bleeding ``dt`` grows (SOC change ≤ dz_max per step).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from cellworks import _numba_cache  # noqa: F401
from cellworks.pack.engine.cells import (
    advance_cells,
    bleed_current,
    bleed_paths,
    group_sources,
    leaks,
    thermal_step,
)
from cellworks.pack.engine.control import enforce_hardware, select_bleeds
from cellworks.pack.engine.layout import (
    A_DONE,
    A_EXT_LEFT,
    A_LAST_I,
    A_NEXT,
    A_NEXT_MEAS,
    A_NEXT_REC,
    A_OFF_AT,
    A_PENDING,
    A_PREV_DT,
    A_PREV_V,
    A_PULSE_REST,
    A_PULSE_T,
    A_RR,
    A_T_UNBAL,
    A_TBAL,
    A_UNBAL,
    CS_M0,
    CS_SIGN_A,
    CS_VMAX,
    CS_VMIN,
    EV_CLAMP,
    EV_DERATE,
    EV_ONCHIP,
    EV_OVER_RATING,
    EV_UNDERVOLTAGE,
    HW_CLAMPED,
    HW_R,
    HW_RATING_W,
    HW_RFET,
    HW_SENSE_OHM,
    HW_VSTOP,
    MODE_CURRENT,
    MODE_HOLD,
    MODE_REST,
    O_BLEED_S,
    O_EBLEED_FET,
    O_EBLEED_R,
    O_ECH,
    O_EDIS,
    O_ELAPSED,
    O_NSTEPS,
    O_PMAX_PACK,
    O_PMAX_RES,
    O_QBLEED,
    O_QCH,
    O_QDIS,
    O_REASON,
    O_TBOARD_MAX,
    O_TMAX,
    O_VMAX,
    O_VMIN,
    OPT_DT_MIN,
    OPT_MAX_STEPS,
    OPT_REC_EVERY,
    POL_COMPILED,
    POL_ENABLED,
    POL_EXTEND,
    POL_EXTEND_S,
    POL_GAP_S,
    POL_HOLD_S,
    POL_MAX_EXT,
    POL_MEAS_BLEEDING,
    POL_PERIOD,
    POL_PULSE_ON,
    POL_PULSE_REST,
    POL_PULSE_SHORT_ON,
    POL_PULSE_SHORTEN_V,
    POL_REST_ONLY,
    POL_TFACTOR,
    POL_THRESHOLD,
    POL_TLIMIT_C,
    R_CAPACITY,
    R_CURRENT,
    R_CUTOFF,
    R_DECIDE,
    R_DURATION,
    R_OVERVOLTAGE,
    R_PAUSED,
    R_STEP_LIMIT,
    R_UNREACHABLE,
    R_VOLTAGE,
    ST_BASIS_PACK,
    ST_CAPTERM,
    ST_DURATION,
    ST_ITERM,
    ST_MAXRUN,
    ST_MODE,
    ST_SIGN,
    ST_VALUE,
    ST_VTERM,
    TH_ON,
)
from cellworks.pack.engine.stepping import record_point, string_current, time_step


@nb.njit(cache=True)
def _event(ev_count, ev_first, p: int, kind: int, n: int, t: float) -> None:  # type: ignore[no-untyped-def]
    if n > 0:
        if ev_count[p, kind] == 0:
            ev_first[p, kind] = t
        ev_count[p, kind] += n


@nb.njit(cache=True, error_model="numpy")
def run_step(cells, model, st, step, res, rec):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Advance every pack not yet done through one protocol step (or until a Python policy's
    decision is due: reason ``R_DECIDE``, resume by calling again).

    The named tuples are unpacked once into local arrays: reading an array out of a tuple inside
    the loops would cost a reference-count update per access (a ~8× slowdown measured)."""
    P, S, N = st.z.shape
    nrc = st.iR.shape[3]
    stp = step.stp
    pol = step.pol
    opt = step.opt
    offsets = step.offsets_V
    cs = model.cs
    hw = model.hw
    th = model.th
    ocv = model.ocv_V
    dudt = model.dudt_V_per_K
    out = res.out
    vmeas_out = res.vmeas_V
    group_T_out = res.group_T_C
    decide_i_out = res.decide_current_A
    ev_count = res.ev_count
    ev_first = res.ev_first_s
    aux = st.aux
    clock_s = st.clock_s
    board_C = st.board_C
    z_all = st.z
    iR_all = st.iR
    h_all = st.h
    sg_all = st.sg
    T_all = st.T_C
    bleed_all = st.bleed
    pending = st.pending
    q_all = cells.q_As
    r0_all = cells.r0_Ohm
    rR_all = cells.rc_R_Ohm
    tau_all = cells.rc_tau_s
    eta_all = cells.eta
    amb_all = cells.ambient_C
    mode = int(stp[ST_MODE])
    sign = stp[ST_SIGN]
    value = stp[ST_VALUE]
    duration = stp[ST_DURATION]
    vterm = stp[ST_VTERM]
    iterm = stp[ST_ITERM]
    capterm = stp[ST_CAPTERM]
    basis_pack = stp[ST_BASIS_PACK] > 0.5
    maxrun = stp[ST_MAXRUN]
    vmax = cs[CS_VMAX]
    vmin = cs[CS_VMIN]
    M0 = cs[CS_M0]
    sign_C = cs[CS_SIGN_A]
    thermal = th[TH_ON] > 0.5
    pol_on = pol[POL_ENABLED] > 0.5
    compiled = pol[POL_COMPILED] > 0.5
    thr = pol[POL_THRESHOLD]
    period = pol[POL_PERIOD]
    rest_only = pol[POL_REST_ONLY] > 0.5
    pulse_on = pol[POL_PULSE_ON]
    extend = pol[POL_EXTEND] > 0.5
    hold_s = pol[POL_HOLD_S]
    meas_bleeding = pol[POL_MEAS_BLEEDING] > 0.5
    dtmin = opt[OPT_DT_MIN]
    max_steps = opt[OPT_MAX_STEPS]
    record = rec.t_s.shape[1] > 0
    pulsed = pulse_on > 0 and ((mode == MODE_CURRENT and sign < 0) or mode == MODE_HOLD)
    E = np.empty(S)
    G = np.empty(S)
    Gl = np.empty(S)
    Il = np.empty(S)
    Gt = np.empty(S)
    Ic = np.empty(S)
    Ib = np.empty(S)
    V = np.empty(S)
    vm = np.empty(S)
    new = np.empty(S)
    bheat = np.zeros((S, 2))
    ecell = np.empty((S, N))
    fcell = np.empty((S, N))
    heat = np.zeros((S, N))
    acache = np.empty((S, N, max(nrc, 1)))
    inv_r0 = np.empty((S, N))
    inv_q = np.empty((S, N))
    for p in range(P):
        if aux[p, A_DONE] > 0.5:
            continue
        zp = z_all[p]
        iRp = iR_all[p]
        hp = h_all[p]
        sgp = sg_all[p]
        Tp = T_all[p]
        r0p = r0_all[p]
        rRp = rR_all[p]
        etap = eta_all[p]
        ambp = amb_all[p]
        bleed = bleed_all[p]
        leak_Sp = cells.leak_S[p]
        leak_Ap = cells.leak_A[p]
        short_Sp = cells.short_S[p]
        short_onp = cells.short_onset_s[p]
        run = 0.0
        reason = R_PAUSED
        current = 0.0
        flips = 0
        dt_cached = -1.0
        for s in range(S):
            for k in range(N):
                inv_r0[s, k] = 1.0 / r0p[s, k]
                inv_q[s, k] = 1.0 / q_all[p, s, k]
        next_onset = leaks(leak_Sp, leak_Ap, short_Sp, short_onp, clock_s[p], Gl, Il)
        tmax = group_sources(zp, sgp, hp, Tp, iRp, rRp, ocv, dudt, cs, inv_r0, ecell, fcell, E, G)
        while True:
            clock = clock_s[p]
            el = out[p, O_ELAPSED]
            if el >= duration - 1e-9:
                reason = R_DURATION
                break
            if run >= maxrun - 1e-9:
                reason = R_PAUSED
                break
            if out[p, O_NSTEPS] >= max_steps:  # a hostile protocol (Rest for 10⁹ hours while bleeding)
                reason = R_STEP_LIMIT
                break
            if clock >= next_onset - 1e-9:
                next_onset = leaks(leak_Sp, leak_Ap, short_Sp, short_onp, clock, Gl, Il)
            if aux[p, A_OFF_AT] <= clock + 1e-9:  # end of a bleed hold: the gap begins
                aux[p, A_OFF_AT] = math.inf
                for s in range(S):
                    bleed[s] = 0.0
            bleed_paths(bleed, E, Il, G, Gl, hw, Ib, Gt, Ic)
            # ---- sub-phase: pulse rest or over-voltage rest extension
            sub_rest = aux[p, A_EXT_LEFT] > 0.0 or (pulsed and aux[p, A_PULSE_REST] > 0.5)
            in_rest = mode == MODE_REST or sub_rest
            # ---- string current
            current = 0.0
            if not in_rest:
                current, ok = string_current(mode, sign, value, basis_pack, E, Ic, Gt)
                if not ok:
                    reason = R_UNREACHABLE
                    break
                if current < 0.0 and tmax > pol[POL_TLIMIT_C]:
                    current *= pol[POL_TFACTOR]
                    _event(ev_count, ev_first, p, EV_DERATE, 1, clock)
            # ---- per-cell protection and voltage cut-offs
            stop = False
            if current < 0.0:
                vlim = vmax
                by_term = False
                if (not basis_pack) and vterm == vterm and mode != MODE_HOLD and vterm <= vmax:
                    vlim = vterm
                    by_term = True
                imin = -1e300
                for s in range(S):
                    imin = max(imin, E[s] - Ic[s] - vlim * Gt[s])
                if current < imin - 1e-12:
                    if mode == MODE_HOLD:
                        current = min(imin, 0.0)
                    else:
                        # over-voltage before balance: extend the rest and bleed, then repeat
                        spread_ok = True
                        if pol_on and extend and aux[p, A_EXT_LEFT] <= 0.0 and aux[p, A_NEXT] < pol[POL_MAX_EXT]:
                            vlo = 1e300
                            vhi = -1e300
                            for s in range(S):
                                v = (E[s] - current - Il[s]) / (G[s] + Gl[s]) + offsets[p, s]
                                vlo = min(vlo, v)
                                vhi = max(vhi, v)
                            spread_ok = vhi - vlo <= thr
                        if not spread_ok:
                            aux[p, A_EXT_LEFT] = pol[POL_EXTEND_S]
                            aux[p, A_NEXT] += 1.0
                            aux[p, A_NEXT_MEAS] = clock
                            aux[p, A_OFF_AT] = math.inf
                            continue
                        reason = R_VOLTAGE if by_term else R_OVERVOLTAGE
                        stop = True
                if basis_pack and vterm == vterm and not stop and mode != MODE_HOLD:
                    vp = 0.0
                    for s in range(S):
                        vp += (E[s] - current - Ic[s]) / Gt[s]
                    if vp >= vterm:
                        reason = R_VOLTAGE
                        stop = True
            elif current > 0.0:
                vcut = vmin
                by_term = False
                if (not basis_pack) and vterm == vterm and vterm >= vmin:
                    vcut = vterm
                    by_term = True
                imax = 1e300
                for s in range(S):
                    imax = min(imax, E[s] - Ic[s] - vcut * Gt[s])
                if current > imax + 1e-12:
                    reason = R_VOLTAGE if by_term else R_CUTOFF
                    stop = True
                if basis_pack and vterm == vterm and not stop:
                    vp = 0.0
                    for s in range(S):
                        vp += (E[s] - current - Ic[s]) / Gt[s]
                    if vp <= vterm:
                        reason = R_VOLTAGE
                        stop = True
            if stop:
                break
            if iterm == iterm and mode == MODE_HOLD and not sub_rest and abs(current) <= iterm and el > 0.0:
                reason = R_CURRENT
                break
            qstep = out[p, O_QCH] + out[p, O_QDIS]
            if capterm == capterm and qstep >= capterm - 1e-12:
                reason = R_CAPACITY
                break
            # ---- group voltages at this current
            for s in range(S):
                V[s] = (E[s] - current - Ic[s]) / Gt[s]
            # ---- instantaneous hysteresis follows the present current of every cell
            if M0 != 0.0 and flips < 4:
                flipped = False
                for s in range(S):
                    for k in range(N):
                        f = fcell[s, k]
                        ik = (ecell[s, k] - V[s]) * inv_r0[s, k] / f
                        if abs(ik) > sign_C * q_all[p, s, k] / 3600.0:
                            sn = 1.0 if ik > 0.0 else -1.0
                            if sn != sgp[s, k]:
                                d = M0 * (sn - sgp[s, k])
                                sgp[s, k] = sn
                                ecell[s, k] += d
                                E[s] += d * inv_r0[s, k] / f
                                flipped = True
                if flipped:
                    flips += 1
                    continue
            # ---- measurement and decision
            if pol_on and ((not rest_only) or current == 0.0) and clock >= aux[p, A_NEXT_MEAS] - 1e-9:
                vlo = 1e300
                vhi = -1e300
                for s in range(S):
                    if meas_bleeding:
                        ib = bleed_current(Ib[s], V[s], hw) if bleed[s] > 0.5 else 0.0
                        vm[s] = V[s] - hw[HW_SENSE_OHM] * ib + offsets[p, s]
                    else:  # the bleeds switched off for the instant of the measurement
                        vm[s] = (E[s] - current - Il[s]) / (G[s] + Gl[s]) + offsets[p, s]
                    vmeas_out[p, s] = vm[s]
                    vlo = min(vlo, vm[s])
                    vhi = max(vhi, vm[s])
                if compiled:
                    aux[p, A_RR] = select_bleeds(pol, vm, int(aux[p, A_RR]), new)
                else:
                    if aux[p, A_PENDING] < 0.5:
                        for s in range(S):
                            t = -1e300
                            for k in range(N):
                                t = max(t, Tp[s, k])
                            group_T_out[p, s] = t
                        decide_i_out[p] = current
                        reason = R_DECIDE
                        break
                    aux[p, A_PENDING] = 0.0
                    for s in range(S):
                        new[s] = pending[p, s]
                n_chip = enforce_hardware(hw, pol, new, vm)
                if n_chip > 0:
                    _event(ev_count, ev_first, p, EV_ONCHIP, n_chip, clock)
                anyon = False
                changed = False
                for s in range(S):
                    if new[s] > 0.5:
                        anyon = True
                    if new[s] != bleed[s]:
                        changed = True
                    bleed[s] = new[s]
                if vhi - vlo > thr:
                    if aux[p, A_UNBAL] < 0.5:
                        aux[p, A_T_UNBAL] = clock  # first seen unbalanced: time to balance counts from here
                    aux[p, A_UNBAL] = 1.0
                elif aux[p, A_UNBAL] > 0.5 and aux[p, A_TBAL] != aux[p, A_TBAL]:
                    aux[p, A_TBAL] = clock
                if anyon and hold_s > 0.0:
                    aux[p, A_OFF_AT] = clock + hold_s
                    aux[p, A_NEXT_MEAS] = clock + hold_s + pol[POL_GAP_S]
                else:
                    aux[p, A_NEXT_MEAS] = clock + period
                if changed:
                    if not in_rest or M0 != 0.0:
                        continue  # the current (or a hysteresis sign) may depend on the bleeds: recompute
                    # at rest only the group conductances change
                    bleed_paths(bleed, E, Il, G, Gl, hw, Ib, Gt, Ic)
                    for s in range(S):
                        V[s] = (E[s] - Ic[s]) / Gt[s]
            # ---- bleeding stops below the stop voltage whatever the policy said; pack sums
            n_uv = 0
            vpack = 0.0
            vextreme = -1e300 if current < 0.0 else 1e300
            anybleed = False
            for s in range(S):
                if bleed[s] > 0.5:
                    if V[s] < hw[HW_VSTOP]:
                        bleed[s] = 0.0
                        n_uv += 1
                    else:
                        anybleed = True
                vpack += V[s]
                vextreme = max(vextreme, V[s]) if current < 0.0 else min(vextreme, V[s])
            if n_uv > 0:
                _event(ev_count, ev_first, p, EV_UNDERVOLTAGE, n_uv, clock)
                continue  # the bleeds changed: recompute the step
            # ---- time step
            dt = time_step(opt, pol, cs, ocv, aux, p, clock, current, mode, basis_pack, vterm, anybleed, pulsed, V,
                            ecell, fcell, r0p, q_all[p], zp, vextreme)
            if duration - el < dt:
                dt = duration - el
            if maxrun - run < dt:
                dt = maxrun - run
            if capterm == capterm and current != 0.0:
                dtc = (capterm - qstep) * 3600.0 / abs(current)
                if dtc < dt:
                    dt = max(dtc, 1e-6)
            if next_onset - clock < dt:
                dt = max(next_onset - clock, dtmin)
            if pulsed:
                if aux[p, A_PULSE_REST] > 0.5:
                    left = pol[POL_PULSE_REST] - aux[p, A_PULSE_T]
                else:
                    on_s = pol[POL_PULSE_SHORT_ON] if vextreme >= pol[POL_PULSE_SHORTEN_V] else pulse_on
                    left = on_s - aux[p, A_PULSE_T]
                if left <= 1e-9:
                    aux[p, A_PULSE_T] = 0.0
                    if aux[p, A_PULSE_REST] > 0.5:
                        aux[p, A_PULSE_REST] = 0.0
                    else:
                        aux[p, A_PULSE_REST] = 1.0
                        # measure at the end of the rest
                        aux[p, A_NEXT_MEAS] = max(aux[p, A_NEXT_MEAS], clock + pol[POL_PULSE_REST] - 1e-6)
                    continue
                dt = min(dt, left)
            if aux[p, A_EXT_LEFT] > 0.0:
                dt = min(dt, aux[p, A_EXT_LEFT])
            # ---- record (decimated; the first instant of a step always)
            if record and clock >= aux[p, A_NEXT_REC]:
                record_point(rec, p, clock, current, V, bleed, zp, Tp, board_C, aux, out)
                aux[p, A_NEXT_REC] = clock + opt[OPT_REC_EVERY]
            # ---- statistics
            if current < 0.0:
                out[p, O_QCH] += -current * dt / 3600.0
                out[p, O_ECH] += -current * vpack * dt / 3600.0
            else:
                out[p, O_QDIS] += current * dt / 3600.0
                out[p, O_EDIS] += current * vpack * dt / 3600.0
            ptot = 0.0
            for s in range(S):
                bheat[s, 0] = 0.0
                bheat[s, 1] = 0.0
                if bleed[s] > 0.5:
                    ib = bleed_current(Ib[s], V[s], hw)
                    pr = ib * ib * hw[HW_R]
                    pf = ib * ib * hw[HW_RFET]
                    bheat[s, 0] = pr
                    bheat[s, 1] = pf
                    ptot += ib * V[s]
                    out[p, O_EBLEED_R] += pr * dt
                    out[p, O_EBLEED_FET] += pf * dt
                    out[p, O_QBLEED] += ib * dt / 3600.0
                    out[p, O_BLEED_S] += dt
                    out[p, O_PMAX_RES] = max(out[p, O_PMAX_RES], pr)
                    if pr > hw[HW_RATING_W] * (1.0 + 1e-9):
                        _event(ev_count, ev_first, p, EV_OVER_RATING, 1, clock)
                    if Ib[s] > 0.0 and hw[HW_CLAMPED] > 0.5:
                        _event(ev_count, ev_first, p, EV_CLAMP, 1, clock)
                out[p, O_VMIN] = min(out[p, O_VMIN], V[s])
                out[p, O_VMAX] = max(out[p, O_VMAX], V[s])
            out[p, O_PMAX_PACK] = max(out[p, O_PMAX_PACK], ptot)
            out[p, O_TMAX] = max(out[p, O_TMAX], tmax)
            out[p, O_TBOARD_MAX] = max(out[p, O_TBOARD_MAX], board_C[p])
            # ---- advance every cell (and compute the next step's sources in the same pass)
            if dt != dt_cached:
                for s in range(S):
                    for k in range(N):
                        for j in range(nrc):
                            acache[s, k, j] = math.exp(-dt / tau_all[p, s, k, j])
                dt_cached = dt
            advance_cells(zp, sgp, hp, Tp, iRp, rRp, r0p, etap, ocv, dudt, cs, thermal, dt, V, acache, ecell, fcell,
                          inv_r0, inv_q, heat, E, G)
            if thermal:  # temperatures moved: every source again (isothermal: advance_cells did it)
                thermal_step(Tp, ambp, board_C, p, cs, th, dt, heat, bheat)
                tmax = group_sources(zp, sgp, hp, Tp, iRp, rRp, ocv, dudt, cs, inv_r0, ecell, fcell, E, G)
            flips = 0
            aux[p, A_PREV_V] = vextreme
            aux[p, A_PREV_DT] = dt
            aux[p, A_LAST_I] = current
            clock_s[p] += dt
            out[p, O_ELAPSED] += dt
            out[p, O_NSTEPS] += 1.0
            run += dt
            if pulsed:
                aux[p, A_PULSE_T] += dt
            if aux[p, A_EXT_LEFT] > 0.0:
                aux[p, A_EXT_LEFT] = max(aux[p, A_EXT_LEFT] - dt, 0.0)
        out[p, O_REASON] = reason
        if reason != R_DECIDE and reason != R_PAUSED:
            aux[p, A_DONE] = 1.0
            if record and out[p, O_NSTEPS] > 0:  # the step's last instant, at its last current
                i_last = aux[p, A_LAST_I]
                bleed_paths(bleed, E, Il, G, Gl, hw, Ib, Gt, Ic)
                for s in range(S):
                    V[s] = (E[s] - i_last - Ic[s]) / Gt[s]
                record_point(rec, p, clock_s[p], i_last, V, bleed, zp, Tp, board_C, aux, out)


