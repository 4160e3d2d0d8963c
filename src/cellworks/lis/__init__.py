"""Lithium–sulfur cells (``cellworks.lis``): two models, presets, document twins, curve fits, design arithmetic.

Two zero-dimensional models share one compiled solver, protocol, result table and parameter
conventions (``list_models()``): ``marinescu2016`` — the two-reaction model of Marinescu, Zhang &
Offer (PCCP 18 (2016) 584), the verified anchor — and ``chain3`` — three reactions to Li₂S with
Li₂S blocking and passivation, polysulfide-dependent resistance, a transport-limited shuttle and a
lithium anode whose polarisation rises as it runs out. Importing this package is cheap; the
compiled solver loads on first use::

    from cellworks.lis import simulate
    res = simulate("marinescu2016", "Discharge at 1.7 A until 2.15 V")
    res.data.table            # the cycling table + state columns
    res.to_summary_dict()     # JSON-ready summary
    simulate("chain3_literature", "Discharge at 0.2C until 1.5 V").steps[0].capacity_Ah
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
    "Chain3Parameters": "cellworks.lis.chain3",
    "list_models": "cellworks.lis.models",
    "get_model": "cellworks.lis.models",
    "describe_preset": "cellworks.lis.describe",
    "fit_curves": "cellworks.lis.curvefit",
    "read_curve": "cellworks.lis.readers.curves",
    "run_fit": "cellworks.lis.fit",
    "reproduce_zhang2016": "cellworks.lis.twins.reproduce",
    "reproduce_polyplus": "cellworks.lis.twins.reproduce",
    "run_twin": "cellworks.lis.twins.mechanisms",
    "zhang2016_cell": "cellworks.lis.twins.targets",
    "polyplus_catholyte": "cellworks.lis.catholyte",
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
