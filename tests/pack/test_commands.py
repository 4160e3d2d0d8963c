"""Command line: the Done-when commands of issue 6 and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cellworks.cli import main

HPPC = Path(__file__).parents[1] / "data" / "pack" / "samsung_inr21700_multipulse_hppc.xlsx"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["pack", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and out.strip().startswith("{") else {}), err


def test_size_balancing_current(capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "size", "balancing-current", "--capacity-mAh", "2000", "--parallel", "3",
                     "--imbalance", "0.20", "--hours", "1", "--json")
    assert code == 0 and d["balancing_current_mA"] == pytest.approx(1200.0)
    code, d, _ = run(capsys, "size", "balancing-current", "--capacity-mAh", "2000", "--parallel", "3",
                     "--imbalance", "0.20", "--hours", "8", "--json")
    assert d["balancing_current_mA"] == pytest.approx(150.0) and d["dissipation_W"] == pytest.approx(0.6)


def test_size_refuses_destructive_bleed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "size", "check-bleed", "--cell-voltage", "4", "--resistor-ohm", "0", "--fet-ohm", "0.1")
    assert code == 2
    assert "160 W" in err and len(err.strip().splitlines()) == 1


def test_example_conditioning(capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "example", "conditioning", "--pack-mAh", "2000", "--json")
    assert code == 0
    assert d["bleed_resistance_Ohm"] == pytest.approx(42.0) and d["bleed_current_mA"] == pytest.approx(100.0)
    assert d["dissipation_W"] == pytest.approx(0.42) and d["removed_per_discharge_mAh"] == pytest.approx(300.0)
    assert d["corrected_per_discharge_percent"] == pytest.approx(15.0)
    code, d, _ = run(capsys, "example", "conditioning", "--pack-mAh", "6000", "--json")
    assert d["corrected_per_discharge_percent"] == pytest.approx(5.0)
    assert d["corrected_per_discharge_and_charge_percent"] == pytest.approx(10.0)


def test_example_soft_short(capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "example", "soft-short", "--json")
    assert code == 0
    assert d["loss_without_balancing_percent"] == pytest.approx(9.0, abs=0.5)  # Done-when: 9 ± 0.5 %
    assert d["loss_with_balancing_percent"] < 0.5


def test_fit_ecm_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "fit-ecm", str(HPPC), "--capacity-Ah", "3", "--json")
    assert code == 0 and d["fitted"]["rms_error_mV"] <= 2.0
    assert "LG M50" in d["input"]["ocv_source"] and d["input"]["capacity_Ah"] == 3.0
    assert d["peer_documented"]["total_resistance_mOhm"] == 30.55
    code, _, err = run(capsys, "fit-ecm", str(HPPC), "--capacity-Ah", "3", "--ocv", "fit")
    assert code == 2 and "0.604 %" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "fit-ecm", str(HPPC))  # no silent 5 Ah default any more
    assert code == 2 and "capacity-Ah" in err


def test_montecarlo_small(capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "montecarlo", "baumhofer-4s3p", "--packs", "3", "--seed", "1", "--protocol",
                     "(Charge at 2 A until 4.2 V, Hold at 4.2 V until 100 mA, Discharge at 1 A until 3.0 V) * 2",
                     "--json")
    assert code == 0 and len(d["with_balancing"]["values_Ah"]) == 3


def test_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.toml"
    p.write_text('[pack]\nseries = 2\n[bms]\nthreshold_mV = 10\nbanana = 1\n[protocol]\ntext = "Rest for 1 hour"\n')
    code, _, err = run(capsys, "run", str(p))
    assert code == 2 and "bms.banana" in err and str(p) in err
    p.write_text("[pack\n")
    code, _, err = run(capsys, "run", str(p))
    assert code == 2 and "TOML" in err
    code, _, err = run(capsys, "run", str(tmp_path / "missing.toml"))
    assert code == 2
