"""Batch tasks of ``cellworks.gcms`` for :func:`cellworks.batch.run_batch`: one folder of runs per task."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


#: columns of :func:`gcms_analyze_folder` and their pandas dtypes (fixed, so every partition of
#: the dataset has the same Parquet schema)
GCMS_COLUMNS: dict[str, str] = {
    "key": "string",
    "label": "string",
    "quant_mz": "Int64",
    "identified": "boolean",
    "rt_min": "Float64",
    "sample": "string",
    "cell": "string",
    "status": "string",
    "detected": "boolean",
    "value_vol_pct": "Float64",
    "U_vol_pct": "Float64",
    "detection_limit_vol_pct": "Float64",
    "n_runs": "Int64",
    "document_value": "Float64",
    "document_U": "Float64",
    "within_U": "boolean",
}


def gcms_analyze_folder(folder: str | Path, calibration: str | Path, pattern: str = "*.cdf") -> pd.DataFrame:
    """Batch task of ``cellworks gcms analyze DIR``: one folder of runs (e.g. one day, one sample
    set) through :func:`cellworks.gcms.pipeline.analyze` with the calibration manifest ``calibration``;
    the document columns come from :func:`cellworks.gcms.table1.compare_with_table1`.

    One row per impurity and sample (columns :data:`GCMS_COLUMNS`). Bind ``calibration`` with
    ``functools.partial`` and pass ``options={"calibration": folder_sha256(<calibration folder>)}``
    to ``run_batch`` so that a new calibration recomputes every folder.
    """
    import pandas as pd

    from cellworks.errors import InputError
    from cellworks.gcms.pipeline import analyze
    from cellworks.gcms.table1 import compare_with_table1

    runs = sorted(Path(folder).glob(pattern))
    if not runs:
        raise InputError(f"no run files matching {pattern}", file=folder)
    res = compare_with_table1(analyze(runs, calibration).as_dict())
    records = []
    for row in res["rows"]:
        for sample, r in row["results"].items():
            rec = {k: row.get(k) for k in ("key", "label", "quant_mz", "identified", "rt_min")}
            rec["sample"] = sample
            rec.update({k: r.get(k) for k in GCMS_COLUMNS if k in r})
            records.append(rec)
    df = pd.DataFrame.from_records(records, columns=list(GCMS_COLUMNS))
    return df.astype(GCMS_COLUMNS)


def run_folders(paths: list[Path], *, exclude: tuple[Path, ...] = (), pattern: str = "*.cdf") -> list[Path]:
    """The folders of runs named by ``paths``: a folder holding runs (``pattern``) is one input; a
    folder without runs of its own stands for its direct sub-folders that hold runs. Folders in
    ``exclude`` (the calibration's, the output dataset) and hidden folders are never inputs."""
    from cellworks.errors import InputError

    skip = {e.resolve() for e in exclude}
    found: list[Path] = []
    for p in paths:
        if not p.is_dir():
            raise InputError("give either run files or folders of runs, not both", file=p)
        if any(p.glob(pattern)):
            candidates = [p]
        else:
            candidates = sorted(d for d in p.iterdir() if d.is_dir() and not d.name.startswith(".")
                                and any(d.glob(pattern)))
        for d in candidates:
            if d.resolve() not in skip and d not in found:
                found.append(d)
    if not found:
        raise InputError(f"no folder with run files ({pattern})", file=paths[0])
    return found
