"""The worker side of a batch: run the task on one input and commit its result; never raise."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cellworks.batch.dataset import PARTITION, _relative_output, _write_result
from cellworks.batch.inputs import Task, _Item
from cellworks.errors import InputError

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
    record: dict[str, Any] = {**item.provenance(code_version, task_name), "error": None, "output": None, "rows": None}
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


