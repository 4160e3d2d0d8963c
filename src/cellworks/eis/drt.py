"""Distribution of relaxation times: Tikhonov-regularised, non-negative, on radial basis functions.

The spectrum is modelled as ``Z(ω) = R_∞ + jωL + 1/(jωC) + ∫ γ(ln τ) / (1 + jωτ) d ln τ`` with the
series inductance L and capacitance C optional, and γ(ln τ) = Σ_m x_m φ(ln τ − ln τ_m) on a
log-uniform grid of centres τ_m (half a decade beyond 1/ω_max and 1/ω_min, at least ten per decade).
This is the method of DRTtools / pyDRTtools (Wan, Saccoccio, Chen, Ciucci, Electrochim. Acta 184
(2015) 483): φ is a Gaussian exp(−(εy)²) whose full width at half maximum is the grid spacing divided by the
"FWHM coefficient" (pyDRTtools' default 0.5: two grid spacings), or a piecewise-linear hat.

The coefficients minimise ``‖W(Ax − Z)‖² + λ xᵀPx`` subject to x ≥ 0 (R_∞, L, 1/C ≥ 0 too), with
P the integral of the squared first (or second) derivative of γ over ln τ — exact for both bases —
and W = 1 or 1/|Z| (``weight``). The non-negative problem is solved exactly by NNLS on the stacked
system ``[WA; √λ R]`` with RᵀR = P.

λ is chosen by the corner (largest curvature) of the **L-curve** (log residual norm against log
penalty of the ridge problem; Hansen, SIAM Rev. 34 (1992) 561) by default, or by **generalised
cross-validation** (GCV; Golub, Heath & Wahba, Technometrics 21 (1979) 215), the criterion of
pyDRTtools' ``simple_run``; a number can be given instead. The L-curve is the default because it
never failed badly on synthetic spectra with known DRTs (ZARC, Havriliak–Negami, two RC; 12 noise
draws each at 0.1 % and 1 %, ``benchmarks/eis_drt.py``: worst relative L2 error 0.20 against
GCV's 0.65 — GCV now and then picks a λ a thousand times too small and the DRT rings). Peaks are
the local maxima of γ whose prominence exceeds 5 % of the largest (smaller side lobes are ringing of
the regularised solution at 1 % noise); each peak's resistance is the integral of γ between the minima that separate it from its neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.problem import check_spectrum
from cellworks.errors import InputError, ParameterError

BASES = ("gaussian", "piecewise")
LAMBDA_METHODS = ("gcv", "lcurve")
DRT_WEIGHTS = ("none", "modulus")
#: λ searched over this range (pyDRTtools bounds its search to 1e-7..1)
LAMBDA_RANGE = (1e-10, 1e2)
_FWHM_GAUSS = 2.0 * math.sqrt(math.log(2.0))  # full width at half maximum of exp(-y²)


@dataclass(frozen=True)
class DRTPeak:
    """One peak of the DRT: its time constant, resistance and the ln τ range it was integrated over."""

    tau_s: float
    f_Hz: float  # 1/(2πτ), where the peak's arc has its apex
    R_Ohm: float
    gamma_max_Ohm: float
    tau_from_s: float
    tau_to_s: float


@dataclass(frozen=True)
class DRTResult:
    """A DRT: γ on a fine τ grid, the series terms, the chosen λ, the fit and the peaks."""

    tau_s: Array
    gamma_Ohm: Array
    R_inf_Ohm: float
    L_H: float | None  # None when not part of the model
    C_F: float | None
    lambda_value: float
    lambda_method: str  # "gcv", "lcurve", "fixed" or "gcv (the L-curve has no corner)"
    basis: str
    weight: str
    derivative_order: int
    fwhm_coefficient: float
    centres_tau_s: Array
    coefficients: Array
    freq_Hz: Array
    Z: Array
    Z_fit: Array
    R_pol_Ohm: float  # ∫ γ d ln τ
    peaks: tuple[DRTPeak, ...]
    band_lower_Ohm: Array | None = None
    band_upper_Ohm: Array | None = None
    band_note: str = ""
    source: str = field(default="Tikhonov/NNLS on RBFs as Wan et al., Electrochim. Acta 184 (2015) 483 "
                                "(DRTtools, pyDRTtools)")

    @property
    def relative_residual(self) -> Array:
        """|Z − Z_fit| / |Z| per point."""
        return np.asarray(np.abs(self.Z - self.Z_fit) / np.abs(self.Z))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        out: dict[str, Any] = {
            "basis": self.basis,
            "weight": self.weight,
            "derivative_order": self.derivative_order,
            "fwhm_coefficient": self.fwhm_coefficient,
            "lambda": self.lambda_value,
            "lambda_method": {"gcv": "generalised cross-validation", "lcurve": "L-curve corner",
                              "fixed": "given"}.get(self.lambda_method, self.lambda_method),
            "R_inf_Ohm": self.R_inf_Ohm,
            "L_H": self.L_H,
            "C_F": self.C_F,
            "R_pol_Ohm": self.R_pol_Ohm,
            "n_points": int(self.freq_Hz.size),
            "max_relative_residual": float(np.max(self.relative_residual)),
            "peaks": [{"tau_s": p.tau_s, "f_Hz": p.f_Hz, "R_Ohm": p.R_Ohm, "gamma_max_Ohm": p.gamma_max_Ohm,
                       "tau_from_s": p.tau_from_s, "tau_to_s": p.tau_to_s} for p in self.peaks],
            "tau_s": self.tau_s,
            "gamma_Ohm": self.gamma_Ohm,
        }
        if self.band_lower_Ohm is not None:
            out["band_lower_Ohm"] = self.band_lower_Ohm
            out["band_upper_Ohm"] = self.band_upper_Ohm
            out["band_note"] = self.band_note
        return out


def _basis_width(basis: str, spacing: float, coeff: float) -> float:
    """ε of the Gaussian exp(−(εy)²) (FWHM = spacing / coeff), or the hat's half-width."""
    return coeff * _FWHM_GAUSS / spacing if basis == "gaussian" else spacing


def drt_kernel(omega: Array, ln_tau: Array, basis: str, eps: float, n_quad: int = 201) -> tuple[Array, Array]:
    """``(A_re, A_im)``: Re and Im of ∫ φ_m(ln τ) / (1 + jωτ) d ln τ for every ω (rows) and centre (columns).

    Trapezoidal quadrature over the support of φ (Gaussian: ±6/ε; hat: ±ε, the half-width), written
    with tanh/cosh so nothing overflows: 1/(1 + e^{2t}) = (1 − tanh t)/2 and e^t/(1 + e^{2t}) = 1/(2 cosh t).
    """
    if basis == "gaussian":
        y = np.linspace(-6.0 / eps, 6.0 / eps, n_quad)
        phi = np.exp(-((eps * y) ** 2))
    else:
        y = np.linspace(-eps, eps, n_quad)
        phi = 1.0 - np.abs(y) / eps
    wq = np.full(n_quad, y[1] - y[0])
    wq[0] *= 0.5
    wq[-1] *= 0.5
    u = np.log(omega)[:, None] + ln_tau[None, :]
    a_re = np.zeros(u.shape)
    a_im = np.zeros(u.shape)
    with np.errstate(over="ignore"):
        for yk, pk in zip(y, phi * wq, strict=True):
            t = u + yk
            a_re += pk * 0.5 * (1.0 - np.tanh(t))
            a_im -= pk * 0.5 / np.cosh(t)
    return a_re, a_im


def penalty_matrix(ln_tau: Array, basis: str, eps: float, order: int) -> Array:
    """P with xᵀPx = ∫ (dᵒγ/d(ln τ)ᵒ)² d ln τ for γ = Σ x_m φ_m (exact for the Gaussian; for the hat,
    exact for order 1 and the second-difference form for order 2)."""
    d = ln_tau[:, None] - ln_tau[None, :]
    if basis == "gaussian":
        # autocorrelation R(d) = √(π/2)/ε · exp(−ε²d²/2); ∫φ'φ' = −R''(d), ∫φ''φ'' = R''''(d)
        a = eps * eps / 2.0
        r = math.sqrt(math.pi / 2.0) / eps * np.exp(-a * d * d)
        if order == 1:
            return np.asarray(2 * a * (1 - 2 * a * d * d) * r)
        return np.asarray((16 * a**4 * d**4 - 48 * a**3 * d * d + 12 * a * a) * r)
    h = float(ln_tau[1] - ln_tau[0])
    n = ln_tau.size
    diff = np.diff(np.eye(n), n=order, axis=0)
    return np.asarray(diff.T @ diff / h ** (2 * order - 1))


def _sqrt_psd(p: Array) -> Array:
    vals, vecs = np.linalg.eigh(0.5 * (p + p.T))
    return np.asarray(np.sqrt(np.clip(vals, 0.0, None))[:, None] * vecs.T)


@dataclass
class _System:
    a: Array  # weighted, column-scaled design (2n, k)
    b: Array
    p: Array  # penalty in scaled variables
    scale: Array
    n_series: int

    def __post_init__(self) -> None:
        self.ata = self.a.T @ self.a
        self.atb = self.a.T @ self.b
        self.btb = float(self.b @ self.b)
        self.ridge_floor = 1e-13 * float(np.trace(self.ata)) / self.ata.shape[0]


def _ridge(sys_: _System, lam: float) -> tuple[Array, Array, float, float]:
    """Unconstrained ridge solution x, K⁻¹AᵀA, the trace of the influence matrix and ‖Ax − b‖²."""
    k = sys_.ata + lam * sys_.p
    k[np.diag_indices_from(k)] += sys_.ridge_floor
    sol = np.linalg.solve(k, np.column_stack([sys_.atb, sys_.ata]))
    x, kinv_ata = sol[:, 0], sol[:, 1:]
    rss = max(float(x @ sys_.ata @ x - 2 * x @ sys_.atb + sys_.btb), 0.0)
    return x, kinv_ata, float(np.trace(kinv_ata)), rss


def _gcv(sys_: _System, lam: float) -> float:
    _, _, tr, rss = _ridge(sys_, lam)
    n = sys_.b.size
    return float(n * rss / max(n - tr, 1e-12) ** 2)


def _gcv_lambda(sys_: _System, grid: Array) -> float:
    from scipy.optimize import minimize_scalar

    scores = np.array([_gcv(sys_, lam) for lam in grid])
    i = int(np.argmin(scores))
    lo, hi = math.log(grid[max(i - 1, 0)]), math.log(grid[min(i + 1, grid.size - 1)])
    res = minimize_scalar(lambda t: _gcv(sys_, math.exp(t)), bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return float(math.exp(res.x)) if res.fun <= scores[i] else float(grid[i])


def choose_lambda(sys_: _System, method: str) -> tuple[float, str]:
    """``(λ, method used)``: by GCV (minimum over a log grid, refined) or by the L-curve corner.

    The corner is the point of largest positive curvature at least a decade inside the searched range
    whose residual norm is at most twice the smallest; a curve without one (an exact, noise-free
    spectrum has no corner) falls back to GCV, and says so.
    """
    grid = np.logspace(math.log10(LAMBDA_RANGE[0]), math.log10(LAMBDA_RANGE[1]), 97)  # 8 per decade
    if method == "gcv":
        return _gcv_lambda(sys_, grid), "gcv"
    rho, eta = [], []
    for lam in grid:
        x, _, _, rss = _ridge(sys_, lam)
        rho.append(0.5 * math.log(max(rss, 1e-300)))
        eta.append(0.5 * math.log(max(float(x @ sys_.p @ x), 1e-300)))
    t = np.log(grid)
    r1, e1 = np.gradient(rho, t), np.gradient(eta, t)
    r2, e2 = np.gradient(r1, t), np.gradient(e1, t)
    curv = (r1 * e2 - r2 * e1) / np.maximum((r1 * r1 + e1 * e1) ** 1.5, 1e-300)
    # candidates: a decade inside the range, and with a residual norm at most twice the smallest (a DRT
    # that fits the data twice as badly as the least-regularised one is over-smoothed; a spectrum can
    # have such a second, sharper corner where the DRT collapses into one broad peak)
    ok = np.zeros(grid.size, dtype=bool)
    ok[8 : grid.size - 8] = True
    ok &= np.asarray(rho) <= min(rho) + math.log(2.0)
    cand = np.where(ok, curv, -np.inf)
    k = int(np.argmax(cand))
    if not cand[k] > 0:
        return _gcv_lambda(sys_, grid), "gcv (the L-curve has no corner)"
    return float(grid[k]), "lcurve"


def find_peaks(ln_tau: Array, gamma: Array, min_prominence: float = 0.05) -> tuple[DRTPeak, ...]:
    """Peaks of γ(ln τ) with prominence ≥ ``min_prominence`` × max γ, each integrated valley to valley."""
    from scipy.signal import find_peaks as _find

    g = np.asarray(gamma, dtype=float)
    top = float(np.max(g)) if g.size else 0.0
    if top <= 0:
        return ()
    padded = np.concatenate([[0.0], g, [0.0]])  # a peak at the edge of the grid still counts
    idx, _ = _find(padded, prominence=min_prominence * top)
    idx = idx - 1
    if idx.size == 0:
        return ()
    cuts = [0]
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        cuts.append(int(a + np.argmin(g[a : b + 1])))
    cuts.append(g.size - 1)
    peaks = []
    for k, i in enumerate(idx):
        lo, hi = cuts[k], cuts[k + 1]
        seg = slice(lo, hi + 1)
        r = float(np.trapezoid(g[seg], ln_tau[seg]))
        j = int(i)
        x0 = float(ln_tau[j])
        if 0 < j < g.size - 1:  # parabolic refinement of the maximum in ln τ
            y0, y1, y2 = g[j - 1], g[j], g[j + 1]
            den = y0 - 2 * y1 + y2
            if den < 0:
                x0 += 0.5 * (y0 - y2) / den * float(ln_tau[j + 1] - ln_tau[j])
        tau = math.exp(x0)
        peaks.append(DRTPeak(tau, 1.0 / (2 * math.pi * tau), r, float(g[j]), float(math.exp(ln_tau[lo])),
                             float(math.exp(ln_tau[hi]))))
    return tuple(peaks)


def fit_drt(
    freq_Hz: Array,
    Z: Array,
    lam: float | str = "auto",
    basis: str = "gaussian",
    lambda_method: str = "lcurve",
    inductance: bool = False,
    capacitance: bool = False,
    weight: str = "none",
    derivative_order: int = 1,
    fwhm_coefficient: float = 0.5,
    points_per_decade: float | None = None,
    bands: bool = False,
    min_prominence: float = 0.05,
    band_samples: int = 1000,
    centres_tau_s: Array | None = None,
) -> DRTResult:
    """The DRT of a spectrum (method in the module docstring).

    ``lam``: ``"auto"`` (chosen by ``lambda_method``, ``"gcv"`` or ``"lcurve"``) or a number.
    ``inductance`` / ``capacitance`` add a series L / C. ``bands`` adds the 95 % credible band of γ:
    ``band_samples`` draws of the Gaussian posterior of the Tikhonov problem (prior precision λP/σ²,
    σ² from the residuals) truncated to x ≥ 0, by exact HMC (:mod:`cellworks.eis.truncnorm`).
    ``centres_tau_s`` replaces the default grid of RBF centres (e.g. pyDRTtools' τ = 1/f, to compare
    like with like); the basis width then follows their mean log spacing.

    >>> import numpy as np
    >>> f = np.logspace(5, -2, 71)
    >>> z = 10 + 20 / (1 + 2j * np.pi * f * 1e-3)
    >>> res = fit_drt(f, z)
    >>> len(res.peaks), round(res.peaks[0].R_Ohm, 0)
    (1, 20.0)
    """
    from scipy.optimize import nnls

    f, z = check_spectrum(freq_Hz, Z)
    if basis not in BASES:
        raise ParameterError(f"basis must be one of {', '.join(BASES)}, got '{basis}'", field="basis")
    if lambda_method not in LAMBDA_METHODS:
        raise ParameterError(f"lambda method must be one of {', '.join(LAMBDA_METHODS)}", token=lambda_method)
    if weight not in DRT_WEIGHTS:
        raise ParameterError(f"weight must be one of {', '.join(DRT_WEIGHTS)}, got '{weight}'", field="weight")
    if derivative_order not in (1, 2):
        raise ParameterError("derivative order must be 1 or 2", field="derivative_order")
    if not 0 < fwhm_coefficient <= 5:
        raise ParameterError("FWHM coefficient must be in (0, 5]", field="fwhm_coefficient")
    fixed_lam = None
    if not (isinstance(lam, str) and lam == "auto"):
        try:
            fixed_lam = float(lam)
        except (TypeError, ValueError):
            raise ParameterError("lambda must be 'auto' or a number", token=str(lam)) from None
        if not (math.isfinite(fixed_lam) and fixed_lam > 0):
            raise ParameterError("lambda must be a positive number", token=str(lam))
    n_series = 1 + int(inductance) + int(capacitance)
    if f.size < 3 or 2 * f.size <= n_series:
        raise InputError(f"{f.size} points are too few for a DRT")
    w = 2 * np.pi * f
    decades = math.log10(w.max() / w.min())
    ppd = points_per_decade or min(20.0, max(10.0, (f.size - 1) / max(decades, 1e-9)))
    if centres_tau_s is None:
        lo, hi = -math.log10(w.max()) - 0.5, -math.log10(w.min()) + 0.5
        n_c = int(round((hi - lo) * ppd)) + 1
        ln_tau = np.linspace(lo, hi, n_c) * math.log(10.0)
    else:
        ln_tau = np.log(np.unique(np.asarray(centres_tau_s, dtype=float)))
        n_c = ln_tau.size
        if n_c < 3 or not np.all(np.isfinite(ln_tau)):
            raise ParameterError("centres_tau_s needs at least 3 finite positive time constants", field="centres_tau_s")
        steps = np.diff(ln_tau)
        if basis == "piecewise" and np.ptp(steps) > 1e-6 * steps.mean():
            raise ParameterError("the piecewise basis needs log-uniform centres", field="centres_tau_s")
    spacing = float(np.mean(np.diff(ln_tau)))
    eps = _basis_width(basis, spacing, fwhm_coefficient)
    a_re, a_im = drt_kernel(w, ln_tau, basis, eps)
    cols_re = [np.ones(f.size)]
    cols_im = [np.zeros(f.size)]
    if inductance:
        cols_re.append(np.zeros(f.size))
        cols_im.append(w)
    if capacitance:
        cols_re.append(np.zeros(f.size))
        cols_im.append(-1.0 / w)
    design = np.vstack([np.column_stack([*cols_re, a_re]), np.column_stack([*cols_im, a_im])])
    sig = np.abs(z) if weight == "modulus" else np.ones(f.size)
    wt = np.concatenate([1.0 / sig, 1.0 / sig])
    a = design * wt[:, None]
    b = np.concatenate([z.real, z.imag]) * wt
    scale = np.linalg.norm(a, axis=0)
    scale[scale == 0] = 1.0
    pen = np.zeros((a.shape[1], a.shape[1]))
    pen[n_series:, n_series:] = penalty_matrix(ln_tau, basis, eps, derivative_order)
    sys_ = _System(a / scale, b, pen / np.outer(scale, scale), scale, n_series)
    if fixed_lam is not None:
        lam_value, method_used = fixed_lam, "fixed"
    else:
        lam_value, method_used = choose_lambda(sys_, lambda_method)
    root = _sqrt_psd(sys_.p)
    a_aug = np.vstack([sys_.a, math.sqrt(lam_value) * root])
    b_aug = np.concatenate([b, np.zeros(root.shape[0])])
    xs, _ = nnls(a_aug, b_aug, maxiter=50 * a_aug.shape[1])
    x = xs / scale
    coef = x[n_series:]
    # γ is reported half a decade beyond the outermost centres, where the edge basis functions still reach
    pad = 0.5 * math.log(10.0) if basis == "gaussian" else spacing
    n_fine = int(round((ln_tau[-1] - ln_tau[0] + 2 * pad) / spacing * 10)) + 1
    fine = np.linspace(ln_tau[0] - pad, ln_tau[-1] + pad, n_fine)
    phi_fine = _basis_on(fine, ln_tau, basis, eps)
    gamma = phi_fine @ coef
    z_fit_stack = design @ x
    z_fit = z_fit_stack[: f.size] + 1j * z_fit_stack[f.size :]
    k = 1
    L_H = C_F = None
    if inductance:
        L_H = float(x[k])
        k += 1
    if capacitance:
        C_F = float(1.0 / x[k]) if x[k] > 0 else math.inf
    band_lo = band_hi = None
    note = ""
    if bands:
        band_lo, band_hi, note = _credible_band(sys_, lam_value, xs, b, scale, phi_fine, n_series, band_samples)
    return DRTResult(
        tau_s=np.exp(fine), gamma_Ohm=gamma, R_inf_Ohm=float(x[0]), L_H=L_H, C_F=C_F, lambda_value=float(lam_value),
        lambda_method=method_used, basis=basis, weight=weight,
        derivative_order=derivative_order, fwhm_coefficient=fwhm_coefficient, centres_tau_s=np.exp(ln_tau),
        coefficients=coef, freq_Hz=f, Z=z, Z_fit=z_fit, R_pol_Ohm=float(np.trapezoid(gamma, fine)),
        peaks=find_peaks(fine, gamma, min_prominence), band_lower_Ohm=band_lo, band_upper_Ohm=band_hi, band_note=note,
    )


def _credible_band(sys_: _System, lam: float, xs: Array, b: Array, scale: Array, phi_fine: Array, n_series: int,
                   n_samples: int) -> tuple[Array, Array, str]:
    """2.5 and 97.5 % quantiles of γ under the non-negative Gaussian posterior (see :func:`fit_drt`)."""
    from cellworks.eis.truncnorm import sample_nonnegative_gaussian

    mean, _, tr, _ = _ridge(sys_, lam)
    r = sys_.a @ xs - b
    s2 = float(r @ r) / max(b.size - tr, 1.0)
    k = sys_.ata + lam * sys_.p
    k[np.diag_indices_from(k)] += sys_.ridge_floor
    cov = s2 * np.linalg.inv(k)
    draws = sample_nonnegative_gaussian(mean, cov, xs, n_samples, seed=0)
    gam = (draws[:, n_series:] / scale[n_series:]) @ phi_fine.T
    lo, hi = np.percentile(gam, [2.5, 97.5], axis=0)
    note = (f"95 % credible band: {n_samples} exact-HMC draws of the Gaussian posterior of the Tikhonov problem "
            f"(noise variance from the residuals) truncated to non-negative coefficients")
    return lo, hi, note


def _basis_on(x: Array, centres: Array, basis: str, eps: float) -> Array:
    """Matrix of φ_m(x) (rows: x, columns: centres)."""
    d = x[:, None] - centres[None, :]
    if basis == "gaussian":
        return np.asarray(np.exp(-((eps * d) ** 2)))
    return np.asarray(np.clip(1.0 - np.abs(d) / eps, 0.0, None))
