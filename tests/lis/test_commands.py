from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cellworks.cli import main
from cellworks.timeseries import read_parquet


def test_simulate_json_out_and_plot(tmp_path, capsys) -> None:
    out = tmp_path / "run.parquet"
    png = tmp_path / "run.png"
    code = main(["lis", "simulate", "--preset", "marinescu2016", "--protocol", "Discharge at 1.7 A until 2.15 V",
                 "--set", "k_s_charge_per_s=1e-4", "--out", str(out), "--plot", str(png), "--json"])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("status", "end_reason", "cycles_completed", "capacity_Ah", "duration_s", "voltage_min_V",
                "voltage_max_V", "sulfur_mass_drift_rel", "wall_s"):
        assert key in d
    assert d["status"] == "ok" and d["end_reason"] == ["voltage cut-off"]
    assert d["sulfur_mass_drift_rel"] <= 1e-9
    data = read_parquet(out)
    assert data.meta.active_mass_g == 2.7 and "S8_g" in data.table.columns
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_presets_json(capsys) -> None:
    assert main(["lis", "presets", "--json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)}
    assert "marinescu2016" in names


def test_impedance_json(capsys) -> None:
    assert main(["lis", "impedance", "--preset", "marinescu2016_lipon", "--points", "5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["z_real_Ohm"]) == 5 and d["R_ct_total_Ohm"] > 0


@pytest.mark.parametrize("args", [
    ["lis", "simulate", "--preset", "nope"],
    ["lis", "simulate", "--set", "banana=1"],
    ["lis", "simulate", "--protocol", "Discharge at banana"],
])
def test_bad_input_one_line_exit_2(args, capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_cli_import_stays_light() -> None:
    code = "import sys, cellworks.lis.cli, cellworks.lis; print(sorted(m for m in ('numpy', 'pandas', 'numba', 'matplotlib', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
