"""Shared plumbing of the cycler readers: read-only byte access and table assembly.

Every reader turns its instrument's columns into plain arrays and hands them to :func:`assemble`,
which applies the cellworks conventions once (see ``cellworks.timeseries``):

* ``current_A`` positive on charge;
* capacities and energies restart at 0 at every step, never decrease inside a step;
* ``step_index`` increases through the test from 1 (a new step starts wherever the instrument's
  step key changes between consecutive records);
* ``cycle_index`` is the instrument's own cycle number, shifted to start at 1 when the instrument
  counts from 0 (the shift is recorded in ``Metadata.extra['cycle_index_offset']``).

Capacities are built from per-record *increments* of charge in the charge and in the discharge
direction. Readers derive those increments from the instrument's own counters with
:func:`increments_from_counter` (which understands counters that restart per step, per
half-cycle, per cycle or never), so the sum of the step maxima over a cycle equals the
instrument's own per-cycle figure.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from cellworks.timeseries import CyclingData


def read_bytes(path: str | Path) -> bytes:
    """The whole file, opened read-only (never locked, never modified)."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        raise FileFormatError("is a directory, not a data file", file=p) from None


def read_head(path: str | Path, n_bytes: int = 4096) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n_bytes)


def decode_text(raw: bytes) -> str:
    """Text exports come as UTF-8, UTF-16 (with BOM) or a Windows code page."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    if raw[:3] == b"\xef\xbb\xbf":
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def run_starts(key: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """True where a record starts a new run of equal values (the first record always does)."""
    import numpy as np

    k = np.asarray(key)
    out = np.ones(len(k), dtype=bool)
    if len(k) > 1:
        out[1:] = k[1:] != k[:-1]
    return out


def step_key(*keys: Any) -> npt.NDArray[np.int64]:
    """Consecutive step numbers 1..N: a new step wherever any of the keys changes."""
    import numpy as np

    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    for k in keys:
        new |= run_starts(np.asarray(k))
    return np.cumsum(new).astype(np.int64)


def increments_from_counter(
    values: Any, *, resets: Any = None, auto_reset: bool = True, first_is_offset: bool = False
) -> npt.NDArray[np.float64]:
    """Per-record increments of an instrument's cumulative counter.

    ``resets`` marks records where the instrument restarted the counter (its value there is the
    amount since the restart). With ``auto_reset`` a counter that *falls* is taken to have been
    restarted too (Arbin and Neware zero their capacity counters per cycle or per step) when it
    drops to at most half its previous value; a smaller drop is rounding noise of a counter stored
    as float32 and stays a (negative, later clipped) increment. With ``first_is_offset`` the first
    record's value is history from before the file's first record (an excerpt, or a counter
    carried over from an earlier test) and contributes nothing.
    """
    import numpy as np

    v = np.asarray(values, dtype=float)
    inc = np.empty_like(v)
    if len(v) == 0:
        return inc
    inc[0] = v[0]
    inc[1:] = np.diff(v)
    mask = np.zeros(len(v), dtype=bool)
    if resets is not None:
        mask |= np.asarray(resets, dtype=bool)
    if auto_reset:
        mask[1:] |= (inc[1:] < 0) & (np.abs(v[1:]) <= 0.5 * np.abs(v[:-1]))
    inc[mask] = v[mask]
    if first_is_offset:
        inc[0] = 0.0
    return inc


def per_step_cumsum(inc: Any, starts: Any, *, seg: Any = None) -> npt.NDArray[np.float64]:
    """Cumulative sum of ``inc`` that restarts at every True of ``starts`` (vectorised).

    ``seg`` (optional): the 0-based step number of every record, ``cumsum(starts) - 1``, when the
    caller already has it (several columns over the same steps)."""
    import numpy as np

    x = np.asarray(inc, dtype=float)
    c = np.cumsum(x)
    if len(x) == 0:
        return c
    st = np.asarray(starts, dtype=bool)
    idx = np.flatnonzero(st)
    base_at_start = c[idx] - x[idx]
    if seg is None:
        seg = np.cumsum(st) - 1
    c -= base_at_start[seg]
    return c


STEP_TYPE_NAMES: tuple[str, ...] = ("charge", "discharge", "rest", "other")
"""Step-type labels in code order: code 0 charge, 1 discharge, 2 rest, 3 other."""


def _segment_medians_sign(x: Any, idx: Any, tol: float) -> npt.NDArray[np.int8]:
    """Per contiguous segment (starts ``idx``): 1 when its median > tol, -1 when < -tol, else 0.

    Segments whose values all lie on one side of ±tol are decided from their minimum and maximum
    (no sort); only the mixed ones get a real median (``numpy.median``, NaN-aware like pandas).
    """
    import numpy as np

    n = len(x)
    out = np.zeros(len(idx), dtype=np.int8)
    if n == 0:
        return out
    finite = np.isfinite(x)
    if finite.all():
        lo = np.minimum.reduceat(x, idx)
        hi = np.maximum.reduceat(x, idx)
    else:
        lo = np.minimum.reduceat(np.where(finite, x, np.inf), idx)
        hi = np.maximum.reduceat(np.where(finite, x, -np.inf), idx)
    out[lo > tol] = 1
    out[hi < -tol] = -1
    mixed = np.flatnonzero(~((lo > tol) | (hi < -tol) | ((lo >= -tol) & (hi <= tol))))
    if len(mixed):
        ends = np.r_[idx[1:], n]
        for k in mixed.tolist():
            seg = x[idx[k]:ends[k]]
            seg = seg[np.isfinite(seg)]
            if len(seg):
                m = float(np.median(seg))
                out[k] = 1 if m > tol else (-1 if m < -tol else 0)
    return out


def step_type_codes(current_A: Any, step_index: Any, *, rest_fraction: float = 1e-3) -> npt.NDArray[np.int8]:
    """Codes into :data:`STEP_TYPE_NAMES` (charge 0 / discharge 1 / rest 2) per record, from the
    sign of each step's median current (see :func:`derive_step_types`)."""
    import numpy as np

    i = np.asarray(current_A, dtype=float)
    s = np.asarray(step_index)
    n = len(i)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    fin = np.isfinite(i)
    tol = max(rest_fraction * float(np.max(np.abs(i[fin]))) if fin.any() else 0.0, 1e-12)
    sign_to_code = np.array([1, 2, 0], dtype=np.int8)  # sign -1, 0, +1 -> discharge, rest, charge
    if n == 1 or bool(np.all(s[1:] >= s[:-1])):
        # steps are contiguous runs (the usual case): one pass over the segments
        rs = run_starts(s)
        idx = np.flatnonzero(rs)
        sign = _segment_medians_sign(i, idx, tol)
        seg = np.cumsum(rs) - 1
        return sign_to_code[sign.astype(np.int64) + 1][seg]
    import pandas as pd

    med = pd.Series(i).groupby(s).transform("median").to_numpy()
    out = np.full(n, 2, dtype=np.int8)
    out[med > tol] = 0
    out[med < -tol] = 1
    return out


def derive_step_types(
    current_A: Any, step_index: Any, *, rest_fraction: float = 1e-3
) -> npt.NDArray[np.object_]:
    """charge / discharge / rest per step from the sign of its median current.

    A step is a rest when its median |current| is below ``rest_fraction`` × the largest |current|
    of the file (instrument offsets in open circuit are ~1e-4 of full scale or less).
    """
    import numpy as np

    codes = step_type_codes(current_A, step_index, rest_fraction=rest_fraction)
    return np.array(STEP_TYPE_NAMES, dtype=object)[codes]


def _step_type_column(step_type: Any, n: int) -> tuple[Any, Any]:
    """(codes int8, labels) of a step-type column given as codes (int array into
    :data:`STEP_TYPE_NAMES`), a pandas Categorical, or strings."""
    import numpy as np
    import pandas as pd

    if isinstance(step_type, pd.Categorical):
        return np.asarray(step_type.codes), [str(c) for c in step_type.categories]
    arr = np.asarray(step_type)
    if arr.dtype.kind in "iu":
        return arr, list(STEP_TYPE_NAMES)
    codes, uniques = pd.factorize(np.asarray(arr, dtype=object))
    return codes, [str(u) for u in uniques]


def _check_arrays(cols: dict[str, Any], st_codes: Any, st_labels: list[str], source: str) -> None:
    """The checks of :func:`cellworks.timeseries.validate`, on the arrays before the DataFrame is
    built (same rules, same messages; the dtypes are set by :func:`assemble` itself)."""
    import numpy as np

    from cellworks.errors import SchemaError
    from cellworks.timeseries import REQUIRED, STEP_TYPES

    for col, kind in REQUIRED.items():
        if kind != "f":
            continue
        values = cols[col]
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise SchemaError(f"value is {values[row]} (NaN or infinite)", file=source, record=f"row {row}", field=col)
    t = cols["test_time_s"]
    if len(t) > 1:
        d = np.diff(t)
        if (d < 0).any():
            row = int(np.flatnonzero(d < 0)[0]) + 1
            raise SchemaError(
                f"time goes backwards ({t[row - 1]:g} s → {t[row]:g} s); test_time_s must be non-decreasing",
                file=source, record=f"row {row}", field="test_time_s",
            )
    for col in ("cycle_index", "step_index"):
        arr = cols[col]
        if len(arr) and arr.min() < 1:
            row = int(np.flatnonzero(arr < 1)[0])
            raise SchemaError(f"value {arr[row]} < 1 (indices start at 1)", file=source, record=f"row {row}", field=col)
    bad_labels = [k for k, lab in enumerate(st_labels) if lab not in STEP_TYPES]
    if bad_labels or (len(st_codes) and st_codes.min() < 0):
        bad = np.isin(st_codes, bad_labels) | (st_codes < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            code = int(st_codes[row])
            value = st_labels[code] if code >= 0 else "<NA>"
            raise SchemaError(
                f"value '{value}' is not one of {', '.join(STEP_TYPES)}", file=source, record=f"row {row}",
                field="step_type",
            )
    for col in ("charge_capacity_Ah", "discharge_capacity_Ah"):
        arr = cols[col]
        if len(arr) and arr.min() < -1e-12:
            row = int(np.flatnonzero(arr < -1e-12)[0])
            raise SchemaError(f"value {arr[row]:g} is negative", file=source, record=f"row {row}", field=col)


def assemble(
    *,
    path: str | Path,
    instrument: str,
    fmt: str,
    test_time_s: Any,
    voltage_V: Any,
    current_A: Any,
    step_index: Any,
    cycle_index: Any,
    charge_increment_Ah: Any = None,
    discharge_increment_Ah: Any = None,
    charge_energy_increment_Wh: Any = None,
    discharge_energy_increment_Wh: Any = None,
    step_capacities: dict[str, Any] | None = None,
    step_type: Any = None,
    step_mode: Any = None,
    temperature_C: Any = None,
    timestamp: Any = None,
    extra_columns: dict[str, Any] | None = None,
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    cell_name: str | None = None,
    meta_extra: dict[str, Any] | None = None,
    raw: bytes | None = None,
) -> CyclingData:
    """Build the validated cellworks table from instrument arrays (see the module docstring).

    All per-record work is done on numpy arrays and checked with the rules of
    :func:`cellworks.timeseries.validate` before one DataFrame is built. ``step_type`` may be
    strings, a pandas Categorical or integer codes into :data:`STEP_TYPE_NAMES`. ``raw``: the
    file's bytes when the reader already holds them (hashed instead of reading the file again).
    """
    import hashlib

    import numpy as np
    import pandas as pd

    from cellworks._io import sha256_file
    from cellworks.timeseries import CyclingData, Metadata
    from cellworks.timeseries import step_capacities as integrate_steps

    t = np.asarray(test_time_s, dtype=np.float64)
    v = np.asarray(voltage_V, dtype=np.float64)
    i = np.asarray(current_A, dtype=np.float64)
    step = step_key(np.asarray(step_index))
    starts = run_starts(step)
    cyc = np.asarray(cycle_index, dtype=np.int64)
    extra_meta: dict[str, Any] = {"format": fmt, **(meta_extra or {})}
    if len(cyc) and cyc.min() < 1:
        offset = int(1 - cyc.min())
        cyc = cyc + offset
        extra_meta["cycle_index_offset"] = offset
    if step_capacities is not None:
        # per-step cumulative values already in the cellworks convention (BDF Step … columns)
        qc, qd, ec, ed = (np.asarray(step_capacities[k], dtype=float) for k in ("qc", "qd", "ec", "ed"))
    elif charge_increment_Ah is None or discharge_increment_Ah is None:
        caps = integrate_steps(t, i, v, step)
        qc, qd = caps["charge_capacity_Ah"], caps["discharge_capacity_Ah"]
        ec, ed = caps["charge_energy_Wh"], caps["discharge_energy_Wh"]
        extra_meta["capacities"] = "integrated from current and time (trapezoid)"
    else:
        seg = np.cumsum(starts) - 1
        dqc = np.clip(np.asarray(charge_increment_Ah, dtype=float), 0.0, None)
        dqd = np.clip(np.asarray(discharge_increment_Ah, dtype=float), 0.0, None)
        qc = per_step_cumsum(dqc, starts, seg=seg)
        qd = per_step_cumsum(dqd, starts, seg=seg)
        if charge_energy_increment_Wh is None or discharge_energy_increment_Wh is None:
            # energy increments: charge increment × mean voltage over the record interval
            vmid = v.copy()
            if len(v) > 1:
                vmid[1:] = 0.5 * (v[1:] + v[:-1])
            # signed: a cell at negative voltage has negative energies (never a flipped voltage)
            dec = vmid * dqc
            ded = vmid * dqd
            extra_meta["energies"] = "charge increments × mean voltage of each record interval"
        else:
            dec = np.asarray(charge_energy_increment_Wh, dtype=float)
            ded = np.asarray(discharge_energy_increment_Wh, dtype=float)
        ec = per_step_cumsum(dec, starts, seg=seg)
        ed = per_step_cumsum(ded, starts, seg=seg)
    if step_type is None:
        st_codes: Any = step_type_codes(i, step)
        st_labels: list[str] = list(STEP_TYPE_NAMES)
    else:
        st_codes, st_labels = _step_type_column(step_type, len(t))
    mode_col, mode_note = _step_mode_column(step_mode, t, i, v, step, starts, st_codes, st_labels, qc, qd)
    extra_meta["step_modes"] = mode_note
    cols: dict[str, Any] = {
        "test_time_s": t,
        "cycle_index": cyc,
        "step_index": step,
        "step_type": None,
        "current_A": i,
        "voltage_V": v,
        "charge_capacity_Ah": np.asarray(qc, dtype=np.float64),
        "discharge_capacity_Ah": np.asarray(qd, dtype=np.float64),
        "charge_energy_Wh": np.asarray(ec, dtype=np.float64),
        "discharge_energy_Wh": np.asarray(ed, dtype=np.float64),
    }
    _check_arrays(cols, st_codes, st_labels, str(path))
    # the 'string' dtype of the schema, built from the few labels and taken by code (fast)
    cols["step_type"] = pd.array(st_labels, dtype="string").take(np.asarray(st_codes, dtype=np.intp))
    cols["step_mode"] = mode_col
    if temperature_C is not None:
        cols["temperature_C"] = np.asarray(temperature_C, dtype=float)
    if timestamp is not None:
        cols["timestamp"] = timestamp
    for name, arr in (extra_columns or {}).items():
        cols[name] = arr
    df = pd.DataFrame(cols, copy=False)
    if timestamp is not None and not pd.api.types.is_datetime64_any_dtype(getattr(timestamp, "dtype", object)):
        from cellworks.timeseries import validate

        validate(df, source=str(path))  # reports the wrong dtype
    meta = Metadata(
        source_file=str(Path(path).resolve()),
        source_sha256=hashlib.sha256(raw).hexdigest() if raw is not None else sha256_file(path),
        instrument=instrument,
        cell_name=cell_name,
        active_mass_g=active_mass_g,
        area_cm2=area_cm2,
        extra=extra_meta,
    )
    return CyclingData(df, meta)


def _step_mode_column(
    step_mode: Any, t: Any, i: Any, v: Any, step: Any, starts: Any, st_codes: Any, st_labels: list[str],
    qc: Any, qd: Any,
) -> tuple[Any, str]:
    """The ``step_mode`` column (pandas string array) and how it was obtained.

    ``step_mode`` from a reader: per-record labels (what the instrument recorded; ``None`` entries
    are derived from the data). Derived modes follow :mod:`._modes`; GITT/HPPC sequences are then
    recognised over the steps."""
    import numpy as np
    import pandas as pd

    from cellworks.cycling.readers._modes import STEP_MODES, derive_step_modes, recognise_pulse_protocols

    n = len(t)
    idx = np.flatnonzero(starts)
    ends = np.r_[idx[1:], n]
    # direction code per step in STEP_TYPE_NAMES order (charge 0, discharge 1, rest 2, other 3)
    lut = np.array([STEP_TYPE_NAMES.index(lab) if lab in STEP_TYPE_NAMES else 3 for lab in st_labels] or [3],
                   dtype=np.int8)
    codes = np.asarray(st_codes, dtype=np.int64)
    dir_rec = lut[np.clip(codes, 0, len(lut) - 1)] if n else np.zeros(0, dtype=np.int8)
    mid = (idx + ends - 1) // 2
    dir_step = dir_rec[mid] if n else dir_rec
    derived = derive_step_modes(t, i, v, step, dir_step)
    if step_mode is None:
        per_step = derived
        note = "derived from the records (CC/CV/CC-CV/rest rules of cellworks.cycling.readers._modes)"
    else:
        given = np.asarray(step_mode, dtype=object)[mid] if n else np.zeros(0, dtype=object)
        missing = np.array([g is None or g == "" for g in given], dtype=bool)
        per_step = np.where(missing, derived, given)
        note = "as recorded by the instrument" + ("; derived from the records where it records none" if
                                                   missing.any() else "")
    if n:
        dur = t[ends - 1] - np.r_[t[0], t[ends[:-1] - 1]]
        q = np.maximum.reduceat(np.asarray(qc, dtype=float), idx) + np.maximum.reduceat(np.asarray(qd, dtype=float), idx)
        cur = np.add.reduceat(np.abs(i), idx) / (ends - idx)
        before = per_step.copy()
        per_step = recognise_pulse_protocols(per_step, dir_step, dur, cur, q)
        if (per_step != before).any():
            note += "; GITT/HPPC sequences recognised from step durations and currents"
    bad = [m for m in set(per_step.tolist()) if m not in STEP_MODES]
    if bad:
        per_step = np.where(np.isin(per_step, bad), "other", per_step)
    labels = list(STEP_MODES)
    code = np.array([labels.index(m) for m in per_step.tolist()], dtype=np.intp)
    seg = np.cumsum(starts) - 1
    return pd.array(labels, dtype="string").take(code[seg] if n else code), note


def monotonic_time(t: Any, starts: Any, *, test_clock: bool = False) -> npt.NDArray[np.float64]:
    """Make a time column non-decreasing.

    ``test_clock``: the column is a test time by definition (BDF): a single record whose time
    falls back while the next one returns to the clock is a glitch and takes the previous record's
    time. Otherwise, and for falls that are no glitches, a time that falls back (a step-time column, or a test time that restarts: BDF's "Time_Bug")
    is continued: after a fall at record k the clock is taken to have restarted at record k−1, so
    the new time is the previous record's time plus the value read. When (almost) every step start
    falls back the column is a step time and every step start is treated as a restart. A column
    that never falls is returned unchanged."""
    import numpy as np

    x = np.asarray(t, dtype=float)
    if len(x) < 2 or np.all(np.diff(x) >= 0):
        return x
    x = x.copy()
    if test_clock:
        # a lone record that falls back while the next one returns to the clock is a glitch (BDF's
        # "Time_Bug" writes 0 in the first record of each step): it gets the time of the record before
        k = np.flatnonzero(x[1:-1] < x[:-2]) + 1
        lone = k[x[k + 1] >= x[k - 1]]
        x[lone] = x[lone - 1]
        if np.all(np.diff(x) >= 0):
            return x
    st = np.asarray(starts, dtype=bool)
    falls = np.zeros(len(x), dtype=bool)
    falls[1:] = x[1:] < x[:-1]
    step_starts = np.flatnonzero(st[1:]) + 1
    if step_starts.size and falls[step_starts].mean() >= 0.9:
        falls[step_starts] = True  # a step time: every step restarts the clock
    add = np.zeros(len(x))
    k = np.flatnonzero(falls)
    add[k] = x[k - 1]
    # a restart that reads a negative value starts below zero: keep the record at the previous time
    return np.asarray(x + np.cumsum(add))


def warn_once(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=3)


def check_last_row(df: Any, path: str | Path, *, allow_truncated: bool, first_data_line: int,
                   raw: bytes | None = None, sep: str = ",") -> Any:
    """A text table whose last row was cut short: fewer values than the rows before it, or (given
    the file's ``raw`` bytes, when it does not end with a line break) a value shorter than its
    column's fixed format (``3.3`` below a column of ``3.30571450``: cut inside the number).

    Raise :class:`FileFormatError` naming the line, or (``allow_truncated``) drop that row with
    one warning.
    """
    import numpy as np

    if len(df) == 0:
        return df
    na = df.isna().to_numpy()
    full_cols = ~na[:-1].any(axis=0) if len(df) > 1 else np.ones(na.shape[1], dtype=bool)
    last_bad = bool((na[-1] & full_cols).any())
    if not last_bad and raw is not None and raw[-1:] not in (b"\n", b"\r") and len(df) > 1:
        tail = raw[-65536:].decode("utf-8", errors="replace").splitlines()
        if len(tail) >= 2 and cut_field(tail[-2].split(sep), tail[-1].split(sep)) is not None:
            last_bad = True
    if last_bad:
        line = first_data_line + len(df) - 1
        if allow_truncated:
            warn_once(f"{Path(path).name}: line {line}: record cut off; incomplete last record dropped")
            out = df.iloc[:-1].copy()
            out.attrs["dropped_incomplete_last_record"] = f"line {line}"
            return out
        raise FileFormatError(
            "record cut off (the file ends inside this record: truncated, or still being written)",
            file=path, record=f"line {line}",
        )
    return df


def field_shape(field: str) -> str:
    """Digits-insensitive shape of a text value that keeps its decimal count: ``'3.30571450'`` →
    ``'d.fxxxxxxxx'``, ``'03/31/2016 16:05:41'`` → ``'d/d/d d:d:d'``, ``'1.02E-003'`` → ``'d.fxxE-d'``."""
    import re

    s = field.strip().lstrip("+-")
    s = re.sub(r"(?<=[.,])\d+", lambda m: "f" + "x" * len(m.group()), s)  # the count survives the next step
    return re.sub(r"\d+", "d", s)


def cut_field(previous: list[str], last: list[str]) -> int | None:
    """Index of the first field of the last text record that looks cut short, comparing it with
    the record before (instruments print each column with a fixed number of decimals and fixed
    date formats), or None. Only fields whose previous value holds digits are compared."""
    if len(last) < len(previous):
        return len(last)
    for k, (a, b) in enumerate(zip(previous, last, strict=False)):
        sa = field_shape(a)
        if "d" not in sa or "f" not in sa and ":" not in sa and "/" not in sa:
            continue  # integers and texts: no fixed shape to compare
        if field_shape(b) != sa:
            return k
    return None
