"""Write the synthetic round-trip curves of tests/data/lis (run from the repository root).

The chain3_literature preset with two parameters changed to known "true" values is discharged at
0.1C, 0.5C and 1C to 1.5 V; each curve is resampled to 120 points evenly spaced in capacity and
given Gaussian voltage noise of σ = 2 mV (a cycler's voltage resolution; seed 7). These files are a
pipeline test for ``cellworks lis fit-curves`` (``tests/lis/test_curvefit.py``), not measurements.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cellworks.lis.params import get_preset
from cellworks.lis.simulation import simulate

TRUE = {"passivation_resistance_Ohm": 0.004, "E_L0_V": 1.99}
NOISE_V = 0.002
RATES = ("0.1C", "0.5C", "1C")


def main() -> None:
    p = dataclasses.replace(get_preset("chain3_literature"), **TRUE)
    rng = np.random.default_rng(7)
    out = Path(__file__).parent
    for rate in RATES:
        res = simulate(p, f"Discharge at {rate} until 1.5 V", rtol=1e-7, dv_out_V=0.001)
        tb = res.data.table
        q = tb["discharge_capacity_Ah"].to_numpy() / p.sulfur_mass_g * 1e3
        v = tb["voltage_V"].to_numpy()
        keep = np.concatenate([[True], np.diff(q) > 0])
        grid = np.linspace(0.0, q[keep][-1], 120)
        vg = np.interp(grid, q[keep], v[keep]) + rng.normal(0.0, NOISE_V, grid.size)
        vg[-1] = max(vg[-1], 1.5)  # the cut-off the curve ended on
        lines = ["capacity_mAh_per_g,voltage_V"] + [f"{a:.3f},{b:.5f}" for a, b in zip(grid, vg, strict=True)]
        (out / f"synthetic_roundtrip_{rate}.csv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
