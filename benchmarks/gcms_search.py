"""GC-MS library search: cellworks exact identity-MF index vs matchms CosineGreedy, ms_entropy
Flash entropy search and a dense NumPy matrix product, on a reproducible synthetic 100 000-spectrum
unit-mass library (benchmarks/gcms_synth.py).

    python benchmarks/gcms_search.py --json            # full run
    python benchmarks/gcms_search.py --quick --json    # 20 000 spectra, fewer queries

Reports median ms/query, index build time (s), top-10 agreement of cellworks with exhaustive
identity-MF scoring on every query, and top-1 / overlap@10 agreement of every peer with the
identity-MF top-10 (the peers rank by other scores, so agreement < 1 is expected, not an error).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import ensure  # noqa: E402

ensure("gcms", ["matchms>=0.24", "ms_entropy>=1.2"], ["matchms", "ms_entropy"])

import numpy as np  # noqa: E402
from gcms_synth import make_library, make_queries  # noqa: E402

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


def bench_matchms(ip, mz, y, queries, ref, n_queries, k=10):  # type: ignore[no-untyped-def]
    from matchms import Spectrum, calculate_scores
    from matchms.logging_functions import set_matchms_logger_level
    from matchms.similarity import CosineGreedy

    set_matchms_logger_level("ERROR")

    n = ip.size - 1
    t0 = time.perf_counter()
    refs = [Spectrum(mz=mz[ip[r]:ip[r + 1]].astype(float), intensities=y[ip[r]:ip[r + 1]].astype(float),
                     metadata={"id": str(r)}) for r in range(n)]
    build = time.perf_counter() - t0
    sim = CosineGreedy(tolerance=0.3, mz_power=0.5, intensity_power=0.5)  # identity-MF weights
    times, tops = [], []
    for m, yy in queries[:n_queries]:
        q = Spectrum(mz=m.astype(float), intensities=yy.astype(float), metadata={})
        t0 = time.perf_counter()
        scores = calculate_scores(refs, [q], sim, is_symmetric=False)
        arr = scores.to_array()
        sc = np.asarray(arr["CosineGreedy_score"] if arr.dtype.names else arr).reshape(-1)
        top = np.argpartition(-sc, k)[:k]
        top = top[np.argsort(-sc[top])]
        times.append(time.perf_counter() - t0)
        tops.append(top)
    return {"build_s (Spectrum objects)": build, "ms_per_query_median": _ms(times), "queries_timed": n_queries,
            **_agreement(ref[:n_queries], tops), "score": "CosineGreedy, mz_power 0.5, intensity_power 0.5"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--matchms-queries", type=int, default=3)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.n
    nq = 100 if args.quick else args.queries
    t0 = time.perf_counter()
    ip, mz, y = make_library(n)
    queries = make_queries(ip, mz, y, nq)
    gen = time.perf_counter() - t0
    _, ref, cw = bench_cellworks(ip, mz, y, queries)
    dense = bench_dense(ip, mz, y, queries, ref)
    flash = bench_flash(ip, mz, y, queries, ref)
    mm = bench_matchms(ip, mz, y, queries, ref, 1 if args.quick else args.matchms_queries)
    import matchms
    import ms_entropy

    out = {
        "benchmark": "gcms_search", "n_library": n, "n_queries": nq, "peaks_total": int(mz.size),
        "library_generation_s": gen, "cellworks": cw, "dense_numpy": dense,
        "ms_entropy_flash": {**flash, "version": ms_entropy.__version__},
        "matchms_cosine_greedy": {**mm, "version": matchms.__version__},
        "speedup_vs": {
            "dense_numpy": dense["ms_per_query_median"] / cw["ms_per_query_median"],
            "ms_entropy_flash": flash["ms_per_query_median"] / cw["ms_per_query_median"],
            "matchms_cosine_greedy": mm["ms_per_query_median"] / cw["ms_per_query_median"],
        },
        "targets": {"ms_per_query_le_2": cw["ms_per_query_median"] <= 2.0, "build_le_5_s": cw["build_s_median"] <= 5.0},
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for key, v in out.items():
            print(f"{key}: {v}")


if __name__ == "__main__":
    main()
