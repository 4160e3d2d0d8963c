"""The three-reaction Li–S model that reaches Li₂S, as compiled pure functions (numba, ``cache=True``).

Equations (model current ``I > 0`` on discharge; masses in g of sulfur; ``c = RT/F``)::

    H:  S₈  + 4e⁻ → 2 S₄²⁻    E_H = E_H⁰ + c/4·ln(f_H·S₈*/S₄²),  f_H = n₄²·M_s·v/n₈ = 2·M_s·v
    M:  S₄²⁻ + 2e⁻ → 2 S₂²⁻   E_M = E_M⁰ + c/2·ln(f_M·S₄/S₂²),   f_M = n₂²·M_s·v/n₄ = M_s·v
    L:  S₂²⁻ + 2e⁻ → 2 S²⁻    E_L = E_L⁰ + c/2·ln(f_L·S₂/S²),    f_L = n₁²·M_s·v/n₂ = M_s·v/2

    i_j = a(θ)·i_j0·a₀·s_j·2·sinh(b·(E_j − V_int)),  b = n*·F/(2RT),   Σ i_j = I
    a(θ) = (1 − θ)^ξ,  θ = V(Li₂S)/V_pore = Sₚ·(M_Li₂S/M_s)/(ρ_Li₂S·V_pore)   (surface blocking)
    V = V_int − I·(R_ext + R_el(c_PS) + [I > 0]·R_pass(θ)) − η_Li(I, n_Li)
    R_el = R_e0/σ(c_PS/c_crit),  σ(u) ≈ max(1 − u, 0) (smooth)       (polysulfide lowers the conductivity)
    R_pass = R_p·((1 − θ)^(−n_p) − 1)                                 (Li₂S film, reduction only)

The passivation resistance acts on discharge only: electrons reach dissolved polysulfide through
the insulating Li₂S that covers the carbon, while on charge Li₂S is oxidised where it touches the
carbon (the film is not in the current path). At I = 0 it vanishes, so rest states are unaffected.

    dS₈/dt = −2M_s·i_H/F − J₈
    dS₄/dt = +2M_s·i_H/F − 2M_s·i_M/F + (1 − f)·J₈ − J₄
    dS₂/dt = +2M_s·i_M/F − M_s·i_L/F + (1 − f)·J₄
    dS/dt  = +M_s·i_L/F − r_p,        dSₚ/dt = r_p
    r_p = k_p·(Sₚ + S_nuc)·(S − S*)·(1 − θ)/(v·ρ_s)  (S > S*),   k_d·Sₚ·(S − S*)/(v·ρ_s)  (S < S*)

``S₈* = S₈·S₈,sat/(S₈ + S₈,sat)`` is the dissolved sulfur: above its solubility S₈ is a solid of
unit activity (Kumaresan et al. 2008 keep S₈(s) ⇌ S₈(l) as a separate step), so the upper plateau
slopes as S₄²⁻ accumulates and the potential does not run away on a charged cell.

The shuttle (per second, of the dissolved high-order polysulfide): ``J₈ = k_sh·S₈·S₈,sat/(S₈ +
S₈,sat)`` (elemental sulfur dissolves only up to its solubility) and ``J₄ = k_sh·S₄``, with a
transport limit in series with the reaction at the lithium::

    k_sh = k_T·k_A/(k_T + k_A),   k_T = A_an/(v·(L_sep/(D·ε^1.5) + R_coat)),
    k_A = k_r·A_an/v · (φ₀ + x)/(1 + x),   x = |I|/I_fresh

(``R_coat``: the transport resistance of a cathode coating; ``φ₀``: the share of the lithium surface
reactive at rest, ``x`` the fresh lithium that plating and stripping expose). A fraction ``f`` of
what reaches the lithium is reduced to Li₂S there and lost; the rest returns one step more reduced.
Its electrons come from the anode: ``e_sh = [J₈·((1 − f)/2 + 2f) + J₄·((1 − f)/2 + 3f/2)]/M_s``.

The anode: ``η_Li = (2RT/F)·asinh(I/(2·i₀·A_an·Θ))`` with the lithium coverage of the collector
``Θ = 1 − exp(−n_Li/n_c)`` while stripping (1 while plating: deposition needs no lithium). A cell
without lithium therefore cannot be discharged (its polarisation diverges) and shows the cathode's
potential at rest.

Numerics: with a common ``b`` the current balance is the quadratic ``Q·x² + I·x − P = 0`` in
``x = exp(b(V_int − E_r))``, solved in closed form (as in the Marinescu kernels). The state layout,
electron weights and invariants are those of :mod:`cellworks.lis.kernels.marinescu`, so the same
driver and projection apply. The Jacobian is a forward difference of :func:`rhs` (the anode
inventory enters only the terminal voltage, so its column is not fed back).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.constants import FARADAY_C_PER_MOL as F
from cellworks.constants import GAS_CONSTANT_J_PER_MOL_K as R
from cellworks.lis.kernels.marinescu import (
    D_MAX,
    MODE_CURRENT,
    MODE_POWER,
    MODE_RESISTANCE,
    MODE_VOLTAGE,
    N_DYN,
    NP,
    NY,
    P_FLOOR,
    P_MODEL,
    P_MS,
    P_T,
    P_VCEIL,
    P_VFLOOR,
    U_FLOOR,
)

#: value of ``P[P_MODEL]`` for this model
MODEL_ID = 1

# parameter slots after the shared ones (P_MS, P_T, P_VFLOOR, P_VCEIL, P_FLOOR, P_MODEL)
(C_EH0, C_EM0, C_EL0, C_AH, C_AM, C_AL, C_B, C_C, C_LNFH, C_LNFM, C_LNFL, C_THETA_G, C_XI, C_SSTAR,
 C_KP, C_KD, C_VRHO, C_MNUC, C_REXT, C_RE0, C_CCRIT, C_INV_MSV, C_KT, C_KR, C_PHI0, C_IFRESH, C_M8SAT,
 C_FDEP, C_ANODE_I0A, C_NCOV, C_LIEFF, C_RPASS, C_NPASS) = range(NP, NP + 33)
NPC = NP + 33

#: smallest free pore share 1 − θ used in the kernels (the precipitation gate keeps θ below 1)
OPEN_MIN = 1e-12
#: smoothing width of the conductivity law σ(u) ≈ max(1 − u, 0) near the critical concentration
SIGMA_SMOOTH = 0.01
#: the conductivity never falls below this share of its polysulfide-free value (a saturated
#: polysulfide solution still conducts; keeps R finite where I·R would be 0·∞ at rest)
SIGMA_MIN = 1e-3
#: smallest lithium coverage (a cell without lithium: the polarisation is large, not infinite)
COVERAGE_MIN = 1e-30


@njit(cache=True, nogil=True, error_model="numpy")
def potentials(y: np.ndarray, P: np.ndarray) -> tuple[float, float, float]:
    """Nernst potentials E_H, E_M, E_L [V] from the log-mass state (S₈ at most at its solubility)."""
    c = P[C_C]
    ln8 = y[0]
    if P[C_M8SAT] > 0.0:  # ln(S₈·S_sat/(S₈ + S_sat)), evaluated without overflow
        t = y[0] - math.log(P[C_M8SAT])
        ln8 = y[0] - (t + math.log1p(math.exp(-t)) if t > 0.0 else math.log1p(math.exp(t)))
    e_h = P[C_EH0] + 0.25 * c * (P[C_LNFH] + ln8 - 2.0 * y[1])
    e_m = P[C_EM0] + 0.5 * c * (P[C_LNFM] + y[1] - 2.0 * y[2])
    e_l = P[C_EL0] + 0.5 * c * (P[C_LNFL] + y[2] - 2.0 * y[3])
    return e_h, e_m, e_l


@njit(cache=True, nogil=True, error_model="numpy")
def _masses(y: np.ndarray) -> tuple[float, float, float, float, float]:
    return (math.exp(max(y[0], U_FLOOR)), math.exp(max(y[1], U_FLOOR)), math.exp(max(y[2], U_FLOOR)),
            math.exp(max(y[3], U_FLOOR)), math.exp(max(y[4], U_FLOOR)))


@njit(cache=True, nogil=True, error_model="numpy")
def open_fraction(mp: float, P: np.ndarray) -> float:
    """1 − θ: the share of the pore volume not filled by Li₂S (≥ OPEN_MIN)."""
    return max(1.0 - mp * P[C_THETA_G], OPEN_MIN)


@njit(cache=True, nogil=True, error_model="numpy")
def resistances(m4: float, m2: float, m1: float, mp: float, P: np.ndarray) -> tuple[float, float]:
    """(R_ext + R_el(c_PS), R_pass(θ)) [Ω]: the resistance in both directions, and the Li₂S film's,
    which acts on discharge (I > 0) only."""
    r = P[C_REXT]
    if P[C_RE0] > 0.0:
        sigma = 1.0
        if P[C_CCRIT] > 0.0:
            c_ps = (0.25 * m4 + 0.5 * m2 + m1) * P[C_INV_MSV]  # mol/L of dissolved Li₂Sₙ
            z = (1.0 - c_ps / P[C_CCRIT]) / SIGMA_SMOOTH
            sigma = SIGMA_SMOOTH * (z + math.log1p(math.exp(-z))) if z > 0.0 else SIGMA_SMOOTH * math.log1p(math.exp(z))
        r += P[C_RE0] / max(sigma, SIGMA_MIN)
    r_pass = 0.0
    if P[C_RPASS] > 0.0:
        r_pass = P[C_RPASS] * (open_fraction(mp, P) ** (-P[C_NPASS]) - 1.0)
    return r, r_pass


@njit(cache=True, nogil=True, error_model="numpy")
def _exchange(y: np.ndarray, P: np.ndarray, mp: float) -> tuple[float, float, float]:
    """Effective exchange currents a(θ)·i_j0·a₀·s_j [A] (s_j: mass action below the species floor)."""
    fl = P[P_FLOOR]
    s8 = 1.0 / (1.0 + fl * math.exp(-y[0]))
    s4 = 1.0 / (1.0 + fl * math.exp(-y[1]))
    s2 = 1.0 / (1.0 + fl * math.exp(-y[2]))
    s1 = 1.0 / (1.0 + fl * math.exp(-y[3]))
    area = open_fraction(mp, P) ** P[C_XI]
    return area * P[C_AH] * s8 * s4, area * P[C_AM] * s4 * s2, area * P[C_AL] * s2 * s1


@njit(cache=True, nogil=True, error_model="numpy")
def _cathode(
    e_h: float, e_m: float, e_l: float, current: float, P: np.ndarray, a_h: float, a_m: float, a_l: float
) -> tuple[float, float, float, float, float]:
    """Closed-form V_int of Σ i_j = I; returns (V_int, i_H, i_M, i_L, dV_int/dI)."""
    b = P[C_B]
    e_r = 0.5 * (max(e_h, max(e_m, e_l)) + min(e_h, min(e_m, e_l)))
    d_h = min(max(b * (e_h - e_r), -D_MAX), D_MAX)
    d_m = min(max(b * (e_m - e_r), -D_MAX), D_MAX)
    d_l = min(max(b * (e_l - e_r), -D_MAX), D_MAX)
    ph, pm, pl = math.exp(d_h), math.exp(d_m), math.exp(d_l)
    pp = max(a_h * ph + a_m * pm + a_l * pl, 1e-300)
    qq = max(a_h / ph + a_m / pm + a_l / pl, 1e-300)
    q4 = 4.0 * pp * qq
    if q4 > 1e-280:
        disc = math.sqrt(current * current + q4)
    else:
        disc = math.hypot(current, 2.0 * math.sqrt(pp) * math.sqrt(qq))
    if current > 0.0:
        x = 2.0 * pp / (current + disc)
    else:
        x = (disc - current) / (2.0 * qq)
    v = e_r + math.log(x) / b
    return (v, a_h * (ph / x - x / ph), a_m * (pm / x - x / pm), a_l * (pl / x - x / pl), -1.0 / (b * disc))


@njit(cache=True, nogil=True, error_model="numpy")
def anode_overpotential(current: float, n_li: float, P: np.ndarray) -> tuple[float, float]:
    """η_Li and dη/dI: Butler–Volmer (n = 1, symmetric) on the lithium-covered share of the collector."""
    i0a = P[C_ANODE_I0A]
    if i0a <= 0.0:
        return 0.0, 0.0
    cov = 1.0
    if current > 0.0 and P[C_NCOV] > 0.0:
        cov = max(-math.expm1(-max(n_li, 0.0) / P[C_NCOV]), COVERAGE_MIN)
    elif current > 0.0 and n_li <= 0.0:
        cov = COVERAGE_MIN
    k = 2.0 * R * P[P_T] / F
    z = current / (2.0 * i0a * cov)
    return k * math.asinh(z), k / (2.0 * i0a * cov * math.sqrt(1.0 + z * z))


@njit(cache=True, nogil=True, error_model="numpy")
def shuttle_rate(current: float, P: np.ndarray) -> float:
    """k_sh [1/s]: transport to the lithium in series with the reaction on its reactive surface."""
    kt = P[C_KT]
    kr = P[C_KR]
    if kt <= 0.0 or kr <= 0.0:
        return 0.0
    x = abs(current) / P[C_IFRESH] if P[C_IFRESH] > 0.0 else 0.0
    ka = kr * (P[C_PHI0] + x) / (1.0 + x)
    if ka <= 0.0:
        return 0.0
    return kt * ka / (kt + ka)


@njit(cache=True, nogil=True, error_model="numpy")
def _terminal(
    current: float, e_h: float, e_m: float, e_l: float, P: np.ndarray, a_h: float, a_m: float, a_l: float,
    r_sym: float, r_pass: float, n_li: float,
) -> tuple[float, float]:
    """Terminal voltage and dV/dI at current I."""
    v_int, _, _, _, dv = _cathode(e_h, e_m, e_l, current, P, a_h, a_m, a_l)
    eta, deta = anode_overpotential(current, n_li, P)
    r = r_sym + r_pass if current > 0.0 else r_sym
    return v_int - current * r - eta, dv - r - deta


@njit(cache=True, nogil=True, error_model="numpy")
def _h(
    mode: int, value: float, current: float, e_h: float, e_m: float, e_l: float, P: np.ndarray,
    a_h: float, a_m: float, a_l: float, r_sym: float, r_pass: float, n_li: float,
) -> tuple[float, float]:
    """Control residual, decreasing in I where the root is sought, and its derivative."""
    v, dv = _terminal(current, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
    if mode == MODE_VOLTAGE:
        return v - value, dv
    if mode == MODE_RESISTANCE:
        return v - current * value, dv - value
    return value - v * current, -(v + current * dv)


@njit(cache=True, nogil=True, error_model="numpy")
def _solve_current(
    mode: int, value: float, guess: float, e_h: float, e_m: float, e_l: float, P: np.ndarray,
    a_h: float, a_m: float, a_l: float, r_sym: float, r_pass: float, n_li: float,
) -> float:
    """Current that meets a voltage, power or resistance control (bracket, then safeguarded Newton)."""
    if mode == MODE_CURRENT:
        return value
    if mode == MODE_POWER and value > 0.0:
        lo, hi = 0.0, max(guess, 1e-9)
        ok = False
        for _ in range(200):
            hh, dh = _h(mode, value, hi, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
            if hh <= 0.0:
                ok = True
                break
            if dh >= 0.0:
                return math.nan  # past the maximum power
            lo = hi
            hi *= 2.0
        if not ok:
            return math.nan
    elif mode == MODE_POWER:
        hi, lo = 0.0, min(guess, -1e-9)
        ok = False
        for _ in range(200):
            hl, _ = _h(mode, value, lo, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
            if hl >= 0.0:
                ok = True
                break
            hi = lo
            lo *= 2.0
        if not ok:
            return math.nan
    else:
        scale = abs(guess) + 1e-6
        lo, hi = guess - scale, guess + scale
        ok = False
        for _ in range(400):
            hl, _ = _h(mode, value, lo, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
            hh, _ = _h(mode, value, hi, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
            if hl >= 0.0 and hh <= 0.0:
                ok = True
                break
            w = hi - lo
            if hl < 0.0:
                lo -= w
            if hh > 0.0:
                hi += w
        if not ok:
            return math.nan
    x = min(max(guess, lo), hi)
    for _ in range(200):
        hx, dx = _h(mode, value, x, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, n_li)
        if hx == 0.0:
            return x
        if hx > 0.0:
            lo = x
        else:
            hi = x
        xn = x - hx / dx if dx < 0.0 else 0.5 * (lo + hi)
        if not (lo <= xn <= hi):
            xn = 0.5 * (lo + hi)
        if abs(xn - x) <= 1e-14 * (abs(x) + 1e-12) or hi - lo <= 1e-15 * (abs(x) + 1e-12):
            return xn
        x = xn
    return x


@njit(cache=True, nogil=True, error_model="numpy")
def rhs(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray, dy: np.ndarray) -> float:
    """dy/dt for the control (mode, value); returns the model current I (NaN if infeasible)."""
    m8, m4, m2, m1, mp = _masses(y)
    e_h, e_m, e_l = potentials(y, P)
    a_h, a_m, a_l = _exchange(y, P, mp)
    r_sym, r_pass = resistances(m4, m2, m1, mp, P)
    cur = _solve_current(mode, value, guess, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, y[7])
    if not math.isfinite(cur):
        for k in range(NY):
            dy[k] = math.nan
        return cur
    v_int, i_h, i_m, i_l, _ = _cathode(e_h, e_m, e_l, cur, P, a_h, a_m, a_l)
    eta, _ = anode_overpotential(cur, y[7], P)
    v_cell = v_int - cur * (r_sym + r_pass if cur > 0.0 else r_sym) - eta
    ms = P[P_MS]
    r_h = 2.0 * ms * i_h / F
    r_m = 2.0 * ms * i_m / F
    r_l = ms * i_l / F
    sup = m1 - P[C_SSTAR]
    if sup > 0.0:
        r_p = P[C_KP] * (mp + P[C_MNUC]) * sup * open_fraction(mp, P) / P[C_VRHO]
    else:
        r_p = P[C_KD] * mp * sup / P[C_VRHO]
    k_sh = shuttle_rate(cur, P)
    j8 = k_sh * m8 * P[C_M8SAT] / (m8 + P[C_M8SAT]) if P[C_M8SAT] > 0.0 else k_sh * m8
    j4 = k_sh * m4
    f = P[C_FDEP]
    dy[0] = (-r_h - j8) / m8
    dy[1] = (r_h - r_m + (1.0 - f) * j8 - j4) / m4
    dy[2] = (r_m - r_l + (1.0 - f) * j4) / m2
    dy[3] = (r_l - r_p) / m1
    dy[4] = r_p / mp
    dy[5] = j8 + j4
    dy[6] = f * (j8 + j4)
    e_sh = (j8 * ((1.0 - f) * 0.5 + 2.0 * f) + j4 * ((1.0 - f) * 0.5 + 1.5 * f)) / ms
    if cur >= 0.0:
        dy[7] = -cur / F - e_sh
    else:
        dy[7] = -P[C_LIEFF] * cur / F - e_sh
    dy[8] = cur
    dy[9] = cur * v_cell
    dy[10] = e_sh
    return cur


@njit(cache=True, nogil=True, error_model="numpy")
def outputs(y: np.ndarray, current: float, P: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """Terminal voltage, cathode interface potential, i_H, i_M, i_L, anode overpotential."""
    _, m4, m2, m1, mp = _masses(y)
    e_h, e_m, e_l = potentials(y, P)
    a_h, a_m, a_l = _exchange(y, P, mp)
    r_sym, r_pass = resistances(m4, m2, m1, mp, P)
    v_int, i_h, i_m, i_l, _ = _cathode(e_h, e_m, e_l, current, P, a_h, a_m, a_l)
    eta, _ = anode_overpotential(current, y[7], P)
    r = r_sym + r_pass if current > 0.0 else r_sym
    return v_int - current * r - eta, v_int, i_h, i_m, i_l, eta


@njit(cache=True, nogil=True, error_model="numpy")
def control_current(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray) -> float:
    """The current the control imposes at state y (NaN if it cannot be met)."""
    if mode == MODE_CURRENT:
        return value
    _, m4, m2, m1, mp = _masses(y)
    e_h, e_m, e_l = potentials(y, P)
    a_h, a_m, a_l = _exchange(y, P, mp)
    r_sym, r_pass = resistances(m4, m2, m1, mp, P)
    return _solve_current(mode, value, guess, e_h, e_m, e_l, P, a_h, a_m, a_l, r_sym, r_pass, y[7])


@njit(cache=True, nogil=True, error_model="numpy")
def jacobian(y: np.ndarray, mode: int, value: float, current: float, P: np.ndarray, J: np.ndarray) -> None:
    """Forward-difference ∂(dy/dt)/∂y for the species columns 0…4 into J (NY × N_DYN); column 5 is
    zero (nothing in this model depends on the shuttled-mass counter)."""
    f0 = np.empty(NY)
    f1 = np.empty(NY)
    yp = y.copy()
    rhs(y, mode, value, current, P, f0)
    for j in range(N_DYN):
        if j >= 5:
            for i in range(NY):
                J[i, j] = 0.0
            continue
        d = 1e-7 * max(1.0, abs(y[j]))
        yp[j] = y[j] + d
        rhs(yp, mode, value, current, P, f1)
        yp[j] = y[j]
        for i in range(NY):
            J[i, j] = (f1[i] - f0[i]) / d


@njit(cache=True, nogil=True, error_model="numpy")
def shuttle_fraction(y: np.ndarray, current: float, P: np.ndarray) -> float:
    """Share of a charge current that the shuttle consumes (electrons)."""
    if current >= 0.0:
        return 0.0
    m8 = math.exp(max(y[0], U_FLOOR))
    m4 = math.exp(max(y[1], U_FLOOR))
    k_sh = shuttle_rate(current, P)
    j8 = k_sh * m8 * P[C_M8SAT] / (m8 + P[C_M8SAT]) if P[C_M8SAT] > 0.0 else k_sh * m8
    j4 = k_sh * m4
    f = P[C_FDEP]
    e_sh = (j8 * ((1.0 - f) * 0.5 + 2.0 * f) + j4 * ((1.0 - f) * 0.5 + 1.5 * f)) / P[P_MS]
    return e_sh * F / abs(current)


@njit(cache=True, nogil=True, error_model="numpy")
def shuttle_on(current: float, P: np.ndarray) -> bool:
    """True when a shuttle runs at this current."""
    return shuttle_rate(current, P) > 0.0


__all__ = ["MODEL_ID", "NPC", "control_current", "jacobian", "outputs", "potentials", "rhs", "shuttle_rate"]
_ = (P_VCEIL, P_VFLOOR, P_MODEL)
