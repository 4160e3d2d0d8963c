"""Batch tasks of ``cellworks.eis`` for :func:`cellworks.batch.run_batch`.

Each task takes one input (a file path) and returns a pandas DataFrame; bind the options with
``functools.partial`` (they become part of the batch's code version)::

    from functools import partial
    from cellworks.batch import run_batch
    from cellworks.eis.tasks import fit_series_file
    run_batch(partial(fit_series_file, circuit="R0-p(R1,CPE1)-W1"), ["cell_a.mpr", "cell_b.mpr"], "out/")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def fit_series_file(
    path: str | Path,
    circuit: str,
    initial_guess: Sequence[float] | None = None,
    constants: dict[str, float] | None = None,
    weight: str = "none",
    n_starts_each: int = 16,
    f_min_Hz: float | None = None,
    f_max_Hz: float | None = None,
    with_drt: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """Batch task of ``cellworks eis series``: fit every spectrum of one multi-spectrum file.

    Returns the series table (:meth:`cellworks.eis.series.SeriesResult.table`: one row per spectrum with
    its Lin-KK verdict, χ², each parameter and its standard error) with the file name in ``file``.
    ``f_min_Hz``/``f_max_Hz`` crop every spectrum; further ``options`` go to
    :func:`cellworks.eis.series.fit_series`.
    """
    import numpy as np

    from cellworks.eis.readers import Spectrum
    from cellworks.eis.series import fit_series, load_series
    from cellworks.errors import ParameterError

    spectra, label_name = load_series(path)
    if f_min_Hz is not None or f_max_Hz is not None:
        lo = 0.0 if f_min_Hz is None else f_min_Hz
        hi = np.inf if f_max_Hz is None else f_max_Hz
        cropped = []
        for label, s in spectra:
            keep = (s.freq_Hz >= lo) & (s.freq_Hz <= hi)
            if int(keep.sum()) < 3:
                raise ParameterError(f"spectrum {label}: fewer than 3 points between {lo:g} and {hi:g} Hz",
                                     field="f_max_Hz")
            cropped.append((label, Spectrum(s.freq_Hz[keep], s.Z_Ohm[keep], s.file, s.format, s.meta)))
        spectra = cropped
    res = fit_series(spectra, circuit, initial_guess, constants, weight=weight, n_starts_each=n_starts_each,
                     with_drt=with_drt, source=str(path), label_name=label_name, **options)
    table = res.table()
    table.insert(0, "file", Path(path).name)
    return table
