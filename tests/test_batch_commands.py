"""The batch commands of issue 9 through the CLI: `cycling summarize DIR`, `lis sweep`,
`pack montecarlo --scheduler`, `gcms analyze DIR`.

One 2-worker LocalCluster (processes, one thread per worker: what `--scheduler local` starts on
two CPUs) serves the module. Every command runs on it (by address) and on a serial path (Dask's
`sync`/`processes` scheduler, or the in-process path of today's command); the datasets must be
identical value for value (same code, same inputs, same float operations in another process:
exact equality is the right tolerance).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cellworks import batch
from cellworks.batch import read_manifest, read_results
from cellworks.cli import main

DATA = Path(__file__).resolve().parent / "data" / "cycling"
# real instrument exports of five formats (tests/data/cycling/SOURCES.md), plus a non-cycler file
CYCLER_FIXTURES = ("test.nda", "test.ndax", "arbin_example.res", "maccor_example.001", "00_test_02_MB_C01.mpr")


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    import dask
    import distributed  # noqa: F401  (loads its config defaults before one is overridden below)

    # worker-saturation 1.0: a worker holds only the task it runs (the kill test then loses exactly
    # the inputs running on the killed worker)
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = batch.start_local_cluster(2, silence_logs=50)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def same_dataset(a: Path, b: Path) -> pd.DataFrame:
    ra, rb = read_results(a), read_results(b)
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    return ra


def cycler_folder(root: Path) -> Path:
    runs = root / "runs"
    (runs / "day2").mkdir(parents=True)
    for i, name in enumerate(CYCLER_FIXTURES):
        shutil.copy(DATA / name, (runs if i % 2 else runs / "day2") / name)
    shutil.copy(DATA / "SOURCES.md", runs / "SOURCES.md")  # not a cycler file: skipped
    return runs


# ---------------------------------------------------------------------------------------------
# cycling summarize DIR...


def test_cycling_summarize_folder_cluster_equals_serial(
    tmp_path: Path, cluster_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = cycler_folder(tmp_path)
    code, out, err = run_cli(["cycling", "summarize", runs, "--recursive", "--scheduler", cluster_address,
                              "--out", tmp_path / "dist", "--json"], capsys)
    assert code == 0, err
    rep = json.loads(out)
    assert (rep["n_inputs"], rep["n_done"], rep["n_failed"]) == (5, 5, 0)
    assert "skipped 1 file" in err and "SOURCES.md" in err
    code, _, err = run_cli(["cycling", "summarize", runs, "--recursive", "--scheduler", "sync",
                            "--out", tmp_path / "serial"], capsys)
    assert code == 0, err
    res = same_dataset(tmp_path / "dist", tmp_path / "serial")
    man = read_manifest(tmp_path / "dist")
    assert sorted(Path(p).name for p in man["input"]) == sorted(CYCLER_FIXTURES)
    # a single FILE keeps today's behaviour (the summary JSON, no dataset); its cycles are the
    # dataset's rows of that file
    code, out, err = run_cli(["cycling", "summarize", runs / "test.ndax", "--json"], capsys)
    assert code == 0, err
    single = json.loads(out)
    key = batch.default_key(runs / "test.ndax")
    rows = res[res["input_key"] == key]
    assert "n_inputs" not in single and len(rows) > 0
    # without --recursive only the top folder's files are summarised; default --out is beside it
    code, out, err = run_cli(["cycling", "summarize", runs, "--scheduler", "sync", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n_inputs"] == 2
    assert (tmp_path / "runs-summaries" / "manifest.parquet").is_file()
    assert not list(runs.rglob("*.parquet"))  # nothing written inside the input folder


def test_cycling_summarize_corrupt_file_local(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Done-when: `summarize DIR --recursive --scheduler local` reports the corrupt file's error
    and summarises all others."""
    runs = cycler_folder(tmp_path)
    broken = runs / "day2" / "broken.ndax"
    broken.write_bytes((DATA / "test.ndax").read_bytes()[:5000])  # a truncated archive
    code, out, err = run_cli(["cycling", "summarize", runs, "--recursive", "--scheduler", "local",
                              "--out", tmp_path / "out", "--json"], capsys)
    assert code == 1  # some inputs failed
    rep = json.loads(out)
    assert (rep["n_inputs"], rep["n_done"], rep["n_failed"]) == (6, 5, 1)
    failed_lines = [ln for ln in err.splitlines() if ln.startswith("failed:")]
    assert len(failed_lines) == 1 and "broken.ndax" in failed_lines[0] and "zip" in failed_lines[0]
    man = read_manifest(tmp_path / "out").set_index("input")
    assert man.loc[str(broken), "status"] == "failed"
    ok = man[man["status"] == "ok"]
    assert sorted(Path(p).name for p in ok.index) == sorted(CYCLER_FIXTURES)
    assert set(read_results(tmp_path / "out")["input_key"]) == set(ok["input_key"])


# ---------------------------------------------------------------------------------------------
# lis sweep

PROTOCOL = "Discharge at 1.7 A for 10 minutes"


def test_lis_sweep_grid_cluster_equals_processes(
    tmp_path: Path, cluster_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["lis", "sweep", "--preset", "marinescu2016", "--protocol", PROTOCOL,
            "--grid", "temperature_K=290,300", "--grid", "resistance_ohmic_Ohm=0.05,0.1"]
    code, out, err = run_cli([*base, "--scheduler", cluster_address, "--out", tmp_path / "dist", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n_done"] == 4
    code, _, err = run_cli([*base, "--scheduler", "processes", "--out", tmp_path / "procs"], capsys)
    assert code == 0, err
    res = same_dataset(tmp_path / "dist", tmp_path / "procs")
    # the grid: every combination once, the swept values as columns
    assert sorted(zip(res["temperature_K"], res["resistance_ohmic_Ohm"], strict=True)) == [
        (290.0, 0.05), (290.0, 0.1), (300.0, 0.05), (300.0, 0.1)]
    # a constant 1.7 A for 10 min passes 1.7·(10/60) Ah (charge conservation; float rounding only)
    assert res["capacity_Ah"].to_numpy() == pytest.approx(1.7 / 6, rel=1e-9)
    assert set(res["status"]) == {"ok"}
    # bad input is one line, exit 2, before anything runs
    code, _, err = run_cli([*base[:6], "--grid", "no_such_param=1", "--out", tmp_path / "bad"], capsys)
    assert code == 2 and "unknown parameter" in err
    code, _, err = run_cli([*base, "--sample", "3", "--out", tmp_path / "bad"], capsys)
    assert code == 2


def test_lis_sweep_log_uniform_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    lo, hi, n, seed = 1e-4, 1e-2, 5, 11
    code, _, err = run_cli(["lis", "sweep", "--protocol", PROTOCOL, "--sample", n,
                            "--vary", f"k_s_discharge_per_s={lo}:{hi}", "--log", "--seed", seed,
                            "--scheduler", "sync", "--out", tmp_path / "s"], capsys)
    assert code == 0, err
    got = sorted(read_results(tmp_path / "s")["k_s_discharge_per_s"])
    # log-uniform: ln x uniform on [ln lo, ln hi), from numpy's PCG64 stream of the seed
    u = np.random.default_rng(seed).random(n)
    want = sorted(math.exp(math.log(lo) + x * math.log(hi / lo)) for x in u)
    assert got == pytest.approx(want, rel=1e-12)
    assert all(lo <= v < hi for v in got)


# ---------------------------------------------------------------------------------------------
# pack montecarlo


def test_pack_montecarlo_cluster_equals_in_process(
    tmp_path: Path, cluster_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["pack", "montecarlo", "baumhofer-4s3p", "--packs", "4", "--seed", "3", "--json"]
    code, out, err = run_cli(base, capsys)  # today's in-process run, no dataset
    assert code == 0, err
    serial = json.loads(out)
    assert "batch" not in serial
    code, out, err = run_cli([*base, "--chunk", "2", "--scheduler", cluster_address, "--out", tmp_path / "dist"],
                             capsys)
    assert code == 0, err
    dist = json.loads(out)
    assert dist.pop("batch")["n_done"] == 4  # 2 chunks × with/without balancing
    assert dist == serial
    code, out, err = run_cli([*base, "--chunk", "3", "--scheduler", "processes", "--out", tmp_path / "procs"], capsys)
    assert code == 0, err
    procs = json.loads(out)
    procs.pop("batch")
    assert procs == serial  # another chunking, same packs
    a = read_results(tmp_path / "dist").drop(columns="input_key").sort_values(["balancing", "pack"])
    b = read_results(tmp_path / "procs").drop(columns="input_key").sort_values(["balancing", "pack"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True)


def test_pack_montecarlo_worker_killed_mid_batch_then_rerun(
    tmp_path: Path, cluster_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from distributed import Client

    packs, out = 10, tmp_path / "out"
    args = ["pack", "montecarlo", "baumhofer-4s3p", "--packs", packs, "--seed", "5", "--chunk", "1",
            "--scheduler", cluster_address, "--out", out, "--json"]
    box: dict[str, int] = {}
    runner = threading.Thread(target=lambda: box.setdefault("code", main([str(a) for a in args])))
    with Client(cluster_address, timeout="10s") as client:
        runner.start()
        deadline = time.monotonic() + 60
        while len(list(out.glob("results/*/part-0.parquet"))) < 3:
            assert runner.is_alive() and time.monotonic() < deadline, "batch never started"
            time.sleep(0.02)
        while not (busy := [w for w, keys in client.processing().items() if keys]):
            assert runner.is_alive() and time.monotonic() < deadline, "no worker was running an input"
            time.sleep(0.01)
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        committed = len(list(out.glob("results/*/part-0.parquet")))
        os.kill(pid, signal.SIGKILL)  # a worker dies mid-batch (its nanny starts a new one)
        runner.join(120)
        assert pid not in client.run(os.getpid).values()  # the worker really died
    assert committed < 2 * packs  # really mid-batch
    assert box.get("code") == 0  # the scheduler re-ran the lost input(s) elsewhere
    first = json.loads(capsys.readouterr().out)
    code, out_text, err = run_cli(args, capsys)  # rerun through the CLI: nothing left to do
    assert code == 0, err
    again = json.loads(out_text)
    assert (again["batch"]["n_done"], again["batch"]["n_skipped"], again["batch"]["n_failed"]) == (0, 2 * packs, 0)
    res = read_results(out)
    # no input lost or duplicated: every (balancing, pack) exactly once, the manifest one row per input
    assert sorted(zip(res["balancing"], res["pack"], strict=True)) == sorted(
        (b, p) for b in (False, True) for p in range(packs))
    man = read_manifest(out)
    assert len(man) == 2 * packs and set(man["status"]) == {"ok"}
    assert not list(out.rglob(".*.tmp*"))  # our temporary files: ".<name>.tmp.<host>-<pid>.<random>"
    first.pop("batch"), again.pop("batch")
    assert first == again


# ---------------------------------------------------------------------------------------------
# gcms analyze DIR


def test_gcms_analyze_folders_cluster_equals_serial(
    tmp_path: Path, cluster_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cellworks.gcms.synth import synthesize_calibration, synthesize_sample

    cal = synthesize_calibration(tmp_path / "cal" / "cal.json", seed=0)
    season = tmp_path / "season"
    for day, seed in (("day1", 1), ("day2", 2)):
        synthesize_sample("initial", season / day / "initial.cdf", seed=seed)
    code, out, err = run_cli(["gcms", "analyze", season, "--calibration", cal, "--scheduler", cluster_address,
                              "--out", tmp_path / "dist", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n_done"] == 2  # one task per day folder
    code, _, err = run_cli(["gcms", "analyze", season / "day1", season / "day2", "--calibration", cal,
                            "--scheduler", "sync", "--out", tmp_path / "serial"], capsys)
    assert code == 0, err
    res = same_dataset(tmp_path / "dist", tmp_path / "serial")
    assert set(read_manifest(tmp_path / "dist")["kind"]) == {"folder"}
    # RUN files keep today's behaviour; its values are the dataset's rows of that folder
    runs = sorted((season / "day1").glob("*.cdf"))
    code, out, err = run_cli(["gcms", "analyze", *runs, "--calibration", cal, "--json"], capsys)
    assert code == 0, err
    today = json.loads(out)
    day1 = res[res["input_key"] == batch.default_key(season / "day1")].set_index(["key", "sample"])
    n = 0
    for row in today["rows"]:
        for sample, r in row["results"].items():
            if r.get("value_vol_pct") is not None:
                assert day1.loc[(row["key"], sample), "value_vol_pct"] == r["value_vol_pct"]
                n += 1
    assert n > 0
    # rerun: both folders current; a new calibration (folder content) recomputes both
    code, out, _ = run_cli(["gcms", "analyze", season, "--calibration", cal, "--scheduler", "sync",
                            "--out", tmp_path / "serial", "--json"], capsys)
    assert (json.loads(out)["n_skipped"], json.loads(out)["n_done"]) == (2, 0)
    (cal.parent / "note.txt").write_text("recalibrated")
    code, out, _ = run_cli(["gcms", "analyze", season, "--calibration", cal, "--scheduler", "sync",
                            "--out", tmp_path / "serial", "--json"], capsys)
    assert (json.loads(out)["n_skipped"], json.loads(out)["n_done"]) == (0, 2)
