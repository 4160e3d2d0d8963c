"""Pulse (HPPC) tests in spreadsheets or CSV: time [s], current [A], voltage [V].

The first sheet of PyBOP's ``samsung_inr21700_multipulse_hppc.xlsx`` has ``Time, Current, Voltage``
with current > 0 on discharge (3 A and 6 A discharge pulses, 0.3 A and 0.6 A charge pulses).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import numpy as np

_ALIASES = {
    "time": ("time", "time_s", "test_time_s", "t", "time [s]", "time/s"),
    "current": ("current", "current_a", "current [a]", "i", "current/a"),
    "voltage": ("voltage", "voltage_v", "voltage [v]", "v", "ecell/v", "voltage/v"),
}


@dataclass(frozen=True)
class PulseData:
    """A pulse test: time, current (> 0 discharge) and voltage."""
    time_s: np.ndarray
    current_A: np.ndarray  # > 0 discharge
    voltage_V: np.ndarray
    source: str


def read_pulse_test(path: str | Path, sheet: str | int = 0, charge_positive: bool = False) -> PulseData:
    """Read time/current/voltage columns from .xlsx/.xls/.csv (first sheet by default)."""
    import numpy as np
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(p, sheet_name=sheet)
        else:
            df = pd.read_csv(p, sep=None, engine="python")
    except Exception as exc:  # openpyxl/pandas raise many types for a broken file
        raise FileFormatError(f"cannot read as a table: {exc}", file=p) from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    pick: dict[str, Any] = {}
    for key, names in _ALIASES.items():
        for n in names:
            if n in cols:
                pick[key] = cols[n]
                break
        else:
            raise FileFormatError(f"no {key} column (looked for {', '.join(names)}; found {list(df.columns)})",
                                  file=p, field=key)
    arr = {}
    for key, col in pick.items():
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(vals))
        if len(bad):
            raise FileFormatError("not a number", file=p, record=f"row {int(bad[0]) + 2}", field=str(col))
        arr[key] = vals
    t = arr["time"]
    if len(t) < 10:
        raise FileFormatError("too few samples for a pulse fit", file=p)
    if np.any(np.diff(t) < 0):
        k = int(np.flatnonzero(np.diff(t) < 0)[0])
        raise FileFormatError("time goes backwards", file=p, record=f"row {k + 3}", field=str(pick["time"]))
    cur = -arr["current"] if charge_positive else arr["current"]
    return PulseData(t - t[0], cur, arr["voltage"], str(p))
