"""Batch processes and sockets (issue 20): workers die with their driver, a lost worker is one line
and a non-zero exit, local clusters listen on 127.0.0.1 only, Ctrl-C says "interrupted" and leaves
no temporary file and no worker behind."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cellworks import batch

ROOT = Path(__file__).resolve().parents[1]
# a sweep whose points each take a few seconds: long enough to kill things mid-way
SLOW_PROTOCOL = "(Discharge at 1.7 A until 2.15 V, Charge at 1 A until 2.45 V) * 300"
GRID = "sulfur_mass_g=0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"


def _sweep(out: Path, scheduler: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cellworks.cli", "lis", "sweep", "--out", str(out), "--grid", GRID,
         "--protocol", SLOW_PROTOCOL, "--scheduler", scheduler],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _workers(pid: int, timeout_s: float = 90) -> list[psutil.Process]:
    """The driver's worker processes, once they are running tasks."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        kids = [k for k in psutil.Process(pid).children(recursive=True)
                if "spawn_main" in " ".join(k.cmdline()) or "multiprocessing" in " ".join(k.cmdline())]
        if len(kids) >= 2:
            return kids
        time.sleep(0.2)
    raise AssertionError("the batch never started its workers")


def _alive(procs: list[psutil.Process]) -> list[int]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.slow
def test_killing_the_driver_of_a_processes_batch_leaves_no_worker(tmp_path: Path) -> None:
    # issue 20: the workers lived on under PID 1 (140 MB each)
    proc = _sweep(tmp_path / "sweep", "processes")
    try:
        kids = _workers(proc.pid)
        time.sleep(2)  # into the tasks
        os.kill(proc.pid, signal.SIGKILL)  # the driver only, not its process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive(kids) == [], "workers outlived their driver by 10 s"
    finally:
        for k in kids if "kids" in locals() else []:
            if _alive([k]):
                k.kill()
        proc.kill()
        proc.communicate()


@pytest.mark.slow
def test_a_lost_worker_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    # issue 20: a 67-line BatchError traceback
    proc = _sweep(tmp_path / "sweep", "processes")
    kids = _workers(proc.pid)
    time.sleep(2)
    kids[-1].send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 1, err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "worker process was lost" in errors[0] and "Traceback" not in err
    assert "rerun" in errors[0]


@pytest.mark.slow
def test_sigint_stops_the_batch_with_one_line_and_cleans_up(tmp_path: Path) -> None:
    out_dir = tmp_path / "sweep"
    proc = _sweep(out_dir, "processes")
    kids = _workers(proc.pid)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the driver (the workers ignore it)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    time.sleep(1)
    assert _alive(kids) == []
    assert not list(out_dir.rglob(".*.tmp*"))


def test_local_cluster_listens_on_localhost_only() -> None:
    # issue 20: dashboard_address=":0" bound every interface
    cluster = batch.start_local_cluster(1)
    try:
        me = psutil.Process()
        pids = {me.pid, *(k.pid for k in me.children(recursive=True))}
        listening = [c.laddr for c in psutil.net_connections(kind="inet") if c.status == "LISTEN" and c.pid in pids]
        assert listening, "no listening socket found (is psutil allowed to see them?)"
        # loopback only (other clusters of this test session may hold an IPv6 loopback socket)
        assert all(ipaddress.ip_address(a.ip).is_loopback for a in listening), listening
        assert 8787 not in {a.port for a in listening}
    finally:
        cluster.close()


def test_processes_pool_workers_watch_their_parent(tmp_path: Path) -> None:
    # the initializer itself: a child whose parent dies exits within a second
    code = (
        "import os, sys, time, subprocess\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import os, time; from cellworks.batch.watchdog import watch_parent; watch_parent(os.getppid()); "
        "print(os.getpid(), flush=True); time.sleep(60)'], stdout=subprocess.PIPE, text=True)\n"
        "print(child.stdout.readline().strip(), flush=True)\n"
        "os._exit(0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60).stdout
    child = int(out.strip())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(child) and time.monotonic() < deadline:
        try:
            if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
