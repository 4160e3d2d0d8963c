"""Samples of a multivariate Gaussian restricted to x ≥ 0, by exact Hamiltonian Monte Carlo.

Pakman & Paninski, J. Comput. Graph. Stat. 23 (2014) 518: in whitened coordinates y (x = μ + S y,
SSᵀ = Σ) the Hamiltonian motion is y(t) = a sin t + b cos t exactly; the particle moves for a time
π/2, reflecting off each wall x_j = 0 it meets (the velocity's component normal to the wall changes
sign). No step size, no rejection. This is how DRTtools/pyDRTtools draw the DRT's credible band
under its non-negativity constraint; the implementation here is our own.
"""

from __future__ import annotations

import math

import numpy as np

from cellworks._typing import Array


def sample_nonnegative_gaussian(mean: Array, cov: Array, x0: Array, n_samples: int, burn_in: int = 100,
                                seed: int = 0) -> Array:
    """``n_samples`` draws (rows) of N(mean, cov) truncated to x ≥ 0, started at the feasible ``x0``."""
    mu = np.asarray(mean, dtype=float)
    vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
    s = vecs * np.sqrt(np.clip(vals, 0.0, None))[None, :]  # x = mu + s @ y
    s_pinv = vecs.T / np.where(vals > 0, np.sqrt(np.clip(vals, 1e-300, None)), np.inf)[:, None]
    x_start = np.maximum(np.asarray(x0, dtype=float), 1e-12 * max(float(np.max(np.abs(x0))), 1e-300))
    y = s_pinv @ (x_start - mu)
    rows = s  # wall j: f_j(y) = rows[j] @ y + mu[j] >= 0
    norm2 = np.einsum("ij,ij->i", rows, rows)
    rng = np.random.default_rng(seed)
    out = np.empty((n_samples, mu.size))
    for k in range(burn_in + n_samples):
        b = y.copy()
        a = rng.standard_normal(mu.size)
        t_left = math.pi / 2
        last = -1
        for _ in range(10000):  # bounces per sample; far fewer in practice
            fa, fb = rows @ a, rows @ b
            u = np.hypot(fa, fb)
            phi = np.arctan2(fa, fb)
            with np.errstate(invalid="ignore", divide="ignore"):
                reach = u > np.abs(mu)
                ratio = np.where(reach, -mu / np.where(u > 0, u, 1.0), 0.0)
                base = np.arccos(np.clip(ratio, -1.0, 1.0))
            t1 = np.mod(phi + base, 2 * math.pi)
            t2 = np.mod(phi - base, 2 * math.pi)
            t_hit = np.where(reach, np.minimum(np.where(t1 > 1e-10, t1, np.inf), np.where(t2 > 1e-10, t2, np.inf)),
                             np.inf)
            if last >= 0:
                t_hit[last] = np.inf if t_hit[last] < 1e-8 else t_hit[last]
            j = int(np.argmin(t_hit))
            if t_hit[j] >= t_left:
                y = a * math.sin(t_left) + b * math.cos(t_left)
                break
            t = float(t_hit[j])
            pos = a * math.sin(t) + b * math.cos(t)
            vel = a * math.cos(t) - b * math.sin(t)
            vel = vel - 2.0 * (rows[j] @ vel) / norm2[j] * rows[j]
            a, b = vel, pos
            t_left -= t
            last = j
        if k >= burn_in:
            out[k - burn_in] = mu + s @ y
    return np.maximum(out, 0.0)  # clears round-off below the walls
