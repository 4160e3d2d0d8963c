"""Write ``biologic_mb_peis_geis.mpt``: an EC-Lab Modulo Bat text export with PEIS and GEIS steps
between galvanostatic half-cycles.

No permissively licensed real file of this kind exists (the one public example, yadg's
``mb.issue_223.mpt``, is GPL-3.0), so this file is written in its layout as documented from facts in
research/cycling/LAYOUTS.md §3: ``EC-Lab ASCII FILE``, ``Nb header lines``, technique ``Modulo Bat``,
a fixed-width settings table with one column per sequence ``Ns`` (``ctrl_type`` Rest / CC / PEIS /
GEIS), the 59 data columns (tab-separated, trailing tab, ``0.0000000E+000`` numbers), ``mode`` 3 on
rests, 2 on PEIS, 1 on GEIS and CC rows, ``freq/Hz`` > 0 only on impedance rows (19 frequencies
1 kHz → 1 Hz), ``Ns changes`` = 1 on each step's first row, ``control changes`` = 1 on impedance rows,
and the DC current of the impedance rows (≈ −0.30 mA during PEIS, ≈ +0.0045 mA during GEIS) kept
integrated in ``dq``, ``(Q-Qo)`` and ``Q charge/discharge``.

The cell behind the numbers is a simple model (a pipeline test input, not a measurement): a 1 mAh
cell with a linear open-circuit voltage 3.0 → 4.1 V, 50 Ω series resistance (a coin cell), and for impedance a
Randles circuit (5 Ω + 20 Ω ∥ 10 µF). Its counters follow EC-Lab's definitions: ``dq`` is the charge
of each record interval (I·Δt), ``(Q-Qo)`` their running sum, ``Q charge/discharge`` the running sum
within a half cycle (restarting when the current changes direction between galvanostatic steps).

Run: ``python tests/data/cycling/make_biologic_mb_eis.py`` (deterministic; rewrites the file).
"""

from __future__ import annotations

import math
from pathlib import Path

COLUMNS = [
    "mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns", "I Range", "time/s",
    "control/V/mA", "Ewe/V", "I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "freq/Hz", "|Z|/Ohm", "Phase(Z)/deg",
    "Q charge/discharge/mA.h", "half cycle", "Energy we/W.h", "z cycle", "Re(Z)/Ohm", "-Im(Z)/Ohm", "Re(Y)/Ohm-1",
    "Im(Y)/Ohm-1", "|Y|/Ohm-1", "Phase(Y)/deg", "Re(C)/nF", "Im(C)/nF", "|C|/nF", "Phase(C)/deg", "Re(M)", "Im(M)",
    "|M|", "Phase(M)/deg", "Re(Permittivity)", "Im(Permittivity)", "|Permittivity|", "Phase(Permittivity)/deg",
    "Re(Resistivity)/Ohm.cm", "Im(Resistivity)/Ohm.cm", "|Resistivity|/Ohm.cm", "Phase(Resistivity)/deg",
    "Re(Conductivity)/mS/cm", "Im(Conductivity)/mS/cm", "|Conductivity|/mS/cm", "Phase(Conductivity)/deg",
    "Tan(Delta)", "Loss Angle(Delta)/deg", "x", "Q discharge/mA.h", "Q charge/mA.h", "Capacity/mA.h",
    "Efficiency/%", "control/V", "control/mA", "cycle number", "Pwe/W", "Rwe/Ohm",
]
#: sequences: (ctrl_type, current mA or None, duration or limit)
SEQUENCES = [
    ("Rest", 0.0, 60.0), ("CC", -1.0, 2.5), ("Rest", 0.0, 60.0), ("PEIS", None, None), ("CC", 1.0, 4.1),
    ("Rest", 0.0, 60.0), ("GEIS", None, None), ("CC", -1.0, 2.5), ("Rest", 0.0, 60.0), ("PEIS", None, None),
    ("CC", 1.0, 4.1), ("Rest", 0.0, 60.0),
]
CAP_MAH, R_OHM, V0, V1 = 1.0, 50.0, 3.0, 4.1
R0, RCT, CDL = 5.0, 20.0, 1e-5
FREQS = [1000.0 * 10 ** (-3 * k / 18) for k in range(19)]  # 1 kHz → 1 Hz, 19 points


def fmt(x: float) -> str:
    """EC-Lab's exponent form, e.g. 4.1000000E+000."""
    if x == 0:
        return "0.0000000E+000"
    e = int(math.floor(math.log10(abs(x))))
    m = x / 10**e
    if round(abs(m), 7) >= 10:
        m, e = m / 10, e + 1
    return f"{m:.7f}E{'+' if e >= 0 else '-'}{abs(e):03d}"


def rows() -> list[list[float]]:
    out: list[list[float]] = []
    t, soc, q_total, q_half, half, cycle = 0.0, 0.9, 0.0, 0.0, 0, 1
    last_dir = 0
    q_dis = q_ch = 0.0
    for ns, (kind, cur, lim) in enumerate(SEQUENCES):
        first = True

        def emit(mode: int, i_ma: float, dt: float, v: float, freq: float = 0.0, z: complex = 0j) -> None:
            nonlocal t, soc, q_total, q_half, first, q_dis, q_ch
            dq = i_ma * dt / 3600.0
            t += dt
            soc += dq / CAP_MAH
            q_total += dq
            q_half += dq
            if dq < 0:
                q_dis += -dq
            else:
                q_ch += dq
            row = {c: 0.0 for c in COLUMNS}
            y = 1 / z if z else 0j
            # emit runs inside this sequence's iteration: ns, half and cycle are this iteration's values
            ns_now, half_now, cycle_now = ns, half, cycle  # noqa: B023
            row.update({
                "mode": mode, "ox/red": 1.0 if i_ma > 0 else 0.0, "control changes": 1.0 if freq else 0.0,
                "Ns changes": 1.0 if first else 0.0, "Ns": ns_now, "I Range": 41.0, "time/s": t, "Ewe/V": v,
                "I/mA": i_ma, "dq/mA.h": dq, "(Q-Qo)/mA.h": q_total, "freq/Hz": freq, "|Z|/Ohm": abs(z),
                "Phase(Z)/deg": math.degrees(math.atan2(z.imag, z.real)) if z else 0.0,
                "Q charge/discharge/mA.h": q_half, "half cycle": half_now, "Re(Z)/Ohm": z.real, "-Im(Z)/Ohm": -z.imag,
                "Re(Y)/Ohm-1": y.real, "Im(Y)/Ohm-1": y.imag, "|Y|/Ohm-1": abs(y),
                "Q discharge/mA.h": q_dis, "Q charge/mA.h": q_ch, "cycle number": cycle_now,
                "control/V": v if mode == 2 else 0.0, "control/mA": i_ma if mode == 1 else 0.0,
                "control/V/mA": v if mode == 2 else i_ma, "Pwe/W": v * i_ma * 1e-3,
            })
            out.append([row[c] for c in COLUMNS])
            first = False

        def ocv() -> float:
            return V0 + (V1 - V0) * soc

        if kind == "Rest":
            for _ in range(int(lim / 10)):
                emit(3, 0.0, 10.0, ocv())
        elif kind == "CC":
            direction = 1 if cur > 0 else -1
            if last_dir and direction != last_dir:
                half, q_half = half + 1, 0.0
                if direction < 0:  # a discharge after a charge starts a new cycle (discharge-first cell)
                    cycle, q_dis, q_ch = cycle + 1, 0.0, 0.0
            last_dir = direction
            while True:
                v = ocv() + cur * 1e-3 * R_OHM
                emit(1, cur, 30.0, v)
                if (direction < 0 and v <= lim) or (direction > 0 and v >= lim):
                    break
        else:  # PEIS (potentio, mode 2, DC current drawn) or GEIS (galvano, mode 1, ~zero DC)
            mode, i_dc = (2, -0.30) if kind == "PEIS" else (1, 0.0045)
            for f in FREQS:
                w = 2 * math.pi * f
                z = R0 + RCT / (1 + 1j * w * RCT * CDL)
                emit(mode, i_dc, 5.0, ocv(), f, z)
    return out


def _row(label: str, cell: object) -> str:
    """A settings line: the label, then one 20-character column per sequence."""
    values = [cell(s) if callable(cell) else cell for s in SEQUENCES]
    return f"{label:<20s}" + "".join(f"{v:<20s}" for v in values)


def header(n_header: int) -> list[str]:
    eis = ("PEIS", "GEIS")

    def amplitude(s: tuple) -> str:
        if s[1]:
            return f"{abs(s[1]):.3f}"
        return {"PEIS": "1.000", "GEIS": "0.100"}.get(s[0], "0.000")

    return [
        "EC-Lab ASCII FILE",
        f"Nb header lines : {n_header:<3d}",
        "",
        "Modulo Bat",
        "",
        "Run on channel : 1 (SN 0)",
        "User : ",
        "Acquisition started on : 01/01/2024 00:00:00.000",  # newer EC-Lab versions write milliseconds
        "Saved on :",
        "\tFile : biologic_mb_peis_geis.mpr",
        "Device : VMP-300 (SN 0)",
        "Electrode material : ",
        "Electrolyte : ",
        "Comments : test file written in the layout of an EC-Lab Modulo Bat export (cellworks tests)",
        "Mass of active material : 0.001 mg",
        "Electrode surface area : 0.001 cm²",
        "Characteristic mass : 0.001 mg",
        "Cycle Definition : Charge/Discharge alternance",
        "Ns                  " + "".join(f"{k:<20d}" for k in range(len(SEQUENCES))),
        _row("ctrl_type", lambda s: s[0]),
        _row("ctrl1_val", amplitude),
        _row("ctrl1_val_unit", lambda s: "mA" if s[0] in ("CC", "GEIS") else "mV" if s[0] == "PEIS" else "V"),
        _row("ctrl2_val", lambda s: "1.000" if s[0] in eis else "0.000"),
        _row("ctrl2_val_unit", lambda s: "kHz" if s[0] in eis else "V"),
        _row("ctrl3_val", lambda s: "1.000" if s[0] in eis else "0.000"),
        _row("ctrl3_val_unit", lambda s: "Hz" if s[0] in eis else "V"),
        _row("lim1_type", lambda s: "Time" if s[0] == "Rest" else "Ecell" if s[0] == "CC" else "None"),
        _row("rec1_type", "Time"),
        _row("I Range", "10 mA"),
    ]


def main() -> None:
    body = rows()
    n_header = len(header(0)) + 1
    lines = header(n_header)
    lines.append("\t".join(COLUMNS) + "\t")
    for r in body:
        cells = [str(int(v)) if c in ("mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns",
                                      "I Range", "half cycle", "z cycle") else fmt(v)
                 for c, v in zip(COLUMNS, r, strict=True)]
        lines.append("\t".join(cells) + "\t")
    out = Path(__file__).with_name("biologic_mb_peis_geis.mpt")
    out.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    print(f"wrote {out}: {len(body)} records")


if __name__ == "__main__":
    main()
