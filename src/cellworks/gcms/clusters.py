"""Isotope-cluster logic at unit mass: fragment decomposition, element recognition, enrichment.

Document 002 recognises germanium species in a ⁷⁴Ge-enriched matrix by their clusters (the
⁷⁴Ge⁺, ⁷⁴GeH⁺, ⁷⁴GeH₂⁺, ⁷⁴GeH₃⁺ group at m/z 74–77 and the groups at 148–154 and 222–230 for
two and three Ge atoms), chlorine by its 35/37 pair at 3:1, and impurities enriched by the
centrifuge by isotope peaks that are missing (benzene without m/z 79, 2-chloropropane without the
³⁷Cl partners m/z 65 and 80) or too strong (CS₂ with m/z 78:76 = 5.9:1).

The unit-mass engine here works with *compositions*: per element either a random composition
(isotope fractions; the multinomial distribution) or the exact isotopes of the atoms of one
isotopologue (e.g. S = (32, 34) for ¹²C³²S³⁴S; a fragment keeping k of those atoms takes every
k-subset with equal weight). A spectrum's peaks are decomposed into sub-formula fragment
abundances by non-negative least squares over the sub-formulas' isotope patterns; re-isotoping
with another composition gives the spectrum of an enriched compound, and comparing fits under
competing compositions recognises the elements and their enrichment.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cellworks.errors import ParameterError
from cellworks.gcms.isotopes import GE74_MATRIX, element_isotopes, parse_formula

# element → random composition {mass number: fraction} or exact atoms (tuple of mass numbers)
ElementSpec = Mapping[int, float] | tuple[int, ...]
Composition = Mapping[str, ElementSpec]

CL_37_35_NATURAL = 0.24240515 / 0.75759485  # IsoSpecPy/IUPAC natural Cl; = 0.320 ("3:1")


@dataclass(frozen=True)
class Variant:
    """One molecular population: weight and per-element composition (missing elements natural)."""

    weight: float
    composition: Composition = field(default_factory=dict)


def _element_dist(element: str, spec: ElementSpec | None, k: int, n_total: int) -> dict[int, float]:
    """Unit-mass distribution (sum of mass numbers) of k atoms of ``element``."""
    if k == 0:
        return {0: 1.0}
    if isinstance(spec, tuple):
        if len(spec) != n_total:
            raise ParameterError(f"{element}: {len(spec)} fixed isotopes for {n_total} atoms")
        out: dict[int, float] = {}
        combos = list(itertools.combinations(spec, k))
        for c in combos:
            m = sum(c)
            out[m] = out.get(m, 0.0) + 1.0 / len(combos)
        return out
    nums, _, probs = element_isotopes(element, {element: spec} if spec is not None else None)
    single = dict(zip(nums, probs, strict=True))
    dist = {0: 1.0}
    for _ in range(k):
        nxt: dict[int, float] = {}
        for m, p in dist.items():
            for a, q in single.items():
                nxt[m + a] = nxt.get(m + a, 0.0) + p * q
        dist = {m: p for m, p in nxt.items() if p > 1e-14}
    return dist


def fragment_pattern(
    counts: Mapping[str, int], molecule_counts: Mapping[str, int], variants: Sequence[Variant]
) -> dict[int, float]:
    """Unit-mass isotope pattern of a fragment with ``counts`` atoms from a molecule population."""
    total_w = sum(v.weight for v in variants)
    out: dict[int, float] = {}
    for v in variants:
        dist = {0: 1.0}
        for el, k in counts.items():
            d = _element_dist(el, v.composition.get(el), k, molecule_counts.get(el, k))
            nxt: dict[int, float] = {}
            for m, p in dist.items():
                for a, q in d.items():
                    nxt[m + a] = nxt.get(m + a, 0.0) + p * q
            dist = nxt
        for m, p in dist.items():
            out[m] = out.get(m, 0.0) + p * v.weight / total_w
    return out


def _lightest_mass(counts: Mapping[str, int]) -> int:
    return sum(min(element_isotopes(el)[0]) * k for el, k in counts.items())


def subformulas(formula: str, max_mz: int | None = None) -> list[dict[str, int]]:
    """All sub-formulas with at least one non-H atom (or H alone for H-only molecules)."""
    f = parse_formula(formula)
    mol = f.counts()
    els = list(mol)
    out = []
    for combo in itertools.product(*[range(mol[e] + 1) for e in els]):
        c = {e: n for e, n in zip(els, combo, strict=True) if n}
        if not c:
            continue
        if set(c) == {"H"} and set(mol) != {"H"}:
            continue
        if max_mz is not None and _lightest_mass(c) > max_mz:
            continue
        out.append(c)
    return out


def formula_text(counts: Mapping[str, int]) -> str:
    order = sorted(counts, key=lambda e: (e == "H", e))
    return "".join(f"{e}{counts[e] if counts[e] > 1 else ''}" for e in order)


@dataclass(frozen=True)
class Decomposition:
    """Fragment abundances explaining a unit-mass spectrum under one composition."""

    formula: str
    fragments: tuple[tuple[str, float], ...]  # (fragment formula, abundance)
    counts: tuple[Mapping[str, int], ...]
    residual: float  # ‖obs − fit‖ / ‖obs‖
    fitted: Mapping[int, float]


def _as_vectors(spectrum: Mapping[int, float], pats: list[dict[int, float]]) -> tuple[Any, Any, list[int]]:
    import numpy as np

    masses = sorted(set(spectrum) | {m for p in pats for m in p})
    idx = {m: i for i, m in enumerate(masses)}
    a = np.zeros((len(masses), len(pats)))
    for j, p in enumerate(pats):
        for m, v in p.items():
            a[idx[m], j] = v
    y = np.array([float(spectrum.get(m, 0.0)) for m in masses])
    return a, y, masses


def decompose(
    spectrum: Mapping[int, float], formula: str, variants: Sequence[Variant] = (Variant(1.0),)
) -> Decomposition:
    """Fragment abundances (NNLS) that reproduce ``spectrum`` given the molecule's composition."""
    import numpy as np
    from scipy.optimize import nnls

    mol = parse_formula(formula).counts()
    max_mz = max(spectrum) if spectrum else 0
    subs = subformulas(formula, max_mz=max_mz)
    pats = [fragment_pattern(c, mol, variants) for c in subs]
    a, y, masses = _as_vectors(spectrum, pats)
    norm = float(np.linalg.norm(y)) or 1.0
    coef, _ = nnls(a / norm, y / norm, maxiter=50 * a.shape[1])
    fit = a @ coef
    resid = float(np.linalg.norm(y - fit)) / norm
    keep = [(formula_text(c), float(x), c) for c, x in zip(subs, coef, strict=True) if x > 0]
    return Decomposition(
        formula=formula,
        fragments=tuple((t, x) for t, x, _ in keep),
        counts=tuple(c for _, _, c in keep),
        residual=resid,
        fitted={m: float(v) for m, v in zip(masses, fit, strict=True) if v > 0},
    )


def recompose(dec: Decomposition, variants: Sequence[Variant]) -> dict[int, float]:
    """The spectrum of the same fragmentation under another composition (e.g. enriched)."""
    mol = parse_formula(dec.formula).counts()
    out: dict[int, float] = {}
    for (_, x), c in zip(dec.fragments, dec.counts, strict=True):
        for m, p in fragment_pattern(c, mol, variants).items():
            out[m] = out.get(m, 0.0) + x * p
    return {m: v for m, v in sorted(out.items()) if v > 1e-9 * max(out.values())}


def reisotope(
    spectrum: Mapping[int, float], formula: str, variants: Sequence[Variant]
) -> dict[int, float]:
    """Natural-abundance library spectrum → spectrum of the compound with another composition."""
    return recompose(decompose(spectrum, formula), variants)


# --------------------------------------------------------------------------- Ge clusters
@dataclass(frozen=True)
class GeClusterResult:
    """Evidence for n_Ge germanium atoms, and which composition explains the clusters."""

    n_ge: int
    enriched_residual: float
    natural_residual: float
    cluster_fraction: float  # share of the spectrum's intensity in the Ge window(s)
    verdict: str  # "74Ge-enriched", "natural Ge", "no Ge"
    ge74_fraction: float | None  # implied ⁷⁴Ge atom fraction (from the n=1 window)
    windows: tuple[tuple[int, int], ...]


def _window_fit(spectrum: Mapping[int, float], k: int, comp: Mapping[int, float]) -> tuple[float, float]:
    """Best NNLS fit of the Ge_kH_n (n = 0..2k+2) window; returns (relative residual, window sum)."""
    import numpy as np
    from scipy.optimize import nnls

    lo, hi = 70 * k, 76 * k + 2 * k + 2
    obs = {m: v for m, v in spectrum.items() if lo <= m <= hi}
    tot = sum(obs.values())
    if tot <= 0:
        return 1.0, 0.0
    pats = []
    for n in range(2 * k + 3):
        counts = {"Ge": k} | ({"H": n} if n else {})
        pats.append(fragment_pattern(counts, {"Ge": k, "H": 2 * k + 2}, [Variant(1.0, {"Ge": comp})]))
    full = {m: obs.get(m, 0.0) for m in range(lo, hi + 1)}
    a, y, _ = _as_vectors(full, pats)
    coef, _ = nnls(a, y)
    return float(np.linalg.norm(y - a @ coef) / np.linalg.norm(y)), tot


def recognise_germanium(
    spectrum: Mapping[int, float],
    enriched: Mapping[int, float] = GE74_MATRIX,
    *,
    min_window_fraction: float = 0.02,
    max_residual: float = 0.15,
) -> GeClusterResult:
    """Count Ge atoms from the Ge_kH_n windows (k = 1, 2, 3) and decide natural vs enriched Ge.

    A window counts when it carries ≥ ``min_window_fraction`` of the spectrum's intensity and its
    best composition reproduces it within ``max_residual`` (relative L2 residual).
    """
    natural = dict(zip(*element_isotopes("Ge")[::2], strict=True))
    total = sum(v for v in spectrum.values() if v > 0) or 1.0
    n_ge = 0
    res_e = res_n = 1.0
    frac = 0.0
    windows = []
    for k in (1, 2, 3):
        # the document's signature: Ge_k⁺, Ge_kH⁺, Ge_kH₂⁺, Ge_kH₃⁺ (⁷⁴Ge: m/z 74–77 for k = 1,
        # 148–151, 222–225; Ge_k⁺ and at least two others, a weak one may drown in noise; the
        # window's strongest peak among them, unlike benzene's m/z 78) or, for
        # natural Ge, the isotopologue spread over 70k–76k
        win_max = max((v for m, v in spectrum.items() if 70 * k <= m <= 76 * k + 2 * k + 2), default=0.0)
        if win_max <= 0:
            continue
        in_win = {m: v for m, v in spectrum.items() if 70 * k <= m <= 76 * k + 2 * k + 2}
        top = max(in_win, key=lambda m: in_win[m])
        four_74 = (sum(spectrum.get(74 * k + n, 0.0) >= 0.03 * win_max for n in range(4)) >= 3
                   and spectrum.get(74 * k, 0.0) >= 0.03 * win_max and (k > 1 or 74 <= top <= 77))
        natural_spread = sum(1 for m in range(70 * k, 76 * k + 1) if spectrum.get(m, 0.0) >= 0.03 * win_max)
        if not (four_74 or natural_spread >= 2 * k + 3):
            continue
        re_, tot = _window_fit(spectrum, k, enriched)
        rn, _ = _window_fit(spectrum, k, natural)
        if tot / total >= min_window_fraction and min(re_, rn) <= max_residual:
            n_ge = k
            res_e, res_n = re_, rn
            frac += tot / total
            windows.append((70 * k, 76 * k + 2 * k + 2))
    if n_ge == 0:
        return GeClusterResult(0, 1.0, 1.0, 0.0, "no Ge", None, ())
    verdict = "74Ge-enriched" if res_e < res_n else "natural Ge"
    k0 = windows[0][0] // 70
    return GeClusterResult(n_ge, res_e, res_n, frac, verdict, ge74_fraction(spectrum, k0), tuple(windows))


def ge74_fraction(spectrum: Mapping[int, float], n_ge: int = 1) -> float | None:
    """Implied ⁷⁴Ge atom fraction from the Ge_kH_n⁺ cluster window (k = ``n_ge``).

    Germanium is modelled as a mixture x·(pure ⁷⁴Ge) + (1 − x)·(natural Ge); x is found by a
    grid search over [0, 1] on the window's NNLS residual, and the atom fraction
    x + (1 − x)·a₇₄(natural) returned. None when the window is empty.
    """
    import numpy as np

    nums, _, probs = element_isotopes("Ge")
    natural = dict(zip(nums, probs, strict=True))

    def comp(x: float) -> dict[int, float]:
        return {a: (1 - x) * p + (x if a == 74 else 0.0) for a, p in natural.items()}

    grid = np.linspace(0.0, 1.0, 101)
    res = []
    for x in grid:
        r, tot = _window_fit(spectrum, n_ge, comp(float(x)))
        if tot <= 0:
            return None
        res.append(r)
    i = int(np.argmin(res))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    fine = np.linspace(lo, hi, 41)
    fres = [_window_fit(spectrum, n_ge, comp(float(x)))[0] for x in fine]
    x = float(fine[int(np.argmin(fres))])
    return x + (1 - x) * natural[74]


# --------------------------------------------------------------------------- chlorine
@dataclass(frozen=True)
class ChlorinePair:
    mz: int
    ratio: float  # I(m+2)/I(m)
    n_cl: int  # number of Cl atoms consistent with the ratio (1 or 2)


def chlorine_pairs(
    spectrum: Mapping[int, float], *, rel_tol: float = 0.25, min_rel_intensity: float = 0.01
) -> list[ChlorinePair]:
    """(m, m+2) pairs whose ratio matches one Cl (0.320, "3:1") or two Cl (0.640) within ``rel_tol``.

    Only peaks ≥ ``min_rel_intensity`` of the base peak are considered, and m must not itself be
    the +2 partner of a stronger pair.
    """
    if not spectrum:
        return []
    base = max(spectrum.values())
    out = []
    for m in sorted(spectrum):
        im = spectrum[m]
        i2 = spectrum.get(m + 2, 0.0)
        if im < min_rel_intensity * base or i2 <= 0:
            continue
        r = i2 / im
        for n, expected in ((1, CL_37_35_NATURAL), (2, 2 * CL_37_35_NATURAL)):
            if abs(r / expected - 1.0) <= rel_tol:
                out.append(ChlorinePair(m, r, n))
                break
    return out


# --------------------------------------------------------------------------- isobar enrichment
@dataclass(frozen=True)
class IsotopeRatio:
    """An observed isotope-peak ratio against the natural-abundance expectation."""

    compound: str
    numerator_mz: int
    denominator_mz: int
    observed: float
    observed_sd: float
    natural: float
    departs: bool
    note: str


def isotope_ratio(
    compound: str,
    ion_formula: str,
    numerator_mz: int,
    denominator_mz: int,
    i_num: float,
    i_den: float,
    sd_num: float = 0.0,
    sd_den: float = 0.0,
    *,
    n_sigma: float = 3.0,
    min_rel_departure: float = 0.3,
) -> IsotopeRatio:
    """Compare I(num)/I(den) of an ion with its natural-abundance value (IsoSpecPy pattern).

    ``departs`` when the ratio differs from natural by > ``n_sigma`` standard deviations and by
    more than ``min_rel_departure`` (relative). A ratio whose numerator is not detected
    (I < 3 sd) is reported as an upper limit.
    """
    from cellworks.gcms.isotopes import unit_mass_pattern

    pat = unit_mass_pattern(ion_formula)
    nat = pat.get(numerator_mz, 0.0) / max(pat.get(denominator_mz, 0.0), 1e-300)
    if i_den <= 0:
        return IsotopeRatio(compound, numerator_mz, denominator_mz, float("nan"), float("nan"), nat, False,
                            f"m/z {denominator_mz} not detected")
    obs = i_num / i_den
    sd = abs(obs) * ((sd_num / i_num) ** 2 + (sd_den / i_den) ** 2) ** 0.5 if i_num > 0 else sd_num / i_den
    if i_num < 3 * sd_num:
        limit = 3 * sd_num / i_den
        departs = limit < nat * (1 - min_rel_departure)
        note = (f"m/z {numerator_mz} not detected: ratio < {limit:.3g} (natural {nat:.3g})"
                + (" — depleted: enriched in the lighter isotopologue" if departs else ""))
        return IsotopeRatio(compound, numerator_mz, denominator_mz, obs, sd, nat, departs, note)
    departs = abs(obs - nat) > n_sigma * sd and abs(obs / nat - 1.0) > min_rel_departure
    note = f"I({numerator_mz})/I({denominator_mz}) = {obs:.3g} ± {sd:.2g} (natural {nat:.3g})"
    if departs:
        note += f": {obs / nat:.3g}× natural"
    return IsotopeRatio(compound, numerator_mz, denominator_mz, obs, sd, nat, departs, note)


# --------------------------------------------------------------------------- isotopologues
def isotopologues(formula: str) -> list[tuple[float, int, dict[str, tuple[int, ...]]]]:
    """All isotopologues at unit mass: (natural probability, nominal mass, atoms per element)."""
    from math import factorial

    counts = parse_formula(formula).counts()
    per_el = []
    for el, n in counts.items():
        nums, _, probs = element_isotopes(el)
        opts = []
        for combo in itertools.combinations_with_replacement(range(len(nums)), n):
            mult = factorial(n)
            p = 1.0
            for k in set(combo):
                c = combo.count(k)
                mult //= factorial(c)
                p *= probs[k] ** c
            opts.append((mult * p, sum(nums[k] for k in combo), tuple(nums[k] for k in combo)))
        opts = [o for o in opts if o[0] > 1e-12]
        per_el.append((el, opts))
    out = []
    for prod in itertools.product(*[o for _, o in per_el]):
        p = 1.0
        m = 0
        atoms = {}
        for (el, _), (pe, me, at) in zip(per_el, prod, strict=True):
            p *= pe
            m += me
            atoms[el] = at
        out.append((p, m, atoms))
    out.sort(key=lambda x: -x[0])
    return out


def isobar_variants(formula: str, nominal_mz: int, ratio: float) -> list[Variant] | None:
    """A centrifuge-enriched population: the molecule's most abundant isotopologue (weight 1) and
    its most abundant isotopologue at ``nominal_mz`` (weight ``ratio``), both as exact atoms.
    None if no isotopologue has that nominal mass. When the two coincide (¹²C₆H₆ at 78) the
    population is that single isotopologue."""
    iso = isotopologues(formula)
    at_m = [x for x in iso if x[1] == nominal_mz]
    if not at_m:
        return None
    main, isobar = iso[0], at_m[0]
    if main[2] == isobar[2]:
        return [Variant(1.0, dict(isobar[2]))]
    return [Variant(1.0, dict(main[2])), Variant(ratio, dict(isobar[2]))]


@dataclass(frozen=True)
class ChlorineFit:
    """Chlorine recognised in a cluster of Cl-bearing fragment ions."""

    cl37_fraction: float  # implied ³⁷Cl atom fraction (natural 0.242: "35:37 ≈ 3:1")
    residual: float  # relative L2 residual of the best fit
    window: tuple[int, int]
    one_cl_natural: bool


def fit_chlorine(
    spectrum: Mapping[int, float],
    fragments: Sequence[Mapping[str, int]],
    molecule: Mapping[str, int],
    fixed: Composition | None = None,
    *,
    max_residual: float = 0.15,
) -> ChlorineFit | None:
    """Fit the window of Cl-bearing ``fragments`` (e.g. GeH_nCl, n = 0..3) with Cl of variable
    ³⁷Cl fraction x (grid 0..1) and the other elements as ``fixed``; NNLS over the fragments.

    ``one_cl_natural`` when the fit is good and x is within ±0.06 of natural (0.242), i.e. the
    document's "35:37 = 3:1".
    """
    import numpy as np
    from scipy.optimize import nnls

    probe = dict(fixed or {})
    probe["Cl"] = {35: 0.5, 37: 0.5}
    support = [m for f in fragments for m, p in fragment_pattern(f, molecule, [Variant(1.0, probe)]).items()
               if p > 1e-4]
    lo, hi = min(support), max(support)
    obs = {m: max(spectrum.get(m, 0.0), 0.0) for m in range(lo, hi + 1)}
    if sum(obs.values()) <= 0:
        return None
    best = None
    for x in np.linspace(0.0, 1.0, 101):
        comp = dict(fixed or {})
        comp["Cl"] = {35: 1.0 - float(x), 37: float(x)}
        pats = [fragment_pattern(f, molecule, [Variant(1.0, comp)]) for f in fragments]
        a, y, _ = _as_vectors(obs, pats)
        coef, _ = nnls(a, y)
        r = float(np.linalg.norm(y - a @ coef) / np.linalg.norm(y))
        if best is None or r < best[1]:
            best = (float(x), r)
    if best is None:
        return None
    nat = 1.0 - 0.75759485  # IUPAC natural ³⁷Cl
    return ChlorineFit(best[0], best[1], (lo, hi), best[1] <= max_residual and abs(best[0] - nat) <= 0.06)
