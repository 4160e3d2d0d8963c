"""Compiled core of the pack simulator (numba, ``cache=True``).

One call advances a batch of packs through one protocol step. Layout: ``P`` packs × ``S`` series
groups × ``N`` parallel cells. Inside, current ``I`` > 0 is **discharge** (Plett's convention).

Per time step and pack:

1. every cell is an affine source ``v_k = e_k − R0_k·i_k`` with ``e_k = OCV(z_k) + M0·s + M·h − Σ R_j·iR_j``
   (RC currents from the previous step, exact zero-order-hold update), so a parallel group of
   cells with leakage ``G_l`` and bleed conductance ``G_b`` has the closed form
   ``V_g = (Σ e_k/R0_k − I − I_c) / (Σ 1/R0_k + G_l + G_b)``;
2. the string current follows from the step's control (current, power, load resistance, or a
   voltage hold on the highest cell / the pack), then is clamped so no group leaves
   [v_min, v_max] (per-cell protection); a step's voltage cut-off ends it when the clamp binds;
3. the controller (:class:`cellworks.pack.bms.ThresholdBalancer` compiled in) measures the group
   voltages with the bleeds momentarily off plus a fixed per-group error, and switches bleeds;
4. cells advance by ``dt``; near a cut-off ``dt`` shrinks so the limit is met within ``dt_min``;
   in rests without bleeding ``dt`` grows (SOC change ≤ 0.2 % per step) so months of storage take
   a few hundred steps.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole part's source)

# step vector
ST_MODE, ST_SIGN, ST_VALUE, ST_DURATION, ST_VTERM, ST_ITERM, ST_CAPTERM, ST_BASIS_PACK, ST_PHASE, ST_MAXRUN = range(10)
ST_SIZE = 10
MODE_REST, MODE_CURRENT, MODE_POWER, MODE_RESISTANCE, MODE_HOLD = 0, 1, 2, 3, 4
# cell scalars
CS_M0, CS_M, CS_GAMMA, CS_CTH, CS_RTH, CS_EAR, CS_TREF_K, CS_VMAX, CS_VMIN = range(9)
CS_SIZE = 9
# hardware
HW_GB, HW_R, HW_RFET, HW_IBMAX = range(4)
# options
OPT_DT, OPT_DT_MIN, OPT_DT_REST_MAX, OPT_ADAPTIVE, OPT_REC_EVERY, OPT_DZ_MAX = range(6)
OPT_SIZE = 6
# outputs per pack (per step, accumulated by the kernel; reset by the caller)
(O_ELAPSED, O_QCH, O_QDIS, O_ECH, O_EDIS, O_EBLEED_R, O_EBLEED_FET, O_PMAX_RES, O_PMAX_PACK, O_VMIN, O_VMAX,
 O_REASON, O_NSTEPS, O_TMAX, O_QBLEED) = range(15)
O_SIZE = 15
# auxiliary per-pack controller state (persists across steps)
(A_PULSE_T, A_PULSE_REST, A_EXT_LEFT, A_NEXT, A_RR, A_NEXT_MEAS, A_TBAL, A_UNBAL, A_PREV_V, A_PREV_DT, A_NEXT_REC,
 A_NREC, A_NNEXT_MEAS_SET) = range(13)
A_SIZE = 13
# termination reasons
R_PAUSED, R_DURATION, R_VOLTAGE, R_CURRENT, R_CAPACITY, R_CUTOFF, R_OVERVOLTAGE, R_UNREACHABLE = range(8)
REASONS = ("paused", "duration", "voltage", "current", "capacity", "cell cut-off", "cell over-voltage",
           "power unreachable")


@nb.njit(cache=True, inline="always", error_model="numpy")
def _ocv(grid: np.ndarray, z: float) -> float:
    n = grid.shape[0] - 1
    x = z * n
    if x <= 0.0:
        return grid[0] + x * (grid[1] - grid[0])
    if x >= n:
        return grid[n] + (x - n) * (grid[n] - grid[n - 1])
    k = int(x)
    f = x - k
    return grid[k] + f * (grid[k + 1] - grid[k])


@nb.njit(cache=True, inline="always", error_model="numpy")
def _bleed_paths(
    bleed: np.ndarray, E: np.ndarray, Il: np.ndarray, G: np.ndarray, Gl: np.ndarray, gb: float,
    ibmax: float, Ib: np.ndarray, Gt: np.ndarray, Ic: np.ndarray,
) -> None:
    """Each group's bleed path with its switch state: a resistor (conductance gb) or, when the
    estimated group voltage would push more than ibmax through it, a current-limited sink
    (on-chip bleeding); fills the total conductance Gt and source current Ic of every group."""
    for s in range(bleed.shape[0]):
        Ib[s] = 0.0
        gbs = 0.0
        if bleed[s] > 0.5:
            vest = (E[s] - Il[s]) / (G[s] + Gl[s])
            if vest * gb > ibmax:
                Ib[s] = ibmax
            else:
                gbs = gb
        Gt[s] = G[s] + Gl[s] + gbs
        Ic[s] = Il[s] + Ib[s]


@nb.njit(cache=True, error_model="numpy")
def run_step(
    z, iR, h, sg, T, bleed, clock, aux,  # state
    q_As, r0, rR, tau, eta, gl, il, tamb, cs, grid,  # cells
    hw, stp, pol, offsets, opt,  # hardware, step, policy, options
    out, vmeas,  # outputs
    rec_t, rec_i, rec_v, rec_vg, rec_z, rec_b,  # decimated records
):  # pragma: no cover - compiled
    P, S, N = z.shape
    nrc = iR.shape[3]
    mode = int(stp[ST_MODE])
    sign = stp[ST_SIGN]
    value = stp[ST_VALUE]
    duration = stp[ST_DURATION]
    vterm = stp[ST_VTERM]
    iterm = stp[ST_ITERM]
    capterm = stp[ST_CAPTERM]
    basis_pack = stp[ST_BASIS_PACK] > 0.5
    maxrun = stp[ST_MAXRUN]
    M0 = cs[CS_M0]
    Mh = cs[CS_M]
    gam = cs[CS_GAMMA]
    cth = cs[CS_CTH]
    rth = cs[CS_RTH]
    ear = cs[CS_EAR]
    trefk = cs[CS_TREF_K]
    vmax = cs[CS_VMAX]
    vmin = cs[CS_VMIN]
    gb = hw[HW_GB]
    rres = hw[HW_R]
    rfet = hw[HW_RFET]
    ibmax = hw[HW_IBMAX]
    pol_on = pol[0] > 0.5
    select = int(pol[1])
    thr = pol[2]
    period = pol[3]
    rest_only = pol[4] > 0.5
    pulse_on = pol[5]
    pulse_rest = pol[6]
    pulse_vshort = pol[7]
    pulse_short = pol[8]
    extend = pol[9] > 0.5
    extend_s = pol[10]
    max_ext = pol[11]
    tlimit = pol[12]
    tfactor = pol[13]
    dt0 = opt[OPT_DT]
    dtmin = opt[OPT_DT_MIN]
    dtrest = opt[OPT_DT_REST_MAX]
    adaptive = opt[OPT_ADAPTIVE] > 0.5
    rec_every = opt[OPT_REC_EVERY]
    dzmax = opt[OPT_DZ_MAX]
    mrec = rec_t.shape[1]
    record = mrec > 0
    pulsed = mode == MODE_CURRENT and sign < 0 and pulse_on > 0
    E = np.empty(S)
    G = np.empty(S)
    Gl = np.empty(S)
    Il = np.empty(S)
    Gt = np.empty(S)
    Ic = np.empty(S)
    Ib = np.empty(S)
    V = np.empty(S)
    ecell = np.empty((S, N))
    fcell = np.empty((S, N))
    acache = np.empty((S, N, max(nrc, 1)))
    inv_r0 = np.empty((S, N))
    inv_q = np.empty((S, N))
    for p in range(P):
        run = 0.0
        reason = R_PAUSED
        fresh = False
        tmax = 0.0
        dt_cached = -1.0
        zp = z[p]
        Tp = T[p]
        hp = h[p]
        sgp = sg[p]
        r0p = r0[p]
        etap = eta[p]
        tambp = tamb[p]
        iRp = iR[p]
        rRp = rR[p]
        for s in range(S):
            for k in range(N):
                inv_r0[s, k] = 1.0 / r0[p, s, k]
                inv_q[s, k] = 1.0 / q_As[p, s, k]
        while True:
            el = out[p, O_ELAPSED]
            if el >= duration - 1e-9:
                reason = R_DURATION
                break
            if run >= maxrun - 1e-9:
                reason = R_PAUSED
                break
            # ---- group sources (cell part only after the state moved)
            if not fresh:
                tmax = -1e300
                for s in range(S):
                    es = 0.0
                    gs = 0.0
                    gls = 0.0
                    ils = 0.0
                    for k in range(N):
                        f = 1.0
                        if ear > 0.0:
                            f = math.exp(ear * (1.0 / (T[p, s, k] + 273.15) - 1.0 / trefk))
                        ek = _ocv(grid, z[p, s, k]) + M0 * sg[p, s, k] + Mh * h[p, s, k]
                        for j in range(nrc):
                            ek -= rR[p, s, k, j] * f * iR[p, s, k, j]
                        ecell[s, k] = ek
                        fcell[s, k] = f
                        g = inv_r0[s, k] / f
                        es += ek * g
                        gs += g
                        gls += gl[p, s, k]
                        ils += il[p, s, k]
                        if T[p, s, k] > tmax:
                            tmax = T[p, s, k]
                    E[s] = es
                    G[s] = gs
                    Gl[s] = gls
                    Il[s] = ils
                fresh = True
            _bleed_paths(bleed[p], E, Il, G, Gl, gb, ibmax, Ib, Gt, Ic)
            # ---- sub-phase: pulse rest or over-voltage rest extension
            in_rest = mode == MODE_REST
            if aux[p, A_EXT_LEFT] > 0.0:
                in_rest = True
            elif pulsed and aux[p, A_PULSE_REST] > 0.5:
                in_rest = True
            # ---- string current
            current = 0.0
            if not in_rest:
                if mode == MODE_CURRENT:
                    current = sign * value
                    if sign < 0 and tmax > tlimit:
                        current *= tfactor
                elif mode == MODE_POWER or mode == MODE_RESISTANCE:
                    A = 0.0
                    B = 0.0
                    for s in range(S):
                        A += (E[s] - Ic[s]) / Gt[s]
                        B += 1.0 / Gt[s]
                    if mode == MODE_RESISTANCE:
                        current = A / (value + B)
                    elif sign > 0:
                        disc = A * A - 4.0 * B * value
                        if disc < 0.0:
                            reason = R_UNREACHABLE
                            break
                        current = (A - math.sqrt(disc)) / (2.0 * B)
                    else:
                        current = -(-A + math.sqrt(A * A + 4.0 * B * value)) / (2.0 * B)
                elif mode == MODE_HOLD:
                    if basis_pack:
                        A = 0.0
                        B = 0.0
                        for s in range(S):
                            A += (E[s] - Ic[s]) / Gt[s]
                            B += 1.0 / Gt[s]
                        current = (A - value) / B
                    else:
                        current = -1e300
                        for s in range(S):
                            c = E[s] - Ic[s] - value * Gt[s]
                            if c > current:
                                current = c
                    if current > 0.0:
                        current = 0.0  # a charger cannot sink current
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
                    c = E[s] - Ic[s] - vlim * Gt[s]
                    if c > imin:
                        imin = c
                if current < imin - 1e-12:
                    if mode == MODE_HOLD:
                        current = min(imin, 0.0)
                    else:
                        # over-voltage before balance: extend the rest and bleed, then repeat
                        spread_ok = True
                        if pol_on and extend and aux[p, A_EXT_LEFT] <= 0.0 and aux[p, A_NEXT] < max_ext:
                            vlo = 1e300
                            vhi = -1e300
                            for s in range(S):
                                vm = (E[s] - current - Il[s]) / (G[s] + Gl[s]) + offsets[p, s]
                                vlo = min(vlo, vm)
                                vhi = max(vhi, vm)
                            spread_ok = vhi - vlo <= thr
                        if not spread_ok:
                            aux[p, A_EXT_LEFT] = extend_s
                            aux[p, A_NEXT] += 1.0
                            aux[p, A_NEXT_MEAS] = clock[p]
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
                    c = E[s] - Ic[s] - vcut * Gt[s]
                    if c < imax:
                        imax = c
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
            if iterm == iterm and mode == MODE_HOLD and abs(current) <= iterm and el > 0.0:
                reason = R_CURRENT
                break
            qstep = out[p, O_QCH] + out[p, O_QDIS]
            if capterm == capterm and qstep >= capterm - 1e-12:
                reason = R_CAPACITY
                break
            # ---- measurement and controller decision (bleeds momentarily off)
            meas_allowed = (not rest_only) or current == 0.0
            vlo = 1e300
            vhi = -1e300
            for s in range(S):
                vm = (E[s] - current - Il[s]) / (G[s] + Gl[s]) + offsets[p, s]
                vmeas[p, s] = vm
                vlo = min(vlo, vm)
                vhi = max(vhi, vm)
            if pol_on and meas_allowed and clock[p] >= aux[p, A_NEXT_MEAS] - 1e-9:
                aux[p, A_NEXT_MEAS] = clock[p] + period
                changed = False
                if vhi - vlo > thr:
                    aux[p, A_UNBAL] = 1.0
                    if select == 1:
                        for s in range(S):
                            nb_ = 1.0 if vmeas[p, s] - vlo > thr else 0.0
                            if nb_ != bleed[p, s]:
                                changed = True
                            bleed[p, s] = nb_
                    else:
                        pick = 0
                        if select == 0:
                            for s in range(S):
                                if vmeas[p, s] > vmeas[p, pick]:
                                    pick = s
                        else:
                            start = int(aux[p, A_RR])
                            pick = -1
                            for j in range(S):
                                s = (start + 1 + j) % S
                                if vmeas[p, s] - vlo > thr:
                                    pick = s
                                    break
                            if pick < 0:
                                pick = start
                            aux[p, A_RR] = pick
                        for s in range(S):
                            nb_ = 1.0 if s == pick else 0.0
                            if nb_ != bleed[p, s]:
                                changed = True
                            bleed[p, s] = nb_
                else:
                    for s in range(S):
                        if bleed[p, s] != 0.0:
                            changed = True
                        bleed[p, s] = 0.0
                    if aux[p, A_UNBAL] > 0.5 and aux[p, A_TBAL] != aux[p, A_TBAL]:
                        aux[p, A_TBAL] = clock[p]
                if changed:
                    if not in_rest:
                        continue  # the current may depend on the bleeds: recompute the step
                    # at rest only the group conductances change
                    _bleed_paths(bleed[p], E, Il, G, Gl, gb, ibmax, Ib, Gt, Ic)
            # ---- group voltages at this current
            vpack = 0.0
            vextreme = -1e300 if current < 0.0 else 1e300
            anybleed = False
            for s in range(S):
                V[s] = (E[s] - current - Ic[s]) / Gt[s]
                vpack += V[s]
                if current < 0.0:
                    vextreme = max(vextreme, V[s])
                else:
                    vextreme = min(vextreme, V[s])
                if bleed[p, s] > 0.5:
                    anybleed = True
            # ---- time step
            dt = dt0
            if current == 0.0 and adaptive and not anybleed and aux[p, A_EXT_LEFT] <= 0.0 and not (
                pulsed and aux[p, A_PULSE_REST] > 0.5
            ):
                # long rest / storage: SOC moves only by leakage; cap the SOC change per step
                # long rest / storage: SOC moves only by leakage (and, in parallel groups, by the
                # circulating currents that equalise the cells: explicit steps stay below the
                # time constant R0·Q/(dOCV/dz) of that exchange)
                dt = dtrest
                ng = grid.shape[0] - 1
                for s in range(S):
                    for k in range(N):
                        ek = ecell[s, k]
                        f = fcell[s, k]
                        r0k = r0[p, s, k] * f
                        ik = abs(ek - V[s]) / r0k
                        q = q_As[p, s, k]
                        if ik > 0.0:
                            dt = min(dt, dzmax * q / ik)
                        if N > 1:
                            jz = min(max(int(z[p, s, k] * ng), 0), ng - 1)
                            slope = max((grid[jz + 1] - grid[jz]) * ng, 0.05)
                            dt = min(dt, 0.5 * r0k * q / slope)
                dt = max(dt, dt0)
            if pol_on and anybleed:
                dt = min(dt, max(aux[p, A_NEXT_MEAS] - clock[p], dtmin))
            if adaptive and current != 0.0 and mode != MODE_HOLD and aux[p, A_PREV_DT] > 0.0:
                lim = vmax if current < 0.0 else vmin
                if (not basis_pack) and vterm == vterm:
                    lim = vterm if current < 0.0 and vterm < vmax else lim
                    lim = vterm if current > 0.0 and vterm > vmin else lim
                rate = (vextreme - aux[p, A_PREV_V]) / aux[p, A_PREV_DT]
                margin = lim - vextreme
                if rate != 0.0 and margin / rate > 0.0:
                    dt = min(dt, max(dtmin, 0.5 * margin / rate))
            if duration - el < dt:
                dt = duration - el
            if maxrun - run < dt:
                dt = maxrun - run
            if capterm == capterm and current != 0.0:
                dtc = (capterm - qstep) * 3600.0 / abs(current)
                if dtc < dt:
                    dt = max(dtc, 1e-6)
            if pulsed:
                if aux[p, A_PULSE_REST] > 0.5:
                    left = pulse_rest - aux[p, A_PULSE_T]
                else:
                    on_s = pulse_short if vextreme >= pulse_vshort else pulse_on
                    left = on_s - aux[p, A_PULSE_T]
                if left <= 1e-9:
                    aux[p, A_PULSE_T] = 0.0
                    if aux[p, A_PULSE_REST] > 0.5:
                        aux[p, A_PULSE_REST] = 0.0
                    else:
                        aux[p, A_PULSE_REST] = 1.0
                        aux[p, A_NEXT_MEAS] = clock[p] + pulse_rest - 1e-6  # measure at the end of the rest
                    continue
                dt = min(dt, left)
            if aux[p, A_EXT_LEFT] > 0.0:
                dt = min(dt, aux[p, A_EXT_LEFT])
            # ---- record (decimated)
            if record and clock[p] >= aux[p, A_NEXT_REC]:
                n = int(aux[p, A_NREC])
                if n < mrec:
                    rec_t[p, n] = clock[p]
                    rec_i[p, n] = -current
                    rec_v[p, n] = vpack
                    for s in range(S):
                        rec_vg[p, n, s] = V[s]
                        rec_b[p, n, s] = bleed[p, s]
                        for k in range(N):
                            rec_z[p, n, s, k] = z[p, s, k]
                    aux[p, A_NREC] = n + 1
                aux[p, A_NEXT_REC] = clock[p] + rec_every
            # ---- statistics
            if current < 0.0:
                out[p, O_QCH] += -current * dt / 3600.0
                out[p, O_ECH] += -current * vpack * dt / 3600.0
            else:
                out[p, O_QDIS] += current * dt / 3600.0
                out[p, O_EDIS] += current * vpack * dt / 3600.0
            ptot = 0.0
            vlo_s = out[p, O_VMIN]
            vhi_s = out[p, O_VMAX]
            for s in range(S):
                if bleed[p, s] > 0.5:
                    ib = Ib[s] if Ib[s] > 0.0 else V[s] * gb
                    pr = ib * ib * rres
                    ptot += ib * V[s]
                    out[p, O_EBLEED_R] += pr * dt
                    out[p, O_EBLEED_FET] += ib * ib * rfet * dt
                    out[p, O_QBLEED] += ib * dt / 3600.0
                    if pr > out[p, O_PMAX_RES]:
                        out[p, O_PMAX_RES] = pr
                if V[s] < vlo_s:
                    vlo_s = V[s]
                if V[s] > vhi_s:
                    vhi_s = V[s]
            out[p, O_VMIN] = vlo_s
            out[p, O_VMAX] = vhi_s
            if ptot > out[p, O_PMAX_PACK]:
                out[p, O_PMAX_PACK] = ptot
            if tmax > out[p, O_TMAX]:
                out[p, O_TMAX] = tmax
            # ---- advance every cell
            if dt != dt_cached:
                for s in range(S):
                    for k in range(N):
                        for j in range(nrc):
                            acache[s, k, j] = math.exp(-dt / tau[p, s, k, j])
                dt_cached = dt
            # (the sources of the next step are computed in the same pass: one sweep over memory)
            tmax = -1e300
            for s in range(S):
                es = 0.0
                gs = 0.0
                for k in range(N):
                    f = fcell[s, k]
                    r0k = r0p[s, k] * f
                    ik = (ecell[s, k] - V[s]) * inv_r0[s, k] / f
                    et = etap[s, k] if ik < 0.0 else 1.0
                    zk = zp[s, k] - et * ik * dt * inv_q[s, k]
                    zp[s, k] = zk
                    if rth < 1e300:
                        heat = ik * ik * r0k
                        for j in range(nrc):
                            heat += rRp[s, k, j] * f * iRp[s, k, j] * iRp[s, k, j]
                        tinf = tambp[s, k] + heat * rth
                        Tp[s, k] = tinf + (Tp[s, k] - tinf) * math.exp(-dt / (rth * cth))
                    if gam > 0.0 and ik != 0.0:
                        ah = math.exp(-abs(gam * et * ik * dt * inv_q[s, k]))
                        sgn = 1.0 if ik > 0.0 else -1.0
                        hp[s, k] = ah * hp[s, k] - (1.0 - ah) * sgn
                    if abs(ik) > 1e-6:
                        sgp[s, k] = 1.0 if ik > 0.0 else -1.0
                    # next step's source of this cell
                    if ear > 0.0:
                        f = math.exp(ear * (1.0 / (Tp[s, k] + 273.15) - 1.0 / trefk))
                        fcell[s, k] = f
                    ek = _ocv(grid, zk) + M0 * sgp[s, k] + Mh * hp[s, k]
                    for j in range(nrc):
                        a = acache[s, k, j]
                        irj = a * iRp[s, k, j] + (1.0 - a) * ik
                        iRp[s, k, j] = irj
                        ek -= rRp[s, k, j] * f * irj
                    ecell[s, k] = ek
                    g = inv_r0[s, k] / f
                    es += ek * g
                    gs += g
                    if Tp[s, k] > tmax:
                        tmax = Tp[s, k]
                E[s] = es
                G[s] = gs
            fresh = True
            aux[p, A_PREV_V] = vextreme
            aux[p, A_PREV_DT] = dt
            clock[p] += dt
            out[p, O_ELAPSED] += dt
            out[p, O_NSTEPS] += 1.0
            run += dt
            if pulsed:
                aux[p, A_PULSE_T] += dt
            if aux[p, A_EXT_LEFT] > 0.0:
                aux[p, A_EXT_LEFT] = max(aux[p, A_EXT_LEFT] - dt, 0.0)
        out[p, O_REASON] = reason
