"""Infer the isotopic composition of a compound in the sample (CS₂ from its SIM 78/76 areas,
benzene and 2-chloropropane from missing isotope partners, Ge species from the matrix)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cellworks.gcms.clusters import Variant
from cellworks.gcms.isotopes import GE74_MATRIX
from cellworks.gcms.pipeline.integration import integrate_sim
from cellworks.gcms.pipeline.runs import RunInfo
from cellworks.gcms.pipeline.targets import Identification


@dataclass
class Composition:
    """What the clusters say about a compound's isotopes in the sample."""

    key: str
    variants: list[Variant]
    note: str
    ratio: float | None = None
    ratio_sd: float | None = None


def infer_composition(key: str, sim_runs: Sequence[RunInfo], ident: Identification | None,
                      scan_spec: Mapping[int, float] | None) -> Composition:
    """Isotope composition used for the ion fraction f of the sample's compound."""
    from cellworks.gcms.clusters import isotope_ratio

    if key in ("GeH3Cl", "Ge2H6", "Ge3H8") and ident is not None and ident.ge:
        return Composition(key, [Variant(1.0, {"Ge": GE74_MATRIX})],
                           f"{ident.ge['verdict']}: Ge of the matrix composition")
    if key == "CS2" and ident is not None:
        # ¹²C³²S³⁴S : ¹²C³²S₂ from the SIM areas of m/z 78 and 76 (pooled over the sample's runs)
        a78 = a76 = 0.0
        v78 = v76 = 0.0
        for ri in sim_runs:
            i78 = integrate_sim(ri.run, 78, ident.rt_min, ident.fwhm_s)
            i76 = integrate_sim(ri.run, 76, ident.rt_min, ident.fwhm_s)
            if i78 and i76:
                a78 += i78.area
                a76 += i76.area
                v78 += i78.area_sd**2
                v76 += i76.area_sd**2
        if a76 > 0 and a78 > 3 * math.sqrt(v78):
            res = isotope_ratio("CS2", "CS2", 78, 76, a78, a76, math.sqrt(v78), math.sqrt(v76))
            r = a78 / a76
            return Composition(key, [Variant(1.0, {"C": {12: 1.0}, "S": (32, 32)}),
                                     Variant(max(r, 0.0), {"C": {12: 1.0}, "S": (32, 34)})],
                               res.note + ": a mixture of ¹²C³²S³⁴S and ¹²C³²S₂ (molecular isobar of ⁷⁴GeH₄ enriched "
                               "by the centrifuge)", r, res.observed_sd)
        return Composition(key, [Variant(1.0)], "CS₂ ratio not measurable: natural composition assumed")
    if key in ("benzene", "2-C3H7Cl") and scan_spec:
        if key == "benzene":
            s79, s78 = scan_spec.get(79, 0.0), scan_spec.get(78, 0.0)
            res = isotope_ratio("benzene", "C6H6", 79, 78, s79, s78, _noise_of(scan_spec), 0.0)
            if res.departs:
                return Composition(key, [Variant(1.0, {"C": {12: 1.0}})],
                                   res.note + " → ¹²C₆H₆ (isobar of ⁷⁴GeH₄)", res.observed, res.observed_sd)
            return Composition(key, [Variant(1.0)], res.note)
        s65, s63 = scan_spec.get(65, 0.0), scan_spec.get(63, 0.0)
        s80, s78b = scan_spec.get(80, 0.0), scan_spec.get(78, 0.0)
        r1 = isotope_ratio("2-C3H7Cl", "C2H4Cl", 65, 63, s65, s63, _noise_of(scan_spec), 0.0)
        r2 = isotope_ratio("2-C3H7Cl", "C3H7Cl", 80, 78, s80, s78b, _noise_of(scan_spec), 0.0)
        if r1.departs or r2.departs:
            return Composition(key, [Variant(1.0, {"C": {12: 1.0}, "Cl": {35: 1.0}})],
                               f"{r1.note}; {r2.note} → ¹²C₃H₇³⁵Cl (isobar of ⁷⁴GeH₄)", r1.observed, r1.observed_sd)
        return Composition(key, [Variant(1.0)], f"{r1.note}; {r2.note}")
    return Composition(key, [Variant(1.0)], "natural isotopic composition")


def _noise_of(spec: Mapping[int, float]) -> float:
    """A noise level for peaks of a background-subtracted apex spectrum: 1 % of its base peak
    (a typical dynamic range of thresholded, background-subtracted quadrupole scan spectra)."""
    return 0.01 * max(spec.values()) if spec else 0.0


