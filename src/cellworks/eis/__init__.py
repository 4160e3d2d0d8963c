"""cellworks.eis: impedance spectra — circuit fitting in impedance.py's grammar, Lin-KK, readers.

Kept light: importing ``cellworks.eis`` loads no NumPy/SciPy. Use the submodules::

    from cellworks.eis.fit import fit_circuit, CircuitModel, charge_transfer_resistance
    from cellworks.eis.circuits import parse_circuit, simulate
    from cellworks.eis.kk import lin_kk
    from cellworks.eis.readers import read_spectrum
"""

from __future__ import annotations

from typing import Any

__all__ = ["fit_circuit", "CircuitModel", "parse_circuit", "simulate", "lin_kk", "read_spectrum",
           "charge_transfer_resistance"]

_LAZY = {
    "fit_circuit": "cellworks.eis.fit",
    "CircuitModel": "cellworks.eis.fit",
    "charge_transfer_resistance": "cellworks.eis.fit",
    "parse_circuit": "cellworks.eis.circuits",
    "simulate": "cellworks.eis.circuits",
    "lin_kk": "cellworks.eis.kk",
    "read_spectrum": "cellworks.eis.readers",
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'cellworks.eis' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(mod), name)
