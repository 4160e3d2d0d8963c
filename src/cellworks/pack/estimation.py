"""State-of-charge estimation for the ESC cell model: Plett's sigma-point Kalman filter (SPKF, the
central-difference form) and the extended Kalman filter (EKF) as the simpler option.

Written from the description in G. Plett, *Battery Management Systems* vol. II (2015), ch. 3–4
(research notes §3; no code was copied). Per cell (or per series group, as a cell of N·Q and R/N):
state ``x = [iR_1 … iR_R, h, z]``, current ``i`` > 0 on **discharge**, sensor noise ``v`` and
current-sensor (process) noise ``w`` added to the current::

    iR_j ← A_j·iR_j + (1 − A_j)·(i + w),            A_j = exp(−Δt/τ_j)
    h    ← A_H·h + (A_H − 1)·sgn(i + w),            A_H = exp(−|(i + w)·γ·Δt/(3600·Q)|)
    z    ← z − η·(i + w)·Δt/(3600·Q)                (η only on charge)
    y    = OCV(z) + M0·s + M·h − Σ R_j·iR_j − R0·i + v

The time update uses the previous current, the measurement update the present one (Plett's
timing); s follows the present current when |i| > Q/100. SPKF: augmented sigma points with
h = √3, weights α0 = (h² − Na)/h², αi = 1/(2h²); a measurement more than 10σ off is treated as a
sensor fault (no update); a 2σ miss multiplies the SOC variance by 5 (Plett's "Q-bump"); the
covariance is kept symmetric positive definite by averaging with its SVD form. Every array holds
all cells at once (the cells are independent filters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np

    from cellworks.pack.cell import CellParams

H_CDKF = math.sqrt(3.0)
Q_BUMP = 5.0


@dataclass(frozen=True)
class FilterTuning:
    """Noise levels and the initial uncertainty (standard deviations, in the state's units)."""

    kind: str = "spkf"  # "spkf" | "ekf"
    sigma_voltage_V: float = 0.010  # cell-voltage sensor noise
    sigma_current_A: float = 0.05  # current-sensor noise (drives the SOC uncertainty growth)
    sigma_soc0: float = 0.30  # a cold start: SOC known only to ±30 % (1σ)
    sigma_rc_current0_A: float = 0.05
    sigma_hysteresis0: float = 0.1
    fault_sigmas: float = 10.0  # |residual| above this many σ: sensor fault, no update
    source: str = ("Plett, Battery Management Systems vol. II ch. 3-4: CDKF form, h = sqrt(3), fault test at 10 sigma, "
                   "Q-bump x5 on a 2-sigma miss")

    def __post_init__(self) -> None:
        if self.kind not in ("spkf", "ekf"):
            raise ParameterError("filter kind is 'spkf' or 'ekf'", field="filter")
        for name in ("sigma_voltage_V", "sigma_current_A", "sigma_soc0", "sigma_rc_current0_A", "sigma_hysteresis0",
                     "fault_sigmas"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise ParameterError(f"must be a positive number, got {v!r}", field=name)


@dataclass
class SocEstimate:
    """Estimated SOC and its standard deviation for every sample and cell."""

    time_s: np.ndarray
    soc: np.ndarray  # (n, cells)
    sigma: np.ndarray  # (n, cells)
    faults: np.ndarray  # (cells,) samples treated as sensor faults
    tuning: FilterTuning

    @property
    def bound3(self) -> np.ndarray:
        """The ±3σ half-width of every SOC estimate."""
        return 3.0 * self.sigma  # type: ignore[no-any-return]

    def summary(self) -> dict[str, Any]:
        """The last estimate and band of every cell, the range seen and the tuning."""
        cells = []
        for c in range(self.soc.shape[1]):
            cells.append({"cell": c + 1, "soc": float(self.soc[-1, c]), "bound_3sigma": float(self.bound3[-1, c]),
                          "soc_min": float(self.soc[:, c].min()), "soc_max": float(self.soc[:, c].max()),
                          "sensor_faults": int(self.faults[c])})
        return {"filter": self.tuning.kind, "samples": int(len(self.time_s)),
                "duration_s": float(self.time_s[-1] - self.time_s[0]), "cells": cells,
                "tuning": {"sigma_voltage_mV": self.tuning.sigma_voltage_V * 1e3,
                           "sigma_current_A": self.tuning.sigma_current_A, "sigma_soc0": self.tuning.sigma_soc0,
                           "source": self.tuning.source}}


class _Model:
    """The ESC model of every cell in vectors (cells first)."""

    def __init__(self, cell: CellParams, n_cells: int, n_parallel: int) -> None:
        import numpy as np

        self.Q_Ah = cell.capacity_Ah * n_parallel
        self.r0 = cell.r0_Ohm / n_parallel
        self.rR = np.asarray(cell.rc_R_Ohm, float) / n_parallel
        self.tau = np.asarray(cell.rc_tau_s, float)
        self.eta = cell.coulombic_efficiency
        self.M0 = cell.hysteresis_M0_V
        self.M = cell.hysteresis_M_V
        self.gamma = cell.hysteresis_gamma
        self.sign_A = cell.hysteresis_sign_threshold_C * self.Q_Ah
        self.ocv = cell.ocv
        self.grid = cell.ocv.grid()
        self.dudt = cell.ocv.dudt_grid()
        self.t_ref = cell.ocv.reference_C
        self.nR = len(self.rR)
        self.nx = self.nR + 2
        self.n = n_cells

    def ocv_at(self, z: np.ndarray, T: np.ndarray) -> np.ndarray:
        """OCV(z, T) on the model's grid, end slopes continued outside 0…1."""
        import numpy as np

        g = np.linspace(0.0, 1.0, len(self.grid))
        n = len(self.grid) - 1
        zc = np.clip(z, 0.0, 1.0)
        v = np.interp(zc, g, self.grid)
        # continue the end slopes outside 0…1 (as the simulator does)
        v = v + np.where(z < 0, z * (self.grid[1] - self.grid[0]) * n, 0.0)
        v = v + np.where(z > 1, (z - 1) * (self.grid[-1] - self.grid[-2]) * n, 0.0)
        return v + (T - self.t_ref) * np.interp(zc, g, self.dudt)  # type: ignore[no-any-return]

    def docv_dz(self, z: np.ndarray) -> np.ndarray:
        """dOCV/dz by a central difference (the EKF's output Jacobian)."""
        import numpy as np

        dz = 1e-3
        Tref = np.full_like(z, self.t_ref)
        return (self.ocv_at(z + dz, Tref) - self.ocv_at(z - dz, Tref)) / (2 * dz)  # type: ignore[no-any-return]

    def step(self, x: np.ndarray, i: np.ndarray, dt: float) -> np.ndarray:
        """State equation; x (cells, nx, m), i (cells, m) discharge-positive current with noise."""
        import numpy as np

        x = x.copy()
        ie = np.where(i < 0, self.eta * i, i)
        for j in range(self.nR):
            a = math.exp(-dt / self.tau[j])
            x[:, j] = a * x[:, j] + (1 - a) * ie
        ah = np.exp(-np.abs(ie * self.gamma * dt / (3600.0 * self.Q_Ah)))
        x[:, self.nR] = ah * x[:, self.nR] + (ah - 1) * np.sign(ie)
        x[:, self.nR + 1] = x[:, self.nR + 1] - ie * dt / (3600.0 * self.Q_Ah)
        x[:, self.nR] = np.clip(x[:, self.nR], -1.0, 1.0)
        x[:, self.nR + 1] = np.clip(x[:, self.nR + 1], -0.05, 1.05)
        return x

    def output(self, x: np.ndarray, i: np.ndarray, s: np.ndarray, T: np.ndarray) -> np.ndarray:
        """y for x (cells, nx, m); i, s, T (cells,)."""
        z = x[:, self.nR + 1]
        y = self.ocv_at(z, T[:, None]) + (self.M0 * s)[:, None] + self.M * x[:, self.nR] - (self.r0 * i)[:, None]
        for j in range(self.nR):
            y = y - self.rR[j] * x[:, j]
        return y  # type: ignore[no-any-return]


def estimate_soc(time_s: Any, current_A: Any, cell_V: Any, cell: CellParams, *, n_parallel: int = 1,
                 soc0: Any = None, tuning: FilterTuning | None = None, temperature_C: Any = None,
                 bleed_current_A: Any = None, on_progress: Any = None) -> SocEstimate:
    """Run the filter on every cell. ``current_A`` > 0 on **charge** (the cycling-table and log
    convention), ``cell_V`` (n, cells); ``soc0`` a start value per cell or one for all (default:
    OCV⁻¹ of the first voltage); ``bleed_current_A`` (n, cells) adds to each cell's discharge."""
    import numpy as np

    tun = tuning or FilterTuning()
    t = np.asarray(time_s, float)
    V = np.asarray(cell_V, float)
    if V.ndim != 2 or V.shape[0] != len(t) or len(t) < 2:
        raise ParameterError("need at least two samples of (time, cell voltages)", field="cell_V")
    if np.any(np.diff(t) < 0) or not np.all(np.isfinite(t)):
        raise ParameterError("time must be finite and non-decreasing", field="time_s")
    n, cells = V.shape
    m = _Model(cell, cells, n_parallel)
    i_dis = -np.asarray(current_A, float) * np.ones(n)
    i_cell = np.repeat(i_dis[:, None], cells, axis=1)
    if bleed_current_A is not None:
        i_cell = i_cell + np.asarray(bleed_current_A, float)
    T = np.full((n, cells), cell.ocv.reference_C) if temperature_C is None else \
        np.broadcast_to(np.asarray(temperature_C, float).reshape(n, -1), (n, cells)).copy()
    T[~np.isfinite(T)] = cell.ocv.reference_C
    nx = m.nx
    x = np.zeros((cells, nx))
    if soc0 is None:
        x[:, -1] = np.clip(cell.ocv.soc_at(V[0]), 0.0, 1.0)
    else:
        x[:, -1] = np.broadcast_to(np.asarray(soc0, float), (cells,))
    P = np.zeros((cells, nx, nx))
    for j in range(m.nR):
        P[:, j, j] = tun.sigma_rc_current0_A**2
    P[:, m.nR, m.nR] = tun.sigma_hysteresis0**2
    P[:, -1, -1] = tun.sigma_soc0**2
    sw2 = tun.sigma_current_A**2
    sv2 = tun.sigma_voltage_V**2
    s = np.zeros(cells)
    soc = np.empty((n, cells))
    sig = np.empty((n, cells))
    faults = np.zeros(cells, int)
    soc[0] = x[:, -1]
    sig[0] = np.sqrt(P[:, -1, -1])
    for k in range(1, n):
        dt = t[k] - t[k - 1]
        big = np.abs(i_cell[k]) > m.sign_A
        s = np.where(big, np.sign(i_cell[k]), s)
        if tun.kind == "spkf":
            x, P, bad = _spkf_step(m, x, P, i_cell[k - 1], i_cell[k], s, T[k], V[k], dt, sw2, sv2, tun.fault_sigmas)
        else:
            x, P, bad = _ekf_step(m, x, P, i_cell[k - 1], i_cell[k], s, T[k], V[k], dt, sw2, sv2, tun.fault_sigmas)
        faults += bad
        soc[k] = x[:, -1]
        sig[k] = np.sqrt(np.maximum(P[:, -1, -1], 0.0))
        if on_progress is not None and k % 1000 == 0:
            on_progress(k, n)
    return SocEstimate(t, soc, sig, faults, tun)


def _finish(m: _Model, xm: np.ndarray, Pm: np.ndarray, L: np.ndarray, r: np.ndarray, Sy: np.ndarray,
            fault: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Measurement update shared by both filters: fault test, clamps, covariance fix, Q-bump."""
    import numpy as np

    bad = r * r > fault * fault * Sy
    L = np.where(bad[:, None], 0.0, L)
    x = xm + L * r[:, None]
    x[:, m.nR] = np.clip(x[:, m.nR], -1.0, 1.0)
    x[:, -1] = np.clip(x[:, -1], -0.05, 1.05)
    P = Pm - Sy[:, None, None] * L[:, :, None] * L[:, None, :]
    # symmetric positive definite again: average with V·S·Vᵀ of its SVD
    _, S, Vt = np.linalg.svd(P)
    H = np.einsum("cji,cj,cjk->cik", Vt, S, Vt)
    P = (P + np.swapaxes(P, 1, 2) + H + np.swapaxes(H, 1, 2)) / 4.0
    bump = r * r > 4.0 * Sy
    P[:, -1, -1] = np.where(bump, P[:, -1, -1] * Q_BUMP, P[:, -1, -1])
    return x, P, bad.astype(int)


def _spkf_step(m: _Model, x: np.ndarray, P: np.ndarray, i_prev: np.ndarray, i_now: np.ndarray, s: np.ndarray,
               T: np.ndarray, v: np.ndarray, dt: float, sw2: float, sv2: float,
               fault: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import numpy as np

    cells, nx = x.shape
    na = nx + 2
    h = H_CDKF
    a0 = (h * h - na) / (h * h)
    ai = 1.0 / (2 * h * h)
    w = np.full(2 * na + 1, ai)
    w[0] = a0
    try:
        Sx = np.linalg.cholesky(P)
    except np.linalg.LinAlgError:
        Sx = np.zeros_like(P)
        idx = np.arange(nx)
        Sx[:, idx, idx] = np.maximum(np.sqrt(np.abs(np.diagonal(P, axis1=1, axis2=2))), math.sqrt(sw2))
    Sa = np.zeros((cells, na, na))
    Sa[:, :nx, :nx] = Sx
    Sa[:, nx, nx] = math.sqrt(sw2)
    Sa[:, nx + 1, nx + 1] = math.sqrt(sv2)
    xa = np.concatenate([x, np.zeros((cells, 2))], axis=1)
    X = np.concatenate([xa[:, :, None], xa[:, :, None] + h * Sa, xa[:, :, None] - h * Sa], axis=2)  # (c, na, 2na+1)
    Xx = m.step(X[:, :nx], i_prev[:, None] + X[:, nx], dt)
    xm = np.einsum("cjm,m->cj", Xx, w)
    dX = Xx - xm[:, :, None]
    Pm = np.einsum("cjm,ckm,m->cjk", dX, dX, w)
    Y = m.output(Xx, i_now, s, T) + X[:, nx + 1]
    ym = Y @ w
    dY = Y - ym[:, None]
    Sy = (dY * dY) @ w
    Sxy = np.einsum("cjm,cm,m->cj", dX, dY, w)
    L = Sxy / Sy[:, None]
    return _finish(m, xm, Pm, L, v - ym, Sy, fault)


def _ekf_step(m: _Model, x: np.ndarray, P: np.ndarray, i_prev: np.ndarray, i_now: np.ndarray, s: np.ndarray,
              T: np.ndarray, v: np.ndarray, dt: float, sw2: float, sv2: float,
              fault: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import numpy as np

    cells, nx = x.shape
    ie = np.where(i_prev < 0, m.eta * i_prev, i_prev)
    A = np.zeros((cells, nx, nx))
    B = np.zeros((cells, nx))
    for j in range(m.nR):
        a = math.exp(-dt / m.tau[j])
        A[:, j, j] = a
        B[:, j] = 1 - a
    ah = np.exp(-np.abs(ie * m.gamma * dt / (3600.0 * m.Q_Ah)))
    A[:, m.nR, m.nR] = ah
    B[:, m.nR] = -np.abs(m.gamma * dt / (3600.0 * m.Q_Ah)) * ah * (1 + np.sign(ie) * x[:, m.nR])
    A[:, -1, -1] = 1.0
    B[:, -1] = -dt / (3600.0 * m.Q_Ah) * np.where(i_prev < 0, m.eta, 1.0)
    xm = m.step(x[:, :, None], i_prev[:, None], dt)[:, :, 0]
    Pm = A @ P @ np.swapaxes(A, 1, 2) + sw2 * B[:, :, None] * B[:, None, :]
    C = np.zeros((cells, nx))
    C[:, : m.nR] = -m.rR
    C[:, m.nR] = m.M
    C[:, -1] = m.docv_dz(xm[:, -1])
    ym = m.output(xm[:, :, None], i_now, s, T)[:, 0]
    Sy = np.einsum("cj,cjk,ck->c", C, Pm, C) + sv2
    L = np.einsum("cjk,ck->cj", Pm, C) / Sy[:, None]
    return _finish(m, xm, Pm, L, v - ym, Sy, fault)
