"""Sizing arithmetic of bleed balancing (application note 003, "Power dissipation requirements",
"Cell balancing theory" and "One time SOC adjustment"). Pure Python, SI units in, SI units out.
"""

from __future__ import annotations

import math
from typing import Any

from cellworks.errors import ParameterError
from cellworks.pack.balancing import check_bleed_path


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ParameterError(f"must be a positive number, got {value!r}", field=name)


def _non_negative(name: str, value: float, allow_inf: bool = False) -> None:
    ok = isinstance(value, (int, float)) and value >= 0 and (math.isfinite(value) or allow_inf)
    if not ok:
        raise ParameterError(f"must be a number ≥ 0{' (or inf)' if allow_inf else ''}, got {value!r}", field=name)


def balancing_current_A(capacity_Ah: float, parallel: int, imbalance: float, hours: float) -> float:
    """Current that corrects ``imbalance`` (fraction) of a group of ``parallel`` cells of
    ``capacity_Ah`` in ``hours``: I = imbalance × C × N_p / t (20 % × 2000 mAh × 3 / 1 h = 1200 mA)."""
    _positive("capacity_Ah", capacity_Ah)
    _positive("hours", hours)
    if parallel < 1:
        raise ParameterError("parallel count must be ≥ 1", field="parallel")
    if not 0 < imbalance <= 1:
        raise ParameterError("imbalance is a fraction in (0, 1] (0.20 for 20 %)", field="imbalance")
    return imbalance * capacity_Ah * parallel / hours


def bleed_resistor_Ohm(cell_voltage_V: float, current_A: float) -> float:
    """R₁ + R_T1 that draws ``current_A`` at ``cell_voltage_V`` (4.20 V / 100 mA = 42 Ω)."""
    _positive("cell_voltage_V", cell_voltage_V)
    _positive("current_A", current_A)
    return cell_voltage_V / current_A


def dissipation_W(cell_voltage_V: float, current_A: float) -> float:
    """P = V·I (0.100 A × 4.20 V = 0.42 W)."""
    _positive("cell_voltage_V", cell_voltage_V)
    _positive("current_A", current_A)
    return cell_voltage_V * current_A


def charge_removed_Ah(current_A: float, hours: float) -> float:
    """Charge a bleed of ``current_A`` removes in ``hours``."""
    _positive("current_A", current_A)
    _positive("hours", hours)
    return current_A * hours


def correction_fraction(current_A: float, hours: float, capacity_Ah: float) -> float:
    """Fraction of ``capacity_Ah`` corrected by bleeding ``current_A`` for ``hours`` (300 mAh of 2000 = 15 %)."""
    _positive("capacity_Ah", capacity_Ah)
    return current_A * hours / capacity_Ah


def discharge_resistance_Ohm(resistor_Ohm: float, fet_on_Ohm: float, load_Ohm: float) -> float:
    """Equivalent discharge resistance of a bleed path in parallel with a load:
    R_discharge = (R₁ + R_T1)·R_load / (R₁ + R_T1 + R_load)."""
    _non_negative("resistor_Ohm", resistor_Ohm)
    _non_negative("fet_on_Ohm", fet_on_Ohm)
    _non_negative("load_Ohm", load_Ohm, allow_inf=True)
    r = resistor_Ohm + fet_on_Ohm
    if r <= 0 or load_Ohm <= 0:
        raise ParameterError("resistances must be positive", field="resistor_Ohm" if r <= 0 else "load_Ohm")
    if math.isinf(load_Ohm):
        return r
    return r * load_Ohm / (r + load_Ohm)


def bleed_fraction_of_discharge(resistor_Ohm: float, fet_on_Ohm: float, load_Ohm: float) -> float:
    """Share of the balanced cell's discharge current that flows through the bleed path."""
    discharge_resistance_Ohm(resistor_Ohm, fet_on_Ohm, load_Ohm)  # the same checks
    r = resistor_Ohm + fet_on_Ohm
    return 1.0 if math.isinf(load_Ohm) else load_Ohm / (r + load_Ohm)


def balancing_current_report(capacity_Ah: float, parallel: int, imbalance: float, hours: float,
                             cell_voltage_V: float = 4.0) -> dict[str, Any]:
    """The note's balancing-current arithmetic (20 % × 2000 mAh × 3 / 1 h = 1200 mA) as a report."""
    i = balancing_current_A(capacity_Ah, parallel, imbalance, hours)
    r = bleed_resistor_Ohm(cell_voltage_V, i)
    return {
        "capacity_mAh": capacity_Ah * 1e3,
        "parallel": parallel,
        "imbalance_percent": imbalance * 100,
        "hours": hours,
        "balancing_current_mA": i * 1e3,
        "cell_voltage_V": cell_voltage_V,
        "dissipation_W": dissipation_W(cell_voltage_V, i),
        "bleed_resistance_Ohm": r,
        "practical_range_mA": [50, 150],
        "source": "application note 003: I = imbalance × C × parallel / time",
    }


def conditioning_report(pack_capacity_Ah: float, cell_voltage_V: float = 4.20, current_A: float = 0.100,
                        discharge_hours: float = 3.0, charge_hours: float = 3.0) -> dict[str, Any]:
    """The note's conditioning arithmetic: resistor, power, charge removed in one discharge and
    the fraction corrected by one discharge and by one discharge plus one charge with the bleed on."""
    r = bleed_resistor_Ohm(cell_voltage_V, current_A)
    removed = charge_removed_Ah(current_A, discharge_hours)
    per_dis = correction_fraction(current_A, discharge_hours, pack_capacity_Ah)
    per_cycle = correction_fraction(current_A, discharge_hours + charge_hours, pack_capacity_Ah)
    return {
        "pack_capacity_mAh": pack_capacity_Ah * 1e3,
        "cell_voltage_V": cell_voltage_V,
        "bleed_resistance_Ohm": r,
        "bleed_current_mA": current_A * 1e3,
        "dissipation_W": dissipation_W(cell_voltage_V, current_A),
        "discharge_hours": discharge_hours,
        "removed_per_discharge_mAh": removed * 1e3,
        "corrected_per_discharge_percent": per_dis * 100,
        "charge_hours": charge_hours,
        "corrected_per_discharge_and_charge_percent": per_cycle * 100,
        "source": "application note 003, 'One time' SOC adjustment",
    }


def bleed_check_report(cell_voltage_V: float, resistor_Ohm: float, fet_on_Ohm: float,
                       resistor_rating_W: float = math.inf) -> dict[str, Any]:
    """Power in a bleed path; raises ParameterError (with the reason) if it is destructive."""
    res = check_bleed_path(cell_voltage_V, resistor_Ohm, fet_on_Ohm, resistor_rating_W)
    return {"cell_voltage_V": cell_voltage_V, "resistor_Ohm": resistor_Ohm, "fet_on_Ohm": fet_on_Ohm,
            "current_mA": res["current_A"] * 1e3, "power_W": res["power_W"],
            "resistor_power_W": res["resistor_power_W"], "fet_power_W": res["fet_power_W"], "ok": True}


#: application note 003: "a 150 mV difference at full charge … could result in a 13-18 % reduction"
NOTE_MISMATCH_MV = 150.0
NOTE_MISMATCH_LOSS_PERCENT = (13.0, 18.0)


def mismatch_capacity_loss(delta_V: float, ocv: Any, full_V: float | None = None) -> float:
    """Fraction of pack capacity lost when one cell reads ``delta_V`` below the others at full
    charge: on discharge it empties first, short of the others by the SOC between OCV⁻¹(full) and
    OCV⁻¹(full − ΔV) on the curve ``ocv`` (an :class:`~cellworks.pack.cell.OcvTable`; full = its
    OCV at 100 % SOC unless given)."""
    _positive("delta_V", delta_V)
    top = float(ocv.at(1.0)) if full_V is None else full_V
    _positive("full_V", top)
    if top - delta_V <= float(ocv.at(0.0)):
        raise ParameterError(f"{top - delta_V:.3g} V is below the curve's empty voltage", field="delta_V")
    return float(ocv.soc_at(top) - ocv.soc_at(top - delta_V))


def mismatch_report(delta_V: float, ocv: Any, full_V: float | None = None) -> dict[str, Any]:
    """The note's 150 mV → 13–18 % figure on a stated OCV curve, with the curve's V_mid beside the note's."""
    from cellworks.pack.cell import NOTE_V_MID_V

    loss = mismatch_capacity_loss(delta_V, ocv, full_V)
    top = float(ocv.at(1.0)) if full_V is None else full_V
    return {
        "delta_mV": delta_V * 1e3,
        "full_V": top,
        "low_cell_V": top - delta_V,
        "capacity_loss_percent": loss * 100,
        "note_capacity_loss_percent": list(NOTE_MISMATCH_LOSS_PERCENT),
        "v_mid_V": ocv.v_mid_V,
        "note_v_mid_V": NOTE_V_MID_V,
        "ocv_source": ocv.source,
        "source": "application note 003: 150 mV at full charge → 13–18 % of pack capacity; V_mid 3.67 V",
    }
