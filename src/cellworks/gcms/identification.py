"""Identification of a whole run: library candidates per component, retention indices, and one
assignment of compounds to components over the run.

Steps (each a small function; :func:`identify_run` chains them):

1. :func:`search_components` — Biller–Biemann components (:func:`cellworks.gcms.peaks.deconvolve`)
   searched by identity match factor (exact top-k, :class:`cellworks.gcms.search.SearchIndex`); the
   reverse match factor (RMF: the unknown's ions absent from the reference ignored) is computed
   for every candidate.
2. :func:`find_ladder` — the n-alkane ladder: given, or found in the run from the alkanes'
   characteristic ions (:func:`cellworks.gcms.retention.alkane_carbon_number`); van den Dool–Kratz
   indices for every component inside it.
3. :func:`judge_candidates` — a candidate is *acceptable* when MF ≥ ``min_mf``, RMF ≥ ``min_rmf``
   and, whenever both the component and the library record have a retention index, |ΔRI| ≤ the
   window (``ri_window``, widened by the record's stated RI uncertainty). Its score is
   ½(MF + RMF) − 100·(ΔRI/window)².
4. :func:`assign` — acceptable pairs are taken best score first; a compound is given to at most
   one component (unless ``allow_repeats``) and a component gets at most one compound, so a
   compound elutes once. Components left without a compound are ``unknown`` and list their
   candidates with the reason each was not taken.
5. Confidence per identification: ``MF+RI`` (measured reference spectrum, RI compared and inside
   the window), ``MF only`` (measured reference, no RI comparison possible), ``tentative`` (the
   reference is an ESTIMATE or COMPUTED record, or the peak is saturated and its ion ratios are
   distorted).

Thresholds: the NIST MS Search documentation's rough guide reads MF > 900 excellent, 800–900 good,
700–800 fair, < 600 very poor. The built-in library holds principal ions only, which lowers the
identity MF of a complete measured spectrum (every unmatched ion of the unknown counts) but not
its reverse MF, so the defaults ask for a "good" reverse match and a not-"very poor" identity
match: ``min_rmf = 800``, ``min_mf = 600``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.gcms.retention import DEFAULT_RI_WINDOW

if TYPE_CHECKING:
    from cellworks.gcms.library import Library
    from cellworks.gcms.peaks import Component, PeakParams
    from cellworks.gcms.run import Run

#: score penalty at the edge of the RI window (score units of ½(MF + RMF))
RI_PENALTY = 100.0
#: two candidates of one component whose scores differ by less than this are indistinguishable
#: (listed as alternatives, e.g. co-eluting m-/p-xylene with near-identical spectra)
INDISTINGUISHABLE = 25.0


@dataclass(frozen=True)
class IdentifyParams:
    """Parameters of :func:`identify_run` (defaults stated in the module docstring)."""

    min_mf: int = 600
    min_rmf: int = 800
    ri_window: float = DEFAULT_RI_WINDOW
    top_k: int = 20
    allow_repeats: bool = False
    exclude_estimates: bool = False
    source: str = ("NIST MS Search guide to match factors; van den Dool & Kratz, J. Chromatogr. 11 (1963) 463 "
                   "(retention index); cellworks.gcms.retention (window and derived indices)")

    def __post_init__(self) -> None:
        if not 0 <= self.min_mf <= 999:
            raise ParameterError("must be within 0..999", field="min_mf")
        if not 0 <= self.min_rmf <= 999:
            raise ParameterError("must be within 0..999", field="min_rmf")
        if not (math.isfinite(self.ri_window) and self.ri_window > 0):
            raise ParameterError("must be a positive number of index units", field="ri_window")
        if self.top_k < 1:
            raise ParameterError("must be >= 1", field="top_k")


@dataclass
class Ladder:
    """The n-alkane ladder used for retention indices and where it came from."""

    rt_s: dict[int, float] = field(default_factory=dict)
    origin: str = "none"
    evidence: list[dict[str, Any]] = field(default_factory=list)


def select_library(lib: Library, exclude_estimates: bool) -> tuple[Library, list[int]]:
    """The library to search (ESTIMATE and COMPUTED records dropped on request) and the indices of
    its records in ``lib``."""
    from cellworks.gcms.library import Library as Lib

    keep = [i for i, s in enumerate(lib.spectra) if s.is_measured or not exclude_estimates]
    if len(keep) == len(lib.spectra):
        return lib, keep
    return Lib(tuple(lib.spectra[i] for i in keep), lib.name + " (measured records only)", lib.path), keep


def search_components(comps: Sequence[Component], lib: Library, top_k: int) -> list[list[dict[str, Any]]]:
    """Top-``top_k`` candidates of every component by identity MF, with their reverse MF."""
    from cellworks.gcms.scores import reverse_match_factor, to_score
    from cellworks.gcms.search import SearchIndex

    index = SearchIndex.from_library(lib)
    out: list[list[dict[str, Any]]] = []
    for c in comps:
        idx, sc = index.query(c.mz, c.intensity, top_k)
        hits = []
        for i, score in zip(idx.tolist(), sc.tolist(), strict=True):
            spec = lib[i]
            hits.append({
                "name": spec.name, "formula": spec.formula, "cas": spec.cas, "library_index": i,
                "library_ri": spec.ri, "ri_kind": spec.ri_kind, "ri_uncertainty": spec.ri_uncertainty,
                "mf": to_score(score), "rmf": reverse_match_factor(c.mz, c.intensity, spec.mz, spec.intensity),
                "source_kind": spec.kind, "measured": spec.is_measured,
            })
        out.append(hits)
    return out


def find_ladder(comps: Sequence[Component], given_s: Mapping[int, float] | None = None) -> Ladder:
    """The ladder ``{carbon number: rt s}``: ``given_s`` if any, else the n-alkanes of the run."""
    from cellworks.gcms.retention import alkane_carbon_number, alkane_ladder

    if given_s:
        return Ladder(dict(sorted(given_s.items())), "given")
    cands = []
    for c in comps:
        hit = alkane_carbon_number(c.mz, c.intensity)
        if hit is not None:
            cands.append((c.apex_time_s, hit[0], float(c.peak.area)))
    rungs = alkane_ladder(cands)
    if not rungs:
        return Ladder({}, "none (fewer than two n-alkanes recognised)")
    evidence = []
    for n, rt in rungs.items():
        c = min(comps, key=lambda c: abs(c.apex_time_s - rt))
        rel = alkane_carbon_number(c.mz, c.intensity)
        evidence.append({"n": n, "rt_min": rt / 60.0, "molecular_ion_mz": 14 * n + 2,
                         "molecular_ion_rel": None if rel is None else round(rel[1], 4)})
    return Ladder(rungs, "auto: n-alkanes recognised by M+ = 14n+2 and the alkyl series 43/57/71", evidence)


def component_ri(comps: Sequence[Component], ladder: Ladder) -> list[float | None]:
    """van den Dool–Kratz index of every component (None outside the ladder or without one)."""
    from cellworks.gcms.retention import retention_index

    if len(ladder.rt_s) < 2:
        return [None] * len(comps)
    ri = retention_index([c.apex_time_s for c in comps], ladder.rt_s)
    return [float(v) if math.isfinite(v) else None for v in ri.tolist()]


def judge_candidates(hits: list[dict[str, Any]], ri: float | None, params: IdentifyParams) -> None:
    """Add ``delta_ri``, ``ri_window``, ``acceptable``, ``reasons`` and ``score`` to each hit."""
    for h in hits:
        reasons = []
        if h["mf"] < params.min_mf:
            reasons.append(f"MF {h['mf']} < {params.min_mf}")
        if h["rmf"] < params.min_rmf:
            reasons.append(f"RMF {h['rmf']} < {params.min_rmf}")
        window = params.ri_window + float(h["ri_uncertainty"] or 0.0)
        delta = None if ri is None or h["library_ri"] is None else ri - float(h["library_ri"])
        h["ri_window"] = window if h["library_ri"] is not None else None
        h["delta_ri"] = None if delta is None else round(delta, 1)
        if delta is not None and abs(delta) > window:
            reasons.append(f"RI {ri:.0f} outside {h['library_ri']:.0f} ± {window:.0f}")
        penalty = 0.0 if delta is None else RI_PENALTY * min((delta / window) ** 2, 4.0)
        h["score"] = round(0.5 * (h["mf"] + h["rmf"]) - penalty, 1)
        h["acceptable"] = not reasons
        h["reasons"] = reasons


def assign(rows: list[dict[str, Any]], allow_repeats: bool = False) -> None:
    """Give each component at most one acceptable candidate (``row["best"]``), best score first; a
    compound goes to one component only unless ``allow_repeats``. Then pairs of assignments are
    swapped while that raises the summed score (spectrally near-identical isomers, e.g. the xylenes,
    are then placed by their retention indices), and :func:`elution_order_violation` withdraws
    identifications that contradict the library indices' order (:func:`elution_order_violation`;
    the withdrawn pair is forbidden and the assignment repeated)."""
    forbidden: set[tuple[int, str]] = set()
    for row in rows:
        row["withdrawn"] = []
    while True:
        _greedy(rows, allow_repeats, forbidden)
        if not allow_repeats:
            _swap_improve(rows, forbidden)
        bad = elution_order_violation(rows)
        if bad is None:
            break
        weak, other = bad
        h = weak["best"]
        h["reasons"] = [*h["reasons"], f"elution order: library RI {h['library_ri']:.0f} contradicts "
                        f"{other['best']['name']} (RI {other['best']['library_ri']:.0f}) at {other['rt_min']:.3f} min"]
        weak["withdrawn"].append(h["name"])
        forbidden.add((rows.index(weak), h["name"]))
    owner = {row["best"]["name"]: ci for ci, row in enumerate(rows) if row["best"] is not None}
    for ci, row in enumerate(rows):
        for h in row["candidates"]:
            o = owner.get(h["name"])
            if h["acceptable"] and o is not None and o != ci and row["best"] is not h:
                h["reasons"] = [*h["reasons"], f"assigned to the component at {rows[o]['rt_min']:.3f} min"]


def _greedy(rows: list[dict[str, Any]], allow_repeats: bool, forbidden: set[tuple[int, str]]) -> None:
    pairs = [(h["score"], float(row["area"]), ci, hi) for ci, row in enumerate(rows)
             for hi, h in enumerate(row["candidates"]) if h["acceptable"] and (ci, h["name"]) not in forbidden]
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    taken: set[str] = set()
    for row in rows:
        row["best"] = None
    for _, _, ci, hi in pairs:
        row = rows[ci]
        h = row["candidates"][hi]
        if row["best"] is not None or (not allow_repeats and h["name"] in taken):
            continue
        row["best"] = h
        taken.add(h["name"])


def _acceptable(rows: list[dict[str, Any]], i: int, name: str, forbidden: set[tuple[int, str]]) -> dict[str, Any] | None:
    if (i, name) in forbidden:
        return None
    return next((h for h in rows[i]["candidates"] if h["name"] == name and h["acceptable"]), None)


def _swap_improve(rows: list[dict[str, Any]], forbidden: set[tuple[int, str]], max_rounds: int = 20) -> None:
    """Exchange the compounds of two components when both exchanged pairs are acceptable and the
    summed score rises (a 2-opt step on the greedy assignment's objective)."""
    for _ in range(max_rounds):
        improved = False
        ids = [i for i, r in enumerate(rows) if r["best"] is not None]
        for a_pos, i in enumerate(ids):
            for j in ids[a_pos + 1:]:
                bi, bj = rows[i]["best"], rows[j]["best"]
                hi, hj = _acceptable(rows, i, bj["name"], forbidden), _acceptable(rows, j, bi["name"], forbidden)
                if hi is not None and hj is not None and hi["score"] + hj["score"] > bi["score"] + bj["score"] + 1e-9:
                    rows[i]["best"], rows[j]["best"] = hi, hj
                    improved = True
        if not improved:
            return


_RANK = {"MF+RI": 2, "MF only": 1, "tentative": 0}


def elution_order_violation(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """On one column compounds elute in the order of their retention indices: two identifications
    A before B whose library indices say B before A even at the ends of their uncertainties
    (RI_A − u_A > RI_B + u_B) cannot both hold. Returns ``(weaker, other)`` of the first such pair
    (weaker: lower confidence, then lower score), or None; :func:`assign` withdraws the weaker and
    assigns again without it."""
    ident = sorted((r for r in rows if r["best"] is not None and r["best"]["library_ri"] is not None),
                   key=lambda r: float(r["rt_s"]))
    for a_pos, ra in enumerate(ident):
        for rb in ident[a_pos + 1:]:
            ha, hb = ra["best"], rb["best"]
            if float(ha["library_ri"]) - ha["ri_uncertainty"] > float(hb["library_ri"]) + hb["ri_uncertainty"]:
                weak = min((ra, rb), key=lambda r: (_RANK.get(confidence(r) or "", -1), r["best"]["score"]))
                return weak, (rb if weak is ra else ra)
    return None


def confidence(row: Mapping[str, Any]) -> str | None:
    """``MF+RI`` | ``MF only`` | ``tentative`` for an identified component, else None."""
    h = row.get("best")
    if h is None:
        return None
    if not h["measured"] or row.get("saturated"):
        return "tentative"
    return "MF+RI" if h["delta_ri"] is not None else "MF only"


def _component_row(c: Component, hits: list[dict[str, Any]], ri: float | None) -> dict[str, Any]:
    return {"rt_s": c.apex_time_s, "rt_min": c.apex_time_s / 60.0, "scan": c.apex_scan, "ri": ri,
            "area": c.peak.area, "height": c.peak.height, "snr": c.peak.snr, "fwhm_s": c.peak.fwhm_s,
            "start_s": c.peak.start_time_s, "end_s": c.peak.end_time_s, "n_ions": c.n_ions,
            "saturated": bool(c.peak.saturated),
            "spectrum": {"mz": c.mz.tolist(), "intensity": c.intensity.tolist()}, "candidates": hits}


def identify_run(run: Run, library: Library | Sequence[Any] | None = None, params: IdentifyParams | None = None, *,
                 ladder_s: Mapping[int, float] | None = None, peak_params: PeakParams | None = None,
                 t_range_s: tuple[float, float] | None = None) -> dict[str, Any]:
    """Identify every component of ``run`` (module docstring); a JSON-ready report.

    Each component has ``status`` (``identified``/``unknown``), ``name`` (``"unknown"`` when no
    acceptable candidate remains), ``confidence``, ``ri``, the assigned hit ``best`` and its
    ``candidates`` (each with MF, RMF, ΔRI, window, score, and why it was not taken).
    ``library`` may be a :class:`~cellworks.gcms.library.Library` or a list of matchms
    ``Spectrum`` objects; :func:`cellworks.gcms.matchms_io.components_to_matchms` turns the report's
    components back into matchms spectra.
    """
    from cellworks.gcms.library import Library as Lib
    from cellworks.gcms.library import library_sources, load_builtin
    from cellworks.gcms.peaks import deconvolve

    p = params or IdentifyParams()
    if library is not None and not isinstance(library, Lib):
        from cellworks.gcms.matchms_io import library_from_matchms

        library = library_from_matchms(library)  # matchms Spectrum objects
    full = library if library is not None else load_builtin()
    lib, _ = select_library(full, p.exclude_estimates)
    comps = deconvolve(run, peak_params, t_range_s=t_range_s)
    hits = search_components(comps, lib, p.top_k)
    ladder = find_ladder(comps, ladder_s)
    ris = component_ri(comps, ladder)
    rows = []
    for c, h, ri in zip(comps, hits, ris, strict=True):
        judge_candidates(h, ri, p)
        rows.append(_component_row(c, h, ri))
    assign(rows, p.allow_repeats)
    for row in rows:
        best = row["best"]
        row["identified"] = best is not None
        row["status"] = "identified" if best is not None else "unknown"
        row["name"] = best["name"] if best is not None else "unknown"
        row["confidence"] = confidence(row)
    assigned = {r["name"] for r in rows if r["identified"]}
    for row in rows:
        best = row["best"]
        row["alternatives"] = [] if best is None else [
            h["name"] for h in row["candidates"] if h is not best and h["acceptable"] and h["name"] not in assigned
            and h["formula"] == best["formula"] and best["score"] - h["score"] < INDISTINGUISHABLE]
    n_id = sum(r["identified"] for r in rows)
    by_conf = {k: sum(1 for r in rows if r["confidence"] == k) for k in ("MF+RI", "MF only", "tentative")}
    return {
        "source": run.source, "n_scans": run.n_scans, "library": lib.name, "library_size": len(lib),
        "library_sources": library_sources(lib),
        "params": {"min_mf": p.min_mf, "min_rmf": p.min_rmf, "ri_window": p.ri_window,
                   "allow_repeats": p.allow_repeats, "exclude_estimates": p.exclude_estimates,
                   "top_k": p.top_k, "source": p.source},
        "min_mf": p.min_mf,
        "ladder_s": {str(k): v for k, v in sorted(ladder.rt_s.items())}, "ladder_origin": ladder.origin,
        "ladder_evidence": ladder.evidence,
        "summary": {"components": len(rows), "identified": n_id, "unknown": len(rows) - n_id, **by_conf},
        "components": rows,
    }


def identify(run: Run | str | Any, library: Library | Sequence[Any] | None = None,
             params: IdentifyParams | None = None, **kwargs: Any) -> dict[str, Any]:
    """:func:`identify_run` on a run or a run file path (any format :func:`cellworks.gcms.read_run`
    reads), e.g. ``identify("tests/data/gcms/agilent-gcms-gasoline.cdf")["summary"]``.

    >>> import cellworks
    >>> report = cellworks.gcms.identify("tests/data/gcms/agilent-gcms-gasoline.cdf", t_range_s=(235.0, 265.0))
    >>> "Toluene" in [c["name"] for c in report["components"]]  # elutes at 4.17 min in this gasoline run
    True
    """
    from cellworks.gcms.run import Run as RunType

    if not isinstance(run, RunType):
        from cellworks.gcms.readers import read_run

        run = read_run(run)
    return identify_run(run, library, params, **kwargs)
