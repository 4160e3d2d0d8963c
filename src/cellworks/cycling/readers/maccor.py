"""Maccor text exports (tab-separated): the one-line-preamble MIMS export (``.001``/``.041``/
``.052``/``.078``), the key/value "Export" layout of MacNet (decimal comma allowed), and re-saved
variants (cellpy's ``maccor_one``/``maccor_three``).

Mapping (Maccor → cellworks):

==========================================  ==================================================
``Rec#`` / ``Rec``                          ``instrument_record`` (repeats inside FRA steps)
``Cyc#`` / ``Cycle C``                      ``cycle_index`` (Maccor counts from 0: shifted +1)
``Step``                                    schedule step → a cellworks step wherever it, the
                                            state or the cycle changes (``instrument_step``)
``Test (Min)`` / ``Test (Sec)`` /           ``test_time_s``; ``Nd hh:mm:ss.f`` (days, unpadded
``TestTime``                                fields allowed) or a decimal in the header's unit;
                                            a bare decimal ``TestTime`` takes the unit (s, min
                                            or h) that matches the ``DPt Time`` wall clock
``Amps`` / ``mAmps`` / ``Current [A]``      magnitude; the sign comes from the state (C +, D −)
``Volts`` / ``Voltage [V]``                 V; a ``Volts`` column holding millivolts (median
                                            above 100 — no cell measures 100 V) is scaled, noted
``Amp-hr`` / ``mAmp-hr`` / ``Cap. [Ah]``    one counter for both directions; its reset rule
                                            (step, half-cycle, cycle) classified from the data
``Watt-hr`` / ``mWatt-hr`` / ``Ener. [Wh]`` likewise for energy
``State`` / ``Md``                          ``step_type``: C charge, D discharge, R rest, else
                                            other; ``FRA`` → step mode ``impedance``
``Aux #n`` + ``Units``, ``Temp 1``          ``temperature_C``, ``temperature_2_C``, … (°C units);
                                            ``aux_voltage_V`` … (V units)
==========================================  ==================================================

A last line that is cut off (fewer values than the header, or a value shorter than its column's
fixed format) is dropped with one warning naming the line — a file still being written by a
running test looks like that — or, with ``strict``, is an error.
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
    read_bytes,
    step_key,
    warn_once,
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


#: normalised header → (role, factor to the base unit)
_ROLE_NAMES: dict[str, tuple[str, float]] = {
    "rec#": ("record", 1.0), "rec": ("record", 1.0),
    "cyc#": ("cycle", 1.0), "cyclec": ("cycle", 1.0), "cycle": ("cycle", 1.0),
    "step": ("step", 1.0),
    "testmin": ("time", 60.0), "testsec": ("time", 1.0), "testhr": ("time", 3600.0),
    "testtimesec": ("time", 1.0), "testtimemin": ("time", 60.0), "testtime": ("time", 0.0),
    "amphr": ("capacity", 1.0), "mamphr": ("capacity", 1e-3), "capah": ("capacity", 1.0),
    "capacityah": ("capacity", 1.0), "capacity": ("capacity", 1.0),
    "watthr": ("energy", 1.0), "mwatthr": ("energy", 1e-3), "enerwh": ("energy", 1.0),
    "energywh": ("energy", 1.0), "energy": ("energy", 1.0),
    "amps": ("current", 1.0), "mamps": ("current", 1e-3), "currenta": ("current", 1.0),
    "current": ("current", 1.0),
    "volts": ("voltage", 1.0), "voltagev": ("voltage", 1.0), "voltage": ("voltage", 1.0),
    "state": ("state", 1.0), "md": ("state", 1.0),
    "es": ("es", 1.0),
    "dpttime": ("dpt", 1.0),
    "temp1": ("temperature", 1.0),
}
_TIME_RE = re.compile(r"^\s*(\d+)d\s+(\d{1,2}):(\d{1,2}):(\d+(?:[.,]\d*)?)\s*$")
#: DPt Time formats seen in Maccor exports
_CLOCK_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


def _filled(cells: list[str]) -> int:
    """Number of fields up to the last non-empty one (trailing tabs do not count)."""
    n = len(cells)
    while n and not cells[n - 1].strip():
        n -= 1
    return n


def _roles(names: list[str]) -> tuple[dict[str, tuple[int, float]], list[tuple[int, str, str]]]:
    """Column index and unit factor of every role; auxiliary channels as (index, name, unit)."""
    roles: dict[str, tuple[int, float]] = {}
    aux: list[tuple[int, str, str]] = []
    for j, raw in enumerate(names):
        key = _norm(raw)
        hit = _ROLE_NAMES.get(key)
        if hit is not None and hit[0] not in roles:
            roles[hit[0]] = (j, hit[1])
        elif re.match(r"^aux#\d+$", key):
            unit = names[j + 1].strip() if j + 1 < len(names) and _norm(names[j + 1]) == "units" else ""
            aux.append((j, raw.strip(), unit))
    return roles, aux


def parse_test_time(values: list[str], factor: float) -> tuple[Any, str]:
    """Seconds from ``Nd hh:mm:ss.f`` texts, or from decimals × ``factor`` (0: unit unknown)."""
    import numpy as np

    first = values[0] if values else ""
    if _TIME_RE.match(first):
        out = np.empty(len(values))
        for k, s in enumerate(values):
            m = _TIME_RE.match(s)
            if m is None:
                raise ValueError(k)
            out[k] = (int(m.group(1)) * 86400 + int(m.group(2)) * 3600 + int(m.group(3)) * 60
                      + float(m.group(4).replace(",", ".")))
        return out, "s (days hh:mm:ss)"
    arr = _floats(values)
    return arr * (factor or 1.0), ""


def _floats(values: list[str]) -> Any:
    import numpy as np

    arr = np.array(values, dtype=object).astype(str)
    if any("," in v for v in values[:50]):
        arr = np.char.replace(arr, ",", ".")
    return arr.astype(float)


def read_maccor(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
    allow_truncated: bool = True, raw: bytes | None = None,
) -> CyclingData:
    """Read a Maccor text export (see the module docstring). ``allow_truncated=False`` (the
    CLI's ``--strict``) makes a cut-off last record an error instead of a warning."""
    import numpy as np

    p = Path(path)
    buf = raw if raw is not None else read_bytes(p)
    lines = decode_text(buf).splitlines()
    h = find_header(lines)
    if h is None:
        raise FileFormatError("no Maccor column header (a line starting with 'Rec' and holding 'Step')", file=p)
    names = [c.strip() for c in lines[h].split("\t")]
    while names and not names[-1]:
        names.pop()
    roles, aux = _roles(names)
    for need in ("record", "step", "time", "current", "voltage", "state"):
        if need not in roles:
            raise FileFormatError(f"Maccor export without a '{need}' column", file=p, record=f"line {h + 1}",
                                  field=need)
    need_cols = 1 + max(j for j, _ in roles.values())
    rows: list[list[str]] = []
    line_no: list[int] = []
    notes: dict[str, Any] = {}
    data_lines = [k for k in range(h + 1, len(lines)) if lines[k].strip()]
    last = data_lines[-1] if data_lines else -1
    for k in data_lines:
        cells = lines[k].split("\t")
        if len(cells) > len(names):  # trailing tab(s): an empty field past the last column
            cells = cells[: len(names)] if not any(c.strip() for c in cells[len(names):]) else cells
        msg = ""
        if len(cells) < need_cols:
            msg = f"record cut off: {len(cells)} of {len(names)} tab-separated values"
        elif k == last and len(rows) and _filled(cells) < _filled(lines[data_lines[-2]].split("\t")):
            # fewer values than the record before (a missing trailing tab alone removes none)
            msg = f"record cut off: {_filled(cells)} of {len(names)} tab-separated values"
        elif k == last and len(rows):
            # every column of the last record against the record before, except the test and step
            # times (texts such as '0d 00:00:5.0500001' have no fixed width)
            prev = lines[data_lines[-2]].split("\t")
            clocks = {roles["time"][0]} | {j for j, nm in enumerate(names) if _norm(nm).startswith("step") and
                                           _norm(nm) != "step"}
            fixed = [j for j in range(min(len(prev), len(cells), len(names))) if j not in clocks]
            j = cut_field([prev[i] for i in fixed], [cells[i] for i in fixed])
            if j is not None:
                jj = fixed[j]
                msg = f"record cut off: value '{cells[jj].strip()}' of '{names[jj]}' is shorter than the column's format"
        if msg:
            if k == last and allow_truncated:
                warn_once(f"{p.name}: line {k + 1}: {msg}; incomplete last record dropped")
                notes["dropped_incomplete_last_record"] = f"line {k + 1}"
                continue
            hint = " (the file ends inside this record: truncated, or still being written)" if k == last else ""
            raise FileFormatError(msg + hint, file=p, record=f"line {k + 1}")
        rows.append(cells)
        line_no.append(k + 1)
    if not rows:
        raise FileFormatError("no data records", file=p, record=f"line {h + 2}")

    def text(role: str) -> list[str]:
        j = roles[role][0]
        return [c[j].strip() for c in rows]

    def number(role: str) -> Any:
        vals = text(role)
        try:
            return _floats(vals) * roles[role][1]
        except ValueError:
            for k, v in enumerate(vals):
                try:
                    float(v.replace(",", "."))
                except ValueError:
                    raise FileFormatError(f"non-numeric value '{v}'", file=p, record=f"line {line_no[k]}",
                                          field=names[roles[role][0]]) from None
            raise

    rec = number("record").astype(np.int64)
    step_raw = number("step").astype(np.int64)
    cyc = number("cycle").astype(np.int64) if "cycle" in roles else np.zeros(len(rows), dtype=np.int64)
    tvals = text("time")
    try:
        t, how = parse_test_time(tvals, roles["time"][1])
    except ValueError as exc:
        k = int(exc.args[0]) if exc.args and isinstance(exc.args[0], int) else 0
        raise FileFormatError(f"test time '{tvals[k]}' is neither 'Nd hh:mm:ss' nor a number", file=p,
                              record=f"line {line_no[k]}", field=names[roles["time"][0]]) from None
    if how:
        notes["time_unit"] = how
    elif roles["time"][1] == 0.0:
        factor, how = _time_factor_from_clock(t, rows, roles.get("dpt", (None, 0))[0])
        t = t * factor
        notes["time_unit"] = how
    else:
        notes["time_unit"] = f"{ {1.0: 's', 60.0: 'min', 3600.0: 'h'}[roles['time'][1]] } (from the header)"
    state_txt = np.array([s.upper() for s in text("state")], dtype=object)
    state = np.array([s[:1] if s in ("C", "D", "R") else s for s in state_txt], dtype=object)
    volts = number("voltage")
    if _norm(names[roles["voltage"][0]]) == "volts" and len(volts) and float(np.median(np.abs(volts))) > 100.0:
        volts = volts / 1000.0
        notes["voltage_unit"] = "mV in the 'Volts' column (median above 100: no cell measures 100 V); scaled to V"
    current_mag = np.abs(number("current"))
    sign = np.where(state == "D", -1.0, np.where(state == "C", 1.0, 0.0))
    current = np.where(sign != 0, sign * current_mag, 0.0)
    st = np.where(state == "C", "charge", np.where(state == "D", "discharge", np.where(state == "R", "rest", "other")))
    mode = np.full(len(state), None, dtype=object)
    mode[state == "FRA"] = "impedance"
    if (state == "FRA").any():
        notes["impedance"] = "FRA state rows typed as impedance steps (their records repeat one Rec#)"
    step = step_key(step_raw, state, cyc)
    extra: dict[str, Any] = {"instrument_record": rec, "instrument_step": step_raw}
    kw: dict[str, Any] = {}
    direction = np.where(state == "C", 1, np.where(state == "D", -1, 0))
    from cellworks.cycling.readers._counters import boundary_masks, counter_increments

    bounds = boundary_masks(step, direction, cyc)
    if "capacity" in roles:
        cap = number("capacity")
        extra["instrument_capacity_Ah"] = cap
        inc, cls = counter_increments(cap, bounds)
        kw["charge_increment_Ah"] = np.where(state == "C", inc, 0.0)
        kw["discharge_increment_Ah"] = np.where(state == "D", inc, 0.0)
        notes["capacities"] = f"Maccor capacity counter ({cls.describe() if cls else ''})"
        if "energy" in roles:
            en = number("energy")
            extra["instrument_energy_Wh"] = en
            einc, _ = counter_increments(en, bounds, rule=cls.rule if cls else None)
            kw["charge_energy_increment_Wh"] = np.where(state == "C", einc, 0.0)
            kw["discharge_energy_increment_Wh"] = np.where(state == "D", einc, 0.0)
    temps, aux_cols, aux_notes = _aux_channels(rows, aux, roles, names, number)
    extra.update(aux_cols)
    if aux_notes:
        notes["auxiliary_channels"] = aux_notes
    header_meta = {ln.split("\t")[0].strip(": "): "\t".join(ln.split("\t")[1:]).strip()
                   for ln in lines[:h] if "\t" in ln}
    return assemble(
        path=p, instrument="Maccor", fmt="maccor-txt", test_time_s=t, voltage_V=volts,
        current_A=current, step_index=step, cycle_index=cyc, step_type=st, step_mode=mode, temperature_C=temps,
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={**notes, "header": header_meta}, raw=buf, **kw,
    )


#: below absolute zero: an unconnected thermocouple input (Maccor prints about −2500 °C)
ABSOLUTE_ZERO_C = -273.15


def _aux_channels(
    rows: list[list[str]], aux: list[tuple[int, str, str]], roles: dict[str, tuple[int, float]],
    names: list[str], number: Any,
) -> tuple[Any, dict[str, Any], list[str]]:
    """``temperature_C`` (first temperature channel), further named auxiliary columns, notes."""
    import numpy as np

    out: dict[str, Any] = {}
    notes: list[str] = []
    temps: list[Any] = []
    if "temperature" in roles:
        temps.append(number("temperature"))
    volts_n = 0
    for j, name, unit_hdr in aux:
        col = [c[j].strip() if j < len(c) else "" for c in rows]
        unit = unit_hdr
        if j + 1 < len(names) and _norm(names[j + 1]) == "units":
            units = {c[j + 1].strip() for c in rows[:20] if j + 1 < len(c)}
            unit = next(iter(units)) if len(units) == 1 else unit_hdr
        try:
            vals = np.array([float(v.replace(",", ".")) if v else np.nan for v in col])
        except ValueError:
            notes.append(f"'{name}': non-numeric values, not kept")
            continue
        u = unit.strip().upper()
        if u in ("C", "°C", "DEGC"):
            dead = vals < ABSOLUTE_ZERO_C
            if dead.all():
                notes.append(f"'{name}': every value below absolute zero (sensor not connected), not kept")
                continue
            if dead.any():
                vals = np.where(dead, np.nan, vals)
                notes.append(f"'{name}': {int(dead.sum())} value(s) below absolute zero set to NaN")
            temps.append(vals)
        elif u in ("V", "VOLTS"):
            volts_n += 1
            out["aux_voltage_V" if volts_n == 1 else f"aux_voltage_{volts_n}_V"] = vals
        else:
            notes.append(f"'{name}' in unit '{unit}' not kept (unknown quantity)")
    for k, vals in enumerate(temps[1:], start=2):
        out[f"temperature_{k}_C"] = vals
    return (temps[0] if temps else None), out, notes


def _time_factor_from_clock(t_raw: Any, rows: list[list[str]], dpt_col: int | None) -> tuple[float, str]:
    """Pick s, min or h for a unit-less TestTime column by comparing with the DPt Time clock."""
    import numpy as np

    if dpt_col is None or len(rows) < 2:
        return 60.0, "min (assumed: no unit in the header and no DPt Time column)"
    first, last = rows[0][dpt_col].strip(), rows[-1][dpt_col].strip()
    for f in _CLOCK_FORMATS:
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
