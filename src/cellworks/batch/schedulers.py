"""Schedulers of a batch: the local Dask cluster, a remote one, Dask's processes and sync schedulers.

Local clusters listen on 127.0.0.1 only (scheduler, workers, nannies and the HTTP/dashboard
endpoint on a free port) unless ``CELLWORKS_DASK_HOST`` / ``CELLWORKS_DASK_DASHBOARD`` say
otherwise. Worker processes die with their driver: the ``processes`` scheduler's workers watch
their parent (:mod:`cellworks.batch.watchdog`), a local cluster's nannies do the same (Dask's own
parent-death handling).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from cellworks.batch.dataset import BatchError
from cellworks.batch.inputs import _Item
from cellworks.batch.worker import _error_text, _run_one
from cellworks.errors import InputError


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def start_local_cluster(n_workers: int | None = None, **kwargs: Any) -> Any:
    """The ``"local"`` scheduler: a ``distributed.LocalCluster`` of single-threaded worker processes.

    ``n_workers`` defaults to :func:`available_cpus` (the tasks are CPU-bound Python/NumPy code
    holding the GIL, so one process per CPU). Two settings differ from Dask's defaults:

    - the workers are started without ``MALLOC_TRIM_THRESHOLD_=65536``. Setting that variable
      turns off glibc's adaptive mmap threshold, so every NumPy temporary above 128 kB is mmap'ed,
      page-faulted and unmapped again. Measured once on the shared 2-core VM of development (same
      code, serial, with and without the variable): +24 % CPU time for ``simulate_and_summarize``,
      +46 % for a sort-heavy NumPy task. The price is that a worker returns freed memory to the system
      less eagerly, which is harmless for batches of short tasks;
    - the workers' statistical profiler (a 10 ms stack sampler that only feeds the dashboard) is
      off;
    - everything listens on 127.0.0.1 only (scheduler, nannies, workers, and the HTTP/dashboard
      endpoint on a free port, never the shared 8787): nobody else on the network can submit
      work to it. ``CELLWORKS_DASK_HOST`` (e.g. ``0.0.0.0``) and ``CELLWORKS_DASK_DASHBOARD``
      (e.g. ``:8787``) open it up when that is wanted.

    ``kwargs`` go to ``LocalCluster``.
    """
    import dask
    from distributed import LocalCluster

    host = os.environ.get("CELLWORKS_DASK_HOST", "").strip() or "127.0.0.1"
    dashboard = os.environ.get("CELLWORKS_DASK_DASHBOARD", "").strip() or f"{host}:0"
    opts: dict[str, Any] = {
        "n_workers": n_workers or available_cpus(),
        "threads_per_worker": 1,
        "processes": True,
        "host": host,
        "dashboard_address": dashboard,
        # critical only: a killed worker or a lost scheduler connection is reported in the manifest
        # and on one line, not as worker log tracebacks on the user's terminal
        "silence_logs": 50,
        # the workers' dask config, kept by their nannies across worker restarts
        "config": dask.config.merge(dask.config.config, {"distributed": {"worker": {"profile": {"enabled": False}}}}),
        **kwargs,
    }
    # None removes the variable from what the nannies export before spawning (dask >= 2023.3)
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}), \
            _children_ignore_sigint():
        return LocalCluster(**opts)


@contextlib.contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """Processes spawned inside the block ignore Ctrl-C (an ignored signal survives ``exec``; the
    nannies pass it on to the workers they start). Ctrl-C in a terminal reaches the whole process
    group: only the driver should react, by closing the cluster, so the user sees one
    "interrupted" line instead of a log traceback per worker."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _scheduler_client(scheduler: str) -> tuple[Any, Callable[[], None]]:
    """A distributed Client for "local" or an address, and a function that closes what we opened."""
    from distributed import Client

    if scheduler == "local":
        cluster = start_local_cluster()
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot connect to the Dask scheduler ({exc})", token=scheduler) from None
    return client, client.close


def _iter_distributed(client: Any, calls: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    import uuid

    from distributed import KilledWorker, as_completed

    futures = {}
    code_version, task_name = calls[0][3], calls[0][4]
    run = uuid.uuid4().hex[:12]  # keys unique per run: never a result cached by the scheduler
    for args in calls:
        item: _Item = args[1]
        fut = client.submit(_run_one, *args, key=f"cellworks-batch-{item.key}-{run}", pure=False)
        futures[fut] = item
    for fut in as_completed(futures):
        item = futures[fut]
        try:
            rec = fut.result()
        except Exception as exc:  # the task could not run; _run_one itself never raises
            if isinstance(exc, KilledWorker):  # the input took down its worker, more than once
                error = f"worker lost while running this input ({_error_text(exc)})"
            else:  # e.g. the task cannot be unpickled on the worker (module not installed there)
                error = f"could not run on the cluster ({_error_text(exc)})"
            rec = {**item.provenance(code_version, task_name), "status": "failed", "error": error,
                   "finished_utc": datetime.now(UTC).isoformat(timespec="seconds")}
        fut.release()
        yield rec


def _iter_local(scheduler: str, calls: list[tuple[Any, ...]]) -> tuple[Iterator[dict[str, Any]], Callable[[], None]]:
    """Dask's local schedulers; results reach the driver as each task finishes (a Callback).

    Returns the records and a function that stops what is left (the ``processes`` pool's workers
    are terminated: an interrupted driver leaves no worker behind)."""
    import queue
    import threading

    import dask
    import dask.multiprocessing
    from dask.callbacks import Callback

    done: queue.Queue[Any] = queue.Queue()
    keys = {f"cellworks-batch-{c[1].key}": i for i, c in enumerate(calls)}

    def posttask(key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if key in keys:
            done.put(result)

    graph = {k: (_run_one, *calls[i]) for k, i in keys.items()}
    box: dict[str, BaseException] = {}
    pool = _process_pool() if scheduler == "processes" else None

    def compute() -> None:
        try:
            with Callback(posttask=posttask):
                if pool is None:
                    dask.get(graph, list(keys))
                else:
                    dask.multiprocessing.get(graph, list(keys), pool=pool)
        except BaseException as exc:  # re-raised in the driver thread
            box["exc"] = exc
        finally:
            done.put(None)

    thread = threading.Thread(target=compute, name="cellworks-batch", daemon=True)

    def records() -> Iterator[dict[str, Any]]:
        thread.start()
        while (rec := done.get()) is not None:
            yield rec
        thread.join()
        if "exc" in box:
            exc = box["exc"]
            if isinstance(exc, Exception):  # e.g. BrokenProcessPool: a task killed its process
                raise BatchError(
                    f"the {scheduler} scheduler stopped: a worker process was lost ({_error_text(exc)}); "
                    "every input finished so far is saved: rerun to complete the batch, or use the local "
                    "cluster, which re-runs lost inputs"
                ) from exc
            raise exc

    def close() -> None:
        if pool is not None:
            _stop_pool(pool)

    return records(), close


def _process_pool() -> Any:
    """The ``processes`` scheduler's pool: spawned workers that ignore Ctrl-C (the driver stops
    them) and exit when their driver dies (:func:`cellworks.batch.watchdog.watch_parent`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cellworks.batch.watchdog import watch_parent

    return ProcessPoolExecutor(available_cpus(), mp_context=multiprocessing.get_context("spawn"),
                               initializer=watch_parent, initargs=(os.getpid(),))


def _stop_pool(pool: Any) -> None:
    """Shut the pool down without waiting; terminate workers still running a task."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            if proc.is_alive():
                proc.terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)
