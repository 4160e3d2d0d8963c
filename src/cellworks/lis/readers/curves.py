"""Measured Li–S discharge curves for ``cellworks lis fit-curves``: ``FILE:RATE`` arguments.

``FILE`` is either

* a two-column text file (``.csv``/``.txt``/``.tsv``) of specific capacity in mAh per g of sulfur
  and voltage in V, comma, semicolon or tab separated, header optional (a header names the
  columns: one containing ``cap`` and one containing ``volt`` or ``V``; without one the first
  column is the capacity); or
* any cycler file :func:`cellworks.cycling.read` reads (also a cycler's own CSV/text export: a
  text file with other than two columns is handed to the cycler readers); its first discharge step
  is used, its capacity divided by the sulfur mass (``sulfur_mass_g``, else the file's active mass).

``RATE`` is ``0.1C`` (1C = 1675 mA per g of sulfur, 16 e⁻ per S₈) or a current per gram of sulfur,
``0.2A/g`` / ``200mA/g``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError, InputError
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: fewest points a curve needs to be fitted on its shape
MIN_POINTS = 10
#: plausible Li–S cell voltages [V]; values outside are another unit or a broken file
VOLTAGE_RANGE_V = (0.0, 5.0)

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(C|A/g|mA/g)\s*$")


@dataclass(frozen=True)
class MeasuredCurve:
    """One discharge: capacity [mAh/g S] (non-decreasing from 0) and voltage [V] at ``rate_A_per_g``."""

    file: str
    rate_text: str
    rate_A_per_g: float
    capacity_mAh_per_g: Any = field(repr=False)
    voltage_V: Any = field(repr=False)

    @property
    def capacity_end_mAh_per_g(self) -> float:
        """The curve's final capacity [mAh/g S]."""
        return float(self.capacity_mAh_per_g[-1])

    @property
    def cutoff_V(self) -> float:
        """The voltage at the end of the curve (the discharge's cut-off)."""
        return float(self.voltage_V[-1])


def parse_rate(text: str) -> float:
    """``0.1C`` → 0.1675 A/g (1C = 1675 mA/g S); ``0.2A/g`` → 0.2; ``200mA/g`` → 0.2."""
    m = _RATE.match(text)
    if not m:
        raise InputError("rate must look like 0.1C, 0.2A/g or 200mA/g", token=text, field="RATE")
    value, unit = float(m.group(1)), m.group(2)
    if not (math.isfinite(value) and value > 0):
        raise InputError("rate must be > 0", token=text, field="RATE")
    if unit == "C":
        return value * THEORETICAL_MAH_PER_G_S / 1000.0
    return value / 1000.0 if unit == "mA/g" else value


def split_spec(spec: str) -> tuple[str, str]:
    """``FILE:RATE`` → (FILE, RATE); the rate is after the last colon (paths may contain colons)."""
    if ":" not in spec:
        raise InputError("expected FILE:RATE, e.g. curve.csv:0.1C", token=spec, field="--curve")
    path, rate = spec.rsplit(":", 1)
    if not path:
        raise InputError("expected FILE:RATE with a file name", token=spec, field="--curve")
    return path, rate


def _floats(parts: list[str]) -> list[float] | None:
    try:
        return [float(x) for x in parts]
    except ValueError:
        return None


def read_curve_csv(path: Path) -> tuple[Any, Any]:
    """(capacity mAh/g, voltage V) arrays of a two-column CSV, header optional."""
    import numpy as np

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except UnicodeDecodeError:
        raise FileFormatError("not a text file (expected a CSV of capacity and voltage)", file=str(path)) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FileFormatError("empty file", file=str(path))
    sep = next((s for s in ("\t", ";", ",") if s in lines[0]), None)

    def cells(line: str) -> list[str]:
        return [c.strip() for c in (line.split(sep) if sep else line.split())]

    head = cells(lines[0])
    if len(head) != 2:
        raise FileFormatError(f"not a two-column capacity/voltage file ({len(head)} columns)", file=str(path),
                              record="line 1")
    cap_col, v_col = 0, 1
    first = 0
    if _floats(head) is None:  # a header names the columns
        first = 1
        low = [h.lower() for h in head]
        caps = [i for i, h in enumerate(low) if "cap" in h]
        volts = [i for i, h in enumerate(low) if "volt" in h or h in ("v", "v/v", "ewe/v", "u/v", "voltage_v")]
        if not caps or not volts:
            raise FileFormatError(f"header needs a capacity and a voltage column, got {head}", file=str(path),
                                  record="line 1")
        cap_col, v_col = caps[0], volts[0]
    q: list[float] = []
    v: list[float] = []
    for k, line in enumerate(lines[first:], start=first + 1):
        c = cells(line)
        if len(c) <= max(cap_col, v_col):
            raise FileFormatError(f"expected at least {max(cap_col, v_col) + 1} columns", file=str(path),
                                  record=f"line {k}")
        vals = _floats([c[cap_col], c[v_col]])
        if vals is None or not all(math.isfinite(x) for x in vals):
            raise FileFormatError("capacity and voltage must be finite numbers", file=str(path), record=f"line {k}",
                                  field="capacity" if _floats([c[cap_col]]) is None else "voltage")
        q.append(vals[0])
        v.append(vals[1])
    return np.asarray(q, dtype=float), np.asarray(v, dtype=float)


def read_curve_cycler(path: Path, sulfur_mass_g: float | None) -> tuple[Any, Any]:
    """(capacity mAh/g, voltage V) of the first discharge step of a cycler file."""

    from cellworks.cycling import read

    data = read(path)
    tb = data.table
    mass = sulfur_mass_g if sulfur_mass_g is not None else data.meta.active_mass_g
    if not mass or mass <= 0:
        raise InputError("the file states no active (sulfur) mass: give --sulfur-mass-g", file=str(path),
                         field="active_mass_g")
    dis = tb[tb["step_type"] == "discharge"]
    if len(dis) == 0:
        raise InputError("no discharge step in the file", file=str(path), field="step_type")
    first = dis["step_index"].iloc[0]
    seg = dis[dis["step_index"] == first]
    q = seg["discharge_capacity_Ah"].to_numpy(dtype=float) * 1e3 / mass
    return q - q[0], seg["voltage_V"].to_numpy(dtype=float)


def check_curve(q: Any, v: Any, file: str) -> tuple[Any, Any]:
    """Validated, non-decreasing capacity from 0 with its voltage (one clear error otherwise)."""
    import numpy as np

    if q.size < MIN_POINTS:
        raise InputError(f"a curve needs at least {MIN_POINTS} points, got {q.size}", file=file)
    lo, hi = VOLTAGE_RANGE_V
    bad = np.flatnonzero((v <= lo) | (v >= hi))
    if bad.size:
        raise InputError(f"voltage {v[bad[0]]:g} V outside {lo:g}–{hi:g} V (wrong column or unit?)", file=file,
                         record=f"point {bad[0] + 1}", field="voltage")
    if q[-1] < q[0]:
        raise InputError("capacity decreases along the file: expected a discharge with growing capacity", file=file,
                         field="capacity")
    q = np.maximum.accumulate(q - q[0])
    if q[-1] <= 0:
        raise InputError("the curve passes no capacity", file=file, field="capacity")
    if q[-1] > 2.0 * THEORETICAL_MAH_PER_G_S:
        raise InputError(f"capacity {q[-1]:.0f} mAh/g is beyond twice sulfur's 1675 mAh/g (not mAh per g S?)",
                         file=file, field="capacity")
    return q, v


def read_curve(spec: str, *, sulfur_mass_g: float | None = None) -> MeasuredCurve:
    """Read one ``FILE:RATE`` argument."""
    file, rate_text = split_spec(spec)
    rate = parse_rate(rate_text)
    path = Path(file)
    if not path.exists():
        raise InputError("file not found", file=file)
    if path.suffix.lower() in CSV_SUFFIXES:
        try:
            q, v = read_curve_csv(path)
        except FileFormatError as two_column:
            if "two-column" not in two_column.message:
                raise
            try:  # a cycler's own text export
                q, v = read_curve_cycler(path, sulfur_mass_g)
            except InputError:
                raise two_column from None
    else:
        q, v = read_curve_cycler(path, sulfur_mass_g)
    q, v = check_curve(q, v, file)
    return MeasuredCurve(file=file, rate_text=rate_text.strip(), rate_A_per_g=rate, capacity_mAh_per_g=q, voltage_V=v)


__all__ = ["MeasuredCurve", "check_curve", "parse_rate", "read_curve", "read_curve_csv", "read_curve_cycler",
           "split_spec"]
