"""Molecular isobars of a matrix ion: exact masses, mass differences and the resolving power needed.

Document 002 finds that the centrifuge enriching ⁷⁴GeH₄ (nominal m/z 78) also enriches impurities
that are *molecular isobars* of it: ¹²C³²S³⁴S, ¹²C₃H₇³⁵Cl and ¹²C₆H₆. A quadrupole at unit mass
cannot tell them apart; the resolving power R = m/Δm needed to separate each from the matrix ion
is listed here (⁷⁴GeH₄⁺ vs ¹²C³²S³⁴S⁺: Δm ≈ 0.0125 Da, R ≈ 6200).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cellworks.errors import InputError
from cellworks.gcms.isotopes import Abundances, isotope_pattern, parse_formula

# Candidate neutral molecules (name, formula): Table 1 of document 002 plus hydrides/elements that
# can land on the same nominal masses in germane (Se, As, Ge, S, Cl, P species).
DEFAULT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("nitrogen", "N2"),
    ("oxygen", "O2"),
    ("argon", "Ar"),
    ("carbon dioxide", "CO2"),
    ("phosphine", "PH3"),
    ("hydrogen sulfide", "H2S"),
    ("arsine", "AsH3"),
    ("methane", "CH4"),
    ("ethene", "C2H4"),
    ("propene", "C3H6"),
    ("propane", "C3H8"),
    ("butane", "C4H10"),
    ("pentane", "C5H12"),
    ("hexane", "C6H14"),
    ("heptane", "C7H16"),
    ("benzene", "C6H6"),
    ("toluene", "C7H8"),
    ("carbon disulfide", "CS2"),
    ("2-chloropropane", "C3H7Cl"),
    ("chlorogermane", "GeH3Cl"),
    ("germane", "GeH4"),
    ("digermane", "Ge2H6"),
    ("trigermane", "Ge3H8"),
    ("hydrogen selenide", "H2Se"),
    ("selenium", "Se"),
    ("silane", "SiH4"),
    ("hydrogen chloride", "HCl"),
    ("chlorine", "Cl2"),
    ("sulfur dioxide", "SO2"),
    ("carbonyl sulfide", "COS"),
    ("water", "H2O"),
)


@dataclass(frozen=True)
class Isobar:
    """One isotopologue ion at the requested nominal m/z."""

    name: str
    formula: str
    isotopologue: str
    mz: float
    natural_fraction: float  # share of this isotopologue in the molecule (natural composition)
    delta_mz: float  # candidate − matrix (Da, for z = 1)
    resolving_power_needed: float  # m/|Δm|


@dataclass(frozen=True)
class IsobarReport:
    nominal_mz: int
    matrix: str
    matrix_isotopologue: str
    matrix_mz: float
    isobars: tuple[Isobar, ...]


def _matrix_ion(matrix: str, nominal_mz: int, abundances: Abundances | None) -> tuple[str, float]:
    pat = isotope_pattern(matrix, abundances, prob_to_cover=1.0 - 1e-12)
    best = None
    for mz, p, lab in zip(pat.mz, pat.probability, pat.labels, strict=True):
        if int(round(mz)) == nominal_mz and (best is None or p > best[2]):
            best = (lab, mz, p)
    if best is None:
        raise InputError(f"matrix {matrix} has no ion at nominal m/z {nominal_mz}", field="matrix", token=matrix)
    return best[0], best[1]


def find_isobars(
    nominal_mz: int,
    matrix: str,
    candidates: Sequence[tuple[str, str]] = DEFAULT_CANDIDATES,
    *,
    abundances: Abundances | None = None,
    min_fraction: float = 1e-5,
) -> IsobarReport:
    """Isotopologue ions of ``candidates`` at ``nominal_mz`` and their distance to the matrix ion.

    ``min_fraction`` drops isotopologues rarer than this in the natural molecule (the centrifuge can
    enrich rare ones by orders of magnitude, so the default keeps down to 10⁻⁵).
    """
    if nominal_mz <= 0:
        raise InputError("nominal m/z must be positive", field="mz", token=str(nominal_mz))
    parse_formula(matrix)
    mlab, mmz = _matrix_ion(matrix, nominal_mz, abundances)
    rows: list[Isobar] = []
    for name, formula in candidates:
        pat = isotope_pattern(formula, prob_to_cover=1.0 - 1e-9)
        for mz, p, lab in zip(pat.mz, pat.probability, pat.labels, strict=True):
            if int(round(mz)) != nominal_mz or p < min_fraction:
                continue
            d = mz - mmz
            if abs(d) < 1e-6:  # the matrix ion itself
                continue
            rows.append(Isobar(name, formula, lab, mz, p, d, mmz / abs(d)))
    rows.sort(key=lambda r: -r.resolving_power_needed)
    return IsobarReport(nominal_mz, matrix, mlab, mmz, tuple(rows))


def candidates_from_text(text: str) -> list[tuple[str, str]]:
    """``name=formula,name=formula`` or plain ``formula,formula`` → candidate list."""
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, formula = item.partition("=")
        formula = formula or name
        parse_formula(formula)
        out.append((name, formula))
    return out


def as_dict(report: IsobarReport) -> Mapping[str, object]:
    return {
        "nominal_mz": report.nominal_mz,
        "matrix": report.matrix,
        "matrix_isotopologue": report.matrix_isotopologue,
        "matrix_mz": report.matrix_mz,
        "isobars": [
            {
                "name": r.name,
                "formula": r.formula,
                "isotopologue": r.isotopologue,
                "mz": r.mz,
                "natural_fraction": r.natural_fraction,
                "delta_mz_Da": r.delta_mz,
                "resolving_power_needed": r.resolving_power_needed,
            }
            for r in report.isobars
        ],
    }
