"""The everyday verb of ``cellworks.gcms``: :func:`identify` (a file or a run in, identified components out).

A thin entry point over the part's public API (``read_run``, ``load_builtin``, ``identify_run``) for a
notebook user who guesses ``cellworks.gcms.identify(path)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def identify(run: Any, library: Any = None, **options: Any) -> dict[str, Any]:
    """Find, deconvolve and identify the components of a GC–MS run against a spectral library.

    ``run`` is a file (ANDI/AIA netCDF, JCAMP-DX, CSV scans, mzML; read with
    :func:`cellworks.gcms.read_run`) or an already read run; ``library`` defaults to the built-in EI
    library. ``options`` go to :func:`cellworks.gcms.identify_run` (e.g. ``t_range_s=(60, 480)``).
    Returns the JSON-ready report: ``report["components"]``, each with its retention time and best hit.

    >>> import cellworks
    >>> report = cellworks.gcms.identify("tests/data/gcms/agilent-gcms-gasoline.cdf", t_range_s=(235.0, 265.0))
    >>> any(c["best"]["name"] == "Toluene" for c in report["components"] if c.get("best"))  # 4.17 min
    True
    """
    from cellworks.gcms import identify_run, load_builtin, read_run

    if isinstance(run, (str, Path)):
        run = read_run(run)
    return identify_run(run, load_builtin() if library is None else library, **options)
