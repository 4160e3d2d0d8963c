"""Fit the equivalent circuit (R0, one or two RC pairs, instantaneous hysteresis) to a pulse test.

Model (Plett's ESC, current > 0 on discharge)::

    v = OCV(z) + c + M0·s − R0·i − Σ R_j·iR_j,    z = z0 − ∫i dt / (3600·Q)

The SOC scale needs the cell's capacity Q (``capacity_Ah``: no default, a wrong Q moves every
SOC). The OCV comes from a stated source:

* a curve (``"lg_m50"``, ``"ecm_example"``-style CSV files, any :class:`~cellworks.pack.cell.OcvTable`):
  z0 is read off the curve at the first (rested) voltage and ``c`` (fitted, reported) absorbs a
  small offset between the curve and this cell;
* ``"fit"``: a piecewise-linear OCV on ``n_ocv`` nodes fitted with the rest — refused unless the
  test moves the SOC by at least ``MIN_SOC_PER_NODE`` per node interval (a pulse test that
  passes 16 mAh of a 3 Ah cell cannot tell an OCV slope from a polarisation).

For fixed time constants the voltage is linear in the other parameters (a least-squares solve);
the time constants come from a bounded search on their logarithms around it.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.pack.readers.hppc import PulseData

if TYPE_CHECKING:
    import numpy as np

    from cellworks.pack.cell import OcvTable

#: fitting an OCV needs at least this much SOC between two of its nodes
MIN_SOC_PER_NODE = 0.05
PEERS_FILE = Path(__file__).parent / "data" / "ecm_peer_values.toml"


@dataclass(frozen=True)
class EcmFit:
    """Fitted parameters (role ``fitted``) and what they rest on (role ``input``)."""

    r0_Ohm: float
    rc_R_Ohm: tuple[float, ...]
    rc_tau_s: tuple[float, ...]
    hysteresis_M0_V: float
    ocv_offset_V: float
    ocv_soc: tuple[float, ...]
    ocv_V: tuple[float, ...]
    ocv_source: str
    capacity_Ah: float
    soc0: float
    soc_span: float
    rms_error_V: float
    max_error_V: float
    n_samples: int
    source: str
    file_sha256: str = ""
    peer: dict[str, Any] = field(default_factory=dict)

    @property
    def total_resistance_Ohm(self) -> float:
        """R0 plus the RC resistances (the DC resistance after all transients)."""
        return self.r0_Ohm + sum(self.rc_R_Ohm)

    def to_dict(self) -> dict[str, Any]:
        """Fitted values, the inputs they rest on, the OCV table and a peer's documented fit."""
        out: dict[str, Any] = {
            "fitted": {
                "r0_mOhm": self.r0_Ohm * 1e3,
                "rc_R_mOhm": [r * 1e3 for r in self.rc_R_Ohm],
                "rc_tau_s": list(self.rc_tau_s),
                "total_resistance_mOhm": self.total_resistance_Ohm * 1e3,
                "hysteresis_M0_mV": self.hysteresis_M0_V * 1e3,
                "ocv_offset_mV": self.ocv_offset_V * 1e3,
                "rms_error_mV": self.rms_error_V * 1e3,
                "max_error_mV": self.max_error_V * 1e3,
            },
            "input": {
                "capacity_Ah": self.capacity_Ah,
                "ocv_source": self.ocv_source,
                "soc0": self.soc0,
                "soc_span": self.soc_span,
                "charge_span_mAh": self.soc_span * self.capacity_Ah * 1e3,
                "n_samples": self.n_samples,
                "file": self.source,
                "file_sha256": self.file_sha256,
            },
            "ocv_table": {"soc": list(self.ocv_soc), "voltage_V": list(self.ocv_V)},
        }
        if self.peer:
            out["peer_documented"] = self.peer
        return out


def _rc_currents(d: PulseData, tau: float) -> np.ndarray:
    import numpy as np

    i = d.current_A
    dt = np.diff(d.time_s, prepend=d.time_s[0])
    a = np.exp(-dt / tau)
    ir = np.zeros(len(i))
    for k in range(1, len(i)):
        ir[k] = a[k] * ir[k - 1] + (1.0 - a[k]) * i[k]
    return ir


def _hat_basis(z: np.ndarray, nodes: np.ndarray) -> list[np.ndarray]:
    import numpy as np

    cols = []
    for j in range(len(nodes)):
        b = np.zeros(len(z))
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
    return cols


def _sign_column(i: np.ndarray) -> np.ndarray:
    import numpy as np

    s = np.zeros(len(i))
    last = 0.0
    for k in range(len(i)):
        if abs(i[k]) > 1e-3:
            last = float(np.sign(i[k]))
        s[k] = last
    return s


def fit_ecm(data: PulseData, capacity_Ah: float, n_rc: int = 2, ocv: OcvTable | str = "lg_m50", n_ocv: int = 4,
            hysteresis: bool = True) -> EcmFit:
    """Least-squares ESC fit; ``ocv`` is an OCV table, ``"lg_m50"``, or ``"fit"`` (see the module doc)."""
    import numpy as np
    from scipy.optimize import least_squares

    from cellworks.pack.cell import OcvTable

    if not (capacity_Ah > 0 and math.isfinite(capacity_Ah)):
        raise ParameterError(f"capacity must be a positive number of Ah, got {capacity_Ah!r}", field="capacity_Ah")
    if n_rc not in (1, 2):
        raise ParameterError("one or two RC pairs", field="n_rc")
    t, i, v = data.time_s, data.current_A, data.voltage_V
    dt = np.diff(t, prepend=t[0])
    q_Ah = np.cumsum(i * dt) / 3600.0
    span = float((q_Ah.max() - q_Ah.min()) / capacity_Ah)
    if isinstance(ocv, str) and ocv == "fit":
        if n_ocv < 2:
            raise ParameterError("at least two OCV nodes", field="n_ocv")
        need = (n_ocv - 1) * MIN_SOC_PER_NODE
        if span < need:
            raise ParameterError(
                f"the test moves {span * capacity_Ah * 1e3:.3g} mAh = {span * 100:.3g} % of {capacity_Ah:g} Ah; "
                f"fitting a {n_ocv}-point OCV needs ≥ {need * 100:.0f} % (a curve it does not span would absorb the "
                "polarisation): give an OCV curve (lg_m50 or a CSV file)", field="ocv")
        table: OcvTable | None = None
        ocv_source = f"fitted on {n_ocv} nodes over the {span * 100:.3g} % of SOC the test spans"
        soc0 = 1.0 - float(q_Ah.max() / capacity_Ah)  # SOC scale only: the nodes are placed on it
    else:
        if isinstance(ocv, str) and ocv != "lg_m50":
            raise ParameterError(f"unknown OCV source {ocv!r} (lg_m50, fit, or a CSV file)", field="ocv")
        table = OcvTable.lg_m50() if isinstance(ocv, str) else ocv
        soc0 = float(np.clip(table.soc_at(v[0]), 0.0, 1.0))
        ocv_source = (f"{table.source}; SOC {soc0:.4f} read off this curve at the first voltage {v[0]:.5g} V "
                      f"(the test spans {span * 100:.3g} % of SOC)")
    z = soc0 - q_Ah / capacity_Ah
    s = _sign_column(i)

    def columns(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        cols: list[np.ndarray] = []
        if table is None:
            nodes = np.linspace(z.min(), z.max(), n_ocv)
            cols += _hat_basis(z, nodes)
            target = v
            k0 = n_ocv
        else:
            cols.append(np.ones(len(z)))  # OCV offset c
            target = v - table(z)
            k0 = 1
        if hysteresis:
            cols.append(s)
        cols.append(-i)
        for tj in tau:
            cols.append(-_rc_currents(data, float(tj)))
        return np.column_stack(cols), target, k0

    def solve(logtau: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        A, target, k0 = columns(np.exp(np.sort(logtau)))
        coef, *_ = np.linalg.lstsq(A, target, rcond=None)
        return coef, A @ coef - target, k0

    best: Any = None
    starts = [(1.0, 30.0), (5.0, 100.0), (0.5, 10.0)] if n_rc == 2 else [(1.0,), (10.0,), (60.0,)]
    for st in starts:
        r = least_squares(lambda lt: solve(lt)[1], np.log(np.asarray(st)), bounds=(np.log(0.05), np.log(3600.0)))
        if best is None or r.cost < best.cost:
            best = r
    logtau = np.sort(best.x)
    coef, res, k0 = solve(logtau)
    j = k0
    m0 = 0.0
    if hysteresis:
        m0 = float(coef[j])
        j += 1
    r0 = float(coef[j])
    rc = tuple(float(c) for c in coef[j + 1:])
    if table is None:
        nodes = np.linspace(z.min(), z.max(), n_ocv)
        ocv_soc, ocv_v, offset = tuple(float(x) for x in nodes), tuple(float(x) for x in coef[:n_ocv]), 0.0
    else:
        ocv_soc, ocv_v, offset = tuple(table.soc), tuple(table.voltage_V), float(coef[0])
    sha = _sha256(data.source)
    return EcmFit(r0_Ohm=r0, rc_R_Ohm=rc, rc_tau_s=tuple(float(x) for x in np.exp(logtau)), hysteresis_M0_V=m0,
                  ocv_offset_V=offset, ocv_soc=ocv_soc, ocv_V=ocv_v, ocv_source=ocv_source, capacity_Ah=capacity_Ah,
                  soc0=soc0, soc_span=span, rms_error_V=float(np.sqrt(np.mean(res**2))),
                  max_error_V=float(np.max(np.abs(res))), n_samples=len(v), source=data.source, file_sha256=sha,
                  peer=peer_values(sha, r0, rc))


def _sha256(path: str) -> str:
    """SHA-256 of the data file, or "" for data that came from no file."""
    from cellworks._io import sha256_file

    return sha256_file(path) if Path(path).is_file() else ""


def peer_values(sha256: str, r0_Ohm: float, rc_R_Ohm: tuple[float, ...]) -> dict[str, Any]:
    """A peer tool's documented fit of the *same* file (matched by SHA-256), beside ours."""
    if not sha256:
        return {}
    with open(PEERS_FILE, "rb") as fh:
        peers = tomllib.load(fh)
    for entry in peers.get("fit", []):
        if entry.get("file_sha256") == sha256:
            ours_total = (r0_Ohm + sum(rc_R_Ohm)) * 1e3
            return {
                "tool": entry["tool"], "where": entry["where"], "model": entry["model"], "ocv": entry["ocv"],
                "r0_mOhm": entry["r0_mOhm"], "rc_R_mOhm": entry["rc_R_mOhm"], "rc_tau_s": entry["rc_tau_s"],
                "total_resistance_mOhm": entry["total_mOhm"],
                "ours_minus_peer_total_mOhm": ours_total - entry["total_mOhm"],
                "note": entry["note"],
            }
    return {}
