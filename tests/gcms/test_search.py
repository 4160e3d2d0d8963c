"""The search index returns exactly the brute-force top-k by identity MF."""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.gcms.library import load_builtin
from cellworks.gcms.scores import match_factor_float
from cellworks.gcms.search import SearchIndex, brute_force_topk


def _random_library(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows_m, rows_y = [], []
    for _ in range(n):
        k = int(rng.integers(2, 25))
        m = np.unique(rng.integers(12, 120, k))
        rows_m.append(m)
        rows_y.append(rng.uniform(1, 999, m.size).round(1))
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r.size for r in rows_m])
    return indptr, np.concatenate(rows_m), np.concatenate(rows_y)


def test_index_equals_brute_force_on_random_library() -> None:
    ip, mz, y = _random_library(600, 3)
    idx = SearchIndex(ip, mz, y)
    rng = np.random.default_rng(4)
    for _ in range(60):
        r = int(rng.integers(0, 600))
        m = mz[ip[r]:ip[r + 1]]
        yy = y[ip[r]:ip[r + 1]] * rng.lognormal(0, 0.3, m.size)
        i1, s1 = idx.query(m, yy, 10)
        i2, s2 = brute_force_topk(idx, m, yy, 10)
        np.testing.assert_array_equal(i1, i2)
        np.testing.assert_allclose(s1, s2, atol=1e-12)


def test_compiled_kernel_matches_reference_formula() -> None:
    # the numba MF of the index against the plain-NumPy scores.match_factor_float, on random pairs
    ip, mz, y = _random_library(200, 11)
    idx = SearchIndex(ip, mz, y)
    rng = np.random.default_rng(5)
    for _ in range(30):
        qm = np.unique(rng.integers(12, 120, 15))
        qy = rng.uniform(1, 999, qm.size)
        ids, scores = idx.query(qm, qy, 200)
        for i, s in zip(ids, scores, strict=True):
            ref = match_factor_float(qm, qy, mz[ip[i]:ip[i + 1]], y[ip[i]:ip[i + 1]])
            assert s == pytest.approx(ref, abs=1e-12)


def test_builtin_library_spectra_find_themselves() -> None:
    lib = load_builtin()
    idx = SearchIndex.from_library(lib)
    for k, spec in enumerate(lib):
        hits = idx.hits(spec.mz, spec.intensity, 3)
        assert hits[0].mf == 999
        # identical spectra (none in the library) would tie; the first hit is the query itself
        assert hits[0].index == k or hits[0].mf_exact == pytest.approx(hits[1].mf_exact)
