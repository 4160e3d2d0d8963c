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


LOG = Path(__file__).parents[1] / "data" / "pack" / "bq8s_balancing_synthetic.log"
BITS = Path(__file__).parents[1] / "data" / "pack" / "bms8s_bitfield_synthetic.csv"


def _png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_log_read_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, d, _ = run(capsys, "log", "read", str(LOG), "--json")
    assert code == 0 and d["n_rows"] == 3600 and d["n_cells"] == 8 and len(d["cells"]) == 8
    code, d, _ = run(capsys, "log", "read", str(BITS), "--map", "balance_coding=bits", "--map", "cells_per_column=4",
                     "--json")
    assert code == 0 and d["balance"]["episodes"] == 30
    png = tmp_path / "replay.png"
    code, d, _ = run(capsys, "log", "replay", str(LOG), "--monitor-group-size", "4", "--max-per-monitor", "1",
                     "--hold-s", "90", "--gap-s", "5", "--plot", str(png), "--json")
    assert code == 0 and d["agreement_rows"] == 1.0 and d["agreement_episodes"] == 1.0 and _png(png)
    code, d, _ = run(capsys, "log", "replay", str(LOG), "--json")  # the plain 10 mV rule
    assert code == 0 and d["agreement_rows"] < 0.5
    code, _, err = run(capsys, "log", "read", str(LOG), "--map", "cells=V1..V9")
    assert code == 2 and "V9" in err and len(err.strip().splitlines()) == 1


def test_estimate_on_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "soc.csv"
    code, d, _ = run(capsys, "estimate", str(LOG), "--capacity-Ah", "13", "--bleed-ohm", "40", "--csv", str(out),
                     "--json")
    assert code == 0 and len(d["cells"]) == 8 and d["filter"] == "spkf"
    assert all(0.0 <= c["soc"] <= 1.0 and c["bound_3sigma"] > 0 for c in d["cells"])
    assert out.read_text().splitlines()[0].startswith("time_s,cell1_soc")
    code, _, err = run(capsys, "estimate", str(LOG), "--capacity-Ah", "-1")
    assert code == 2 and "--capacity-Ah" in err


def test_run_and_montecarlo_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "short.toml"
    from cellworks.pack.readers.scenario import EXAMPLES

    cfg.write_text(EXAMPLES["baumhofer-4s3p"].read_text().replace("* 182", "* 5"))
    png = tmp_path / "run.png"
    code, d, _ = run(capsys, "run", str(cfg), "--plot", str(png), "--json")
    assert code == 0 and _png(png)
    assert d["with_balancing"]["within_limits"] and "events" in d["with_balancing"]
    assert d["ocv"]["v_mid_V"] == pytest.approx(3.751)
    png = tmp_path / "mc.png"
    code, d, _ = run(capsys, "montecarlo", str(cfg), "--packs", "4", "--random-short", "--plot", str(png), "--json")
    assert code == 0 and _png(png) and d["soft_short"]["packs_with_short"] == 4
    assert {"usable_capacity_Ah", "time_to_balance_h", "bleed_energy_Wh"} <= set(d["with_balancing"])


@pytest.mark.parametrize("args, option", [
    (("check-bleed", "--cell-voltage", "-4"), "--cell-voltage"),
    (("check-bleed", "--rating-W", "nan"), "--rating-W"),
    (("check-bleed", "--fet-ohm", "nan"), "--fet-ohm"),
    (("balancing-current", "--hours", "0"), "--hours"),
    (("balancing-current", "--capacity-mAh", "nan"), "--capacity-mAh"),
    (("bleed-resistor", "--current-mA", "0"), "--current-mA"),
    (("conditioning", "--pack-mAh", "-2000"), "--pack-mAh"),
    (("discharge-resistance", "--load-ohm", "nan"), "--load-ohm"),
    (("mismatch", "--delta-mV", "-150"), "--delta-mV"),
])
def test_impossible_sizing_values_exit_2_naming_the_option(capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                                          option: str) -> None:
    # issue 20: "--cell-voltage -4 says ok at −95 mA", "--rating-W nan says ok"
    code, _, err = run(capsys, "size", *args)
    assert code == 2 and option in err and len(err.strip().splitlines()) == 1


def test_size_mismatch_on_two_curves(capsys: pytest.CaptureFixture[str]) -> None:
    # note 003: 150 mV at full charge → 13–18 % of pack capacity. Hand inverse of the LG M50 table:
    # 4.05 V lies between 4.042 (80 %) and 4.097 (90 %): 80 + 10·0.008/0.055 = 81.4545 % → 18.545 % lost
    code, d, _ = run(capsys, "size", "mismatch", "--json")
    assert code == 0 and d["capacity_loss_percent"] == pytest.approx(100 - (80 + 10 * 0.008 / 0.055), abs=1e-3)
    assert d["v_mid_V"] == pytest.approx(3.751) and d["note_v_mid_V"] == 3.67 and "LG M50" in d["ocv_source"]
    ecm = Path(__file__).parents[1] / "data" / "pack" / "pybamm_ecm_example_ocv.csv"
    code, e, _ = run(capsys, "size", "mismatch", "--ocv", str(ecm), "--json")
    # a flatter top of charge loses less: the note's 13–18 % lies between the two curves
    assert code == 0 and e["capacity_loss_percent"] < 13.0 < 18.0 < d["capacity_loss_percent"]
