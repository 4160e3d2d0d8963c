"""EI GC–MS: runs, peaks, library identification (part 1) and isotope clusters, isobars,
quantification (part 2).

Importing this package is light: the submodules (``run``, ``readers``, ``peaks``, ``library``,
``scores``, ``search``, ...) import numpy/scipy themselves and are loaded on first use.

Typical use::

    from cellworks.gcms.readers import read_run
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.peaks import find_peaks_tic
    run = read_run("sample.cdf")
    lib = load_builtin()
"""

from __future__ import annotations

__all__ = ["run", "readers", "peaks", "library", "scores", "search", "spectrum"]
