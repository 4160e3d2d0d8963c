"""Lumped thermal network of a pack: cells, their neighbours, ambient and the BMS board.

Every cell is one node (heat capacity ``CellParams.heat_capacity_J_per_K``, to ambient through
``CellParams.thermal_R_K_per_W``) laid out as an ``n_series × n_parallel`` brick: a cell touches
the cells beside it in its parallel group and the cells of the same position in the neighbouring
series groups (``cell_to_cell_K_per_W``). The BMS board is one node (``board_*``) that loses heat to
ambient and exchanges it with the cell next to each group's bleed resistor (cell 0 of the group).
A bleed resistor's heat goes partly straight into that cell (``bleed_heat_to_cell``), the rest and
the FET's into the board. Cells heat by R0·i² + Σ R_j·iR_j² and reversibly by −i·T·dU/dT.

Values for an 18650 in still air (research notes §4): C ≈ 45 J/K (45 g × 0.95–1.0 J g⁻¹ K⁻¹),
R to ambient ≈ 24 K/W (h = 10 W m⁻² K⁻¹ on 4.2e-3 m²). No public cell-to-cell or board number was
found: the defaults of the shipped scenario are estimates and say so in their ``source``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cellworks.errors import ParameterError


@dataclass(frozen=True)
class ThermalNetwork:
    """Couplings of the cell nodes with each other and with the BMS board (inf: no coupling)."""

    cell_to_cell_K_per_W: float = math.inf
    board_heat_capacity_J_per_K: float = 15.0
    board_to_ambient_K_per_W: float = math.inf  # inf: no board node
    board_to_cell_K_per_W: float = math.inf
    bleed_heat_to_cell: float = 0.0  # fraction of each bleed resistor's heat put straight into the adjacent cell
    source: str = "no coupling between cells; no board node"

    def __post_init__(self) -> None:
        for name in ("cell_to_cell_K_per_W", "board_heat_capacity_J_per_K", "board_to_ambient_K_per_W",
                     "board_to_cell_K_per_W"):
            v = getattr(self, name)
            if not (v > 0):  # also refuses NaN
                raise ParameterError(f"must be positive (inf: no coupling), got {v!r}", field=f"thermal.{name}")
        if not 0.0 <= self.bleed_heat_to_cell <= 1.0:
            raise ParameterError("a fraction in [0, 1]", field="thermal.bleed_heat_to_cell")
        if math.isinf(self.board_to_ambient_K_per_W) and math.isfinite(self.board_to_cell_K_per_W):
            raise ParameterError("a board coupled to the cells needs a path to ambient (board_to_ambient_K_per_W)",
                                 field="thermal.board_to_ambient_K_per_W")

    @property
    def has_board(self) -> bool:
        """Whether the network has a BMS-board node."""
        return math.isfinite(self.board_to_ambient_K_per_W)

    def vector(self, cell_thermal_on: bool) -> list[float]:
        """The kernel's thermal vector (layout ``TH_*``)."""
        from cellworks.pack.engine import layout as L

        v = [0.0] * L.TH_SIZE
        v[L.TH_ON] = 1.0 if cell_thermal_on else 0.0
        v[L.TH_GCC] = 0.0 if math.isinf(self.cell_to_cell_K_per_W) else 1.0 / self.cell_to_cell_K_per_W
        v[L.TH_BOARD_ON] = 1.0 if self.has_board else 0.0
        v[L.TH_CB] = self.board_heat_capacity_J_per_K
        v[L.TH_GBA] = 1.0 / self.board_to_ambient_K_per_W if self.has_board else 0.0
        v[L.TH_GBC] = 0.0 if math.isinf(self.board_to_cell_K_per_W) else 1.0 / self.board_to_cell_K_per_W
        v[L.TH_FCELL] = self.bleed_heat_to_cell
        return v
