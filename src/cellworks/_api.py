"""The top-level verbs of ``cellworks`` (``cellworks.read``, ``cellworks.summarize``).

Thin, documented entry points for a notebook user; the work is done by the part that owns it
(:mod:`cellworks.cycling`). Imported lazily by ``cellworks/__init__.py`` so ``import cellworks``
stays about a millisecond.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cellworks.cycling import CycleSummary
    from cellworks.timeseries import CyclingData


def read(path: str | Path, **options: Any) -> CyclingData:
    """Read a cycler file of any supported brand into the cellworks cycling table.

    BioLogic .mpr/.mpt, Neware .nda/.ndax, Arbin .res/.csv/.xlsx, Maccor, LAND, generic CSV/XLSX and
    cellworks Parquet are recognised by content. ``options`` are those of :func:`cellworks.cycling.read`
    (``format=``, ``column_map=``, ``active_mass_g=``, ``area_cm2=``, ``allow_truncated=``). The result
    is a :class:`cellworks.timeseries.CyclingData`: ``.table`` (pandas, units in the column names,
    current positive on charge) and ``.meta``. Impedance spectra: :func:`cellworks.eis.read_spectrum`;
    GC–MS runs: :func:`cellworks.gcms.read_run`.

    >>> import cellworks
    >>> data = cellworks.read("tests/data/cycling/test.nda")
    >>> data.meta.instrument
    'Neware'
    >>> data.table[["test_time_s", "current_A", "voltage_V"]].shape[1]
    3
    >>> bool((data.table.loc[data.table.step_type == "discharge", "current_A"] <= 0).all())  # charge > 0
    True
    """
    from cellworks.cycling import read as _read

    return _read(path, **options)


def summarize(table: CyclingData, **options: Any) -> CycleSummary:
    """Per-cycle summary (capacities, efficiencies, mean and end voltages) of a cycling table.

    ``table`` is what :func:`read` (or a simulator, ``cellworks.lis.simulate(...).data``) returns;
    ``options`` are those of :func:`cellworks.cycling.summarize` (``pairing=``, ``active_mass_g=``,
    ``area_cm2=``, ``reference_cycle=``). Coulombic efficiency is a fraction.

    >>> import cellworks
    >>> summary = cellworks.summarize(cellworks.read("tests/data/cycling/test.nda"), pairing="charge-first")
    >>> summary.pairing
    'charge-first'
    >>> "discharge_capacity_mAh" in summary.table.columns
    True
    """
    from cellworks.cycling import summarize as _summarize

    return _summarize(table, **options)
