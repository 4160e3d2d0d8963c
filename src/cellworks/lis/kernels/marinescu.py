"""Marinescu, Zhang & Offer (2016): the two-reaction Li–S model as compiled pure functions (numba, ``cache=True``).

Equations (Marinescu, Zhang & Offer, PCCP 18 (2016) 584; fade: Marinescu et al., JES 165 (2018)
A6107), model current ``I > 0`` on discharge::

    E_H = E_H⁰ + RT/(4F)·ln(f_h·S₈/S₄²),          f_h = n₄²·M_s·v/n₈
    E_L = E_L⁰ + RT/(4F)·ln(f_l·S₄/(S₂·S²)),       f_l = n₁²·n₂·M_s²·v²/n₄
    i_H = −2·i_H0·a_r·sinh(n_e·F·(V − E_H)/(2RT)),  i_L likewise,  i_H + i_L = I
    dS₈/dt = −n₈M_s·i_H/(n_eF) − k_s·S₈
    dS₄/dt =  n₈M_s·i_H/(n_eF) + (1 − φ)·k_s·S₈ − n₄M_s·i_L/(n_eF),   φ = min(1, f_s·S_sh/M_s)
    dS₂/dt =  n₂M_s·i_L/(n_eF)
    dS/dt  = 2n₁M_s·i_L/(n_eF) − k_p·Sₚ·(S − S*)/(v·ρ_s),   dSₚ/dt = k_p·Sₚ·(S − S*)/(v·ρ_s)
    dS_sh/dt = k_s·S₈ (shuttled, cumulative),   dS_lost/dt = φ·k_s·S₈ (lost to the anode as Li₂S)

Optional second (polysulfide) shuttle on charge, ``k_s4`` (cellworks; 0 in Marinescu's presets): dissolved
S₄²⁻ reaches the lithium, is reduced there as in the lower-plateau reaction (S₄²⁻ + 4e⁻ → S₂²⁻ + 2S²⁻,
1 e⁻ per S atom) and the products return to the cathode to be oxidised again — a charge current that
converts no sulfur (the coulombic-efficiency loss of an unprotected anode)::

    dS₄/dt −= k_s4·S₄,   dS₂/dt += ½·k_s4·S₄,   dS/dt += ½·k_s4·S₄   (charge only)

Numerics: the algebraic cathode potential V is eliminated in closed form. With
``x = exp(b(V − E_r))``, ``b = n_eF/(2RT)``, ``E_r = (E_H + E_L)/2`` the current balance is the
quadratic ``A·x² + I·x − B = 0`` (A, B > 0), whose positive root is taken in the cancellation-free
form; so V exists and is unique for every state and current. The five sulfur species are integrated
as natural logarithms of their masses (``u = ln S``): they stay positive by construction and the
log singularities of E_H, E_L at S → 0 become linear in the state (the logarithmic barrier is what
drives a species back from zero physically). Total sulfur and electrons are restored exactly after
each accepted step by a projection (see rodas.py).

State vector (``NY`` = 11): ``ln S₈, ln S₄, ln S₂, ln S, ln Sₚ, S_sh [g], S_lost [g], n_Li [mol],
q [A·s] (this step, model sign), energy [J] (this step, model sign), e_sh [mol e⁻ from the shuttle]``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.constants import FARADAY_C_PER_MOL as F
from cellworks.constants import GAS_CONSTANT_J_PER_MOL_K as R

if TYPE_CHECKING:
    from cellworks.lis.params import LiSParameters

NY = 11
#: log-masses are held at or above this (exp underflows near −745; e^-650 g is far below a molecule)
U_FLOOR = -650.0
#: overflow guard on b·|E_H − E_L|/2 in the closed-form potential (never reached in practice)
D_MAX = 700.0
N_DYN = 6  # states the right-hand side depends on (species logs and S_sh)
# stoichiometry (fixed: the two lumped reactions each transfer n_e = 4 electrons)
N8, N4, N2, N1, NE = 8.0, 4.0, 2.0, 1.0, 4.0
#: electrons per gram-atom of sulfur in each species: S₈⁰, S₄²⁻, S₂²⁻, S²⁻, Li₂S(s)
ELECTRON_WEIGHT = np.array([0.0, 0.5, 1.0, 2.0, 2.0])

# packed parameter vector
(P_MS, P_T, P_IH0, P_IL0, P_AR, P_V, P_RHO, P_EH0, P_EL0, P_KP, P_SSTAR, P_KSCH, P_KSDIS, P_FS, P_RS,
 P_ANODE_I0A, P_LIEFF, P_VFLOOR, P_VCEIL, P_FLOOR, P_LNFH, P_LNFL, P_B, P_C, P_UMIN, P_KS4CH, P_MODEL) = range(27)
NP = 27
#: value of ``P[P_MODEL]`` for this model (the driver dispatches on it, kernels/dispatch.py)
MODEL_ID = 0

# control modes
MODE_CURRENT, MODE_VOLTAGE, MODE_POWER, MODE_RESISTANCE = 0, 1, 2, 3


def pack_params(p: LiSParameters) -> np.ndarray:
    """The numeric parameter vector the compiled kernels read."""
    out = np.zeros(NP)
    out[P_MS] = p.molar_mass_S_g_per_mol
    out[P_T] = p.temperature_K
    out[P_IH0] = p.i_H0_A_per_m2
    out[P_IL0] = p.i_L0_A_per_m2
    out[P_AR] = p.a_r_m2
    out[P_V] = p.electrolyte_volume_L
    out[P_RHO] = p.rho_s_g_per_L
    out[P_EH0] = p.E_H0_V
    out[P_EL0] = p.E_L0_V
    out[P_KP] = p.k_p_per_s
    out[P_SSTAR] = p.S_star_g
    out[P_KSCH] = p.k_s_charge_per_s
    out[P_KSDIS] = p.k_s_discharge_per_s
    out[P_FS] = p.f_s_per_mol
    out[P_RS] = p.series_resistance_Ohm
    out[P_ANODE_I0A] = p.anode_i0_A_per_m2 * p.anode_area_m2
    out[P_LIEFF] = p.li_plating_efficiency
    out[P_VFLOOR] = p.voltage_floor_V
    out[P_VCEIL] = p.voltage_ceiling_V
    out[P_FLOOR] = p.species_floor_rel * p.sulfur_total_initial_g
    ms, v = p.molar_mass_S_g_per_mol, p.electrolyte_volume_L
    out[P_LNFH] = math.log(N4 * N4 * ms * v / N8)
    out[P_LNFL] = math.log(N1 * N1 * N2 * ms * ms * v * v / N4)
    out[P_B] = NE * F / (2.0 * R * p.temperature_K)
    out[P_C] = R * p.temperature_K / (4.0 * F)
    out[P_UMIN] = math.log(1e-30 * p.sulfur_total_initial_g)
    out[P_KS4CH] = p.k_s4_charge_per_s
    out[P_MODEL] = MODEL_ID
    return out


def initial_state(p: LiSParameters) -> np.ndarray:
    """The state vector (log-masses of the preset's initial species, lithium inventory)."""
    y = np.zeros(NY)
    y[0] = math.log(p.S8_initial_g)
    y[1] = math.log(p.S4_initial_g)
    y[2] = math.log(p.S2_initial_g)
    y[3] = math.log(p.S_initial_g)
    y[4] = math.log(p.Sp_initial_g)
    y[7] = p.li_inventory_initial_mol
    return y


@njit(cache=True, nogil=True, error_model="numpy")
def plateau_potentials(y: np.ndarray, P: np.ndarray) -> tuple[float, float]:
    """E_H, E_L [V] from the log-mass state."""
    c = P[P_C]
    e_h = P[P_EH0] + c * (P[P_LNFH] + y[0] - 2.0 * y[1])
    e_l = P[P_EL0] + c * (P[P_LNFL] + y[1] - y[2] - 2.0 * y[3])
    return e_h, e_l


@njit(cache=True, nogil=True, error_model="numpy")
def exchange_factors(y: np.ndarray, P: np.ndarray) -> tuple[float, float]:
    """Exchange-current factors s_H = s(S₈)·s(S₄), s_L = s(S₄)·s(S₂)·s(S), s(m) = m/(m + m_floor).

    Marinescu's exchange currents are constant, valid while every species of a reaction is present
    in bulk; mass action makes an exchange current vanish with a participating species. Below
    ``m_floor`` (``species_floor_rel`` × total sulfur, 1e-12 by default: far below one molecule per
    nanolitre) the factor restores that limit; above it the model is unchanged (relative change
    m_floor/m). Without it a species slaved to the electrode potential falls to ~1e-32 g late in a
    discharge, where its rate equation is pure round-off noise and its re-formation after a current
    step is a sub-femtosecond transient.
    """
    fl = P[P_FLOOR]
    s8 = 1.0 / (1.0 + fl * math.exp(-y[0]))
    s4 = 1.0 / (1.0 + fl * math.exp(-y[1]))
    s2 = 1.0 / (1.0 + fl * math.exp(-y[2]))
    s1 = 1.0 / (1.0 + fl * math.exp(-y[3]))
    return s8 * s4, s4 * s2 * s1


@njit(cache=True, nogil=True, error_model="numpy")
def _factors_from_masses(m8: float, m4: float, m2: float, m1: float, fl: float) -> tuple[float, float]:
    s4 = m4 / (m4 + fl)
    return m8 / (m8 + fl) * s4, s4 * m2 / (m2 + fl) * m1 / (m1 + fl)


@njit(cache=True, nogil=True, error_model="numpy")
def _cathode_solve(
    e_h: float, e_l: float, current: float, P: np.ndarray, s_h: float, s_l: float
) -> tuple[float, float, float, float, float, float, float]:
    """The closed-form solution of i_H + i_L = I for the cathode potential.

    With x = exp(b·(V − E_r)), E_r the mean of E_H and E_L, the sum of the two Butler–Volmer
    terms is a quadratic in x; the root is taken in the form that does not cancel. Returns
    (V, x, e⁺, e⁻, a_r·i_H0, a_r·i_L0, discriminant).
    """
    b = P[P_B]
    e_r = 0.5 * (e_h + e_l)
    d_h = b * (e_h - e_r)
    if d_h > D_MAX:
        d_h = D_MAX
    elif d_h < -D_MAX:
        d_h = -D_MAX
    ar = P[P_AR]
    ah = ar * P[P_IH0] * s_h
    al = ar * P[P_IL0] * s_l
    ep = math.exp(d_h)
    em = 1.0 / ep
    # both reactions can die when every species is exhausted: keep the quadratic defined (the
    # potential is then only a bound; the currents use the true exchange currents)
    a = max(ah * em + al * ep, 1e-300)
    bb = max(ah * ep + al * em, 1e-300)
    q = 4.0 * a * bb
    if q > 1e-280:
        disc = math.sqrt(current * current + q)
    else:  # both exchange currents nearly nil: 4·A·B underflows, the scaled form does not
        disc = math.hypot(current, 2.0 * math.sqrt(a) * math.sqrt(bb))
    if current > 0.0:
        x = 2.0 * bb / (current + disc)
    else:
        x = (disc - current) / (2.0 * a)
    return e_r + math.log(x) / b, x, ep, em, ah, al, disc


@njit(cache=True, nogil=True, error_model="numpy")
def cathode(
    e_h: float, e_l: float, current: float, P: np.ndarray, s_h: float = 1.0, s_l: float = 1.0
) -> tuple[float, float, float]:
    """Cathode potential V, high-plateau current i_H and dV/dI for total current I (closed form)."""
    v, x, ep, em, ah, _al, disc = _cathode_solve(e_h, e_l, current, P, s_h, s_l)
    return v, -ah * (x * em - ep / x), -1.0 / (P[P_B] * disc)


@njit(cache=True, nogil=True, error_model="numpy")
def cathode_currents(
    e_h: float, e_l: float, current: float, P: np.ndarray, s_h: float, s_l: float
) -> tuple[float, float, float]:
    """Cathode potential and both reaction currents, each from its own Butler–Volmer term.

    (``i_L = I − i_H`` would lose a nearly exhausted species' tiny current in round-off.)
    """
    v, x, ep, em, ah, al, _disc = _cathode_solve(e_h, e_l, current, P, s_h, s_l)
    return v, -ah * (x * em - ep / x), -al * (x * ep - em / x)


@njit(cache=True, nogil=True, error_model="numpy")
def anode_overpotential(current: float, P: np.ndarray) -> tuple[float, float]:
    """Butler–Volmer (symmetric, n = 1) overpotential of the Li anode and its dη/dI; 0 when ideal."""
    i0a = P[P_ANODE_I0A]
    if i0a <= 0.0:
        return 0.0, 0.0
    c = 2.0 * R * P[P_T] / F
    z = current / (2.0 * i0a)
    return c * math.asinh(z), c / (2.0 * i0a * math.sqrt(1.0 + z * z))


@njit(cache=True, nogil=True, error_model="numpy")
def cell_voltage(
    e_h: float, e_l: float, current: float, P: np.ndarray, s_h: float = 1.0, s_l: float = 1.0
) -> tuple[float, float]:
    """Terminal voltage and dV/dI: cathode − I·R_series − η_anode."""
    vc, _, dvc = cathode(e_h, e_l, current, P, s_h, s_l)
    eta, deta = anode_overpotential(current, P)
    return vc - current * P[P_RS] - eta, dvc - P[P_RS] - deta


@njit(cache=True, nogil=True, error_model="numpy")
def _h(
    mode: int, value: float, e_h: float, e_l: float, current: float, P: np.ndarray, s_h: float, s_l: float
) -> tuple[float, float]:
    """Control residual written so that it decreases with I where the root is sought; and dh/dI."""
    v, dv = cell_voltage(e_h, e_l, current, P, s_h, s_l)
    if mode == MODE_VOLTAGE:
        return v - value, dv
    if mode == MODE_RESISTANCE:
        return v - current * value, dv - value
    # power (model sign: > 0 discharge): h = P − V·I
    return value - v * current, -(v + current * dv)


@njit(cache=True, nogil=True, error_model="numpy")
def solve_current(
    mode: int, value: float, e_h: float, e_l: float, guess: float, P: np.ndarray, s_h: float = 1.0, s_l: float = 1.0
) -> float:
    """Current (model sign) that satisfies a voltage, power or resistance control; NaN if none.

    V(I) is strictly decreasing, so voltage and resistance controls have exactly one root; a charge
    power has one root with I < 0; a discharge power is solved on the rising branch of V·I (NaN when
    it exceeds the cell's maximum power).
    """
    if mode == MODE_CURRENT:
        return value
    scale = abs(guess) + 1e-3
    if mode == MODE_POWER and value > 0.0:
        lo = 0.0
        hi = max(guess, 1e-6)
        ok = False
        for _ in range(200):
            h_hi, d_hi = _h(mode, value, e_h, e_l, hi, P, s_h, s_l)
            if h_hi <= 0.0:
                ok = True
                break
            if d_hi >= 0.0:
                return math.nan  # past the maximum power, still short of the demand
            lo = hi
            hi *= 2.0
        if not ok:
            return math.nan
    elif mode == MODE_POWER:
        hi = 0.0
        lo = min(guess, -1e-6)
        ok = False
        for _ in range(200):
            h_lo, _ = _h(mode, value, e_h, e_l, lo, P, s_h, s_l)
            if h_lo >= 0.0:
                ok = True
                break
            hi = lo
            lo *= 2.0
        if not ok:
            return math.nan
    else:
        lo = guess - scale
        hi = guess + scale
        ok = False
        for _ in range(400):
            h_lo, _ = _h(mode, value, e_h, e_l, lo, P, s_h, s_l)
            h_hi, _ = _h(mode, value, e_h, e_l, hi, P, s_h, s_l)
            if h_lo >= 0.0 and h_hi <= 0.0:
                ok = True
                break
            width = hi - lo
            if h_lo < 0.0:
                lo -= width
            if h_hi > 0.0:
                hi += width
        if not ok:
            return math.nan
    # safeguarded Newton on the decreasing residual inside [lo, hi]
    x = min(max(guess, lo), hi)
    for _ in range(200):
        hx, dx = _h(mode, value, e_h, e_l, x, P, s_h, s_l)
        if hx == 0.0:
            return x
        if hx > 0.0:
            lo = x
        else:
            hi = x
        xn = x - hx / dx if dx < 0.0 else 0.5 * (lo + hi)
        if not (lo <= xn <= hi):
            xn = 0.5 * (lo + hi)
        if abs(xn - x) <= 1e-14 * (abs(x) + 1e-9) or hi - lo <= 1e-15 * (abs(x) + 1e-9):
            return xn
        x = xn
    return x


@njit(cache=True, nogil=True, error_model="numpy")
def rhs(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray, dy: np.ndarray) -> float:
    """dy/dt for the control (mode, value); returns the model current I (NaN if infeasible)."""
    m8 = math.exp(max(y[0], U_FLOOR))
    m4 = math.exp(max(y[1], U_FLOOR))
    m2 = math.exp(max(y[2], U_FLOOR))
    m1 = math.exp(max(y[3], U_FLOOR))
    mp = math.exp(max(y[4], U_FLOOR))
    e_h, e_l = plateau_potentials(y, P)
    s_h, s_l = _factors_from_masses(m8, m4, m2, m1, P[P_FLOOR])
    current = solve_current(mode, value, e_h, e_l, guess, P, s_h, s_l)
    if not math.isfinite(current):
        for k in range(NY):
            dy[k] = math.nan
        return current
    vc, i_h, i_l = cathode_currents(e_h, e_l, current, P, s_h, s_l)
    if P[P_ANODE_I0A] > 0.0:
        eta, _ = anode_overpotential(current, P)
    else:
        eta = 0.0
    v_cell = vc - current * P[P_RS] - eta
    ms = P[P_MS]
    r_h = ms * i_h / (NE * F)
    r_l = ms * i_l / (NE * F)
    ks = P[P_KSCH] if current < 0.0 else P[P_KSDIS]
    phi = P[P_FS] * y[5] / ms
    if phi > 1.0:
        phi = 1.0
    elif phi < 0.0:
        phi = 0.0
    shuttle = ks * m8
    prec_rate = P[P_KP] * (m1 - P[P_SSTAR]) / (P[P_V] * P[P_RHO])  # per unit Sp [1/s]
    dy[0] = (-N8 * r_h - shuttle) / m8
    dy[1] = (N8 * r_h + (1.0 - phi) * shuttle - N4 * r_l) / m4
    dy[2] = N2 * r_l / m2
    dy[3] = 2.0 * N1 * r_l / m1 - prec_rate * mp / m1
    dy[4] = prec_rate
    dy[5] = shuttle
    dy[6] = phi * shuttle
    e_sh = shuttle * ((1.0 - phi) * 0.5 + 2.0 * phi) / ms  # mol e⁻/s taken from the anode
    if current < 0.0 and P[P_KS4CH] > 0.0:
        ks4 = P[P_KS4CH]
        dy[1] -= ks4
        dy[2] += 0.5 * ks4 * m4 / m2
        dy[3] += 0.5 * ks4 * m4 / m1
        e_sh += ks4 * m4 / ms  # 1 e⁻ per S atom
    if current >= 0.0:
        dy[7] = -current / F - e_sh
    else:
        dy[7] = -P[P_LIEFF] * current / F - e_sh
    dy[8] = current
    dy[9] = current * v_cell
    dy[10] = e_sh
    return current


@njit(cache=True, nogil=True, error_model="numpy")
def outputs(y: np.ndarray, current: float, P: np.ndarray) -> tuple[float, float, float, float, float]:
    """Terminal voltage, cathode potential, i_H, i_L, anode overpotential at state y and current I."""
    e_h, e_l = plateau_potentials(y, P)
    s_h, s_l = exchange_factors(y, P)
    vc, i_h, i_l = cathode_currents(e_h, e_l, current, P, s_h, s_l)
    eta, _ = anode_overpotential(current, P)
    return vc - current * P[P_RS] - eta, vc, i_h, i_l, eta


@njit(cache=True, nogil=True, error_model="numpy")
def control_current(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray) -> float:
    """The current the control imposes at state y (NaN if it cannot be met)."""
    if mode == MODE_CURRENT:
        return value
    e_h, e_l = plateau_potentials(y, P)
    s_h, s_l = exchange_factors(y, P)
    return solve_current(mode, value, e_h, e_l, guess, P, s_h, s_l)


def shuttle_current_A(params: LiSParameters, S8_g: float) -> float:
    """Current equivalent of the charge-time shuttle, k_s·S₈·n_e·F/(n₈·M_s) [A]."""
    return params.k_s_charge_per_s * S8_g * NE * F / (N8 * params.molar_mass_S_g_per_mol)


@njit(cache=True, nogil=True, error_model="numpy")
def jacobian(y: np.ndarray, mode: int, value: float, current: float, P: np.ndarray, J: np.ndarray) -> None:
    """Analytic ∂(dy/dt)/∂y for the dynamic states (columns 0…N_DYN−1) into J (NY × N_DYN).

    ``current`` is the control current at ``y``. The algebraic cathode potential and, for voltage,
    power and resistance controls, the current are differentiated implicitly through the current
    balance i_H + i_L = I and the control equation.
    """
    ms = P[P_MS]
    b = P[P_B]
    c = P[P_C]
    e_h, e_l = plateau_potentials(y, P)
    s_h, s_l = exchange_factors(y, P)
    vc, i_h, i_l = cathode_currents(e_h, e_l, current, P, s_h, s_l)
    eta, deta = anode_overpotential(current, P)
    rs = P[P_RS]
    v_cell = vc - current * rs - eta
    ar = P[P_AR]
    e_r = 0.5 * (e_h + e_l)
    clipped = abs(0.5 * b * (e_h - e_l)) > D_MAX
    if clipped:
        half = D_MAX / b if e_h > e_l else -D_MAX / b
        z_h = b * (vc - (e_r + half))
        z_l = b * (vc - (e_r - half))
    else:
        z_h = b * (vc - e_h)
        z_l = b * (vc - e_l)
    g_h = 2.0 * ar * P[P_IH0] * s_h * b * math.cosh(min(max(z_h, -700.0), 700.0))
    g_l = 2.0 * ar * P[P_IL0] * s_l * b * math.cosh(min(max(z_l, -700.0), 700.0))
    gsum = g_h + g_l
    if mode == MODE_CURRENT:
        c_v, c_i = 0.0, 1.0
    elif mode == MODE_VOLTAGE:
        c_v, c_i = 1.0, -(rs + deta)
    elif mode == MODE_RESISTANCE:
        c_v, c_i = 1.0, -(rs + deta + value)
    else:
        c_v, c_i = current, v_cell - current * (rs + deta)
    den = c_v - gsum * c_i
    fl = P[P_FLOOR]
    m8 = math.exp(y[0])
    m4 = math.exp(y[1])
    m2 = math.exp(y[2])
    m1 = math.exp(y[3])
    mp = math.exp(y[4])
    s8 = 1.0 / (1.0 + fl / m8)
    s4 = 1.0 / (1.0 + fl / m4)
    s2 = 1.0 / (1.0 + fl / m2)
    s1 = 1.0 / (1.0 + fl / m1)
    # d ln(i0_eff)/du and dE/du per column
    dlnh = (1.0 - s8, 1.0 - s4, 0.0, 0.0, 0.0, 0.0)
    dlnl = (0.0, 1.0 - s4, 1.0 - s2, 1.0 - s1, 0.0, 0.0)
    if clipped:  # only the mean potential moves the (bounded) reactions
        deh = (0.5 * c, -0.5 * c, -0.5 * c, -c, 0.0, 0.0)
        delv = deh
    else:
        deh = (c, -2.0 * c, 0.0, 0.0, 0.0, 0.0)
        delv = (0.0, c, -c, -2.0 * c, 0.0, 0.0)
    ks = P[P_KSCH] if current < 0.0 else P[P_KSDIS]
    fs_ = P[P_FS]
    phi = fs_ * y[5] / ms
    dphi = fs_ / ms
    if phi >= 1.0:
        phi = 1.0
        dphi = 0.0
    elif phi <= 0.0:
        phi = 0.0
        dphi = 0.0 if fs_ * y[5] < 0.0 else dphi
    shuttle = ks * m8
    k_r = ms / (NE * F)
    r_h = k_r * i_h
    r_l = k_r * i_l
    vrho = P[P_V] * P[P_RHO]
    pr = P[P_KP] * (m1 - P[P_SSTAR]) / vrho
    f1 = (N8 * r_h + (1.0 - phi) * shuttle - N4 * r_l) / m4
    f2 = N2 * r_l / m2
    e_sh = shuttle * (0.5 + 1.5 * phi) / ms
    eff = 1.0 if current >= 0.0 else P[P_LIEFF]
    for j in range(N_DYN):
        r1 = i_h * dlnh[j] + i_l * dlnl[j] + g_h * deh[j] + g_l * delv[j]
        d_i = r1 * c_v / den
        d_vc = -c_i * r1 / den
        d_ih = i_h * dlnh[j] - g_h * (d_vc - deh[j])
        d_il = i_l * dlnl[j] - g_l * (d_vc - delv[j])
        d_rh = k_r * d_ih
        d_rl = k_r * d_il
        d_vcell = d_vc - (rs + deta) * d_i
        d8 = 1.0 if j == 0 else 0.0
        d4 = 1.0 if j == 1 else 0.0
        d2 = 1.0 if j == 2 else 0.0
        d1 = 1.0 if j == 3 else 0.0
        dp = 1.0 if j == 4 else 0.0
        dss = 1.0 if j == 5 else 0.0
        J[0, j] = -N8 * d_rh / m8 + N8 * r_h / m8 * d8
        J[1, j] = (N8 * d_rh - N4 * d_rl + (1.0 - phi) * shuttle * d8 - shuttle * dphi * dss) / m4 - f1 * d4
        J[2, j] = N2 * d_rl / m2 - f2 * d2
        J[3, j] = (
            2.0 * N1 * d_rl / m1
            - 2.0 * N1 * r_l / m1 * d1
            - P[P_KP] * mp / vrho * P[P_SSTAR] / m1 * d1
            - pr * mp / m1 * dp
        )
        J[4, j] = P[P_KP] * m1 / vrho * d1
        J[5, j] = shuttle * d8
        J[6, j] = phi * shuttle * d8 + shuttle * dphi * dss
        d_esh = e_sh * d8 + shuttle * 1.5 * dphi / ms * dss
        J[7, j] = -eff * d_i / F - d_esh
        J[8, j] = d_i
        J[9, j] = d_i * v_cell + current * d_vcell
        J[10, j] = d_esh
    if current < 0.0 and P[P_KS4CH] > 0.0:
        ks4 = P[P_KS4CH]
        a2 = 0.5 * ks4 * m4 / m2
        a1 = 0.5 * ks4 * m4 / m1
        J[2, 1] += a2
        J[2, 2] -= a2
        J[3, 1] += a1
        J[3, 3] -= a1
        J[7, 1] -= ks4 * m4 / ms
        J[10, 1] += ks4 * m4 / ms
