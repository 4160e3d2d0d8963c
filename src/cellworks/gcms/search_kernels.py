"""Compiled kernels of :mod:`cellworks.gcms.search` (numba; loaded on the first search, so that
``import cellworks.gcms.search`` stays light). The algorithm is described in that module."""

from __future__ import annotations

import numpy as np

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole part's source)

try:  # numba is a runtime dependency; keep a pure-NumPy fallback for exotic platforms
    from numba import njit
except ImportError:  # pragma: no cover
    def njit(*args, **kwargs):  # type: ignore[no-untyped-def,no-redef]
        def deco(f):  # type: ignore[no-untyped-def]
            return f
        return deco if not args or not callable(args[0]) else args[0]

MASS_K = 0.5


@njit(cache=True, nogil=True)
def _exact_mf(row_mz, row_s, row_w, row_norm2, wu, su, a, norm_u2):  # type: ignore[no-untyped-def]
    dot = 0.0
    n = 0
    prev_sl = 0.0
    prev_su = 0.0
    fr_num = 0.0
    fr_den = 0.0
    for j in range(row_mz.shape[0]):
        m = row_mz[j]
        if m < su.shape[0]:
            s_u = su[m]
            if s_u > 0.0:
                dot += row_w[j] * wu[m]
                s_l = row_s[j]
                if n > 0:
                    r = (s_l * prev_su) / (prev_sl * s_u)
                    if r > 1.0:
                        r = 1.0 / r
                    fr_num += r * m
                    fr_den += m
                prev_sl = s_l
                prev_su = s_u
                n += 1
    if norm_u2 <= 0.0 or row_norm2 <= 0.0:
        return 0.0
    fd = dot * dot / (row_norm2 * norm_u2)
    if n < 2:
        return fd
    fr = fr_num / fr_den
    return (a * fd + n * fr) / (a + n)


@njit(cache=True, nogil=True)
def _insert(top_s, top_i, k, s, i):  # type: ignore[no-untyped-def]
    # keep top_s descending (ties: smaller index first); top_i = -1 marks empty
    pos = k
    while pos > 0:
        ps = top_s[pos - 1]
        pi = top_i[pos - 1]
        if pi >= 0 and (ps > s or (ps == s and pi < i)):
            break
        pos -= 1
    if pos >= k:
        return
    for q in range(k - 1, pos, -1):
        top_s[q] = top_s[q - 1]
        top_i[q] = top_i[q - 1]
    top_s[pos] = s
    top_i[pos] = i


@njit(cache=True, nogil=True)
def _query(indptr, mz, s, w, norm2, inv_ptr, inv_row, inv_w, q_mz, q_int, k, n_seed, acc, cnt, ub):  # type: ignore[no-untyped-def]
    max_m = inv_ptr.shape[0] - 2
    n_rows = norm2.shape[0]
    wu = np.zeros(max_m + 1)
    su = np.zeros(max_m + 1)
    a = 0
    norm_u2 = 0.0
    for j in range(q_mz.shape[0]):
        m = q_mz[j]
        if q_int[j] > 0.0:
            a += 1
            sq = np.sqrt(q_int[j])
            ww = sq * np.sqrt(m * 1.0)
            norm_u2 += ww * ww
            if m <= max_m:
                su[m] = sq
                wu[m] = ww
    # 1. inverted lists of the query's peaks: dot products and common-peak counts
    for j in range(q_mz.shape[0]):
        m = q_mz[j]
        if m > max_m or q_int[j] <= 0.0:
            continue
        wq = np.float32(wu[m])
        for p in range(inv_ptr[m], inv_ptr[m + 1]):
            r = inv_row[p]
            acc[r] += inv_w[p] * wq
            cnt[r] += 1
    # 2. upper bounds (sequential pass) and the seed set of the n_seed highest bounds
    seed_s = np.full(n_seed, -1.0)
    seed_i = np.full(n_seed, -1, dtype=np.int64)
    inv_nu = 1.0 / norm_u2 if norm_u2 > 0 else 0.0
    floor = -1.0
    for r in range(n_rows):
        b = cnt[r]
        if b == 0:
            ub[r] = -1.0
            continue
        d = acc[r]
        fd = d * d * inv_nu / norm2[r]
        # float32 accumulation (relative error < 1e-6): inflate so the bound stays an upper bound
        fd = fd * 1.00001 + 1e-9
        u = fd if b < 2 else (a * fd + b) / (a + b)
        ub[r] = u
        if u > floor:
            _insert(seed_s, seed_i, n_seed, u, r)
            if seed_i[n_seed - 1] >= 0:
                floor = seed_s[n_seed - 1]
    top_s = np.full(k, -1.0)
    top_i = np.full(k, -1, dtype=np.int64)
    for q in range(n_seed):
        r = seed_i[q]
        if r < 0:
            break
        mf = _exact_mf(mz[indptr[r]:indptr[r + 1]], s[indptr[r]:indptr[r + 1]], w[indptr[r]:indptr[r + 1]],
                       norm2[r], wu, su, a, norm_u2)
        _insert(top_s, top_i, k, mf, r)
        ub[r] = -2.0  # done
    # 3. every row whose bound reaches the current k-th best exact score is scored exactly
    n_exact = 0
    tau = top_s[k - 1] if top_i[k - 1] >= 0 else -1.0
    for r in range(n_rows):
        if ub[r] >= tau - 1e-12 and ub[r] > -1.5 and cnt[r] > 0:
            mf = _exact_mf(mz[indptr[r]:indptr[r + 1]], s[indptr[r]:indptr[r + 1]], w[indptr[r]:indptr[r + 1]],
                           norm2[r], wu, su, a, norm_u2)
            _insert(top_s, top_i, k, mf, r)
            tau = top_s[k - 1] if top_i[k - 1] >= 0 else -1.0
            n_exact += 1
    n_touched = 0
    for r in range(n_rows):
        if cnt[r] > 0:
            n_touched += 1
            cnt[r] = 0
            acc[r] = 0.0
    return top_i, top_s, n_touched, n_exact + n_seed


@njit(cache=True)
def _invert(indptr, mz, w, max_m):  # type: ignore[no-untyped-def]
    n_rows = indptr.shape[0] - 1
    counts = np.zeros(max_m + 2, dtype=np.int64)
    for j in range(mz.shape[0]):
        counts[mz[j] + 1] += 1
    inv_ptr = np.cumsum(counts)
    fill = inv_ptr[:-1].copy()
    inv_row = np.empty(mz.shape[0], dtype=np.int32)
    inv_w = np.empty(mz.shape[0], dtype=np.float32)
    for r in range(n_rows):
        for j in range(indptr[r], indptr[r + 1]):
            m = mz[j]
            inv_row[fill[m]] = r
            inv_w[fill[m]] = w[j]
            fill[m] += 1
    return inv_ptr, inv_row, inv_w


@njit(cache=True, nogil=True)
def _score_all(indptr, mz, s, w, norm2, q_mz, q_int, max_m):  # type: ignore[no-untyped-def]
    wu = np.zeros(max_m + 1)
    su = np.zeros(max_m + 1)
    a = 0
    norm_u2 = 0.0
    for j in range(q_mz.shape[0]):
        if q_int[j] > 0.0:
            a += 1
            sq = np.sqrt(q_int[j])
            ww = sq * np.sqrt(q_mz[j] * 1.0)
            norm_u2 += ww * ww
            if q_mz[j] <= max_m:
                su[q_mz[j]] = sq
                wu[q_mz[j]] = ww
    n = indptr.shape[0] - 1
    out = np.empty(n)
    for r in range(n):
        out[r] = _exact_mf(mz[indptr[r]:indptr[r + 1]], s[indptr[r]:indptr[r + 1]], w[indptr[r]:indptr[r + 1]],
                           norm2[r], wu, su, a, norm_u2)
    return out


@njit(cache=True, nogil=True)
def _cosine_all(norm2, inv_ptr, inv_row, inv_w, q_mz, q_int):  # type: ignore[no-untyped-def]
    # weighted cosine (W = sqrt(I)·sqrt(m)) of the query against every row through the inverted lists
    max_m = inv_ptr.shape[0] - 2
    n_rows = norm2.shape[0]
    acc = np.zeros(n_rows)
    nu2 = 0.0
    for j in range(q_mz.shape[0]):
        m = q_mz[j]
        if q_int[j] <= 0.0:
            continue
        w = np.sqrt(q_int[j]) * np.sqrt(m * 1.0)
        nu2 += w * w
        if m > max_m:
            continue
        for p in range(inv_ptr[m], inv_ptr[m + 1]):
            acc[inv_row[p]] += inv_w[p] * w
    out = np.zeros(n_rows)
    if nu2 <= 0.0:
        return out
    for r in range(n_rows):
        if norm2[r] > 0.0 and acc[r] != 0.0:
            out[r] = acc[r] / np.sqrt(norm2[r] * nu2)
    return out
