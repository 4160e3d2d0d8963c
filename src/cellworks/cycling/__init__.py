"""Measured cycling data (``cellworks.cycling``): instrument files → one table → per-cycle analysis.

* :func:`read` / :func:`detect` — every common cycler format into a :class:`cellworks.timeseries.CyclingData`.
* :func:`summarize` — half-cycles paired into cycles (an explicit choice: ``discharge-first``,
  ``charge-first``, ``auto`` or ``instrument``; ``electrode`` cathode/anode/full) and the per-cycle
  summary, each cycle complete or not (and why).
* :func:`rate_table`, :func:`split_discharge` / :func:`plateau_table` (Li–S plateaus), :func:`dqdv_curves`.
* :func:`read_mpr_columns` — the raw columns of a BioLogic .mpr (also used by ``cellworks.eis``).
* :func:`write_table` — the table as BDF (CSV/Parquet), cellpy's or navani's table, or cellworks Parquet.

Nothing heavy is imported here: ``import cellworks.cycling`` stays fast.
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    "read": "cellworks.cycling.readers",
    "detect": "cellworks.cycling.readers",
    "read_mpr_columns": "cellworks.cycling.readers.biologic",
    "summarize": "cellworks.cycling.summary",
    "CycleSummary": "cellworks.cycling.summary",
    "pair_steps": "cellworks.cycling.cycles",
    "rate_table": "cellworks.cycling.rate",
    "split_discharge": "cellworks.cycling.plateaus",
    "plateau_table": "cellworks.cycling.plateaus",
    "PlateauParams": "cellworks.cycling.plateaus",
    "dqdv_curves": "cellworks.cycling.dqdv",
    "DqdvParams": "cellworks.cycling.dqdv",
    "plot_capacity": "cellworks.cycling.plots",
    "plot_profiles": "cellworks.cycling.plots",
    "plot_rate": "cellworks.cycling.plots",
    "plot_dqdv": "cellworks.cycling.plots",
    "synthetic_cycling": "cellworks.cycling.synthetic",
    "write_table": "cellworks.cycling.export",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
