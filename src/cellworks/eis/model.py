"""scikit-learn style circuit models with impedance.py's names: :class:`CircuitModel` and ``CustomCircuit``.

``CustomCircuit(circuit, initial_guess=[...], constants={...})`` takes impedance.py's arguments, and
``.fit(frequencies, impedance, bounds=None, weight_by_modulus=False)``, ``.predict(frequencies)``,
``.parameters_``, ``.conf_`` and ``.get_param_names()`` mean what they mean there: the fit is the local
fit from the initial guess. The multi-start search runs beside it; a lower minimum it finds is kept
in ``result_.global_optimum``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import parse_circuit
from cellworks.eis.fitting import FitResult, fit_circuit
from cellworks.errors import ParameterError


class CircuitModel:
    """A circuit with an initial guess and constants, fitted like impedance.py's ``CustomCircuit``.

    >>> import numpy as np
    >>> f = np.logspace(4, -1, 30)
    >>> m = CircuitModel("R0-p(R1,C1)", initial_guess=[5, 20, 1e-4]).fit(f, 10 + 50 / (1 + 2j * np.pi * f * 1e-3))
    >>> [round(v, 6) for v in m.parameters_]
    [10.0, 50.0, 2e-05]
    """

    def __init__(
        self,
        circuit: str = "",
        initial_guess: Sequence[float] | None = None,
        constants: Mapping[str, float] | None = None,
        weight: str = "none",
        n_starts: int = 12,
        seed: int = 0,
        name: str | None = None,
    ) -> None:
        self.circuit = parse_circuit(circuit)
        self.initial_guess = None if initial_guess is None else [float(v) for v in initial_guess]
        self.constants = dict(constants or {})
        self.weight = weight
        self.n_starts = n_starts
        self.seed = seed
        self.name = name
        n_free = self.circuit.n_params - len(self.constants)
        if self.initial_guess is not None and len(self.initial_guess) != n_free:
            raise ParameterError(
                f"circuit {circuit!r} has {n_free} free parameters, initial guess has {len(self.initial_guess)}",
                field="initial_guess",
            )
        self.parameters_: np.ndarray | None = None
        self.conf_: np.ndarray | None = None
        self.correlation_: np.ndarray | None = None
        self.result_: FitResult | None = None

    def fit(
        self, frequencies: Array, impedance: Array, bounds: tuple[Sequence[float], Sequence[float]] | None = None,
        weight: str | None = None, weight_by_modulus: bool = False,
    ) -> CircuitModel:
        """Fit to ``(frequencies, impedance)``; ``weight_by_modulus=True`` is impedance.py's |Z| weighting."""
        w = "modulus" if weight_by_modulus else (self.weight if weight is None else weight)
        res = fit_circuit(frequencies, impedance, self.circuit, self.initial_guess, self.constants, weight=w,
                          bounds=bounds, n_starts=self.n_starts, seed=self.seed)
        self.result_ = res
        self.parameters_ = np.array(res.values)
        self.conf_ = np.array(res.stderr)
        self.correlation_ = np.array(res.correlation)
        return self

    def predict(self, frequencies: Array, use_initial: bool = False) -> Array:
        """Impedance [Ohm] at ``frequencies`` with the fitted parameters (or the initial guess)."""
        if use_initial or self.parameters_ is None:
            if self.initial_guess is None:
                raise ParameterError("model has neither fitted parameters nor an initial guess")
            free = list(self.initial_guess)
        else:
            free = [float(v) for v in self.parameters_]
        full: list[float] = []
        it = iter(free)
        for n in self.circuit.param_names:
            full.append(float(self.constants[n]) if n in self.constants else next(it))
        return self.circuit.impedance(full, frequencies)

    def get_param_names(self) -> tuple[list[str], list[str]]:
        """Names and units of the free parameters, as impedance.py."""
        names = [n for n in self.circuit.param_names if n not in self.constants]
        units = [u for n, u in zip(self.circuit.param_names, self.circuit.param_units, strict=True)
                 if n not in self.constants]
        return names, units

    def __str__(self) -> str:
        lines = [f"Circuit string: {self.circuit.text}", f"Fit: {self.result_ is not None}"]
        if self.result_ is not None:
            lines.append("Fit parameters:")
            r = self.result_
            for n, v, s, u in zip(r.param_names, r.values, r.stderr, r.param_units, strict=True):
                err = f"{s:.2e}" if np.isfinite(s) else "n/a"
                lines.append(f"  {n:>8} = {v:.3e}  (+/- {err}) [{u}]")
            lines.extend(f"  warning: {fl}" for fl in r.flags)
        return "\n".join(lines)


class CustomCircuit(CircuitModel):
    """impedance.py's ``CustomCircuit(circuit, initial_guess=[...], constants={...}, name=None)``."""

    def __init__(self, circuit: str = "", initial_guess: Sequence[float] | None = None,
                 constants: Mapping[str, float] | None = None, name: str | None = None, **kwargs: object) -> None:
        super().__init__(circuit, initial_guess=initial_guess, constants=constants, name=name,
                         **kwargs)  # type: ignore[arg-type]


def charge_transfer_resistance(fit: FitResult | CircuitModel, element: str = "R1") -> tuple[float, float]:
    """Charge-transfer resistance [Ohm] and its standard error from a fitted spectrum.

    ``element`` names the resistor (or the resistance parameter, e.g. ``Zarc1_0``) that stands for
    charge transfer in the chosen circuit, ``R1`` in the usual ``R0-p(R1,C1)-...`` Randles form. The
    standard error is NaN when the fit does not define it (see :attr:`FitResult.flags`).
    """
    res = fit.result_ if isinstance(fit, CircuitModel) else fit
    if res is None:
        raise ParameterError("the model has not been fitted yet")
    name = element
    if name not in res.param_names and name not in res.constants and f"{name}_0" in res.param_names:
        name = f"{name}_0"
    return res.value(name), res.error(name)
