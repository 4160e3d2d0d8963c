"""Quantification: weighted calibration lines, inverse prediction with uncertainty, response factors
from total ionisation cross sections, 3s detection limits and the document's result format.

Model (document 002): the SIM peak area of ion m of compound i is A = S_i,m · C · p/p_ref, with C the
concentration (vol.%), p the inlet pressure and S the sensitivity. Compounds with standards get
S from a weighted calibration line. For compounds without standards, S_i,m = f_i,m · s(σ_i), where
f_i,m is the fraction of the compound's total ion current carried by ion m (from its spectrum) and
s(σ) = k·σ^a the reduced sensitivity fitted on the calibrated compounds (their S/f against their
total ionisation cross section σ at 70 eV).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cellworks.errors import InputError, ParameterError


@dataclass(frozen=True)
class CalibrationLine:
    """y = intercept + slope·x fitted with weights 1/σ_y²; cov is the scaled parameter covariance."""

    slope: float
    intercept: float
    var_slope: float
    var_intercept: float
    cov: float
    scale: float  # sqrt(χ²/ν) (1 if ν = 0)
    n: int
    rel_sigma_y: float  # the relative σ of one area assumed by the weights (scaled)
    through_origin: bool
    source: str = "weighted least squares (ISO 8466-1 / Draper & Smith)"

    @property
    def slope_sd(self) -> float:
        return math.sqrt(self.var_slope)


def fit_calibration(
    conc: Sequence[float],
    area: Sequence[float],
    sigma_area: Sequence[float] | None = None,
    *,
    through_origin: bool = True,
    rel_sigma: float = 0.03,
) -> CalibrationLine:
    """Weighted calibration line of peak area on concentration.

    ``sigma_area`` are the standard deviations of the areas; by default relative ones
    (``rel_sigma``·area, the usual heteroscedastic GC–MS error). The covariance is scaled by the
    reduced χ² when there are more points than parameters (the weights then only set relative
    precision). ``through_origin``: absolute calibration (A = S·C), as in document 002.
    """
    import numpy as np

    x = np.asarray(conc, dtype=float)
    y = np.asarray(area, dtype=float)
    if x.shape != y.shape or x.size == 0:
        raise InputError("calibration needs equal, non-empty concentration and area lists")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("calibration data contain NaN or inf")
    s = np.asarray(sigma_area, dtype=float) if sigma_area is not None else rel_sigma * np.abs(y)
    s = np.where(s > 0, s, rel_sigma * max(float(np.abs(y).max()), 1e-300))
    w = 1.0 / s**2
    p = 1 if through_origin else 2
    if x.size < p:
        raise InputError(f"calibration needs at least {p} points")
    xm = x[:, None] if through_origin else np.column_stack([np.ones_like(x), x])
    a = xm.T @ (w[:, None] * xm)
    beta = np.linalg.solve(a, xm.T @ (w * y))
    resid = y - xm @ beta
    dof = x.size - p
    chi2 = float((w * resid**2).sum())
    scale = math.sqrt(chi2 / dof) if dof > 0 else 1.0
    cov = np.linalg.inv(a) * scale**2
    if through_origin:
        return CalibrationLine(float(beta[0]), 0.0, float(cov[0, 0]), 0.0, 0.0, scale, int(x.size),
                               rel_sigma * scale, True)
    return CalibrationLine(float(beta[1]), float(beta[0]), float(cov[1, 1]), float(cov[0, 0]), float(cov[0, 1]),
                           scale, int(x.size), rel_sigma * scale, False)


def predict(line: CalibrationLine, area: float, area_sd: float = 0.0) -> tuple[float, float]:
    """Concentration and its standard uncertainty from a measured area (inverse prediction).

    u²(x₀) = [u²(y₀) + u²(a) + x₀²·u²(b) + 2x₀·cov(a, b)] / b², u(y₀) = measured-area noise
    combined with the calibration's relative repeatability of one area.
    """
    if line.slope <= 0:
        raise ParameterError("calibration slope must be positive")
    x0 = (area - line.intercept) / line.slope
    u_y = math.hypot(area_sd, line.rel_sigma_y * abs(area))
    var = (u_y**2 + line.var_intercept + x0**2 * line.var_slope + 2 * x0 * line.cov) / line.slope**2
    return x0, math.sqrt(max(var, 0.0))


@dataclass(frozen=True)
class SensitivityRelation:
    """ln s = ln k + a·ln σ fitted on calibrated compounds; s = S/f (reduced sensitivity)."""

    ln_k: float
    exponent: float
    cov: tuple[tuple[float, float], tuple[float, float]]
    rel_scatter: float  # residual SD of ln s (≈ relative scatter of one compound about the line)
    n: int
    names: tuple[str, ...]
    source: str = "fit of S/f against σ(70 eV) on the calibrated compounds (document 002, refs 19–22)"

    def predict(self, sigma_A2: float, sigma_rel_u: float = 0.0) -> tuple[float, float]:
        """Reduced sensitivity s(σ) and its relative standard uncertainty (fit, scatter, σ)."""
        lx = math.log(sigma_A2)
        ls = self.ln_k + self.exponent * lx
        var_fit = self.cov[0][0] + lx * lx * self.cov[1][1] + 2 * lx * self.cov[0][1]
        rel = math.sqrt(var_fit + self.rel_scatter**2 + (self.exponent * sigma_rel_u) ** 2)
        return math.exp(ls), rel


def fit_sensitivity_relation(
    names: Sequence[str],
    sigma_A2: Sequence[float],
    reduced_sensitivity: Sequence[float],
    rel_u: Sequence[float] | None = None,
    *,
    fixed_exponent: float | None = None,
) -> SensitivityRelation:
    """Fit ln(S/f) = ln k + a·ln σ (weighted by the calibration uncertainties) on calibrated compounds.

    ``fixed_exponent=1`` forces proportionality S/f ∝ σ. The residual scatter (beyond the stated
    uncertainties) becomes part of each prediction's uncertainty.
    """
    import numpy as np

    lx = np.log(np.asarray(sigma_A2, dtype=float))
    ly = np.log(np.asarray(reduced_sensitivity, dtype=float))
    n = lx.size
    if n < 2:
        raise InputError("the sensitivity–cross-section relation needs at least two calibrated compounds")
    u = np.asarray(rel_u, dtype=float) if rel_u is not None else np.full(n, 0.05)
    w = 1.0 / np.maximum(u, 1e-3) ** 2
    if fixed_exponent is not None:
        ln_k = float((w * (ly - fixed_exponent * lx)).sum() / w.sum())
        resid = ly - ln_k - fixed_exponent * lx
        dof = n - 1
        scatter = float(np.sqrt((resid**2).sum() / dof))
        var_k = scatter**2 / n
        return SensitivityRelation(ln_k, fixed_exponent, ((var_k, 0.0), (0.0, 0.0)), scatter, n, tuple(names))
    xm = np.column_stack([np.ones(n), lx])
    a = xm.T @ (w[:, None] * xm)
    beta = np.linalg.solve(a, xm.T @ (w * ly))
    resid = ly - xm @ beta
    dof = max(n - 2, 1)
    scatter = float(np.sqrt((resid**2).sum() / dof))
    # parameter covariance from the unweighted residual scatter (the stated u are only relative)
    cov = np.linalg.inv(xm.T @ xm) * scatter**2
    return SensitivityRelation(float(beta[0]), float(beta[1]),
                               ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
                               scatter, n, tuple(names))


def detection_limit(area_noise_sd: float, sensitivity: float, k: float = 3.0) -> float:
    """IUPAC detection limit in concentration units: k·s / slope (k = 3, the 3s criterion)."""
    if sensitivity <= 0:
        raise ParameterError("sensitivity must be positive for a detection limit")
    return k * area_noise_sd / sensitivity


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _pow10(e: int) -> str:
    return "10" + str(e).translate(_SUP)


def format_value(value: float, uncertainty: float) -> str:
    """Document 002's style: ``(4.3 ± 0.5)·10⁻³``, ``(6 ± 2)·10⁻⁶`` (uncertainty to one digit)."""
    if not (math.isfinite(value) and math.isfinite(uncertainty)) or value <= 0:
        return f"{value:.2g} ± {uncertainty:.1g}"
    e = math.floor(math.log10(value))
    for _ in range(2):
        m, u = value / 10**e, uncertainty / 10**e
        if u > 0:
            d = math.floor(math.log10(u))
            u1 = round(u, -d)
            if u1 >= 10 ** (d + 1):  # 0.96 → 1.0
                d += 1
                u1 = round(u, -d)
        else:
            d, u1 = -1, 0.0
        dec = max(0, -d)
        m_r = round(m, dec)
        if m_r < 10:
            break
        e += 1  # 9.96 → 10.0: move to the next power of ten
    return f"({m_r:.{dec}f} ± {u1:.{dec}f})·{_pow10(e)}"


def format_limit(limit: float) -> str:
    """``< 5·10⁻⁶`` (one significant digit, rounded up so the statement stays true)."""
    if not (math.isfinite(limit) and limit > 0):
        return "< ?"
    e = math.floor(math.log10(limit))
    m = math.ceil(limit / 10**e - 1e-9)
    if m >= 10:
        m, e = 1, e + 1
    return f"< {m}·{_pow10(e)}"


def parse_table_value(text: str) -> tuple[str, float, float]:
    """Read the document's cells back: ``(4.3 ± 0.5)·10⁻³`` → ("value", 4.3e-3, 0.5e-3);
    ``<5·10⁻⁶`` → ("limit", 5e-6, nan). Also accepts ASCII ``(4.3+-0.5)e-3`` and ``<5e-6``."""
    import re

    t = text.strip().replace("−", "-").replace("–", "-").replace(" ", "")
    t = t.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    t = t.replace("±", "+-").replace("·10", "e").replace("∙10", "e").replace("*10^", "e")
    m = re.fullmatch(r"<([\d.]+)(?:e(-?\d+))?", t)
    if m:
        return "limit", float(m.group(1)) * 10 ** int(m.group(2) or 0), float("nan")
    m = re.fullmatch(r"\(([\d.]+)\+-([\d.]+)\)(?:e(-?\d+))?", t)
    if m:
        f = 10 ** int(m.group(3) or 0)
        return "value", float(m.group(1)) * f, float(m.group(2)) * f
    raise InputError("cannot read table value", token=text)


# --------------------------------------------------------------------------- document 002
@dataclass(frozen=True)
class Target:
    """One impurity of the analytical method of document 002 (what is looked for, and how).

    ``quant_mz`` is the SIM ion used here; ``document_mz`` the one printed in Table 1 (they differ
    for toluene and benzene, whose ions the table swaps). ``has_standard``: calibrated with a
    standard; otherwise quantified through the total ionisation cross section (Table 1's "*").
    """

    key: str
    label: str
    formula: str
    library_name: str
    column: str  # "plot" (GS-GasPro) or "ptmsp"
    quant_mz: int
    document_mz: int
    has_standard: bool
    xs_name: str | None = None  # name in the cross-section table, if listed there


TARGETS: tuple[Target, ...] = (
    Target("N2", "N₂", "N2", "Nitrogen", "plot", 28, 28, True, "nitrogen"),
    Target("O2", "O₂", "O2", "Oxygen", "plot", 32, 32, True, "oxygen"),
    Target("Ar", "Ar", "Ar", "Argon", "plot", 40, 40, True, "argon"),
    Target("CO2", "CO₂", "CO2", "Carbon dioxide", "plot", 44, 44, True, "carbon dioxide"),
    Target("PH3", "PH₃", "PH3", "Phosphine", "plot", 34, 34, True, "phosphine"),
    Target("H2S", "H₂S", "H2S", "Hydrogen sulfide", "plot", 34, 34, True, "hydrogen sulfide"),
    Target("AsH3", "AsH₃", "AsH3", "Arsine", "plot", 78, 78, True, "arsine"),
    Target("CH4", "CH₄", "CH4", "Methane", "plot", 15, 15, True, "methane"),
    Target("C2H4", "C₂H₄", "C2H4", "Ethylene", "plot", 27, 27, True, "ethene"),
    Target("C3H6", "C₃H₆", "C3H6", "Propene", "plot", 41, 41, True, "propene"),
    Target("C3H8", "C₃H₈", "C3H8", "Propane", "plot", 29, 29, True, "propane"),
    Target("n-C4H10", "n-C₄H₁₀", "C4H10", "n-Butane", "plot", 43, 43, True, "n-butane"),
    Target("i-C4H10", "i-C₄H₁₀", "C4H10", "Isobutane", "plot", 43, 43, True, "isobutane"),
    Target("n-C5H12", "n-C₅H₁₂", "C5H12", "n-Pentane", "ptmsp", 43, 43, True, "n-pentane"),
    Target("2-MP", "C₆H₁₄* 2-methylpentane", "C6H14", "2-Methylpentane", "ptmsp", 43, 43, False, None),
    Target("3-MP", "C₆H₁₄* 3-methylpentane", "C6H14", "3-Methylpentane", "ptmsp", 57, 57, False, None),
    Target("n-C6H14", "n-C₆H₁₄", "C6H14", "n-Hexane", "ptmsp", 57, 57, True, "n-hexane"),
    Target("2-MH", "C₇H₁₆* 2-methylhexane", "C7H16", "2-Methylhexane", "ptmsp", 43, 43, False, None),
    Target("3-MH", "C₇H₁₆* 3-methylhexane", "C7H16", "3-Methylhexane", "ptmsp", 43, 43, False, None),
    Target("n-C7H16", "n-C₇H₁₆", "C7H16", "n-Heptane", "ptmsp", 43, 43, True, "n-heptane"),
    Target("toluene", "C₆H₅CH₃", "C7H8", "Toluene", "ptmsp", 91, 78, True, "toluene"),
    Target("benzene", "C₆H₆", "C6H6", "Benzene", "ptmsp", 78, 91, True, "benzene"),
    Target("GeH3Cl", "GeH₃Cl*", "GeH3Cl", "Chlorogermane", "ptmsp", 109, 109, False, None),
    Target("Ge2H6", "Ge₂H₆*", "Ge2H6", "Digermane", "ptmsp", 150, 150, False, None),
    Target("Ge3H8", "Ge₃H₈*", "Ge3H8", "Trigermane", "ptmsp", 152, 152, False, None),
    Target("CS2", "CS₂*", "CS2", "Carbon disulfide", "ptmsp", 78, 78, False, "carbon disulfide"),
    Target("2-C3H7Cl", "2-C₃H₇Cl*", "C3H7Cl", "2-Chloropropane", "ptmsp", 43, 43, False, None),
)
"""Table 1 of document 002 as an analytical method (compound, column, SIM ion, calibration route)."""

SAMPLES: tuple[str, ...] = ("initial", "rectified", "concentrate")

# Document 002, Table 1 (vol.%): key → (initial, rectified, concentrate, C_min), cells as printed.
DOCUMENT_TABLE1: dict[str, tuple[str, str, str, str]] = {
    "N2": ("(4.3 ± 0.5)·10⁻³", "(1.1 ± 0.1)·10⁻⁵", "(8.1 ± 0.8)·10⁻³", "5·10⁻⁶"),
    "O2": ("<5·10⁻⁶", "<5·10⁻⁶", "(5.0 ± 0.5)·10⁻⁵", "5·10⁻⁶"),
    "Ar": ("(3.6 ± 0.4)·10⁻⁵", "(9.6 ± 0.9)·10⁻⁵", "(3.6 ± 0.4)·10⁻²", "1·10⁻⁶"),
    "CO2": ("<5·10⁻⁶", "<5·10⁻⁶", "<5·10⁻⁶", "5·10⁻⁶"),
    "PH3": ("<1·10⁻⁶", "<1·10⁻⁶", "<1·10⁻⁶", "1·10⁻⁶"),
    "H2S": ("<3·10⁻⁶", "<3·10⁻⁶", "<3·10⁻⁶", "3·10⁻⁶"),
    "AsH3": ("<2·10⁻⁵", "<2·10⁻⁵", "<2·10⁻⁵", "2·10⁻⁵"),
    "CH4": ("<1·10⁻⁵", "<1·10⁻⁵", "<1·10⁻⁵", "1·10⁻⁵"),
    "C2H4": ("<2·10⁻⁶", "<2·10⁻⁶", "<2·10⁻⁶", "2·10⁻⁶"),
    "C3H6": ("<2·10⁻⁶", "<2·10⁻⁶", "(1.0 ± 0.1)·10⁻⁵", "2·10⁻⁶"),
    "C3H8": ("<2·10⁻⁶", "<2·10⁻⁶", "<2·10⁻⁶", "2·10⁻⁶"),
    "n-C4H10": ("<2·10⁻⁶", "<2·10⁻⁶", "<2·10⁻⁶", "2·10⁻⁶"),
    "i-C4H10": ("<2·10⁻⁶", "<2·10⁻⁶", "<2·10⁻⁶", "2·10⁻⁶"),
    "n-C5H12": ("<5·10⁻⁶", "<5·10⁻⁶", "<5·10⁻⁶", "5·10⁻⁶"),
    "2-MP": ("(1.1 ± 0.2)·10⁻⁵", "<1·10⁻⁶", "(2.5 ± 0.3)·10⁻⁴", "1·10⁻⁶"),
    "3-MP": ("(6 ± 2)·10⁻⁶", "<8·10⁻⁷", "(1.2 ± 0.2)·10⁻⁴", "8·10⁻⁷"),
    "n-C6H14": ("(1.1 ± 0.1)·10⁻⁵", "<1·10⁻⁶", "(1.9 ± 0.2)·10⁻⁴", "1·10⁻⁶"),
    "2-MH": ("(7 ± 2)·10⁻⁶", "<1·10⁻⁶", "(2.1 ± 0.7)·10⁻³", "1·10⁻⁶"),
    "3-MH": ("(8 ± 2)·10⁻⁶", "<1·10⁻⁷", "(9 ± 1)·10⁻⁵", "1·10⁻⁷"),
    "n-C7H16": ("(1.0 ± 0.2)·10⁻⁵", "<1·10⁻⁶", "(9 ± 1)·10⁻⁵", "1·10⁻⁶"),
    "toluene": ("(1.0 ± 0.1)·10⁻⁴", "<1·10⁻⁶", "(8.2 ± 0.8)·10⁻⁴", "1·10⁻⁶"),
    "benzene": ("(2.1 ± 0.2)·10⁻⁵", "<5·10⁻⁸", "(1.0 ± 0.1)·10⁻⁴", "5·10⁻⁸"),
    "GeH3Cl": ("(5 ± 2)·10⁻⁴", "<4·10⁻⁶", "(1.7 ± 0.6)·10⁻²", "4·10⁻⁶"),
    "Ge2H6": ("(1.0 ± 0.3)·10⁻⁵", "(4 ± 1)·10⁻⁶", "(4 ± 1)·10⁻⁴", "6·10⁻⁷"),
    "Ge3H8": ("(1.3 ± 0.5)·10⁻⁶", "(2.0 ± 0.7)·10⁻⁶", "(1.8 ± 0.6)·10⁻⁴", "3·10⁻⁷"),
    "CS2": ("(1.0 ± 0.3)·10⁻⁵", "<6·10⁻⁷", "(3 ± 1)·10⁻⁴", "4·10⁻⁷"),
    "2-C3H7Cl": ("(5 ± 1)·10⁻⁵", "<9·10⁻⁷", "(8 ± 2)·10⁻⁴", "9·10⁻⁷"),
}

#: ¹²C³²S³⁴S : ¹²C³²S₂ of the CS₂ in the enriched germane (document 002: "5.9 : 1"; docs/sources.md)
CS2_RATIO_DOCUMENT = 5.9

ION_SWAP_NOTE = (
    "Document 002's Table 1 prints m/z 78 for toluene and 91 for benzene; toluene's characteristic "
    "ion is m/z 91 (C₇H₇⁺, tropylium) and benzene's m/z 78 (C₆H₆⁺). cellworks quantifies toluene on "
    "91 and benzene on 78."
)


def target(key: str) -> Target:
    for t in TARGETS:
        if t.key == key:
            return t
    raise KeyError(key)
