"""Rate table: cycles grouped by discharge current per gram."""

from __future__ import annotations

import numpy as np
import pytest

from cellworks.cycling.cycles import summarize
from cellworks.cycling.rate import rate_table

from .synth import lis_cycles

MASS_G = 1.0e-3  # 1 mg of sulfur


def test_rate_test_of_document_000_groups() -> None:
    # document 000's rate test: 0.2 → 0.4 → 0.8 → 1.6 → 3.2 → 6.4 A/g, then back to 1.6 A/g
    rates = [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 1.6]
    per = 3
    currents = [r * MASS_G for r in rates for _ in range(per)]
    data, exp = lis_cycles(len(currents), currents_A=currents, fade=0.01, active_mass_g=MASS_G, rest_s=60.0)
    s = summarize(data, pairing="discharge-first")
    rt = rate_table(s)
    assert len(rt) == 7  # the return to 1.6 A/g is its own row (contiguous grouping)
    assert list(rt["rate_label"]) == [f"{r:g} A/g" for r in rates]
    assert list(rt["n_cycles"]) == [per] * 7
    assert list(rt["first_cycle"]) == [1 + per * g for g in range(7)]
    q = np.array(exp.discharge_Ah) * 1e3 / MASS_G
    expected = [q[per * g : per * (g + 1)].mean() for g in range(7)]
    np.testing.assert_allclose(rt["mean_discharge_capacity_mAh_per_g"], expected, rtol=1e-9)
    # mean current = Q / t of the discharge step, which lasts 1 s longer than the CC time in the
    # generator (step time runs from the previous record): relative error ≤ 1 s / t_step
    t_min = min(exp.discharge_time_s)
    np.testing.assert_allclose(rt["current_A_per_g"], rates, rtol=1.0 / t_min + 1e-12)
    merged = rate_table(s, contiguous=False)
    assert len(merged) == 6 and int(merged.loc[merged.rate_label == "1.6 A/g", "n_cycles"].iloc[0]) == 2 * per


def test_rate_table_without_mass_uses_amperes() -> None:
    data, _ = lis_cycles(2)
    rt = rate_table(summarize(data))
    assert "current_A" in rt.columns and "mean_discharge_capacity_mAh" in rt.columns
    assert rt["rate_label"].iloc[0].endswith(" A")
    with pytest.raises(ValueError, match="rel_tol"):
        rate_table(summarize(data), rel_tol=2.0)
