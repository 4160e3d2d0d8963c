"""Pack topology and per-cell parameter arrays.

A pack is ``n_series`` groups of ``n_parallel`` cells; each group has one bleed circuit. The
simulator works on arrays of shape ``(packs, n_series, n_parallel)`` built by
:func:`cellworks.pack.variation.draw` (or :func:`uniform_arrays` for identical cells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cellworks.errors import ParameterError
from cellworks.pack.balancing import BleedCircuit
from cellworks.pack.cell import CellParams
from cellworks.pack.thermal import ThermalNetwork

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class PackDesign:
    """Topology, cell, bleed hardware and thermal network of a pack."""
    n_series: int = 3
    n_parallel: int = 3
    cell: CellParams = field(default_factory=CellParams)
    bleed: BleedCircuit = field(default_factory=BleedCircuit)
    thermal: ThermalNetwork = field(default_factory=ThermalNetwork)
    voltage_basis: str = "cell"  # protocol voltages: "cell" (per group, highest/lowest) or "pack"
    source: str = "application note 003: 3-4 series × 3 parallel 18650 packs (10.8 / 14.4 V)"

    def __post_init__(self) -> None:
        if self.n_series < 1 or self.n_parallel < 1:
            raise ParameterError("a pack needs at least one series group of one cell", field="pack.series")
        if self.voltage_basis not in ("cell", "pack"):
            raise ParameterError("voltage_basis must be 'cell' or 'pack'", field="pack.voltage_basis")

    @property
    def nominal_capacity_Ah(self) -> float:
        """n_parallel × the cell's capacity (the basis of C-rates)."""
        return self.n_parallel * self.cell.capacity_Ah


@dataclass
class PackArrays:
    """Per-cell parameters of a batch of packs, shape ``(P, S, N)`` (RC arrays ``(P, S, N, n_rc)``)."""

    capacity_Ah: np.ndarray
    r0_Ohm: np.ndarray
    rc_R_Ohm: np.ndarray
    rc_tau_s: np.ndarray
    eta: np.ndarray
    leak_Ohm: np.ndarray
    leak_A: np.ndarray
    ambient_C: np.ndarray
    soc0: np.ndarray
    short_Ohm: np.ndarray  # soft short across the cell (inf: none) …
    short_onset_s: np.ndarray  # … that appears at this time of the run


    @property
    def shape(self) -> tuple[int, int, int]:
        """(packs, series groups, parallel cells)."""
        p, s, n = self.capacity_Ah.shape
        return int(p), int(s), int(n)

    def copy(self) -> PackArrays:
        """A deep copy."""
        return PackArrays(*(getattr(self, f).copy() for f in self.__dataclass_fields__))

    def packs(self, start: int, stop: int) -> PackArrays:
        """Packs ``start`` … ``stop − 1`` (copies)."""
        return PackArrays(*(getattr(self, f)[start:stop].copy() for f in self.__dataclass_fields__))


def uniform_arrays(design: PackDesign, n_packs: int = 1, soc0: float = 0.5) -> PackArrays:
    """Identical cells (the design's cell) at ``soc0``."""
    import numpy as np

    c = design.cell
    shp = (n_packs, design.n_series, design.n_parallel)
    nrc = max(len(c.rc_R_Ohm), 1)
    rcR = np.zeros(shp + (nrc,))
    rct = np.ones(shp + (nrc,))
    for j, (r, t) in enumerate(zip(c.rc_R_Ohm, c.rc_tau_s, strict=True)):
        rcR[..., j] = r
        rct[..., j] = t
    return PackArrays(
        capacity_Ah=np.full(shp, c.capacity_Ah),
        r0_Ohm=np.full(shp, c.r0_Ohm),
        rc_R_Ohm=rcR,
        rc_tau_s=rct,
        eta=np.full(shp, c.coulombic_efficiency),
        leak_Ohm=np.full(shp, c.leak_Ohm),
        leak_A=np.full(shp, c.leak_A),
        ambient_C=np.full(shp, c.ambient_C),
        soc0=np.full(shp, float(soc0)),
        short_Ohm=np.full(shp, np.inf),
        short_onset_s=np.zeros(shp),
    )


def check_arrays(arr: PackArrays) -> None:
    """Refuse impossible per-cell parameters (non-positive capacity, resistance, …)."""
    import numpy as np

    for name in ("capacity_Ah", "r0_Ohm", "leak_Ohm", "short_Ohm"):
        a = getattr(arr, name)
        if not np.all(a > 0):
            raise ParameterError(f"every cell needs a positive {name} (got min {np.nanmin(a):g})", field=name)
    if not np.all(arr.short_onset_s >= 0):
        raise ParameterError("soft-short onset times must be ≥ 0", field="short_onset_s")
    if not np.all(np.isfinite(arr.soc0)):
        raise ParameterError("initial SOC is not finite", field="soc0")
    if not np.all((arr.eta > 0) & (arr.eta <= 1)):
        raise ParameterError("coulombic efficiency must be in (0, 1]", field="eta")
