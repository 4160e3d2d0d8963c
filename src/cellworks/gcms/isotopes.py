"""Isotope patterns of molecular and fragment ions, natural or user-given element compositions.

The fine structure comes from IsoSpecPy (Łącki, Startek et al., Anal. Chem. 2017/2020), the
field's standard. Natural abundances and isotope masses are IsoSpecPy's table (IUPAC). Any element
can be given a different composition (an enriched germanium such as the ⁷⁴GeH₄ matrix of document
002: ⁷⁰Ge < 0.0001, ⁷²Ge 0.0010, ⁷³Ge 0.0605, ⁷⁴Ge 99.9355, ⁷⁶Ge 0.0029 at.%), and a single isotope
can be written in a formula with brackets: ``[74Ge]H4``, ``C[32S][34S]``.

Patterns are given at unit mass (a quadrupole) and at a resolving power R = m/Δm (FWHM),
where peaks closer than their width merge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cellworks.errors import InputError, ParameterError

ELECTRON_MASS_DA = 5.48579909065e-4  # CODATA 2018
"""Mass of the electron (Da); a singly charged positive ion weighs one electron less."""

# ⁷⁴Ge-enriched matrix of document 002 (at. fraction); 70Ge was "< 0.0001 %" and is set to that bound.
GE74_MATRIX: dict[int, float] = {70: 0.000001, 72: 0.00001, 73: 0.000605, 74: 0.999355, 76: 0.000029}
"""Germanium composition of the ⁷⁴GeH₄ of document 002 (Krylov et al., Analitika i Kontrol 2017, 21, 25)."""

_TOKEN = re.compile(r"\[(\d+)([A-Z][a-z]?)\](\d*)|([A-Z][a-z]?)(\d*)")

Abundances = Mapping[str, Mapping[int, float]]


@dataclass(frozen=True)
class AtomGroup:
    """``count`` atoms of ``element``; ``isotope`` is a fixed mass number or ``None`` (composition)."""

    element: str
    count: int
    isotope: int | None = None


@dataclass(frozen=True)
class Formula:
    """A parsed molecular formula (groups in order of appearance, same element/isotope merged)."""

    groups: tuple[AtomGroup, ...]
    text: str = ""

    def counts(self) -> dict[str, int]:
        """Atoms per element, isotopes pooled."""
        out: dict[str, int] = {}
        for g in self.groups:
            out[g.element] = out.get(g.element, 0) + g.count
        return out

    def __str__(self) -> str:
        parts = []
        for g in self.groups:
            n = "" if g.count == 1 else str(g.count)
            parts.append(f"[{g.isotope}{g.element}]{n}" if g.isotope else f"{g.element}{n}")
        return "".join(parts)


@dataclass(frozen=True)
class IsotopePattern:
    """Isotopologue peaks of one ion: exact m/z, probability (sums to ~1) and a label each."""

    formula: str
    charge: int
    mz: tuple[float, ...]
    probability: tuple[float, ...]
    labels: tuple[str, ...] = field(default=())

    def unit_mass(self) -> dict[int, float]:
        """Probabilities pooled at nominal m/z (rounded exact m/z), as a quadrupole sees them."""
        out: dict[int, float] = {}
        for m, p in zip(self.mz, self.probability, strict=True):
            k = int(round(m))
            out[k] = out.get(k, 0.0) + p
        return dict(sorted(out.items()))


def _tables() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    from IsoSpecPy import PeriodicTbl

    return PeriodicTbl.symbol_to_masses, PeriodicTbl.symbol_to_probs, PeriodicTbl.symbol_to_massNo


def parse_formula(text: str) -> Formula:
    """Parse ``GeH4``, ``[74Ge]H4``, ``C[32S][34S]``, ``C3H7Cl`` (isotopes in brackets).

    Raises :class:`cellworks.errors.InputError` naming the offending token.
    """
    masses, _, mass_no = _tables()
    s = text.strip()
    if not s:
        raise InputError("empty formula", token=text)
    pos = 0
    merged: dict[tuple[str, int | None], int] = {}
    order: list[tuple[str, int | None]] = []
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None or m.end() == pos:
            raise InputError(f"cannot read formula {text!r}", token=s[pos:], position=pos)
        if m.group(2):
            iso: int | None = int(m.group(1))
            el = m.group(2)
            n = int(m.group(3)) if m.group(3) else 1
        else:
            iso, el = None, m.group(4)
            n = int(m.group(5)) if m.group(5) else 1
        if el not in masses:
            raise InputError(f"unknown element {el!r} in formula {text!r}", token=el, position=pos)
        if iso is not None and float(iso) not in [float(x) for x in mass_no[el]]:
            raise InputError(f"{el} has no stable isotope {iso} in formula {text!r}", token=str(iso), position=pos)
        if n <= 0:
            raise InputError(f"atom count must be positive in formula {text!r}", token=m.group(0), position=pos)
        key = (el, iso)
        if key not in merged:
            order.append(key)
            merged[key] = 0
        merged[key] += n
        pos = m.end()
    return Formula(tuple(AtomGroup(el, merged[(el, iso)], iso) for el, iso in order), text=text)


def parse_abundance(text: str) -> dict[str, dict[int, float]]:
    """Parse ``Ge:70=0.000001,72=0.00001,74=0.999;Cl:35=1`` (elements separated by ``;`` or ``/``).

    Fractions are normalised to 1 per element; percentages are accepted if they sum to ~100.
    """
    _, _, mass_no = _tables()
    out: dict[str, dict[int, float]] = {}
    for chunk in re.split(r"[;/]", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if ":" not in chunk:
            raise InputError("abundance must look like 'Ge:74=0.999,73=0.0006'", token=chunk)
        el, rest = chunk.split(":", 1)
        el = el.strip()
        if el not in mass_no:
            raise InputError(f"unknown element {el!r} in abundance", token=el)
        comp: dict[int, float] = {}
        for item in rest.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise InputError("each isotope must be 'mass=fraction'", token=item)
            a, b = item.split("=", 1)
            try:
                a_no = int(a)
                frac = float(b)
            except ValueError:
                raise InputError("isotope mass number and fraction must be numbers", token=item) from None
            if a_no not in [int(x) for x in mass_no[el]]:
                raise InputError(f"{el} has no stable isotope {a_no}", token=item)
            if not frac >= 0.0:
                raise InputError("isotope fraction must be >= 0", token=item)
            comp[a_no] = frac
        total = sum(comp.values())
        if total <= 0:
            raise InputError(f"abundances of {el} sum to zero", token=chunk)
        out[el] = {k: v / total for k, v in comp.items()}
    if not out:
        raise InputError("empty abundance specification", token=text)
    return out


def element_isotopes(element: str, abundances: Abundances | None = None) -> tuple[list[int], list[float], list[float]]:
    """(mass numbers, exact masses, fractions) of an element, natural or overridden."""
    masses, probs, mass_no = _tables()
    nums = [int(x) for x in mass_no[element]]
    ms = [float(x) for x in masses[element]]
    if abundances is not None and element in abundances:
        comp = abundances[element]
        ps = [float(comp.get(n, 0.0)) for n in nums]
        tot = sum(ps)
        if tot <= 0:
            raise ParameterError(f"abundances of {element} sum to zero")
        ps = [p / tot for p in ps]
    else:
        ps = [float(x) for x in probs[element]]
    keep = [i for i, p in enumerate(ps) if p > 0.0]
    return [nums[i] for i in keep], [ms[i] for i in keep], [ps[i] for i in keep]


def monoisotopic_mass(formula: str | Formula) -> float:
    """Neutral mass (Da) of the isotopologue made of each element's most abundant natural isotope
    (fixed isotopes as written)."""
    f = parse_formula(formula) if isinstance(formula, str) else formula
    masses, probs, mass_no = _tables()
    total = 0.0
    for g in f.groups:
        nums = [int(x) for x in mass_no[g.element]]
        if g.isotope is not None:
            total += g.count * float(masses[g.element][nums.index(g.isotope)])
        else:
            ps = list(probs[g.element])
            total += g.count * float(masses[g.element][ps.index(max(ps))])
    return total


def isotope_pattern(
    formula: str | Formula,
    abundances: Abundances | None = None,
    *,
    charge: int = 1,
    prob_to_cover: float = 0.999999,
    min_probability: float = 0.0,
) -> IsotopePattern:
    """Fine-structure isotope pattern of the ion of ``formula`` (charge ``charge``; 0 = neutral).

    IsoSpecPy enumerates the most probable isotopologues until ``prob_to_cover`` of the total is
    reached (then ``min_probability`` drops the rest). m/z = (M − z·mₑ)/|z| for z ≠ 0.
    """
    import IsoSpecPy

    f = parse_formula(formula) if isinstance(formula, str) else formula
    if not 0.0 < prob_to_cover <= 1.0:
        raise ParameterError("prob_to_cover must be in (0, 1]")
    counts: list[int] = []
    iso_masses: list[list[float]] = []
    iso_probs: list[list[float]] = []
    iso_nums: list[list[int]] = []
    masses, _, mass_no = _tables()
    for g in f.groups:
        if g.isotope is not None:
            nums = [int(x) for x in mass_no[g.element]]
            iso_nums.append([g.isotope])
            iso_masses.append([float(masses[g.element][nums.index(g.isotope)])])
            iso_probs.append([1.0])
        else:
            n, m, p = element_isotopes(g.element, abundances)
            iso_nums.append(n)
            iso_masses.append(m)
            iso_probs.append(p)
        counts.append(g.count)
    it = IsoSpecPy.IsoTotalProb(
        prob_to_cover,
        atomCounts=counts,
        isotopeMasses=iso_masses,
        isotopeProbabilities=iso_probs,
        get_confs=True,
    )
    rows = []
    for mass, prob, conf in zip(it.masses, it.probs, it.confs, strict=True):
        if prob < min_probability:
            continue
        label = []
        for gi, g in enumerate(f.groups):
            for k, n_iso in enumerate(conf[gi]):
                if n_iso:
                    a = iso_nums[gi][k]
                    # ¹H is written plain ("H4"), every other isotope with its mass number
                    pre = "" if (g.element == "H" and a == 1) else str(a)
                    label.append(f"{pre}{g.element}" + (str(n_iso) if n_iso > 1 else ""))
        mz = float(mass) if charge == 0 else (float(mass) - charge * ELECTRON_MASS_DA) / abs(charge)
        rows.append((mz, float(prob), "".join(label)))
    rows.sort()
    return IsotopePattern(
        formula=str(f),
        charge=charge,
        mz=tuple(r[0] for r in rows),
        probability=tuple(r[1] for r in rows),
        labels=tuple(r[2] for r in rows),
    )


def unit_mass_pattern(
    formula: str | Formula, abundances: Abundances | None = None, *, charge: int = 1
) -> dict[int, float]:
    """Isotope pattern at unit mass: nominal m/z → fraction of the ion's cluster."""
    return isotope_pattern(formula, abundances, charge=charge).unit_mass()


def at_resolving_power(pattern: IsotopePattern, resolving_power: float) -> list[tuple[float, float]]:
    """Peaks as seen at resolving power R (FWHM Δm = m/R, Gaussian peak shape).

    The pattern is rendered as a sum of Gaussians on a fine grid and the local maxima are
    returned as (centroid m/z, summed probability of the isotopologues under that maximum).
    """
    import numpy as np

    if not resolving_power > 0:
        raise ParameterError("resolving power must be > 0")
    mz = np.asarray(pattern.mz)
    pr = np.asarray(pattern.probability)
    if mz.size == 0:
        return []
    sig = mz / resolving_power / 2.354820045
    step = float(sig.min()) / 8.0
    lo, hi = float(mz.min() - 6 * sig.max()), float(mz.max() + 6 * sig.max())
    n = int((hi - lo) / step) + 1
    if n > 2_000_000:
        step = (hi - lo) / 2_000_000
        n = 2_000_001
    grid = lo + step * np.arange(n)
    prof = np.zeros(n)
    for m, p, s in zip(mz, pr, sig, strict=True):
        a, b = np.searchsorted(grid, [m - 6 * s, m + 6 * s])
        prof[a:b] += p * np.exp(-0.5 * ((grid[a:b] - m) / s) ** 2)
    inner = (prof[1:-1] >= prof[:-2]) & (prof[1:-1] > prof[2:])
    peaks = np.nonzero(inner)[0] + 1
    # valleys delimit each maximum; assign isotopologues to the nearest maximum's basin
    out: list[tuple[float, float]] = []
    if peaks.size == 0:
        return [(float((mz * pr).sum() / pr.sum()), float(pr.sum()))]
    bounds = [lo]
    for a, b in zip(peaks[:-1], peaks[1:], strict=True):
        bounds.append(float(grid[a + int(np.argmin(prof[a:b]))]))
    bounds.append(hi + 1.0)
    for k in range(peaks.size):
        sel = (mz >= bounds[k]) & (mz < bounds[k + 1])
        if sel.any():
            w = pr[sel]
            out.append((float((mz[sel] * w).sum() / w.sum()), float(w.sum())))
    return out


def hydrogen_loss_series(formula: str | Formula) -> list[Formula]:
    """Fragment ions by successive loss of H: GeH4 → GeH4, GeH3, GeH2, GeH, Ge (molecule first)."""
    f = parse_formula(formula) if isinstance(formula, str) else formula
    out = [f]
    h_groups = [g for g in f.groups if g.element == "H"]
    if not h_groups:
        return out
    n_h = sum(g.count for g in h_groups)
    others = [g for g in f.groups if g.element != "H"]
    for k in range(n_h - 1, -1, -1):
        groups = list(others)
        if k:
            groups.append(AtomGroup("H", k, None))
        out.append(Formula(tuple(groups), text=""))
    return out


def fragment_patterns(
    formula: str | Formula, abundances: Abundances | None = None
) -> list[dict[str, Any]]:
    """Unit-mass clusters of the molecular ion and its H-loss fragments (GeH₄⁺, GeH₃⁺, … Ge⁺)."""
    out = []
    for fr in hydrogen_loss_series(formula):
        pat = isotope_pattern(fr, abundances)
        out.append({"ion": str(fr) + "+", "unit_mass": pat.unit_mass()})
    return out


def nominal_mass(formula: str | Formula) -> int:
    """Nominal mass of the monoisotopic (most abundant isotopes) species."""
    return int(round(monoisotopic_mass(formula)))
