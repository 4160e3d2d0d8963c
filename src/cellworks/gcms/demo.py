"""Demo section for ``cellworks demo``: the gasoline run read, deconvolved and identified."""

from __future__ import annotations

import importlib
from pathlib import Path

from cellworks.report import Figure, Section, Table, figure_png

BOILING_POINT_C = {  # CRC Handbook of Chemistry and Physics (normal boiling points, °C)
    "2-Methylpentane": 60.3, "3-Methylpentane": 63.3, "n-Hexane": 68.7, "Benzene": 80.1,
    "2-Methylhexane": 90.0, "3-Methylhexane": 92.0, "n-Heptane": 98.4, "Toluene": 110.6,
    "Ethylbenzene": 136.2, "m-Xylene": 139.1, "p-Xylene": 138.4, "o-Xylene": 144.4,
}


def _find_run() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[3] / "tests" / "data" / "gcms" / "agilent-gcms-gasoline.cdf",
                 here.parents[4] / "shared" / "fixtures" / "gcms" / "agilent-gcms-gasoline.cdf"):
        if cand.exists():
            return cand
    return None


def build_section(workdir: Path, quick: bool = False) -> Section:
    from cellworks.gcms.library import load_builtin
    from cellworks.gcms.plots import eic_figure, mirror_figure, tic_figure
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.scores import match_factor
    from cellworks.gcms.search import identify_run

    figures: list[Figure] = []
    tables: list[Table] = []
    notes: list[str] = [
        "Document 002's Table 1 lists m/z 78 as the SIM ion of toluene and 91 for benzene; the "
        "characteristic ions are the other way round (benzene M+ 78, toluene tropylium 91). cellworks "
        "uses 78 for benzene and 91 for toluene.",
        "The built-in library's hydrocarbon and gas spectra are SRS RGA patterns (MIT, principal ions "
        "only); branched alkanes, trimethylbenzenes, siloxanes and a few others are ESTIMATES and the Ge "
        "hydrides, AsH3 and CS2 are COMPUTED isotope patterns with assumed fragment ratios (each record "
        "says which in 'Source:'). Principal-ions-only reference spectra lower the identity MF of complete "
        "measured spectra; the reverse MF (RMF) is shown beside it.",
    ]
    lib = load_builtin()
    run_path = _find_run()
    if run_path is not None:
        run = read_run(run_path)
        rep = identify_run(run, lib, t_range_s=(60.0, 480.0 if quick else 1500.0))
        comps = [c for c in rep["components"] if c["identified"]]
        big = sorted(comps, key=lambda c: -float(c["area"]))[:22]
        figures.append(Figure(figure_png(tic_figure(run, [(float(c["rt_s"]), c["best"]["name"]) for c in big],
                                                    "gasoline (P071 Essence super BP), TIC")),
                              "TIC of the real gasoline run (agilent-gcms-gasoline.cdf, 6401 scans) with the "
                              "largest identified components labelled (Biller–Biemann deconvolution, identity MF "
                              "against the built-in library)."))
        figures.append(Figure(figure_png(eic_figure(run, [57, 78, 91, 106], t_range_min=(1.5, 8.0))),
                              "Extracted-ion chromatograms (unit mass): m/z 57 alkanes, 78 benzene, 91 alkyl "
                              "benzenes, 106 C8 aromatics."))
        tol = next((c for c in comps if c["best"]["name"] == "Toluene"), None)
        if tol is not None:
            spec = lib[int(tol["best"]["library_index"])]
            figures.append(Figure(figure_png(mirror_figure(
                tol["spectrum"]["mz"], tol["spectrum"]["intensity"], spec.mz, spec.intensity,
                f"deconvolved, {tol['rt_min']:.2f} min", "library: Toluene (SRS)",
                f"Toluene: MF {tol['best']['mf']}, RMF {tol['best']['rmf']}")),
                "Mirror plot: clean (background-subtracted, deconvolved) apex spectrum against the library."))
        rows = []
        for c in comps:
            b = c["best"]
            bp = BOILING_POINT_C.get(b["name"])
            rows.append((f"{c['rt_min']:.3f}", b["name"], b["mf"], b["rmf"], b["source_kind"],
                         "" if bp is None else f"{bp:.1f}", f"{float(c['area']):.3g}"))
        tables.append(Table(("RT / min", "best hit", "MF", "RMF", "library source", "b.p. / °C (CRC)", "area"),
                            tuple(rows), "Components with identity MF ≥ 700. On a non-polar column the "
                            "hydrocarbons elute in boiling-point order — the b.p. column lets the reader check."))
    else:
        notes.append("gasoline fixture not found: the run figures are skipped.")
    # hand-worked match factors (tests/gcms/test_scores.py)
    tables.append(Table(("pair", "worked on paper", "cellworks"), (
        ("U{50:100,51:36,52:4} vs L{50:100,51:64,53:9}", 840,
         match_factor([50, 51, 52], [100, 36, 4], [50, 51, 53], [100, 64, 9])),
        ("U{40:16,41:100,43:64} vs L{40:25,41:100,43:49,44:4}", 901,
         match_factor([40, 41, 43], [16, 100, 64], [40, 41, 43, 44], [25, 100, 49, 4])),
        ("U{28:100,32:25} vs L{28:100}", 777, match_factor([28, 32], [100, 25], [28], [100])),
    ), "NIST identity match factor (REFERENCE.md §3): paper arithmetic against the code."))
    # part 2 (isotopes, clusters, quantification) adds its own material here
    try:
        p2 = importlib.import_module("cellworks.gcms.demo_part2")
    except ModuleNotFoundError as exc:
        if exc.name != "cellworks.gcms.demo_part2":
            raise
    else:
        f2, t2, n2 = p2.build_parts(workdir, quick)
        figures.extend(f2)
        tables.extend(t2)
        notes.extend(n2)
    return Section(
        title="GC–MS: runs, peaks and library identification",
        intro=("Reads real EI GC–MS runs (ANDI/AIA netCDF, JCAMP-DX, CSV, mzML), finds and integrates peaks, "
               "separates co-eluting compounds (Biller–Biemann), and identifies them with the NIST identity "
               "match factor through an exact inverted-index search (document 002's workflow)."),
        figures=tuple(figures), tables=tuple(tables),
        how_to_run=("cellworks gcms identify tests/data/gcms/agilent-gcms-gasoline.cdf --plot tic.png "
                    "--mirror mirror.png\ncellworks gcms peaks RUN.cdf --ion 78 --ion 91 --json\n"
                    "cellworks gcms library info --names\npython benchmarks/gcms_search.py --json"),
        notes=tuple(notes), anchor="gcms",
    )
