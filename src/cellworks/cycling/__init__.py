"""Measured cycling data: instrument files → one table → per-cycle analysis.

* ``cellworks.cycling.readers`` — every common cycler format into a
  :class:`cellworks.timeseries.CyclingData` (``read(path)``, ``detect(path)``).
* :mod:`cellworks.cycling.cycles` — pairing of half-cycles into cycles (an explicit choice:
  ``discharge-first``, ``charge-first``, ``auto`` or ``instrument``) and the per-cycle summary.
* :mod:`cellworks.cycling.rate` — rate table (cycles grouped by current per gram).
* :mod:`cellworks.cycling.plateaus` — Li–S upper/lower discharge-plateau split.
* :mod:`cellworks.cycling.dqdv` — incremental capacity dQ/dV by voltage binning.
* :mod:`cellworks.cycling.plots` — figures; :mod:`cellworks.cycling.cli` — ``cellworks cycling``.

Nothing heavy is imported here: ``import cellworks.cycling`` stays fast.
"""

from __future__ import annotations

__all__: list[str] = []
