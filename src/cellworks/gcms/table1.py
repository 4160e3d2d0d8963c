"""Document 002's Table 1 next to an analysis: the comparison that validates the chain, kept out of
the production path (:func:`cellworks.gcms.pipeline.analyze` never sees the table).

Roles: the document's values and C_min are ``held_out`` for the analysis of synthesised runs whose
concentrations come from the table (the synthesiser's noise and response factors come from its own
instrument constants, ``K_COUNTS``, ``SIM_WHITE_NOISE``, ``SHOT_FACTOR`` and the background of
:mod:`cellworks.gcms.synth`, not from C_min); the predicted
detection limits are compared with C_min (within 3× counted).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from cellworks.gcms.quant import DOCUMENT_TABLE1, SAMPLES, parse_table_value


def compare_with_table1(res: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an analysis dict with the document's cells per row and sample, and a summary per
    sample and for the detection limits."""
    out = dict(res)
    rows = []
    for row in res["rows"]:
        r2 = dict(row)
        r2["results"] = {k: dict(v) for k, v in row["results"].items()}
        if row["key"] in DOCUMENT_TABLE1:
            r2["document"] = dict(zip((*SAMPLES, "C_min"), DOCUMENT_TABLE1[row["key"]], strict=True))
            for smp, r in r2["results"].items():
                if smp in SAMPLES and "detection_limit_vol_pct" in r:
                    cells = DOCUMENT_TABLE1[row["key"]]
                    r.update(_compare(cells[SAMPLES.index(smp)], cells[3], bool(r["detected"]),
                                      r["value_vol_pct"], r["detection_limit_vol_pct"]))
        rows.append(r2)
    out["rows"] = rows
    out["summary"] = _summary(rows, res["samples"])
    out["detection_limits"] = detection_limits_vs_cmin(rows)
    out["role"] = "held_out: the document's Table 1 was not used by the analysis"
    return out
def _compare(doc_cell: str, cmin_cell: str, detected: bool, value: float, dl: float) -> dict[str, Any]:
    kind, dv, du = parse_table_value(doc_cell)
    _, cmin, _ = parse_table_value("<" + cmin_cell)
    out: dict[str, Any] = {"document_cell": doc_cell, "document_C_min": cmin, "dl_over_C_min": dl / cmin}
    if kind == "value":
        out["document_value"] = dv
        out["document_U"] = du
        out["within_U"] = bool(detected and abs(value - dv) <= du)
        out["within_2U"] = bool(detected and abs(value - dv) <= 2 * du)
    else:
        out["document_limit"] = dv
        out["below_dl_as_document"] = not detected
    return out


def _summary(rows: Sequence[Mapping[str, Any]], samples: Sequence[str]) -> dict[str, Any]:
    out = {}
    for smp in samples:
        q = [r["results"][smp] for r in rows if smp in r["results"] and "within_U" in r["results"][smp]]
        lim = [r["results"][smp] for r in rows if smp in r["results"] and "below_dl_as_document" in r["results"][smp]]
        out[smp] = {
            "quantified_rows": len(q),
            "within_U": sum(1 for x in q if x["within_U"]),
            "within_2U": sum(1 for x in q if x["within_2U"]),
            "limit_rows": len(lim),
            "limit_rows_below_dl": sum(1 for x in lim if x["below_dl_as_document"]),
            "limit_rows_dl_within_3x_of_C_min": sum(1 for x in lim if 1 / 3 <= x["dl_over_C_min"] <= 3),
        }
    return out


def detection_limits_vs_cmin(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per compound the predicted 3s detection limit (geometric mean over the samples quantified)
    against Table 1's C_min: ratio, within 3× or not, the count, and the count after one common
    scale factor (the geometric mean ratio, ``fitted``: it removes the instrument's absolute
    sensitivity, leaving the compound-to-compound pattern)."""
    per: dict[str, float] = {}
    for row in rows:
        if row["key"] not in DOCUMENT_TABLE1:
            continue
        dls = [r["detection_limit_vol_pct"] for r in row["results"].values()
               if r.get("detection_limit_vol_pct") and r["detection_limit_vol_pct"] > 0]
        if dls:
            per[row["key"]] = math.exp(sum(math.log(d) for d in dls) / len(dls))
    table: list[dict[str, Any]] = []
    for key, dl in per.items():
        _, cmin, _ = parse_table_value("<" + DOCUMENT_TABLE1[key][3])
        table.append({"key": key, "predicted_dl_vol_pct": dl, "C_min_vol_pct": cmin, "ratio": dl / cmin})
    if not table:
        return {"compounds": [], "n_compared": 0, "within_3x": 0, "n_table": len(DOCUMENT_TABLE1)}
    scale = math.exp(sum(math.log(float(t["ratio"])) for t in table) / len(table))
    for t in table:
        ratio = float(t["ratio"])
        t["within_3x"] = bool(1 / 3 <= ratio <= 3)
        t["within_3x_after_scale"] = bool(1 / 3 <= ratio / scale <= 3)
    return {"compounds": table, "n_table": len(DOCUMENT_TABLE1), "n_compared": len(table),
            "within_3x": sum(t["within_3x"] for t in table), "role_within_3x": "held_out",
            "common_scale": scale, "within_3x_after_scale": sum(t["within_3x_after_scale"] for t in table),
            "role_within_3x_after_scale": "fitted (one common scale factor)"}
