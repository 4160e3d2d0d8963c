"""Regenerate ``builtin_ei.msp`` (the built-in compact EI library) from the tables below.

Run: ``python -m cellworks.gcms.data.make_builtin_msp`` (writes beside this file).

Three kinds of record, each says which in its ``Source:`` line:

* ``SRS`` — transcribed unchanged from Stanford Research Systems' RGA gas library
  ``srsinst/rga/gaslib.dat`` (github.com/thinkSRS/srsinst.rga, commit 072e334b, MIT licence,
  (c) 2022-2023 Stanford Research Systems): 70 eV EI fragmentation patterns, the principal
  5–10 ions of each compound in percent of the base peak.
* ``COMPUTED`` — natural-abundance isotope patterns (document 002 abundances: Ge
  70/72/73/74/76 = 20.52/27.45/7.76/36.52/7.75 %, Cl 75.76/24.24, S 94.99/0.75/4.25/0.01,
  C 98.93/1.07) of an ion ladder whose relative fragment abundances are an ASSUMPTION stated in
  the record (no public EI spectrum was found for these species: GeH4, GeH3Cl, Ge2H6, Ge3H8,
  AsH3, CS2 isotope peaks).
* ``ESTIMATE`` — principal ions of the compound's 70 eV EI spectrum with approximate relative
  intensities (typical values of the published spectra of these compounds; NOT transcribed
  from a citable open record — none could be located in this build). They are good enough to
  rank, but a user needing defensible identifications should replace them with measured
  spectra (e.g. MassBank EI records) — ``cellworks gcms library convert`` merges MSP files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SRS = ("SRS: Stanford Research Systems srsinst.rga gaslib.dat (MIT licence; "
       "github.com/thinkSRS/srsinst.rga @072e334b), 70 eV EI, principal ions only")

# name, formula, MW, CAS, peaks {mz: %}; retention indices come from cellworks.gcms.retention
SRS_RECORDS: list[tuple[str, str, int, str, dict[int, float]]] = [
    ("Nitrogen", "N2", 28, "7727-37-9", {28: 100.0, 14: 6.0, 29: 0.8}),
    ("Oxygen", "O2", 32, "7782-44-7", {32: 100.0, 16: 7.0, 34: 0.4, 33: 0.1}),
    ("Argon", "Ar", 40, "7440-37-1", {40: 100.0, 20: 10.0, 36: 0.3, 38: 0.1}),
    ("Air", "N2/O2/Ar", 29, "132259-10-0", {28: 100.0, 32: 27.0, 14: 6.0, 16: 3.0, 40: 1.0}),
    ("Water", "H2O", 18, "7732-18-5", {18: 100.0, 17: 24.0, 16: 2.0, 20: 0.3, 19: 0.1}),
    ("Carbon dioxide", "CO2", 44, "124-38-9", {44: 100.0, 28: 11.0, 16: 9.0, 12: 6.0, 45: 1.0, 46: 0.5}),
    ("Carbon monoxide", "CO", 28, "630-08-0", {28: 100.0, 12: 5.0, 16: 2.0, 29: 1.0, 14: 1.0, 30: 0.2}),
    ("Hydrogen sulfide", "H2S", 34, "7783-06-4", {34: 100.0, 32: 44.0, 33: 42.0, 36: 4.0, 35: 2.5}),
    ("Phosphine", "PH3", 34, "7803-51-2", {34: 100.0, 33: 33.0, 31: 32.0, 32: 13.0, 15: 1.0}),
    ("Methane", "CH4", 16, "74-82-8", {16: 100.0, 15: 86.0, 14: 16.0, 13: 8.0, 12: 2.5, 17: 1.2}),
    ("Ethane", "C2H6", 30, "74-84-0", {28: 100.0, 27: 33.0, 30: 26.0, 26: 23.0, 29: 21.0, 25: 3.0, 15: 3.0, 14: 2.5}),
    ("Ethylene", "C2H4", 28, "74-85-1", {28: 100.0, 27: 65.0, 26: 62.0, 25: 12.0, 14: 8.0, 24: 3.7, 13: 3.5, 12: 2.1, 29: 2.2}),
    ("Propane", "C3H8", 44, "74-98-6", {29: 100.0, 28: 60.0, 27: 47.0, 44: 27.0, 43: 23.0, 39: 21.0, 41: 14.5, 26: 12.0, 15: 11.0, 42: 6.0}),
    ("Propene", "C3H6", 42, "115-07-1", {41: 100.0, 39: 77.0, 42: 66.0, 27: 42.0, 40: 29.0, 26: 14.0, 15: 8.0, 14: 6.0, 25: 3.5, 13: 3.0}),
    ("n-Butane", "C4H10", 58, "106-97-8", {43: 100.0, 29: 44.0, 27: 37.0, 28: 32.0, 41: 27.0, 39: 13.0, 42: 12.0, 58: 12.0, 15: 6.0, 26: 5.0}),
    ("1,3-Butadiene", "C4H6", 54, "106-99-0", {39: 100.0, 54: 83.0, 27: 68.0, 53: 59.0, 28: 46.0, 50: 31.0, 26: 29.0, 51: 24.0, 52: 11.0, 25: 5.5}),
    ("n-Pentane", "C5H12", 72, "109-66-0", {43: 100.0, 42: 55.0, 27: 42.0, 29: 26.0, 39: 19.0, 57: 13.0, 15: 9.0, 28: 9.0}),
    ("n-Hexane", "C6H14", 86, "110-54-3", {57: 100.0, 43: 78.0, 41: 77.0, 29: 61.0, 27: 57.0, 56: 45.0, 42: 39.0, 39: 27.0}),
    ("n-Heptane", "C7H16", 100, "142-82-5", {43: 100.0, 41: 56.0, 29: 49.0, 57: 47.0, 27: 46.0, 71: 45.0, 56: 27.0, 42: 26.0}),
    ("n-Octane", "C8H18", 114, "111-65-9", {43: 100.0, 57: 30.0, 85: 25.0, 41: 25.0, 71: 19.0, 29: 17.0, 56: 14.0, 42: 10.0}),
    ("Cyclopentane", "C5H10", 70, "287-92-3", {42: 100.0, 70: 30.0, 41: 29.0, 55: 29.0, 39: 22.0, 27: 15.0, 40: 7.0, 29: 5.0, 28: 4.0, 43: 3.5}),
    ("Cyclohexane", "C6H12", 84, "110-82-7", {56: 100.0, 84: 71.0, 41: 70.0, 27: 37.0, 55: 36.0, 39: 35.0, 42: 30.0, 69: 23.0, 28: 18.0, 43: 14.0}),
    ("Benzene", "C6H6", 78, "71-43-2", {78: 100.0, 51: 22.0, 52: 20.0, 50: 19.0, 77: 15.0, 39: 14.0, 79: 6.5, 76: 5.5, 74: 5.0, 26: 5.0}),
    ("Toluene", "C7H8", 92, "108-88-3", {91: 100.0, 92: 69.0, 39: 20.0, 65: 15.0, 51: 11.0, 63: 10.0, 50: 7.5, 27: 6.5, 93: 5.5, 90: 5.0}),
    ("Ethylbenzene", "C8H10", 106, "100-41-4", {91: 100.0, 106: 32.0, 51: 13.0, 39: 10.0, 65: 8.5, 77: 8.4, 78: 8.4, 92: 7.5, 27: 6.0, 105: 5.9}),
    ("m-Xylene", "C8H10", 106, "108-38-3", {91: 100.0, 106: 65.0, 105: 29.0, 39: 18.0, 51: 15.0, 77: 14.0, 27: 10.0, 78: 8.0}),
    ("p-Xylene", "C8H10", 106, "106-42-3", {91: 100.0, 106: 62.0, 105: 30.0, 39: 16.0, 51: 16.0, 77: 13.0, 27: 11.0, 50: 7.0}),
    ("o-Xylene", "C8H10", 106, "95-47-6", {91: 100.0, 106: 40.0, 39: 20.5, 105: 17.5, 51: 17.0, 77: 14.5, 27: 11.5, 65: 10.0, 78: 8.5, 79: 8.5}),
    ("Naphthalene", "C10H8", 128, "91-20-3", {128: 100.0, 127: 11.5, 129: 10.0, 51: 8.0, 64: 7.0, 102: 7.0, 126: 6.0, 63: 5.0, 77: 4.0, 75: 4.0}),
    ("Dichloromethane", "CH2Cl2", 84, "75-09-2", {49: 100.0, 84: 64.0, 86: 39.0, 51: 31.0, 47: 14.0, 48: 8.0, 88: 6.0, 50: 3.0, 85: 2.0}),
    ("Chloroform", "CHCl3", 118, "67-66-3", {83: 100.0, 85: 64.0, 47: 35.0, 35: 19.0, 48: 16.0, 49: 12.0, 87: 10.0, 37: 6.0, 50: 5.0, 82: 4.0}),
    ("Carbon tetrachloride", "CCl4", 152, "56-23-5", {117: 100.0, 119: 98.0, 121: 31.0, 82: 24.0, 47: 23.0, 84: 16.0, 35: 14.0, 28: 8.2, 49: 8.0, 36: 6.0}),
    ("Chlorobenzene", "C6H5Cl", 112, "108-90-7", {112: 100.0, 77: 63.0, 114: 33.0, 51: 29.0, 50: 14.0, 75: 8.0, 113: 6.5, 76: 5.0, 78: 5.0, 28: 4.0}),
    ("Acetone", "C3H6O", 58, "67-64-1", {43: 100.0, 15: 45.0, 58: 25.0, 27: 8.0, 14: 8.0, 42: 8.0, 26: 5.0, 29: 4.6, 28: 4.5, 39: 4.4}),
    ("Ethanol", "C2H6O", 46, "64-17-5", {31: 100.0, 45: 34.0, 27: 24.0, 29: 23.0, 46: 17.0, 26: 8.5, 43: 7.5, 18: 5.5, 30: 6.0, 19: 2.3}),
    ("Methanol", "CH4O", 32, "67-56-1", {31: 100.0, 29: 72.0, 32: 67.0, 15: 41.5, 28: 12.0, 14: 10.0, 30: 9.0, 13: 5.5, 12: 3.0}),
]

EST = ("ESTIMATE: principal 70 eV EI ions with approximate relative intensities (typical of the "
       "published spectra; not transcribed from a citable open record) - replace with a measured spectrum")

EST_RECORDS: list[tuple[str, str, int, str, dict[int, float]]] = [
    ("Isobutane", "C4H10", 58, "75-28-5", {43: 100.0, 42: 35.0, 41: 38.0, 39: 15.0, 27: 26.0, 29: 9.0, 58: 3.0, 15: 5.0}),
    ("2-Methylbutane", "C5H12", 72, "78-78-4", {43: 100.0, 42: 80.0, 41: 62.0, 57: 60.0, 29: 48.0, 27: 44.0, 39: 24.0, 56: 22.0, 72: 6.0}),
    ("2-Methylpentane", "C6H14", 86, "107-83-5", {43: 100.0, 42: 52.0, 71: 28.0, 41: 34.0, 27: 30.0, 39: 15.0, 29: 20.0, 57: 10.0, 86: 5.0, 70: 6.0}),
    ("3-Methylpentane", "C6H14", 86, "96-14-0", {57: 100.0, 56: 78.0, 41: 70.0, 29: 66.0, 43: 30.0, 27: 40.0, 39: 20.0, 71: 5.0, 86: 4.0}),
    ("2,3-Dimethylbutane", "C6H14", 86, "79-29-8", {43: 100.0, 42: 85.0, 41: 30.0, 71: 12.0, 27: 25.0, 39: 15.0, 57: 5.0, 86: 5.0}),
    ("Methylcyclopentane", "C6H12", 84, "96-37-7", {56: 100.0, 69: 30.0, 41: 50.0, 42: 30.0, 84: 18.0, 55: 20.0, 39: 20.0, 27: 15.0}),
    ("2-Methylhexane", "C7H16", 100, "591-76-4", {43: 100.0, 42: 30.0, 85: 15.0, 57: 35.0, 41: 35.0, 56: 20.0, 71: 10.0, 27: 20.0, 29: 20.0, 39: 15.0, 100: 3.0}),
    ("3-Methylhexane", "C7H16", 100, "589-34-4", {43: 100.0, 57: 60.0, 71: 40.0, 70: 45.0, 41: 40.0, 29: 35.0, 56: 25.0, 85: 15.0, 27: 25.0, 100: 3.0}),
    ("2,3-Dimethylpentane", "C7H16", 100, "565-59-3", {56: 100.0, 43: 70.0, 57: 60.0, 41: 55.0, 71: 35.0, 29: 30.0, 85: 5.0, 100: 2.0}),
    ("2,4-Dimethylpentane", "C7H16", 100, "108-08-7", {43: 100.0, 57: 80.0, 41: 45.0, 56: 35.0, 85: 10.0, 39: 15.0, 29: 15.0, 100: 2.0}),
    ("Methylcyclohexane", "C7H14", 98, "108-87-2", {83: 100.0, 55: 80.0, 98: 40.0, 41: 45.0, 42: 25.0, 56: 20.0, 39: 15.0, 70: 10.0, 27: 15.0}),
    ("2,2,4-Trimethylpentane", "C8H18", 114, "540-84-1", {57: 100.0, 41: 30.0, 56: 30.0, 43: 20.0, 29: 15.0, 99: 5.0, 39: 10.0}),
    ("2-Methylheptane", "C8H18", 114, "592-27-8", {43: 100.0, 57: 35.0, 42: 25.0, 41: 30.0, 71: 15.0, 70: 20.0, 56: 15.0, 99: 5.0, 114: 2.0}),
    ("3-Methylheptane", "C8H18", 114, "589-81-1", {43: 100.0, 57: 45.0, 85: 50.0, 84: 30.0, 41: 30.0, 71: 15.0, 29: 30.0, 114: 2.0}),
    ("n-Nonane", "C9H20", 128, "111-84-2", {43: 100.0, 57: 85.0, 41: 35.0, 71: 30.0, 85: 20.0, 29: 30.0, 56: 20.0, 42: 15.0, 128: 7.0}),
    ("Propylbenzene", "C9H12", 120, "103-65-1", {91: 100.0, 120: 25.0, 92: 10.0, 65: 8.0, 39: 8.0, 51: 6.0}),
    ("1-Ethyl-3-methylbenzene", "C9H12", 120, "620-14-4", {105: 100.0, 120: 30.0, 91: 8.0, 77: 7.0, 106: 9.0, 79: 5.0, 39: 5.0}),
    ("1,3,5-Trimethylbenzene", "C9H12", 120, "108-67-8", {105: 100.0, 120: 60.0, 119: 12.0, 91: 10.0, 77: 8.0, 106: 9.0, 79: 6.0, 39: 6.0}),
    ("1,2,4-Trimethylbenzene", "C9H12", 120, "95-63-6", {105: 100.0, 120: 50.0, 119: 10.0, 91: 10.0, 77: 8.0, 106: 9.0, 79: 6.0, 39: 6.0}),
    ("Methyl tert-butyl ether", "C5H12O", 88, "1634-04-4", {73: 100.0, 57: 25.0, 43: 20.0, 41: 15.0, 29: 15.0, 45: 5.0}),
    ("2-Chloropropane", "C3H7Cl", 78, "75-29-6", {43: 100.0, 27: 25.0, 41: 15.0, 39: 10.0, 78: 14.0, 80: 4.5, 63: 8.0, 42: 5.0}),
    ("Hexamethylcyclotrisiloxane (D3, column bleed)", "C6H18O3Si3", 222, "541-05-9", {207: 100.0, 208: 20.0, 209: 13.0, 96: 20.0, 191: 10.0, 133: 10.0, 73: 8.0}),
    ("Octamethylcyclotetrasiloxane (D4, column bleed)", "C8H24O4Si4", 296, "556-67-2", {281: 100.0, 282: 27.0, 283: 18.0, 265: 10.0, 193: 10.0, 133: 8.0, 73: 20.0, 207: 5.0}),
    ("Decamethylcyclopentasiloxane (D5, column bleed)", "C10H30O5Si5", 370, "541-02-6", {355: 100.0, 267: 60.0, 73: 60.0, 356: 30.0, 357: 20.0, 251: 10.0, 341: 5.0}),
]

# --- computed isotope patterns -----------------------------------------------------------
GE = {70: 0.2052, 72: 0.2745, 73: 0.0776, 74: 0.3652, 76: 0.0775}
CL = {35: 0.7576, 37: 0.2424}
S = {32: 0.9499, 33: 0.0075, 34: 0.0425, 36: 0.0001}
C = {12: 0.9893, 13: 0.0107}


def _conv(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    out: dict[int, float] = {}
    for ma, pa in a.items():
        for mb, pb in b.items():
            out[ma + mb] = out.get(ma + mb, 0.0) + pa * pb
    return out


def _ion(*parts: dict[int, float], h: int = 0) -> dict[int, float]:
    d: dict[int, float] = {0: 1.0}
    for p in parts:
        d = _conv(d, p)
    return {m + h: p for m, p in d.items()}


def _ladder(ions: list[tuple[dict[int, float], float]]) -> dict[int, float]:
    tot: dict[int, float] = {}
    for pattern, weight in ions:
        for m, p in pattern.items():
            tot[m] = tot.get(m, 0.0) + weight * p
    top = max(tot.values())
    return {m: 100.0 * v / top for m, v in sorted(tot.items()) if 100.0 * v / top >= 0.05}


def computed_records() -> list[tuple[str, str, int, str, dict[int, float], str]]:
    ge2, ge3 = _conv(GE, GE), _conv(_conv(GE, GE), GE)
    recs: list[tuple[str, str, int, str, dict[int, float], str]] = []
    geh4 = _ladder([(_ion(GE, h=n), w) for n, w in ((0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 0.1))])
    recs.append(("Germane", "GeH4", 78, "7782-65-2", geh4,
                 "COMPUTED: natural-abundance Ge isotope pattern of the ions GeHn+ (n = 0..4); ASSUMED "
                 "fragment abundances Ge+:GeH+:GeH2+:GeH3+:GeH4+ = 1:1:1:1:0.1 (no public EI spectrum found)"))
    geh3cl = _ladder([(_ion(GE, h=n), 1.0) for n in range(4)] + [(_ion(GE, CL, h=n), 0.5) for n in range(4)])
    recs.append(("Chlorogermane", "GeH3Cl", 112, "13637-65-5", geh3cl,
                 "COMPUTED: natural Ge and Cl isotope patterns of GeHn+ and GeHnCl+ (n = 0..3); ASSUMED "
                 "abundances GeHn+ 1 each, GeHnCl+ 0.5 each (no public EI spectrum found)"))
    ge2h6 = _ladder([(_ion(ge2, h=n), 1.0) for n in range(7)] + [(_ion(GE, h=n), 0.5) for n in range(4)])
    recs.append(("Digermane", "Ge2H6", 154, "13818-89-8", ge2h6,
                 "COMPUTED: natural Ge isotope patterns of Ge2Hn+ (n = 0..6, 1 each) and GeHn+ (n = 0..3, 0.5 "
                 "each); fragment abundances ASSUMED (no public EI spectrum found)"))
    ge3h8 = _ladder([(_ion(ge3, h=n), 1.0) for n in range(9)] + [(_ion(ge2, h=n), 0.5) for n in range(7)])
    recs.append(("Trigermane", "Ge3H8", 230, "14691-44-2", ge3h8,
                 "COMPUTED: natural Ge isotope patterns of Ge3Hn+ (n = 0..8, 1 each) and Ge2Hn+ (n = 0..6, 0.5 "
                 "each); fragment abundances ASSUMED (no public EI spectrum found)"))
    as_ = {75: 1.0}
    ash3 = _ladder([(_ion(as_, h=n), w) for n, w in ((0, 0.6), (1, 0.5), (2, 0.6), (3, 1.0))])
    recs.append(("Arsine", "AsH3", 78, "7784-42-1", ash3,
                 "COMPUTED: monoisotopic As; ASSUMED abundances As+:AsH+:AsH2+:AsH3+ = 0.6:0.5:0.6:1 "
                 "(no public EI spectrum found)"))
    cs2 = _ladder([(_ion(C, S, S), 1.0), (_ion(S), 0.22), (_ion(C, S), 0.17), (_ion(C), 0.03)])
    recs.append(("Carbon disulfide", "CS2", 76, "75-15-0", cs2,
                 "COMPUTED: natural C and S isotope patterns of CS2+ (1), S+ (0.22), CS+ (0.17), C+ (0.03); "
                 "fragment abundances ESTIMATED from typical published spectra"))
    return recs


def build_text() -> str:
    from cellworks.gcms.library import LibrarySpectrum, format_msp
    from cellworks.gcms.retention import DERIVED_RI_UNCERTAINTY, derived_library_ri, load_boiling_points

    specs = []
    for name, formula, mw, cas, peaks in SRS_RECORDS:
        specs.append((name, formula, mw, cas, peaks, SRS))
    for name, formula, mw, cas, peaks in EST_RECORDS:
        specs.append((name, formula, mw, cas, peaks, EST))
    specs.extend(computed_records())
    bps = load_boiling_points()
    out = []
    for name, formula, mw, cas, peaks, src in specs:
        ri_info = derived_library_ri(name, formula, cas)
        extra: dict[str, str] = {}
        ri = None
        if ri_info is not None:
            ri, kind, unc = ri_info
            extra = {"RI_Kind": kind, "RI_Uncertainty": f"{unc:g}"}
            if kind == "exact":
                src += " | RI: n-alkane, 100 x carbon number by definition (Kovats 1958)"
            else:
                _, bp, bp_src = bps[cas]
                src += (f" | RI: derived from the normal boiling point {bp:g} C ({bp_src}, boiling_points.csv) "
                        f"by interpolation between the n-alkane boiling points; uncertainty "
                        f"{DERIVED_RI_UNCERTAINTY:g} units (assumed)")
        mz = np.array(sorted(peaks), dtype=float)
        y = np.array([peaks[int(m)] for m in mz])
        y = np.round(999.0 * y / y.max(), 1)
        out.append(LibrarySpectrum(name, formula, float(mw), cas, ri, mz, y, src, extra))
    header = ("# cellworks built-in EI (70 eV) library. Every record names its source in 'Source:'.\n"
              "# RI: exact for n-alkanes (100 x n); for other hydrocarbons derived from the normal boiling point\n"
              "# (RI_Kind: derived, RI_Uncertainty in index units); absent where neither applies.\n"
              "# Regenerate with: python -m cellworks.gcms.data.make_builtin_msp\n\n")
    return header + format_msp(out)


def main() -> None:
    path = Path(__file__).with_name("builtin_ei.msp")
    path.write_text(build_text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
