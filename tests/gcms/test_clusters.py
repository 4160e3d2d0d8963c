"""Cluster logic (cellworks.gcms.clusters): fragment patterns, re-isotoping, Ge and Cl recognition."""

from __future__ import annotations

import pytest

from cellworks.gcms.clusters import (
    Variant,
    chlorine_pairs,
    decompose,
    fragment_pattern,
    isobar_variants,
    isotope_ratio,
    recognise_germanium,
    recompose,
    reisotope,
)
from cellworks.gcms.isotopes import GE74_MATRIX
from cellworks.gcms.library import load_builtin

LIB = load_builtin()


def spec(name: str) -> dict[int, float]:
    s = LIB.find(name)
    return {int(round(m)): float(i) for m, i in zip(s.mz, s.intensity, strict=True)}


def test_fragment_patterns_natural_and_fixed_atoms() -> None:
    cl = fragment_pattern({"Cl": 1}, {"Cl": 1}, [Variant(1.0)])
    assert cl[37] / cl[35] == pytest.approx(0.24240515 / 0.75759485, rel=1e-6)  # IUPAC "3:1"
    # CS⁺ from ¹²C³²S³⁴S keeps either S with equal weight
    cs = fragment_pattern({"C": 1, "S": 1}, {"C": 1, "S": 2}, [Variant(1.0, {"C": {12: 1.0}, "S": (32, 34)})])
    assert cs == pytest.approx({44: 0.5, 46: 0.5})
    # S₂⁺ from the same molecule is exactly ³²S³⁴S
    s2 = fragment_pattern({"S": 2}, {"C": 1, "S": 2}, [Variant(1.0, {"S": (32, 34)})])
    assert s2 == pytest.approx({66: 1.0})


def test_decompose_recompose_roundtrip_on_natural_benzene() -> None:
    b = spec("Benzene")
    dec = decompose(b, "C6H6")
    back = recompose(dec, [Variant(1.0)])
    for m, v in b.items():
        # the library's principal-ion list is a convolution of CₐH_b fragments to ~1 % of base
        assert back.get(m, 0.0) == pytest.approx(v, abs=0.015 * max(b.values()))


def test_reisotoped_isobars_lose_their_isotope_peaks() -> None:
    b = reisotope(spec("Benzene"), "C6H6", [Variant(1.0, {"C": {12: 1.0}})])
    assert b.get(79, 0.0) < 1e-3 * b[78]  # document: no m/z 79 for ¹²C₆H₆
    c = reisotope(spec("2-Chloropropane"), "C3H7Cl", [Variant(1.0, {"C": {12: 1.0}, "Cl": {35: 1.0}})])
    assert c.get(65, 0.0) < 1e-3 * c[63] and c.get(80, 0.0) < 1e-3 * c[78]  # no ³⁷Cl partners
    v = isobar_variants("CS2", 78, 5.9)
    assert v is not None
    cs2 = reisotope(spec("Carbon disulfide"), "CS2", v)
    assert cs2[78] / cs2[76] == pytest.approx(5.9, rel=1e-6)
    assert cs2.get(77, 0.0) == pytest.approx(0.0, abs=1e-9)  # no ¹³C / ³³S isotopologues


@pytest.mark.parametrize("name,n", [("Chlorogermane", 1), ("Digermane", 2), ("Trigermane", 3)])
def test_ge_count_and_enrichment(name: str, n: int) -> None:
    natural = spec(name)
    g_nat = recognise_germanium(natural)
    assert g_nat.n_ge == n and g_nat.verdict == "natural Ge"
    enriched = reisotope(natural, LIB.find(name).formula, [Variant(1.0, {"Ge": GE74_MATRIX})])
    g = recognise_germanium(enriched)
    assert g.n_ge == n and g.verdict == "74Ge-enriched"
    assert g.ge74_fraction is not None and g.ge74_fraction > 0.99  # matrix: 99.9355 % ⁷⁴Ge
    assert g_nat.ge74_fraction == pytest.approx(0.365, abs=0.05)  # natural ⁷⁴Ge 36.5 %


@pytest.mark.parametrize("name", ["Benzene", "Arsine", "Carbon disulfide", "Toluene"])
def test_no_false_germanium(name: str) -> None:
    assert recognise_germanium(spec(name)).n_ge == 0


def test_chlorine_pair_and_ratio_departure() -> None:
    pairs = chlorine_pairs({35: 75.76, 37: 24.24, 50: 100.0})
    assert [(p.mz, p.n_cl) for p in pairs] == [(35, 1)]
    assert chlorine_pairs({35: 50.0, 37: 50.0}) == []
    r = isotope_ratio("benzene", "C6H6", 79, 78, 0.0, 1000.0, 5.0, 0.0)
    assert r.departs and "not detected" in r.note  # natural 0.066 ≫ the 3s limit 0.015
    r2 = isotope_ratio("CS2", "CS2", 78, 76, 590.0, 100.0, 3.0, 3.0)
    assert r2.departs and r2.observed == pytest.approx(5.9)
