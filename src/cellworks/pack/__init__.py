"""Series/parallel Li-ion packs (``cellworks.pack``): cell-to-cell variation, soft shorts, bleed
balancing under a BMS controller, and the sizing arithmetic of application note 003.

Kept light on import: the simulator (numpy, numba) loads when a name is first used::

    from cellworks.pack import load_config, simulate
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    "simulate": "cellworks.pack.simulation",
    "SimOptions": "cellworks.pack.simulation",
    "PackResult": "cellworks.pack.result",
    "PackDesign": "cellworks.pack.pack",
    "CellParams": "cellworks.pack.cell",
    "PackConfig": "cellworks.pack.readers.scenario",
    "load_config": "cellworks.pack.readers.scenario",
    "draw": "cellworks.pack.variation",
    "Variation": "cellworks.pack.variation",
    "SoftShort": "cellworks.pack.variation",
    "ThresholdBalancer": "cellworks.pack.bms",
    "NoBalancing": "cellworks.pack.bms",
    "BleedCircuit": "cellworks.pack.balancing",
    "balancing_current_report": "cellworks.pack.sizing",
    "conditioning_report": "cellworks.pack.sizing",
    "bleed_check_report": "cellworks.pack.sizing",
    "fit_ecm": "cellworks.pack.ecm_fitting",
    "read_pulse_test": "cellworks.pack.ecm_fitting",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
