r"""Spectrum similarity: NIST identity match factor, reverse match factor, weighted cosine.

Identity match factor (S. E. Stein and D. R. Scott, J. Am. Soc. Mass Spectrom. 5 (1994) 859;
the form stated in document 002), for an unknown U and a library spectrum L on unit masses:

* weights :math:`W = I^{1/2}\, m^{k}` with :math:`k = 1/2` (identity) or 0 ("simple");
* dot-product term :math:`F_D = (\sum W_L W_U)^2 / (\sum W_L^2 \sum W_U^2)`, sums over all masses;
* ratio term over the peaks present in both spectra, taken in ascending m/z,
  :math:`c_1 < c_2 < \dots < c_n`, with :math:`w = I^{1/2}`:
  :math:`R_i = (w_{L,i}\, w_{U,i-1}) / (w_{L,i-1}\, w_{U,i})` for :math:`i = 2..n` and
  :math:`F_R = \sum_i \min(R_i, 1/R_i)\, c_i / \sum_i c_i`;
* :math:`MF = (a F_D + b F_R) / (a + b)` with :math:`a` = number of peaks of the unknown (the
  non-zero terms of :math:`\sum W_U^2`) and :math:`b` = number of peaks in common (Stein and
  Scott's :math:`N_U` and :math:`N_{U\&L}`); with fewer than two common peaks there is no ratio
  term (:math:`b = 0`, :math:`MF = F_D`);
* reported as ``min(999, int(1000 * MF))``.

The reverse match factor is the same score after dropping the unknown's peaks that are absent
from the library spectrum (NIST "reverse search": impurities in the unknown are not penalised).
The weighted cosine is :math:`\sum W_L W_U / \sqrt{\sum W_L^2 \sum W_U^2}`.

All functions take unit-mass peak lists (use :func:`cellworks.gcms.spectrum.to_unit_mass`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cellworks.gcms.spectrum import to_unit_mass

IDENTITY_K = 0.5
SIMPLE_K = 0.0


@dataclass(frozen=True)
class MatchParams:
    """Parameters of the match factor. ``source`` is the citation."""

    mass_exponent: float = IDENTITY_K
    intensity_exponent: float = 0.5
    source: str = "Stein & Scott, J. Am. Soc. Mass Spectrom. 5 (1994) 859; document 002 (docs/sources.md)"


def _prep(mz: npt.ArrayLike, intensity: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    m = np.asarray(mz)
    if m.dtype.kind in "iu":
        y = np.asarray(intensity, dtype=np.float64)
        keep = y > 0
        m, y = m[keep].astype(np.int64), y[keep]
        order = np.argsort(m, kind="stable")
        m, y = m[order], y[order]
        if m.size > 1 and np.any(np.diff(m) == 0):
            return to_unit_mass(m.astype(float), y)
        return m, y
    return to_unit_mass(m, intensity)


def match_factor_float(
    u_mz: npt.ArrayLike, u_int: npt.ArrayLike, l_mz: npt.ArrayLike, l_int: npt.ArrayLike,
    mass_exponent: float = IDENTITY_K,
) -> float:
    """Identity match factor as a fraction in [0, 1] (see module docstring)."""
    um, uy = _prep(u_mz, u_int)
    lm, ly = _prep(l_mz, l_int)
    if um.size == 0 or lm.size == 0:
        return 0.0
    wu = np.sqrt(uy) * um.astype(np.float64) ** mass_exponent
    wl = np.sqrt(ly) * lm.astype(np.float64) ** mass_exponent
    common, iu, il = np.intersect1d(um, lm, assume_unique=True, return_indices=True)
    dot = float(np.dot(wu[iu], wl[il]))
    fd = dot * dot / (float(np.dot(wu, wu)) * float(np.dot(wl, wl)))
    a = int(um.size)
    n = int(common.size)
    if n < 2:
        return fd
    su = np.sqrt(uy[iu])
    sl = np.sqrt(ly[il])
    r = (sl[1:] * su[:-1]) / (sl[:-1] * su[1:])
    term = np.minimum(r, 1.0 / r)
    mi = common[1:].astype(np.float64)
    fr = float(np.dot(term, mi) / mi.sum())
    b = n
    return (a * fd + b * fr) / (a + b)


def to_score(mf: float) -> int:
    """``min(999, int(1000 * MF))`` (NIST reporting)."""
    if not math.isfinite(mf) or mf <= 0:
        return 0
    return min(999, int(1000.0 * mf + 1e-9))


def match_factor(u_mz: npt.ArrayLike, u_int: npt.ArrayLike, l_mz: npt.ArrayLike, l_int: npt.ArrayLike,
                 mass_exponent: float = IDENTITY_K) -> int:
    """Identity match factor 0–999."""
    return to_score(match_factor_float(u_mz, u_int, l_mz, l_int, mass_exponent))


def reverse_match_factor(u_mz: npt.ArrayLike, u_int: npt.ArrayLike, l_mz: npt.ArrayLike,
                         l_int: npt.ArrayLike, mass_exponent: float = IDENTITY_K) -> int:
    """Reverse match factor 0–999: the unknown's peaks absent from the library spectrum are
    ignored."""
    um, uy = _prep(u_mz, u_int)
    lm, ly = _prep(l_mz, l_int)
    keep = np.isin(um, lm)
    return to_score(match_factor_float(um[keep], uy[keep], lm, ly, mass_exponent))


def weighted_cosine(u_mz: npt.ArrayLike, u_int: npt.ArrayLike, l_mz: npt.ArrayLike, l_int: npt.ArrayLike,
                    mass_exponent: float = IDENTITY_K, intensity_exponent: float = 0.5) -> float:
    """Cosine of the weight vectors ``I**intensity_exponent * m**mass_exponent`` (0..1)."""
    um, uy = _prep(u_mz, u_int)
    lm, ly = _prep(l_mz, l_int)
    if um.size == 0 or lm.size == 0:
        return 0.0
    wu = uy**intensity_exponent * um.astype(np.float64) ** mass_exponent
    wl = ly**intensity_exponent * lm.astype(np.float64) ** mass_exponent
    _, iu, il = np.intersect1d(um, lm, assume_unique=True, return_indices=True)
    return float(np.dot(wu[iu], wl[il]) / math.sqrt(float(np.dot(wu, wu)) * float(np.dot(wl, wl))))
