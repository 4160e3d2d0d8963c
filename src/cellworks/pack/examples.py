"""The worked examples of application note 003, simulated.

* :func:`soft_short_example` — two cells in series at 40 % SOC; cell 1 has a soft short that drains
  3 %/month; after three months (40 % → 31 %) the pack loses 9 % of its capacity; a conditioning
  cycle with bleed balancing recovers it.
* :func:`conditioning_example` — the note's conditioning arithmetic (42 Ω, 100 mA, 0.42 W,
  300 mAh in 3 h = 15 % of 2000 mAh; 5 % and 10 % of 6000 mAh) beside a simulation of the same
  bleed on a real (falling) cell voltage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.pack import bms
from cellworks.pack.cell import CellParams, leak_resistance_for_drain
from cellworks.pack.pack import PackDesign, uniform_arrays
from cellworks.pack.simulation import PackResult, SimOptions, simulate
from cellworks.pack.sizing import conditioning_report

if TYPE_CHECKING:
    import numpy as np

SOFT_SHORT_CYCLES = (
    "(Discharge at C/5 until 2.5 V, Rest for 1 hour, Charge at C/5 until 4.2 V, Hold at 4.2 V until C/50, "
    "Rest for 1 hour) * 2, Discharge at C/5 until 2.5 V"
)


@dataclass(frozen=True)
class SoftShortRuns:
    """The four runs of the soft-short example and its report."""
    storage: PackResult
    reference: PackResult
    unbalanced: PackResult
    balanced: PackResult
    report: dict[str, Any]


def soft_short_example(
    drain_per_month: float = 0.03,
    months: float = 3.0,
    soc0: float = 0.40,
    threshold_V: float = 0.010,
    cell: CellParams | None = None,
    options: SimOptions | None = None,
) -> SoftShortRuns:
    """Note 003's two-cell soft-short example: storage, then cycles with and without balancing."""
    import numpy as np

    c = cell or CellParams()
    design = PackDesign(n_series=2, n_parallel=1, cell=c)
    z_end = soc0 - drain_per_month * months
    v_mean = float(np.mean(c.ocv(np.linspace(z_end, soc0, 101))))
    r_leak = leak_resistance_for_drain(drain_per_month, c.capacity_Ah, v_mean)
    arr = uniform_arrays(design, 1, soc0)
    arr.leak_Ohm[0, 0, 0] = r_leak
    opts = options or SimOptions(record_every_s=300.0)
    storage = simulate(design, arr, f"Rest for {months * 30.436875:g} days", options=opts)
    after = arr.copy()
    after.soc0 = storage.final_soc.copy()
    ref_arr = uniform_arrays(design, 1, soc0)
    reference = simulate(design, ref_arr, SOFT_SHORT_CYCLES, options=opts)
    unbalanced = simulate(design, after, SOFT_SHORT_CYCLES, options=opts)
    ctrl = bms.ThresholdBalancer(threshold_V=threshold_V, select=bms.Select.ABOVE_MIN, when=bms.When.CHARGE,
                                 conditioning_cycles=1)
    balanced = simulate(design, after, SOFT_SHORT_CYCLES, ctrl, options=opts)
    q_ref = float(reference.cycle_discharge_Ah[0, -1])
    q_un = float(unbalanced.cycle_discharge_Ah[0, -1])
    q_bal = float(balanced.cycle_discharge_Ah[0, -1])
    cap = c.capacity_Ah
    report = {
        "pack": "2s1p, application note 003 soft-short example",
        "cell_capacity_mAh": cap * 1e3,
        "soft_short_Ohm": r_leak,
        "soft_short_current_mA": v_mean / r_leak * 1e3,
        "drain_percent_per_month": drain_per_month * 100,
        "soc_after_storage_percent": (storage.final_soc[0, :, 0] * 100).round(3).tolist(),
        "capacity_reference_mAh": q_ref * 1e3,
        "capacity_without_balancing_mAh": q_un * 1e3,
        "capacity_with_balancing_mAh": q_bal * 1e3,
        # the note counts the loss in % of rated capacity (SOC percent), as here
        "loss_without_balancing_percent": (q_ref - q_un) / cap * 100,
        "loss_with_balancing_percent": (q_ref - q_bal) / cap * 100,
        "loss_without_balancing_percent_of_usable": (q_ref - q_un) / q_ref * 100,
        "note_loss_percent": 9.0,
        "balancing": {
            "threshold_mV": threshold_V * 1e3,
            "bleed_resistor_Ohm": design.bleed.resistor_Ohm,
            "bleed_charge_mAh": float(balanced.bleed_charge_Ah[0] * 1e3),
            "bleed_energy_Wh": float(balanced.bleed_energy_Wh[0]),
            "max_resistor_power_W": float(balanced.max_resistor_power_W[0]),
            "time_to_balance_h": _none_if_nan(float(balanced.time_to_balance_s[0]) / 3600.0),
        },
        "protocol": SOFT_SHORT_CYCLES,
    }
    return SoftShortRuns(storage, reference, unbalanced, balanced, report)


def _none_if_nan(x: float) -> float | None:
    return None if x != x else x


@dataclass(frozen=True)
class BleedCell(bms.Controller):
    """A user policy: keep the bleed of one group on (conditioning with the load removed)."""

    group: int = 0
    when: bms.When = bms.When.ALWAYS

    def decide(self, obs: bms.Observation) -> np.ndarray:
        """Bleed the chosen group, always."""
        import numpy as np

        on = np.zeros(len(obs.v_measured_V), bool)
        on[self.group] = True
        return on


def conditioning_example(pack_mAh: float = 2000.0, hours: float = 3.0) -> dict[str, Any]:
    """The note's arithmetic plus a simulated 3 h bleed of cell 1 (full) through 42 Ω."""
    from cellworks.pack.balancing import BleedCircuit

    rep = conditioning_report(pack_mAh / 1000.0, discharge_hours=hours, charge_hours=hours)
    n_par = max(1, round(pack_mAh / 2000.0))
    cell = CellParams()
    design = PackDesign(n_series=3, n_parallel=n_par, cell=cell,
                        bleed=BleedCircuit(resistor_Ohm=rep["bleed_resistance_Ohm"] - 0.5, fet_on_Ohm=0.5))
    arr = uniform_arrays(design, 1, 0.85)
    arr.soc0[0, 0, :] = 1.0
    res = simulate(design, arr, f"Rest for {hours:g} hours", BleedCell(group=0, measure_period_s=60.0),
                   SimOptions(dt_s=10.0, record=False))
    removed_Ah = float(res.bleed_charge_Ah[0])
    rep["simulated"] = {
        "pack": f"3s{n_par}p of 2000 mAh cells, cell 1 full, bleed on for {hours:g} h with the load removed",
        "removed_mAh": removed_Ah * 1e3,
        "corrected_percent": removed_Ah / (pack_mAh / 1000.0) * 100,
        "max_resistor_power_W": float(res.max_resistor_power_W[0]),
        "note": "the cell voltage falls below 4.20 V as it discharges, so slightly less than 100 mA flows",
    }
    return rep
