"""Fit the equivalent circuit (R0, one or two RC pairs, OCV table, instantaneous hysteresis) to a
pulse test (HPPC).

Model (Plett's ESC, current > 0 on discharge): ``v = OCV(z) + M0·s − R0·i − Σ R_j·iR_j`` with
``z`` by coulomb counting from the first rest voltage and the OCV a piecewise-linear table on
``n_ocv`` nodes spanning the SOC the test visits. For fixed time constants the voltage is linear in
(OCV nodes, M0, R0, R_j), so those come from a linear least-squares solve; the time constants are
found by a bounded search on their logarithms around it.

Reader: spreadsheets (.xlsx) or CSV with columns time [s], current [A], voltage [V] — the first
sheet of PyBOP's ``samsung_inr21700_multipulse_hppc.xlsx`` has ``Time, Current, Voltage`` with
current > 0 on discharge (3 A and 6 A discharge pulses, 0.3 A and 0.6 A charge pulses).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError, ParameterError

if TYPE_CHECKING:
    import numpy as np

_ALIASES = {
    "time": ("time", "time_s", "test_time_s", "t", "time [s]", "time/s"),
    "current": ("current", "current_a", "current [a]", "i", "current/a"),
    "voltage": ("voltage", "voltage_v", "voltage [v]", "v", "ecell/v", "voltage/v"),
}


@dataclass(frozen=True)
class PulseData:
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


@dataclass(frozen=True)
class EcmFit:
    r0_Ohm: float
    rc_R_Ohm: tuple[float, ...]
    rc_tau_s: tuple[float, ...]
    hysteresis_M0_V: float
    ocv_soc: tuple[float, ...]
    ocv_V: tuple[float, ...]
    capacity_Ah: float
    soc0: float
    rms_error_V: float
    max_error_V: float
    n_samples: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "r0_mOhm": self.r0_Ohm * 1e3,
            "rc_R_mOhm": [r * 1e3 for r in self.rc_R_Ohm],
            "rc_tau_s": list(self.rc_tau_s),
            "hysteresis_M0_mV": self.hysteresis_M0_V * 1e3,
            "ocv_table": {"soc": list(self.ocv_soc), "voltage_V": list(self.ocv_V)},
            "capacity_Ah": self.capacity_Ah,
            "soc0": self.soc0,
            "rms_error_mV": self.rms_error_V * 1e3,
            "max_error_mV": self.max_error_V * 1e3,
            "n_samples": self.n_samples,
            "source": self.source,
        }


def _design(tau: np.ndarray, d: PulseData, z: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Columns: OCV hat functions on the nodes, M0·s, −i, −iR_j(τ_j)."""
    import numpy as np

    n = len(d.time_s)
    cols = []
    # piecewise-linear OCV: hat basis
    for j in range(len(nodes)):
        b = np.zeros(n)
        if j > 0:
            lo, hi = nodes[j - 1], nodes[j]
            m = (z >= lo) & (z <= hi)
            b[m] = (z[m] - lo) / (hi - lo)
        if j < len(nodes) - 1:
            lo, hi = nodes[j], nodes[j + 1]
            m = (z >= lo) & (z <= hi)
            b[m] = (hi - z[m]) / (hi - lo)
        if j == 0:
            b[z < nodes[0]] = 1.0
        if j == len(nodes) - 1:
            b[z > nodes[-1]] = 1.0
        cols.append(b)
    i = d.current_A
    s = np.zeros(n)
    last = 0.0
    for k in range(n):
        if abs(i[k]) > 1e-3:
            last = np.sign(i[k])
        s[k] = last
    cols.append(s)
    cols.append(-i)
    dt = np.diff(d.time_s, prepend=d.time_s[0])
    for tj in tau:
        a = np.exp(-dt / tj)
        ir = np.zeros(n)
        for k in range(1, n):
            ir[k] = a[k] * ir[k - 1] + (1.0 - a[k]) * i[k]
        cols.append(-ir)
    return np.column_stack(cols)


def fit_ecm(data: PulseData, capacity_Ah: float = 5.0, n_rc: int = 2, n_ocv: int = 4) -> EcmFit:
    """Least-squares fit; ``capacity_Ah`` sets the SOC scale (nominal capacity of the cell)."""
    import numpy as np
    from scipy.optimize import least_squares

    from cellworks.pack.cell import OcvTable

    if capacity_Ah <= 0:
        raise ParameterError("capacity must be positive", field="capacity_Ah")
    if n_rc not in (1, 2):
        raise ParameterError("one or two RC pairs", field="n_rc")
    if n_ocv < 2:
        raise ParameterError("at least two OCV nodes", field="n_ocv")
    t, i = data.time_s, data.current_A
    dt = np.diff(t, prepend=t[0])
    q_Ah = np.cumsum(i * dt) / 3600.0
    rest0 = data.voltage_V[0]
    soc0 = float(np.clip(OcvTable.lg_m50().soc_at(rest0), 0.0, 1.0))
    z = soc0 - q_Ah / capacity_Ah
    nodes = np.linspace(z.min(), z.max(), n_ocv)
    if nodes[-1] - nodes[0] < 1e-9:
        raise ParameterError("the test passes no charge: cannot scale an OCV table", field="current")
    v = data.voltage_V

    def solve(logtau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A = _design(np.exp(logtau), data, z, nodes)
        coef, *_ = np.linalg.lstsq(A, v, rcond=None)
        return coef, A @ coef - v

    def resid(logtau: np.ndarray) -> np.ndarray:
        return solve(np.sort(logtau))[1]

    best: Any = None
    starts = [(1.0, 30.0), (5.0, 100.0), (0.5, 10.0)] if n_rc == 2 else [(1.0,), (10.0,), (60.0,)]
    for st in starts:
        r = least_squares(resid, np.log(np.asarray(st)), bounds=(np.log(0.05), np.log(3600.0)))
        if best is None or r.cost < best.cost:
            best = r
    logtau = np.sort(best.x)
    coef, res = solve(logtau)
    k = len(nodes)
    rms = float(np.sqrt(np.mean(res**2)))
    return EcmFit(
        r0_Ohm=float(coef[k + 1]),
        rc_R_Ohm=tuple(float(c) for c in coef[k + 2:]),
        rc_tau_s=tuple(float(x) for x in np.exp(logtau)),
        hysteresis_M0_V=float(coef[k]),
        ocv_soc=tuple(float(x) for x in nodes),
        ocv_V=tuple(float(x) for x in coef[:k]),
        capacity_Ah=capacity_Ah,
        soc0=soc0,
        rms_error_V=rms,
        max_error_V=float(np.max(np.abs(res))),
        n_samples=len(v),
        source=data.source,
    )
