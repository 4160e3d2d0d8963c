"""What a pack simulation returns: per-step and per-cycle statistics, hardware-limit events, and the
trace (decimated, but with every protocol step's first and last instant and the exact charge and
energy counted since the step began, so a cycling summary of the trace equals the simulator's own)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.pack.pack import PackDesign

if TYPE_CHECKING:
    import numpy as np

    from cellworks.timeseries import CyclingData


@dataclass
class StepRecord:
    """One protocol step of every pack (arrays over packs)."""

    cycle: int
    index: int
    kind: str
    text: str
    start_s: np.ndarray
    duration_s: np.ndarray
    charge_Ah: np.ndarray
    discharge_Ah: np.ndarray
    charge_Wh: np.ndarray
    discharge_Wh: np.ndarray
    reason: list[str]


@dataclass(frozen=True)
class Event:
    """A hardware limit that acted (or a set-up decision), per pack."""

    event: str
    pack: int
    steps: int  # time steps (or decisions) in which it acted; 0 for a set-up event
    first_time_s: float
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready values."""
        return {"event": self.event, "pack": self.pack, "steps": self.steps,
                "first_time_s": None if math.isnan(self.first_time_s) else self.first_time_s, "detail": self.detail}


@dataclass
class PackResult:
    """Outputs of a batch of packs (arrays have the pack index first)."""

    design: PackDesign
    steps: list[StepRecord]
    cycle_charge_Ah: np.ndarray  # (P, cycles)
    cycle_discharge_Ah: np.ndarray
    cycle_charge_Wh: np.ndarray
    cycle_discharge_Wh: np.ndarray
    cycle_bleed_Wh: np.ndarray  # energy burnt in the bleed resistors per cycle (P, cycles)
    bleed_energy_Wh: np.ndarray  # in the resistors (P,)
    bleed_fet_energy_Wh: np.ndarray
    bleed_charge_Ah: np.ndarray
    bleed_time_s: np.ndarray  # Σ over groups of the time each bleed was on (P,)
    max_resistor_power_W: np.ndarray
    max_pack_bleed_power_W: np.ndarray
    time_to_balance_s: np.ndarray  # first seen unbalanced → first measured within the threshold (NaN: never)
    cell_v_min_V: np.ndarray  # lowest group voltage seen (P,)
    cell_v_max_V: np.ndarray
    max_temperature_C: np.ndarray
    max_board_temperature_C: np.ndarray
    final_soc: np.ndarray  # (P, S, N)
    final_temperature_C: np.ndarray  # (P, S, N)
    final_time_s: np.ndarray
    events: list[Event]
    # trace (P, M, ...); M may differ per pack: n_records
    time_s: np.ndarray
    current_A: np.ndarray  # > 0 on charge (cycling-table convention)
    voltage_V: np.ndarray
    group_voltage_V: np.ndarray
    soc: np.ndarray
    bleeding: np.ndarray
    temperature_C: np.ndarray
    board_temperature_C: np.ndarray  # (P, M)
    step_charge: np.ndarray  # (P, M, 4): charge Ah, discharge Ah, charge Wh, discharge Wh since the step began
    step_number: np.ndarray  # (P, M) 1-based index into ``steps``
    n_records: np.ndarray
    records_truncated: np.ndarray  # (P,) bool: max_records was reached
    extra: dict[str, Any] = field(default_factory=dict)

    def usable_capacity_Ah(self, cycle: int = -1) -> np.ndarray:
        """Discharge capacity of a cycle (default the last) per pack."""
        return self.cycle_discharge_Ah[:, cycle]

    def soc_spread(self) -> np.ndarray:
        """max − min SOC per pack at the end."""
        flat = self.final_soc.reshape(self.final_soc.shape[0], -1)
        return flat.max(axis=1) - flat.min(axis=1)  # type: ignore[no-any-return]

    def events_of(self, pack: int) -> list[dict[str, Any]]:
        """The events of one pack as dictionaries."""
        return [e.to_dict() for e in self.events if e.pack == pack]

    def summary(self, pack: int = 0) -> dict[str, Any]:
        """Per-cycle capacities, bleed figures, limits, temperatures and events of one pack."""
        return {
            "cycles": int(self.cycle_discharge_Ah.shape[1]),
            "discharge_capacity_Ah_per_cycle": self.cycle_discharge_Ah[pack].round(6).tolist(),
            "discharge_energy_Wh_per_cycle": self.cycle_discharge_Wh[pack].round(6).tolist(),
            "charge_capacity_Ah_per_cycle": self.cycle_charge_Ah[pack].round(6).tolist(),
            "bleed_energy_Wh": float(self.bleed_energy_Wh[pack]),
            "bleed_fet_energy_Wh": float(self.bleed_fet_energy_Wh[pack]),
            "bleed_charge_Ah": float(self.bleed_charge_Ah[pack]),
            "bleed_time_h": float(self.bleed_time_s[pack] / 3600.0),
            "max_resistor_power_W": float(self.max_resistor_power_W[pack]),
            "max_pack_bleed_power_W": float(self.max_pack_bleed_power_W[pack]),
            "time_to_balance_h": _nan_none(self.time_to_balance_s[pack] / 3600.0),
            "cell_voltage_min_V": float(self.cell_v_min_V[pack]),
            "cell_voltage_max_V": float(self.cell_v_max_V[pack]),
            "max_temperature_C": float(self.max_temperature_C[pack]),
            "max_board_temperature_C": _nan_none(self.max_board_temperature_C[pack]),
            "final_soc": self.final_soc[pack].round(5).tolist(),
            "duration_h": float(self.final_time_s[pack] / 3600.0),
            "events": self.events_of(pack),
        }

    def to_cycling_data(self, pack: int = 0) -> CyclingData:
        """The pack's trace as a cellworks.timeseries table (current > 0 on charge), with per-group
        voltages, bleed states and per-cell SOC and temperature as extra columns. Capacities and
        energies are the simulator's exact per-step counters (not integrated from the samples)."""
        import numpy as np

        from cellworks.timeseries import Metadata, from_arrays

        n = int(self.n_records[pack])
        t = self.time_s[pack, :n]
        idx = np.clip(self.step_number[pack, :n].astype(int) - 1, 0, len(self.steps) - 1)
        kinds = np.array([_step_type(s.kind) for s in self.steps])
        cyc = np.array([s.cycle for s in self.steps])
        extra: dict[str, Any] = {}
        S = self.group_voltage_V.shape[2]
        N = self.soc.shape[3]
        for s in range(S):
            extra[f"group{s + 1}_voltage_V"] = self.group_voltage_V[pack, :n, s]
            extra[f"group{s + 1}_bleed_on"] = self.bleeding[pack, :n, s].astype(float)
            for k in range(N):
                extra[f"cell{s + 1}_{k + 1}_soc_fraction"] = self.soc[pack, :n, s, k]
                extra[f"cell{s + 1}_{k + 1}_temperature_C"] = self.temperature_C[pack, :n, s, k]
        # the exact counters replace the trapezoid integration of from_arrays (later keys win)
        q = self.step_charge[pack, :n]
        extra.update({"charge_capacity_Ah": q[:, 0], "discharge_capacity_Ah": q[:, 1],
                      "charge_energy_Wh": q[:, 2], "discharge_energy_Wh": q[:, 3]})
        d = self.design
        return from_arrays(
            test_time_s=t,
            current_A=self.current_A[pack, :n],
            voltage_V=self.voltage_V[pack, :n],
            step_index=idx + 1,
            cycle_index=cyc[idx],
            step_type=kinds[idx],
            meta=Metadata(
                instrument="cellworks.pack simulator",
                cell_name=f"{d.n_series}s{d.n_parallel}p pack",
                nominal_capacity_Ah=d.nominal_capacity_Ah,
            ),
            extra_columns=extra,
        )


def _nan_none(x: float) -> float | None:
    return None if not math.isfinite(float(x)) else float(x)


def _step_type(kind: str) -> str:
    return {"charge": "charge", "discharge": "discharge", "rest": "rest", "hold": "charge"}[kind]
