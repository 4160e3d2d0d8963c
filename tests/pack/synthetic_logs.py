"""Writes the synthetic BMS logs of tests/data/pack/ (round-trip test files, not measurements).

No licensed public BMS log exists (research notes §1: charleshsu168/batteryscripts has no
licence), so these logs are written in its layout by a small stand-alone model that shares no code
with cellworks: eight cells with their own capacities and starting charge, a linear-segment OCV,
24–26 mΩ per cell, a charge / rest / discharge current profile at 1 s, and a monitor of two 4-cell
halves that, when the pack spread exceeds 10 mV, bleeds the highest cell of each half that is
more than 10 mV above the lowest cell, holds 90 s, switches off for 5 s and measures again in
that gap (the structure of the public log: ~91 s on, ~4–5 s off, both halves together). While a
cell bleeds it reads low by 0.1 A × 0.5 Ω, as in the public log. Two repeated time stamps, one
glitch row (a cell read as 0 V) and one failed temperature read (−273.15 °C) are included.

Run ``python tests/pack/synthetic_logs.py`` to rewrite the files (the test checks they match).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1] / "data" / "pack"
BQ_NAME = "bq8s_balancing_synthetic.log"
BITS_NAME = "bms8s_bitfield_synthetic.csv"
OCV_NAME = "bq8s_synthetic_ocv.csv"
HEADER = ("Tcnt,Time,V1,V2,V3,V4,V5,V6,V7,V8,V1os,chg,disch,Ref-,Ref+,Iavg,Iinst,Vtot,V1_BG,Temp,SOH,Cylcnt,SOC,"
          "BalB,BalT,Addr,Tic,dTic")
OCV_SOC = (0.0, 0.1, 0.5, 0.9, 1.0)
OCV_V = (3.00, 3.45, 3.70, 4.05, 4.20)
HOLD_S, GAP_S, THRESHOLD_V = 90, 5, 0.010
BLEED_A, PATH_OHM = 0.1, 0.5


def simulate_log(seconds: int = 3600) -> dict[str, np.ndarray]:
    """Per-second rows: time, voltages as measured, current (> 0 charge), temperature, flags (BalB, BalT),
    and the true SOC of every cell at the row (not written to the files)."""
    q_As = np.array([13.0, 13.4, 12.6, 13.1, 13.0, 12.7, 13.3, 12.9]) * 3600.0
    r_cell = np.array([0.025, 0.024, 0.026, 0.0255, 0.025, 0.0245, 0.0262, 0.0257])
    soc = np.array([0.600, 0.603, 0.607, 0.6055, 0.600, 0.606, 0.604, 0.605])
    t = np.arange(seconds, dtype=float)
    cur = np.where(t < 1200, 6.0, np.where(t < 1500, 0.0, np.where(t < 3000, -12.0, 0.0)))
    v_out = np.zeros((seconds, 8))
    soc_out = np.zeros((seconds, 8))
    flags = np.zeros((seconds, 2), int)
    temp = 25.0 + 0.003 * t
    bal = [0, 0]
    next_decision = 0.0
    off_at = np.inf
    for k in range(seconds):
        if t[k] >= off_at:
            bal = [0, 0]
            off_at = np.inf
        v_true = np.interp(soc, OCV_SOC, OCV_V) + r_cell * cur[k]
        measured_clean = np.round(v_true, 3)  # the monitor reports whole millivolts
        if t[k] >= next_decision:
            lo = measured_clean.min()
            b = int(np.argmax(measured_clean[:4]))
            top = 4 + int(np.argmax(measured_clean[4:]))
            bal = [b + 1 if measured_clean[b] - lo > THRESHOLD_V else 0,
                   top + 1 if measured_clean[top] - lo > THRESHOLD_V else 0]
            if bal[0] or bal[1]:
                off_at = t[k] + HOLD_S
                next_decision = t[k] + HOLD_S + GAP_S
            else:
                next_decision = t[k] + 1.0
            v_row = measured_clean  # the row holds the measurement the decision was made on
        else:
            v_row = v_true.copy()
            for f in bal:
                if f:
                    v_row[f - 1] -= BLEED_A * (PATH_OHM + r_cell[f - 1])
        v_out[k] = np.round(v_row, 3)
        soc_out[k] = soc
        flags[k] = bal
        i_cell = cur[k] - BLEED_A * np.isin(np.arange(1, 9), bal)
        soc = soc + i_cell / q_As
    return {"t": t, "v": v_out, "i": cur, "temp": temp, "flags": flags, "soc": soc_out}


def bq_text(d: dict[str, np.ndarray]) -> str:
    start = dt.datetime(2014, 6, 26, 15, 16, 29)
    lines = [HEADER]
    tic = 1000
    rows = len(d["t"])
    for k in range(rows):
        stamp = (start + dt.timedelta(seconds=float(d["t"][k]))).strftime("%m/%d/%Y %I:%M:%S %p")
        v = d["v"][k].copy()
        temp = d["temp"][k]
        if k == 700:  # a glitch row in the middle of a hold (a cell read as 0 V)
            v[4] = 0.0
        if k == 1800:
            temp = -273.15
        i = d["i"][k]
        chg = 1 if i > 0 else 0
        dis = 2 if i < 0 else 1
        soc = int(round(60 + 30 * k / rows))
        fb, ft = d["flags"][k]
        tic += 1
        fields = [str(k + 1), stamp, *[f"{x:.3f}" for x in v], "0.001", str(chg), str(dis), "2.604", "4.381",
                  f"{i:.3f}", f"{i + 0.01:.3f}", f"{np.sum(v):.3f}", f"{v[0] + 0.002:.3f}", f"{temp:.2f}", "0", "0",
                  str(soc), str(fb), str(ft), "0x50", str(tic), "1"]
        lines.append(", ".join(fields))
        if k in (300, 2500):  # the logger's repeated seconds: the same row again
            fields[0] = str(k + 1) + "0"
            fields[-2] = "0"
            lines.append(", ".join(fields))
    return "\n".join(lines) + "\n"


def bits_text(d: dict[str, np.ndarray]) -> str:
    """The same run with bit-field flags (CELLBAL1: cells 1–4, CELLBAL2: cells 5–8), elapsed seconds
    and current positive on discharge."""
    lines = ["time_s;" + ";".join(f"cell{c}_V" for c in range(1, 9)) + ";current_A;temperature_C;CELLBAL1;CELLBAL2"]
    for k in range(len(d["t"])):
        fb, ft = d["flags"][k]
        b1 = (1 << (fb - 1)) if fb else 0
        b2 = (1 << (ft - 5)) if ft else 0
        lines.append(";".join([f"{d['t'][k]:.1f}", *[f"{x:.3f}" for x in d["v"][k]], f"{-d['i'][k]:.3f}",
                               f"{d['temp'][k]:.2f}", str(b1), str(b2)]))
    return "\n".join(lines) + "\n"


def ocv_text() -> str:
    """The generator's OCV curve, for estimating SOC on the logs with the right model."""
    return "soc,voltage_V\n" + "".join(f"{z},{v}\n" for z, v in zip(OCV_SOC, OCV_V, strict=True))


def main() -> None:
    d = simulate_log()
    (HERE / BQ_NAME).write_text(bq_text(d))
    (HERE / BITS_NAME).write_text(bits_text(d))
    (HERE / OCV_NAME).write_text(ocv_text())


if __name__ == "__main__":
    main()
