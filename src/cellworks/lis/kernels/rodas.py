"""Rosenbrock stepping for the Li–S kernels: Rodas4 / Rodas3 steps, their linear algebra, the projection.

* **Rodas4** (Hairer & Wanner, *Solving ODEs II*, §VI.4; the coefficients of their RODAS code): a
  6-stage, L-stable, stiffly accurate Rosenbrock method of order 4 with an embedded order-3 error
  estimate. **Rodas3** (Sandu et al. 1997): 4 stages, order 3 with an order-2 estimate.
* The Jacobian comes from the model (:mod:`cellworks.lis.kernels.dispatch`); only its first
  ``N_DYN`` columns are non-zero, so the dynamic block is solved by LU and the quadrature rows by
  substitution.
* **Projection** — after every accepted step the log-masses are shifted onto the two linear
  invariants, total sulfur and electrons (Hairer, Lubich & Wanner, *Geometric Numerical
  Integration*, §IV.4); both models share the species and their electron weights.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.lis.kernels.dispatch import jacobian, rhs
from cellworks.lis.kernels.marinescu import N_DYN, NY, U_FLOOR

# --- Rodas4 (Hairer & Wanner), transformed form
GAMMA = 0.25
A21 = 1.544
A31, A32 = 0.9466785280815826, 0.2557011698983284
A41, A42, A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
A51, A52, A53, A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
C21 = -5.6688
C31, C32 = -2.430093356833875, -0.2063599157091915
C41, C42, C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
C51, C52, C53, C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
C61, C62, C63, C64, C65 = 8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054

#: electrons per gram-atom of sulfur in each species: S₈⁰, S₄²⁻, S₂²⁻, S²⁻, Li₂S(s) (both models)
WEIGHTS = (0.0, 0.5, 1.0, 2.0, 2.0)
#: :func:`project`'s answer when the electrons asked for lie beyond all-Li₂S on a discharge or
#: all-S₈ on a charge: the sulfur can take or give no more (a physical end of the step)
EXHAUSTED = 1e300
#: closest approach of a projection target to the all-S₈ (0) / all-Li₂S (2) mean weight
TARGET_EDGE = 1e-15


@njit(cache=True, nogil=True, error_model="numpy")
def _lu(a: np.ndarray, piv: np.ndarray) -> bool:
    n = N_DYN  # fixed size: lets LLVM unroll
    for k in range(n):
        p = k
        best = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > best:
                best = abs(a[i, k])
                p = i
        piv[k] = p
        if best == 0.0 or not math.isfinite(best):
            return False
        if p != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[p, j]
                a[p, j] = tmp
        inv = 1.0 / a[k, k]
        for i in range(k + 1, n):
            a[i, k] *= inv
            f = a[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
        a[k, k] = inv  # the diagonal of U is stored inverted: solves multiply
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def _lusolve(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> None:
    n = N_DYN
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s * a[i, i]


@njit(cache=True, nogil=True, error_model="numpy")
def _wsolve(A: np.ndarray, piv: np.ndarray, J: np.ndarray, hg: float, b: np.ndarray) -> None:
    """Solve (I/(hγ) − J)·k = b in place. Only the first N_DYN columns of J are non-zero, so the
    dynamic block is solved by LU and the quadrature rows by substitution."""
    _lusolve(A, piv, b)
    for i in range(N_DYN, NY):
        acc = b[i]
        for j in range(N_DYN):
            acc += J[i, j] * b[j]
        b[i] = hg * acc


@njit(cache=True, nogil=True, error_model="numpy")
def _prepare(
    y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray, f0: np.ndarray,
    J: np.ndarray, A: np.ndarray, piv: np.ndarray, hg: float,
) -> float:
    """Common start of a Rosenbrock step: f(y) into f0, the Jacobian into J and the LU factors of
    I/(hγ) − J into A. Returns the current at y (the Newton guess of later stages), NaN on failure."""
    cur = rhs(y, mode, value, guess, P, f0)
    if not math.isfinite(cur):
        return math.nan
    jacobian(y, mode, value, cur, P, J)
    inv_hg = 1.0 / hg
    for i in range(N_DYN):
        for j in range(N_DYN):
            A[i, j] = -J[i, j]
        A[i, i] += inv_hg
    if not _lu(A, piv):
        return math.nan
    return cur


@njit(cache=True, nogil=True, error_model="numpy")
def _finish(u: np.ndarray, k_last: np.ndarray, ynew: np.ndarray) -> bool:
    """Common end of a stiffly accurate Rosenbrock step: ynew = u + k_last, finite or rejected.

    A species below e^-650 g (far below one molecule) is zero: its log-mass is held there. The
    mass this neglects is < 1e-280 g, however fast the species' own log-rate is.
    """
    for i in range(NY):
        ynew[i] = u[i] + k_last[i]
        if not math.isfinite(ynew[i]):
            return False
    for i in range(5):
        if ynew[i] < U_FLOOR:
            ynew[i] = U_FLOOR
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def rodas_step(
    y: np.ndarray, h: float, mode: int, value: float, guess: float, P: np.ndarray,
    ynew: np.ndarray, ws: np.ndarray, J: np.ndarray, A: np.ndarray, piv: np.ndarray,
) -> bool:
    """One Rodas4 step of size h from y into ynew; the error estimate is left in ws[6].

    ``J`` (NY × N_DYN) receives the Jacobian, ``A`` (N_DYN × N_DYN) the LU factors.
    """
    f0 = ws[0]
    k1 = ws[1]
    k2 = ws[2]
    k3 = ws[3]
    k4 = ws[4]
    k5 = ws[5]
    k6 = ws[6]
    u = ws[7]
    fu = ws[8]
    hg = h * GAMMA
    guess = _prepare(y, mode, value, guess, P, f0, J, A, piv, hg)
    if not math.isfinite(guess):
        return False
    inv_h = 1.0 / h
    # stage 1
    for i in range(NY):
        k1[i] = f0[i]
    _wsolve(A, piv, J, hg, k1)
    # stage 2
    for i in range(NY):
        u[i] = y[i] + A21 * k1[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k2[i] = fu[i] + C21 * inv_h * k1[i]
    _wsolve(A, piv, J, hg, k2)
    # stage 3
    for i in range(NY):
        u[i] = y[i] + A31 * k1[i] + A32 * k2[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k3[i] = fu[i] + inv_h * (C31 * k1[i] + C32 * k2[i])
    _wsolve(A, piv, J, hg, k3)
    # stage 4
    for i in range(NY):
        u[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k4[i] = fu[i] + inv_h * (C41 * k1[i] + C42 * k2[i] + C43 * k3[i])
    _wsolve(A, piv, J, hg, k4)
    # stage 5
    for i in range(NY):
        u[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k5[i] = fu[i] + inv_h * (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i])
    _wsolve(A, piv, J, hg, k5)
    # stage 6 (stiffly accurate)
    for i in range(NY):
        u[i] += k5[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k6[i] = fu[i] + inv_h * (C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i])
    _wsolve(A, piv, J, hg, k6)
    return _finish(u, k6, ynew)


@njit(cache=True, nogil=True, error_model="numpy")
def rodas3_step(
    y: np.ndarray, h: float, mode: int, value: float, guess: float, P: np.ndarray,
    ynew: np.ndarray, ws: np.ndarray, J: np.ndarray, A: np.ndarray, piv: np.ndarray,
) -> bool:
    """One Rodas3 step (Sandu et al. 1997; γ = 1/2, 4 stages, 3 function evaluations, stiffly
    accurate, order 3 with an embedded order-2 estimate left in ws[6])."""
    f0 = ws[0]
    k1 = ws[1]
    k2 = ws[2]
    k3 = ws[3]
    k4 = ws[6]
    u = ws[7]
    fu = ws[8]
    hg = 0.5 * h
    guess = _prepare(y, mode, value, guess, P, f0, J, A, piv, hg)
    if not math.isfinite(guess):
        return False
    inv_h = 1.0 / h
    for i in range(NY):
        k1[i] = f0[i]
    _wsolve(A, piv, J, hg, k1)
    for i in range(NY):
        k2[i] = f0[i] + 4.0 * inv_h * k1[i]
    _wsolve(A, piv, J, hg, k2)
    for i in range(NY):
        u[i] = y[i] + 2.0 * k1[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k3[i] = fu[i] + inv_h * (k1[i] - k2[i])
    _wsolve(A, piv, J, hg, k3)
    for i in range(NY):
        u[i] = y[i] + 2.0 * k1[i] + k3[i]
    if not math.isfinite(rhs(u, mode, value, guess, P, fu)):
        return False
    for i in range(NY):
        k4[i] = fu[i] + inv_h * (k1[i] - k2[i] - (8.0 / 3.0) * k3[i])
    _wsolve(A, piv, J, hg, k4)
    return _finish(u, k4, ynew)


@njit(cache=True, nogil=True, error_model="numpy")
def step(
    method: int, y: np.ndarray, h: float, mode: int, value: float, guess: float, P: np.ndarray,
    ynew: np.ndarray, ws: np.ndarray, J: np.ndarray, A: np.ndarray, piv: np.ndarray,
) -> bool:
    """One step of the chosen method (3: Rodas3, otherwise Rodas4) from y into ynew."""
    if method == 3:
        return rodas3_step(y, h, mode, value, guess, P, ynew, ws, J, A, piv)
    return rodas_step(y, h, mode, value, guess, P, ynew, ws, J, A, piv)


@njit(cache=True, nogil=True, error_model="numpy")
def electrons(y: np.ndarray) -> float:
    """Σ w_i·S_i: electrons held by the sulfur species (g of S × e⁻ per S)."""
    z = 0.0
    for i in range(5):
        z += WEIGHTS[i] * math.exp(y[i])
    return z


@njit(cache=True, nogil=True, error_model="numpy")
def species_mass(y: np.ndarray) -> float:
    """Σ S_i: sulfur in the five species [g]."""
    m = 0.0
    for i in range(5):
        m += math.exp(y[i])
    return m


@njit(cache=True, nogil=True, error_model="numpy")
def _electron_solve(m: np.ndarray, m_target: float, z_target: float, direction: float) -> tuple[float, float]:
    """(λ₁, λ₂) with Σ m_i·e^(λ₁+λ₂w_i) = m_target and Σ w_i·m_i·e^(λ₁+λ₂w_i) = z_target by a
    safeguarded 1-D solve in λ₂: the mean weight of the tilted masses rises monotonically with λ₂
    (its derivative is their weight variance), so the root is bracketed even when one weight class
    holds nearly all the mass and the 2-D Newton's determinant vanishes."""
    target = z_target / m_target
    if (target >= 2.0 and direction > 0.0) or (target <= 0.0 and direction < 0.0):
        return math.inf, math.inf  # beyond all Li₂S (2 e⁻/S) on discharge, all S₈ on charge: EXHAUSTED
    # against the current's direction a target at or past a bound is the round-off of a cell
    # that is all Li₂S (or all S₈): the nearest reachable mean weight
    target = min(max(target, TARGET_EDGE), 2.0 - TARGET_EDGE)

    def mean_w(l2: float) -> tuple[float, float, float]:
        shift = 2.0 * l2 if l2 > 0.0 else 0.0  # keep the largest exponent at 0
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for i in range(5):
            a = m[i] * math.exp(l2 * WEIGHTS[i] - shift)
            s0 += a
            s1 += WEIGHTS[i] * a
            s2 += WEIGHTS[i] * WEIGHTS[i] * a
        mu = s1 / s0
        return mu, s2 / s0 - mu * mu, math.log(s0) + shift

    lo, hi = -800.0, 800.0
    l2 = 0.0
    for _ in range(200):
        mu, var, _ = mean_w(l2)
        f = mu - target
        if abs(f) <= 1e-15 * target:
            break
        if f > 0.0:
            hi = l2
        else:
            lo = l2
        step = f / var if var > 0.0 else 0.0
        nxt = l2 - step
        if not (lo < nxt < hi) or var <= 0.0:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - l2) <= 1e-15 * (1.0 + abs(l2)):
            l2 = nxt
            break
        l2 = nxt
    _, _, ln_s0 = mean_w(l2)
    return math.log(m_target) - ln_s0, l2


@njit(cache=True, nogil=True, error_model="numpy")
def project(y: np.ndarray, m_target: float, z_target: float, exact: bool = False, direction: float = 0.0) -> float:
    """Shift the log-masses by λ₁ + λ₂·w_i so that Σ S_i = m_target and Σ w_i S_i = z_target.

    Returns max(|λ₁|, |λ₂|) (a relative correction) or inf when the target cannot be met;
    ``direction`` (+1 discharge, −1 charge, 0 rest) tells a used-up reactant (:data:`EXHAUSTED`)
    from round-off at a bound.

    Two solvers. The Marinescu kernels use a 2-D Newton, and where one electron weight holds nearly
    all the mass (its determinant vanishes) only scale the mass, as they always have. With
    ``exact`` (the three-reaction model, which reduces S₂²⁻ too and so reaches states of nearly all
    Li₂S or all S₈) the target is met by the monotone 1-D solve :func:`_electron_solve`, whose answer
    does not amplify round-off through a near-singular determinant; the size returned is then the
    share of the sulfur the shift moved (a large relative change of a vanishing species moves
    nothing).
    """
    if exact:
        m = np.empty(5)
        for i in range(5):
            m[i] = math.exp(y[i])
        l1, l2 = _electron_solve(m, m_target, z_target, direction)
        if l1 == math.inf:
            return EXHAUSTED
        if not (math.isfinite(l1) and math.isfinite(l2)):
            return math.inf
        moved = 0.0
        for i in range(5):
            moved += abs(m[i] * math.expm1(l1 + l2 * WEIGHTS[i]))
        for i in range(5):
            y[i] += l1 + l2 * WEIGHTS[i]
        # the share of the sulfur the shift moved: λ₁ alone can be large when λ₂ tilts the weights
        # and only vanishing species change (λ₁ = −2λ₂ keeps the Li₂S of a discharged cell fixed)
        return moved / m_target
    m0 = math.exp(y[0])  # w = 0
    m4 = math.exp(y[1])  # w = 1/2
    m2 = math.exp(y[2])  # w = 1
    m12 = math.exp(y[3]) + math.exp(y[4])  # w = 2
    l1 = 0.0
    l2 = 0.0
    for _ in range(8):
        e1 = math.exp(l1)
        eh = math.exp(0.5 * l2)
        e2 = eh * eh
        a0 = e1 * m0
        a4 = e1 * eh * m4
        a2 = e1 * e2 * m2
        a1 = e1 * e2 * e2 * m12
        s0 = a0 + a4 + a2 + a1
        s1 = 0.5 * a4 + a2 + 2.0 * a1
        s2 = 0.25 * a4 + a2 + 4.0 * a1
        f1 = s0 - m_target
        f2 = s1 - z_target
        det = s0 * s2 - s1 * s1
        if det <= 1e-13 * s0 * s2 or z_target <= 0.0:
            d1 = math.log(m_target / s0)
            d2 = 0.0
            l1 += d1
        else:
            d1 = (s2 * f1 - s1 * f2) / det
            d2 = (s0 * f2 - s1 * f1) / det
            l1 -= d1
            l2 -= d2
        if abs(d1) + abs(d2) < 1e-13:
            break
    if not (math.isfinite(l1) and math.isfinite(l2)):
        return math.inf
    for i in range(5):
        y[i] += l1 + l2 * WEIGHTS[i]
    return max(abs(l1), abs(l2))


__all__ = ["project", "rodas3_step", "rodas_step", "step"]
