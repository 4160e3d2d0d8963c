"""Report sections of ``cellworks.gcms``: the gasoline run identified (``cellworks demo``), and the
impurity analysis of document 002 (``cellworks gcms analyze --report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cellworks.gcms.quant import CS2_RATIO_DOCUMENT
from cellworks.report import Figure, Section, Table, figure_png, formula, sig, value_unc
from cellworks.report.format import MINUS

#: Cₘᵢₙ, the document's minimum detectable concentration, with real subscripts
C_MIN = "Cₘᵢₙ"


def _boiling_points() -> dict[str, float]:
    """Normal boiling points (°C) by compound name (``gcms/data/boiling_points.csv``)."""
    from cellworks.gcms.retention import load_boiling_points

    return {name: bp for name, bp, _ in load_boiling_points().values()}


def _find_run() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[3] / "tests" / "data" / "gcms" / "agilent-gcms-gasoline.cdf",
                 here.parents[4] / "shared" / "fixtures" / "gcms" / "agilent-gcms-gasoline.cdf"):
        if cand.exists():
            return cand
    return None


def build_section(workdir: Path, quick: bool = False) -> Section:
    """The gasoline run identified (whole run and zoom), hand-worked match factors, and the
    impurity analysis of document 002 on synthesised runs (``cellworks demo``)."""
    from cellworks.gcms.identification import identify_run
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.plots import eic_figure, mirror_figure, tic_figure
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.scores import match_factor

    figures: list[Figure] = []
    tables: list[Table] = []
    # (the document's swapped SIM ions of benzene and toluene are noted once, by the analysis itself)
    notes: list[str] = []
    lib = load_builtin()
    run_path = _find_run()
    if run_path is not None:
        run = read_run(run_path)
        rep = identify_run(run, lib, t_range_s=(60.0, 720.0) if quick else None)
        comps = [c for c in rep["components"] if c["identified"]]
        labels = [(float(c["rt_s"]), c["name"]) for c in comps]
        figures.append(Figure(figure_png(tic_figure(run, labels, "gasoline (P071 Essence super BP), TIC")),
                              "Whole run (agilent-gcms-gasoline.cdf, 6401 scans, 0–63 min): identified "
                              "components numbered in elution order and named in the table under the plot."))
        figures.append(Figure(figure_png(tic_figure(run, labels, "gasoline, 1.5–11 min", t_range_min=(1.5, 11.0))),
                              "The same run zoomed to 1.5–11 min, where most components elute."))
        figures.append(Figure(figure_png(eic_figure(run, [57, 78, 91, 106], t_range_min=(1.5, 11.0))),
                              "Extracted-ion chromatograms (unit mass): m/z 57 alkanes, 78 benzene, 91 alkyl "
                              "benzenes, 106 C₈ aromatics."))
        tol = next((c for c in comps if c["name"] == "Toluene"), None)
        if tol is not None:
            spec = lib[int(tol["best"]["library_index"])]
            figures.append(Figure(figure_png(mirror_figure(
                tol["spectrum"]["mz"], tol["spectrum"]["intensity"], spec.mz, spec.intensity,
                f"deconvolved, {tol['rt_min']:.2f} min", "library: Toluene (SRS)",
                f"Toluene: MF {tol['best']['mf']}, RMF {tol['best']['rmf']}")),
                f"Mirror plot of toluene at {tol['rt_min']:.2f} min: the clean (background-subtracted, deconvolved) "
                "apex spectrum (top) against the library spectrum (below), each scaled to a base peak of 999; "
                f"MF {tol['best']['mf']}, RMF {tol['best']['rmf']} on the 0–999 scale."))
        rows = []
        bps = _boiling_points()
        for k, c in enumerate(comps, start=1):
            b = c["best"]
            bp = bps.get(b["name"])
            # retention times to 0.01 min (the figure's legend), b.p. to 0.1 °C as the CRC tables give them
            rows.append((k, f"{c['rt_min']:.2f}", "" if c["ri"] is None else f"{c['ri']:.0f}", b["name"],
                         "" if b["library_ri"] is None else f"{b['library_ri']:.0f} ({b['ri_kind']})",
                         b["mf"], b["rmf"], c["confidence"], "" if bp is None else f"{bp:.1f}".replace("-", MINUS)))
        tables.append(Table(("no.", "retention time / min", "RI, run (–)", "compound", "RI, library (–)", "MF (–)",
                             "RMF (–)", "confidence", "b.p. / °C (CRC)"), tuple(rows),
                            f"{rep['summary']['identified']} of {rep['summary']['components']} components identified "
                            f"(the others are 'unknown'); one component per compound. RI: van den Dool–Kratz from the "
                            f"n-alkanes found in the run ({', '.join(formula('C' + k) for k in rep['ladder_s'])}). "
                            "MF, RMF: identity and reverse NIST match factors on the 0–999 scale. Confidence: "
                            "MF+RI (measured reference, RI inside the window), MF only (no RI to compare), tentative "
                            "(ESTIMATE reference spectrum or saturated peak)."))
        notes.append("The built-in library's hydrocarbon and gas spectra are SRS RGA patterns (MIT, principal ions "
                     "only); branched alkanes, trimethylbenzenes and a few others are ESTIMATES (identifications based "
                     "on them are 'tentative'). Library RIs: exact for n-alkanes, otherwise derived from the boiling "
                     "point with a stated ±30 uncertainty.")
    else:
        notes.append("gasoline fixture not found: the run figures are skipped.")
    # hand-worked match factors (tests/gcms/test_scores.py)
    tables.append(Table(("pair", "MF, worked on paper (–)", "MF, cellworks (–)"), (
        ("U {50: 100, 51: 36, 52: 4} vs L {50: 100, 51: 64, 53: 9}", 840,
         match_factor([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9])),
        ("U {40: 16, 41: 100, 43: 64} vs L {40: 25, 41: 100, 43: 49, 44: 4}", 901,
         match_factor([40, 41, 43], [16, 100, 64], [40, 41, 43, 44], [25, 100, 49, 4])),
        ("U {28: 100, 32: 25} vs L {28: 100}", 777, match_factor([28, 32], [100, 25], [28], [100])),
    ), "NIST identity match factor (0–999) of three small spectrum pairs, U: unknown, L: library, as "
       "{m/z: intensity}: the arithmetic done on paper (document 002, input) against the code, which never saw "
       "those results (held_out)."))
    # isotopes, clusters, quantification (document 002's Table 1)
    f2, t2, n2 = build_parts(workdir, quick)
    figures.extend(f2)
    tables.extend(t2)
    notes.extend(n2)
    return Section(
        title="GC–MS: runs, peaks and library identification",
        summary=("A real gasoline run (agilent-gcms-gasoline.cdf, an Agilent ANDI export) is read, its co-eluting "
                 "compounds separated (Biller–Biemann) and identified over the whole run: one library compound per "
                 "component, with identity and reverse NIST match factors and van den Dool–Kratz retention indices "
                 "from the n-alkanes found in the run. Document 002's Table 1 (trace impurities in ⁷⁴GeH₄) is then "
                 "computed from runs synthesised with the table's concentrations: recovering them is a round trip "
                 "that tests the pipeline, while the detection limits are predicted from the simulated instrument "
                 "(held out)."),
        figures=tuple(figures), tables=tuple(tables),
        how_to_run=("cellworks gcms identify tests/data/gcms/agilent-gcms-gasoline.cdf --plot tic.png "
                    "--mirror mirror.png\ncellworks gcms peaks tests/data/gcms/agilent-gcms-gasoline.cdf --ion 78 --ion 91 --json\n"
                    "cellworks gcms library info --names\npython benchmarks/gcms_search.py --json\n" + HOW_TO_RUN),
        notes=tuple(notes), anchor="gcms",
    )

HOW_TO_RUN = """cellworks gcms isotopes GeH4 --abundance Ge:70=0.000001,72=0.00001,73=0.000605,74=0.999355,76=0.000029 --json
cellworks gcms isobars 78 --matrix "[74Ge]H4" --json
cellworks gcms synth --sample calibration --seed 7 --out cal/calibration.json
cellworks gcms synth --sample initial --seed 7 --out runs/initial.cdf
cellworks gcms synth --sample concentrate --seed 8 --out runs/concentrate.cdf
cellworks gcms analyze runs/*.cdf --calibration cal/calibration.json --report table1.html"""


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _dot_pow(x: float) -> str:
    """One significant figure in the document's notation: ``4·10⁻⁸`` (as its Table 1 prints limits)."""
    import math

    e = math.floor(math.log10(abs(x)))
    m = round(x / 10**e)
    if m == 10:
        m, e = 1, e + 1
    return f"{m}·10{str(e).translate(_SUP)}"


def _table1(res: Mapping[str, Any]) -> Table:
    from cellworks.gcms.quant import DOCUMENT_TABLE1, SAMPLES

    samples = [s for s in SAMPLES if s in res["samples"]]
    # "doc." keeps ten columns inside the page when all three samples are shown
    headers = ["impurity", "m/z (–)"]
    for s in samples:
        headers += [f"{s}, doc. / vol.%", f"{s}, cellworks / vol.%"]
    headers += [f"{C_MIN}, doc. / vol.%", "DL, cellworks / vol.%"]
    rows = []
    for row in res["rows"]:
        doc = DOCUMENT_TABLE1.get(row["key"])
        # the ion cellworks quantifies on; the document's when it differs (benzene and toluene swapped)
        mz: Any = row["quant_mz"] if row["document_mz"] == row["quant_mz"] else \
            f"{row['quant_mz']} (doc. {row['document_mz']})"
        cells: list[Any] = [row["label"], mz]
        dls = []
        for s in samples:
            r = row["results"].get(s, {})
            mark = ""
            if "within_U" in r:
                mark = " ✓" if r["within_U"] else (" (within 2U)" if r["within_2U"] else " ✗")
            cells += [doc[SAMPLES.index(s)] if doc else "", r.get("cell", "") + mark]
            if "detection_limit_vol_pct" in r:
                dls.append(r["detection_limit_vol_pct"])
        cells.append(doc[3] if doc else "")
        lo, hi = (_dot_pow(min(dls)), _dot_pow(max(dls))) if dls else ("", "")
        cells.append(lo if lo == hi else f"{lo}–{hi}")
        rows.append(tuple(cells))
    return Table(tuple(headers), tuple(rows),
                 "Document 002, Table 1 (doc., input) next to cellworks' analysis of runs synthesised with the table's "
                 "concentrations (round_trip: recovering them tests the pipeline, not the method). ✓: within the "
                 "document's ± interval. DL: the 3s detection limits over the samples, predicted from the simulated "
                 f"instrument without using {C_MIN} (held_out). Toluene is quantified on m/z 91 and benzene on 78 "
                 "(the document prints 78 and 91). ± = expanded uncertainty (k = 2); '<' = 3s detection limit.")


def _ident_table(res: Mapping[str, Any]) -> Table:
    rows = []
    for row in res["rows"]:
        if row["has_standard"]:
            continue
        mf = row.get("library_mf")
        rows.append((row["label"], f"{row['rt_min']:.2f}" if row.get("rt_min") else "",
                     f"{mf:.2f}" if mf is not None else "", row["identification"]))
    return Table(("impurity without standard", "retention time / min", "library MF (–)", "identification"),
                 tuple(rows),
                 "Compounds without standards: the Ge species match the natural-abundance library poorly "
                 "(document: ≤ 0.36) and are recognised by their ⁷⁴Ge clusters; CS₂, benzene and "
                 "2-chloropropane by spectra re-isotoped to the molecular isobar of ⁷⁴GeH₄. MF here on document "
                 "002's 0–1 scale (NIST's 0–999 divided by 1000).")


def _isotope_table(res: Mapping[str, Any]) -> Table:
    rows = []
    for row in res["rows"]:
        for s, r in row["results"].items():
            if row["key"] in ("CS2", "benzene", "2-C3H7Cl") and r.get("isotopes"):
                rows.append((row["label"], s, r["isotopes"]))
    return Table(("impurity", "sample", "isotope evidence"), tuple(rows),
                 f"Departures from natural isotopic composition (document: ¹²C³²S³⁴S : ¹²C³²S₂ = {CS2_RATIO_DOCUMENT:g} : 1; no m/z 79 "
                 "for benzene; no ³⁷Cl partners m/z 65 and 80 for 2-chloropropane).")


def _mean_sd(mean: float, sd: float) -> str:
    """``(2.490 ± 0.006) × 10⁻⁴``: mean ± standard deviation rounded to the deviation, with the mean's power of
    ten outside (a trace concentration in vol.% would otherwise need eight decimals)."""
    import math

    if mean <= 0 or not math.isfinite(mean):
        return value_unc(mean, sd)
    e = math.floor(math.log10(mean))
    if e >= 0:  # every trace level gets the same form, so a column reads alike
        return value_unc(mean, sd)
    return f"({value_unc(mean / 10**e, sd / 10**e)}) × 10{str(e).translate(_SUP)}"


def _trueness_table(tr: Sequence[Mapping[str, Any]], caption: str) -> Table:
    rows = [(formula(t["compound"]), _mean_sd(t["mean_p"], t["sd_p"]), _mean_sd(t["mean_2p"], t["sd_2p"]),
             t["f_stat"], t["f_p_value"], t["t_stat"], t["t_p_value"], t["t_p_value_holm"],
             # "no" is the expected answer (document 002): text, not a red/green boolean badge
             "yes" if t["t_significant"] else "no") for t in tr]
    n = sorted({(t["n_p"], t["n_2p"]) for t in tr})
    runs = "; ".join(f"n = {a} at p, {b} at 2p" for a, b in n)
    return Table(("impurity", "C at p / vol.%", "C at 2p / vol.%", "F (–)", "p of F (–)", "t (–)", "p of t (–)",
                  "p of t, Holm (–)", "significant (95 %, family-wise)"), tuple(rows),
                 f"{caption} C: mean ± standard deviation of the injections ({runs}); p of t adjusted over the "
                 "compounds by Holm's method. 2-MP, 3-MP: 2- and 3-methylpentane; 2-MH, 3-MH: 2- and "
                 "3-methylhexane.", digits=2)


def _tic_figure(runs: Sequence[str | Path], res: Mapping[str, Any]) -> Figure | None:
    from cellworks.gcms.readers import read_run
    from cellworks.report import figure_png, new_figure

    scan = [p for p in runs if str(p).endswith(".cdf") and "ptmsp" in Path(p).name and "scan" in Path(p).name]
    if not scan:
        return None
    pick = next((p for p in scan if "concentrate" in Path(p).name), scan[0])
    run = read_run(pick)
    fig, ax = new_figure(figsize=(9, 3.6))
    import numpy as np

    tic = np.clip(run.tic(), 1e3, None)
    ax.plot(run.scan_times_min, tic, lw=0.7, color="#2a6f97")
    ax.set_yscale("log")
    ax.set_ylim(top=float(tic.max()) * 30)  # a band above the highest apex for the rotated names
    ax.set_xlabel("retention time / min")
    ax.set_ylabel("total ion current / counts")
    for row in res["rows"]:
        detected = any(r.get("detected") for r in row["results"].values())
        if row.get("rt_min") and row["column"] == "ptmsp" and detected:
            ax.axvline(row["rt_min"], color="#c44", lw=0.4, alpha=0.6)
            ax.text(row["rt_min"], ax.get_ylim()[1], formula(row["key"]), rotation=90, fontsize=7, va="top",
                    ha="right")
    ax.set_title("PTMSP column, full scan (filament on at 2 min)")
    return Figure(figure_png(fig), f"Total-ion chromatogram of {Path(pick).name} (synthesised) with the identified "
                                   "impurities (elution order of document 002's Fig. 1; 2-MP, 3-MP: 2- and "
                                   "3-methylpentane, 2-MH, 3-MH: 2- and 3-methylhexane).")


def _relation_figure(res: Mapping[str, Any]) -> Figure | None:
    import numpy as np

    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.quant import TARGETS
    from cellworks.gcms.xsections import cross_section
    from cellworks.report import figure_png, new_figure

    rel = res["calibration"].get("sensitivity_relation")
    lines = res["calibration"]["lines"]
    if not rel or not lines:
        return None
    lib = load_builtin()
    xs, ys = [], []
    for t in TARGETS:
        if t.key in lines:
            s = lib.find(t.library_name)
            f = float(s.intensity[np.rint(s.mz).astype(int) == t.quant_mz].sum() / s.intensity.sum())
            if f > 0:
                xs.append(cross_section(t.formula, t.xs_name).sigma_A2)
                ys.append(lines[t.key]["slope"] / f)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from cellworks.report import legend_outside

    fig, ax = new_figure(figsize=(5.5, 4))
    ax.loglog(xs, ys, "o", label="standards: S/f")
    grid = np.geomspace(min(xs) * 0.8, max(xs) * 1.5, 50)
    ax.loglog(grid, np.exp(rel["ln_k"]) * grid ** rel["exponent"], "-",
              label=f"fit: S/f ∝ σᵃ, a = {rel['exponent']:.2f}")
    label = "compounds without standard"
    for t in TARGETS:
        if not t.has_standard:
            sigma = cross_section(t.formula, t.xs_name).sigma_A2
            ax.axvline(sigma, color="#aaa", lw=0.5, label=label)
            label = "_nolegend_"  # one legend entry for all of them
    # less than two decades on each axis: label 1, 2, 5 of every decade, never the crowded minor ticks
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: sig(v, 1)))
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("σ(70 eV) / Å²")
    ax.set_ylabel("S/f / peak area per vol.%")
    legend_outside(ax, "right")
    return Figure(figure_png(fig), "Reduced sensitivity S/f (calibration slope over the quantitation ion's fraction "
                                   "of the spectrum) of the calibrated compounds against their total ionisation "
                                   "cross section, and the fitted relation (fitted on the standards) used for the "
                                   "compounds without standards (grey lines); scatter about the line "
                                   f"{100 * rel['rel_scatter']:.1f} %. The synthesiser makes areas proportional to σ, "
                                   "so a ≈ 1 is a round trip.")


def _cluster_figure(res: Mapping[str, Any]) -> Figure | None:
    from cellworks.gcms.library import load_builtin
    from cellworks.report import figure_png, new_figure

    row = next((r for r in res["rows"] if r["key"] == "Ge2H6" and r.get("ge_clusters")), None)
    spec = {int(k): float(v) for k, v in (row or {}).get("spectrum", {}).items()}
    if row is None or not spec:
        return None
    lib = load_builtin().find("Digermane")
    fig, (a1, a2) = new_figure(1, 2, figsize=(9, 3.2), sharey=True)
    mx = max(spec.values())
    a1.bar(list(spec), [100 * v / mx for v in spec.values()], width=0.8, color="#2a6f97")
    a1.set_title("observed (⁷⁴Ge-enriched)")
    a2.bar(lib.mz, 100 * lib.intensity / lib.intensity.max(), width=0.8, color="#999")
    a2.set_title("library (natural Ge)")
    for a in (a1, a2):
        a.set_xlim(65, 160)
        a.set_xlabel("m/z")
    a1.set_ylabel("relative intensity / %")
    return Figure(figure_png(fig), "Digermane: the observed spectrum has only ⁷⁴GeHₙ⁺ (m/z 74–77) and ⁷⁴Ge₂Hₙ⁺ "
                                   "(148–154) peaks; the natural-abundance library spectrum spreads over 70–158, "
                                   f"hence the low library MF ({row['library_mf']:.2f}).")


def analysis_section(res: Mapping[str, Any], runs: Sequence[str | Path]) -> Section:
    """The report section of one analysis."""
    figs = [f for f in (_tic_figure(runs, res), _cluster_figure(res), _relation_figure(res)) if f is not None]
    tables = [_table1(res), _ident_table(res), _isotope_table(res)]
    if res.get("trueness"):
        tables.append(_trueness_table(res["trueness"], "Trueness by sample-size variation (p vs 2p)."))
    samples = ", ".join(str(x) for x in res.get("samples", ()))
    summary = (f"{len(runs)} runs ({samples}) are analysed against the calibration: each impurity of document 002's "
               "Table 1 is identified (retention time of its standard, ⁷⁴Ge clusters or library spectra re-isotoped "
               "to the matrix), quantified by absolute calibration or, without a standard, through the "
               "cross-section relation, and set beside the document's value with its expanded uncertainty.")
    return Section(title="GC–MS of ⁷⁴GeH₄: Table 1 of document 002", summary=summary, figures=tuple(figs),
                   tables=tuple(tables), how_to_run=HOW_TO_RUN, notes=tuple(res.get("notes", ())),
                   anchor="gcms-part2")


def build_parts(workdir: Path, quick: bool = False) -> tuple[list[Figure], list[Table], list[str]]:
    """Synthesise calibration and sample runs, analyse them and return (figures, tables, notes)."""
    from cellworks.gcms.pipeline import analyze
    from cellworks.gcms.synth import synthesize_calibration, synthesize_sample
    from cellworks.gcms.table1 import compare_with_table1

    wd = Path(workdir) / "gcms-part2"
    cal = synthesize_calibration(wd / "cal" / "calibration.json", seed=11)
    samples = ("initial", "concentrate") if quick else ("initial", "rectified", "concentrate")
    runs: list[Path] = []
    for i, s in enumerate(samples):
        runs += synthesize_sample(s, wd / "runs" / f"{s}.cdf", seed=101 + i)
    res = compare_with_table1(analyze(runs, cal).as_dict())
    sec = analysis_section(res, runs)
    figures = list(sec.figures)
    tables = list(sec.tables)
    notes = list(res["notes"])  # the commands that reproduce Table 1 are in the section's "how to run"
    summ = res["summary"]
    for s, v in summ.items():
        notes.append(f"{s}: {v['within_U']}/{v['quantified_rows']} quantified rows within the document's ± "
                     f"(round_trip; {v['within_2U']} within 2×); {v['limit_rows_below_dl']}/{v['limit_rows']} '<' "
                     f"rows below the detection limit, {v['limit_rows_dl_within_3x_of_C_min']} with DL within 3× of "
                     f"{C_MIN} (held_out).")
    for r in res["isotope_ratios"]:
        notes.append(f"CS₂ in the {r['sample']} sample: ¹²C³²S³⁴S : ¹²C³²S₂ = "
                     f"{value_unc(r['ratio_12C32S34S_to_12C32S2'], r['sd'])} (round_trip; document: "
                     f"{CS2_RATIO_DOCUMENT:g} : 1).")
    if not quick:
        p1 = synthesize_sample("concentrate", wd / "trueness" / "p.cdf", seed=301, columns=("ptmsp",),
                               modes=("sim",), replicates=3)
        p2 = synthesize_sample("concentrate", wd / "trueness" / "p2.cdf", seed=302, columns=("ptmsp",),
                               modes=("sim",), pressure_factor=2.0, replicates=3)
        scan = [p for p in runs if "concentrate" in p.name and "scan" in p.name]
        tr = analyze([*scan, *p1, *p2], cal).trueness
        tables.append(_trueness_table(tr, "Trueness by sample-size variation: concentrate at p and 2p, "
                                          "3 injections each (document 002: no significant difference)."))
        p2e = synthesize_sample("concentrate", wd / "trueness" / "p2e.cdf", seed=303, columns=("ptmsp",),
                                modes=("sim",), pressure_factor=2.0, replicates=3)
        p1e = synthesize_sample("concentrate", wd / "trueness" / "pe.cdf", seed=304, columns=("ptmsp",),
                                modes=("sim",), replicates=3, constant_error=0.3)
        tre = analyze([*scan, *p1e, *p2e], cal).trueness
        tables.append(_trueness_table(tre, "The same check with a constant error injected into the p runs (a "
                                           "fixed amount of each impurity, 30 % of its amount at p, added "
                                           "independently of the sample size): the check flags it."))
    else:
        notes.append("quick mode: the trueness check (p vs 2p, 3 injections each) is skipped.")
    return figures, tables, notes
