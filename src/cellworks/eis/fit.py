"""Equivalent-circuit fitting: bounded least squares with the analytic Jacobian and multi-start.

The objective is impedance.py's: the stacked real and imaginary residuals
``[Re(Z_model − Z), Im(Z_model − Z)]``, each divided by a weight ``σ``:

* ``none``: σ = 1 (impedance.py's default);
* ``modulus``: σ = |Z_data| for both parts (impedance.py's ``weight_by_modulus=True``, which passes
  ``sigma = hstack([|Z|, |Z|])`` to ``scipy.optimize.curve_fit``);
* ``proportional``: σ = |Re Z_data| for the real and |Im Z_data| for the imaginary part
  (Boukamp's proportional weighting).

Parameters bounded below by 0 (all of impedance.py's defaults) are fitted as logarithms, which keeps
them positive and makes the problem scale-free: resistances of mΩ and time constants of ks converge
alike. Every fit starts from the given guess and, unless ``n_starts=1``, from a guess derived from the
data and from log-spaced perturbations of the best point so far (up to three decades), and keeps the
lowest cost: a poor initial guess still reaches the optimum. Standard errors are those of
``curve_fit`` (covariance s²(JᵀJ)⁻¹ with s² = χ²/(2n − k)), with the correlation matrix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import Circuit, parse_circuit
from cellworks.errors import InputError, ParameterError

WEIGHTS = ("none", "modulus", "proportional")
_TINY = 1e-300


@dataclass(frozen=True)
class FitResult:
    """The outcome of a circuit fit; parameter order is the circuit's, constants left out."""

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
    n_starts: int
    n_at_best: int  # starts that ended at the best cost (within 1e-6 relative)
    local_values: tuple[float, ...]  # the local optimum reached from the initial guess alone (impedance.py's answer)
    local_chi2: float
    success: bool
    message: str
    source: str = "least squares as impedance.py (ECSHackWeek) circuit_fit; weighting per its docs"

    def value(self, name: str) -> float:
        """Fitted (or constant) value of parameter ``name``."""
        if name in self.param_names:
            return self.values[self.param_names.index(name)]
        if name in self.constants:
            return float(self.constants[name])
        raise ParameterError(f"fit of {self.circuit!r} has no parameter '{name}'", field=name)

    def full_parameters(self) -> dict[str, float]:
        """Every parameter of the circuit (fitted and constant) by name, in circuit order."""
        circuit = parse_circuit(self.circuit)
        return {n: self.value(n) for n in circuit.param_names}

    def predict(self, freq_Hz: Array) -> Array:
        circuit = parse_circuit(self.circuit)
        return circuit.impedance(list(self.full_parameters().values()), freq_Hz)

    def as_dict(self) -> dict[str, Any]:
        return {
            "circuit": self.circuit,
            "weight": self.weight,
            "parameters": {n: v for n, v in zip(self.param_names, self.values, strict=True)},
            "stderr": {n: s for n, s in zip(self.param_names, self.stderr, strict=True)},
            "units": {n: u for n, u in zip(self.param_names, self.param_units, strict=True)},
            "constants": dict(self.constants),
            "initial_guess": list(self.initial_guess),
            "correlation": [list(r) for r in self.correlation],
            "chi2": self.chi2,
            "rmse_Ohm": self.rmse_Ohm,
            "n_points": self.n_points,
            "n_starts": self.n_starts,
            "n_at_best": self.n_at_best,
            "from_initial_guess": {
                "parameters": {n: v for n, v in zip(self.param_names, self.local_values, strict=True)},
                "chi2": self.local_chi2,
            },
            "success": self.success,
            "message": self.message,
        }


@dataclass
class _Problem:
    circuit: Circuit
    free: np.ndarray  # indices of free parameters in the full vector
    full0: np.ndarray  # full vector with constants filled in
    logmask: np.ndarray  # free parameters fitted as logarithms
    omega: np.ndarray
    z: np.ndarray
    sr: np.ndarray
    si: np.ndarray
    lb: np.ndarray  # bounds in the transformed space
    ub: np.ndarray
    nfev: int = 0
    _last: tuple[bytes, Any] = field(default=(b"", None))

    def to_p(self, x: Array) -> Array:
        with np.errstate(over="ignore"):
            return np.where(self.logmask, np.exp(np.where(self.logmask, x, 0.0)), x)

    def to_x(self, p: Array) -> Array:
        p = np.asarray(p, dtype=float)
        return np.where(self.logmask, np.log(np.maximum(np.abs(p), _TINY)), p)

    def __post_init__(self) -> None:
        self.isr = 1.0 / self.sr
        self.isi = 1.0 / self.si
        self.prog, self.depth = self.circuit._program
        self.zr = np.ascontiguousarray(self.z.real)
        self.zi = np.ascontiguousarray(self.z.imag)
        self.free64 = self.free.astype(np.int64)

    def _eval(self, x: Array) -> tuple[Array, Array]:
        from cellworks.eis._kernel import residuals_jacobian

        key = x.tobytes()
        if self._last[0] == key:
            return self._last[1]  # type: ignore[no-any-return]
        out = residuals_jacobian(self.prog, self.circuit.n_params, self.depth, np.asarray(x, dtype=float),
                                 self.logmask, self.free64, self.full0, self.omega, self.zr, self.zi, self.isr,
                                 self.isi)
        self._last = (key, out)
        self.nfev += 1
        return out  # type: ignore[no-any-return]

    def model(self, x: Array) -> Array:
        """Model impedance at the fit variables ``x``."""
        full = self.full0.copy()
        full[self.free] = self.to_p(x)
        return self.circuit.impedance_and_jacobian(full.tolist(), self.omega)[0]

    def residuals(self, x: Array) -> Array:
        return self._eval(x)[0]

    def jacobian(self, x: Array) -> Array:
        return self._eval(x)[1]


def _weights(z: Array, weight: str) -> tuple[Array, Array]:
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


def _search_box(circuit: Circuit, free: Array, freq_Hz: Array, Z: Array) -> tuple[Array, Array]:
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


def _clip_into(x: Array, lb: Array, ub: Array) -> Array:
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(lb), lb + 1e-9 * (1 + np.abs(lb)), -np.inf)
        hi = np.where(np.isfinite(ub), ub - 1e-9 * (1 + np.abs(ub)), np.inf)
    return np.clip(x, lo, hi)


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
    spread_decades: float = 1.5,
    polish_tol: float = 1e-10,
    explore_nfev: int = 100,
    n_polish: int = 4,
    explore_rtol: float = 1e-6,
) -> FitResult:
    """Fit ``circuit`` to the spectrum ``(freq_Hz, Z)``.

    ``initial_guess`` lists the free parameters in circuit order (constants left out), as in
    impedance.py; ``None`` derives a guess from the data. ``n_starts`` bounds the number of local
    fits (the first from the guess, the others exploring a data-scaled box).
    ``bounds`` (lower, upper) apply to the free parameters; the default is impedance.py's (0..inf,
    exponents of CPE, La, Zarc and TLMQ ≤ 1).
    """
    from scipy.optimize import least_squares

    c = parse_circuit(circuit) if isinstance(circuit, str) else circuit
    f, z = check_spectrum(freq_Hz, Z)
    consts = {str(k): float(v) for k, v in (constants or {}).items()}
    for name in consts:
        c.index(name)  # raises for an unknown name
    free = np.array([i for i, n in enumerate(c.param_names) if n not in consts], dtype=int)
    if free.size == 0:
        raise ParameterError(f"circuit {c.text!r}: every parameter is a constant, nothing to fit")
    if weight not in WEIGHTS:
        raise ParameterError(f"weight must be one of {', '.join(WEIGHTS)}, got '{weight}'", field="weight")
    full0 = np.zeros(c.n_params)
    for name, v in consts.items():
        full0[c.index(name)] = v
    names = tuple(c.param_names[i] for i in free)
    if bounds is None:
        lower = np.array([c.lower[i] for i in free])
        upper = np.array([c.upper[i] for i in free])
    else:
        lower = np.asarray(bounds[0], dtype=float)
        upper = np.asarray(bounds[1], dtype=float)
        if lower.size != free.size or upper.size != free.size:
            raise ParameterError(f"bounds need {free.size} lower and upper values ({', '.join(names)})")
        if np.any(lower >= upper):
            raise ParameterError("every lower bound must be below its upper bound", field="bounds")
    if f.size * 2 < free.size:
        raise InputError(f"{f.size} points cannot determine {free.size} parameters")
    guess_full = data_guess(c, f, z)
    if initial_guess is None:
        p0 = guess_full[free]
    else:
        p0 = np.asarray([float(v) for v in initial_guess], dtype=float)
        if p0.size != free.size:
            raise ParameterError(
                f"circuit {c.text!r} has {free.size} free parameters ({', '.join(names)}), "
                f"the initial guess has {p0.size} values",
                field="initial_guess",
            )
        if not np.all(np.isfinite(p0)):
            raise ParameterError("initial guess must be finite", field="initial_guess")
    logmask = lower >= 0
    with np.errstate(divide="ignore"):
        lb = np.where(logmask, np.log(np.maximum(lower, 0.0)), lower)
        ub = np.where(logmask, np.log(np.where(upper > 0, upper, _TINY)), upper)
    sr, si = _weights(z, weight)
    prob = _Problem(c, free, full0, logmask, 2 * np.pi * f, z, sr, si, lb, ub)
    bounded = bool(np.any(np.isfinite(lb)) or np.any(np.isfinite(ub)))
    method = "trf" if bounded else "lm"

    def local(x0: Array, max_nfev: int = 150, tol: float = 1e-8) -> tuple[Array, float, bool, str]:
        x0 = _clip_into(x0, lb, ub) if bounded else x0
        try:
            with np.errstate(all="ignore"):
                kw: dict[str, Any] = dict(jac=prob.jacobian, method=method, xtol=tol, ftol=tol, gtol=tol)
                kw["max_nfev"] = max_nfev
                if bounded:
                    kw["bounds"] = (lb, ub)
                sol = least_squares(prob.residuals, x0, **kw)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError) as exc:
            return x0, math.inf, False, str(exc)
        cost = float(2.0 * sol.cost)
        if not np.isfinite(cost):
            return sol.x, math.inf, False, "non-finite cost"
        return sol.x, cost, bool(sol.success), str(sol.message)

    rng = np.random.default_rng(seed)
    x_user = prob.to_x(np.where(logmask, np.abs(p0), p0))
    box_lo, box_hi = _search_box(c, free, f, z)
    # exploration never leaves the search box widened by 6 decades (keeps runaway directions finite)
    wide = 6.0 * math.log(10.0)
    elb = np.where(logmask, np.maximum(lb, np.log(box_lo) - wide), lb)
    eub = np.where(logmask, np.minimum(ub, np.log(box_hi) + wide), ub)
    elb = np.minimum(elb, np.where(logmask, x_user, elb))  # the user's guess is always inside
    eub = np.maximum(eub, np.where(logmask, x_user, eub))

    def explore(x0: Array, max_nfev: int, tol: float) -> tuple[Array, float, bool, str]:
        x0 = _clip_into(x0, elb, eub)
        try:
            with np.errstate(all="ignore"):
                sol = least_squares(prob.residuals, x0, jac=prob.jacobian, method="trf", bounds=(elb, eub),
                                    xtol=tol, ftol=tol, gtol=tol, max_nfev=max_nfev)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError) as exc:
            return x0, math.inf, False, str(exc)
        cost = float(2.0 * sol.cost)
        return sol.x, (cost if np.isfinite(cost) else math.inf), bool(sol.success), str(sol.message)

    # 1. the local fit from the user's guess (impedance.py's answer)
    first_x, first_cost, first_ok, first_msg = local(x_user, max_nfev=3000, tol=polish_tol)
    best_x, best_cost, best_ok, best_msg = first_x, first_cost, first_ok, first_msg
    results: list[tuple[float, Array]] = [(first_cost, first_x)]
    n_run = 1
    if n_starts > 1:
        # 2. quasi-random starts over the data-scaled search box, the data-derived guess, and
        #    log-spaced perturbations (up to ``spread_decades``) of the best point so far, each run by a
        #    compiled Levenberg-Marquardt (exploration only)
        from scipy.stats import qmc

        from cellworks.eis._kernel import lm_explore

        sob = qmc.Sobol(d=free.size, scramble=True, seed=rng).random_base2(max(1, math.ceil(math.log2(n_starts))))
        llo, lhi = np.log(box_lo), np.log(box_hi)
        ln10 = math.log(10.0)
        x_data = prob.to_x(guess_full[free])
        elo = np.where(np.isfinite(elb), elb, -1e300)
        ehi = np.where(np.isfinite(eub), eub, 1e300)
        for k in range(1, n_starts):
            if k == 1:
                x0 = x_data
            elif k % 4 == 0 and math.isfinite(best_cost):
                step = rng.uniform(-spread_decades, spread_decades, size=free.size) * ln10
                x0 = np.where(logmask, best_x + step, best_x * (1 + 0.3 * rng.standard_normal(free.size)))
            else:
                u = sob[k]
                x0 = np.where(logmask, llo + u * (lhi - llo), np.clip(p0, lower, upper))
            try:
                x, cost = lm_explore(prob.prog, c.n_params, prob.depth, np.asarray(x0, dtype=float), elo, ehi,
                                     logmask, prob.free64, full0, prob.omega, prob.zr, prob.zi, prob.isr, prob.isi,
                                     explore_nfev, explore_rtol)
            except (ZeroDivisionError, np.linalg.LinAlgError, ValueError):
                continue
            cost = float(cost)
            n_run += 1
            results.append((cost, x))
            if cost < best_cost:
                best_x, best_cost = x, cost
        # 3. polish the three lowest distinct end points with scipy's trust-region solver
        polished: list[Array] = []
        best_cost = first_cost
        best_x = first_x
        seen: list[float] = []
        for cost, x in sorted(results, key=lambda t: t[0]):
            if not math.isfinite(cost) or any(abs(cost - q) <= 1e-5 * q for q in seen):
                continue  # the same minimum (or the same runaway valley) as one already polished
            seen.append(cost)
            polished.append(x)
            xp, cp, okp, msgp = explore(x, 3000, polish_tol)
            if cp < best_cost:
                best_x, best_cost, best_ok, best_msg = xp, cp, okp, msgp
            if len(polished) == n_polish:
                break
    if not math.isfinite(best_cost):
        raise InputError(f"fit of {c.text!r} failed from every start: {best_msg}")
    costs = [cst for cst, _ in results]
    n_at_best = sum(1 for v in costs if math.isfinite(v) and v <= best_cost * (1 + 1e-6) + 1e-300)
    p_best = prob.to_p(best_x)
    stderr, corr = _uncertainty(prob, best_x, p_best, best_cost, f.size)
    z_fit = prob.model(best_x)
    rmse = float(np.sqrt(np.mean(np.abs(z_fit - z) ** 2)))
    return FitResult(
        circuit=c.text,
        param_names=names,
        param_units=tuple(c.param_units[i] for i in free),
        values=tuple(float(v) for v in p_best),
        stderr=tuple(float(v) for v in stderr),
        correlation=tuple(tuple(float(v) for v in row) for row in corr),
        constants=consts,
        initial_guess=tuple(float(v) for v in p0),
        weight=weight,
        chi2=best_cost,
        rmse_Ohm=rmse,
        n_points=int(f.size),
        n_starts=n_run,
        n_at_best=n_at_best,
        local_values=tuple(float(v) for v in prob.to_p(first_x)),
        local_chi2=float(first_cost),
        success=best_ok,
        message=best_msg,
    )


def _uncertainty(prob: _Problem, x: Array, p: Array, chi2: float, n: int) -> tuple[Array, Array]:
    """Standard errors and correlation as curve_fit: cov = s² (JᵀJ)⁺ in parameter space."""
    jx = prob.jacobian(x)
    scale = np.where(prob.logmask, p, 1.0)  # dZ/dx = dZ/dp · p for log parameters
    with np.errstate(all="ignore"):
        jp = jx / np.where(scale == 0, 1.0, scale)[None, :]
        dof = max(2 * n - p.size, 1)
        s2 = chi2 / dof
        try:
            _, sv, vt = np.linalg.svd(jp, full_matrices=False)
        except np.linalg.LinAlgError:
            n_p = p.size
            return np.full(n_p, np.inf), np.full((n_p, n_p), np.nan)
        tol = np.finfo(float).eps * max(jp.shape) * (sv[0] if sv.size else 0.0)
        keep = sv > tol
        inv = (vt[keep].T / sv[keep] ** 2) @ vt[keep]
        cov = inv * s2
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        denom = np.outer(se, se)
        corr = np.where(denom > 0, cov / np.where(denom > 0, denom, 1.0), np.nan)
    if not np.all(keep):
        se = np.where(np.isfinite(se), se, np.inf)
    return se, corr


class CircuitModel:
    """scikit-learn style circuit model, as impedance.py's ``CustomCircuit``.

    >>> m = CircuitModel("R0-p(R1,C1)", initial_guess=[1, 10, 1e-3])   # doctest: +SKIP
    >>> m.fit(f, Z).parameters_                                          # doctest: +SKIP
    """

    def __init__(
        self,
        circuit: str,
        initial_guess: Sequence[float] | None = None,
        constants: Mapping[str, float] | None = None,
        weight: str = "none",
        n_starts: int = 12,
        seed: int = 0,
    ) -> None:
        self.circuit = parse_circuit(circuit)
        self.initial_guess = None if initial_guess is None else [float(v) for v in initial_guess]
        self.constants = dict(constants or {})
        self.weight = weight
        self.n_starts = n_starts
        self.seed = seed
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
        weight: str | None = None,
    ) -> CircuitModel:
        res = fit_circuit(
            frequencies, impedance, self.circuit, self.initial_guess, self.constants,
            weight=self.weight if weight is None else weight, bounds=bounds, n_starts=self.n_starts, seed=self.seed,
        )
        self.result_ = res
        self.parameters_ = np.array(res.values)
        self.conf_ = np.array(res.stderr)
        self.correlation_ = np.array(res.correlation)
        return self

    def predict(self, frequencies: Array, use_initial: bool = False) -> Array:
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
        names = [n for n in self.circuit.param_names if n not in self.constants]
        units = [u for n, u in zip(self.circuit.param_names, self.circuit.param_units, strict=True) if n not in self.constants]
        return names, units

    def __str__(self) -> str:
        lines = [f"Circuit string: {self.circuit.text}", f"Fit: {self.result_ is not None}"]
        if self.result_ is not None:
            lines.append("Fit parameters:")
            r = self.result_
            for n, v, s, u in zip(r.param_names, r.values, r.stderr, r.param_units, strict=True):
                lines.append(f"  {n:>8} = {v:.3e}  (+/- {s:.2e}) [{u}]")
        return "\n".join(lines)


def charge_transfer_resistance(fit: FitResult | CircuitModel, element: str = "R1") -> tuple[float, float]:
    """Charge-transfer resistance [Ohm] and its standard error from a fitted spectrum.

    ``element`` names the resistor (or the resistance parameter, e.g. ``Zarc1_0``) that stands for
    charge transfer in the chosen circuit, ``R1`` in the usual ``R0-p(R1,C1)-...`` Randles form.
    """
    res = fit.result_ if isinstance(fit, CircuitModel) else fit
    if res is None:
        raise ParameterError("the model has not been fitted yet")
    name = element
    if name not in res.param_names and name not in res.constants and f"{name}_0" in res.param_names:
        name = f"{name}_0"
    value = res.value(name)
    se = res.stderr[res.param_names.index(name)] if name in res.param_names else 0.0
    return value, se
