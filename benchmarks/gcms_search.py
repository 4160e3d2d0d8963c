"""GC-MS library search: cellworks exact identity-MF index vs matchms CosineGreedy, ms_entropy
Flash entropy search and a dense NumPy matrix product, on a reproducible synthetic 100 000-spectrum
unit-mass library (benchmarks/_gcms_synth.py).

    python benchmarks/gcms_search.py --json            # full run
    python benchmarks/gcms_search.py --quick --json    # 20 000 spectra, fewer queries

Rows (benchmarks/_table.py): exact top-10 identity MF against exhaustive scoring (same result
required); the weighted cosine against matchms CosineGreedy with the same weights, per query on
>= 30 queries and many-vs-many in one call, both sides built once and warmed up (matchms compiles
numba kernels on its first call), scores compared elementwise; ms_entropy and a dense NumPy
product as context rows (other scores, no ratio). Medians of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import ensure  # noqa: E402

ensure("gcms", ["matchms>=0.24", "ms_entropy>=1.2"], ["matchms", "ms_entropy"])
os.environ.setdefault("TQDM_DISABLE", "1")  # matchms' progress bars would flood stderr

import numpy as np  # noqa: E402
from _gcms_synth import make_library, make_queries  # noqa: E402

from cellworks.gcms.search import SearchIndex, brute_force_topk_fast  # noqa: E402


def _ms(times: list[float]) -> float:
    return 1000.0 * statistics.median(times)


def bench_cellworks(ip, mz, y, queries, k=10):  # type: ignore[no-untyped-def]
    builds = []
    for _ in range(3):
        t0 = time.perf_counter()
        idx = SearchIndex(ip, mz, y)
        builds.append(time.perf_counter() - t0)
    idx.query(*queries[0], k)  # warm-up (numba cache load)
    times, results, n_exact = [], [], []
    for m, yy in queries:
        t0 = time.perf_counter()
        r = idx.query(m, yy, k)
        times.append(time.perf_counter() - t0)
        results.append(r)
        n_exact.append(idx.last_n_exact)
    # exhaustive reference on every query
    same_idx = same_scores = 0
    bf_times = []
    for (m, yy), (i1, s1) in zip(queries, results, strict=True):
        t0 = time.perf_counter()
        i2, s2 = brute_force_topk_fast(idx, m, yy, k)
        bf_times.append(time.perf_counter() - t0)
        same_idx += int(np.array_equal(i1, i2))
        same_scores += int(i1.size == i2.size and np.allclose(s1, s2, atol=1e-12))
    return idx, results, {
        "build_s_median": statistics.median(builds), "ms_per_query_median": _ms(times),
        "ms_per_query_p90": 1000 * float(np.percentile(times, 90)),
        "exact_rescored_per_query_median": float(np.median(n_exact)),
        "top10_identical_to_brute_force": f"{same_idx}/{len(queries)}",
        "top10_scores_identical_to_brute_force": f"{same_scores}/{len(queries)}",
        "brute_force_ms_per_query_median": _ms(bf_times),
    }


def _agreement(ref_results, peer_top):  # type: ignore[no-untyped-def]
    top1 = ov = 0
    for (i_ref, _), peer in zip(ref_results, peer_top, strict=False):
        if len(peer) and len(i_ref) and int(peer[0]) == int(i_ref[0]):
            top1 += 1
        ov += len(set(map(int, peer[:10])) & set(map(int, i_ref[:10])))
    n = len(peer_top)
    return {"top1_agreement_with_mf": top1 / n, "overlap_at_10_with_mf": ov / (10 * n)}


def bench_dense(ip, mz, y, queries, ref, k=10):  # type: ignore[no-untyped-def]
    n = ip.size - 1
    max_m = int(mz.max())
    t0 = time.perf_counter()
    mat = np.zeros((n, max_m + 1), dtype=np.float32)
    rows = np.repeat(np.arange(n), np.diff(ip))
    mat[rows, mz] = np.sqrt(y * mz)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    build = time.perf_counter() - t0
    times, tops = [], []
    for m, yy in queries:
        t0 = time.perf_counter()
        q = np.zeros(max_m + 1, dtype=np.float32)
        keep = m <= max_m
        q[m[keep]] = np.sqrt(yy[keep] * m[keep])
        sc = mat @ q
        top = np.argpartition(-sc, k)[:k]
        top = top[np.argsort(-sc[top])]
        times.append(time.perf_counter() - t0)
        tops.append(top)
    return {"build_s": build, "ms_per_query_median": _ms(times), **_agreement(ref, tops),
            "score": "cosine of sqrt(I*m) vectors (the F_D part of the MF only)"}


def bench_flash(ip, mz, y, queries, ref, k=10):  # type: ignore[no-untyped-def]
    from ms_entropy import FlashEntropySearch

    n = ip.size - 1
    spectra = []
    for r in range(n):
        a, b = ip[r], ip[r + 1]
        pk = np.column_stack([mz[a:b].astype(np.float32), y[a:b].astype(np.float32)])
        spectra.append({"id": r, "precursor_mz": float(mz[a:b].max()) + 50.0, "peaks": pk})
    t0 = time.perf_counter()
    fes = FlashEntropySearch()
    lib = fes.build_index(spectra, noise_threshold=0.0, precursor_ions_removal_da=-1.0)
    build = time.perf_counter() - t0
    ids = np.array([s["id"] for s in lib])
    times, tops = [], []
    for m, yy in queries:
        pk = np.column_stack([m.astype(np.float32), yy.astype(np.float32)])
        t0 = time.perf_counter()
        pk2 = fes.clean_spectrum_for_search(float(m.max()) + 50.0, pk, precursor_ions_removal_da=-1.0,
                                            noise_threshold=0.0)
        sc = fes.open_search(peaks=pk2, ms2_tolerance_in_da=0.02)
        top = np.argpartition(-sc, k)[:k]
        top = top[np.argsort(-sc[top])]
        times.append(time.perf_counter() - t0)
        tops.append(ids[top])
    return {"build_s": build, "ms_per_query_median": _ms(times), **_agreement(ref, tops),
            "score": "unweighted entropy similarity, open search (no precursor filter)"}


def bench_matchms(ip, mz, y, queries, n_lib, n_queries, repeats=3):  # type: ignore[no-untyped-def]
    """matchms CosineGreedy against cellworks' weighted cosine on the same library and queries:
    per query (calculate_scores with one query) and many-vs-many (all queries in one call). Both
    sides are built once and warmed up (matchms' numba kernels compile on the first call) before
    the timed repeats; the scores are compared elementwise."""
    from matchms import Spectrum, calculate_scores
    from matchms.logging_functions import set_matchms_logger_level
    from matchms.similarity import CosineGreedy

    set_matchms_logger_level("ERROR")
    sub_ip = ip[: n_lib + 1]
    sub_mz, sub_y = mz[: sub_ip[-1]], y[: sub_ip[-1]]
    refs = [Spectrum(mz=sub_mz[sub_ip[r]:sub_ip[r + 1]].astype(float), intensities=sub_y[sub_ip[r]:sub_ip[r + 1]].astype(float),
                     metadata={"id": str(r)}, metadata_harmonization=False) for r in range(n_lib)]
    qs = queries[:n_queries]
    qspec = [Spectrum(mz=m.astype(float), intensities=yy.astype(float), metadata={}, metadata_harmonization=False)
             for m, yy in qs]
    sim = CosineGreedy(tolerance=0.3, mz_power=0.5, intensity_power=0.5)  # unit masses: exact matches only
    idx = SearchIndex(sub_ip, sub_mz, sub_y)

    def mm_one(q):  # type: ignore[no-untyped-def]
        arr = calculate_scores(refs, [q], sim, is_symmetric=False).to_array()
        return np.asarray(arr["CosineGreedy_score"] if arr.dtype.names else arr, dtype=float).reshape(-1)

    def mm_many():  # type: ignore[no-untyped-def]
        arr = calculate_scores(refs, qspec, sim, is_symmetric=False).to_array()
        return np.asarray(arr["CosineGreedy_score"] if arr.dtype.names else arr, dtype=float)

    mm_one(qspec[0])  # warm-up: numba compilation inside matchms
    idx.cosine(*qs[0])  # warm-up: cellworks kernel load
    t_mm, t_cw = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        mm_scores = [mm_one(q) for q in qspec]
        t_mm.append((time.perf_counter() - t0) / len(qspec))
        t0 = time.perf_counter()
        cw_scores = [idx.cosine(m, yy) for m, yy in qs]
        t_cw.append((time.perf_counter() - t0) / len(qs))
    diff_one = max(float(np.max(np.abs(a - b))) for a, b in zip(mm_scores, cw_scores, strict=True))
    top_same = sum(int(np.array_equal(np.argsort(-a, kind="stable")[:10], np.argsort(-b, kind="stable")[:10]))
                   for a, b in zip(mm_scores, cw_scores, strict=True))
    mm_many()  # warm-up of the many-vs-many path
    tm_mm, tm_cw = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        mat_mm = mm_many()
        tm_mm.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        mat_cw = idx.cosine_matrix(qs)
        tm_cw.append(time.perf_counter() - t0)
    diff_many = float(np.max(np.abs(mat_mm - mat_cw)))
    return {"n_library": n_lib, "queries_timed": len(qs), "repeats": repeats,
            "matchms_s_per_query": statistics.median(t_mm), "cellworks_s_per_query": statistics.median(t_cw),
            "max_abs_score_diff_per_query": diff_one, "top10_identical": f"{top_same}/{len(qs)}",
            "matchms_many_vs_many_s": statistics.median(tm_mm), "cellworks_many_vs_many_s": statistics.median(tm_cw),
            "max_abs_score_diff_many_vs_many": diff_many,
            "score": "CosineGreedy(tolerance 0.3, mz_power 0.5, intensity_power 0.5) vs SearchIndex.cosine"}


def _rows(cw, dense, flash, mm, nq):  # type: ignore[no-untyped-def]
    """The rows of the shared benchmark table (benchmarks/_table.py)."""
    same_mf = cw["top10_identical_to_brute_force"].split("/")
    rows = [
        {"work": f"exact top-10 identity MF, {cw['n_library']} spectra, {nq} queries (per query)",
         "peer": "exhaustive compiled MF scoring (same formula, no pruning)",
         "peer_s": cw["brute_force_ms_per_query_median"] / 1000, "cellworks_s": cw["ms_per_query_median"] / 1000,
         "ratio": cw["brute_force_ms_per_query_median"] / cw["ms_per_query_median"],
         "same_result": same_mf[0] == same_mf[1],
         "check": f"top-10 indices identical on {cw['top10_identical_to_brute_force']} queries"},
        {"work": f"weighted cosine of a query against {mm['n_library']} spectra (per query, {mm['queries_timed']} queries)",
         "peer": "matchms CosineGreedy (warm)", "peer_s": mm["matchms_s_per_query"],
         "cellworks_s": mm["cellworks_s_per_query"], "ratio": mm["matchms_s_per_query"] / mm["cellworks_s_per_query"],
         "same_result": mm["max_abs_score_diff_per_query"] <= 1e-5,
         "check": f"every score equal within 1e-5 (max |diff| {mm['max_abs_score_diff_per_query']:.1e}; float32 index)"},
        {"work": f"weighted cosine, {mm['queries_timed']} queries x {mm['n_library']} spectra in one call",
         "peer": "matchms calculate_scores many-vs-many (warm)", "peer_s": mm["matchms_many_vs_many_s"],
         "cellworks_s": mm["cellworks_many_vs_many_s"],
         "ratio": mm["matchms_many_vs_many_s"] / mm["cellworks_many_vs_many_s"],
         "same_result": mm["max_abs_score_diff_many_vs_many"] <= 1e-5,
         "check": f"score matrix equal within 1e-5 (max |diff| {mm['max_abs_score_diff_many_vs_many']:.1e})"},
        {"work": f"rank {cw['n_library']} spectra for a query (per query)", "peer": "ms_entropy Flash open search",
         "peer_s": flash["ms_per_query_median"] / 1000, "cellworks_s": cw["ms_per_query_median"] / 1000, "ratio": None,
         "same_result": False,
         "check": f"context only: a different score (entropy similarity); top-1 agrees with identity MF on "
                  f"{flash['top1_agreement_with_mf']:.0%} of queries"},
        {"work": f"rank {cw['n_library']} spectra for a query (per query)", "peer": "dense NumPy matrix product (cosine)",
         "peer_s": dense["ms_per_query_median"] / 1000, "cellworks_s": cw["ms_per_query_median"] / 1000, "ratio": None,
         "same_result": False,
         "check": f"context only: cosine ranking, not the MF; top-1 agrees with identity MF on "
                  f"{dense['top1_agreement_with_mf']:.0%} of queries"},
    ]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--matchms-queries", type=int, default=30)
    ap.add_argument("--matchms-library", type=int, default=10_000)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.n
    nq = 100 if args.quick else args.queries
    t0 = time.perf_counter()
    ip, mz, y = make_library(n)
    queries = make_queries(ip, mz, y, nq)
    gen = time.perf_counter() - t0
    _, ref, cw = bench_cellworks(ip, mz, y, queries)
    cw["n_library"] = n
    dense = bench_dense(ip, mz, y, queries, ref)
    flash = bench_flash(ip, mz, y, queries, ref)
    mm = bench_matchms(ip, mz, y, queries, min(args.matchms_library, n), max(30, args.matchms_queries),
                       repeats=1 if args.quick else 3)
    import matchms
    import ms_entropy

    out = {
        "benchmark": "gcms_search", "n_library": n, "n_queries": nq, "peaks_total": int(mz.size),
        "library_generation_s": gen, "cellworks": cw, "dense_numpy": dense,
        "ms_entropy_flash": {**flash, "version": ms_entropy.__version__},
        "matchms_cosine_greedy": {**mm, "version": matchms.__version__},
        "rows": _rows(cw, dense, flash, mm, nq),
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for key, v in out.items():
            print(f"{key}: {v}")


if __name__ == "__main__":
    main()
