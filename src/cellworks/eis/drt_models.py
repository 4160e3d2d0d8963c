"""Closed forms for testing a DRT: impedances with known distributions of relaxation times.

With ``Z(ω) = R_∞ + ∫ γ(ln τ) / (1 + jωτ) d ln τ``:

* RC (Debye) ``R / (1 + jωτ₀)``: γ = R δ(ln τ − ln τ₀);
* ZARC (Cole–Cole) ``R / (1 + (jωτ₀)^φ)``:
  γ = (R / 2π) sin((1 − φ)π) / [cosh(φ ln(τ/τ₀)) − cos((1 − φ)π)]  (Cole & Cole, J. Chem. Phys. 9 (1941) 341);
* Havriliak–Negami ``R / (1 + (jωτ₀)^α)^β``: with y = τ/τ₀,
  γ = (R/π) y^{αβ} sin(βθ) / [y^{2α} + 2y^α cos(πα) + 1]^{β/2}, θ = atan2(sin πα, y^α + cos πα)
  (Havriliak & Negami, Polymer 8 (1967) 161; β = 1 is the ZARC);
* finite-length (transmissive) Warburg ``R tanh√(jωτ_W) / √(jωτ_W)``: Debye terms
  τ_n = τ_W / ((n − ½)π)², R_n = 2R / ((n − ½)π)².

Each γ integrates to R over ln τ; the tests check every formula against the impedance it belongs to
by numerical integration.
"""

from __future__ import annotations

import numpy as np

from cellworks._typing import Array


def rc_impedance(freq_Hz: Array, R_Ohm: float, tau_s: float) -> Array:
    """Z of a resistor R parallel to a capacitor τ/R (one Debye relaxation)."""
    w = 2 * np.pi * np.asarray(freq_Hz, dtype=float)
    return R_Ohm / (1 + 1j * w * tau_s)


def zarc_impedance(freq_Hz: Array, R_Ohm: float, tau_s: float, phi: float) -> Array:
    """Z = R / (1 + (jωτ₀)^φ), the ZARC (R parallel to a CPE with Q = τ₀^φ / R)."""
    w = 2 * np.pi * np.asarray(freq_Hz, dtype=float)
    return R_Ohm / (1 + (1j * w * tau_s) ** phi)


def zarc_drt(tau_s: Array, R_Ohm: float, tau0_s: float, phi: float) -> Array:
    """γ(ln τ) [Ohm] of the ZARC (formula in the module docstring)."""
    x = np.log(np.asarray(tau_s, dtype=float) / tau0_s)
    return R_Ohm / (2 * np.pi) * np.sin((1 - phi) * np.pi) / (np.cosh(phi * x) - np.cos((1 - phi) * np.pi))


def hn_impedance(freq_Hz: Array, R_Ohm: float, tau_s: float, alpha: float, beta: float) -> Array:
    """Havriliak–Negami Z = R / (1 + (jωτ₀)^α)^β."""
    w = 2 * np.pi * np.asarray(freq_Hz, dtype=float)
    return R_Ohm / (1 + (1j * w * tau_s) ** alpha) ** beta


def hn_drt(tau_s: Array, R_Ohm: float, tau0_s: float, alpha: float, beta: float) -> Array:
    """γ(ln τ) [Ohm] of the Havriliak–Negami relaxation (formula in the module docstring)."""
    y = np.asarray(tau_s, dtype=float) / tau0_s
    ya = y**alpha
    theta = np.arctan2(np.sin(np.pi * alpha), ya + np.cos(np.pi * alpha))
    den = (ya * ya + 2 * ya * np.cos(np.pi * alpha) + 1) ** (beta / 2)
    return R_Ohm / np.pi * y ** (alpha * beta) * np.sin(beta * theta) / den


def warburg_short_terms(R_Ohm: float, tau_s: float, n_terms: int = 2000) -> tuple[Array, Array]:
    """``(tau_n, R_n)`` of the Debye series of the transmissive Warburg (they sum to R)."""
    lam = ((np.arange(1, n_terms + 1) - 0.5) * np.pi) ** 2
    return tau_s / lam, 2 * R_Ohm / lam
