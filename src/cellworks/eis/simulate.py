"""Simulated spectra of a cell from its circuit parameters (used by the Li-S part)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cellworks.eis.circuits import Circuit, parse_circuit
from cellworks.eis.circuits import simulate as _simulate
from cellworks.eis.fit import FitResult, charge_transfer_resistance

Array = Any

__all__ = ["simulate", "simulate_fit", "charge_transfer_resistance", "randles"]


def simulate(circuit: str | Circuit, params: Sequence[float] | dict[str, float], freq_Hz: Array) -> Array:
    """Complex impedance [Ohm] of ``circuit`` at ``freq_Hz`` (params: full vector or name → value)."""
    return _simulate(circuit, params, freq_Hz)


def simulate_fit(fit: FitResult, freq_Hz: Array) -> Array:
    """The spectrum of a fitted circuit at other frequencies."""
    return fit.predict(freq_Hz)


def randles(R_s_Ohm: float, R_ct_Ohm: float, C_dl_F: float, A_W: float, freq_Hz: Array) -> Array:
    """Randles cell ``R0-p(R1,C1-... )``: series resistance, charge transfer in parallel with the
    double layer, semi-infinite Warburg in series with the charge transfer (``R0-p(R1-W1,C1)``)."""
    c = parse_circuit("R0-p(R1-W1,C1)")
    return c.impedance([R_s_Ohm, R_ct_Ohm, A_W, C_dl_F], freq_Hz)
