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

from cellworks.batch.dataset import (
    MANIFEST,
    MANIFEST_COLUMNS,
    PARTITION,
    RESULT_FILE,
    RESULTS_DIR,
    BatchError,
    BatchReport,
    read_manifest,
    read_results,
)
from cellworks.batch.inputs import (
    BatchInput,
    Task,
    canonical_json,
    code_version_of,
    default_key,
    discover_files,
    folder_sha256,
)
from cellworks.batch.run import clear, finish_cli, print_summary, run_batch
from cellworks.batch.schedulers import available_cpus, start_local_cluster

__all__ = [
    "MANIFEST",
    "MANIFEST_COLUMNS",
    "PARTITION",
    "RESULTS_DIR",
    "RESULT_FILE",
    "BatchError",
    "BatchInput",
    "BatchReport",
    "Task",
    "available_cpus",
    "canonical_json",
    "clear",
    "code_version_of",
    "default_key",
    "discover_files",
    "finish_cli",
    "folder_sha256",
    "print_summary",
    "read_manifest",
    "read_results",
    "run_batch",
    "start_local_cluster",
]
