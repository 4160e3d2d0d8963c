"""Batch tasks of ``cellworks.cycling`` for :func:`cellworks.batch.run_batch`.

Each task takes one input (a file path or a parameter mapping) and returns a pandas DataFrame.
They are module-level functions (picklable by reference on every Dask worker) and import their
heavy dependencies inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def summarize_cycling_file(
    path: str | Path,
    pairing: str = "auto",
    reference_cycle: int | None = None,
    electrode: str | None = None,
    **reader_options: Any,
) -> pd.DataFrame:
    """Batch task of ``cellworks cycling summarize DIR...``: the per-cycle summary
    (``cellworks.cycling.summary.summarize``) of one cycler file.

    Adds ``pairing`` (the pairing actually used, e.g. ``discharge-first``), ``electrode`` and
    ``reader_warning`` (the reader's warnings, e.g. a live file's cut-off last record; empty when
    none) as columns so a dataset of many files is self-explanatory. Bind options with
    ``functools.partial`` (they become part of the batch's code version).
    """
    import warnings

    from cellworks.cycling.readers import read
    from cellworks.cycling.summary import summarize

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read(path, **reader_options)
    summary = summarize(data, pairing=pairing, reference_cycle=reference_cycle, electrode=electrode)
    table = summary.table.copy()
    table["pairing"] = summary.pairing
    table["electrode"] = summary.electrode or ""
    table["reader_warning"] = "; ".join(" ".join(str(w.message).split()) for w in caught)
    return table


def simulate_and_summarize(params: Mapping[str, Any]) -> pd.DataFrame:
    """Sweep task: simulate :func:`cellworks.cycling.synthetic.synthetic_cycling` with ``params`` and return its per-cycle
    summary plus, per cycle, the voltage of the discharge dQ/dV peak (``dqdv_peak_V``)."""
    import numpy as np

    from cellworks.cycling.dqdv import dqdv_curves
    from cellworks.cycling.summary import summarize
    from cellworks.cycling.synthetic import synthetic_cycling

    data = synthetic_cycling(**dict(params))
    table = summarize(data).table.copy()
    peaks = {
        c.cycle: float(c.voltage_V[np.argmin(c.dqdv_Ah_per_V)])
        for c in dqdv_curves(data)
        if c.direction == "discharge" and len(c.voltage_V)
    }
    table["dqdv_peak_V"] = [peaks.get(int(c), np.nan) for c in table["cycle"]]
    return table


#: extensions of binary cycler formats: such a file that `detect` cannot place is corrupt (reported
#: as a failed input), while an unplaceable file of any other type is simply not a cycler file (skipped)
_BINARY_CYCLER_SUFFIXES = frozenset({".mpr", ".nda", ".ndax", ".res", ".parquet", ".xlsx"})


def cycler_files(
    paths: list[Path], *, recursive: bool = False, exclude: Path | None = None, fmt: str | None = None
) -> tuple[list[Path], list[Path]]:
    """The files of ``paths`` to summarise, and those skipped as not cycler files.

    A named file is always kept. In folders, a file is kept when ``cellworks.cycling.readers.detect``
    recognises it (or ``fmt`` is forced), or when it has a binary cycler extension (then a failed
    detection means a corrupt file, which the batch reports). Files below ``exclude`` (the output
    dataset) are never inputs.
    """
    from cellworks.batch import discover_files
    from cellworks.cycling.readers import detect
    from cellworks.errors import FileFormatError

    named = {p for p in paths if p.is_file()}
    skip_root = exclude.resolve() if exclude is not None else None
    keep: list[Path] = []
    skipped: list[Path] = []
    for f in discover_files(paths, recursive=recursive):
        if skip_root is not None and f.resolve().is_relative_to(skip_root):
            continue
        if f in named or fmt is not None:
            keep.append(f)
            continue
        try:
            detect(f)
        except (FileFormatError, OSError):
            (keep if f.suffix.lower() in _BINARY_CYCLER_SUFFIXES else skipped).append(f)
            continue
        keep.append(f)
    return keep, skipped


def default_out_dir(paths: list[Path], suffix: str) -> Path:
    """``<first folder>-<suffix>`` beside the first folder (or beside the first file's folder):
    never inside an input folder."""
    first = paths[0].resolve()
    base = first if first.is_dir() else first.parent
    return base.parent / f"{base.name}-{suffix}"
