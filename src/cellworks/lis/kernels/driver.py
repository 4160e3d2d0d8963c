"""Compiled protocol driver: adaptive Rosenbrock integration, exact conservation, event location.

The driver is shared by every model of :mod:`cellworks.lis` (the model is chosen by the parameter
vector, :mod:`cellworks.lis.kernels.dispatch`); the Rosenbrock steps and the projection are in
:mod:`cellworks.lis.kernels.rodas`.

* **Integrator** — Rodas4 (or Rodas3), Jacobian from the model every step. Step size control:
  predictive (Gustafsson) as in Hairer & Wanner's RODAS, ``h ← h·clip(0.9·err^(−1/4), 0.2, 6)``.
* **Conservation** — species are integrated as log-masses, so positivity is exact; after every
  accepted step the state is projected (Newton, two multipliers) back onto the two linear
  invariants: total sulfur ``ΣS_i + S_lost = const`` and electrons
  ``Σ w_i·S_i/M_s = Z₀ + q/F + e_sh − 2·ΔS_lost/M_s`` (w = 0, ½, 1, 2, 2 e⁻ per S). Its size (≈ the
  local error) is reported as ``projection_max``.
* **Events** — voltage, current and capacity cut-offs, anode lithium exhaustion and the model's
  voltage floor/ceiling ("sulfur exhausted") are located by Illinois root finding on the step
  fraction θ, re-stepping from the accepted point with θ·h; time limits clamp the last step.
* **Sub-resolution layers** — time inside a step is a step-local clock τ. When the controller
  needs steps below ulp(τ) (a layer that starts in the middle of a step: a species drained below
  the exchange floor, whose log-mass runs as ln(t_e − t) — S₈ at the end of the upper plateau, or
  the self-discharge of a cell at rest after an exhausting discharge), the clock is restarted at
  the current point and the layer is integrated with error control as usual. A step whose last
  reactant is really exhausted then ends at its voltage cut-off or at the model's voltage
  floor/ceiling; ``sulfur exhausted`` at the clock's resolution only when even a fresh clock cannot
  resolve the voltage running away in the direction of the current.
* **Shuttle** — a charge whose current is (almost) all carried by the shuttle is stationary: it is
  ended with reason ``shuttle: charge cannot progress`` when its net progress falls below
  ``SHUTTLE_STALL_FRACTION`` of the current; a charge ended by its time/capacity limit without
  reaching its voltage cut-off while ≥ ``SHUTTLE_DOMINANT_FRACTION`` of its current fed the shuttle
  gets the same reason.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.constants import FARADAY_C_PER_MOL as F
from cellworks.lis.kernels.chain3 import MODEL_ID as MODEL_CHAIN3
from cellworks.lis.kernels.dispatch import (
    control_current,
    outputs,
    rhs,
    shuttle_fraction,
    shuttle_on,
)
from cellworks.lis.kernels.marinescu import (
    MODE_CURRENT,
    N_DYN,
    NY,
    P_FLOOR,
    P_MODEL,
    P_MS,
    P_VCEIL,
    P_VFLOOR,
    U_FLOOR,
)
from cellworks.lis.kernels.rodas import EXHAUSTED, electrons, project, step

# --- end reasons
R_RUNNING, R_VOLTAGE, R_CURRENT, R_CAPACITY, R_LITHIUM, R_SULFUR, R_TIME, R_SHUTTLE, R_INFEASIBLE, R_FAIL = range(10)
REASONS: dict[int, str] = {
    R_RUNNING: "running",
    R_VOLTAGE: "voltage cut-off",
    R_CURRENT: "current cut-off",
    R_CAPACITY: "capacity",
    R_LITHIUM: "anode lithium exhausted",
    R_SULFUR: "sulfur exhausted",
    R_TIME: "time",
    R_SHUTTLE: "shuttle: charge cannot progress",
    R_INFEASIBLE: "power cannot be delivered",
    R_FAIL: "solver failure",
}
EVENT_REASON = np.array([R_VOLTAGE, R_CURRENT, R_CAPACITY, R_LITHIUM, R_SULFUR])
N_EV = 5
#: event tolerances: V, relative current, relative capacity, mol Li, V
G_TOL = np.array([1e-9, 1e-9, 1e-9, 1e-12, 1e-9])

# step kinds
K_REST, K_CHARGE, K_DISCHARGE, K_HOLD = 0, 1, 2, 3

# output row layout (i_M: the middle reaction of the three-reaction model; 0 in Marinescu's)
O_T, O_STEP, O_I, O_V, O_VC, O_IH, O_IL, O_ETA, O_IM = range(9)
O_Y = 9
NOUT = O_Y + NY

# step record layout
(RC_REASON, RC_T0, RC_T1, RC_Q, RC_E, RC_V0, RC_V1, RC_VMIN, RC_VMAX, RC_I1, RC_ROW0, RC_ROW1, RC_NACC,
 RC_NREJ, RC_ESH) = range(15)
NREC = 15

# options vector layout
OPT_RTOL, OPT_ATOL_LOG, OPT_H0, OPT_HMAX, OPT_DV, OPT_DQ, OPT_DT, OPT_MAXSTEPS, OPT_ATOL_MASS, OPT_METHOD = range(10)
NOPT = 10

#: largest log-mass error accepted per step for a species far below the absolute mass tolerance
LOG_CAP = 0.1
#: step forced through a sub-nanosecond relaxation the error control cannot resolve [s]
H_FORCE = 1e-9
#: projection corrections above this (relative) reject a step: the state left the invariants
PROJECTION_REJECT = 1e-3
#: a charge without limits is stationary when all but this share of its current feeds the shuttle
SHUTTLE_STALL_FRACTION = 1e-3
#: a time/capacity-limited charge short of its cut-off ends "shuttle" when this share fed the shuttle
SHUTTLE_DOMINANT_FRACTION = 0.9


@njit(cache=True, nogil=True, error_model="numpy")
def _events(
    y: np.ndarray, cur: float, v: float, vcut: float, vdir: float, icut: float, qcut: float,
    mode: int, li_active: bool, sdir: float, P: np.ndarray, g: np.ndarray,
) -> None:
    g[0] = vdir * (v - vcut) if math.isfinite(vcut) else math.inf
    g[1] = abs(cur) - icut if (math.isfinite(icut) and mode != MODE_CURRENT) else math.inf
    g[2] = qcut - abs(y[8]) if math.isfinite(qcut) else math.inf
    g[3] = y[7] if li_active else math.inf
    if sdir > 0:
        g[4] = v - P[P_VFLOOR]
    elif sdir < 0:
        g[4] = P[P_VCEIL] - v
    else:
        g[4] = min(v - P[P_VFLOOR], P[P_VCEIL] - v)


@njit(cache=True, nogil=True, error_model="numpy")
def _record(out: np.ndarray, n: int, t: float, step: int, cur: float, y: np.ndarray, P: np.ndarray) -> np.ndarray:
    if n >= out.shape[0]:
        bigger = np.empty((2 * out.shape[0] + 16, NOUT))
        bigger[:n] = out[:n]
        out = bigger
    v, vc, ih, im, il, eta = outputs(y, cur, P)
    out[n, O_T] = t
    out[n, O_STEP] = step
    out[n, O_I] = cur
    out[n, O_V] = v
    out[n, O_VC] = vc
    out[n, O_IH] = ih
    out[n, O_IL] = il
    out[n, O_ETA] = eta
    out[n, O_IM] = im
    for i in range(NY):
        out[n, O_Y + i] = y[i]
    return out


@njit(cache=True, nogil=True)
def _species_exhausted(y: np.ndarray, P: np.ndarray) -> bool:
    """True when a dissolved sulfur species (S₈, S₄²⁻, S₂²⁻, S²⁻) is below the species floor."""
    floor = math.log(max(P[P_FLOOR], 1e-300))
    for i in range(4):
        if y[i] < floor:
            return True
    return False


@njit(cache=True, nogil=True, error_model="numpy")
def run_steps(
    P: np.ndarray, y: np.ndarray, t: float, m_total: float,
    kinds: np.ndarray, modes: np.ndarray, values: np.ndarray, durations: np.ndarray,
    vcuts: np.ndarray, icuts: np.ndarray, qcuts: np.ndarray,
    s0: int, s1: int, opts: np.ndarray, atol: np.ndarray, rtol: np.ndarray, out: np.ndarray, n_out: int,
    recs: np.ndarray, current_guess: float, stats: np.ndarray,
) -> tuple[float, np.ndarray, int, int, float, float]:
    """Run protocol steps ``s0 … s1−1`` from state ``y`` (updated in place) at time ``t``.

    Returns ``(t, out, n_out, status, projection_max, last_current)``; status 0 ok, 1 failure.
    Rows are appended to ``out`` (grown as needed), one record per step into ``recs[s]``.
    """
    ws = np.empty((9, NY))
    J = np.empty((NY, N_DYN))
    A = np.empty((N_DYN, N_DYN))
    piv = np.empty(N_DYN, dtype=np.int64)
    ynew = np.empty(NY)
    ytry = np.empty(NY)
    g_old = np.empty(N_EV)
    g_new = np.empty(N_EV)
    g_try = np.empty(N_EV)
    status = 0
    proj_max = 0.0
    h_max = opts[OPT_HMAX]
    max_steps = int(opts[OPT_MAXSTEPS])
    method = int(opts[OPT_METHOD])
    expo = -1.0 / 3.0 if method == 3 else -0.25
    exact = P[P_MODEL] == MODEL_CHAIN3  # projection mode of the three-reaction model (rodas.project)
    for s in range(s0, s1):
        kind = kinds[s]
        mode = modes[s]
        value = values[s]
        y[8] = 0.0
        y[9] = 0.0
        t_start = t
        guess = value if mode == MODE_CURRENT else current_guess
        cur = control_current(y, mode, value, guess, P)
        recs[s, RC_T0] = t
        recs[s, RC_NACC] = 0
        recs[s, RC_NREJ] = 0
        recs[s, RC_ROW0] = n_out
        if not math.isfinite(cur):
            recs[s, RC_REASON] = R_INFEASIBLE
            recs[s, RC_T1] = t
            recs[s, RC_Q] = 0.0
            recs[s, RC_E] = 0.0
            recs[s, RC_I1] = 0.0
            v0 = outputs(y, 0.0, P)[0]
            for c in (RC_V0, RC_V1, RC_VMIN, RC_VMAX):
                recs[s, c] = v0
            recs[s, RC_ROW1] = n_out
            continue
        v = outputs(y, cur, P)[0]
        vcut = vcuts[s]
        if kind == K_DISCHARGE:
            vdir = 1.0
        elif kind == K_CHARGE:
            vdir = -1.0
        else:
            vdir = 1.0 if (not math.isfinite(vcut) or v > vcut) else -1.0
        sdir = 1.0 if cur > 0.0 else (-1.0 if cur < 0.0 else 0.0)
        if mode != MODE_CURRENT:
            sdir = 0.0
        # lithium event active when the step removes lithium from the anode
        rhs(y, mode, value, cur, P, ws[0])
        li_active = ws[0][7] < 0.0
        _events(y, cur, v, vcut, vdir, icuts[s], qcuts[s], mode, li_active, sdir, P, g_old)
        out = _record(out, n_out, t, s, cur, y, P)
        n_out += 1
        t_rec, v_rec, q_rec = t, v, 0.0
        v_min = v
        v_max = v
        recs[s, RC_V0] = v
        reason = R_RUNNING
        for k in range(N_EV):
            if g_old[k] <= 0.0:
                reason = EVENT_REASON[k]
                break
        z0 = electrons(y)
        esh0 = y[10]
        lost0 = y[6]
        ms = P[P_MS]
        # first step: change no log-mass by more than 0.01 (the transients after a control change
        # can be sub-femtosecond when a species is nearly exhausted), never more than opts[OPT_H0]
        fmax = 0.0
        for i in range(5):
            if abs(ws[0][i]) > fmax:
                fmax = abs(ws[0][i])
        h = opts[OPT_H0]
        if fmax * h > 0.01:
            h = 0.01 / fmax
        tau = 0.0  # step-local time: resolves sub-femtosecond transients late in a long run
        dur = durations[s]
        h_acc = 0.0
        err_acc = 1.0
        v_last = v
        v_prev = v
        last_rejected = False
        n_acc = 0
        n_rej = 0
        # a shuttle runs in this step: Marinescu's S₈ shuttle of its direction, or the S₄²⁻ one on charge
        sh_on = shuttle_on(cur, P)
        ln_floor = math.log(max(P[P_FLOOR], 1e-300))
        while reason == R_RUNNING:
            if n_acc + n_rej > max_steps:
                reason = R_FAIL
                break
            by_time = False
            if h > h_max:
                h = h_max
            if tau + h >= dur:
                h = dur - tau
                by_time = True
            ok = step(method, y, h, mode, value, cur, P, ynew, ws, J, A, piv)
            err = math.inf
            if ok:
                acc = 0.0
                for i in range(NY):
                    if i < 5 and ynew[i] <= U_FLOOR + 1.0 and y[i] <= ln_floor:
                        # a species already below the exchange floor that falls to zero: its mass
                        # (< 1e-12 of the sulfur) and its reaction are nil, nothing to control. A
                        # species above the floor may not vanish within one unchecked step.
                        continue
                    if i < 5:
                        # log-masses: relative accuracy rtol, absolute mass accuracy atol_mass (a
                        # species far below atol_mass may move by at most ~0.1 in its log per step)
                        sc = atol[i] + min(opts[OPT_ATOL_MASS] * math.exp(-max(y[i], ynew[i])), LOG_CAP)
                    else:
                        sc = atol[i] + rtol[i] * max(abs(y[i]), abs(ynew[i]))
                    e = ws[6][i] / sc
                    acc += e * e
                err = math.sqrt(acc / NY)
            lam = math.inf
            if ok and err <= 1.0:
                m_t = m_total - ynew[6]
                z_t = z0 + ms * (ynew[8] / F + (ynew[10] - esh0)) - 2.0 * (ynew[6] - lost0)
                lam = project(ynew, m_t, z_t, exact, sdir)
            # the step asks the sulfur for electrons beyond all-Li₂S (discharge) or all-S₈ (charge):
            # it overshot the end of the reactant; shorter steps reach the cut-off before it, or,
            # when not even the step clock's resolution does, the step ends "sulfur exhausted"
            exhausted = lam == EXHAUSTED and sdir != 0.0
            if not (ok and err <= 1.0 and lam < PROJECTION_REJECT):
                if not ok:
                    stats[0] += 1
                elif err > 1.0:
                    stats[1] += 1
                else:
                    stats[2] += 1
                n_rej += 1
                last_rejected = True
                if ok and math.isfinite(err) and lam < PROJECTION_REJECT:
                    h *= max(0.2, 0.9 * err**expo)
                else:
                    h *= 0.25
                if h < 1e-300 or h < 1e-13 * tau:
                    # The step size has reached the time resolution of the step clock τ: a layer
                    # has started inside the step whose time scale is below ulp(τ) — not below
                    # that of the integrator. Typically a species is drained below the exchange
                    # floor and the log of its mass runs like ln(t_e − t): S₈ running out at the
                    # end of the upper plateau of a discharge, the current passing to the lower
                    # plateau reaction (this used to end discharges there as "sulfur exhausted",
                    # with a third of their capacity); or, at rest after an exhausting
                    # discharge, the self-discharge of the cell (Li₂S dissolving, its S²⁻ oxidised
                    # by the last traces of S₈ or S₂²⁻) in a layer as short as 1e-30 s. Restart
                    # the step clock here (τ → 0, the remaining duration kept) and follow the
                    # layer with ordinary error-controlled steps: nothing is approximated, the
                    # layer's duration is lost in the rounding of t. At least one step was
                    # accepted since the last restart (τ > 0), so this cannot loop
                    # (``rejections["clock_restarts"]``). A voltage cut-off or the model's voltage
                    # floor/ceiling then ends a step whose last reactant is really exhausted.
                    runaway = (sdir > 0.0 and v_last < v_prev) or (sdir < 0.0 and v_last > v_prev) or exhausted
                    if h >= 1e-300 and tau > 0.0:
                        t_start = t
                        dur = dur - tau
                        tau = 0.0
                        h_acc = 0.0
                        stats[4] += 1
                        continue
                    if runaway:
                        # not even a fresh clock resolves it: the voltage runs away in the direction
                        # of the current, the finite-time singularity of an exhausted reactant
                        # (V ~ ln(t_e − t)) — the current cannot be carried any longer.
                        reason = R_SULFUR
                        continue
                    # otherwise (not resolvable on a fresh clock either; not seen in the robustness
                    # tests) a relaxation of species far below one molecule: take one L-stable step
                    # of H_FORCE s, accept it if finite and conservative, and count it
                    # (``rejections["forced"]``).
                    h = min(max(H_FORCE, 1e-9 * tau), dur - tau)
                    ok = step(method, y, h, mode, value, cur, P, ynew, ws, J, A, piv)
                    lam = math.inf
                    if ok:
                        m_t = m_total - ynew[6]
                        z_t = z0 + ms * (ynew[8] / F + (ynew[10] - esh0)) - 2.0 * (ynew[6] - lost0)
                        lam = project(ynew, m_t, z_t, exact, sdir)
                    if not (ok and lam < PROJECTION_REJECT):
                        # a dissolved species has run out (below species_floor_rel of the sulfur,
                        # far below one molecule) and its sub-nanosecond relaxation cannot be
                        # followed: the reaction it feeds is exhausted — a physical end of a step that
                        # draws current. A rest is never cut short this way; it stays a failure.
                        reason = R_SULFUR if (sdir != 0.0 and _species_exhausted(y, P)) else R_FAIL
                        continue
                    stats[3] += 1
                    err = 1.0
                    by_time = tau + h >= dur
                else:
                    continue
            cur_new = control_current(ynew, mode, value, cur, P)
            if not math.isfinite(cur_new):
                n_rej += 1
                h *= 0.25
                if h < 1e-300 or h < 1e-14 * tau:
                    reason = R_INFEASIBLE
                continue
            v_new = outputs(ynew, cur_new, P)[0]
            _events(ynew, cur_new, v_new, vcut, vdir, icuts[s], qcuts[s], mode, li_active, sdir, P, g_new)
            crossed = False
            for k in range(N_EV):
                if g_new[k] <= 0.0:
                    crossed = True
            if crossed:
                # locate the earliest crossing with Illinois iterations on θ ∈ (0, 1]
                best_theta = 2.0
                best_k = -1
                for k in range(N_EV):
                    if g_new[k] > 0.0:
                        continue
                    a_t, a_g = 0.0, g_old[k]
                    b_t, b_g = 1.0, g_new[k]
                    side = 0
                    gtol = G_TOL[k]
                    if k == 1:
                        gtol *= max(abs(icuts[s]), 1e-12)
                    elif k == 2:
                        gtol *= max(abs(qcuts[s]), 1e-12)
                    for _ in range(80):
                        if (b_t - a_t) < 1e-14 or b_g >= -gtol:
                            break
                        th = b_t - b_g * (b_t - a_t) / (b_g - a_g) if b_g != a_g else 0.5 * (a_t + b_t)
                        if not (a_t < th < b_t):
                            th = 0.5 * (a_t + b_t)
                        if not step(method, y, th * h, mode, value, cur, P, ytry, ws, J, A, piv):
                            th = 0.5 * (a_t + b_t)
                            if not step(method, y, th * h, mode, value, cur, P, ytry, ws, J, A, piv):
                                break
                        m_t = m_total - ytry[6]
                        z_t = z0 + ms * (ytry[8] / F + (ytry[10] - esh0)) - 2.0 * (ytry[6] - lost0)
                        if project(ytry, m_t, z_t, exact, sdir) >= PROJECTION_REJECT:
                            break  # not a trustworthy state: keep the bracket found so far
                        c_try = control_current(ytry, mode, value, cur, P)
                        if not math.isfinite(c_try):
                            a_t = th
                            continue
                        v_try = outputs(ytry, c_try, P)[0]
                        _events(ytry, c_try, v_try, vcut, vdir, icuts[s], qcuts[s], mode, li_active, sdir, P, g_try)
                        gt = g_try[k]
                        if gt <= 0.0:
                            b_t, b_g = th, gt
                            if side == -1:
                                a_g *= 0.5
                            side = -1
                        else:
                            a_t, a_g = th, gt
                            if side == 1:
                                b_g *= 0.5
                            side = 1
                    if b_t < best_theta:
                        best_theta = b_t
                        best_k = k
                if best_theta < 1.0:
                    ok2 = step(method, y, best_theta * h, mode, value, cur, P, ytry, ws, J, A, piv)
                    lam2 = math.inf
                    if ok2:
                        m_t = m_total - ytry[6]
                        z_t = z0 + ms * (ytry[8] / F + (ytry[10] - esh0)) - 2.0 * (ytry[6] - lost0)
                        lam2 = project(ytry, m_t, z_t, exact, sdir)
                    c2 = control_current(ytry, mode, value, cur, P) if lam2 < PROJECTION_REJECT else math.nan
                    if math.isfinite(c2):
                        for i in range(NY):
                            ynew[i] = ytry[i]
                        lam = lam2
                        cur_new = c2
                        v_new = outputs(ynew, cur_new, P)[0]
                        h = best_theta * h
                    # else: keep the accepted full step (it is past the event already)
                reason = EVENT_REASON[best_k]
                by_time = False
            if lam > proj_max and math.isfinite(lam):
                proj_max = lam
            tau = tau + h
            t = t_start + tau
            for i in range(NY):
                y[i] = ynew[i]
            cur = cur_new
            n_acc += 1
            v_prev = v_last
            v_last = v_new
            if v_new < v_min:
                v_min = v_new
            if v_new > v_max:
                v_max = v_new
            if by_time and reason == R_RUNNING:
                reason = R_TIME
                if math.isfinite(vcut) and kind != K_DISCHARGE and sh_on:
                    if shuttle_fraction(y, cur, P) >= SHUTTLE_DOMINANT_FRACTION:
                        reason = R_SHUTTLE
            # a charge without time or capacity limit whose current all feeds the shuttle is
            # stationary: it would never reach its voltage (or, held, its current) cut-off
            no_limit = not math.isfinite(dur) and not math.isfinite(qcuts[s])
            if reason == R_RUNNING and no_limit and sh_on and cur < 0.0:
                if (math.isfinite(vcut) or math.isfinite(icuts[s])) and shuttle_fraction(y, cur, P) >= 1.0 - SHUTTLE_STALL_FRACTION:
                    reason = R_SHUTTLE
            if reason == R_CAPACITY and math.isfinite(vcut) and kind == K_CHARGE and sh_on:
                if shuttle_fraction(y, cur, P) >= SHUTTLE_DOMINANT_FRACTION:
                    reason = R_SHUTTLE
            if (
                reason != R_RUNNING
                or abs(v_new - v_rec) >= opts[OPT_DV]
                or abs(y[8] - q_rec) >= opts[OPT_DQ]
                or t - t_rec >= opts[OPT_DT]
            ):
                out = _record(out, n_out, t, s, cur, y, P)
                n_out += 1
                t_rec, v_rec, q_rec = t, v_new, y[8]
            # predictive (Gustafsson) step-size control as in Hairer & Wanner's RODAS
            err_c = max(err, 1e-10) if math.isfinite(err) else 1e-10
            fac = min(6.0, max(0.2, 0.9 * err_c**expo))
            if h_acc > 0.0:
                fac_g = (h / h_acc) * 0.9 * (err_acc / (err_c * err_c)) ** (-expo)
                fac_g = min(6.0, max(0.2, fac_g))
                fac = min(fac, fac_g)
            h_acc = h
            err_acc = max(1e-2, err_c)
            if last_rejected:
                fac = min(fac, 1.0)
            last_rejected = False
            h *= fac
        if reason == R_FAIL:
            status = 1
        if n_out == 0 or out[n_out - 1, O_T] != t or out[n_out - 1, O_STEP] != s:
            out = _record(out, n_out, t, s, cur, y, P)
            n_out += 1
        recs[s, RC_REASON] = reason
        recs[s, RC_T1] = t
        recs[s, RC_Q] = y[8]
        recs[s, RC_E] = y[9]
        recs[s, RC_V1] = outputs(y, cur, P)[0]
        recs[s, RC_VMIN] = v_min
        recs[s, RC_VMAX] = v_max
        recs[s, RC_I1] = cur
        recs[s, RC_ROW1] = n_out
        recs[s, RC_NACC] = n_acc
        recs[s, RC_NREJ] = n_rej
        recs[s, RC_ESH] = y[10] - esh0  # mol e⁻ the shuttle took from the anode in this step
        current_guess = cur
        if status != 0:
            return t, out, n_out, status, proj_max, current_guess
    return t, out, n_out, status, proj_max, current_guess


__all__ = ["NOPT", "NOUT", "NREC", "REASONS", "run_steps"]
