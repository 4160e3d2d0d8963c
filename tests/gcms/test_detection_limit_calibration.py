"""The 3s detection limits are honest: for compounds that are truly absent, the reported value
divided by (DL/3) behaves as a standard normal variable.

If the area's noise were underestimated (e.g. white-noise formulas applied to correlated noise),
the z-scores of blank rows would spread wider than 1 and the "<" rows of Table 1 would turn into
false detections far more often than the 0.13 % a one-sided 3σ threshold allows. Seeds used only
here; each pair of runs gives ~22 blank rows.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from cellworks.gcms.pipeline import analyze
from cellworks.gcms.synth import synthesize_calibration, synthesize_sample
from cellworks.gcms.table1 import compare_with_table1


@pytest.mark.slow
def test_blank_rows_have_unit_z_spread(tmp_path: Path) -> None:
    cal = synthesize_calibration(tmp_path / "cal" / "calibration.json", seed=7301)
    z: list[float] = []
    for k, seed in enumerate((7302, 7304, 7306)):
        runs = [*synthesize_sample("initial", tmp_path / f"r{k}" / "i.cdf", seed=seed),
                *synthesize_sample("concentrate", tmp_path / f"r{k}" / "c.cdf", seed=seed + 1)]
        res = compare_with_table1(analyze(runs, cal).as_dict())
        for row in res["rows"]:
            for r in row["results"].values():
                if str(r.get("document_cell", "")).startswith("<") and r.get("detection_limit_vol_pct"):
                    z.append(3.0 * r["value_vol_pct"] / r["detection_limit_vol_pct"])
    assert len(z) >= 60
    # n ≈ 66 draws of N(0,1): the sample sd lies within 1 ± 0.25 and the mean within ±0.4 with
    # probability > 99 %; a noise model off by 30 % in sd fails this
    assert statistics.pstdev(z) == pytest.approx(1.0, abs=0.25)
    assert abs(statistics.mean(z)) < 0.4
