"""Lithium–sulfur cells (``cellworks.lis``): simulation, presets, impedance, document twins, design arithmetic.

The zero-dimensional polysulfide model of Marinescu et al. (PCCP 18 (2016) 584) with shuttle,
precipitation and the shuttle-loss fade of Marinescu et al. (JES 165 (2018) A6107), a lithium-metal
anode (finite inventory, protective layer, plating efficiency) and a lumped impedance, driven by
``cellworks.protocol`` text. Importing this package is cheap; the compiled solver loads on first use::

    from cellworks.lis import simulate
    res = simulate("marinescu2016", "Discharge at 1.7 A until 2.15 V")
    res.data.table            # the cycling table + state columns
    res.to_summary_dict()     # JSON-ready summary
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    "simulate": "cellworks.lis.simulation",
    "simulate_batch": "cellworks.lis.simulation",
    "SimulationResult": "cellworks.lis.simulation",
    "StepRecord": "cellworks.lis.simulation",
    "LiSParameters": "cellworks.lis.params",
    "get_preset": "cellworks.lis.params",
    "list_presets": "cellworks.lis.params",
    "with_overrides": "cellworks.lis.params",
    "cell_impedance": "cellworks.lis.impedance",
    "plot_run": "cellworks.lis.plots",
    "max_sulfur_loading_fraction": "cellworks.lis.design",
    "sulfur_content_from_tga": "cellworks.lis.design",
    "lithium_thickness_um": "cellworks.lis.design",
    "layer_asr_ohm_cm2": "cellworks.lis.design",
    "glass_ionic_limit": "cellworks.lis.design",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
