"""Issue 20's reproductions that the central layer owns: one line and exit 2 for anything hostile,
plain boolean flags, no terminal control from file text, interruptions reported as such."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from cellworks import _safety, _terminal
from cellworks._text import filter_stream_text, safe_text
from cellworks.cli import command, main
from cellworks.errors import FileFormatError, InputError, ProtocolError
from cellworks.protocol import parse_protocol

ROOT = Path(__file__).resolve().parents[2]
ESC_TITLE = "\x1b]0;pwned\x07"


def _one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------------------------
# protocols: limits checked before expansion, numbers that overflow


NESTED_5000 = "(" * 5000 + "Rest for 1 minute" + ")" * 5000


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (NESTED_5000, "nested deeper than 100 levels"),  # RecursionError before
        ("(Rest for 1 minute) * 99999999999999999999", "above the limit of 100000"),  # 3.6 GB before
        ("((Rest for 1 minute) * 1000) * 1000", "expands to 1000000 steps"),  # timed out before
        ("(Discharge at 1 A until 2.5 V) * 1000000", "above the limit"),  # 2.2 GB in lis before
        ("Discharge at 1e400 A until 2.5 V", "overflows to infinity"),  # accepted as 'inf A' before
        ("Discharge at inf A until 2.5 V", "expected"),
        ("Discharge at 1e-400 A until 2.5 V", "underflows to zero"),
        ("Discharge at C/0 until 2.5 V", "divides by zero"),  # ZeroDivisionError before
        ("Discharge at 1 A until 2.5 V * 0", "positive whole number of repeats"),
        ("Hold at 2.3 V until 0 mA", "never reached"),  # a hold that can never end (solver failure before)
        ("Discharge at 0 A until 2 V", "never reaches its cut-off"),
        ("Discharge at 0 Ohm until 2 V", "short circuit"),
        ("Charge at 1 A until 0 mAh", "reached at once"),
    ],
)
def test_hostile_protocols_fail_fast_on_one_line(capsys: pytest.CaptureFixture[str], text: str, fragment: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError) as info:
            parse_protocol(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the product of the repeats is known before anything is expanded: little memory
    assert peak < 20e6, peak
    assert fragment in info.value.one_line()
    assert main(["protocol", "show", text]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert fragment in line and len(line) < 400


def test_c_rate_over_zero_is_an_input_error() -> None:
    from cellworks.units import parse_quantity

    with pytest.raises(InputError, match="divides by zero"):
        parse_quantity("C/0")


def test_step_limit_is_settable(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "(Rest for 1 s, Rest for 2 s) * 600"
    assert len(parse_protocol(text)) == 1200
    assert len(parse_protocol(text, max_steps=1200)) == 1200
    with pytest.raises(ProtocolError, match="1201|above the limit of 1199"):
        parse_protocol(text, max_steps=1199)
    monkeypatch.setenv("CELLWORKS_MAX_STEPS", "1000")
    with pytest.raises(ProtocolError, match="CELLWORKS_MAX_STEPS"):
        parse_protocol(text)
    monkeypatch.setenv("CELLWORKS_MAX_STEPS", "lots")
    with pytest.raises(InputError, match="CELLWORKS_MAX_STEPS"):
        parse_protocol(text)


def test_nested_repeats_keep_their_meaning() -> None:
    # ((A, B) * 2, C) * 3: three cycles of A B A B C; repeated cycles share one tuple (memory)
    p = parse_protocol("((Rest for 1 s, Rest for 2 s) * 2, Rest for 3 s) * 3")
    assert len(p.cycles) == 3 and len(p) == 15
    assert [s.duration_s for s in p.cycles[0]] == [1, 2, 1, 2, 3]
    assert p.cycles[0] is p.cycles[2]


def test_protocol_show_folds_repeated_cycles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "show", "(Rest for 1 s) * 100000"]) == 0
    out = capsys.readouterr().out
    assert "100000 steps in 100000 cycles" in out and "1–100000" in out and out.count("\n") < 20


# ------------------------------------------------------------------------------------------------
# boolean flags and numeric options


def test_no_help_shows_bool_and_flag_values_get_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for path, cmd in _safety.iter_commands(command()):
        if getattr(cmd, "commands", None) is not None:
            continue
        assert main([*path.split()[1:], "--help"]) == 0
        assert "<bool>" not in capsys.readouterr().out, path
    assert main(["protocol", "show", "Rest for 1 s", "--json", "true"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--json is a flag and takes no value" in line
    assert main(["protocol", "show", "Rest for 1 s", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_steps"] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["pack", "size", "check-bleed", "--rating-W", "nan"], "field '--rating-W': not a number"),  # said ok before
        (["pack", "size", "bleed-resistor", "--cell-voltage", "inf"], "field '--cell-voltage': must be finite"),
        (["lis", "impedance", "--points", str(2**70)], "field '--points': out of range"),
        (["eis", "simulate", "-c", "R0", "--params", "1", "--f-min", "nan"], "field '--f-min': not a number"),
        (["gcms", "peaks", "x.cdf", "--ion", "nan"], "field '--ion': not a number"),
    ],
)
def test_non_finite_numeric_options_are_refused(capsys: pytest.CaptureFixture[str], args: list[str],
                                                fragment: str) -> None:
    assert main(args) == 2
    assert fragment in _one_error_line(capsys.readouterr().err)


# the fuzz campaign's cases that reached the CLI's generic fallback ("cannot process this input
# (unexpected ZeroDivisionError ...)"): each now names its field
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["lis", "design", "layer", "--thickness", "1 um", "--conductivity-S-per-cm", "1e-4", "--area-cm2", "0"],
         "field '--area-cm2': the layer area must be positive"),
        (["eis", "simulate", "-c", "R0", "--params", "1", "--f-min", "1e-320"],
         "field '--f-min': 1e-320 is below the smallest normal number"),
        (["gcms", "isotopes", "GeH4", "--resolving-power", "1e-320"], "field '--resolving-power'"),
        (["pack", "montecarlo", "baumhofer-4s3p", "--packs", "2", "--seed", "-1"],
         "field '--seed': a seed is a non-negative integer"),
    ],
)
def test_options_the_fuzz_found_name_their_field(capsys: pytest.CaptureFixture[str], args: list[str],
                                                 fragment: str) -> None:
    assert main(args) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert fragment in line and "unexpected" not in line


def test_scenario_toml_that_is_not_utf8_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "pack.toml"
    bad.write_bytes(b"[pack]\nseries = 4\n# \xff\xfe\n")
    assert main(["pack", "run", str(bad), "--json"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "not UTF-8" in line and "pack.toml" in line and "unexpected" not in line


def test_infinite_default_keeps_meaning_infinity(capsys: pytest.CaptureFixture[str]) -> None:
    # --rating-W defaults to inf ("no rating"): inf stays a valid value there
    assert main(["pack", "size", "check-bleed", "--rating-W", "inf", "--json"]) == 0
    capsys.readouterr()


# ------------------------------------------------------------------------------------------------
# one line, whatever the exception; control characters never reach the terminal


def test_any_exception_becomes_one_line() -> None:
    line, code = _safety.report(ValueError("first line\nsecond line\r\nthird"))
    assert code == 2 and "\n" not in str(line) and "first line | second line | third" in str(line)
    line, code = _safety.report(_safety.CommandFailed(IndexError("index 9 is out of bounds"), ["run.cdf"]))
    assert code == 2 and str(line).startswith("run.cdf: cannot process this input (unexpected IndexError")
    line, code = _safety.report(MemoryError())
    assert code == 2 and "more memory" in str(line)
    line, code = _safety.report(RecursionError("maximum recursion depth exceeded"))
    assert code == 2 and "nested too deeply" in str(line)
    line, code = _safety.report(TypeError("unsupported operand"))
    assert code == _safety.EXIT_INTERNAL and "internal error" in str(line) and "\n" not in str(line)
    line, code = _safety.report(FileExistsError(17, "File exists", "afile"))
    assert code == 2 and line == "afile: exists"


def test_input_error_is_one_line_and_escapes_control_characters() -> None:
    exc = FileFormatError("NewareNDA says:\nFile does not contain any valid records.",
                          file=f"evil{ESC_TITLE}.nda", token="a\x9bb")
    line = exc.one_line()
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert "\\x1b]0;pwned\\x07" in line and "NewareNDA says: | File does not" in line


def test_safe_text_and_the_stream_filter() -> None:
    assert safe_text(f"name{ESC_TITLE}\u202eevil") == "name\\x1b]0;pwned\\x07\\u202eevil"
    # a terminal keeps our colours and progress controls, nothing else
    assert filter_stream_text("\x1b[1mbold\x1b[0m\r\x1b[2K", tty=True) == "\x1b[1mbold\x1b[0m\r\x1b[2K"
    assert filter_stream_text(f"x{ESC_TITLE}", tty=True) == "x\\x1b]0;pwned\\x07"
    assert filter_stream_text("\x1b[1mbold", tty=False) == "\\x1b[1mbold"
    assert filter_stream_text("plain\ttext\n", tty=False) == "plain\ttext\n"


def test_library_names_with_escape_sequences_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    msp = tmp_path / "evil.msp"
    msp.write_text(f"Name: Benzene{ESC_TITLE}\nFormula: C6H6\nMW: 78\nNum Peaks: 2\n78 999\n77 200\n\n")
    assert main(["gcms", "library", "info", str(msp), "--names"]) == 0
    out = capsys.readouterr().out
    # the name reaches the terminal without its control characters (shown as escapes by the CLI's
    # stream guard, or replaced by the part itself)
    assert "\x1b" not in out and "\x07" not in out and "Benzene" in out and "]0;pwned" in out


def test_warnings_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    with _terminal.one_line_diagnostics():
        warnings.warn("first\nsecond", UserWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert err == "warning: first | second\n"


# ------------------------------------------------------------------------------------------------
# interruptions


def _cellworks(*args: str) -> list[str]:
    return [sys.executable, "-m", "cellworks.cli", *args]


@pytest.mark.slow
def test_sigint_during_lis_simulate_prints_interrupted() -> None:
    # issue 20: exit 130 without the promised line (numba turned the KeyboardInterrupt into a
    # SystemError; typer into a silent exit 130)
    proc = subprocess.Popen(
        _cellworks("lis", "simulate", "--protocol", "(Discharge at 1.7 A until 2.15 V, Charge at 1 A until 2.45 V) * 50000"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(8)  # past start-up and numba cache load, into the solver
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err


def test_sigterm_is_reported_as_terminated(tmp_path: Path) -> None:
    code = (
        "import os, signal, sys\n"
        "from cellworks import _safety, _terminal\n"
        "with _terminal.signal_handlers() as st:\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "    except BaseException as exc:\n"
        "        print(_safety.report(exc, st.signum))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "('terminated', 143)"


def test_interrupted_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    from cellworks import _io

    target = tmp_path / "out.parquet"
    with pytest.raises(KeyboardInterrupt):
        with _io.atomic_write(target) as fh:
            fh.write(b"half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    # a writer in another thread never reaches its clean-up: the CLI removes what is still live
    cm = _io.atomic_write(tmp_path / "other.bin")
    cm.__enter__()
    assert len(list(tmp_path.iterdir())) == 1
    assert len(_io.discard_live_temps()) == 1 and list(tmp_path.iterdir()) == []


def test_nan_everywhere_is_never_a_value() -> None:
    # the central check looks at every float option of every command
    for path, cmd in _safety.iter_commands(command()):
        if getattr(cmd, "commands", None) is None and cmd.callback is not None:
            info = _safety.describe(cmd, path)
            for name, (_flag, inf_default) in info.floats.items():
                default = next(p.default for p in cmd.params if p.name == name)
                assert not (isinstance(default, float) and math.isnan(default)), (path, name)
                assert inf_default == (isinstance(default, float) and math.isinf(default))


def test_import_stays_light_with_the_safety_layer() -> None:
    code = "import sys, cellworks.cli; cellworks.cli.command(); print(','.join(m for m in ('numpy','pandas','scipy','numba','matplotlib','pyarrow','dask') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout
    assert out.strip() == ""


def test_the_stream_guard_escapes_what_a_part_forgot() -> None:
    import io

    sink = io.StringIO()
    guarded = _terminal.GuardedStream(sink)
    guarded.write(f"name: Benzene{ESC_TITLE}\n")
    assert sink.getvalue() == "name: Benzene\\x1b]0;pwned\\x07\n"
