"""Starting points of a circuit fit: a guess derived from the spectrum, and the box the multi-start explores.

Both only use scales read off the data (the high-frequency intercept, the span of Re Z, the measured
frequency band), so a fit needs no user guess to start.
"""

from __future__ import annotations

import math

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import Circuit


def data_guess(circuit: Circuit, freq_Hz: Array, Z: Array) -> np.ndarray:
    """An initial guess for every parameter, derived from the spectrum alone.

    Resistive magnitudes share the span of Re Z (a leading series resistor gets the high-frequency
    intercept); time constants are spread log-uniformly over the measured band, assigned from the
    left of the circuit (high frequency) to the right (low frequency).
    """
    f = np.asarray(freq_Hz, dtype=float)
    z = np.asarray(Z, dtype=complex)
    re = z.real
    r_hf = max(float(np.min(re)), 1e-6 * float(np.max(np.abs(z))))
    span = max(float(np.max(re) - np.min(re)), 1e-3 * float(np.max(np.abs(z))))
    timed = [e for e in circuit.elements if e.kind not in ("R", "L", "W")]
    n_t = max(len(timed), 1)
    f_hi, f_lo = float(np.max(f)), float(np.min(f))
    # time constants at log-spaced frequencies inside the band (not at its very ends)
    f_k = np.logspace(math.log10(f_hi), math.log10(f_lo), n_t + 2)[1:-1]
    resistive = [e for e in circuit.elements if e.kind not in ("C", "L", "CPE", "La")]
    n_r = max(len(resistive), 1)
    r_each = span / n_r
    top = circuit.root
    first_series = None
    if hasattr(top, "children") and top.__class__.__name__ == "SeriesNode":
        first = top.children[0]  # type: ignore[union-attr]
        if first.__class__.__name__ == "ElementNode" and first.kind == "R":  # type: ignore[union-attr]
            first_series = first.name  # type: ignore[union-attr]
    elif top.__class__.__name__ == "ElementNode" and top.kind == "R":  # type: ignore[union-attr]
        first_series = top.name  # type: ignore[union-attr]
    out: list[float] = []
    t_i = 0
    w_hi = 2 * math.pi * f_hi
    for e in circuit.elements:
        if e in timed:
            tau = 1.0 / (2 * math.pi * f_k[min(t_i, n_t - 1)])
            t_i += 1
        else:
            tau = 1.0 / (2 * math.pi * math.sqrt(f_hi * f_lo))
        k = e.kind
        if k == "R":
            out.append(r_hf if e.name == first_series else r_each)
        elif k == "C":
            out.append(tau / r_each)
        elif k == "L":
            im_hf = float(z.imag[np.argmax(f)])
            out.append(max(im_hf, 1e-3 * span) / w_hi)
        elif k == "W":
            out.append(r_each * math.sqrt(2 * math.pi * f_lo))
        elif k in ("Wo", "Ws"):
            out.extend([r_each, tau])
        elif k == "CPE":
            out.extend([tau / r_each, 0.85])
        elif k == "La":
            out.extend([1e-3 * span / w_hi, 0.9])
        elif k == "G":
            out.extend([r_each, tau])
        elif k == "Gs":
            out.extend([r_each, tau, 1.0])
        elif k == "Zarc":
            out.extend([r_each, tau, 0.85])
        elif k == "K":
            out.extend([r_each, tau])
        elif k == "TLMQ":
            out.extend([r_each, tau / r_each, 0.85])
        elif k == "T":
            out.extend([r_each, r_each, 1.0, tau])
        else:  # pragma: no cover - every element kind is listed above
            out.extend([1.0] * e.spec.n_params)
    return np.asarray(out, dtype=float)


def search_box(circuit: Circuit, free: Array, freq_Hz: Array, Z: Array) -> tuple[Array, Array]:
    """A plausible range of every free parameter, from the spectrum's scales (for exploration only)."""
    f = np.asarray(freq_Hz, dtype=float)
    z = np.asarray(Z, dtype=complex)
    zmax = float(np.max(np.abs(z)))
    span = max(float(np.max(z.real) - np.min(z.real)), 1e-3 * zmax)
    r_lo, r_hi = 1e-3 * span, 10.0 * zmax
    w_lo, w_hi = 2 * math.pi * float(np.min(f)), 2 * math.pi * float(np.max(f))
    t_lo, t_hi = 0.1 / w_hi, 10.0 / w_lo
    lo: list[float] = []
    hi: list[float] = []
    kinds = {
        "R": [(r_lo, r_hi)],
        "C": [(t_lo / r_hi, t_hi / r_lo)],
        "L": [(r_lo / w_hi, r_hi / w_hi)],
        "W": [(r_lo * math.sqrt(w_lo), r_hi * math.sqrt(w_hi))],
        "Wo": [(r_lo, r_hi), (t_lo, t_hi)],
        "Ws": [(r_lo, r_hi), (t_lo, t_hi)],
        "CPE": [(t_lo / r_hi, t_hi / r_lo), (0.4, 1.0)],
        "La": [(r_lo / w_hi, r_hi / w_hi), (0.4, 1.0)],
        "G": [(r_lo, r_hi), (t_lo, t_hi)],
        "Gs": [(r_lo, r_hi), (t_lo, t_hi), (0.1, 10.0)],
        "Zarc": [(r_lo, r_hi), (t_lo, t_hi), (0.4, 1.0)],
        "K": [(r_lo, r_hi), (t_lo, t_hi)],
        "TLMQ": [(r_lo, r_hi), (t_lo / r_hi, t_hi / r_lo), (0.4, 1.0)],
        "T": [(r_lo, r_hi), (r_lo, r_hi), (1e-2, 1e2), (t_lo, t_hi)],
    }
    for e in circuit.elements:
        for a, b in kinds.get(e.kind, [(1e-6, 1e6)] * e.spec.n_params):
            lo.append(a)
            hi.append(b)
    return np.asarray(lo)[free], np.asarray(hi)[free]
