"""Small helpers for centroid mass spectra: unit-mass binning, normalisation, dense vectors."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cellworks.gcms.run import nominal_mass

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def to_unit_mass(mz: npt.ArrayLike, intensity: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
    """Bin centroids to nominal mass (``floor(mz + 0.3)``), summing intensities; drop
    non-positive and non-finite intensities. Returns ascending unique masses."""
    m = np.asarray(mz, dtype=np.float64).ravel()
    y = np.asarray(intensity, dtype=np.float64).ravel()
    ok = np.isfinite(m) & np.isfinite(y) & (y > 0)
    nm = nominal_mass(m[ok])
    if nm.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    u, inv = np.unique(nm, return_inverse=True)
    s = np.bincount(inv, weights=y[ok])
    keep = u > 0
    return u[keep].astype(np.int64), s[keep].astype(np.float64)


def normalize(intensity: npt.ArrayLike, top: float = 999.0) -> FloatArray:
    y = np.asarray(intensity, dtype=np.float64)
    m = float(y.max()) if y.size else 0.0
    return y * (top / m) if m > 0 else y.copy()


def dense(mz: IntArray, intensity: FloatArray, max_mz: int) -> FloatArray:
    """Dense vector ``v[m] = intensity`` for unit masses ``0..max_mz`` (peaks above dropped)."""
    v = np.zeros(max_mz + 1)
    keep = (mz >= 0) & (mz <= max_mz)
    np.add.at(v, mz[keep], intensity[keep])
    return v
