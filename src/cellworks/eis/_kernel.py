"""Compiled evaluation of a parsed circuit: impedance and Jacobian in one numba call.

The circuit tree is flattened into a small stack program (post-order): ``ELEM kind offset`` pushes an
element's impedance and its derivative rows, ``SERIES n`` / ``PARALLEL n`` pop ``n`` entries and push
their combination (series: sums; parallel: Z = 1/Σ 1/Z_i and dZ/dp = Σ (Z/Z_i)² dZ_i/dp). The element
formulas are those of :mod:`cellworks.eis.elements` written per frequency; tests check both
implementations against each other and against finite differences. Compiled with ``cache=True``.
"""

from __future__ import annotations

import cmath
import math
from typing import Any

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole part's source)

HALF_PI_J = 0.5j * math.pi


@njit(cache=True, inline="always", error_model="numpy")
def _tanh(x: complex) -> complex:
    # overflow-free: tanh x = (1 - e^{-2x}) / (1 + e^{-2x}) for Re x >= 0, odd otherwise
    if x.real >= 0:
        e = cmath.exp(-2.0 * x)
        return (1.0 - e) / (1.0 + e)
    e = cmath.exp(2.0 * x)
    return -(1.0 - e) / (1.0 + e)


@njit(cache=True, inline="always", error_model="numpy")
def _csch(x: complex) -> complex:
    if x.real >= 0:
        e = cmath.exp(-x)
        return 2.0 * e / (1.0 - e * e)
    e = cmath.exp(x)
    return -2.0 * e / (1.0 - e * e)


@njit(cache=True, inline="always", error_model="numpy")
def _sech2(x: complex) -> complex:
    # 1/cosh² x = 4 e^{-2x} / (1 + e^{-2x})², no cancellation where tanh x ≈ ±1
    e = cmath.exp(-2.0 * x) if x.real >= 0 else cmath.exp(2.0 * x)
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


@njit(cache=True, inline="always", error_model="numpy")
def _csch2(x: complex) -> complex:
    e = cmath.exp(-2.0 * x) if x.real >= 0 else cmath.exp(2.0 * x)
    return 4.0 * e / ((1.0 - e) * (1.0 - e))


@njit(cache=True, error_model="numpy")
def _element(kind: int, p: Any, off: int, w: Any, z: Any, jac: Any) -> None:  # noqa: C901
    n = w.size
    for i in range(n):
        wi = w[i]
        jw = 1j * wi
        if kind == 0:  # R
            z[i] = p[off] + 0j
            jac[off, i] = 1.0
        elif kind == 1:  # C
            zz = 1.0 / (jw * p[off])
            z[i] = zz
            jac[off, i] = -zz / p[off]
        elif kind == 2:  # L
            z[i] = jw * p[off]
            jac[off, i] = jw
        elif kind == 3:  # W
            b = (1.0 - 1j) / math.sqrt(wi)
            z[i] = p[off] * b
            jac[off, i] = b
        elif kind == 4 or kind == 5:  # Wo, Ws
            z0 = p[off]
            tau = p[off + 1]
            s = cmath.sqrt(jw * tau)
            th = _tanh(s)
            if kind == 4:
                cth = 1.0 / th
                g = cth / s
                d = z0 / (2.0 * tau) * (-_csch2(s) - g)
            else:
                g = th / s
                d = z0 / (2.0 * tau) * (_sech2(s) - g)
            z[i] = z0 * g
            jac[off, i] = g
            jac[off + 1, i] = d
        elif kind == 6:  # CPE
            q = p[off]
            a = p[off + 1]
            ljw = math.log(wi) + HALF_PI_J
            zz = cmath.exp(-a * ljw) / q
            z[i] = zz
            jac[off, i] = -zz / q
            jac[off + 1, i] = -zz * ljw
        elif kind == 7:  # La
            ell = p[off]
            a = p[off + 1]
            lg = math.log(wi * ell) + HALF_PI_J
            zz = cmath.exp(a * lg)
            z[i] = zz
            jac[off, i] = a * zz / ell
            jac[off + 1, i] = zz * lg
        elif kind == 8:  # G
            rg = p[off]
            tg = p[off + 1]
            u2 = 1.0 + jw * tg
            zz = rg / cmath.sqrt(u2)
            z[i] = zz
            jac[off, i] = zz / rg
            jac[off + 1, i] = -0.5 * zz * jw / u2
        elif kind == 9:  # Gs
            rg = p[off]
            tg = p[off + 1]
            phi = p[off + 2]
            u = cmath.sqrt(1.0 + jw * tg)
            th = _tanh(phi * u)
            sech2 = _sech2(phi * u)
            g = u * th
            zz = rg / g
            z[i] = zz
            jac[off, i] = zz / rg
            jac[off + 1, i] = -zz / g * (th + phi * u * sech2) * (jw / (2.0 * u))
            jac[off + 2, i] = -zz / g * (u * u * sech2)
        elif kind == 10:  # Zarc
            r = p[off]
            tau = p[off + 1]
            gam = p[off + 2]
            lg = math.log(wi * tau) + HALF_PI_J
            x = cmath.exp(gam * lg)
            den = 1.0 + x
            z[i] = r / den
            k = -r / (den * den) * x
            jac[off, i] = 1.0 / den
            jac[off + 1, i] = k * gam / tau
            jac[off + 2, i] = k * lg
        elif kind == 11:  # K
            r = p[off]
            tau = p[off + 1]
            den = 1.0 + jw * tau
            zz = r / den
            z[i] = zz
            jac[off, i] = 1.0 / den
            jac[off + 1, i] = -zz * jw / den
        elif kind == 12:  # TLMQ
            rion = p[off]
            q = p[off + 1]
            gam = p[off + 2]
            ljw = math.log(wi) + HALF_PI_J
            y = q * cmath.exp(gam * ljw)
            a = cmath.sqrt(rion / y)
            b = cmath.sqrt(rion * y)
            cth = 1.0 / _tanh(b)
            csch2 = _csch2(b)
            z[i] = a * cth
            d_r = (a / (2.0 * rion)) * cth - a * csch2 * (b / (2.0 * rion))
            d_y = (-a / (2.0 * y)) * cth - a * csch2 * (b / (2.0 * y))
            jac[off, i] = d_r
            jac[off + 1, i] = d_y * y / q
            jac[off + 2, i] = d_y * y * ljw
        else:  # T
            big_a = p[off]
            big_b = p[off + 1]
            a = p[off + 2]
            b = p[off + 3]
            beta = cmath.sqrt(a + jw * b)
            cth = 1.0 / _tanh(beta)
            cs = _csch(beta)
            f1 = cth / beta
            f2 = cs / beta
            z[i] = big_a * f1 + big_b * f2
            df1 = -_csch2(beta) / beta - cth / (beta * beta)
            df2 = -cs / (beta * beta) - cth * cs / beta
            dzb = big_a * df1 + big_b * df2
            jac[off, i] = f1
            jac[off + 1, i] = f2
            jac[off + 2, i] = dzb / (2.0 * beta)
            jac[off + 3, i] = dzb * jw / (2.0 * beta)


@njit(cache=True, error_model="numpy")
def run_program(prog: Any, n_params: int, depth: int, p: Any, w: Any) -> tuple[Any, Any]:
    """Execute the stack program; returns Z (n,) and dZ/dp (n_params, n)."""
    n = w.size
    zs = np.zeros((depth, n), dtype=np.complex128)
    js = np.zeros((depth, n_params, n), dtype=np.complex128)
    top = 0
    for k in range(prog.shape[0]):
        op = prog[k, 0]
        if op == 0:
            js[top, :, :] = 0.0
            _element(prog[k, 1], p, prog[k, 2], w, zs[top], js[top])
            top += 1
        elif op == 1:
            m = prog[k, 3]
            base = top - m
            for c in range(base + 1, top):
                for i in range(n):
                    zs[base, i] += zs[c, i]
                for r in range(n_params):
                    for i in range(n):
                        js[base, r, i] += js[c, r, i]
            top = base + 1
        else:
            m = prog[k, 3]
            base = top - m
            for i in range(n):
                y = 0j
                for c in range(base, top):
                    y += 1.0 / zs[c, i]
                zp = 1.0 / y
                # scale each child's derivative rows by (Z/Z_c)^2 and sum into the base slot
                for c in range(base, top):
                    sc = (zp / zs[c, i]) ** 2
                    for r in range(n_params):
                        if c == base:
                            js[base, r, i] = js[base, r, i] * sc
                        else:
                            js[base, r, i] += js[c, r, i] * sc
                zs[base, i] = zp
            top = base + 1
    return zs[0].copy(), js[0].copy()


@njit(cache=True, error_model="numpy")
def residuals_jacobian(prog: Any, n_params: int, depth: int, x: Any, logmask: Any, free: Any, full0: Any, w: Any,
                       zr: Any, zi: Any, isr: Any, isi: Any) -> tuple[Any, Any]:
    """Weighted stacked residuals [Re; Im] (2n,) and their Jacobian (2n, k) w.r.t. the fit variables
    ``x`` (logarithms where ``logmask``), in one call."""
    p = full0.copy()
    k = x.size
    scale = np.empty(k)
    for j in range(k):
        if logmask[j]:
            v = math.exp(x[j])
            p[free[j]] = v
            scale[j] = v
        else:
            p[free[j]] = x[j]
            scale[j] = 1.0
    z, jac = run_program(prog, n_params, depth, p, w)
    n = w.size
    r = np.empty(2 * n)
    jj = np.empty((2 * n, k))
    for i in range(n):
        r[i] = (z[i].real - zr[i]) * isr[i]
        r[n + i] = (z[i].imag - zi[i]) * isi[i]
        for j in range(k):
            d = jac[free[j], i] * scale[j]
            jj[i, j] = d.real * isr[i]
            jj[n + i, j] = d.imag * isi[i]
    return r, jj


@njit(cache=True, error_model="numpy")
def lm_explore(prog: Any, n_params: int, depth: int, x0: Any, lo: Any, hi: Any, logmask: Any, free: Any,
               full0: Any, w: Any, zr: Any, zi: Any, isr: Any, isi: Any, max_iter: int,
               rtol: float) -> tuple[Any, float]:
    """A compact box-projected Levenberg-Marquardt run (exploration of one multi-start point).

    Returns the end point and its cost Σr². Used only to find basins; every reported optimum is
    polished afterwards with scipy's trust-region solver."""
    k = x0.size
    x = np.minimum(np.maximum(x0, lo), hi)
    r, jac = residuals_jacobian(prog, n_params, depth, x, logmask, free, full0, w, zr, zi, isr, isi)
    cost = np.sum(r * r)
    if not np.isfinite(cost):
        return x, np.inf
    lam = -1.0
    for _ in range(max_iter):
        a = jac.T @ jac
        g = jac.T @ r
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(g))):
            return x, np.inf
        if lam < 0:  # Levenberg damping (identity: the variables are dimensionless logarithms)
            lam = 1e-3 * max(np.max(np.diag(a)), 1e-300)
        improved = False
        done = False
        for _inner in range(20):
            m = a.copy()
            for j in range(k):
                m[j, j] += lam
            dx = np.linalg.solve(m, -g)
            xn = np.minimum(np.maximum(x + dx, lo), hi)
            rn, jn = residuals_jacobian(prog, n_params, depth, xn, logmask, free, full0, w, zr, zi, isr, isi)
            cn = np.sum(rn * rn)
            if np.isfinite(cn) and cn < cost:
                done = cost - cn <= rtol * cost
                x, r, jac, cost = xn, rn, jn, cn
                lam = lam / 3.0
                improved = True
                break
            lam *= 4.0
        if not improved or done:
            break
    return x, cost
