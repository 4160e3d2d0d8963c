"""Reproducible synthetic unit-mass EI-like library for the GC-MS search benchmark.

``make_library(n, seed)``: ``n`` spectra in ``n // 50`` families of 50 variants. A family's
base spectrum has 15-60 peaks at unit masses 15-450 (denser at low mass, as in EI), intensities
log-uniform over three decades, and a "molecular ion" near its highest mass. Each variant
multiplies intensities by log-normal noise (sigma 0.3), drops ~20 % of the peaks below 5 % of
the base peak and adds 0-4 random small peaks; so every spectrum has ~50 close relatives and
the top-10 is a real ranking problem. ``make_queries`` perturbs library members the same way.
"""

from __future__ import annotations

import numpy as np


def _base(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(15, 61))
    top = int(rng.integers(60, 451))
    # EI-like mass distribution: more fragments at low mass
    masses = np.unique(np.clip((15 + (top - 15) * rng.beta(1.3, 2.2, n)).astype(int), 15, top))
    masses = np.unique(np.append(masses, top))
    y = 10 ** rng.uniform(0, 3, masses.size)
    y[-1] = max(y[-1], 50.0)
    return masses, y


def _variant(rng: np.random.Generator, m: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y2 = y * rng.lognormal(0.0, 0.3, y.size)
    small = y2 < 0.05 * y2.max()
    keep = ~(small & (rng.random(y.size) < 0.2))
    m2, y2 = m[keep], y2[keep]
    n_add = int(rng.integers(0, 5))
    if n_add:
        extra = rng.integers(15, int(m.max()) + 1, n_add)
        m2 = np.concatenate([m2, extra])
        y2 = np.concatenate([y2, rng.uniform(1, 0.03 * y2.max(), n_add)])
    u, inv = np.unique(m2, return_inverse=True)
    s = np.bincount(inv, weights=y2)
    return u, 999.0 * s / s.max()


def make_library(n: int = 100_000, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR ``(indptr, mz, intensity)`` of ``n`` synthetic spectra."""
    rng = np.random.default_rng(seed)
    per = 50
    rows_m, rows_y = [], []
    for _ in range((n + per - 1) // per):
        bm, by = _base(rng)
        for _ in range(per):
            m, y = _variant(rng, bm, by)
            rows_m.append(m)
            rows_y.append(y)
    rows_m, rows_y = rows_m[:n], rows_y[:n]
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r.size for r in rows_m])
    return indptr, np.concatenate(rows_m).astype(np.int64), np.concatenate(rows_y)


def make_queries(indptr: np.ndarray, mz: np.ndarray, y: np.ndarray, n: int = 1000,
                 seed: int = 7) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    rows = rng.choice(indptr.size - 1, n, replace=False)
    out = []
    for r in rows:
        a, b = indptr[r], indptr[r + 1]
        out.append(_variant(rng, mz[a:b], y[a:b]))
    return out
