"""Total electron-ionisation cross sections at 70 eV: a sourced table and an additivity estimate.

Document 002 quantifies impurities without standards (methylpentanes, methylhexanes, CS₂,
2-chloropropane, the Ge species) from the dependence of the detection sensitivity on the total
ionisation cross section σ. The table ``data/cross_sections.csv`` holds σ(70 eV) with a source per
row; molecules not in it get an additivity estimate σ ≈ Σ nₑ·δₑ with element increments δₑ
fitted by least squares on the table (the Otvos–Stevenson / Fitch–Sauter additivity idea), with
the fit's relative scatter as its uncertainty.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cellworks.errors import FileFormatError, ParameterError
from cellworks.gcms.isotopes import parse_formula


@dataclass(frozen=True)
class CrossSection:
    """σ at 70 eV (Å²) of one molecule, where it came from and its relative uncertainty."""

    name: str
    formula: str
    sigma_A2: float
    rel_uncertainty: float
    source: str


@dataclass(frozen=True)
class Additivity:
    """Element increments δₑ (Å²) fitted on the table, and the fit's relative RMS scatter."""

    increments_A2: dict[str, float]
    rel_rms: float
    n_molecules: int
    source: str = "least-squares element increments on data/cross_sections.csv"


TABLE_REL_UNCERTAINTY = 0.10  # stated in the CSV header


def _table_path() -> Path:
    return Path(str(resources.files("cellworks.gcms") / "data" / "cross_sections.csv"))


@lru_cache(maxsize=4)
def load_table(path: str | None = None) -> tuple[CrossSection, ...]:
    """Read the cross-section table (default: the built-in one)."""
    p = Path(path) if path else _table_path()
    rows = []
    with open(p, encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    for i, rec in enumerate(csv.DictReader(lines), start=2):
        try:
            sig = float(rec["sigma_70eV_A2"])
        except (KeyError, TypeError, ValueError):
            raise FileFormatError("bad or missing sigma_70eV_A2", file=p, record=f"row {i}") from None
        if not sig > 0:
            raise FileFormatError("cross section must be > 0", file=p, record=f"row {i}", field="sigma_70eV_A2")
        parse_formula(rec["formula"])
        rows.append(CrossSection(rec["name"], rec["formula"], sig, TABLE_REL_UNCERTAINTY, rec["source"]))
    return tuple(rows)


@lru_cache(maxsize=4)
def fit_additivity(path: str | None = None) -> Additivity:
    """Least-squares element increments on the table (non-negative)."""
    import numpy as np
    from scipy.optimize import nnls

    table = load_table(path)
    elements = sorted({e for r in table for e in parse_formula(r.formula).counts()})
    a = np.zeros((len(table), len(elements)))
    y = np.array([r.sigma_A2 for r in table])
    for i, r in enumerate(table):
        for e, n in parse_formula(r.formula).counts().items():
            a[i, elements.index(e)] = n
    w = 1.0 / y  # relative least squares
    coef, _ = nnls(a * w[:, None], y * w)
    rel = (a @ coef - y) / y
    dof = max(len(table) - len(elements), 1)
    return Additivity(dict(zip(elements, coef.tolist(), strict=True)), float(np.sqrt((rel**2).sum() / dof)), len(table))


def cross_section(formula: str, name: str | None = None, path: str | None = None) -> CrossSection:
    """σ(70 eV) of a molecule: the table's value (by name, else by formula) or the additivity estimate.

    Isomers share a formula: a table row is used for another isomer only by name; otherwise the
    additivity estimate (which is the same for all isomers) is returned, with its own uncertainty.
    """
    table = load_table(path)
    counts = parse_formula(formula).counts()
    if name is not None:
        for r in table:
            if r.name.lower() == name.lower():
                return r
    same = [r for r in table if parse_formula(r.formula).counts() == counts]
    if same and (name is None or len(same) == 1 and same[0].name.lower() == (name or "").lower()):
        return same[0]
    add = fit_additivity(path)
    missing = [e for e in counts if e not in add.increments_A2]
    if missing:
        raise ParameterError(f"no cross-section increment for element(s) {', '.join(missing)} (formula {formula})")
    sig = sum(add.increments_A2[e] * n for e, n in counts.items())
    rel = (add.rel_rms**2 + TABLE_REL_UNCERTAINTY**2) ** 0.5
    return CrossSection(name or formula, formula, sig, rel, f"additivity estimate ({add.source}; rel. RMS {add.rel_rms:.2f})")
