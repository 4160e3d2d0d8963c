"""What a preset is made of: every parameter with value, unit, source and kind (``cellworks lis params``).

For the document-000 twins the literature values of the scaled chemistry are overridden by the
targets file (``fixed``: a stated assumption) and by the calibration (``fitted``); both are said so.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cellworks.lis.params import FieldInfo, field_info, get_preset, numeric_fields

_TWIN_MECH_INFO = {
    "accessible_fraction_initial": FieldInfo("–", "document 000: activation (electrolyte infiltrates the coating)"),
    "activation_rate_per_h": FieldInfo("1/h", "document 000: activation, first order in time"),
    "li2s_isolation_fraction": FieldInfo(
        "–", "document 000: 'insoluble and insulating Li2S2/Li2S … loss of active materials'; share of the "
        "Li2S a discharge makes that becomes isolated (0 unless a targets file frees it)", "assumption"),
    "isolated_li2s_pore_share": FieldInfo(
        "–", "share of the isolated Li2S's volume that stays in the cathode's pores (0: shed from the carbon; "
        "1: stays where it precipitated); the document does not say", "assumption"),
}


def _rows(p: Any, overrides: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    info = field_info(p)
    rows = []
    for name in numeric_fields(p):
        fi = info.get(name, FieldInfo("", "", "assumption"))
        kind, source = overrides.get(name, (fi.kind, fi.source))
        rows.append({"name": name, "value": float(getattr(p, name)), "unit": fi.unit, "source": source, "kind": kind})
    return rows


def describe_preset(name: str) -> dict[str, Any]:
    """Every parameter of a preset or twin preset as JSON-ready rows."""
    from cellworks.lis.twins.targets import TWIN_PRESETS, ZHANG2016_CELLS

    if name in ZHANG2016_CELLS:
        return _describe_zhang2016(name)
    if name in TWIN_PRESETS:  # polyplus_catholyte
        from cellworks.lis.catholyte import polyplus_catholyte

        p = polyplus_catholyte()
        return {"preset": name, "model": p.MODEL, "source": p.source, "parameters": _rows(p, {})}
    p = get_preset(name)
    return {"preset": name, "model": p.MODEL, "source": p.source, "parameters": _rows(p, {})}


def _describe_zhang2016(name: str) -> dict[str, Any]:
    from cellworks.lis.readers.targets import FITTED_FILE, TARGETS_FILE, load_fitted, load_targets
    from cellworks.lis.twins.targets import fitted_values, zhang2016_cell

    doc = load_targets()
    fit = load_fitted()
    cell = zhang2016_cell(name)
    over: dict[str, tuple[str, str]] = {}
    spec = doc["cells"][name]
    for table, label in ((doc.get("shared", {}).get("fixed", {}), "shared"), (spec.get("fixed", {}), name)):
        for k in table:
            over[k] = ("assumption", f"{TARGETS_FILE} [{label}] fixed value (see its comments and the cell's notes)")
    for k in ("sulfur_mass_g", "electrolyte_volume_L"):
        over[k] = ("literature", f"{TARGETS_FILE} recipe of {name} (document 000's electrode; E/S assumed)")
    fv = fitted_values(fit, name)
    derived = {"exchange_current_scale": ("i_H0_A_per_m2", "i_M0_A_per_m2", "i_L0_A_per_m2"),
               "pore_volume_fraction": ("li2s_pore_volume_L",)}
    for k in fv:
        for field in derived.get(k, (k,)):
            over[field] = ("fitted", f"`{fit.get('command')}` ({FITTED_FILE}; via {k})" if field != k
                           else f"`{fit.get('command')}` ({FITTED_FILE})")
    mech = []
    for f in dataclasses.fields(cell.mechanisms):
        fi = _TWIN_MECH_INFO[f.name]
        kind, src = ("fitted", f"`{fit.get('command')}` ({FITTED_FILE})") if f.name in fv else (fi.kind, fi.source)
        mech.append({"name": f.name, "value": float(getattr(cell.mechanisms, f.name)), "unit": fi.unit,
                     "source": src, "kind": kind})
    return {"preset": name, "model": cell.params.MODEL, "source": cell.source, "parameters": _rows(cell.params, over),
            "mechanisms": mech, "notes": list(cell.notes)}


__all__ = ["describe_preset"]
