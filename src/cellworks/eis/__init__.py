"""Impedance spectra (``cellworks.eis``): circuit fitting in impedance.py's grammar, Lin-KK, readers.

Kept light: importing ``cellworks.eis`` loads no NumPy/SciPy; each name loads its module on first use::

    from cellworks.eis import read_spectrum, fit_circuit
    spec = read_spectrum("tests/data/eis/exampleData.csv")
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    "fit_circuit": "cellworks.eis.fit",
    "CircuitModel": "cellworks.eis.fit",
    "FitResult": "cellworks.eis.fit",
    "charge_transfer_resistance": "cellworks.eis.fit",
    "parse_circuit": "cellworks.eis.circuits",
    "simulate": "cellworks.eis.circuits",
    "randles": "cellworks.eis.circuits",
    "lin_kk": "cellworks.eis.kk",
    "read_spectrum": "cellworks.eis.readers",
    "Spectrum": "cellworks.eis.readers",
    "drop_positive_imag": "cellworks.eis.readers",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
