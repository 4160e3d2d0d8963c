"""Issue 20's reproductions in the parts' readers and commands, through the real CLI (a subprocess
with the fuzz runner's memory and CPU caps: a regression must not take the machine with it).

The central layer already turns each of them into one line and exit 2; what these tests ask in
addition is the part's own answer: a message naming the field (not the CLI's "unexpected ..."
fallback), bounded memory, the right exit code.
"""

from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import pytest

from .mutators import zip_bad_name, zip_bomb
from .runner import RSS_LIMIT_BYTES, Case, Outcome, child_env, run_case
from .targets import DATA, SRC


def _run(tmp_path: Path, *args: str, inputs: tuple[Path, ...] = (), may_fail: bool = False) -> Outcome:
    out = run_case(Case("issue 20", tuple(args), inputs, cwd=tmp_path, may_fail=may_fail), child_env(SRC))
    assert "Traceback" not in out.stderr, out.describe()
    return out


def _error_line(out: Outcome) -> str:
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, out.describe()
    return lines[0]


def _own_message(out: Outcome) -> None:
    """Exit 2, one line, and the reader's own words (not the CLI's fallback for a raw exception)."""
    assert out.code == 2 and not out.problems, out.describe()
    assert "cannot process this input (unexpected" not in _error_line(out), out.describe()


def _mpr_with_column_count(tmp_path: Path, count: int) -> Path:
    """The new-layout BioLogic fixture with its data module's column count (u16) set to ``count``."""
    buf = bytearray((DATA / "cycling" / "00_test_04_MB_C01.mpr").read_bytes())
    pos = 0x34  # the module chain, walked by hand (as tests/cycling/test_readers.py does)
    while pos < len(buf):
        short = buf[pos + 6 : pos + 16].decode("latin-1").strip()
        new = buf[pos + 41 : pos + 45] == b"\xff\xff\xff\xff"
        length = struct.unpack_from("<I", buf, pos + (45 if new else 41))[0]
        hdr = 65 if new else 57
        if short == "VMP data":
            assert new
            struct.pack_into("<H", buf, pos + hdr + 4, count)  # after the u32 point count
            break
        pos += hdr + length
    path = tmp_path / "ncols.mpr"
    path.write_bytes(bytes(buf))
    return path


def test_mpr_column_count_0xffff(tmp_path: Path) -> None:
    # issue 20: ValueError traceback at biologic.py:329 (fixed by the cycling helper)
    path = _mpr_with_column_count(tmp_path, 0xFFFF)
    out = _run(tmp_path, "cycling", "summarize", str(path), inputs=(path,))
    _own_message(out)


def test_ndax_member_name_not_utf8(tmp_path: Path) -> None:
    # issue 20: UnicodeDecodeError at neware.py:68 (fixed by the cycling helper)
    path = tmp_path / "name.ndax"
    path.write_bytes(zip_bad_name((DATA / "cycling" / "test.ndax").read_bytes(), random.Random(0)))
    out = _run(tmp_path, "cycling", "summarize", str(path), "--json", inputs=(path,))
    assert out.code in (0, 2) and not out.problems, out.describe()
    if out.code == 2:
        _own_message(out)


@pytest.mark.slow
def test_ndax_member_that_unpacks_to_3_gib(tmp_path: Path) -> None:
    # issue 20: read whole, 3.2 GB resident, then MemoryError (fixed by the cycling helper); here
    # the runner's 3 GiB address-space cap stops an unfixed reader early
    path = tmp_path / "bomb.ndax"
    path.write_bytes(zip_bomb((DATA / "cycling" / "test.ndax").read_bytes(), random.Random(0)))
    out = _run(tmp_path, "cycling", "summarize", str(path), inputs=(path,))
    _own_message(out)
    # the suite's memory budget (1 GiB resident; 3.2 GB before)
    assert out.max_rss < RSS_LIMIT_BYTES and "needs more memory" not in out.stderr


def test_third_party_multi_line_errors_and_log_records_stay_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 20: a .nda whose NewareNDA log record made a second line; an .res StreamError whose text
    # (construct: "Error in path (parsing) -> ...\\nstream read less than specified") had a newline
    import logging

    from cellworks.cli import main
    from cellworks.errors import FileFormatError

    def hostile_read(path: object, **kwargs: object) -> None:
        logging.getLogger("newarenda").error("File does not contain any valid records.")
        raise FileFormatError("Arbin decoding failed (StreamError: Error in path (parsing) -> header\n"
                              "stream read less than specified amount, expected 4, found 0)", file=str(path))

    import cellworks.cycling.readers as readers

    monkeypatch.setattr(readers, "read", hostile_read)
    f = tmp_path / "x.res"
    shutil.copyfile(DATA / "cycling" / "arbin_example.res", f)
    assert main(["cycling", "summarize", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Error in path (parsing) -> header | stream read less" in err


def test_impedance_csv_cut_mid_number(tmp_path: Path) -> None:
    # issue 20: "-3.7" for "-3.7e-03" fitted R0 = 1.8e-9 Ohm with exit 0 (owned by the eis helper)
    text = (DATA / "eis" / "exampleData.csv").read_text().rstrip("\n")
    head, last = text.rsplit(",", 1)
    path = tmp_path / "cut.csv"
    path.write_text(f"{head},{last[:4]}")
    out = _run(tmp_path, "eis", "fit", str(path), "-c", "R0-p(R1,C1)", "--starts", "4", inputs=(path,))
    _own_message(out)
    assert "trunc" in _error_line(out) or "cut" in _error_line(out)


def test_failed_simulation_exits_non_zero(tmp_path: Path) -> None:
    # issue 20: `lis simulate` exited 0 when its status was 'failed'; this
    # protocol ends in a solver failure (a current of 1e-300 A never reaches 2.15 V)
    out = _run(tmp_path, "lis", "simulate", "--protocol", "Discharge at 1e-300 A until 2.15 V", may_fail=True)
    assert out.code in (1, 2) and not out.problems, out.describe()
    _error_line(out)


def test_impossible_sizing_values_exit_2(tmp_path: Path) -> None:
    # issue 20: --cell-voltage -4 said ok at -95 mA (owned by the pack helper); --rating-W nan said
    # ok (refused centrally: NaN is never a value)
    out = _run(tmp_path, "pack", "size", "check-bleed", "--cell-voltage", "-4")
    assert out.code == 2 and not out.problems, out.describe()
    out = _run(tmp_path, "pack", "size", "check-bleed", "--rating-W", "nan")
    assert out.code == 2 and "not a number" in _error_line(out)
