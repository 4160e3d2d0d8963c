"""Isotope patterns (cellworks.gcms.isotopes) against independent arithmetic and document 002."""

from __future__ import annotations

import json

import numpy as np
import pytest
from IsoSpecPy import PeriodicTbl

from cellworks.cli import main
from cellworks.errors import InputError
from cellworks.gcms.isotopes import (
    IsotopePattern,
    at_resolving_power,
    hydrogen_loss_series,
    isotope_pattern,
    monoisotopic_mass,
    parse_abundance,
    parse_formula,
    unit_mass_pattern,
)

ENRICHED = "Ge:70=0.000001,72=0.00001,73=0.000605,74=0.999355,76=0.000029"  # document 002


def _convolve_unit(element_counts: dict[str, int], override: dict[str, dict[int, float]] | None = None) -> dict[int, float]:
    """Reference: explicit convolution of per-atom mass-number distributions (no IsoSpecPy code)."""
    dist = {0: 1.0}
    for el, n in element_counts.items():
        nums = [int(x) for x in PeriodicTbl.symbol_to_massNo[el]]
        probs = list(PeriodicTbl.symbol_to_probs[el])
        if override and el in override:
            probs = [override[el].get(a, 0.0) for a in nums]
            tot = sum(probs)
            probs = [p / tot for p in probs]
        for _ in range(n):
            nxt: dict[int, float] = {}
            for m, p in dist.items():
                for a, q in zip(nums, probs, strict=True):
                    nxt[m + a] = nxt.get(m + a, 0.0) + p * q
            dist = nxt
    return dist


def test_natural_geh4_cluster_matches_convolution_to_1e6() -> None:
    ours = unit_mass_pattern("GeH4")
    ref = _convolve_unit({"Ge": 1, "H": 4})
    for m in set(ours) | {m for m, p in ref.items() if p > 1e-9}:
        # Done-when: 1e-6; IsoSpecPy drops only isotopologues below prob_to_cover = 1 - 1e-6 in total
        assert ours.get(m, 0.0) == pytest.approx(ref.get(m, 0.0), abs=1e-6)


def test_natural_ge_abundances_match_reference_md() -> None:
    # REFERENCE.md §3: Ge 70/72/73/74/76 = 20.52/27.45/7.76/36.52/7.75 % (IUPAC; table rounding ±0.1 %)
    probs = dict(zip([int(x) for x in PeriodicTbl.symbol_to_massNo["Ge"]], PeriodicTbl.symbol_to_probs["Ge"], strict=True))
    for a, pct in {70: 20.52, 72: 27.45, 73: 7.76, 74: 36.52, 76: 7.75}.items():
        assert 100 * probs[a] == pytest.approx(pct, abs=0.1)


def test_enriched_geh4_mz78_via_cli(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["gcms", "isotopes", "GeH4", "--abundance", ENRICHED, "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    cluster = {c["mz"]: c["fraction"] for c in out["molecular_cluster"]}
    assert cluster[78] >= 0.998  # Done-when
    # independent value: ⁷⁴Ge share × P(all four H are ¹H) + ⁷³Ge·(one ²H) ≈ 0.99889
    ref = _convolve_unit({"Ge": 1, "H": 4}, parse_abundance(ENRICHED))
    assert cluster[78] == pytest.approx(ref[78], abs=1e-6)
    frag = {f["ion"]: {c["mz"]: c["fraction"] for c in f["cluster"]} for f in out["fragments"]}
    assert [*frag] == ["GeH3+", "GeH2+", "GeH+", "Ge+"]
    assert frag["Ge+"][74] == pytest.approx(0.999355, abs=1e-9)  # a bare Ge⁺ is just the Ge composition


def test_exact_masses_of_document_002() -> None:
    # REFERENCE.md §3 exact masses (Da, 4 decimals quoted)
    assert monoisotopic_mass("[74Ge]H4") == pytest.approx(77.9525, abs=6e-5)
    assert monoisotopic_mass("C[32S][34S]") == pytest.approx(77.9399, abs=6e-5)
    assert monoisotopic_mass("C6H6") == pytest.approx(78.0470, abs=6e-5)
    assert monoisotopic_mass("C3H7[35Cl]") == pytest.approx(78.0236, abs=6e-5)


def test_resolving_power_merges_and_separates_the_78_doublet() -> None:
    # ⁷⁴GeH₄⁺ and ¹²C³²S³⁴S⁺ differ by 0.0125 Da: one peak at R = 3000, two at R = 15000 (needed ≈ 6200)
    pat = IsotopePattern("mix", 1, (77.93939, 77.95193), (0.5, 0.5), ("a", "b"))
    assert len(at_resolving_power(pat, 3000)) == 1
    two = at_resolving_power(pat, 15000)
    assert len(two) == 2
    assert sum(p for _, p in two) == pytest.approx(1.0)


def test_probabilities_sum_to_one_and_electron_mass() -> None:
    pat = isotope_pattern("C3H7Cl")
    assert sum(pat.probability) == pytest.approx(1.0, abs=1e-6)
    neutral = isotope_pattern("C3H7Cl", charge=0)
    # a cation weighs one electron (5.486e-4 Da, CODATA) less than the neutral
    assert neutral.mz[0] - pat.mz[0] == pytest.approx(5.48579909e-4, rel=1e-6)


def test_parse_errors_name_the_token() -> None:
    with pytest.raises(InputError) as e:
        parse_formula("GeXx4")
    assert "Xx" in e.value.one_line()
    with pytest.raises(InputError):
        parse_formula("[75Ge]H4")
    with pytest.raises(InputError):
        parse_abundance("Ge:71=1")
    assert [str(f) for f in hydrogen_loss_series("GeH4")] == ["GeH4", "GeH3", "GeH2", "GeH", "Ge"]


def test_cli_bad_abundance_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gcms", "isotopes", "GeH4", "--abundance", "Ge:71=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1


def test_unit_mass_of_benzene_m_plus_1() -> None:
    # natural C6H6: I(79)/I(78) = 6·a13/a12 + 6·a2H/a1H (first order) ≈ 0.0656
    pat = unit_mass_pattern("C6H6")
    a13 = float(PeriodicTbl.symbol_to_probs["C"][1])  # the abundance table (data), not our code path
    a2 = float(PeriodicTbl.symbol_to_probs["H"][1])
    expected = 6 * a13 / (1 - a13) + 6 * a2 / (1 - a2)
    assert pat[79] / pat[78] == pytest.approx(expected, rel=2e-3)  # second-order terms ~ 1e-3 relative
    assert np.isclose(sum(pat.values()), 1.0, atol=1e-6)
