"""Maccor text exports (tab-separated; both the one-line-header ``.001``-style export and the
key/value-header export of MacNet/MIMS with localised decimal commas).

Mapping (Maccor → cellworks):

======================================  ======================================================
``Rec#`` / ``Rec``                      ``instrument_record`` (the record count check)
``Cyc#`` / ``Cycle C`` (``Cycle P``)    ``cycle_index`` (Maccor counts from 0: shifted by +1)
``Step``                                schedule step → cellworks step where it or the state
                                        changes; raw value in ``instrument_step``
``Test (Min)`` / ``Test (Sec)`` /       ``test_time_s``; a header without a unit is scaled by
``TestTime``                            the factor (s, min or h) that makes it agree with the
                                        ``DPt Time`` wall clock
``Amps`` / ``Current [A]``              magnitude; sign from the state (C +, D −)
``Amp-hr`` / ``Cap. [Ah]``              counter restarted at every change of state → per-step
                                        charge or discharge capacity; raw kept as
                                        ``instrument_capacity_Ah``
``Watt-hr`` / ``Ener. [Wh]``            likewise for energy
``State`` / ``Md``                      ``step_type``: C charge, D discharge, R rest, else other
======================================  ======================================================
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import (
    assemble,
    cut_field,
    decode_text,
    increments_from_counter,
    read_bytes,
    run_starts,
    step_key,
)
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", name.lower())


def find_header(lines: list[str]) -> int | None:
    """Index of the column-header line (starts with ``Rec``, has a ``Step`` column), or None."""
    for k, ln in enumerate(lines[:200]):
        cells = [c.strip() for c in ln.split("\t")]
        if cells and _norm(cells[0]) in ("rec#", "rec") and any(_norm(c) == "step" for c in cells):
            return k
    return None


_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "record": ("rec#", "rec"),
    "cycle": ("cyc#", "cyclec", "cycle", "cyclep"),
    "step": ("step",),
    "time": ("testmin", "testsec", "testhr", "testtime", "testtimesec", "testtimemin"),
    "capacity": ("amphr", "capah", "capacityah", "ahr"),
    "energy": ("watthr", "enerwh", "energywh", "whr"),
    "current": ("amps", "currenta", "current"),
    "voltage": ("volts", "voltagev", "voltage"),
    "state": ("state", "md"),
    "dpt": ("dpttime", "dpttime", "dptime"),
    "temperature": ("temp1", "temperature", "tempc"),
}


def read_maccor(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
    allow_truncated: bool = False,
) -> CyclingData:
    """Read a Maccor text export. A last record cut short raises :class:`FileFormatError` unless
    ``allow_truncated`` (then it is dropped with a warning and noted in the metadata)."""
    import numpy as np

    from cellworks.cycling.readers._common import warn_once

    p = Path(path)
    text = decode_text(read_bytes(p))
    lines = text.splitlines()
    h = find_header(lines)
    if h is None:
        raise FileFormatError("no Maccor column header (a line starting with 'Rec' and holding 'Step')", file=p)
    names = [c.strip() for c in lines[h].split("\t")]
    while names and not names[-1]:
        names.pop()
    normed = [_norm(c) for c in names]
    role: dict[str, int] = {}
    for r, opts in _ROLE_NAMES.items():
        for o in opts:
            if o in normed:
                role[r] = normed.index(o)
                break
    for need in ("record", "step", "time", "current", "voltage", "state"):
        if need not in role:
            raise FileFormatError(f"Maccor export without a '{need}' column", file=p, record=f"line {h + 1}")
    rows: list[list[str]] = []
    line_no: list[int] = []
    dropped: dict[str, Any] = {}
    data_lines = [k for k in range(h + 1, len(lines)) if lines[k].strip()]
    for k in data_lines:
        cells = lines[k].split("\t")
        short = len(cells) < len(names)
        if not short and k == data_lines[-1] and len(data_lines) > 1:
            j = cut_field(lines[data_lines[-2]].split("\t"), cells)
            if j is not None:
                col = names[j] if j < len(names) else f"column {j + 1}"
                short = True
                msg = f"record cut off: value '{cells[j].strip()}' of '{col}' is shorter than the column's format"
        elif short:
            msg = f"record cut off: expected {len(names)} tab-separated values, found {len(cells)}"
        if short:
            if k == data_lines[-1] and allow_truncated:
                warn_once(f"{p.name}: line {k + 1}: {msg}; incomplete last record dropped")
                dropped = {"dropped_incomplete_last_record": f"line {k + 1}"}
                continue
            hint = " (file truncated; allow_truncated=True drops an incomplete last record)" if k == data_lines[-1] else ""
            raise FileFormatError(msg + hint, file=p, record=f"line {k + 1}")
        rows.append(cells)
        line_no.append(k + 1)
    if not rows:
        raise FileFormatError("no data records", file=p, record=f"line {h + 2}")

    def column(r: str) -> Any:
        j = role[r]
        raw = np.array([c[j].strip() if j < len(c) else "" for c in rows], dtype=object)
        try:
            return np.char.replace(raw.astype(str), ",", ".").astype(float)
        except ValueError:
            for k, v in enumerate(raw):
                try:
                    float(str(v).replace(",", "."))
                except ValueError:
                    raise FileFormatError(f"non-numeric value '{v}' (truncated or corrupt record)", file=p,
                                          record=f"line {line_no[k]}", field=names[j]) from None
            raise

    rec = column("record").astype(np.int64)
    step_raw = column("step").astype(np.int64)
    cyc = column("cycle").astype(np.int64) if "cycle" in role else np.zeros(len(rows), dtype=np.int64)
    t_raw = column("time")
    state = np.array([c[role["state"]].strip().upper()[:1] for c in rows], dtype=object)
    notes: dict[str, Any] = {}
    time_header = normed[role["time"]]
    if time_header.endswith("min"):
        t = t_raw * 60.0
        notes["time_unit"] = "min (from the header)"
    elif time_header.endswith("hr"):
        t = t_raw * 3600.0
        notes["time_unit"] = "h (from the header)"
    elif time_header.endswith("sec"):
        t = t_raw
        notes["time_unit"] = "s (from the header)"
    else:
        factor, how = _time_factor_from_clock(t_raw, rows, role.get("dpt"))
        t = t_raw * factor
        notes["time_unit"] = how
    current_mag = np.abs(column("current"))
    sign = np.where(state == "D", -1.0, np.where(state == "C", 1.0, 0.0))
    current = np.where(sign != 0, sign * current_mag, column("current"))
    st = np.where(state == "C", "charge", np.where(state == "D", "discharge", np.where(state == "R", "rest", "other")))
    step = step_key(step_raw, state, cyc)
    restart = run_starts(state)
    extra: dict[str, Any] = {"instrument_record": rec, "instrument_step": step_raw}
    kw: dict[str, Any] = {}
    if "capacity" in role:
        cap = column("capacity")
        extra["instrument_capacity_Ah"] = cap
        inc = increments_from_counter(np.abs(cap), resets=restart)
        kw["charge_increment_Ah"] = np.where(state == "C", inc, 0.0)
        kw["discharge_increment_Ah"] = np.where(state == "D", inc, 0.0)
        notes["capacities"] = "Maccor Amp-hr counter, restarted at every change of state"
    if "energy" in role and "capacity" in role:
        en = column("energy")
        extra["instrument_energy_Wh"] = en
        einc = increments_from_counter(np.abs(en), resets=restart)
        kw["charge_energy_increment_Wh"] = np.where(state == "C", einc, 0.0)
        kw["discharge_energy_increment_Wh"] = np.where(state == "D", einc, 0.0)
    temp = column("temperature") if "temperature" in role else None
    header_meta = {ln.split("\t")[0].strip(": "): "\t".join(ln.split("\t")[1:]).strip()
                   for ln in lines[:h] if "\t" in ln}
    return assemble(
        path=p, instrument="Maccor", fmt="maccor-txt", test_time_s=t, voltage_V=column("voltage"),
        current_A=current, step_index=step, cycle_index=cyc, step_type=st, temperature_C=temp,
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={**notes, **dropped, "header": header_meta}, **kw,
    )


def _time_factor_from_clock(t_raw: Any, rows: list[list[str]], dpt_col: int | None) -> tuple[float, str]:
    """Pick s, min or h for a unit-less TestTime column by comparing with the DPt Time clock."""
    import numpy as np

    if dpt_col is None or len(rows) < 2:
        return 60.0, "min (assumed: no unit in the header and no DPt Time column)"
    fmts = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
    first, last = rows[0][dpt_col].strip(), rows[-1][dpt_col].strip()
    for f in fmts:
        try:
            span = (datetime.strptime(last, f) - datetime.strptime(first, f)).total_seconds()
            break
        except ValueError:
            continue
    else:
        return 60.0, "min (assumed: DPt Time not parseable)"
    dt_raw = float(np.asarray(t_raw)[-1] - np.asarray(t_raw)[0])
    if dt_raw <= 0 or span <= 0:
        return 60.0, "min (assumed: no elapsed time)"
    best = min((1.0, 60.0, 3600.0), key=lambda f: abs(np.log(f * dt_raw / span)))
    return best, f"{ {1.0: 's', 60.0: 'min', 3600.0: 'h'}[best]} (TestTime span matched to the DPt Time clock)"
