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
(tested against it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole part's source)
from cellworks.errors import InputError
from cellworks.gcms.library import Library
from cellworks.gcms.spectrum import to_unit_mass

if TYPE_CHECKING:
    from cellworks.gcms.peaks import PeakParams
    from cellworks.gcms.run import Run

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
        self.inv_ptr, self.inv_row, self.inv_w = _invert(self.indptr, self.mz, self.w, self.max_mz)
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
        idx, sc, nt, ne = _query(self.indptr, self.mz, self.s, self.w, self.norm2, self.inv_ptr, self.inv_row,
                                 self.inv_w, qm, qy, k, n_seed, self._acc, self._cnt, self._ub)
        self.last_n_touched, self.last_n_exact = int(nt), int(ne)
        keep = idx >= 0
        return idx[keep], sc[keep]

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


# --------------------------------------------------------------------------------------
# identification of a whole run
# --------------------------------------------------------------------------------------
N_ALKANES = {
    "n-Pentane": 5, "n-Hexane": 6, "n-Heptane": 7, "n-Octane": 8, "n-Nonane": 9, "n-Decane": 10,
    "Undecane": 11, "Dodecane": 12, "Tridecane": 13,
}


def source_kind(source: str) -> str:
    """``SRS``/``ESTIMATE``/``COMPUTED``/other: the first word of a built-in record's source."""
    head = source.split(":", 1)[0].strip()
    return head if head in ("SRS", "ESTIMATE", "COMPUTED") else ("user" if source else "unknown")


def identify_run(run: Run, library: Library | None = None, *, min_mf: int = 700, top_k: int = 5,
                 ladder_s: dict[int, float] | None = None, isomer_window: int = 25,
                 ri_tolerance: float = 15.0, params: PeakParams | None = None, ladder_min_mf: int = 800,
                 t_range_s: tuple[float, float] | None = None) -> dict[str, Any]:
    """Deconvolve ``run``, search every component, and return a JSON-ready report.

    Hits are ranked by identity MF. Isomers (same formula) within ``isomer_window`` MF units of
    the best hit are spectrally indistinguishable; when retention indices are available (an
    n-alkane ladder ``{carbon number: rt s}``, given, or taken from n-alkane hits with
    MF >= ``ladder_min_mf``) and the library states RIs, the tie among them is broken by the
    smallest |RI difference| (the MF values reported are unchanged). Without retention indices,
    a compound that is the best hit of several identified components keeps the one with the
    highest MF (components under 5 % of the group's largest area are left alone); each other
    such component takes, if it has one, an unused isomer within the
    window whose library RI lies on the correct side of the keeper's (a compound elutes once,
    and isomers elute in the order of their retention indices). ``chosen_by`` says which rule
    chose the reported hit.
    """
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.peaks import deconvolve, retention_index
    from cellworks.gcms.scores import reverse_match_factor, to_score

    lib = library if library is not None else load_builtin()
    index = SearchIndex.from_library(lib)
    comps = deconvolve(run, params, t_range_s=t_range_s)
    rows: list[dict[str, Any]] = []
    for c in comps:
        idx, sc = index.query(c.mz, c.intensity, top_k)
        hits: list[dict[str, Any]] = []
        for i, score in zip(idx.tolist(), sc.tolist(), strict=True):
            spec = lib[i]
            hits.append({
                "name": spec.name, "formula": spec.formula, "cas": spec.cas, "library_ri": spec.ri,
                "mf": to_score(score), "rmf": reverse_match_factor(c.mz, c.intensity, spec.mz, spec.intensity),
                "library_index": i, "source_kind": source_kind(spec.source),
            })
        rows.append({"rt_s": c.apex_time_s, "rt_min": c.apex_time_s / 60.0, "scan": c.apex_scan,
                     "area": c.peak.area, "height": c.peak.height, "snr": c.peak.snr, "fwhm_s": c.peak.fwhm_s,
                     "start_s": c.peak.start_time_s, "end_s": c.peak.end_time_s, "n_ions": c.n_ions,
                     "spectrum": {"mz": c.mz.tolist(), "intensity": c.intensity.tolist()}, "hits": hits})
    # retention-index ladder (given, or from confident n-alkane hits, kept only if monotonic)
    ladder = dict(ladder_s) if ladder_s else {}
    ladder_origin = "given" if ladder else "none"
    if not ladder:
        best_alk: dict[int, tuple[int, float]] = {}
        for row in rows:
            h0 = row["hits"][0] if row["hits"] else None
            if h0 is not None and h0["name"] in N_ALKANES and h0["mf"] >= ladder_min_mf:
                n = N_ALKANES[h0["name"]]
                if n not in best_alk or h0["mf"] > best_alk[n][0]:
                    best_alk[n] = (h0["mf"], float(row["rt_s"]))
        items = sorted((n, t) for n, (_, t) in best_alk.items())
        if len(items) >= 2 and all(b[1] > a[1] for a, b in zip(items, items[1:], strict=False)):
            ladder = dict(items)
            ladder_origin = f"auto (n-alkane hits with MF >= {ladder_min_mf})"
    for row in rows:
        ri = float(retention_index([float(row["rt_s"])], ladder)[0]) if len(ladder) >= 2 else float("nan")
        row["ri"] = ri if np.isfinite(ri) else None
        hits = row["hits"]
        best = hits[0] if hits else None
        row["isomers_within_window"] = [h["name"] for h in hits[1:] if best is not None
                                        and h["formula"] == best["formula"] and best["mf"] - h["mf"] <= isomer_window]
        chosen_by = "mf"
        if best is not None and row["ri"] is not None:
            close = [h for h in hits if h["formula"] == best["formula"] and best["mf"] - h["mf"] <= isomer_window
                     and h["library_ri"] is not None]
            if len(close) > 1:
                pick = min(close, key=lambda h: abs(float(h["library_ri"]) - float(row["ri"])))
                if pick is not best and abs(float(pick["library_ri"]) - float(row["ri"])) <= ri_tolerance:
                    best = pick
                    chosen_by = "mf+ri"
        row["best"] = best
        row["chosen_by"] = chosen_by
        row["identified"] = bool(best is not None and best["mf"] >= min_mf)
    _resolve_duplicates(rows, isomer_window)
    for row in rows:
        row["identified"] = bool(row["best"] is not None and row["best"]["mf"] >= min_mf)
    return {"source": run.source, "n_scans": run.n_scans, "library": lib.name, "library_size": len(lib),
            "min_mf": min_mf, "ladder_s": {str(k): v for k, v in sorted(ladder.items())},
            "ladder_origin": ladder_origin, "components": rows}


def _resolve_duplicates(rows: list[dict[str, Any]], isomer_window: int) -> None:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["identified"] and row["best"] is not None:
            by_name.setdefault(row["best"]["name"], []).append(row)
    used = set(by_name)
    for full_group in by_name.values():
        # minor members (< 5 % of the group's largest area: tails, noise) keep their labels
        big = max(float(r["area"]) for r in full_group)
        group = [r for r in full_group if float(r["area"]) >= 0.05 * big]
        if len(group) < 2:
            continue
        keeper = max(group, key=lambda r: r["best"]["mf"])
        k_ri = keeper["best"]["library_ri"]
        if k_ri is None:
            continue
        for row in group:
            if row is keeper:
                continue
            best = row["best"]
            earlier = float(row["rt_s"]) < float(keeper["rt_s"])
            for h in row["hits"]:
                if (h["name"] in used or h["formula"] != best["formula"] or h["library_ri"] is None
                        or best["mf"] - h["mf"] > isomer_window):
                    continue
                if (float(h["library_ri"]) < float(k_ri)) == earlier:
                    row["best"] = h
                    row["chosen_by"] = f"mf+elution order (isomers within {isomer_window} MF)"
                    used.add(h["name"])
                    break


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


def brute_force_topk_fast(index: SearchIndex, mz: npt.ArrayLike, intensity: npt.ArrayLike,
                          k: int = 10) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Exhaustive scoring of every row with the compiled exact MF (no pruning); ties by row."""
    qm, qy = to_unit_mass(mz, intensity) if np.asarray(mz).dtype.kind == "f" else (
        np.asarray(mz, dtype=np.int64), np.asarray(intensity, dtype=np.float64))
    scores = _score_all(index.indptr, index.mz, index.s, index.w, index.norm2, qm, qy, index.max_mz)
    top = np.argpartition(-scores, min(k, scores.size - 1))[: k + 1] if scores.size > k else np.arange(scores.size)
    cand = np.flatnonzero(scores >= scores[top].min()) if top.size else top
    order = cand[np.lexsort((cand, -scores[cand]))][:k]
    order = order[scores[order] > 0]
    return order, scores[order]
