"""cellworks.lis.fit: mapping, residuals, held-out targets never read, checkpoints and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cellworks.errors import ParameterError
from cellworks.lis import fit
from cellworks.lis.twins.targets import Target

TOML = """
[document]
window_V = [1.0, 3.0]
[experiments.one]
kind = "cycling"
rate_A_per_g = 1.6
cycles = 1
[shared.fixed]
anode_area_m2 = 1.131e-4
cathode_area_m2 = 1.131e-4
li_inventory_initial_mol = 1.0e-4
voltage_floor_V = 0.5
li_polysulfide_rate_m_per_s = 0.0
k_dissolution_per_s = 5000.0
passivation_resistance_Ohm = 600.0
passivation_exponent = 3.0
[cells.synthetic]
source = "test"
[cells.synthetic.recipe]
composite_loading_mg_per_cm2 = 0.95
electrode_area_cm2 = 1.131
composite_fraction = 0.70
sulfur_fraction_of_composite = 0.653
electrolyte_to_sulfur_uL_per_mg = 4.222
[cells.synthetic.free]
pore_volume_fraction = { lo = 0.5, hi = 1.0, start = 0.9 }

[[targets]]
id = "first"
role = "fitted"
cell = "synthetic"
experiment = "one"
metric = "capacity_at"
cycle = 1
paper = 800.0
unit = "mAh/g"
tolerance_rel = 0.05

[[targets]]
id = "secret"
role = "held_out"
cell = "synthetic"
experiment = "one"
metric = "capacity_at"
cycle = 1
paper = HELD
unit = "mAh/g"
tolerance_rel = 0.05
"""


def _file(tmp_path: Path, held: float, name: str = "t.toml") -> Path:
    p = tmp_path / name
    p.write_text(TOML.replace("HELD", f"{held:g}"))
    return p


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
        fit.free_parameters({"x": {"lo": 1.0, "hi": 0.5, "start": 0.7}}, "c")
    with pytest.raises(ParameterError):
        fit.free_parameters({"x": {"lo": 0.0, "hi": 1.0, "start": 0.5, "log": True}}, "c")


def test_residuals_and_margin_penalty() -> None:
    t = Target("a", "c", "one", "capacity_at", 1000.0, "mAh/g", 50.0, "±5 %", "q", cycle=1)
    assert fit.residuals([1100.0, float("nan")], [t, t]) == [2.0, fit.FAILED_RESIDUAL]
    # inside the margin nothing is added; beyond it 10 per tolerance
    assert fit.objective_vector([0.5, -1.5], [0.8, 0.8]) == pytest.approx([0.5, -1.5, 0.0, 7.0])


@pytest.fixture(scope="module")
def fitted_pair(tmp_path_factory) -> tuple[dict, dict, Path]:
    d = tmp_path_factory.mktemp("fit")
    a = fit.run_fit(_file(d, 500.0, "a.toml"), max_nfev=4, workers=1, checkpoint=d / "ck.jsonl")
    b = fit.run_fit(_file(d, 5000.0, "b.toml"), max_nfev=4, workers=1)
    return a, b, d


def test_held_out_targets_are_never_read(fitted_pair) -> None:
    # two targets files that differ only in a held-out number give the same calibration
    a, b, _ = fitted_pair
    assert a["cells"]["synthetic"]["values"] == b["cells"]["synthetic"]["values"]
    assert a["cost"] == b["cost"]
    assert [r["id"] for r in a["cells"]["synthetic"]["residuals"]] == ["first"]
    assert a["held_out_read"] is False


def test_checkpoint_and_resume(fitted_pair, tmp_path) -> None:
    a, _, d = fitted_pair
    lines = (d / "ck.jsonl").read_text().splitlines()
    assert lines and all(json.loads(x)["cell"] == "synthetic" for x in lines)
    # resume replays the deterministic optimiser from the cached simulations: nothing recomputed
    seen = []
    again = fit.run_fit(_file(d, 500.0, "a.toml"), max_nfev=4, workers=1, checkpoint=d / "ck.jsonl", resume=True,
                        log=seen.append)
    assert (d / "ck.jsonl").read_text().splitlines() == lines
    assert again["cells"]["synthetic"]["values"] == a["cells"]["synthetic"]["values"]
    assert any("resuming" in s for s in seen)
    # a line cut short by a kill is skipped, not fatal
    (d / "ck.jsonl").write_text("\n".join(lines) + '\n{"cell": "synth')
    fit.run_fit(_file(d, 500.0, "a.toml"), max_nfev=4, workers=1, checkpoint=d / "ck.jsonl", resume=True)


def test_fit_without_targets_is_an_error(tmp_path) -> None:
    p = tmp_path / "t.toml"
    p.write_text(TOML.replace("HELD", "1").replace('role = "fitted"', 'role = "held_out"'))
    with pytest.raises(ParameterError, match="nothing to fit"):
        fit.run_fit(p, max_nfev=1)


@pytest.mark.parametrize("cell", ["zhang2016_ac_s", "zhang2016_coated"])
def test_committed_calibration_reproduces_a_fixed_subset(cell: str) -> None:
    # the committed result (a ~45 min calibration) is not rerun here: its first 0.2 A/g discharge,
    # rebuilt from the stored values, must give the residual it records
    from cellworks.lis.readers.targets import load_fitted, load_targets
    from cellworks.lis.twins.mechanisms import run_twin
    from cellworks.lis.twins.protocols import cycling_protocol
    from cellworks.lis.twins.targets import zhang2016_cell

    res = load_fitted()
    row = next(r for r in res["cells"][cell]["residuals"] if r["id"].endswith("first_discharge_0.2"))
    rate = load_targets()["experiments"]["cycling_0.2"]["rate_A_per_g"]
    run = run_twin(zhang2016_cell(cell), cycling_protocol(rate, 1))
    assert run.status == "ok"
    assert run.discharge[0] == pytest.approx(row["simulated"], rel=1e-6)
    assert res["held_out_read"] is False and res["command"].startswith("cellworks lis fit")
