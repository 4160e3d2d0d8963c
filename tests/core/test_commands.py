"""The command line: version, groups, JSON, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cellworks import __version__
from cellworks.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_protocol_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    text = "(Discharge at 0.2 A/g until 1.0 V, Rest for 10 minutes, Charge at 0.2 A/g until 3.0 V) * 3"
    assert main(["protocol", "show", text, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["steps"]) == 9
    dis = [s for s in out["steps"] if s["kind"] == "discharge"]
    chg = [s for s in out["steps"] if s["kind"] == "charge"]
    assert all(s["current_A_per_g"] == 0.2 and s["until"][0]["voltage_V"] == 1.0 for s in dis)
    assert all(s["current_A_per_g"] == 0.2 and s["until"][0]["voltage_V"] == 3.0 for s in chg)


def test_bad_protocol_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "show", "Discharge at banana"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "banana" in err and "Traceback" not in err


def test_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Missing argument" in err


def test_console_script_exit_code() -> None:
    # through a real process, as a user runs it
    proc = subprocess.run(
        [sys.executable, "-m", "cellworks.cli", "protocol", "show", "Discharge at banana"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "banana" in proc.stderr


def test_help_lists_every_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for group in ("lis", "cycling", "eis", "pack", "gcms", "protocol", "demo"):
        assert group in out


def test_every_group_mounts_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    # each part's cli package is mounted explicitly: its --help lists real commands
    expected = {"protocol": "show", "lis": "simulate", "cycling": "summarize", "eis": "fit", "pack": "run",
                "gcms": "identify"}
    for group, command in expected.items():
        assert main([group, "--help"]) == 0
        assert command in capsys.readouterr().out, group


def test_import_is_light() -> None:
    # `import cellworks` and the CLI's --help must not pull in the heavy numerical stack
    code = (
        "import sys, cellworks, cellworks.cli\n"
        "heavy = [m for m in ('numpy','pandas','scipy','numba','matplotlib','pyarrow','dask') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"heavy modules imported at start-up: {proc.stdout.strip()}"


def test_import_time_under_0_2_s() -> None:
    # issue 2: cumulative import time of `import cellworks` under 0.2 s (python -X importtime)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import cellworks"], capture_output=True, text=True, check=True
    )
    last = [ln for ln in proc.stderr.splitlines() if ln.startswith("import time:")][-1]
    cumulative_us = int(last.split("|")[1])
    assert cumulative_us < 200_000, last
