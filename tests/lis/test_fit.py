"""cellworks.lis.fit: parameter mapping, residuals, recovery of a known parameter, provenance."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cellworks.errors import ParameterError
from cellworks.lis import fit, twin

RECIPE = """
[cells.synthetic]
source = "test"
[cells.synthetic.recipe]
composite_loading_mg_per_cm2 = 0.95
electrode_area_cm2 = 1.131
composite_fraction = 0.70
sulfur_fraction_of_composite = 0.653
electrolyte_to_sulfur_uL_per_mg = 4.222
[cells.synthetic.fixed]
voltage_floor_V = 0.5
k_s_charge_per_s = 1e-6
k_p_per_s = 1000.0
[cells.synthetic.free]
accessible_fraction_initial = { lo = 0.5, hi = 1.0, start = 0.9 }

[[targets]]
id = "first"
cell = "synthetic"
experiment = "cycling_0.2"
metric = "capacity_at"
cycle = 1
paper = PAPER
unit = "mAh/g"
tolerance_rel = 0.05
"""


def test_free_parameter_maps_to_unit_interval() -> None:
    lin = fit.FreeParameter("a", 0.5, 1.0, False, 0.8)
    lg = fit.FreeParameter("b", 1e-6, 1e-2, True, 1e-4)
    assert lin.to_unit(0.75) == pytest.approx(0.5)
    assert lg.to_unit(1e-4) == pytest.approx(0.5)  # two of four decades
    for fp, x in ((lin, 0.6), (lg, 3e-5)):
        assert fp.from_unit(fp.to_unit(x)) == pytest.approx(x, rel=1e-12)
    assert lg.from_unit(2.0) == pytest.approx(1e-2)  # clipped to the bound


def test_bad_free_parameter_is_rejected() -> None:
    with pytest.raises(ParameterError):
        fit.free_parameters({"free": {"x": {"lo": 1.0, "hi": 0.5, "start": 0.7}}}, "c")
    with pytest.raises(ParameterError):
        fit.free_parameters({"free": {"x": {"lo": 0.0, "hi": 1.0, "start": 0.5, "log": True}}}, "c")


def test_residuals_in_tolerances() -> None:
    t = twin.Target("a", "c", "cycling_0.2", "capacity_at", 1000.0, "mAh/g", 50.0, "±5 %", "q", cycle=1)
    assert fit.residuals([1025.0], [t]) == [pytest.approx(0.5)]
    assert fit.residuals([math.nan], [t]) == [10.0]  # a failed run counts as 10 tolerances


def test_objective_vector_penalises_only_beyond_the_margin() -> None:
    # inside the margin the objective is the plain residual vector; beyond it each target adds
    # 10·(|r| − margin): 0.9 tolerances with margin 0.8 → 1.0, −1.2 with margin 0.33 → 8.7
    assert fit.objective_vector([0.5, -0.7], [0.8, 0.8]) == [0.5, -0.7, 0.0, 0.0]
    out = fit.objective_vector([0.9, -1.2], [0.8, 0.33])
    assert out[:2] == [0.9, -1.2]
    assert out[2:] == [pytest.approx(1.0), pytest.approx(8.7)]


def test_fit_recovers_a_known_parameter(tmp_path: Path) -> None:
    # the target is the twin's own first discharge with 70 % of the sulfur accessible; the fit
    # starts at 90 % and must come back to 70 % (capacity is linear in it: xatol 1e-4 → 1e-3)
    spec_text = RECIPE.replace("PAPER", "0.0")
    path = tmp_path / "t.toml"
    path.write_text(spec_text)
    cell = twin.cell_from_spec("synthetic", twin.load_targets(path)["cells"]["synthetic"],
                               {"accessible_fraction_initial": 0.7})
    paper = twin.run_twin(cell, twin.cycling_protocol(0.2, 1)).discharge[0]
    path.write_text(RECIPE.replace("PAPER", repr(paper)))
    out = fit.run_fit(path, seed=0, max_nfev=60, workers=1)
    c = out["cells"]["synthetic"]
    assert c["values"]["accessible_fraction_initial"] == pytest.approx(0.7, abs=1e-3)
    assert abs(c["residuals"][0]["residual_in_tolerances"]) < 0.01
    assert out["targets_sha256"] == twin.file_sha256(path)
    # deterministic: the same command gives the same numbers
    again = fit.run_fit(path, seed=0, max_nfev=60, workers=1)
    diff = fit.compare_values(c["values"], again["cells"]["synthetic"]["values"])
    assert max(diff.values()) == 0.0


def test_committed_presets_come_from_the_committed_targets() -> None:
    fitted = json.loads(twin.data_path(twin.FITTED_FILE).read_text())
    assert fitted["targets_sha256"] == twin.file_sha256(twin.data_path(twin.TARGETS_FILE))
    assert fitted["command"].startswith("cellworks lis fit")
    for name in ("zhang2016_ac_s", "zhang2016_coated"):
        cell = twin.zhang2016_cell(name)
        for k, v in fitted["cells"][name]["values"].items():
            if k in twin.MECHANISM_FIELDS:
                assert getattr(cell.mechanisms, k) == v
            elif k != "exchange_current_scale":
                assert getattr(cell.params, k) == v
