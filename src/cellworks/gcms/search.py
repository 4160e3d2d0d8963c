"""Exact top-k library search by identity match factor, fast on 100 000+ spectra.

Index (built once): the library as CSR rows of unit-mass peaks (``sqrt(I)`` and the identity
weight ``W = sqrt(I) * m**0.5``), each row's ``sum W^2``, and an inverted index m/z → (row, W).

Query, in one compiled pass (numba):

1. walk the inverted lists of the query's peaks, accumulating for every library row the dot
   product ``sum W_L W_U`` and the number of common peaks ``b``;
2. for every touched row, an **upper bound** of its match factor:
   ``MF = (a F_D + b F_R)/(a + b) <= (a F_D + b)/(a + b)`` because ``F_R <= 1`` (each ratio term
   is ``min(R, 1/R) <= 1`` and ``F_R`` is their weighted mean); ``F_D`` comes from step 1 (float32
   sums, so it is inflated by 1e-5 relative to remain an upper bound);
3. the exact MF of the 64 rows with the highest bound gives a provisional k-th best score
   ``tau``; then every row whose bound is ``>= tau`` is scored exactly (``tau`` rises as better
   rows are found). A row never scored has ``bound < tau <= `` the k-th best exact score, so it
   cannot belong to the top k: the result equals brute-force scoring of every row (ties broken
   by row index, as in :func:`brute_force_topk`). Rows sharing no peak with the query have
   MF = 0 and are never in a non-zero top-k.

The exact MF used here is the same formula as :func:`cellworks.gcms.scores.match_factor_float`
(tested against it). The kernels live in :mod:`cellworks.gcms.search_kernels` and are loaded on the
first index build, so importing this module does not import numba.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cellworks.errors import InputError
from cellworks.gcms.library import Library
from cellworks.gcms.spectrum import to_unit_mass


def _kernels() -> Any:
    """The compiled kernels, imported (and numba loaded) on first use."""
    from cellworks.gcms import search_kernels

    return search_kernels


@dataclass(frozen=True)
class Hit:
    index: int
    name: str
    mf: int
    mf_exact: float


class SearchIndex:
    """Inverted index over a unit-mass library for exact top-k identity-MF search."""

    def __init__(self, indptr: npt.ArrayLike, mz: npt.ArrayLike, intensity: npt.ArrayLike,
                 names: list[str] | None = None) -> None:
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.mz = np.ascontiguousarray(mz, dtype=np.int64)
        y = np.ascontiguousarray(intensity, dtype=np.float64)
        if self.mz.size and self.mz.min() < 1:
            raise InputError("library m/z must be >= 1 (unit masses)", field="mz")
        self.s = np.sqrt(np.maximum(y, 0.0))
        self.w = self.s * np.sqrt(self.mz.astype(np.float64))
        n = self.indptr.size - 1
        row = np.repeat(np.arange(n), np.diff(self.indptr))
        self.norm2 = np.bincount(row, weights=self.w * self.w, minlength=n)
        self.max_mz = int(self.mz.max()) if self.mz.size else 0
        self.inv_ptr, self.inv_row, self.inv_w = _kernels()._invert(self.indptr, self.mz, self.w, self.max_mz)
        self.names = names
        self._acc = np.zeros(n, dtype=np.float32)
        self._cnt = np.zeros(n, dtype=np.int32)
        self._ub = np.zeros(n)
        self.last_n_touched = 0
        self.last_n_exact = 0

    @property
    def n_spectra(self) -> int:
        return int(self.indptr.size - 1)

    @classmethod
    def from_library(cls, lib: Library) -> SearchIndex:
        """Index a library: peaks binned to nominal mass (summed), non-positive ones dropped."""
        from cellworks.gcms.run import nominal_mass

        n = len(lib.spectra)
        counts = np.fromiter((sp.mz.size for sp in lib.spectra), dtype=np.int64, count=n)
        all_m = np.concatenate([sp.mz for sp in lib.spectra]) if n else np.zeros(0)
        all_y = np.concatenate([sp.intensity for sp in lib.spectra]) if n else np.zeros(0)
        rows = np.repeat(np.arange(n, dtype=np.int64), counts)
        ok = np.isfinite(all_m) & np.isfinite(all_y) & (all_y > 0)
        nm = nominal_mass(all_m[ok])
        rows, y = rows[ok], all_y[ok]
        keep = nm > 0
        nm, rows, y = nm[keep], rows[keep], y[keep]
        key = rows * (int(nm.max()) + 1 if nm.size else 1) + nm
        ukey, inv = np.unique(key, return_inverse=True)
        ysum = np.bincount(inv, weights=y)
        width = int(nm.max()) + 1 if nm.size else 1
        urow, um = ukey // width, ukey % width
        indptr = np.zeros(n + 1, dtype=np.int64)
        indptr[1:] = np.cumsum(np.bincount(urow, minlength=n))
        return cls(indptr, um, ysum, [sp.name for sp in lib.spectra])

    def query(self, mz: npt.ArrayLike, intensity: npt.ArrayLike, k: int = 10) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Top-``k`` rows ``(indices, exact MF in [0,1])``, best first; rows sharing no peak are
        left out (fewer than ``k`` results then)."""
        qm, qy = to_unit_mass(mz, intensity) if np.asarray(mz).dtype.kind == "f" else (
            np.asarray(mz, dtype=np.int64), np.asarray(intensity, dtype=np.float64))
        n_seed = max(64, 4 * k)
        idx, sc, nt, ne = _kernels()._query(self.indptr, self.mz, self.s, self.w, self.norm2, self.inv_ptr, self.inv_row,
                                 self.inv_w, qm, qy, k, n_seed, self._acc, self._cnt, self._ub)
        self.last_n_touched, self.last_n_exact = int(nt), int(ne)
        keep = idx >= 0
        return idx[keep], sc[keep]

    def cosine(self, mz: npt.ArrayLike, intensity: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Weighted cosine (W = I^½·m^½, the F_D part of the MF before squaring; matchms'
        ``CosineGreedy(mz_power=0.5, intensity_power=0.5)`` on unit masses) of the query against
        every library row, through the inverted index."""
        qm, qy = to_unit_mass(mz, intensity) if np.asarray(mz).dtype.kind == "f" else (
            np.asarray(mz, dtype=np.int64), np.asarray(intensity, dtype=np.float64))
        return _kernels()._cosine_all(self.norm2, self.inv_ptr, self.inv_row, self.inv_w, qm, qy)  # type: ignore[no-any-return]

    def cosine_matrix(self, queries: list[tuple[npt.ArrayLike, npt.ArrayLike]]) -> npt.NDArray[np.float64]:
        """:meth:`cosine` of many queries: shape ``(n_library, n_queries)`` (matchms' layout)."""
        return np.column_stack([self.cosine(m, y) for m, y in queries]) if queries else np.zeros((self.n_spectra, 0))

    def hits(self, mz: npt.ArrayLike, intensity: npt.ArrayLike, k: int = 10) -> list[Hit]:
        from cellworks.gcms.scores import to_score

        idx, sc = self.query(mz, intensity, k)
        names = self.names or [str(i) for i in range(self.n_spectra)]
        return [Hit(int(i), names[int(i)], to_score(float(s)), float(s)) for i, s in zip(idx, sc, strict=True)]


def brute_force_topk(index: SearchIndex, mz: npt.ArrayLike, intensity: npt.ArrayLike, k: int = 10) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Score every library row with :func:`cellworks.gcms.scores.match_factor_float` (slow,
    reference implementation); ties by row index."""
    from cellworks.gcms.scores import match_factor_float

    qm, qy = to_unit_mass(mz, intensity) if np.asarray(mz).dtype.kind == "f" else (
        np.asarray(mz, dtype=np.int64), np.asarray(intensity, dtype=np.float64))
    scores = np.zeros(index.n_spectra)
    for r in range(index.n_spectra):
        a, b = index.indptr[r], index.indptr[r + 1]
        scores[r] = match_factor_float(qm, qy, index.mz[a:b], index.s[a:b] ** 2)
    order = np.lexsort((np.arange(scores.size), -scores))[:k]
    order = order[scores[order] > 0]
    return order, scores[order]


def brute_force_topk_fast(index: SearchIndex, mz: npt.ArrayLike, intensity: npt.ArrayLike,
                          k: int = 10) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Exhaustive scoring of every row with the compiled exact MF (no pruning); ties by row."""
    qm, qy = to_unit_mass(mz, intensity) if np.asarray(mz).dtype.kind == "f" else (
        np.asarray(mz, dtype=np.int64), np.asarray(intensity, dtype=np.float64))
    scores = _kernels()._score_all(index.indptr, index.mz, index.s, index.w, index.norm2, qm, qy, index.max_mz)
    top = np.argpartition(-scores, min(k, scores.size - 1))[: k + 1] if scores.size > k else np.arange(scores.size)
    cand = np.flatnonzero(scores >= scores[top].min()) if top.size else top
    order = cand[np.lexsort((cand, -scores[cand]))][:k]
    order = order[scores[order] > 0]
    return order, scores[order]
