"""Compiled core of the pack simulator (numba, ``cache=True``).

* :mod:`~cellworks.pack.engine.layout` — index names of the small parameter vectors (no numba);
* :mod:`~cellworks.pack.engine.state` — the kernel's inputs as named tuples of arrays (cells,
  model, pack state, step, outputs, records) instead of dozens of positional arrays;
* :mod:`~cellworks.pack.engine.cells` — cell sources, bleed paths, the cell and thermal update;
* :mod:`~cellworks.pack.engine.control` — the balancing decision and the hardware limits;
* :mod:`~cellworks.pack.engine.kernel` — :func:`run_step`, one protocol step for a batch of packs.

Importing this package loads nothing heavy; the submodules import numba.
"""
