"""Rate table: cycles grouped by their discharge current, mean capacity per rate.

A rate test (e.g. 0.2 → 0.4 → 0.8 → 1.6 → 3.2 → 6.4 A/g and back to 1.6 A/g, document 000) is a
sequence of blocks of cycles at one current. Each cycle's current is the mean current of its
constant-current discharge steps (``discharge_current_A``: CV tails and rests do not dilute it),
per gram of active material when a mass is known. By default a new group starts whenever a cycle's
current differs from the first cycle of the current group by more than ``rel_tol`` (5 %:
constant-current steps repeat to far better than that, while neighbouring rates of a rate test
differ by a factor of ~2), so a return to an earlier rate is a new row; ``contiguous=False`` merges
all cycles at the same rate instead. Each group is labelled once, by its median current to two
significant figures, and the tolerance is stated in ``DataFrame.attrs['grouping']``. Incomplete
cycles are left out (they would bias the statistics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cellworks.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.cycling.cycles import CycleSummary


def _sig(x: float, digits: int = 2) -> float:
    import math

    if not math.isfinite(x) or x == 0:
        return x
    return round(x, -int(math.floor(math.log10(abs(x)))) + digits - 1)


def rate_table(summary: CycleSummary, *, rel_tol: float = 0.05, contiguous: bool = True) -> pd.DataFrame:
    """One row per rate group.

    Columns: group, current_A_per_g (or current_A without a mass: the mean of the group), rate_label
    (the current to 2 significant figures, with unit), first_cycle, last_cycle, n_cycles,
    mean/std/last discharge capacity (mAh/g with a mass, else mAh), mean charge capacity,
    mean coulombic efficiency. Cycles without a discharge are left out.
    """
    import numpy as np
    import pandas as pd

    if not (0 < rel_tol < 1):
        raise InputError(f"rel_tol must be between 0 and 1, got {rel_tol}", field="rel_tol")
    t = summary.table
    per_g = summary.active_mass_g is not None
    cap_unit = "mAh_per_g" if per_g else "mAh"
    i_col = "current_A_per_g" if per_g else "current_A"
    col = "discharge_current_A" if "discharge_current_A" in t.columns else "mean_discharge_current_A"
    current = t[col].to_numpy(dtype=float)
    if per_g:
        current = current / float(summary.active_mass_g)  # type: ignore[arg-type]
    qd = t[f"discharge_capacity_{cap_unit}"].to_numpy(dtype=float)
    qc = t[f"charge_capacity_{cap_unit}"].to_numpy(dtype=float)
    ce = t["coulombic_efficiency"].to_numpy(dtype=float)
    cyc = t["cycle"].to_numpy()
    complete = t["complete"].to_numpy(dtype=bool) if "complete" in t.columns else np.ones(len(t), dtype=bool)
    ok = np.flatnonzero(np.isfinite(current) & (qd > 0) & complete)
    groups = np.full(len(t), -1, dtype=np.int64)
    refs: list[float] = []
    for k in ok:
        c = current[k]
        if contiguous:
            # cycles without a discharge were skipped above and do not break a group
            if refs and abs(c - refs[-1]) <= rel_tol * refs[-1]:
                groups[k] = len(refs) - 1
            else:
                refs.append(c)
                groups[k] = len(refs) - 1
        else:
            match = [g for g, r in enumerate(refs) if abs(c - r) <= rel_tol * r]
            if match:
                groups[k] = match[0]
            else:
                refs.append(c)
                groups[k] = len(refs) - 1
    rows = []
    unit = "A/g" if per_g else "A"
    for g in range(len(refs)):
        m = groups == g
        i_mean = float(np.mean(current[m]))
        rows.append(
            {
                "group": g + 1,
                i_col: i_mean,
                "rate_label": f"{_sig(float(np.median(current[m]))):g} {unit}",
                "first_cycle": int(cyc[m][0]),
                "last_cycle": int(cyc[m][-1]),
                "n_cycles": int(m.sum()),
                f"mean_discharge_capacity_{cap_unit}": float(np.mean(qd[m])),
                f"std_discharge_capacity_{cap_unit}": float(np.std(qd[m], ddof=1)) if m.sum() > 1 else float("nan"),
                f"last_discharge_capacity_{cap_unit}": float(qd[m][-1]),
                f"mean_charge_capacity_{cap_unit}": float(np.mean(qc[m])),
                "mean_coulombic_efficiency": float(np.nanmean(ce[m])) if np.isfinite(ce[m]).any() else float("nan"),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["grouping"] = (
        f"cycles grouped by the current of their constant-current discharge steps; a new group when it differs by "
        f"more than {rel_tol:.0%} from the group's first cycle ({'adjacent blocks' if contiguous else 'merged'}); "
        "incomplete cycles left out"
    )
    return out


__all__ = ["rate_table"]
