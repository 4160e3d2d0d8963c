"""Synthetic cycling tables with known answers (constant-current steps, analytic capacities).

Capacities of a constant-current step are I·t exactly (trapezoidal integration of a constant is
exact), so the expected per-cycle numbers come from the generator's inputs, not from the code
under test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cellworks.timeseries import CyclingData, Metadata, from_arrays


def lis_discharge_voltage(x: np.ndarray) -> np.ndarray:
    """Li–S-like discharge voltage vs depth of discharge x ∈ [0, 1]: 2.35 V plateau, dip, 2.1 V plateau."""
    upper = 0.25 / (1.0 + np.exp((x - 0.25) / 0.01))
    dip = 0.06 * np.exp(-(((x - 0.285) / 0.02) ** 2))
    tail = 0.6 * np.exp((x - 1.0) / 0.02)
    return 2.10 + upper - dip - tail + 0.02 * (0.6 - x)


def lis_charge_voltage(x: np.ndarray) -> np.ndarray:
    """Charge voltage vs state of charge x ∈ [0, 1]."""
    return 2.25 + 0.15 / (1.0 + np.exp(-(x - 0.75) / 0.02)) + 0.05 * x + 0.3 * np.exp((x - 1.0) / 0.02)


@dataclass(frozen=True)
class Expected:
    charge_Ah: list[float]
    discharge_Ah: list[float]
    charge_time_s: list[float]
    discharge_time_s: list[float]
    rest_time_s: list[float]


def lis_cycles(
    n_cycles: int = 4,
    *,
    currents_A: list[float] | None = None,
    capacity_Ah: float = 1.0e-3,
    fade: float = 0.02,
    ce: float = 0.95,
    lead: str = "discharge",
    rest_s: float = 600.0,
    points: int = 200,
    leading_rest: bool = True,
    noise_V: float = 0.0,
    seed: int = 0,
    active_mass_g: float | None = None,
) -> tuple[CyclingData, Expected]:
    """``n_cycles`` of (discharge, rest, charge, rest) (or charge first) at constant current.

    Cycle k delivers ``capacity_Ah·(1−fade)^k`` on discharge and that ÷ ``ce`` on charge.
    """
    rng = np.random.default_rng(seed)
    currents = currents_A or [capacity_Ah / 5.0] * n_cycles  # C/5
    t0 = 0.0
    ts: list[np.ndarray] = []
    cur: list[np.ndarray] = []
    vol: list[np.ndarray] = []
    stp: list[np.ndarray] = []
    cyc: list[np.ndarray] = []
    typ: list[np.ndarray] = []
    step = 0
    exp = Expected([], [], [], [], [])

    def add(duration: float, i: float, v: np.ndarray, kind: str, c: int) -> None:
        nonlocal t0, step
        step += 1
        n = len(v)
        t = t0 + np.linspace(0.0, duration, n)
        ts.append(t)
        cur.append(np.full(n, i))
        vol.append(v + (rng.normal(0.0, noise_V, n) if noise_V else 0.0))
        stp.append(np.full(n, step))
        cyc.append(np.full(n, c))
        typ.append(np.full(n, kind, dtype=object))
        t0 = t[-1] + 1.0  # next record 1 s later

    if leading_rest:
        add(rest_s, 0.0, np.full(20, 2.4), "rest", 1)
    for k in range(n_cycles):
        i = currents[k]
        q_dis = capacity_Ah * (1 - fade) ** k
        q_ch = q_dis / ce
        x = np.linspace(0.0, 1.0, points)
        halves = [("discharge", q_dis, -i, lis_discharge_voltage(x)), ("charge", q_ch, i, lis_charge_voltage(x))]
        if lead == "charge":
            halves.reverse()
        for kind, q, ii, v in halves:
            dur = q / abs(ii) * 3600.0
            add(dur, ii, v, kind, k + 1)
            add(rest_s, 0.0, np.full(20, float(v[-1])), "rest", k + 1)
        exp.charge_Ah.append(q_ch)
        exp.discharge_Ah.append(q_dis)
        exp.charge_time_s.append(q_ch / i * 3600.0)
        exp.discharge_time_s.append(q_dis / i * 3600.0)
    data = from_arrays(
        test_time_s=np.concatenate(ts),
        current_A=np.concatenate(cur),
        voltage_V=np.concatenate(vol),
        step_index=np.concatenate(stp),
        cycle_index=np.concatenate(cyc),
        step_type=np.concatenate(typ),
        meta=Metadata(source_file="synthetic", active_mass_g=active_mass_g, active_material="S"),
    )
    return data, exp
