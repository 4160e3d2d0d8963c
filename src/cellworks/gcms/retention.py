"""Retention indices: the van den Dool–Kratz index from an n-alkane ladder, the n-alkanes of a run
found automatically, and library retention indices derived from boiling points.

* **Index of a peak** (van den Dool & Kratz, J. Chromatogr. 11 (1963) 463, for temperature
  programmes): ``RI = 100·(n + (t − t_n)/(t_{n+1} − t_n))`` between the bracketing n-alkanes;
  undefined outside the ladder (no extrapolation: the spacing of the alkanes changes along a
  programme).
* **n-Alkanes of a run** (:func:`alkane_carbon_number`): a component is taken as n-CₙH₂ₙ₊₂ from its
  characteristic ions (McLafferty & Tureček, *Interpretation of Mass Spectra*, 4th ed., ch. 8):
  the alkyl series CₖH₂ₖ₊₁⁺ (m/z 43, 57, and 71 from n = 7 on) carries the base peak and at least a
  fifth of it on each member, the molecular ion M⁺ = 14n + 2 is present (≥ 1 % of the base peak; chain branching
  weakens it), nothing heavier than M⁺ + 1 is significant, and M − 15 stays below M⁺ (a methyl
  branch makes M − 15 stronger). Of several components giving the same n, the one with the
  largest peak is taken (branched isomers rarely pass the M⁺ test at all: isooctane has none). The
  rungs must elute in carbon-number order.
* **Library retention indices**: n-alkanes are exact by definition (RI = 100·n; Kováts, Helv.
  Chim. Acta 41 (1958) 1915). No openly citable table of measured indices of the other library
  compounds was reachable when the library was built, so their index is **derived** from the
  normal boiling point by interpolating between the n-alkanes' boiling points (the
  boiling-point index): on dimethylpolysiloxane phases hydrocarbons elute essentially in
  boiling-point order. The derived index carries an uncertainty of ``DERIVED_RI_UNCERTAINTY``
  units (an assumption: on these phases alkylbenzenes elute some 10–20 units later than their
  boiling-point index and highly branched alkanes and polycyclic aromatics up to ~30 units
  earlier), which widens the retention-index window of those records. Only hydrocarbons (C and
  H only) get a derived index; polar compounds (alcohols, ethers, ketones) and halocarbons deviate
  far more from boiling-point order and get none.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cellworks.errors import ParameterError

BOILING_POINTS_CSV = Path(__file__).with_name("data") / "boiling_points.csv"

#: Default half-width of the retention-index window for an exact or cited library index (units).
#: Inter-laboratory scatter of non-polar indices of hydrocarbons is about ±10 units and the
#: van den Dool–Kratz interpolation adds a few units between sparse ladder rungs.
DEFAULT_RI_WINDOW = 20.0
#: Uncertainty (units) added to the window for an index derived from the boiling point (see the
#: module docstring: an assumption, stated, that widens and never narrows the window).
DERIVED_RI_UNCERTAINTY = 30.0

_ALKANE_NAMES = {
    1: "Methane", 2: "Ethane", 3: "Propane", 4: "n-Butane", 5: "n-Pentane", 6: "n-Hexane",
    7: "n-Heptane", 8: "n-Octane", 9: "n-Nonane", 10: "n-Decane", 11: "n-Undecane", 12: "n-Dodecane",
    13: "n-Tridecane", 14: "n-Tetradecane", 15: "n-Pentadecane", 16: "n-Hexadecane",
}
#: n-alkane library names → carbon number (also the unprefixed spellings NIST uses: "Decane").
N_ALKANES: dict[str, int] = {**{v.lower(): k for k, v in _ALKANE_NAMES.items()},
                             **{v[2:].lower(): k for k, v in _ALKANE_NAMES.items() if v.startswith("n-")}}


def alkane_number(name: str) -> int | None:
    """Carbon number of an n-alkane library name (``"n-Heptane"`` → 7), else ``None``."""
    return N_ALKANES.get(name.strip().lower())


def retention_index(t_s: npt.ArrayLike, ladder: Mapping[int, float]) -> npt.NDArray[np.float64]:
    """Linear (temperature-programmed) retention indices from an n-alkane ladder
    ``{carbon number: retention time s}``; NaN outside the ladder."""
    if len(ladder) < 2:
        raise ParameterError("an alkane ladder needs at least two n-alkanes", field="ladder")
    items = sorted(ladder.items(), key=lambda kv: kv[1])
    n = np.array([k for k, _ in items], dtype=np.float64)
    tr = np.array([v for _, v in items], dtype=np.float64)
    if np.any(np.diff(tr) <= 0) or np.any(np.diff(n) <= 0):
        raise ParameterError("ladder retention times must increase with carbon number", field="ladder")
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    out = np.full(t.shape, np.nan)
    k = np.searchsorted(tr, t, side="right") - 1
    ok = (k >= 0) & (k < tr.size - 1)
    kk = k[ok]
    out[ok] = 100.0 * (n[kk] + (n[kk + 1] - n[kk]) * (t[ok] - tr[kk]) / (tr[kk + 1] - tr[kk]))
    exact = t == tr[-1]
    out[exact] = 100.0 * n[-1]
    return out


@functools.lru_cache(maxsize=1)
def load_boiling_points() -> dict[str, tuple[str, float, str]]:
    """``{CAS: (name, normal boiling point °C, source)}`` from ``data/boiling_points.csv``."""
    lines = [ln for ln in BOILING_POINTS_CSV.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    out: dict[str, tuple[str, float, str]] = {}
    for row in csv.DictReader(lines):
        out[row["cas"]] = (row["name"], float(row["bp_C"]), row["source"])
    return out


def _alkane_boiling_points() -> list[tuple[int, float]]:
    bps = load_boiling_points()
    by_name = {name: bp for name, bp, _ in bps.values()}
    return sorted((n, by_name[name]) for n, name in _ALKANE_NAMES.items() if name in by_name)


def boiling_point_index(bp_C: float) -> float:
    """Boiling-point index: 100·(n + (T_b − T_b,n)/(T_b,n+1 − T_b,n)) between the n-alkanes whose
    normal boiling points bracket ``bp_C``; NaN outside the tabulated alkanes."""
    alk = _alkane_boiling_points()
    for (n0, b0), (n1, b1) in zip(alk, alk[1:], strict=False):
        if b0 <= bp_C <= b1:
            return 100.0 * (n0 + (n1 - n0) * (bp_C - b0) / (b1 - b0))
    return math.nan


def is_hydrocarbon(formula: str) -> bool:
    """True for a formula of carbon and hydrogen only (``C7H8``)."""
    import re

    parts = re.findall(r"([A-Z][a-z]?)(\d*)", formula.strip())
    return bool(parts) and {el for el, _ in parts} <= {"C", "H"} and "C" in {el for el, _ in parts}


def derived_library_ri(name: str, formula: str, cas: str) -> tuple[float, str, float] | None:
    """``(RI, kind, uncertainty)`` of a library compound: exact for an n-alkane, derived from the
    boiling point for another hydrocarbon with a tabulated boiling point, else ``None``."""
    n = alkane_number(name)
    if n is not None:
        return 100.0 * n, "exact", 0.0
    bp = load_boiling_points().get(cas)
    if bp is None or not is_hydrocarbon(formula):
        return None
    ri = boiling_point_index(bp[1])
    if not math.isfinite(ri):
        return None
    return round(ri, 1), "derived", DERIVED_RI_UNCERTAINTY


# ----------------------------------------------------------------------------- n-alkanes of a run
ALKYL_SERIES = (43, 57, 71)


def alkane_carbon_number(mz: npt.ArrayLike, intensity: npt.ArrayLike, n_min: int = 5,
                         n_max: int = 40) -> tuple[int, float] | None:
    """``(n, relative M⁺)`` when a spectrum has the characteristic ions of n-CₙH₂ₙ₊₂ (module
    docstring), else ``None``."""
    m = np.asarray(mz, dtype=np.float64)
    y = np.asarray(intensity, dtype=np.float64)
    if m.size == 0 or not np.any(y > 0):
        return None
    nm = np.rint(m).astype(np.int64)
    spec: dict[int, float] = {}
    for a, b in zip(nm.tolist(), y.tolist(), strict=True):
        spec[a] = spec.get(a, 0.0) + b
    top = max(spec.values())
    base = max(spec, key=lambda k: spec[k])
    if base not in (43, 57):
        return None
    best: tuple[int, float] | None = None
    for n in range(n_min, n_max + 1):
        mol = 14 * n + 2
        if any(spec.get(a, 0.0) < 0.2 * top for a in ALKYL_SERIES if a < mol - 15):
            continue
        rel = spec.get(mol, 0.0) / top
        if rel < 0.01:
            continue
        heavier = [v for k, v in spec.items() if k > mol + 1 and v >= 0.03 * top]
        if heavier:
            continue
        if spec.get(mol - 15, 0.0) >= spec.get(mol, 0.0):
            continue
        best = (n, rel)
    return best


def alkane_ladder(candidates: Sequence[tuple[float, int, float]]) -> dict[int, float]:
    """From ``(rt_s, n, peak area)`` candidates: per n the largest peak, then the longest run of
    rungs whose retention times increase with n. Returns ``{n: rt_s}``."""
    per_n: dict[int, tuple[float, float]] = {}
    for rt, n, area in candidates:
        if n not in per_n or area > per_n[n][1]:
            per_n[n] = (rt, area)
    items = sorted((n, rt) for n, (rt, _) in per_n.items())
    # longest subsequence increasing in both n and rt (a rung out of order is dropped)
    length = [1] * len(items)
    prev = [-1] * len(items)
    for j in range(len(items)):
        for i in range(j):
            if items[i][1] < items[j][1] and length[i] + 1 > length[j]:
                length[j], prev[j] = length[i] + 1, i
    if not items or max(length) < 2:
        return {}
    k = int(np.argmax(length))
    chain = []
    while k >= 0:
        chain.append(items[k])
        k = prev[k]
    chain.reverse()
    # spacing: the interval to the next alkane grows at most by the CH₂ separation factor of an
    # isothermal section (≈ 2–3 on dimethylpolysiloxane near ambient temperature; a temperature
    # programme makes it tend to 1). A rung much closer to the next one than that allows is not the
    # n-alkane (e.g. an isotope peak of M − 15 of a branched isomer taken for M⁺); checked from the
    # late, well-resolved end of the ladder backwards.
    kept = [chain[-1]]
    next_gap: float | None = None
    for n, rt in reversed(chain[:-1]):
        gap = (kept[-1][1] - rt) / (kept[-1][0] - n)
        if next_gap is not None and next_gap / gap > MAX_CH2_SEPARATION_FACTOR:
            continue
        kept.append((n, rt))
        next_gap = gap
    return dict(sorted(kept)) if len(kept) >= 2 else {}


#: Largest ratio of consecutive alkane intervals accepted in an automatic ladder (see above).
MAX_CH2_SEPARATION_FACTOR = 4.0
