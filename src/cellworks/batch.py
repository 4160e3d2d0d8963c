"""Batch runs on Dask: many inputs → one Parquet dataset, nothing lost, nothing computed twice.

A *task* is any picklable function ``task(input) -> pandas.DataFrame``; an *input* is a file or
a folder (:class:`pathlib.Path`; a folder is hashed over its files, :func:`folder_sha256`) or a
parameter set (a JSON-able mapping). :func:`run_batch` runs the task
over every input on a Dask scheduler and commits each input's result on its own:

``out_dir/results/input_key=<key>/part-0.parquet``
    the task's DataFrame for one input (a hive-style partition, so pandas, DuckDB, pyarrow and
    Dask read ``out_dir/results`` as one table with an ``input_key`` column). Written to a
    temporary file beside it and renamed into place, so a file either exists whole or not at all.
    Its Parquet schema metadata (key ``cellworks_batch``) records the input, its SHA-256 and the
    code version, so the file describes itself even if the manifest is lost.
``out_dir/manifest.parquet``
    one row per input: ``input_key, input, kind, sha256, status ('ok'/'failed'), error, output``
    (relative to ``out_dir``), ``rows, code_version, cellworks_version, task, duration_s,
    finished_utc``. Rewritten atomically (temporary file, rename) as results arrive and at the end.

Rerunning the same batch skips every input whose result file exists and is *current* (same
SHA-256 of the input file, or of the parameter set's canonical JSON, and the same code version);
failed or missing inputs are (re)computed; a stale result is deleted before its input is recomputed.
Because each result is committed by a rename and the manifest is rebuilt from the result files,
an interrupted batch (killed worker, killed driver, power cut) loses no finished input and never
duplicates one: rerun it.

Schedulers (``scheduler=``):

``"local"`` (default)
    a ``dask.distributed.LocalCluster`` sized to the machine: one single-threaded worker process
    per CPU available to this process (the tasks are CPU-bound Python/NumPy code holding the GIL).
``"processes"``
    Dask's multiprocessing scheduler, without ``distributed`` (no cluster start-up cost).
``"sync"``
    Dask's single-threaded scheduler in this process: the serial reference and for debugging.
``ADDRESS``
    any other value is the address of a running Dask scheduler (``tcp://host:8786``); the
    workers must see ``out_dir`` and the input files at the same paths (shared file system).

Import cost: this module imports nothing heavy at import time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks import __version__
from cellworks._io import atomic_write, sha256_file
from cellworks.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

BatchInput = Path | Mapping[str, Any]
Task = Callable[[Any], "pd.DataFrame"]

RESULTS_DIR = "results"
MANIFEST = "manifest.parquet"
PARTITION = "input_key"
RESULT_FILE = "part-0.parquet"
_META_KEY = b"cellworks_batch"
_LOCK = ".batch.lock"
MANIFEST_COLUMNS: tuple[str, ...] = (
    "input_key",
    "input",
    "kind",
    "sha256",
    "status",
    "error",
    "output",
    "rows",
    "code_version",
    "cellworks_version",
    "task",
    "duration_s",
    "finished_utc",
)
_KEY_OK = re.compile(r"[^A-Za-z0-9._-]+")


# --------------------------------------------------------------------------------------------
# inputs, keys and hashes


def canonical_json(params: Mapping[str, Any]) -> str:
    """The canonical JSON of a parameter set: sorted keys, no spaces, NaN refused.

    Paths and other non-JSON scalars are written as strings; numpy scalars as numbers.
    """
    from cellworks.clikit import _to_jsonable

    def check(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                check(v, f"{where}.{k}" if where else str(k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                check(v, f"{where}[{i}]")
        elif isinstance(value, float) or type(value).__module__ == "numpy":
            try:
                finite = math.isfinite(float(value))
            except (TypeError, ValueError):
                return
            if not finite:
                raise ParameterError("NaN or infinite value in a parameter set (not JSON)", field=where)

    check(params, "")
    try:
        return json.dumps(_to_jsonable(dict(params)), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter set is not JSON-able ({exc})", record=repr(params)[:80]) from None


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _safe_key(text: str) -> str:
    key = _KEY_OK.sub("_", text).strip("._") or "input"
    return key[:80]


def default_key(item: BatchInput) -> str:
    """Partition key of an input: ``<file stem>-<8 hex of its absolute path>`` for a file,
    ``p-<16 hex of the canonical JSON>`` for a parameter set. Never purely numeric, so every
    reader infers the partition column as text."""
    if isinstance(item, Path):
        digest = _sha256_text(str(item.resolve()))[:8]
        return f"{_safe_key(item.stem)}-{digest}"
    return f"p-{_sha256_text(canonical_json(item))[:16]}"


@dataclass(frozen=True)
class _Item:
    key: str
    kind: str  # "file" | "params"
    label: str  # the path, or the canonical JSON
    sha256: str
    payload: Any  # what the task receives


def _normalise(
    inputs: Iterable[BatchInput | str], key_fn: Callable[[BatchInput], str]
) -> list[_Item]:
    items: list[_Item] = []
    seen: dict[str, str] = {}
    for raw in inputs:
        if isinstance(raw, (str, os.PathLike)):
            path = Path(raw)
            if path.is_dir():  # a folder is one input (e.g. one day of GC-MS runs)
                item = _Item(key_fn(path), "folder", str(path), folder_sha256(path), path)
            elif path.is_file():
                item = _Item(key_fn(path), "file", str(path), sha256_file(path), path)
            else:
                raise InputError("input file not found", file=path)
        elif isinstance(raw, Mapping):
            text = canonical_json(raw)
            item = _Item(key_fn(raw), "params", text, _sha256_text(text), dict(raw))
        else:
            raise ParameterError(f"batch input must be a path or a mapping, not {type(raw).__name__}")
        if not item.key or _KEY_OK.search(item.key):
            raise ParameterError(
                f"key {item.key!r} of input {item.label} must be non-empty and use only A-Z a-z 0-9 . _ -"
            )
        if item.key in seen:
            raise ParameterError(
                f"inputs {seen[item.key]} and {item.label} have the same key {item.key!r}; "
                "pass a key_fn that tells them apart"
            )
        seen[item.key] = item.label
        items.append(item)
    return items


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        f for f in folder.rglob("*") if f.is_file() and not any(p.startswith(".") for p in f.relative_to(folder).parts)
    )


def folder_sha256(folder: str | Path) -> str:
    """SHA-256 of a folder's content: relative path and SHA-256 of every file below it (hidden
    files and folders skipped), in sorted order. Renaming, adding, removing or editing a file
    changes it; timestamps do not."""
    folder = Path(folder)
    h = hashlib.sha256()
    for f in _visible_files(folder):
        h.update(f"{f.relative_to(folder).as_posix()}\0{sha256_file(f)}\n".encode())
    return h.hexdigest()


def discover_files(
    paths: Sequence[str | Path], *, recursive: bool = False, patterns: Sequence[str] = ("*",)
) -> list[Path]:
    """Expand files and folders into a sorted list of files (hidden files and folders skipped).

    A folder contributes the files directly inside it matching any of ``patterns`` (``"*.parquet"``),
    or every file below it with ``recursive=True``. A named file is always kept.
    """
    found: set[Path] = set()
    for p in map(Path, paths):
        if p.is_file():
            found.add(p)
        elif p.is_dir():
            for pat in patterns:
                for f in p.rglob(pat) if recursive else p.glob(pat):
                    rel = f.relative_to(p).parts
                    if f.is_file() and not any(part.startswith(".") for part in rel):
                        found.add(f)
        else:
            raise InputError("no such file or folder", file=p)
    return sorted(found)


def code_version_of(task: Task, extra: Mapping[str, Any] | None = None) -> str:
    """``cellworks <version>; <module.function>[; <options sha>]``: what a result depends on
    besides its input. ``functools.partial`` keywords and ``extra`` options are hashed in."""
    func: Any = task
    opts: dict[str, Any] = dict(extra or {})
    while isinstance(func, functools.partial):
        opts = {**{f"arg{i}": a for i, a in enumerate(func.args)}, **func.keywords, **opts}
        func = func.func
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', type(func).__name__)}"
    version = f"cellworks {__version__}; {name}"
    if opts:
        version += f"; options {_sha256_text(canonical_json(opts))[:16]}"
    return version


# --------------------------------------------------------------------------------------------
# the worker side


_TASK_CACHE: dict[str, Task] = {}


def _load_task(blob: bytes) -> Task:
    digest = hashlib.sha256(blob).hexdigest()
    task = _TASK_CACHE.get(digest)
    if task is None:
        import cloudpickle

        task = _TASK_CACHE[digest] = cloudpickle.loads(blob)
    return task


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return exc.one_line()
    return f"{type(exc).__name__}: {exc}".strip()


def _run_one(blob: bytes, item: _Item, out_path: str, code_version: str, task_name: str) -> dict[str, Any]:
    """Run the task on one input and commit its result; never raises for a failing task."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {
        "input_key": item.key,
        "input": item.label,
        "kind": item.kind,
        "sha256": item.sha256,
        "code_version": code_version,
        "cellworks_version": __version__,
        "task": task_name,
        "error": None,
        "output": None,
        "rows": None,
    }
    try:
        import pandas as pd

        df = _load_task(blob)(item.payload)
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"task returned {type(df).__name__}, not a pandas DataFrame")
        if PARTITION in df.columns:
            raise ValueError(f"task result must not have a column named {PARTITION!r} (the partition key)")
        _write_result(df, Path(out_path), item, code_version, task_name)
        record.update(status="ok", output=_relative_output(item.key), rows=len(df))
    except Exception as exc:  # a failing input is recorded; the batch goes on
        record.update(status="failed", error=_error_text(exc))
    record["duration_s"] = time.perf_counter() - t0
    record["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    return record


def _write_result(df: pd.DataFrame, path: Path, item: _Item, code_version: str, task_name: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps(
        {
            "input_key": item.key,
            "input": item.label,
            "kind": item.kind,
            "sha256": item.sha256,
            "code_version": code_version,
            "cellworks_version": __version__,
            "task": task_name,
            "rows": len(df),
        }
    ).encode()
    table = table.replace_schema_metadata(meta)
    # temporary ".part-0.parquet.XXXX.tmp" beside the target (ignored by every dataset reader),
    # fsync, then rename: the result appears whole or not at all
    with atomic_write(path, "wb") as fh:
        pq.write_table(table, fh)


def _result_meta(path: Path) -> dict[str, Any] | None:
    """The self-description of a committed result file, or None if it is unreadable."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(_META_KEY)
        return json.loads(raw) if raw else None
    except Exception:
        return None


# --------------------------------------------------------------------------------------------
# report


class BatchError(RuntimeError):
    """The batch machinery itself stopped (not one input): finished inputs are saved; rerun."""


@dataclass(frozen=True)
class BatchReport:
    """What a batch did. ``n_done`` counts inputs computed now, ``n_skipped`` those already current."""

    out_dir: Path
    scheduler: str
    n_inputs: int
    n_done: int
    n_skipped: int
    n_failed: int
    failures: tuple[tuple[str, str], ...]  # (input, error)
    wall_s: float
    code_version: str

    @property
    def dataset(self) -> Path:
        return self.out_dir / RESULTS_DIR

    @property
    def manifest(self) -> Path:
        return self.out_dir / MANIFEST

    @property
    def ok(self) -> bool:
        return self.n_failed == 0

    def read(self) -> pd.DataFrame:
        return read_results(self.out_dir)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["failures"] = [{"input": i, "error": e} for i, e in self.failures]
        d["dataset"] = str(self.dataset)
        d["manifest"] = str(self.manifest)
        return d


def read_manifest(out_dir: str | Path) -> pd.DataFrame:
    """The manifest as a DataFrame (empty with the manifest columns if there is none yet)."""
    import pandas as pd

    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in MANIFEST_COLUMNS})
    return pd.read_parquet(path)


def read_results(out_dir: str | Path, *, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """All committed results as one DataFrame with an ``input_key`` column, sorted by key.

    Equivalent to ``pandas.read_parquet(out_dir / "results")``, ``duckdb``'s
    ``read_parquet('out_dir/results/*/*.parquet', hive_partitioning=true)`` or
    ``dask.dataframe.read_parquet(out_dir / "results")``.
    """
    import pandas as pd

    root = Path(out_dir) / RESULTS_DIR
    frames = []
    for part in sorted(root.glob(f"{PARTITION}=*/{RESULT_FILE}")):
        key = part.parent.name.split("=", 1)[1]
        if keys is not None and key not in keys:
            continue
        df = pd.read_parquet(part)
        df.insert(0, PARTITION, key)
        frames.append(df)
    if not frames:
        return pd.DataFrame({PARTITION: pd.Series(dtype=object)})
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# the driver


class _Manifest:
    """The driver's view of the manifest; the driver is its only writer."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        self.rows: dict[str, dict[str, Any]] = {}
        self._last_write = 0.0
        if self.path.exists():
            try:
                for rec in read_manifest(out_dir).to_dict("records"):
                    self.rows[str(rec["input_key"])] = {str(k): v for k, v in rec.items()}
            except Exception:  # unreadable manifest: rebuilt from the result files
                self.rows = {}

    def set(self, record: dict[str, Any]) -> None:
        self.rows[record["input_key"]] = record

    def write(self, force: bool = False, min_interval_s: float = 0.5) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < min_interval_s:
            return
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        df = pd.DataFrame([self.rows[k] for k in sorted(self.rows)], columns=list(MANIFEST_COLUMNS))
        df["rows"] = df["rows"].astype("Int64")
        df["duration_s"] = df["duration_s"].astype("Float64")
        for col in MANIFEST_COLUMNS:
            if col not in ("rows", "duration_s"):
                df[col] = df[col].astype("string")
        with atomic_write(self.path, "wb") as fh:
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False), fh)
        self._last_write = now


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock (run one batch per folder yourself)
        yield
        return
    with open(out_dir / _LOCK, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError("another batch is writing to this folder", file=out_dir) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _relative_output(key: str) -> str:
    """Where an input's result lives, relative to the batch folder (the manifest's ``output``)."""
    return f"{RESULTS_DIR}/{PARTITION}={key}/{RESULT_FILE}"


def _result_path(out_dir: Path, key: str) -> Path:
    return out_dir / _relative_output(key)


def _adopt(item: _Item, path: Path, manifest: _Manifest, code_version: str) -> bool:
    """Enter a committed result file into the manifest if it is current for ``item``."""
    meta = _result_meta(path)
    if not (meta and meta.get("sha256") == item.sha256 and meta.get("code_version") == code_version):
        return False
    manifest.set(
        {
            **{c: None for c in MANIFEST_COLUMNS},
            **{k: v for k, v in meta.items() if k in MANIFEST_COLUMNS},
            "status": "ok",
            "output": _relative_output(item.key),
        }
    )
    return True


def _plan(items: list[_Item], out_dir: Path, manifest: _Manifest, code_version: str) -> list[_Item]:
    """Inputs to compute; reconciles the manifest with the committed result files."""
    todo: list[_Item] = []
    for item in items:
        path = _result_path(out_dir, item.key)
        rec = manifest.rows.get(item.key)
        current = False
        if path.exists():
            if (
                rec is not None
                and rec.get("status") == "ok"
                and rec.get("sha256") == item.sha256
                and rec.get("code_version") == code_version
            ):
                current = True
            else:  # manifest missing or behind (interrupted run): the file describes itself
                current = _adopt(item, path, manifest, code_version)
            if not current:  # stale: remove it now so the dataset never holds an outdated result
                path.unlink()
        if not current:
            todo.append(item)
    # stray partitions without a result (e.g. a crash between mkdir and rename) are harmless;
    # temporary files of killed writers start with "." and are removed here
    stale_tmp = [*(out_dir / RESULTS_DIR).glob(f"{PARTITION}=*/.*.tmp"), *out_dir.glob(f".{MANIFEST}.*.tmp")]
    for tmp in stale_tmp:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return todo


class _Progress:
    """A rich bar on stderr: done / failed / skipped / remaining across the whole batch."""

    def __init__(self, total: int, skipped: int, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.total, self.done, self.failed = total, 0, 0
        self._prog = Progress(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]{task.fields[done]} done[/] · [red]{task.fields[failed]} failed[/] · "
                "{task.fields[skipped]} current · {task.fields[remaining]} remaining"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = self._prog.add_task(
            "batch", total=total + skipped, completed=skipped, done=0, failed=0, skipped=skipped, remaining=total
        )

    def __enter__(self) -> _Progress:
        self._prog.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._prog.__exit__(*exc)

    def update(self, ok: bool) -> None:
        self.done += ok
        self.failed += not ok
        self._prog.update(
            self._task,
            advance=1,
            done=self.done,
            failed=self.failed,
            remaining=self.total - self.done - self.failed,
        )


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
      off, and the scheduler's HTTP endpoint listens on a free port (never the shared 8787).

    ``kwargs`` go to ``LocalCluster``.
    """
    import dask
    from distributed import LocalCluster

    opts: dict[str, Any] = {
        "n_workers": n_workers or available_cpus(),
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": ":0",
        "silence_logs": 40,  # errors only: a killed worker is reported in the manifest instead
        # the workers' dask config, kept by their nannies across worker restarts
        "config": dask.config.merge(dask.config.config, {"distributed": {"worker": {"profile": {"enabled": False}}}}),
        **kwargs,
    }
    # None removes the variable from what the nannies export before spawning (dask >= 2023.3)
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(**opts)


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
            rec = {
                "input_key": item.key,
                "input": item.label,
                "kind": item.kind,
                "sha256": item.sha256,
                "status": "failed",
                "error": error,
                "code_version": code_version,
                "cellworks_version": __version__,
                "task": task_name,
                "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        fut.release()
        yield rec


def _iter_local(scheduler: str, calls: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Dask's local schedulers; results reach the driver as each task finishes (a Callback)."""
    import queue
    import threading

    import dask
    from dask.callbacks import Callback

    done: queue.Queue[Any] = queue.Queue()
    keys = {f"cellworks-batch-{c[1].key}": i for i, c in enumerate(calls)}

    def posttask(key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if key in keys:
            done.put(result)

    graph = {k: (_run_one, *calls[i]) for k, i in keys.items()}
    box: dict[str, BaseException] = {}

    def compute() -> None:
        try:
            with Callback(posttask=posttask):
                dask.get(graph, list(keys)) if scheduler == "sync" else _processes_get(graph, list(keys))
        except BaseException as exc:  # re-raised in the driver thread
            box["exc"] = exc
        finally:
            done.put(None)

    thread = threading.Thread(target=compute, name="cellworks-batch", daemon=True)
    thread.start()
    while (rec := done.get()) is not None:
        yield rec
    thread.join()
    if "exc" in box:
        exc = box["exc"]
        if isinstance(exc, Exception):  # e.g. BrokenProcessPool: a task killed its process
            raise BatchError(
                f"the {scheduler} scheduler stopped ({_error_text(exc)}); every input finished so far "
                "is saved: rerun to complete the batch, or use the local cluster, which re-runs lost inputs"
            ) from exc
        raise exc


def _processes_get(graph: dict[str, Any], keys: list[str]) -> Any:
    import dask.multiprocessing

    return dask.multiprocessing.get(graph, keys, num_workers=available_cpus())


def run_batch(
    task: Task,
    inputs: Sequence[BatchInput | str],
    out_dir: str | Path,
    *,
    scheduler: str = "local",
    key_fn: Callable[[BatchInput], str] = default_key,
    progress: bool = True,
    options: Mapping[str, Any] | None = None,
) -> BatchReport:
    """Run ``task`` over ``inputs`` on ``scheduler`` into the Parquet dataset ``out_dir``.

    ``options``: settings the results depend on that are not visible in ``task`` (hashed into the
    code version, so changing them recomputes). Returns a :class:`BatchReport`; failed inputs are in
    ``report.failures`` and the manifest, never raised. Raises :class:`~cellworks.errors.InputError`
    for a missing input file, duplicate keys, a busy ``out_dir`` or an unreachable scheduler.
    """
    import cloudpickle

    t0 = time.perf_counter()
    if not scheduler.strip():
        raise ParameterError("scheduler must be local, processes, sync or a scheduler address", field="scheduler")
    out_dir = Path(out_dir)
    items = _normalise(inputs, key_fn)
    code_version = code_version_of(task, options)
    func: Any = task
    while isinstance(func, functools.partial):
        func = func.func
    task_name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"
    blob = cloudpickle.dumps(task)

    with _locked(out_dir):
        manifest = _Manifest(out_dir)
        todo = _plan(items, out_dir, manifest, code_version)
        n_skipped = len(items) - len(todo)
        calls = [(blob, it, str(_result_path(out_dir, it.key)), code_version, task_name) for it in todo]
        failures: list[tuple[str, str]] = []
        n_done = 0
        close: Callable[[], None] = lambda: None  # noqa: E731
        try:
            with _Progress(len(todo), n_skipped, progress) as bar:
                if not calls:
                    records: Iterator[dict[str, Any]] = iter(())
                elif scheduler in ("sync", "processes"):
                    records = _iter_local(scheduler, calls)
                else:
                    client, close = _scheduler_client(scheduler)
                    records = _iter_distributed(client, calls)
                for rec in records:
                    manifest.set(rec)
                    if rec["status"] == "ok":
                        n_done += 1
                    else:
                        failures.append((rec["input"], rec["error"]))
                    bar.update(rec["status"] == "ok")
                    manifest.write()
        finally:
            # results committed by workers whose report never reached us (interruption, broken
            # pool) are entered from their own metadata, so the manifest matches the dataset
            for it in todo:
                row = manifest.rows.get(it.key)
                if not (row and row.get("status") == "ok" and row.get("sha256") == it.sha256):
                    path = _result_path(out_dir, it.key)
                    if path.exists():
                        _adopt(it, path, manifest, code_version)
            manifest.write(force=True)
            close()
    return BatchReport(
        out_dir=out_dir,
        scheduler=scheduler,
        n_inputs=len(items),
        n_done=n_done,
        n_skipped=n_skipped,
        n_failed=len(failures),
        failures=tuple(sorted(failures)),
        wall_s=time.perf_counter() - t0,
        code_version=code_version,
    )


def clear(out_dir: str | Path) -> None:
    """Delete a batch output folder made by :func:`run_batch` (refuses any other folder)."""
    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).exists() and not (out_dir / RESULTS_DIR).exists():
        raise InputError("not a batch output folder (no manifest.parquet or results/)", file=out_dir)
    shutil.rmtree(out_dir)


def print_summary(report: BatchReport) -> None:
    """One line per failed input and a closing count, on stderr (for the CLI commands)."""
    for inp, err in report.failures:
        # an InputError's one-line message already starts with the file it names
        line = str(err) if str(err).startswith(str(inp)) else f"{inp}: {err}"
        sys.stderr.write(f"failed: {line}\n")
    sys.stderr.write(
        f"batch: {report.n_done} done, {report.n_failed} failed, {report.n_skipped} already current "
        f"of {report.n_inputs} inputs in {report.wall_s:.1f} s → {report.dataset} (manifest {report.manifest})\n"
    )


def finish_cli(report: BatchReport, *, json_out: bool = False) -> int:
    """End of a batch CLI command: failures and counts on stderr, the report as JSON on stdout
    with ``--json``. Returns the exit code: 0 when every input succeeded, 1 when some failed
    (bad input for the whole command, e.g. a missing folder, is an InputError → exit 2)."""
    from cellworks.clikit import emit_json

    print_summary(report)
    if json_out:
        emit_json(report.to_dict())
    return 0 if report.ok else 1


__all__ = [
    "BatchError",
    "available_cpus",
    "finish_cli",
    "folder_sha256",
    "start_local_cluster",
    "BatchReport",
    "MANIFEST_COLUMNS",
    "canonical_json",
    "clear",
    "code_version_of",
    "default_key",
    "discover_files",
    "print_summary",
    "read_manifest",
    "read_results",
    "run_batch",
]
