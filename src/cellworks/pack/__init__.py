"""Series/parallel Li-ion packs (``cellworks.pack``): cell-to-cell variation, soft shorts, bleed
balancing under a BMS controller with its hardware limits, a lumped thermal network, BMS logs
(read, replay a policy against them), SOC estimation (SPKF/EKF), and the sizing arithmetic of
application note 003.

Kept light on import: the simulator (numpy, numba) loads when a name is first used::

    from cellworks.pack import load_config, simulate
"""

from __future__ import annotations

from cellworks._lazy import lazy_exports

_EXPORTS = {
    # simulation
    "simulate": "cellworks.pack.simulation",
    "SimOptions": "cellworks.pack.simulation",
    "PackResult": "cellworks.pack.result",
    "Event": "cellworks.pack.result",
    # model and parameters
    "PackDesign": "cellworks.pack.pack",
    "PackArrays": "cellworks.pack.pack",
    "uniform_arrays": "cellworks.pack.pack",
    "CellParams": "cellworks.pack.cell",
    "OcvTable": "cellworks.pack.cell",
    "ThermalNetwork": "cellworks.pack.thermal",
    "BleedCircuit": "cellworks.pack.balancing",
    "draw": "cellworks.pack.variation",
    "Variation": "cellworks.pack.variation",
    "Dist": "cellworks.pack.variation",
    "SoftShort": "cellworks.pack.variation",
    "RandomSoftShort": "cellworks.pack.variation",
    # BMS policies
    "Controller": "cellworks.pack.bms",
    "Observation": "cellworks.pack.bms",
    "ThresholdBalancer": "cellworks.pack.bms",
    "NoBalancing": "cellworks.pack.bms",
    "Select": "cellworks.pack.bms",
    "When": "cellworks.pack.bms",
    # files in
    "PackConfig": "cellworks.pack.readers.scenario",
    "load_config": "cellworks.pack.readers.scenario",
    "read_pulse_test": "cellworks.pack.readers.hppc",
    "PulseData": "cellworks.pack.readers.hppc",
    "read_bms_log": "cellworks.pack.readers.bms_log",
    "LogMap": "cellworks.pack.readers.bms_log",
    "BmsLog": "cellworks.pack.readers.bms_log",
    # logs, estimation, fitting
    "replay": "cellworks.pack.log_replay",
    "ReplayResult": "cellworks.pack.log_replay",
    "estimate_soc": "cellworks.pack.estimation",
    "FilterTuning": "cellworks.pack.estimation",
    "SocEstimate": "cellworks.pack.estimation",
    "fit_ecm": "cellworks.pack.ecm_fitting",
    "EcmFit": "cellworks.pack.ecm_fitting",
    # sizing arithmetic of note 003
    "balancing_current_report": "cellworks.pack.sizing",
    "conditioning_report": "cellworks.pack.sizing",
    "bleed_check_report": "cellworks.pack.sizing",
    "mismatch_report": "cellworks.pack.sizing",
    "mismatch_capacity_loss": "cellworks.pack.sizing",
    # figures
    "run_figure": "cellworks.pack.plots",
    "montecarlo_figure": "cellworks.pack.plots",
    "replay_figure": "cellworks.pack.plots",
    "estimate_figure": "cellworks.pack.plots",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
