"""The per-cycle summary: capacities, energies, efficiencies, voltages, currents, retention, and
whether each cycle is complete.

Conventions (one per quantity, everywhere: JSON, CSV, API, report, plots):

* coulombic efficiency, energy efficiency, retention and sulfur utilisation are **fractions** in
  the data; only labelled displays (report tables, plot axes "… / %") show percent;
* voltages are as measured, never sign-flipped: the mean voltages are ∫V dq / ∫dq of the records;
* cycle numbers are integers.

Electrode (``electrode``): ``cathode`` (cathode half-cell vs Li, and Li–S) and ``full`` cells
count the discharge as the useful half: CE = Q_dis / Q_ch and retention of the discharge
capacity. ``anode`` half-cells vs Li (graphite, Si) are lithiated on the cell's discharge and
give back their charge on the cell's charge: CE = Q_ch / Q_dis (delithiation / lithiation) and
retention of the charge capacity. Without ``electrode`` the cathode/full-cell convention is used
and the output says so (with a note when the voltage window looks like an anode half-cell).

Complete cycles. A cycle is complete when it has a charge and a discharge half-cycle and neither
was cut by the ends of the file. The checks:

1. a cycle without a charge or without a discharge half-cycle (cycle 0, the leading half-cycle of
   the other direction, is one) is incomplete;
2. the file's first and last half-cycles are where a file cuts a cycle (a test started on a cell
   that was not at its cut-off voltage; a test stopped, or a live file still being written): such a
   half-cycle passing less than :data:`CUT_FRACTION` of the charge of the same direction in the
   nearest other cycle is incomplete (consecutive cycles of one protocol differ by far less:
   capacity fade is ≲ 1 % per cycle, formation cycles ≲ 15 %);
3. with no other cycle to compare with, a first or last cycle whose charge and discharge differ by
   more than a factor :data:`MAX_HALF_RATIO` is incomplete (no complete cycle of a real cell has a
   coulombic efficiency below 0.5 or above 2); and under charge-first pairing a first cycle that
   discharges more than :data:`MAX_CHARGE_FIRST_CE` × the charge before it is incomplete (a cell
   cannot give back more than it was given unless it held charge before the file began);
4. a text export whose last record was cut off (a live file) ends inside its last cycle.

Incomplete cycles keep their capacities but get no coulombic efficiency and no retention, are left
out of the rate table's statistics and of the retention reference, and are drawn hollow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

#: theoretical capacity of sulfur (16 e⁻ per S8, i.e. 2 e⁻ per S) as documents 000 and 001 quote it;
#: 2·F/M_S = 2 × 96485.33 / 32.06 / 3.6 = 1672 mAh/g, the literature rounds to 1675. The sulfur
#: utilisation of document 001 ("measured against 1675 mAh/g") uses the quoted value.
THEORETICAL_S_MAH_PER_G = 1675.0
SULFUR_NAMES = frozenset({"s", "s8", "sulfur", "sulphur"})
ELECTRODES: tuple[str, ...] = ("cathode", "anode", "full")
#: rule 2 of the module docstring
CUT_FRACTION = 0.8
#: rule 3 of the module docstring
MAX_HALF_RATIO = 2.0
#: rule 3: above this, a charge-first first cycle gave back more than it was given (1 % counter and
#: current-measurement uncertainty plus margin for cathodes that take a little extra lithium)
MAX_CHARGE_FIRST_CE = 1.1

CE_DEFINITION = {
    "discharge-first": "coulombic efficiency = discharge / charge of the same cycle; the charge follows the discharge (discharge-first pairing)",
    "charge-first": "coulombic efficiency = discharge / charge of the same cycle; the discharge follows the charge (charge-first pairing)",
    "instrument": "coulombic efficiency = discharge / charge within the instrument's cycle numbering",
}


def ce_definition(pairing: str, electrode: str | None) -> str:
    """The sentence that states how the coulombic efficiency was computed."""
    base = CE_DEFINITION[pairing]
    if electrode == "anode":
        base = base.replace("discharge / charge", "charge / discharge (delithiation / lithiation)", 1)
        return base + "; anode half-cell"
    if electrode in ("cathode", "full"):
        return base + f"; {electrode} {'half-cell' if electrode == 'cathode' else 'cell'}"
    return base + "; electrode not given: cathode/full-cell convention"


@dataclass(frozen=True)
class CycleSummary:
    """The per-cycle summary table and the choices behind it.

    ``table`` columns (one row per cycle; NaN where a quantity does not exist):

    cycle (int), complete (bool), incomplete_reason (text, empty when complete), first_step,
    last_step, start_time_s, end_time_s, charge_capacity_mAh, discharge_capacity_mAh,
    charge_energy_mWh, discharge_energy_mWh, [charge|discharge]_capacity_mAh_per_g (with a mass),
    [charge|discharge]_capacity_mAh_per_cm2 (with an area), sulfur_utilisation (fraction of
    1675 mAh g⁻¹; mass of sulfur given), coulombic_efficiency, energy_efficiency (fractions; NaN
    for incomplete cycles), mean_charge_voltage_V, mean_discharge_voltage_V (∫V dq / ∫dq),
    end_of_charge_voltage_V, end_of_discharge_voltage_V (last record of the last charge/discharge
    step), mean_charge_current_A, mean_discharge_current_A (capacity / step time; CV tails
    included), discharge_current_A (mean current of the constant-current discharge steps: the
    rate), retention (fraction of the reference cycle's capacity, see ``retention_basis``),
    charge_time_s, discharge_time_s, rest_time_s, other_time_s, impedance_steps, pulse_steps.
    """

    table: pd.DataFrame
    pairing: str
    pairing_requested: str
    pairing_reason: str
    ce_definition: str
    reference_cycle: int | None
    active_mass_g: float | None = None
    area_cm2: float | None = None
    source_file: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    active_material: str | None = None  # which gram the per-gram columns are per (e.g. "S")
    electrode: str | None = None
    retention_basis: str = "discharge capacity"
    active_mass_source: str = "none"
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> Any:
        """Boolean mask of the complete cycles."""
        return self.table["complete"].to_numpy(dtype=bool)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the choices and one record per cycle (NaN → None by emit_json)."""
        return {
            "source_file": self.source_file,
            "electrode": self.electrode,
            "pairing": self.pairing,
            "pairing_requested": self.pairing_requested,
            "pairing_reason": self.pairing_reason,
            "coulombic_efficiency_definition": self.ce_definition,
            "retention_basis": self.retention_basis,
            "retention_reference_cycle": self.reference_cycle,
            "conventions": CONVENTIONS,
            "active_mass_g": self.active_mass_g,
            "active_mass_unit": "g",
            "active_mass_source": self.active_mass_source,
            "active_material": self.active_material,
            "area_cm2": self.area_cm2,
            "n_cycles": int(len(self.table)),
            "n_complete_cycles": int(self.table["complete"].sum()),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "cycles": self.table.to_dict(orient="records"),
        }


CONVENTIONS = {
    "coulombic_efficiency": "fraction",
    "energy_efficiency": "fraction",
    "retention": "fraction",
    "sulfur_utilisation": "fraction",
    "voltages": "as measured, never sign-flipped; mean = ∫V dq / ∫dq",
    "current_A": "positive on charge",
    "cycle": "integer",
}


def _div(a: Any, b: Any) -> Any:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.full(np.broadcast(a, b).shape, np.nan)
    ok = (b != 0) & np.isfinite(b)
    np.divide(a, b, out=out, where=ok)
    return out


def _mass_and_source(data: CyclingData, active_mass_g: float | None) -> tuple[float | None, str]:
    import numpy as np

    source = data.meta.source_file
    if active_mass_g is not None:
        mass, how = active_mass_g, "option (given by the user)"
    elif data.meta.active_mass_g is not None:
        mass = data.meta.active_mass_g
        how = str(data.meta.extra.get("active_mass_source") or "metadata of the table")
    else:
        return None, "none"
    if not (mass > 0 and np.isfinite(mass)):
        raise InputError(f"active mass must be a positive number of grams, got {mass}", file=source, field="active_mass_g")
    return float(mass), how


def _completeness(
    cycles: Any, inv: Any, kind: Any, q_ch_half: Any, q_dis_half: Any, data: CyclingData,
    has_cycle_zero: bool, pairing: str,
) -> tuple[Any, list[str]]:
    """``complete`` per cycle and the reason text of each incomplete one (rules 1–4)."""
    import numpy as np

    nc = len(cycles)
    reasons = [""] * nc
    has_ch = q_ch_half > 0
    has_dis = q_dis_half > 0
    pairs = np.flatnonzero((kind == 1) | (kind == -1))
    for c in range(nc):
        if cycles[c] == 0 and has_cycle_zero:
            reasons[c] = "the file begins inside an earlier cycle (cycle 0: one half-cycle only)"
        elif not has_ch[c] and not has_dis[c]:
            reasons[c] = "no charge or discharge half-cycle (rest, impedance or pulse steps only)"
        elif not has_ch[c]:
            reasons[c] = "no charge half-cycle"
        elif not has_dis[c]:
            reasons[c] = "no discharge half-cycle"
    if pairs.size:
        for end, word in ((int(pairs[0]), "starts"), (int(pairs[-1]), "ends")):
            c = int(inv[end])
            if reasons[c]:
                continue
            d = int(kind[end])
            q = q_ch_half if d == 1 else q_dis_half
            name = "charge" if d == 1 else "discharge"
            # the nearest other cycle that has both half-cycles
            order = [k for k in (range(c + 1, nc) if word == "starts" else range(c - 1, -1, -1))
                     if has_ch[k] and has_dis[k]]
            if order:
                ref = order[0]
                if q[c] < CUT_FRACTION * q[ref]:
                    reasons[c] = (f"the file {word} inside this {name}: {q[c] * 1e3:.4g} mAh against "
                                  f"{q[ref] * 1e3:.4g} mAh in cycle {int(cycles[ref])}")
            elif has_ch[c] and has_dis[c]:
                ratio = max(q_ch_half[c], q_dis_half[c]) / min(q_ch_half[c], q_dis_half[c])
                if ratio > MAX_HALF_RATIO:
                    reasons[c] = (f"charge ({q_ch_half[c] * 1e3:.4g} mAh) and discharge ({q_dis_half[c] * 1e3:.4g} mAh) "
                                  f"differ by a factor {ratio:.3g} > {MAX_HALF_RATIO:g} with no other cycle to "
                                  "compare: one of them is partial")
    if pairs.size and pairing == "charge-first":
        c = int(inv[int(pairs[0])])
        if not reasons[c] and q_dis_half[c] > MAX_CHARGE_FIRST_CE * q_ch_half[c] > 0:
            reasons[c] = (f"the discharge ({q_dis_half[c] * 1e3:.4g} mAh) gives back more than the charge before it "
                          f"({q_ch_half[c] * 1e3:.4g} mAh): the cell held charge before the file began")
    dropped = data.meta.extra.get("dropped_incomplete_last_record")
    if dropped and nc and not reasons[-1]:
        reasons[-1] = f"the file ends inside a record ({dropped} cut off): the test was still running"
    complete = np.array([not r for r in reasons], dtype=bool)
    return complete, reasons


def summarize(
    data: CyclingData,
    *,
    pairing: str = "auto",
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    reference_cycle: int | None = None,
    electrode: str | None = None,
) -> CycleSummary:
    """Per-cycle summary of a cycling table (see :class:`CycleSummary` and the module docstring).

    ``active_mass_g`` / ``area_cm2`` default to the table's metadata. ``reference_cycle`` for the
    retention defaults to the first complete cycle. ``electrode``: ``cathode``, ``anode``, ``full``
    or None (cathode/full-cell convention, stated).
    """
    import numpy as np
    import pandas as pd

    from cellworks.cycling.cycles import pair_steps, steps_of
    from cellworks.cycling.materials import plausibility

    source = data.meta.source_file
    if electrode is not None and electrode not in ELECTRODES:
        raise InputError(f"unknown electrode '{electrode}'; choose one of {', '.join(ELECTRODES)}", field="electrode")
    mass, mass_source = _mass_and_source(data, active_mass_g)
    area = area_cm2 if area_cm2 is not None else data.meta.area_cm2
    if area is not None and not (area > 0 and np.isfinite(area)):
        raise InputError(f"area must be a positive number of cm², got {area}", file=source, field="area_cm2")
    steps = steps_of(data.table)
    pr = pair_steps(steps, pairing)
    cycles, inv = np.unique(pr.cycle, return_inverse=True)
    nc = len(cycles)

    def per_cycle(values: Any, mask: Any = None) -> Any:
        w = np.asarray(values, dtype=float)
        if mask is not None:
            w = np.where(mask, w, 0.0)
        return np.bincount(inv, weights=w, minlength=nc)

    kind = np.asarray(steps.kind).copy()
    kind[~np.asarray(steps.pairs) & ((kind == 1) | (kind == -1))] = 2
    is_ch, is_dis = kind == 1, kind == -1
    mode = np.asarray(steps.mode).astype(str)
    q_ch, q_dis = per_cycle(steps.charge_Ah), per_cycle(steps.discharge_Ah)
    e_ch, e_dis = per_cycle(steps.charge_Wh), per_cycle(steps.discharge_Wh)
    t_ch, t_dis = per_cycle(steps.duration_s, is_ch), per_cycle(steps.duration_s, is_dis)
    idx = np.arange(len(steps))
    first_step = np.full(nc, len(steps), dtype=np.int64)
    last_step = np.full(nc, -1, dtype=np.int64)
    np.minimum.at(first_step, inv, idx)
    np.maximum.at(last_step, inv, idx)

    def last_of(mask: Any) -> Any:
        pos = np.full(nc, -1, dtype=np.int64)
        np.maximum.at(pos, inv[mask], idx[mask])
        out = np.full(nc, np.nan)
        ok = pos >= 0
        out[ok] = steps.v_end_V[pos[ok]]
        return out

    complete, reasons = _completeness(cycles, inv, kind, per_cycle(steps.charge_Ah, is_ch),
                                      per_cycle(steps.discharge_Ah, is_dis), data, pr.has_cycle_zero, pr.pairing)
    cc_dis = is_dis & (mode == "CC")
    q_cc, t_cc = per_cycle(steps.discharge_Ah, cc_dis), per_cycle(steps.duration_s, cc_dis)
    cols: dict[str, Any] = {
        "cycle": cycles.astype(np.int64),
        "complete": complete,
        "incomplete_reason": np.array(reasons, dtype=object),
        "first_step": np.asarray(steps.step_index)[first_step].astype(np.int64),
        "last_step": np.asarray(steps.step_index)[last_step].astype(np.int64),
        "start_time_s": np.asarray(steps.t_first_s)[first_step],
        "end_time_s": np.asarray(steps.t_last_s)[last_step],
        "charge_capacity_mAh": q_ch * 1e3,
        "discharge_capacity_mAh": q_dis * 1e3,
        "charge_energy_mWh": e_ch * 1e3,
        "discharge_energy_mWh": e_dis * 1e3,
    }
    if mass is not None:
        cols["charge_capacity_mAh_per_g"] = q_ch * 1e3 / mass
        cols["discharge_capacity_mAh_per_g"] = q_dis * 1e3 / mass
    material = data.meta.active_material
    if mass is not None and material is not None and material.strip().lower() in SULFUR_NAMES:
        cols["sulfur_utilisation"] = q_dis * 1e3 / mass / THEORETICAL_S_MAH_PER_G
    if area is not None:
        cols["charge_capacity_mAh_per_cm2"] = q_ch * 1e3 / area
        cols["discharge_capacity_mAh_per_cm2"] = q_dis * 1e3 / area
    if electrode == "anode":
        ce, ee = _div(q_ch, np.where(q_ch > 0, q_dis, 0.0)), _div(e_dis, np.where(e_dis != 0, e_ch, 0.0))
    else:
        ce, ee = _div(q_dis, np.where(q_dis > 0, q_ch, 0.0)), _div(e_dis, np.where(e_dis != 0, e_ch, 0.0))
    cols["coulombic_efficiency"] = np.where(complete, ce, np.nan)
    cols["energy_efficiency"] = np.where(complete, ee, np.nan)
    cols["mean_charge_voltage_V"] = _div(per_cycle(steps.charge_Vq), q_ch)
    cols["mean_discharge_voltage_V"] = _div(per_cycle(steps.discharge_Vq), q_dis)
    cols["end_of_charge_voltage_V"] = last_of(is_ch)
    cols["end_of_discharge_voltage_V"] = last_of(is_dis)
    q_ch_a, q_dis_a = per_cycle(steps.charge_Ah, is_ch), per_cycle(steps.discharge_Ah, is_dis)
    cols["mean_charge_current_A"] = _div(q_ch_a * 3600.0, t_ch)
    cols["mean_discharge_current_A"] = _div(q_dis_a * 3600.0, t_dis)
    cols["discharge_current_A"] = np.where(t_cc > 0, _div(q_cc * 3600.0, t_cc), cols["mean_discharge_current_A"])
    basis = q_ch if electrode == "anode" else q_dis
    basis_name = "charge capacity (delithiation)" if electrode == "anode" else "discharge capacity"
    notes: list[str] = []
    ref = reference_cycle
    if ref is None:
        cand = np.flatnonzero(complete & (basis > 0))
        ref = int(cycles[cand[0]]) if cand.size else None
    elif ref not in cycles:
        raise InputError(
            f"reference cycle {ref} is not in the data (cycles {int(cycles[0])}–{int(cycles[-1])})",
            file=source, field="reference_cycle",
        )
    elif not complete[cycles == ref][0]:
        notes.append(f"reference cycle {ref} is incomplete ({reasons[int(np.flatnonzero(cycles == ref)[0])]})")
    if ref is not None and basis[cycles == ref][0] > 0:
        cols["retention"] = np.where(complete, basis / basis[cycles == ref][0], np.nan)
    else:
        cols["retention"] = np.full(nc, np.nan)
        notes.append("no complete cycle to measure retention against" if ref is None else
                     f"reference cycle {ref} has no {basis_name}: retention not computed")
    cols["charge_time_s"] = t_ch
    cols["discharge_time_s"] = t_dis
    cols["rest_time_s"] = per_cycle(steps.duration_s, kind == 0)
    cols["other_time_s"] = per_cycle(steps.duration_s, kind == 2)
    cols["impedance_steps"] = np.bincount(inv, weights=(mode == "impedance"), minlength=nc).astype(np.int64)
    cols["pulse_steps"] = np.bincount(inv, weights=np.isin(mode, ["pulse", "HPPC", "GITT"]),
                                      minlength=nc).astype(np.int64)
    bad = [int(c) for c, ok in zip(cycles, complete, strict=True) if not ok]
    if bad:
        notes.append(f"incomplete cycle(s) {', '.join(map(str, bad))}: no coulombic efficiency or retention "
                     "(reasons in 'incomplete_reason')")
    warns: list[str] = []
    if mass is not None:
        q_ref = np.maximum(q_ch, q_dis)[complete] if complete.any() else np.maximum(q_ch, q_dis)
        if q_ref.size and float(q_ref.max()) > 0:
            w = plausibility(float(q_ref.max()) * 1e3 / mass, material)
            if w:
                warns.append(f"{w} (active mass {mass * 1e3:g} mg, source: {mass_source})")
    if electrode is None:
        # anode half-cells vs Li cycle between ~0 and ≲ 2 V (graphite 0.005–1.5 V, Si 0.01–1.2 V)
        v_lo, v_hi = np.nanmin(cols["end_of_discharge_voltage_V"], initial=np.inf), np.nanmax(
            cols["end_of_charge_voltage_V"], initial=-np.inf)
        if -0.1 <= v_lo <= 0.5 and 0 < v_hi <= 2.0:
            notes.append(f"half-cycles end between {v_lo:.3g} and {v_hi:.3g} V: this looks like an anode half-cell "
                         "vs Li; --electrode anode gives CE = charge / discharge")
    return CycleSummary(
        table=pd.DataFrame(cols, copy=False),
        pairing=pr.pairing,
        pairing_requested=pr.requested,
        pairing_reason=pr.reason,
        ce_definition=ce_definition(pr.pairing, electrode),
        reference_cycle=ref,
        active_mass_g=mass,
        area_cm2=area,
        source_file=source,
        notes=tuple(notes),
        active_material=material,
        electrode=electrode,
        retention_basis=basis_name,
        active_mass_source=mass_source,
        warnings=tuple(warns),
    )


__all__ = ["CE_DEFINITION", "CONVENTIONS", "CycleSummary", "ELECTRODES", "ce_definition", "summarize"]
