"""cellworks.batch: Dask batch runs into a Parquet dataset, nothing lost, nothing computed twice.

One 2-worker LocalCluster (processes, one thread each) serves the whole module; the scheduler is
told to give up on an input after it killed its worker twice (``allowed-failures = 1``) so the
poison-input test stays short.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd
import pytest

from cellworks import batch
from cellworks.batch import default_key, discover_files, read_manifest, read_results, run_batch
from cellworks.cycling.synthetic import synthetic_cycler_file
from cellworks.cycling.tasks import simulate_and_summarize, summarize_cycling_file
from cellworks.errors import InputError, ParameterError

# the toy tasks below travel to the workers by value (the workers cannot import this test module)
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ROOT = Path(__file__).resolve().parents[1]


def square(params: Mapping[str, Any]) -> pd.DataFrame:
    i = int(params["i"])
    if i == params.get("fail_at"):
        raise ValueError(f"input {i} is bad")
    return pd.DataFrame({"i": [i, i], "value": [i * i, -i * i], "label": [f"n{i}", f"m{i}"]})


def square_dies_once(params: Mapping[str, Any]) -> pd.DataFrame:
    """Kills its worker process the first time it sees ``die_at`` (marker file), then behaves."""
    marker = Path(params["marker"])
    if params["i"] == params["die_at"] and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return square(params)


def square_poison(params: Mapping[str, Any]) -> pd.DataFrame:
    """Kills its worker every time for input ``die_at``."""
    if params["i"] == params["die_at"]:
        os._exit(1)
    return square(params)


def expected_square(keys_to_i: Mapping[str, int]) -> pd.DataFrame:
    """The dataset square() must produce, written out independently of the engine."""
    rows = []
    for key in sorted(keys_to_i):
        i = keys_to_i[key]
        rows += [(key, i, i * i, f"n{i}"), (key, i, -i * i, f"m{i}")]
    return pd.DataFrame(rows, columns=["input_key", "i", "value", "label"])


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    import dask
    import distributed  # noqa: F401  (loads its config defaults before one is overridden below)

    # what `--scheduler local` starts (processes=True, threads_per_worker=1), with 2 workers
    # worker-saturation 1.0: a worker holds only the task it runs, so a worker killed by one input
    # never counts against another input queued behind it (keeps the poison test deterministic)
    with dask.config.set(
        {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    ):
        cluster = batch.start_local_cluster(2, silence_logs=50)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


# ---------------------------------------------------------------------------------------------
# inputs and keys


def test_canonical_json_and_keys(tmp_path: Path) -> None:
    assert batch.canonical_json({"b": 1, "a": [1.5, "x"]}) == '{"a":[1.5,"x"],"b":1}'
    assert default_key({"a": 1, "b": 2}) == default_key({"b": 2, "a": 1})
    assert default_key({"a": 1}) != default_key({"a": 2})
    key = default_key({"i": 0})
    assert key.startswith("p-") and not key.isdigit()
    f = tmp_path / "cell 7 (final).parquet"
    f.write_bytes(b"x")
    assert default_key(f).startswith("cell_7_final-")
    with pytest.raises(ParameterError, match="same key"):
        run_batch(square, [{"i": 1}, {"i": 2}], tmp_path / "o", key_fn=lambda p: "k", progress=False)
    with pytest.raises(InputError, match="not found"):
        run_batch(square, [tmp_path / "missing.csv"], tmp_path / "o", progress=False)
    with pytest.raises(ParameterError, match="JSON"):
        batch.canonical_json({"x": float("nan")})


def test_discover_files(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    for rel in ("a.parquet", "b.csv", "sub/c.parquet", "sub/.d.parquet", "sub/.hidden/e.parquet"):
        (tmp_path / rel).write_bytes(b"x")
    flat = discover_files([tmp_path], patterns=("*.parquet",))
    deep = discover_files([tmp_path], recursive=True, patterns=("*.parquet",))
    assert [p.relative_to(tmp_path).as_posix() for p in flat] == ["a.parquet"]
    assert [p.relative_to(tmp_path).as_posix() for p in deep] == ["a.parquet", "sub/c.parquet"]
    with pytest.raises(InputError, match="no such"):
        discover_files([tmp_path / "nope"])


# ---------------------------------------------------------------------------------------------
# same results everywhere


def test_cluster_and_processes_match_serial(tmp_path: Path, cluster_address: str) -> None:
    inputs = [{"seed": s, "n_cycles": 5, "points_per_step": 200, "fade_per_cycle": 0.01} for s in range(8)]
    serial = run_batch(simulate_and_summarize, inputs, tmp_path / "serial", scheduler="sync", progress=False)
    dist = run_batch(simulate_and_summarize, inputs, tmp_path / "dist", scheduler=cluster_address, progress=False)
    procs = run_batch(simulate_and_summarize, inputs, tmp_path / "procs", scheduler="processes", progress=False)
    for rep in (serial, dist, procs):
        assert (rep.n_inputs, rep.n_done, rep.n_failed, rep.n_skipped) == (8, 8, 0, 0)
    ref = read_results(tmp_path / "serial")
    assert len(ref) == 8 * 5
    pd.testing.assert_frame_equal(read_results(tmp_path / "dist"), ref)
    pd.testing.assert_frame_equal(read_results(tmp_path / "procs"), ref)
    # independent check of the content: the synthetic cell's capacity fades by construction to
    # 2000 mAh·(1 − 0.01·(n − 1)); a constant current integrates exactly (trapezoid), so only
    # float rounding separates the two (rtol 1e-9)
    expect = 2000.0 * (1 - 0.01 * (ref["cycle"] - 1))
    assert ref["discharge_capacity_mAh"].to_numpy() == pytest.approx(expect.to_numpy(), rel=1e-9)
    # the manifest: one row per input, every input's SHA-256 is that of its canonical JSON
    man = read_manifest(tmp_path / "dist")
    assert list(man.columns) == list(batch.MANIFEST_COLUMNS)
    assert sorted(man["input_key"]) == sorted(default_key(p) for p in inputs)
    import hashlib

    sha = {default_key(p): hashlib.sha256(batch.canonical_json(p).encode()).hexdigest() for p in inputs}
    assert dict(zip(man["input_key"], man["sha256"], strict=True)) == sha
    assert set(man["status"]) == {"ok"}
    assert all((tmp_path / "dist" / out).is_file() for out in man["output"])  # relative to out_dir


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's parquet reader
def test_dataset_queryable_by_pandas_duckdb_dask(tmp_path: Path) -> None:
    inputs = [{"i": i} for i in range(5)]
    run_batch(square, inputs, tmp_path, scheduler="sync", progress=False)
    want = expected_square({default_key(p): int(p["i"]) for p in inputs})
    cols = ["input_key", "i", "value", "label"]

    def canon(df: pd.DataFrame) -> pd.DataFrame:
        df = df[cols].astype({"input_key": str, "label": str, "i": "int64", "value": "int64"})
        return df.sort_values(cols).reset_index(drop=True)

    pd.testing.assert_frame_equal(canon(read_results(tmp_path)), canon(want))
    pd.testing.assert_frame_equal(canon(pd.read_parquet(tmp_path / "results")), canon(want))

    import duckdb

    glob = str(tmp_path / "results" / "*" / "*.parquet")
    con = duckdb.connect()
    got = con.execute(f"select input_key, i, value, label from read_parquet('{glob}', hive_partitioning=true)").df()
    pd.testing.assert_frame_equal(canon(got), canon(want))
    n_ok = con.execute(f"select count(*) from read_parquet('{tmp_path / 'manifest.parquet'}') where status='ok'")
    assert n_ok.fetchall() == [(5,)]

    import dask.dataframe as dd

    pd.testing.assert_frame_equal(canon(dd.read_parquet(tmp_path / "results").compute()), canon(want))


# ---------------------------------------------------------------------------------------------
# failures, reruns, interruptions


def test_failed_input_recorded_and_others_continue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = [{"i": i, "fail_at": 3} for i in range(6)]
    rep = run_batch(square, inputs, tmp_path, scheduler="sync", progress=True)
    assert (rep.n_done, rep.n_failed) == (5, 1)
    assert rep.failures == ((batch.canonical_json(inputs[3]), "ValueError: input 3 is bad"),)
    man = read_manifest(tmp_path).set_index("input_key")
    bad = default_key(inputs[3])
    assert man.loc[bad, "status"] == "failed" and man.loc[bad, "error"] == "ValueError: input 3 is bad"
    assert pd.isna(man.loc[bad, "output"])
    assert bad not in set(read_results(tmp_path)["input_key"])
    err = capsys.readouterr().err
    assert "5 done" in err and "1 failed" in err  # the progress line on stderr


def test_rerun_skips_current_and_recomputes_changed(tmp_path: Path) -> None:
    files = []
    for k in range(3):
        f = tmp_path / "in" / f"cell{k}.parquet"
        synthetic_cycler_file(f, seed=k, n_cycles=3, points_per_step=50)
        files.append(f)
    out = tmp_path / "out"
    first = run_batch(summarize_cycling_file, files, out, scheduler="sync", progress=False)
    assert (first.n_done, first.n_skipped) == (3, 0)
    parts = sorted((out / "results").glob("*/part-0.parquet"))
    stamps = {p: p.stat().st_mtime_ns for p in parts}
    again = run_batch(summarize_cycling_file, files, out, scheduler="sync", progress=False)
    assert (again.n_done, again.n_skipped, again.n_failed) == (0, 3, 0)
    assert {p: p.stat().st_mtime_ns for p in parts} == stamps  # nothing rewritten
    # change one input file: only it is recomputed, and its result reflects the new content
    synthetic_cycler_file(files[1], seed=1, n_cycles=4, points_per_step=50)
    third = run_batch(summarize_cycling_file, files, out, scheduler="sync", progress=False)
    assert (third.n_done, third.n_skipped) == (1, 2)
    counts = read_results(out).groupby("input_key").size()
    assert counts[default_key(files[1])] == 4 and counts[default_key(files[0])] == 3
    # different task options (here a pairing choice) change the code version: all recomputed
    import functools

    fourth = run_batch(
        functools.partial(summarize_cycling_file, pairing="charge-first"), files, out, scheduler="sync", progress=False
    )
    assert (fourth.n_done, fourth.n_skipped) == (3, 0)
    # a lost manifest is rebuilt from the result files themselves
    (out / "manifest.parquet").unlink()
    fifth = run_batch(
        functools.partial(summarize_cycling_file, pairing="charge-first"), files, out, scheduler="sync", progress=False
    )
    assert (fifth.n_done, fifth.n_skipped) == (0, 3)
    assert len(read_manifest(out)) == 3


def test_folder_with_corrupt_file_default_local_cluster(tmp_path: Path) -> None:
    """The engine of `cellworks cycling summarize DIR --recursive --scheduler local`."""
    data = tmp_path / "runs"
    good = [data / "a.parquet", data / "b.parquet", data / "day2" / "c.parquet", data / "day2" / "d.parquet"]
    for k, f in enumerate(good):
        synthetic_cycler_file(f, seed=k, n_cycles=2 + k, points_per_step=40)
    corrupt = data / "day2" / "broken.parquet"
    corrupt.write_bytes(good[0].read_bytes()[:3000])  # a truncated copy
    files = discover_files([data], recursive=True, patterns=("*.parquet",))
    assert len(files) == 5
    rep = run_batch(summarize_cycling_file, files, tmp_path / "out", scheduler="local", progress=False)
    assert (rep.n_done, rep.n_failed) == (4, 1)
    ((inp, err),) = rep.failures
    assert inp == str(corrupt) and "broken.parquet" in err  # the error names the file
    res = read_results(tmp_path / "out")
    # cycles per file as written (2, 3, 4, 5): every good file summarised, each exactly once
    assert res.groupby("input_key").size().to_dict() == {default_key(f): 2 + k for k, f in enumerate(good)}


def test_worker_killed_mid_batch_then_rerun(tmp_path: Path, cluster_address: str) -> None:
    marker = tmp_path / "died-once"
    inputs: list[dict[str, Any]] = [{"i": i, "die_at": 4, "marker": str(marker)} for i in range(10)]
    out = tmp_path / "out"
    rep = run_batch(square_dies_once, inputs, out, scheduler=cluster_address, progress=False)
    assert marker.exists()  # a worker really died while running input 4
    # the scheduler re-ran the lost input on a live worker: the batch completed
    assert (rep.n_done, rep.n_failed) == (10, 0)
    again = run_batch(square_dies_once, inputs, out, scheduler=cluster_address, progress=False)
    assert (again.n_done, again.n_skipped, again.n_failed) == (0, 10, 0)
    want = expected_square({default_key(p): int(p["i"]) for p in inputs})
    pd.testing.assert_frame_equal(read_results(out), want)  # none lost, none duplicated
    assert not list(out.rglob(".*.tmp*"))  # our temporary files: ".<name>.tmp.<host>-<pid>.<random>"


def test_poison_input_that_kills_workers_is_recorded(tmp_path: Path, cluster_address: str) -> None:
    inputs = [{"i": i, "die_at": 2} for i in range(6)]
    rep = run_batch(square_poison, inputs, tmp_path, scheduler=cluster_address, progress=False)
    assert (rep.n_done, rep.n_failed) == (5, 1)
    assert "worker lost" in rep.failures[0][1]
    keys = {default_key(p): int(p["i"]) for p in inputs if p["i"] != 2}
    pd.testing.assert_frame_equal(read_results(tmp_path), expected_square(keys))


_DRIVER = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    from cellworks.batch import run_batch

    def slow_square(params):
        time.sleep(0.15)
        i = params["i"]
        return pd.DataFrame({"i": [i, i], "value": [i * i, -i * i], "label": [f"n{i}", f"m{i}"]})

    if __name__ == "__main__":
        rep = run_batch(slow_square, [{"i": i} for i in range(int(sys.argv[2]))], sys.argv[1],
                        scheduler="processes", progress=False)
        print(json.dumps({"done": rep.n_done, "skipped": rep.n_skipped, "failed": rep.n_failed}))
    """
)


def test_driver_killed_mid_batch_then_rerun(tmp_path: Path) -> None:
    """SIGKILL the whole batch (driver and its process pool) mid-way; the rerun completes it."""
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER)
    out, n = tmp_path / "out", 24
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(n)], env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(list(out.glob("results/*/part-0.parquet"))) < 4:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "batch never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = len(list(out.glob("results/*/part-0.parquet")))
    assert 4 <= committed < n  # really interrupted mid-way
    rerun = subprocess.run(
        [sys.executable, str(script), str(out), str(n)], env=env, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)
    assert counts["skipped"] >= committed and counts["skipped"] + counts["done"] == n and counts["failed"] == 0
    want = expected_square({default_key({"i": i}): i for i in range(n)})
    pd.testing.assert_frame_equal(read_results(out), want)
    man = read_manifest(out)
    assert len(man) == n and set(man["status"]) == {"ok"}
    assert not list(out.rglob(".*.tmp*"))  # our temporary files: ".<name>.tmp.<host>-<pid>.<random>"


def test_busy_output_folder_refused(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / ".batch.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InputError, match="another batch"):
            run_batch(square, [{"i": 1}], tmp_path, scheduler="sync", progress=False)


def test_unknown_scheduler_is_an_input_error(tmp_path: Path) -> None:
    # anything but local/processes/sync is a scheduler address; a malformed one is refused
    with pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        run_batch(square, [{"i": 1}], tmp_path, scheduler="bogus", progress=False)
    assert read_results(tmp_path).empty


def test_lis_sweep_on_cluster_matches_serial(tmp_path: Path, cluster_address: str) -> None:
    from cellworks.lis.tasks import lis_sweep_point

    currents_A = (0.85, 1.7, 3.4)
    points = [{"preset": "marinescu2016", "protocol": f"Discharge at {i} A for 30 minutes"} for i in currents_A]
    serial = run_batch(lis_sweep_point, points, tmp_path / "serial", scheduler="sync", progress=False)
    dist = run_batch(lis_sweep_point, points, tmp_path / "dist", scheduler=cluster_address, progress=False)
    assert (serial.n_done, dist.n_done) == (3, 3)
    ref = read_results(tmp_path / "serial")
    pd.testing.assert_frame_equal(read_results(tmp_path / "dist"), ref)
    assert set(ref["status"]) == {"ok"} and set(ref["kind"]) == {"discharge"}
    # a constant current for 30 min passes I·0.5 h (charge conservation; float rounding only)
    by_key = ref.set_index("input_key")["capacity_Ah"]
    for i, p in zip(currents_A, points, strict=True):
        assert by_key[default_key(p)] == pytest.approx(0.5 * i, rel=1e-9)
    # sulfur is conserved by the model: the drift is float rounding (far below 1e-9 relative)
    assert ref["sulfur_mass_drift_rel"].abs().max() < 1e-9
    # a bad sweep point is recorded, not raised
    bad = run_batch(lis_sweep_point, [{"preset": "nope", "protocol": "Rest for 1 s"}], tmp_path / "bad",
                    scheduler="sync", progress=False)
    assert bad.n_failed == 1 and "unknown preset" in bad.failures[0][1]


def test_processes_scheduler_stops_cleanly_when_a_task_kills_its_process(tmp_path: Path) -> None:
    inputs = [{"i": i, "die_at": 3} for i in range(8)]
    with pytest.raises(batch.BatchError, match="rerun to complete"):
        run_batch(square_poison, inputs, tmp_path, scheduler="processes", progress=False)
    # what was committed is whole and correct, and the manifest lists exactly those results
    res = read_results(tmp_path)
    keys = {default_key(p): int(p["i"]) for p in inputs}
    done = {k: keys[k] for k in set(res["input_key"])}
    assert keys[default_key(inputs[3])] not in done.values()
    pd.testing.assert_frame_equal(res, expected_square(done))
    man = read_manifest(tmp_path)
    assert set(man.loc[man["status"] == "ok", "input_key"]) == set(done)


def test_pack_montecarlo_chunks_on_cluster_equal_one_run(tmp_path: Path, cluster_address: str) -> None:
    from cellworks.pack.tasks import pack_montecarlo_chunk

    base = {"config": "baumhofer-4s3p", "packs": 4, "seed": 7}
    chunks = [{**base, "start": s, "count": 2} for s in (0, 2)]
    rep = run_batch(pack_montecarlo_chunk, chunks, tmp_path, scheduler=cluster_address, progress=False)
    assert (rep.n_done, rep.n_failed) == (2, 0)
    got = read_results(tmp_path).sort_values("pack").drop(columns="input_key").reset_index(drop=True)
    # every pack is drawn from the same seeded sample and simulated on its own: chunking the
    # sweep over workers must not change a single value
    whole = pack_montecarlo_chunk({**base, "start": 0, "count": 4})
    pd.testing.assert_frame_equal(got, whole)


def test_gcms_folders_on_cluster_match_serial_and_rerun_by_content(tmp_path: Path, cluster_address: str) -> None:
    import functools

    from cellworks.batch import folder_sha256
    from cellworks.gcms.synth import synthesize_calibration, synthesize_sample
    from cellworks.gcms.tasks import GCMS_COLUMNS, gcms_analyze_folder

    cal = synthesize_calibration(tmp_path / "cal" / "cal.json", seed=0)
    days = []
    for day, seed in (("day1", 1), ("day2", 2)):
        synthesize_sample("initial", tmp_path / day / "initial.cdf", seed=seed, columns=("plot", "ptmsp"),
                          modes=("scan", "sim"), pressure_factor=1.0, constant_error=0.0, replicates=1)
        days.append(tmp_path / day)
    task = functools.partial(gcms_analyze_folder, calibration=cal)
    opts = {"calibration": folder_sha256(cal.parent)}
    serial = run_batch(task, days, tmp_path / "serial", scheduler="sync", progress=False, options=opts)
    dist = run_batch(task, days, tmp_path / "dist", scheduler=cluster_address, progress=False, options=opts)
    assert (serial.n_done, dist.n_done) == (2, 2)
    ref = read_results(tmp_path / "serial")
    pd.testing.assert_frame_equal(read_results(tmp_path / "dist"), ref)
    assert list(ref.columns) == ["input_key", *GCMS_COLUMNS]
    assert set(read_manifest(tmp_path / "dist")["kind"]) == {"folder"}
    # a folder is current until a file in it changes: re-synthesise day2 with another seed
    synthesize_sample("initial", tmp_path / "day2" / "initial.cdf", seed=3, columns=("plot", "ptmsp"),
                      modes=("scan", "sim"), pressure_factor=1.0, constant_error=0.0, replicates=1)
    again = run_batch(task, days, tmp_path / "dist", scheduler="sync", progress=False, options=opts)
    assert (again.n_done, again.n_skipped) == (1, 1)
    # a new calibration (its folder's content) recomputes every folder
    (cal.parent / "note.txt").write_text("recalibrated")
    new_cal = run_batch(task, days, tmp_path / "dist", scheduler="sync", progress=False,
                        options={"calibration": folder_sha256(cal.parent)})
    assert (new_cal.n_done, new_cal.n_skipped) == (2, 0)
