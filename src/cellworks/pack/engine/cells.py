"""Cell-level pieces of the compiled kernel: OCV(z, T), the affine source of each cell and group,
the bleed paths, leakage and soft shorts, and the update of cells and of the thermal network.

Each cell is an affine source ``v = e − R0·i`` with
``e = OCV(z) + (T − T_ocv)·dU/dT(z) + M0·s + M·h − Σ R_j·iR_j`` (Plett's ESC model with a
temperature-dependent OCV), so a parallel group with leakage ``G_l`` and bleed conductance ``G_b``
has the closed form ``V_g = (Σ e_k/R0_k − I − I_c) / (Σ 1/R0_k + G_l + G_b)``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.pack.engine.layout import (
    CS_CTH,
    CS_EAR,
    CS_GAMMA,
    CS_M,
    CS_M0,
    CS_RTH,
    CS_TOCV_K,
    CS_TREF_K,
    HW_GB,
    HW_IBMAX,
    TH_BOARD_ON,
    TH_CB,
    TH_FCELL,
    TH_GBA,
    TH_GBC,
    TH_GCC,
)

ZERO_C_K = 273.15


@nb.njit(cache=True, error_model="numpy")
def table_at(grid: np.ndarray, z: float) -> float:
    """Linear interpolation on a uniform grid over SOC 0…1 (end slopes continued outside)."""
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
def grid_pos(n: int, z: float) -> tuple[int, float]:
    """Interval and fraction of SOC ``z`` on a uniform grid of ``n`` intervals over 0…1; the end
    intervals continue linearly outside (same values as :func:`table_at`). Scalars only, so it can
    be inlined into the cell loops at no reference-counting cost."""
    x = z * n
    k = int(math.floor(x))
    k = 0 if k < 0 else (n - 1 if k > n - 1 else k)
    return k, x - k


@nb.njit(cache=True, error_model="numpy")
def arrhenius(cs: np.ndarray, T_C: float) -> float:
    """Resistance factor exp(E_a/R·(1/T − 1/T_ref)) at ``T_C`` (1 without an activation energy)."""
    ear = cs[CS_EAR]
    if ear > 0.0:
        return math.exp(ear * (1.0 / (T_C + ZERO_C_K) - 1.0 / cs[CS_TREF_K]))
    return 1.0


@nb.njit(cache=True, inline="always", error_model="numpy")
def group_sources(zp, sgp, hp, Tp, iRp, rRp, ocv, dudt, cs, inv_r0, ecell, fcell, E, G) -> float:  # type: ignore[no-untyped-def]
    """Every cell's source and each group's Σe/R0 and Σ1/R0; returns the hottest cell's temperature."""
    S, N = ecell.shape
    nrc = iRp.shape[2]
    ng = ocv.shape[0] - 1
    M0 = cs[CS_M0]
    Mh = cs[CS_M]
    tocv = cs[CS_TOCV_K]
    tmax = -1e300
    for s in range(S):
        es = 0.0
        gs = 0.0
        for k in range(N):
            T = Tp[s, k]
            f = arrhenius(cs, T)
            z = zp[s, k]
            # e = OCV(z) + (T − T_ocv)·dU/dT(z) + M0·s + M·h − Σ R_j·iR_j (written out here: a helper
            # taking these arrays per cell costs a reference count per array and call)
            j0, fr = grid_pos(ng, z)
            ek = ocv[j0] + fr * (ocv[j0 + 1] - ocv[j0]) + M0 * sgp[s, k] + Mh * hp[s, k]
            dT = T + ZERO_C_K - tocv
            if dT != 0.0:  # isothermal packs at the OCV's reference temperature skip the lookup
                ek += dT * (dudt[j0] + fr * (dudt[j0 + 1] - dudt[j0]))
            for j in range(nrc):
                ek -= rRp[s, k, j] * f * iRp[s, k, j]
            ecell[s, k] = ek
            fcell[s, k] = f
            g = inv_r0[s, k] / f
            es += ek * g
            gs += g
            if T > tmax:
                tmax = T
        E[s] = es
        G[s] = gs
    return tmax


@nb.njit(cache=True, inline="always", error_model="numpy")
def leaks(leak_S, leak_A, short_S, short_on, clock, Gl, Il) -> float:  # type: ignore[no-untyped-def]
    """Leakage conductance and current of each group of one pack at ``clock`` (soft shorts switch
    on at their onset); returns the next onset still to come (inf: none)."""
    S, N = leak_S.shape
    nxt = math.inf
    for s in range(S):
        g = 0.0
        i = 0.0
        for k in range(N):
            g += leak_S[s, k]
            i += leak_A[s, k]
            on = short_on[s, k]
            if short_S[s, k] > 0.0:
                if clock >= on - 1e-9:
                    g += short_S[s, k]
                elif on < nxt:
                    nxt = on
        Gl[s] = g
        Il[s] = i
    return nxt


@nb.njit(cache=True, inline="always", error_model="numpy")
def bleed_paths(bleed, E, Il, G, Gl, hw, Ib, Gt, Ic) -> None:  # type: ignore[no-untyped-def]
    """Each group's bleed path with its switch state: a resistor (conductance gb) or, when the
    estimated group voltage would push more than the current limit through it, a current sink
    (on-chip bleeding, or a path clamped to its resistor rating); fills Gt and Ic of every group."""
    gb = hw[HW_GB]
    ibmax = hw[HW_IBMAX]
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
def bleed_current(Ib_s: float, V_s: float, hw) -> float:  # type: ignore[no-untyped-def]
    """A group's bleed current: the sink current when limited, else V·G_b."""
    return Ib_s if Ib_s > 0.0 else V_s * hw[HW_GB]


@nb.njit(cache=True, inline="always", error_model="numpy")
def advance_cells(zp, sgp, hp, Tp, iRp, rRp, r0p, etap, ocv, dudt, cs, thermal, dt, V, acache, ecell, fcell,  # type: ignore[no-untyped-def]
                  inv_r0, inv_q, heat, E, G) -> None:
    """Move every cell of one pack by ``dt`` at group voltages ``V``. With the thermal model on,
    fill each cell's heat (Joule in R0 and the RC resistors, reversible −i·T·dU/dT) and leave the
    sources to :func:`group_sources` after the temperatures moved; isothermal, compute the next
    step's sources in the same pass (one sweep over memory)."""
    S, N = ecell.shape
    nrc = iRp.shape[2]
    gam = cs[CS_GAMMA]
    ng = ocv.shape[0] - 1
    M0 = cs[CS_M0]
    Mh = cs[CS_M]
    tocv = cs[CS_TOCV_K]
    for s in range(S):
        es = 0.0
        gs = 0.0
        for k in range(N):
            f = fcell[s, k]
            ik = (ecell[s, k] - V[s]) * inv_r0[s, k] / f
            et = etap[s, k] if ik < 0.0 else 1.0
            zk = zp[s, k]
            if thermal:
                q = ik * ik * r0p[s, k] * f
                for j in range(nrc):
                    q += rRp[s, k, j] * f * iRp[s, k, j] * iRp[s, k, j]
                # reversible heat −i·T·dU/dT (i > 0 on discharge)
                q -= ik * (Tp[s, k] + ZERO_C_K) * table_at(dudt, zk)
                heat[s, k] = q
            zp[s, k] = zk - et * ik * dt * inv_q[s, k]
            if gam > 0.0 and ik != 0.0:
                ah = math.exp(-abs(gam * et * ik * dt * inv_q[s, k]))
                sgn = 1.0 if ik > 0.0 else -1.0
                hp[s, k] = ah * hp[s, k] - (1.0 - ah) * sgn
            for j in range(nrc):
                a = acache[s, k, j]
                iRp[s, k, j] = a * iRp[s, k, j] + (1.0 - a) * ik
            if not thermal:  # the same source as group_sources, at the new state
                j0, fr = grid_pos(ng, zp[s, k])
                ek = ocv[j0] + fr * (ocv[j0 + 1] - ocv[j0]) + M0 * sgp[s, k] + Mh * hp[s, k]
                dT = Tp[s, k] + ZERO_C_K - tocv
                if dT != 0.0:
                    ek += dT * (dudt[j0] + fr * (dudt[j0 + 1] - dudt[j0]))
                for j in range(nrc):
                    ek -= rRp[s, k, j] * f * iRp[s, k, j]
                ecell[s, k] = ek
                g = inv_r0[s, k] / f
                es += ek * g
                gs += g
        if not thermal:
            E[s] = es
            G[s] = gs


@nb.njit(cache=True, inline="always", error_model="numpy")
def thermal_step(Tp, ambp, board_C, p, cs, th, dt, heat, bleed_heat_W) -> None:  # type: ignore[no-untyped-def]
    """Lumped network: every cell a node (C_th) to ambient (R_th) and to its neighbours in the
    S × N brick (R_cc); one BMS-board node to ambient and to the cell next to each group's bleed
    resistor (cell 0 of the group). A fraction of each resistor's heat goes straight into that
    cell, the rest (and the FET's) into the board.

    Each node relaxes exactly towards the temperature its neighbours and sources would hold it at,
    ``T ← T∞ + (T − T∞)·exp(−dt·ΣG/C)``, sweeping the nodes in order (Gauss–Seidel). The map is a
    contraction (the ambient conductance makes the network diagonally dominant), so it is stable
    for any step, and its fixed point is the exact steady state of the network."""
    S, N = heat.shape
    cth = cs[CS_CTH]
    gamb = 1.0 / cs[CS_RTH]
    gcc = th[TH_GCC]
    board = th[TH_BOARD_ON] > 0.5
    gbc = th[TH_GBC] if board else 0.0
    fcell_heat = th[TH_FCELL]
    Tb = board_C[p]
    if board:
        qb = 0.0
        for s in range(S):
            qb += bleed_heat_W[s, 0] * (1.0 - fcell_heat) + bleed_heat_W[s, 1]
        gtot = th[TH_GBA] + gbc * S
        acc = qb + th[TH_GBA] * ambp[0, 0]
        for s in range(S):
            acc += gbc * Tp[s, 0]
        tinf = acc / gtot
        board_C[p] = tinf + (Tb - tinf) * math.exp(-dt * gtot / th[TH_CB])
        Tb = board_C[p]
    for s in range(S):
        for k in range(N):
            q = heat[s, k]
            gtot = gamb
            acc = gamb * ambp[s, k]
            if k == 0:
                q += bleed_heat_W[s, 0] * fcell_heat
                if board:
                    gtot += gbc
                    acc += gbc * Tb
            if gcc > 0.0:
                if s > 0:
                    gtot += gcc
                    acc += gcc * Tp[s - 1, k]
                if s < S - 1:
                    gtot += gcc
                    acc += gcc * Tp[s + 1, k]
                if k > 0:
                    gtot += gcc
                    acc += gcc * Tp[s, k - 1]
                if k < N - 1:
                    gtot += gcc
                    acc += gcc * Tp[s, k + 1]
            tinf = (q + acc) / gtot
            Tp[s, k] = tinf + (Tp[s, k] - tinf) * math.exp(-dt * gtot / cth)
