"""Scale-out benchmark: the same batch serially and on a 2-worker local Dask cluster.

The batch (default): a 200-point parameter sweep of the synthetic cycler model
(``cellworks.cycling.tasks.simulate_and_summarize``: each point simulates a 20-cycle galvanostatic
record of ``points_per_step`` records per step, then computes the per-cycle summary and dQ/dV —
CPU-bound NumPy/pandas work of equal size per input). ``--workload files`` instead writes 200
synthetic cycler files with ``cellworks.timeseries.write_parquet`` and summarises them
(``summarize_cycling_file``; lighter per input, so the task overhead weighs more).

Both runs go through :func:`cellworks.batch.run_batch` into fresh output folders (same Parquet
commits, same manifest), serial = Dask's synchronous scheduler in this process, parallel = a
``cellworks.batch.start_local_cluster(2)`` (what ``--scheduler local`` starts: single-threaded
worker processes) started once and warmed up
(its start-up time is reported separately). Repeats are interleaved (serial, parallel, serial, …)
so a change of machine load hits both; medians are reported. ``identical`` compares the two
datasets exactly (``pandas.testing.assert_frame_equal``).

There is no peer tool here: the anchor is our own serial run. Target: ratio ≥ 1.6 on 2 idle cores.

    python benchmarks/scale.py [--json] [--n 200] [--points-per-step 4000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"load_1min": one, "load_5min": five, "load_15min": fifteen}


def _inputs(workload: str, n: int, pps: int, workdir: Path) -> tuple[Any, list[Any]]:
    from cellworks.cycling.synthetic import synthetic_cycler_file
    from cellworks.cycling.tasks import simulate_and_summarize, summarize_cycling_file

    # a grid over resistance and fade, one noise seed per point
    params = [
        {
            "seed": k,
            "n_cycles": 20,
            "points_per_step": pps,
            "resistance_Ohm": 0.02 + 0.01 * (k % 10),
            "fade_per_cycle": 1e-3 * (1 + (k // 10) % 20),
        }
        for k in range(n)
    ]
    if workload == "sweep":
        return simulate_and_summarize, params
    files = []
    for p in params:
        f = workdir / "inputs" / f"cell{p['seed']:04d}.parquet"
        if not f.exists():
            synthetic_cycler_file(f, **p)
        files.append(f)
    return summarize_cycling_file, files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--workload", choices=("sweep", "files"), default="sweep")
    ap.add_argument("--n", type=int, default=200, help="inputs in the batch")
    ap.add_argument("--points-per-step", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="keep the output folders here")
    args = ap.parse_args(argv)

    import pandas as pd

    from cellworks.batch import read_results, run_batch, start_local_cluster

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cellworks-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = sys.stderr
    load_before = _load()
    t0 = time.perf_counter()
    task, inputs = _inputs(args.workload, args.n, args.points_per_step, workdir)
    setup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    cluster = start_local_cluster(args.workers)  # what `--scheduler local` starts, with 2 workers
    cluster_start_s = time.perf_counter() - t0
    address = cluster.scheduler_address
    from distributed import Client

    probe = Client(cluster)  # only to read the workers' CPU clocks

    def cpu_now() -> float:
        """CPU seconds used so far by this process and every worker process."""
        return time.process_time() + sum(probe.run(time.process_time).values())

    try:
        # warm-up: imports and first-call costs on both sides, not timed
        run_batch(task, inputs[:2], workdir / "warm-serial", scheduler="sync", progress=False)
        run_batch(task, inputs[: 2 * args.workers], workdir / "warm-cluster", scheduler=address, progress=False)
        serial_s: list[float] = []
        cluster_s: list[float] = []
        loads: list[float] = []  # 1-min load average after each run (others share this machine)
        cpu: dict[str, list[float]] = {"serial": [], "cluster": []}
        for r in range(args.repeats):
            for name, sched, times in (("serial", "sync", serial_s), ("cluster", address, cluster_s)):
                out = workdir / f"{name}-{r}"
                shutil.rmtree(out, ignore_errors=True)
                c = cpu_now()
                t = time.perf_counter()
                rep = run_batch(task, inputs, out, scheduler=sched, progress=False)
                times.append(time.perf_counter() - t)
                cpu[name].append(cpu_now() - c)
                if rep.n_done != len(inputs):
                    raise SystemExit(f"{name} run {r}: {rep.n_failed} inputs failed: {rep.failures[:3]}")
                loads.append(os.getloadavg()[0])
                print(f"[scale] {name} run {r}: {times[-1]:.2f} s (load {loads[-1]:.2f})", file=log)
    finally:
        probe.close()
        cluster.close()
    load_after = _load()

    ref = read_results(workdir / "serial-0")
    identical = True
    for r in range(args.repeats):
        for name in ("serial", "cluster"):
            try:
                pd.testing.assert_frame_equal(read_results(workdir / f"{name}-{r}"), ref)
            except AssertionError as exc:
                identical = False
                print(f"[scale] {name}-{r} differs from serial-0: {exc}", file=log)
    med_serial, med_cluster = statistics.median(serial_s), statistics.median(cluster_s)
    result = {
        "benchmark": "scale",
        "workload": args.workload,
        "task": f"{task.__module__}.{task.__qualname__}",
        "n_inputs": len(inputs),
        "points_per_step": args.points_per_step,
        "rows_in_dataset": len(ref),
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "serial_s": serial_s,
        "cluster_s": cluster_s,
        "serial_median_s": med_serial,
        "cluster_median_s": med_cluster,
        "speedup": med_serial / med_cluster,
        "target_speedup": 1.6,
        "identical": identical,
        "serial_per_input_ms": 1e3 * med_serial / len(inputs),
        # diagnostics of a shared machine: CPU seconds used (this process + workers) and the
        # average number of CPUs the run actually got (CPU s / wall s; 1 and 2 on idle cores)
        "serial_cpu_s": cpu["serial"],
        "cluster_cpu_s": cpu["cluster"],
        "serial_cpus_obtained": statistics.median(c / w for c, w in zip(cpu["serial"], serial_s, strict=True)),
        "cluster_cpus_obtained": statistics.median(c / w for c, w in zip(cpu["cluster"], cluster_s, strict=True)),
        "cluster_start_s": cluster_start_s,
        "setup_s": setup_s,
        "load_1min_after_each_run": loads,
        "load_before": load_before,
        "load_after": load_after,
    }
    # the one-table row (benchmarks/_table.py): the same batch on one process vs the cluster
    result["rows"] = [{
        "work": f"batch of {len(inputs)} {args.workload} inputs into a Parquet dataset",
        "peer": f"cellworks serial (sync scheduler) vs {args.workers}-worker local cluster",
        "peer_s": med_serial,
        "cellworks_s": med_cluster,
        "ratio": med_serial / med_cluster,
        "same_result": identical,
        "check": "every dataset of every repeat equal to the first serial one (pandas assert_frame_equal)",
    }]
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{len(inputs)} inputs ({args.workload}): serial {med_serial:.2f} s, {args.workers} workers "
            f"{med_cluster:.2f} s → speed-up {result['speedup']:.2f} (target 1.6), identical: {identical}; "
            f"load {load_before['load_1min']:.2f} → {load_after['load_1min']:.2f} on {os.cpu_count()} CPUs"
        )
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
