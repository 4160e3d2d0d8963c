"""The least-squares problem of a circuit fit: spectrum checks, residual weights, transformed variables.

The objective is impedance.py's: the stacked real and imaginary residuals
``[Re(Z_model − Z), Im(Z_model − Z)]``, each divided by a weight ``σ``:

* ``none``: σ = 1 (impedance.py's default);
* ``modulus``: σ = |Z_data| for both parts (impedance.py's ``weight_by_modulus=True``, which passes
  ``sigma = hstack([|Z|, |Z|])`` to ``scipy.optimize.curve_fit``);
* ``proportional``: σ = |Re Z_data| for the real and |Im Z_data| for the imaginary part
  (Boukamp's proportional weighting).

Parameters bounded below by 0 (all of impedance.py's defaults) are fitted as logarithms, which keeps
them positive and makes the problem scale-free: resistances of mΩ and time constants of ks converge
alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import Circuit
from cellworks.errors import InputError, ParameterError

WEIGHTS = ("none", "modulus", "proportional")
TINY = 1e-300


def weights(z: Array, weight: str) -> tuple[Array, Array]:
    """σ of the real and of the imaginary residuals for weighting ``weight`` (see module docstring)."""
    if weight == "none":
        one = np.ones(z.size)
        return one, one
    if weight == "modulus":
        m = np.abs(z)
        return m, m
    if weight == "proportional":
        floor = 1e-9 * np.abs(z)
        return np.maximum(np.abs(z.real), floor), np.maximum(np.abs(z.imag), floor)
    raise ParameterError(f"weight must be one of {', '.join(WEIGHTS)}, got '{weight}'", field="weight")


def check_spectrum(freq_Hz: Array, Z: Array, file: str | None = None) -> tuple[Array, Array]:
    """Validate a spectrum: 1-D, same length, finite, frequencies > 0. Returns float/complex arrays."""
    f = np.asarray(freq_Hz, dtype=float).ravel()
    z = np.asarray(Z, dtype=complex).ravel()
    if f.size != z.size:
        raise InputError(f"{f.size} frequencies but {z.size} impedances", file=file)
    if f.size == 0:
        raise InputError("empty spectrum", file=file)
    bad = np.flatnonzero(~np.isfinite(f) | ~np.isfinite(z.real) | ~np.isfinite(z.imag))
    if bad.size:
        raise InputError("non-finite frequency or impedance", file=file, record=f"point {int(bad[0])}")
    nonpos = np.flatnonzero(f <= 0)
    if nonpos.size:
        raise InputError("frequency must be > 0 Hz", file=file, record=f"point {int(nonpos[0])}", field="freq")
    return f, z


@dataclass
class Problem:
    """Weighted residuals of ``circuit`` against one spectrum, in the fit variables ``x``.

    ``x`` holds the free parameters (``free`` indexes them in the full vector ``full0``, whose other
    entries are the constants), as logarithms where ``logmask``. ``lb``/``ub`` are the bounds in the
    space of ``x``. Residuals and Jacobian come from one compiled call and are cached for the last ``x``.
    """

    circuit: Circuit
    free: np.ndarray
    full0: np.ndarray
    logmask: np.ndarray
    omega: np.ndarray
    z: np.ndarray
    sr: np.ndarray
    si: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    nfev: int = 0
    _last: tuple[bytes, Any] = field(default=(b"", None))

    def __post_init__(self) -> None:
        self.isr = 1.0 / self.sr
        self.isi = 1.0 / self.si
        self.prog, self.depth = self.circuit._program
        self.zr = np.ascontiguousarray(self.z.real)
        self.zi = np.ascontiguousarray(self.z.imag)
        self.free64 = self.free.astype(np.int64)

    def to_p(self, x: Array) -> Array:
        """Parameter values of the fit variables ``x``."""
        with np.errstate(over="ignore"):
            return np.where(self.logmask, np.exp(np.where(self.logmask, x, 0.0)), x)

    def to_x(self, p: Array) -> Array:
        """Fit variables of the parameter values ``p`` (|p| for log-fitted ones)."""
        p = np.asarray(p, dtype=float)
        return np.where(self.logmask, np.log(np.maximum(np.abs(p), TINY)), p)

    def _eval(self, x: Array) -> tuple[Array, Array]:
        from cellworks.eis._kernel import residuals_jacobian

        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if self._last[0] == key:
            return self._last[1]  # type: ignore[no-any-return]
        out = residuals_jacobian(self.prog, self.circuit.n_params, self.depth, x, self.logmask, self.free64,
                                 self.full0, self.omega, self.zr, self.zi, self.isr, self.isi)
        self._last = (key, out)
        self.nfev += 1
        return out  # type: ignore[no-any-return]

    def full(self, x: Array) -> Array:
        """The full parameter vector (constants included) at ``x``."""
        full = self.full0.copy()
        full[self.free] = self.to_p(x)
        return full

    def model(self, x: Array) -> Array:
        """Model impedance at the fit variables ``x``."""
        return self.circuit.impedance_and_jacobian(self.full(x).tolist(), self.omega)[0]

    def residuals(self, x: Array) -> Array:
        """Weighted stacked residuals [Re; Im] at ``x``."""
        return self._eval(x)[0]

    def jacobian(self, x: Array) -> Array:
        """Jacobian of :meth:`residuals` with respect to ``x``."""
        return self._eval(x)[1]

    def chi2(self, x: Array) -> float:
        """Sum of squared weighted residuals at ``x`` (inf when not finite)."""
        with np.errstate(all="ignore"):
            r = self.residuals(x)
            v = float(np.dot(r, r))
        return v if np.isfinite(v) else float("inf")
