"""Lithium–sulfur cell simulation (``cellworks.lis``).

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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cellworks.lis.params import LiSParameters
    from cellworks.lis.simulation import SimulationResult
    from cellworks.protocol import Protocol


def simulate(params: LiSParameters | str, protocol: str | Protocol, **options: Any) -> SimulationResult:
    """Simulate a cell through a protocol; see :func:`cellworks.lis.simulation.simulate`."""
    from cellworks.lis.simulation import simulate as _simulate

    return _simulate(params, protocol, **options)


def simulate_batch(params_list: Any, protocol: str | Protocol, **options: Any) -> list[SimulationResult]:
    """Many parameter sets through one protocol in parallel; see :func:`cellworks.lis.simulation.simulate_batch`."""
    from cellworks.lis.simulation import simulate_batch as _batch

    return _batch(params_list, protocol, **options)


def __getattr__(name: str) -> Any:
    if name in ("SimulationResult", "StepRecord"):
        from cellworks.lis import simulation as _m

        return getattr(_m, name)
    if name in ("LiSParameters", "get_preset", "list_presets"):
        from cellworks.lis import params as _p

        return getattr(_p, name)
    raise AttributeError(f"module 'cellworks.lis' has no attribute {name!r}")


__all__ = ["LiSParameters", "SimulationResult", "StepRecord", "get_preset", "list_presets", "simulate", "simulate_batch"]
