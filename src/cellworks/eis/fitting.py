"""Equivalent-circuit fitting: impedance.py's meaning of an initial guess, with a global search beside it.

* **With an initial guess** the answer is the local least-squares fit from that guess — what
  impedance.py's ``CustomCircuit.fit`` returns. The multi-start search then runs as well (unless
  ``n_starts=1``); if it finds a χ² lower than the answer's by more than the factor
  :data:`GLOBAL_NOTE_FACTOR`, that fit is attached as ``global_optimum`` (relabelled to the user's
  naming of interchangeable arcs where the two are equivalent).
* **Without a guess** the search's lowest χ² is the answer (its first start is a guess derived from
  the data), relabelled like the local fit from that guess (high-frequency arcs first).

``answer="search"`` makes the search result the answer even with a guess. Residuals, weights and the
log transform are described in :mod:`cellworks.eis.problem`; the search in :mod:`cellworks.eis.search`;
standard errors and flags in :mod:`cellworks.eis.diagnostics`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import Circuit, parse_circuit
from cellworks.eis.problem import TINY, WEIGHTS, Problem, check_spectrum, weights
from cellworks.errors import InputError, ParameterError

__all__ = ["ANSWERS", "GLOBAL_NOTE_FACTOR", "WEIGHTS", "FitResult", "check_spectrum", "fit_circuit"]

#: the search's fit is reported beside the local answer when its χ² is lower by more than this factor
#: (1 %: for the 50–200 degrees of freedom of a usual spectrum, Δχ² then exceeds about one s²)
GLOBAL_NOTE_FACTOR = 1.01
ANSWERS = ("auto", "local", "search")


@dataclass(frozen=True)
class FitResult:
    """The outcome of a circuit fit; parameter order is the circuit's, constants left out.

    ``stderr`` is NaN where it is not defined (a parameter at a bound or one the data do not
    constrain); ``at_bound`` is ``None``, ``"lower"`` or ``"upper"`` per parameter; ``flags`` are
    one-line warnings (bounds, impossible signs, correlations above 0.99, over-parameterisation).
    """

    circuit: str
    param_names: tuple[str, ...]
    param_units: tuple[str, ...]
    values: tuple[float, ...]
    stderr: tuple[float, ...]
    correlation: tuple[tuple[float, ...], ...]
    constants: dict[str, float]
    initial_guess: tuple[float, ...]
    weight: str
    chi2: float  # sum of squared weighted residuals
    rmse_Ohm: float  # root-mean-square of |Z_model − Z| (impedance.py's rmse), unweighted
    n_points: int
    n_starts: int  # local fits run (1: no search)
    n_at_best: int  # search starts that ended at the lowest χ² (within 1e-6 relative)
    answer: str  # "local fit from the initial guess" | "multi-start search"
    at_bound: tuple[str | None, ...]
    high_correlations: tuple[tuple[str, str, float], ...]
    flags: tuple[str, ...]
    success: bool
    message: str
    relabelled: bool = False  # interchangeable arcs renamed to match the reference labelling
    global_optimum: FitResult | None = None
    source: str = "least squares as impedance.py (ECSHackWeek) circuit_fit; weighting per its docs"

    def value(self, name: str) -> float:
        """Fitted (or constant) value of parameter ``name``."""
        if name in self.param_names:
            return self.values[self.param_names.index(name)]
        if name in self.constants:
            return float(self.constants[name])
        raise ParameterError(f"fit of {self.circuit!r} has no parameter '{name}'", field=name)

    def error(self, name: str) -> float:
        """Standard error of parameter ``name`` (NaN when not defined, 0 for a constant)."""
        if name in self.param_names:
            return self.stderr[self.param_names.index(name)]
        self.value(name)  # raises for an unknown name
        return 0.0

    def full_parameters(self) -> dict[str, float]:
        """Every parameter of the circuit (fitted and constant) by name, in circuit order."""
        circuit = parse_circuit(self.circuit)
        return {n: self.value(n) for n in circuit.param_names}

    def predict(self, freq_Hz: Array) -> Array:
        """Impedance [Ohm] of the fitted circuit at ``freq_Hz``."""
        circuit = parse_circuit(self.circuit)
        return circuit.impedance(list(self.full_parameters().values()), freq_Hz)

    @property
    def best(self) -> FitResult:
        """The lowest-χ² fit known: ``global_optimum`` when there is one, else this fit."""
        return self.global_optimum if self.global_optimum is not None else self

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (undefined standard errors become ``None``)."""
        names = self.param_names
        out: dict[str, Any] = {
            "circuit": self.circuit,
            "answer": self.answer,
            "weight": self.weight,
            "parameters": dict(zip(names, self.values, strict=True)),
            "stderr": {n: (s if math.isfinite(s) else None) for n, s in zip(names, self.stderr, strict=True)},
            "at_bound": dict(zip(names, self.at_bound, strict=True)),
            "units": dict(zip(names, self.param_units, strict=True)),
            "constants": dict(self.constants),
            "initial_guess": list(self.initial_guess),
            "correlation": [[(v if math.isfinite(v) else None) for v in r] for r in self.correlation],
            "high_correlations": [{"a": a, "b": b, "r": r} for a, b, r in self.high_correlations],
            "flags": list(self.flags),
            "chi2": self.chi2,
            "rmse_Ohm": self.rmse_Ohm,
            "n_points": self.n_points,
            "n_starts": self.n_starts,
            "n_at_best": self.n_at_best,
            "relabelled": self.relabelled,
            "success": self.success,
            "message": self.message,
        }
        if self.global_optimum is not None:
            g = self.global_optimum.as_dict()
            for key in ("circuit", "weight", "constants", "initial_guess", "n_points", "n_starts", "n_at_best"):
                g.pop(key, None)
            out["global_optimum"] = g
        return out


def _bounds(c: Circuit, free: Array, bounds: tuple[Sequence[float], Sequence[float]] | None,
            names: tuple[str, ...]) -> tuple[Array, Array]:
    if bounds is None:
        return np.array([c.lower[i] for i in free]), np.array([c.upper[i] for i in free])
    lower = np.asarray(bounds[0], dtype=float)
    upper = np.asarray(bounds[1], dtype=float)
    if lower.size != free.size or upper.size != free.size:
        raise ParameterError(f"bounds need {free.size} lower and upper values ({', '.join(names)})")
    if np.any(lower >= upper):
        raise ParameterError("every lower bound must be below its upper bound", field="bounds")
    return lower, upper


def _initial(guess: Sequence[float] | None, data: Array, names: tuple[str, ...], text: str) -> Array:
    if guess is None:
        return data
    p0 = np.asarray([float(v) for v in guess], dtype=float)
    if p0.size != len(names):
        raise ParameterError(
            f"circuit {text!r} has {len(names)} free parameters ({', '.join(names)}), "
            f"the initial guess has {p0.size} values",
            field="initial_guess",
        )
    if not np.all(np.isfinite(p0)):
        raise ParameterError("initial guess must be finite", field="initial_guess")
    return p0


def fit_circuit(
    freq_Hz: Array,
    Z: Array,
    circuit: str | Circuit,
    initial_guess: Sequence[float] | None = None,
    constants: Mapping[str, float] | None = None,
    weight: str = "none",
    bounds: tuple[Sequence[float], Sequence[float]] | None = None,
    n_starts: int = 64,
    seed: int = 0,
    answer: str = "auto",
    note_factor: float = GLOBAL_NOTE_FACTOR,
    spread_decades: float = 1.5,
    polish_tol: float = 1e-10,
) -> FitResult:
    """Fit ``circuit`` to the spectrum ``(freq_Hz, Z)``.

    ``initial_guess`` lists the free parameters in circuit order (constants left out), as in
    impedance.py. ``answer``: ``"auto"`` (the local fit from the guess when one is given, else the
    search result), ``"local"`` or ``"search"``. ``n_starts`` bounds the number of local fits of the
    search (1: no search). ``bounds`` (lower, upper) apply to the free parameters; the default is
    impedance.py's (0..inf, exponents of CPE, La, Zarc and TLMQ ≤ 1).

    >>> import numpy as np
    >>> f = np.logspace(4, -1, 30)
    >>> z = 10 + 50 / (1 + 2j * np.pi * f * 50 * 2e-5)
    >>> res = fit_circuit(f, z, "R0-p(R1,C1)", [5, 20, 1e-4])
    >>> [round(v, 6) for v in res.values]
    [10.0, 50.0, 2e-05]
    """
    from cellworks.eis.diagnostics import diagnose
    from cellworks.eis.guess import data_guess, search_box
    from cellworks.eis.relabel import match_labelling
    from cellworks.eis.search import local_fit, multi_start

    c = parse_circuit(circuit) if isinstance(circuit, str) else circuit
    f, z = check_spectrum(freq_Hz, Z)
    if answer not in ANSWERS:
        raise ParameterError(f"answer must be one of {', '.join(ANSWERS)}, got '{answer}'", field="answer")
    if weight not in WEIGHTS:
        raise ParameterError(f"weight must be one of {', '.join(WEIGHTS)}, got '{weight}'", field="weight")
    if n_starts < 1:
        raise ParameterError(f"n_starts must be >= 1, got {n_starts}", field="n_starts")
    consts = {str(k): float(v) for k, v in (constants or {}).items()}
    for name in consts:
        c.index(name)  # raises for an unknown name
    free = np.array([i for i, n in enumerate(c.param_names) if n not in consts], dtype=int)
    if free.size == 0:
        raise ParameterError(f"circuit {c.text!r}: every parameter is a constant, nothing to fit")
    names = tuple(c.param_names[i] for i in free)
    lower, upper = _bounds(c, free, bounds, names)
    if f.size * 2 < free.size:
        raise InputError(f"{f.size} points ({2 * f.size} values) cannot determine {free.size} parameters")
    full0 = np.zeros(c.n_params)
    for name, v in consts.items():
        full0[c.index(name)] = v
    guess_full = data_guess(c, f, z)
    p0 = _initial(initial_guess, guess_full[free], names, c.text)
    logmask = lower >= 0
    lb: Array
    ub: Array
    with np.errstate(divide="ignore"):
        lb = np.where(logmask, np.log(np.maximum(lower, 0.0)), lower)
        ub = np.where(logmask, np.log(np.where(upper > 0, upper, TINY)), upper)
    sr, si = weights(z, weight)
    prob = Problem(c, free, full0, logmask, 2 * np.pi * f, z, sr, si, lb, ub)
    x_user = prob.to_x(np.where(logmask, np.abs(p0), p0))
    box = search_box(c, free, f, z)
    # a log-fitted parameter running off towards 0 or ∞ would take thousands of ever smaller steps:
    # stop it 20 decades beyond the data-scaled box (and beyond the guess); diagnose() flags it
    far = 20.0 * math.log(10.0)
    lb_run = np.where(logmask & ~np.isfinite(lb), np.minimum(np.log(box[0]), x_user) - far, lb)
    ub_run = np.where(logmask & ~np.isfinite(ub), np.maximum(np.log(box[1]), x_user) + far, ub)
    first = local_fit(prob, x_user, lb_run, ub_run, tol=polish_tol)
    n_run, n_at_best = 1, 1
    found = first
    if n_starts > 1:
        outcome = multi_start(prob, first, x_user, prob.to_x(guess_full[free]), box, p0, lower,
                              upper, n_starts, seed, spread_decades=spread_decades, polish_tol=polish_tol)
        found, n_run, n_at_best = outcome.best, outcome.n_starts, outcome.n_at_best
    if not math.isfinite(found.chi2):
        raise InputError(f"fit of {c.text!r} failed from every start: {found.message}")
    fixed = [c.index(n) for n in consts]
    full_lower = np.array(c.lower, dtype=float)
    full_upper = np.array(c.upper, dtype=float)
    full_lower[free], full_upper[free] = lower, upper
    unit_of = dict(zip(c.param_names, c.param_units, strict=True))

    def build(x: Array, chi2: float, ok: bool, msg: str, how: str, reference: Array | None) -> FitResult:
        relabelled = False
        if reference is not None:
            full, relabelled = match_labelling(c, prob.full(x), prob.full(reference), fixed, full_lower, full_upper)
            if relabelled:
                x = prob.to_x(full[free])
                chi2 = prob.chi2(x)
        d = diagnose(prob, x, chi2, f.size, names, lower, upper, consts, unit_of)
        z_fit = prob.model(x)
        return FitResult(
            circuit=c.text, param_names=names, param_units=tuple(c.param_units[i] for i in free),
            values=tuple(float(v) for v in prob.to_p(x)), stderr=d.stderr, correlation=d.correlation,
            constants=consts, initial_guess=tuple(float(v) for v in p0), weight=weight, chi2=float(chi2),
            rmse_Ohm=float(np.sqrt(np.mean(np.abs(z_fit - z) ** 2))), n_points=int(f.size), n_starts=n_run,
            n_at_best=n_at_best, answer=how, at_bound=d.at_bound, high_correlations=d.high_correlations,
            flags=d.flags, success=ok, message=msg, relabelled=relabelled,
        )

    local_answer = n_starts == 1 or answer == "local" or (answer == "auto" and initial_guess is not None)
    if not local_answer:
        best = found if found.chi2 < first.chi2 else first
        return build(best.x, best.chi2, best.success, best.message, "multi-start search", first.x)
    if not math.isfinite(first.chi2):
        raise InputError(f"fit of {c.text!r} from the initial guess failed: {first.message}")
    res = build(first.x, first.chi2, first.success, first.message, "local fit from the initial guess", None)
    if found.chi2 * note_factor < first.chi2:
        glob = build(found.x, found.chi2, found.success, found.message, "multi-start search", first.x)
        res = dataclasses.replace(res, global_optimum=glob)
    return res


def fit(
    freq_Hz: Array,
    Z: Array,
    circuit: str | Circuit,
    initial_guess: Sequence[float] | None = None,
    **options: Any,
) -> FitResult:
    """Fit an equivalent circuit to a spectrum: ``cellworks.eis.fit`` (same as :func:`fit_circuit`).

    With ``initial_guess`` the answer is the local fit from that guess (impedance.py's meaning);
    without it, the multi-start search result. ``options`` are those of :func:`fit_circuit`.

    >>> from cellworks.eis import fit, read_spectrum, drop_positive_imag
    >>> spec = read_spectrum("tests/data/eis/exampleData.csv")
    >>> f, z = drop_positive_imag(spec.freq_Hz, spec.Z_Ohm)
    >>> res = fit(f, z, "R0-p(R1,C1)-p(R2-Wo1,C2)", [.01, .01, 100, .01, .05, 100, 1])
    >>> round(res.values[0] * 1e3, 1)   # R0 in mOhm; impedance.py documents 16.5
    16.5
    """
    return fit_circuit(freq_Hz, Z, circuit, initial_guess, **options)
