"""The batch folder on disk: result files, the manifest, the lock, and the report of a run.

``out_dir/results/input_key=<key>/part-0.parquet`` holds one input's result (self-describing: its
schema metadata records the input, its SHA-256 and the code version); ``out_dir/manifest.parquet``
one row per input. Both are written atomically (:mod:`cellworks._io`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks._io import atomic_write, claim_output_dir, sweep_stale_temps
from cellworks.batch.inputs import _Item
from cellworks.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

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

def _write_result(df: pd.DataFrame, path: Path, item: _Item, code_version: str, task_name: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps({**item.provenance(code_version, task_name), "rows": len(df)}).encode()
    table = table.replace_schema_metadata(meta)
    # temporary ".part-0.parquet.tmp.<host>-<pid>.<random>" beside the target (hidden: ignored by
    # every dataset reader),
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
    # created (and declared to the CLI's output guard) under the same rules as every output:
    # its parent must exist unless --mkdir; it must not be an input
    claim_output_dir(out_dir)
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
    # temporary files of killed writers start with "." and are removed here (the lock says no
    # other batch writes here; a writer of this host that is still alive keeps its file)
    sweep_temps(out_dir)
    return todo


def sweep_temps(out_dir: Path) -> None:
    """Remove the temporary files killed writers left in a batch folder (ours only)."""
    sweep_stale_temps(out_dir)
    sweep_stale_temps(out_dir / RESULTS_DIR, recursive=True)
    # the naming of cellworks < 0.2 (".part-0.parquet.<random>.tmp")
    legacy = [*(out_dir / RESULTS_DIR).glob(f"{PARTITION}=*/.*.tmp"), *out_dir.glob(f".{MANIFEST}.*.tmp")]
    for tmp in legacy:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


