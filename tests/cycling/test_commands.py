"""``cellworks cycling`` commands: outputs, inputs left untouched, one-line errors with exit 2."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellworks.cli import main

from .test_summary_fixtures import CYCLE_COUNTS, DATA

FIXTURES = sorted(CYCLE_COUNTS)


def _fingerprint(path: Path) -> tuple[str, int, int]:
    st = os.stat(path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size


def _copy(tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copy2(DATA / name, dst)
    return dst


def _extra(name: str) -> list[str]:
    return []  # a live file's cut-off last record is dropped with a warning by default


@pytest.mark.parametrize("name", FIXTURES)
def test_summarize_json_every_fixture_input_untouched(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _copy(tmp_path, name)
    before = _fingerprint(src)
    assert main(["cycling", "summarize", str(src), "--json", *_extra(name)]) == 0
    out = json.loads(capsys.readouterr().out)
    pairing, cycles, _, _ = CYCLE_COUNTS[name]
    assert out["pairing"] == pairing and out["pairing_requested"] == "auto"
    assert "first non-rest step" in out["pairing_reason"] or "no charge or discharge" in out["pairing_reason"]
    assert out["coulombic_efficiency_definition"].startswith("coulombic efficiency = discharge / charge")
    assert [c["cycle"] for c in out["cycles"]] == cycles
    assert _fingerprint(src) == before


def test_every_command_leaves_input_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _copy(tmp_path, "arbin_example.res")
    before = _fingerprint(src)
    out = tmp_path / "out"
    cmds = [
        ["cycling", "summarize", str(src)],
        ["cycling", "summarize", str(src), "--csv", str(out / "s.csv"), "--plot", str(out / "cap.png"), "--mkdir"],
        ["cycling", "convert", str(src), str(out / "t.parquet")],
        *[["cycling", "plot", str(src), str(out / f"{k}.png"), "--kind", k, "--cycles", "1,2,4"] for k in ("profiles", "dqdv")],
        *[["cycling", "plot", str(src), str(out / f"{k}.png"), "--kind", k] for k in ("capacity", "rate")],
    ]
    for cmd in cmds:
        assert main(cmd) == 0, cmd
        assert _fingerprint(src) == before, cmd
    for png in ("cap", "profiles", "dqdv", "capacity", "rate"):
        assert (out / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv = pd.read_csv(out / "s.csv")
    assert list(csv["cycle"]) == [1, 2, 3, 4]
    assert "pairing: auto" in capsys.readouterr().out
    # no temporary files left beside the outputs
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["s.csv", "cap.png", "t.parquet", "profiles.png", "dqdv.png", "capacity.png", "rate.png"]
    )


def test_convert_round_trip_gives_the_same_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = DATA / "Issue72_TestFile.nda"
    pq = tmp_path / "t.parquet"
    assert main(["cycling", "convert", str(src), str(pq), "--active-mass-mg", "2500"]) == 0
    capsys.readouterr()
    assert main(["cycling", "summarize", str(src), "--json", "--active-mass-mg", "2500"]) == 0
    direct = json.loads(capsys.readouterr().out)
    assert main(["cycling", "summarize", str(pq), "--json"]) == 0  # the mass travels in the metadata
    again = json.loads(capsys.readouterr().out)
    a = pd.DataFrame(direct["cycles"])
    b = pd.DataFrame(again["cycles"])
    pd.testing.assert_frame_equal(a, b)
    # 2.5 g: mAh per g is mAh / 2.5
    np.testing.assert_allclose(a["discharge_capacity_mAh_per_g"], a["discharge_capacity_mAh"] / 2.5, rtol=1e-12)


TEXT_SUFFIXES = (".txt", ".001", ".002", ".041", ".052", ".078", ".csv", ".mpt")


@pytest.mark.parametrize("name", [n for n in FIXTURES])
def test_truncated_copy_exit_2_one_line(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A cut copy: binary → one error line, exit 2; text (a live file) → exit 0 with one warning
    line naming the dropped record, and with --strict one error line, exit 2."""
    raw = (DATA / name).read_bytes()
    cut = tmp_path / name
    k = int(len(raw) * 0.6)
    # cut just after a field separator inside a record: the record lacks values. (A cut inside a
    # number written with varying precision, e.g. '29.790457' → '29.7904', cannot be told from a
    # whole number: it is caught only where columns have a fixed format.)
    while raw[k - 1 : k] not in (b"\t", b","):
        k -= 1
    cut.write_bytes(raw[:k])
    before = _fingerprint(cut)
    text = name.lower().endswith(TEXT_SUFFIXES) and not name.endswith(".bdf.parquet")
    if text and raw[:k].count(b"\n") < 3:  # nothing complete left (bdf_sample holds 3 records)
        assert main(["cycling", "summarize", str(cut)]) == 2
        return
    if text:
        assert main(["cycling", "summarize", str(cut), "--json"]) == 0
        err = capsys.readouterr().err
        warn = [ln for ln in err.splitlines() if "dropped" in ln]
        assert len(warn) == 1 and warn[0].startswith("warning: ") and "line " in warn[0], err
    code = main(["cycling", "summarize", str(cut), "--json"] + (["--strict"] if text else []))
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], err
    assert "Traceback" not in err
    assert _fingerprint(cut) == before


def test_unknown_biologic_column_id_loads_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .test_readers_robustness import _with_ids

    edited = tmp_path / "edited.mpr"
    _with_ids(DATA / "lili_tegdme_01_GCPL_C05.mpr", edited, {13: 9999})  # (Q-Qo)/mA.h → unknown ID 9999
    assert main(["cycling", "summarize", str(edited), "--json"]) == 0
    captured = capsys.readouterr()
    warn = [ln for ln in captured.err.splitlines() if ln.startswith("warning:") and "column ID" in ln]
    assert len(warn) == 1 and "9999" in warn[0]
    assert json.loads(captured.out)["n_cycles"] == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pairing", "sideways"], "unknown pairing"),
        (["--active-mass-mg", "-3"], "active-mass-mg"),
        (["--json", "--csv", "x.csv"], "--json"),
        (["--reference-cycle", "99"], "reference cycle 99"),
    ],
)
def test_bad_options_one_line(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cycling", "summarize", str(DATA / "arbin_example.res"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_plot_bad_cycles_and_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = str(DATA / "arbin_example.res")
    assert main(["cycling", "plot", src, str(tmp_path / "a.png"), "--cycles", "1,50"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "50" in err
    assert main(["cycling", "plot", src, str(tmp_path / "a.png"), "--cycles", "1,x"]) == 2
    assert "'x'" in capsys.readouterr().err
    assert main(["cycling", "plot", src, str(tmp_path / "a.png"), "--kind", "pie"]) == 2
    assert "pie" in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()


def test_output_may_not_overwrite_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _copy(tmp_path, "test.ndax")
    before = _fingerprint(src)
    assert main(["cycling", "convert", str(src), str(src)]) == 2
    assert main(["cycling", "summarize", str(src), "--csv", str(src)]) == 2
    assert "overwrite the input" in capsys.readouterr().err
    assert _fingerprint(src) == before


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cycling", "summarize", "/nonexistent/file.nda"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_import_stays_light() -> None:
    code = (
        "import sys, cellworks.cli, cellworks.cycling, cellworks.cycling.cli;"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'numba') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_rate_and_plateaus_commands(capsys: pytest.CaptureFixture[str]) -> None:
    src = str(DATA / "arbin_example.res")
    assert main(["cycling", "rate", src, "--active-mass-mg", "3.1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (group,) = out["groups"]  # one constant-current block: cycles 1-4
    assert (group["first_cycle"], group["last_cycle"], group["n_cycles"]) == (1, 4, 4)
    assert group["rate_label"].endswith("A/g")
    assert main(["cycling", "plateaus", src, "--json"]) == 0
    pl = json.loads(capsys.readouterr().out)
    assert [c["cycle"] for c in pl["cycles"]] == [1, 2, 3, 4]
    for c in pl["cycles"]:
        assert c["upper_plateau_mAh"] + c["lower_plateau_mAh"] > 0.47  # the ~0.474 mAh discharges
    assert main(["cycling", "plateaus", src, "--split-at", "banana"]) == 2
    assert "split_at" in capsys.readouterr().err


def test_summary_states_the_active_material(capsys: pytest.CaptureFixture[str]) -> None:
    src = str(DATA / "test.ndax")
    assert main(["cycling", "summarize", src, "--active-mass-mg", "1.5", "--active-material", "S", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["active_material"] == "S" and out["active_mass_g"] == pytest.approx(1.5e-3)
    c = out["cycles"][0]
    assert c["discharge_capacity_mAh_per_g"] == pytest.approx(c["discharge_capacity_mAh"] / 1.5e-3, rel=1e-12)


def test_batch_over_a_folder_of_live_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of files still being written: read to their last complete record with one warning
    line each (exit 0); with --strict each is a failed input and the batch exits 2."""
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(DATA / "maccor_two.txt", live / "maccor_two.txt")  # ends inside record 214
    raw = (DATA / "battdat_arbin_example.csv").read_bytes()
    k = raw.index(b"\n", len(raw) // 2) + 40
    while raw[k - 1 : k] != b",":
        k -= 1
    (live / "arbin_live.csv").write_bytes(raw[:k])  # cut inside a record
    shutil.copy(DATA / "test.ndax", live / "test.ndax")  # complete
    code = main(["cycling", "summarize", str(live), "--scheduler", "sync", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    warns = [ln for ln in err.splitlines() if ln.startswith("warning:")]
    assert len(warns) == 2 and any("maccor_two.txt: line 229" in w for w in warns), err
    assert any("arbin_live.csv: line" in w for w in warns), err
    code = main(["cycling", "summarize", str(live), "--scheduler", "sync", "--strict", "--out",
                 str(tmp_path / "strict")])
    err = capsys.readouterr().err
    assert code == 2, err
    failed = [ln for ln in err.splitlines() if ln.startswith("failed:")]
    assert len(failed) == 2 and all("still being written" in f for f in failed), err
