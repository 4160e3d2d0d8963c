"""EI GC–MS trace-impurity analysis (``cellworks.gcms``): runs, peaks, library identification,
isotope clusters of natural or enriched elements, isobars, calibrated quantities, detection limits.

Importing this package is light; each name loads its module on first use::

    from cellworks.gcms import identify_run, read_run
    run = read_run("tests/data/gcms/agilent-gcms-gasoline.cdf")
    report = identify_run(run)          # one compound per component, MF + RMF + RI, confidence
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    "read_run": "cellworks.gcms.readers",
    "Run": "cellworks.gcms.run",
    "find_peaks_run": "cellworks.gcms.peaks",
    "deconvolve": "cellworks.gcms.peaks",
    "load_builtin": "cellworks.gcms.library",
    "load_library": "cellworks.gcms.library",
    "read_msp": "cellworks.gcms.library",
    "write_msp": "cellworks.gcms.library",
    "match_factor": "cellworks.gcms.scores",
    "reverse_match_factor": "cellworks.gcms.scores",
    "SearchIndex": "cellworks.gcms.search",
    "identify_run": "cellworks.gcms.identification",
    "identify": "cellworks.gcms.identification",
    "IdentifyParams": "cellworks.gcms.identification",
    "library_sources": "cellworks.gcms.library",
    "centroid_run": "cellworks.gcms.run",
    "ei_search_warnings": "cellworks.gcms.run",
    "retention_index": "cellworks.gcms.retention",
    "analyze": "cellworks.gcms.pipeline",
    "Analysis": "cellworks.gcms.pipeline",
    "compare_with_table1": "cellworks.gcms.table1",
    "from_matchms": "cellworks.gcms.matchms_io",
    "to_matchms": "cellworks.gcms.matchms_io",
    "library_from_matchms": "cellworks.gcms.matchms_io",
    "components_to_matchms": "cellworks.gcms.matchms_io",
    "scan_spectrum": "cellworks.gcms.peaks",
    "boiling_point_index": "cellworks.gcms.retention",
    "parse_formula": "cellworks.gcms.isotopes",
    "isotope_pattern": "cellworks.gcms.isotopes",
    "find_isobars": "cellworks.gcms.isobars",
    "detection_limit": "cellworks.gcms.quant",
    "fit_calibration": "cellworks.gcms.quant",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
