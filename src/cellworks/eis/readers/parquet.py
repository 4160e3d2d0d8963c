"""Impedance tables in Parquet: cellworks' own layout and the long layout of PyBOP/ep_bolfi.

* cellworks (:func:`cellworks.eis.export.write_spectrum`): columns ``freq_Hz``, ``z_real_Ohm``,
  ``z_imag_Ohm`` and, for several spectra, ``spectrum`` (an integer label per row).
* PyBOP / ep_bolfi (``read_parquet_table``), e.g. the LG MJ1 SOC series of Kuhn et al. 2026: one row per
  (spectrum, frequency) with ``indices``, ``frequencies [Hz]``, ``real_impedances [Ω]``,
  ``imaginary_impedances [Ω]`` (signed, negative for capacitive arcs).

Spectra are numbered 1, 2, … in order of first appearance (``meta["cycle"]``, the same key as
BioLogic loops); the labels found in the file are kept in ``meta["spectrum_labels"]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cellworks.eis.readers._common import Spectrum
from cellworks.errors import FileFormatError

_LAYOUTS = (
    ("cellworks", "freq_Hz", "z_real_Ohm", "z_imag_Ohm", "spectrum"),
    ("pybop", "frequencies [Hz]", "real_impedances [Ω]", "imaginary_impedances [Ω]", "indices"),
)


def read_parquet(path: str | Path) -> Spectrum:
    """An impedance table in Parquet (layouts in the module docstring); several spectra become cycles."""
    import pyarrow.parquet as pq

    p = Path(path)
    try:
        table = pq.read_table(p)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileFormatError(f"cannot read Parquet: {exc}", file=p) from None
    names = set(table.column_names)
    layout = next((lay for lay in _LAYOUTS if set(lay[1:4]) <= names), None)
    if layout is None:
        raise FileFormatError("no impedance columns (freq_Hz, z_real_Ohm, z_imag_Ohm or PyBOP's "
                              f"frequencies [Hz], ...); columns: {', '.join(sorted(names))}", file=p)
    fmt, c_f, c_re, c_im, c_lab = layout
    f = np.asarray(table.column(c_f).to_numpy(zero_copy_only=False), dtype=float)
    zr = np.asarray(table.column(c_re).to_numpy(zero_copy_only=False), dtype=float)
    zi = np.asarray(table.column(c_im).to_numpy(zero_copy_only=False), dtype=float)
    if f.size == 0:
        raise FileFormatError("no impedance data points", file=p)
    bad = np.flatnonzero(~(np.isfinite(f) & np.isfinite(zr) & np.isfinite(zi)))
    if bad.size:
        raise FileFormatError("non-finite value", file=p, record=f"row {int(bad[0])}")
    nonpos = np.flatnonzero(f <= 0)
    if nonpos.size:
        raise FileFormatError(f"frequency must be > 0 Hz, got {f[nonpos[0]]}", file=p, record=f"row {int(nonpos[0])}",
                              field=c_f)
    meta: dict[str, object] = {"layout": fmt}
    if c_lab in names:
        labels = np.asarray(table.column(c_lab).to_numpy(zero_copy_only=False))
        uniq, first = np.unique(labels, return_index=True)
        order = uniq[np.argsort(first)]  # labels in order of appearance
        number = {lab: k + 1 for k, lab in enumerate(order.tolist())}
        meta["cycle"] = np.array([number[v] for v in labels.tolist()], dtype=int)
        meta["spectrum_labels"] = order.tolist()
        meta["label_name"] = c_lab
    return Spectrum(f, zr + 1j * zi, str(p), f"parquet-{fmt}", meta)
