"""``cellworks lis reproduce``: the documents' numbers against their twins, one row per number.

Document 000 (:func:`reproduce_zhang2016`): both coin cells through the document's protocols; each
row carries its role (``fitted``: a calibration target; ``held_out``: a prediction the calibration
never read), the coulombic efficiency at every rate, the plateau voltages of the first 0.2 A/g
discharge and the largest charge of any simulated cycle. Document 001 (:func:`reproduce_polyplus`):
Example 3's lithium account, Example 2 and Fig. 5 from the catholyte twin.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cellworks._io import sha256_file
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S
from cellworks.lis.readers.targets import TARGETS_FILE, data_path, load_fitted, load_targets
from cellworks.lis.twins.mechanisms import TwinCell, TwinRun, theoretical_charge_ok
from cellworks.lis.twins.metrics import (
    coulombic_efficiency,
    coulombic_efficiency_by_cycle,
    max_charge,
    plateau_voltages,
    shuttle_share,
)
from cellworks.lis.twins.protocols import experiment_protocols
from cellworks.lis.twins.targets import (
    ZHANG2016_CELLS,
    cell_from_spec,
    fitted_values,
    parse_targets,
    row,
    run_experiments,
    simulated_value,
)

#: cycles of each experiment whose voltage profiles are kept (figures, plateau split)
PROFILE_CYCLES: dict[str, Sequence[int]] = {"cycling_0.2": (1, 2, 6, 50), "long_1.6": (1, 50, 100, 150)}
#: experiments whose mean coulombic efficiency is reported per rate [A/g]
CE_EXPERIMENTS: dict[str, str] = {"0.2": "cycling_0.2", "0.8": "long_0.8", "1.6": "long_1.6"}


def zhang2016_runs(targets: Path | None = None, fitted: Path | None = None, *, profiles: bool = True,
                   cycles_scale: float = 1.0) -> tuple[dict[str, Any], dict[str, TwinCell], dict[str, dict[str, TwinRun]]]:
    """(targets document, cells, runs per cell) of the committed document-000 twins."""
    doc = load_targets(targets)
    fit = load_fitted(fitted)
    cells = {n: cell_from_spec(n, doc, fitted_values(fit, n)) for n in ZHANG2016_CELLS}
    names = list(doc["experiments"])
    runs = {n: run_experiments(c, doc, names, profile_cycles=PROFILE_CYCLES if profiles else None,
                               cycles_scale=cycles_scale) for n, c in cells.items()}
    return doc, cells, runs


def first_discharge(run: TwinRun, cycle: int = 1) -> tuple[Any, Any]:
    """(capacity mAh/g, voltage) of a profiled cycle's discharge."""
    prof = run.profiles[cycle]
    k = prof["kind"].index("discharge")
    return prof["q"][k], prof["v"][k]


def reproduce_zhang2016(*, plots_dir: Path | None = None, targets: Path | None = None,
                        fitted: Path | None = None) -> dict[str, Any]:
    """Both document-000 twins through the document's protocols; one row per published number."""
    import time

    t0 = time.perf_counter()
    doc, cells, runs = zhang2016_runs(targets, fitted)
    fit = load_fitted(fitted)
    rows = []
    for t in parse_targets(doc):
        run = runs[t.cell].get(t.experiment)
        sim = math.nan if run is not None and run.status != "ok" else simulated_value(t, runs[t.cell], cells[t.cell])
        rows.append(row(t, sim))
    per_cell: dict[str, Any] = {}
    for n, c in cells.items():
        r = runs[n]
        q, v = first_discharge(r["cycling_0.2"])
        charges_ok = all(theoretical_charge_ok(cy) for run in r.values() for cy in run.cycles)
        per_cell[n] = {
            "sulfur_mass_mg": c.sulfur_mass_g * 1e3,
            "values": fitted_values(fit, n),
            "mechanisms": dataclasses.asdict(c.mechanisms),
            "notes": list(c.notes),
            "run_status": {k: x.status for k, x in r.items()},
            "coulombic_efficiency_by_rate": {rate: coulombic_efficiency(r[e]) for rate, e in CE_EXPERIMENTS.items()},
            "coulombic_efficiency_max_cycle": max(max(coulombic_efficiency_by_cycle(x), default=math.nan)
                                                  for x in r.values()),
            "shuttle_share_of_charge_by_rate": {rate: shuttle_share(r[e]) for rate, e in CE_EXPERIMENTS.items()},
            "max_charge_mAh_per_g": max(max_charge(x) for x in r.values()),
            "charge_within_sulfur_plus_shuttle": charges_ok,
            "plateaus_V": plateau_voltages(q, v),
            "sulfur_drift_rel": max(x.sulfur_drift_rel for x in r.values()),
        }
    ac, co = (per_cell[n]["coulombic_efficiency_by_rate"] for n in ZHANG2016_CELLS)
    recipe = {n: doc["cells"][n]["recipe"]["sulfur_fraction_of_composite"] for n in ZHANG2016_CELLS}
    out: dict[str, Any] = {
        "document": doc.get("document", {}).get("source", ""),
        "model": "chain3",
        "rows": rows,
        "all_ok": all(r["ok"] for r in rows),
        "n_ok": sum(r["ok"] for r in rows),
        "n_rows": len(rows),
        "n_held_out": sum(r["role"] == "held_out" for r in rows),
        "held_out_ok": sum(r["ok"] for r in rows if r["role"] == "held_out"),
        "inputs": [{"quantity": f"sulfur content by thermal analysis ({n})", "paper_wt_pct": 100 * w,
                    "used_wt_pct": 100 * w, "role": "input"} for n, w in recipe.items()],
        "cells": per_cell,
        "coated_ce_not_below_ac_s": {rate: co[rate] >= ac[rate] for rate in CE_EXPERIMENTS},
        "theoretical_mAh_per_g": THEORETICAL_MAH_PER_G_S,
        "fit": {"command": fit.get("command"), "targets_sha256": fit.get("targets_sha256"),
                "targets_file_matches": fit.get("targets_sha256") == sha256_file(targets or data_path(TARGETS_FILE)),
                "held_out_read": fit.get("held_out_read")},
        "protocols": experiment_protocols(doc),
    }
    if plots_dir is not None:
        from cellworks.lis.plots import plot_zhang2016

        out["figures"] = [str(p) for p in plot_zhang2016(doc, runs, cells, Path(plots_dir))]
    out["wall_s"] = time.perf_counter() - t0
    return out


def _prow(id_: str, quantity: str, paper: float, simulated: float, unit: str, tolerance: float, text: str,
          ok: bool, role: str = "held_out") -> dict[str, Any]:
    return {"id": id_, "quantity": quantity, "paper": paper, "simulated": simulated, "unit": unit,
            "tolerance": tolerance, "tolerance_text": text, "ok": bool(ok), "role": role}


def reproduce_polyplus(*, plots_dir: Path | None = None) -> dict[str, Any]:
    """Example 3's lithium account, Example 2's stability, the V–(Li:S) curve and windows (document 001).

    Every row is a prediction (``held_out``): no parameter of the catholyte twin was fitted to a
    number of document 001; the lithium loss comes from the literature (``lithium_loss``)."""
    import time

    import numpy as np

    from cellworks.lis import catholyte as cat

    t0 = time.perf_counter()
    cell = cat.CatholyteCell()
    p = cat.polyplus_catholyte(cell)
    acc, res3 = cat.example3(p)
    ex2 = cat.example2(p)
    curve = cat.voltage_vs_li_to_s(p)
    regions = cat.curve_regions(curve["li_to_s"], curve["voltage_V"],
                                ended_by_collapse=curve["end_reason"] == "sulfur exhausted")
    windows = cat.windows_table(curve, cell, plated_uAh=acc.plated_initial_uAh)
    rec_tol = 0.05 * cat.PAPER_RECOVERED_uAh
    strip_on_limit = all(r == "voltage cut-off" and abs(v - cat.STRIP_LIMIT_V) < 1e-6
                         for r, v in zip(acc.strip_end_reasons, acc.strip_end_V, strict=True))
    rows = [
        _prow("polyplus.recovered", "lithium recovered by the strip after 20 cycles (Example 3)",
              cat.PAPER_RECOVERED_uAh, acc.recovered_uAh, "µAh", rec_tol, "±5 %",
              abs(acc.recovered_uAh - cat.PAPER_RECOVERED_uAh) <= rec_tol),
        _prow("polyplus.strip_on_limit", "both strip steps end on the 2.0 V limit (Example 3)", 1.0,
              float(strip_on_limit), "-", 0.0, "both", strip_on_limit),
        _prow("polyplus.strip_20uA", "lithium the 20 µA strip step adds after the 100 µA step", 0.0,
              acc.recovered_by_step_uAh[-1] if acc.recovered_by_step_uAh else math.nan, "µAh", 0.0, "> 0",
              bool(acc.recovered_by_step_uAh) and acc.recovered_by_step_uAh[-1] > 0.0),
        _prow("polyplus.active_fraction", "anode-active fraction (recovered + cycled) / plated",
              cat.PAPER_ACTIVE_FRACTION_MIN, acc.active_fraction, "-", 0.0, "≥ 0.98",
              acc.active_fraction >= cat.PAPER_ACTIVE_FRACTION_MIN),
        _prow("polyplus.plated_initial", "lithium plated in situ before cycling (10 µA 10 min + 100 µA 2 h)",
              cat.PAPER_PLATED_INITIAL_uAh, acc.plated_initial_uAh, "µAh", 0.1, "±0.1 µAh (document rounds to 0.1)",
              abs(acc.plated_initial_uAh - cat.PAPER_PLATED_INITIAL_uAh) <= 0.1, role="input"),
        _prow("polyplus.example2_cycles", "Example 2: cycles completed of 100 (15 min / 15 min, 100 µA)", 100.0,
              float(ex2["cycles_completed_full_15_min"]), "cycles", 0.0, "all",
              ex2["cycles_completed_full_15_min"] == 100),
        _prow("polyplus.v_all_sulfur", f"Fig. 5: voltage at the all-sulfur end (document ~{cat.PAPER_V_ALL_SULFUR_V:g} V)",
              cat.PAPER_V_ALL_SULFUR_V, regions["v_all_sulfur_V"], "V", cat.FIG5_V_TOLERANCE_V,
              f"±{cat.FIG5_V_TOLERANCE_V:g} V ('approximately')",
              abs(regions["v_all_sulfur_V"] - cat.PAPER_V_ALL_SULFUR_V) <= cat.FIG5_V_TOLERANCE_V),
        _prow("polyplus.shoulder", "Fig. 5: shoulder of the curve at average composition ~Li2S8 (Li:S 0.25)",
              cat.PAPER_SHOULDER_LI_TO_S, regions["shoulder_li_to_s"], "Li:S", cat.FIG5_LI_TO_S_TOLERANCE,
              f"±{cat.FIG5_LI_TO_S_TOLERANCE:g} ('about')",
              abs(regions["shoulder_li_to_s"] - cat.PAPER_SHOULDER_LI_TO_S) <= cat.FIG5_LI_TO_S_TOLERANCE),
        _prow("polyplus.flat_to", "Fig. 5: flat region reaches about Li2S2 (Li:S 1.0)", cat.PAPER_FLAT_TO_LI_TO_S,
              regions["flat_to_li_to_s"], "Li:S", 0.0, f"≥ {cat.PAPER_FLAT_TO_LI_TO_S:g}",
              regions["flat_to_li_to_s"] >= cat.PAPER_FLAT_TO_LI_TO_S),
        _prow("polyplus.steep_drop", "Fig. 5: steep drop between Li2S2 and Li2S (Li:S 1–2)", cat.PAPER_STEEP_DROP_LI_TO_S[0],
              regions["steep_drop_li_to_s"], "Li:S", 0.0,
              f"in ({cat.PAPER_STEEP_DROP_LI_TO_S[0]:g}, {cat.PAPER_STEEP_DROP_LI_TO_S[1]:g}]",
              bool(np.isfinite(regions["steep_drop_li_to_s"])
                   and cat.PAPER_STEEP_DROP_LI_TO_S[0] < regions["steep_drop_li_to_s"] <= cat.PAPER_STEEP_DROP_LI_TO_S[1])),
    ]
    out: dict[str, Any] = {
        "document": cat.DOC001,
        "model": "chain3",
        "rows": rows,
        "all_ok": all(r["ok"] for r in rows),
        "lithium_account": dataclasses.asdict(acc),
        "lithium_loss": [dict(x) for x in cat.LITHIUM_LOSS],
        "any_fitted_to_188_2_uAh": any(x["fitted_to_188_2_uAh"] for x in cat.LITHIUM_LOSS),
        "no_lithium_convention": (
            "a cell without plated lithium has a lithium electrode of zero area: nothing can be stripped (a "
            "discharge ends at once on its voltage limit), the first charge plates on the bare collector with the "
            "kinetics of a full electrode, and the voltage shown at rest is the cathode's against lithium"),
        "example2": ex2,
        "curve_regions": regions,
        "windows": windows,
        "cell": dataclasses.asdict(cell) | {"catholyte_volume_uL": cell.catholyte_volume_L * 1e6,
                                            "sulfur_umol": cell.sulfur_mol * 1e6, "lithium_umol": cell.lithium_mol * 1e6,
                                            "layer_resistance_Ohm": p.layer_resistance_Ohm},
        "protocol_example3": cat.EXAMPLE3_PROTOCOL,
        "protocol_example2": cat.EXAMPLE2_PROTOCOL,
    }
    if plots_dir is not None:
        from cellworks.lis.plots import plot_polyplus

        out["figures"] = [str(x) for x in plot_polyplus(res3, curve, windows, regions, Path(plots_dir))]
    out["wall_s"] = time.perf_counter() - t0
    return out


__all__ = ["CE_EXPERIMENTS", "PROFILE_CYCLES", "first_discharge", "reproduce_polyplus", "reproduce_zhang2016",
           "zhang2016_runs"]
