"""Impedance spectra (``cellworks.eis``): circuit fitting in impedance.py's grammar, Lin-KK, DRT, series, readers.

Kept light: importing ``cellworks.eis`` loads no NumPy/SciPy; each name loads its module on first use::

    from cellworks.eis import read_spectrum, fit_circuit, fit_drt
    spec = read_spectrum("tests/data/eis/exampleData.csv")
    res = fit_circuit(spec.freq_Hz, spec.Z_Ohm, "R0-p(R1,C1)-p(R2-Wo1,C2)", [.01, .01, 100, .01, .05, 100, 1])
    drt = fit_drt(spec.freq_Hz, spec.Z_Ohm)
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    # circuits and fitting (impedance.py's meaning of an initial guess)
    "fit": "cellworks.eis.fitting",
    "fit_circuit": "cellworks.eis.fitting",
    "FitResult": "cellworks.eis.fitting",
    "CircuitModel": "cellworks.eis.model",
    "CustomCircuit": "cellworks.eis.model",
    "charge_transfer_resistance": "cellworks.eis.model",
    "parse_circuit": "cellworks.eis.circuits",
    "simulate": "cellworks.eis.circuits",
    "randles": "cellworks.eis.circuits",
    # validity
    "lin_kk": "cellworks.eis.kk",
    "LinKKResult": "cellworks.eis.kk",
    # distribution of relaxation times
    "fit_drt": "cellworks.eis.drt",
    "DRTResult": "cellworks.eis.drt",
    "DRTPeak": "cellworks.eis.drt",
    "zarc_drt": "cellworks.eis.drt_models",
    "hn_drt": "cellworks.eis.drt_models",
    # series of spectra
    "load_series": "cellworks.eis.series",
    "fit_series": "cellworks.eis.series",
    "SeriesResult": "cellworks.eis.series",
    # files
    "read_spectrum": "cellworks.eis.readers",
    "split_spectra": "cellworks.eis.readers",
    "Spectrum": "cellworks.eis.readers",
    "drop_positive_imag": "cellworks.eis.readers",
    "write_spectrum": "cellworks.eis.export",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
