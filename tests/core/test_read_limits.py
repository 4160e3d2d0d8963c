"""Reading bounded by what a file can hold (cellworks._io) and truncation detection in text exports
(cellworks.textnum): the shared helpers the part readers use."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from cellworks import _io
from cellworks.errors import FileFormatError, LimitError
from cellworks.textnum import check_tail, ends_with_newline, shape, truncated_tail

DATA = Path(__file__).resolve().parents[1] / "data"


def test_check_count_refuses_what_the_bytes_cannot_hold() -> None:
    assert _io.check_count(10, 40, 4, file="x.mpr", field="n_cols") == 10
    with pytest.raises(FileFormatError) as info:
        _io.check_count(0xFFFF, 120, 2, file="x.mpr", field="n_cols", record="byte 4096")
    line = info.value.one_line()
    assert line.startswith("x.mpr: byte 4096: field 'n_cols': says 65535 items of 2 bytes but only 120")
    with pytest.raises(FileFormatError, match="negative"):
        _io.check_count(-1, 100, 1, file="x", field="n")


def test_read_bytes_limited(tmp_path: Path) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"x" * 100)
    assert _io.read_bytes_limited(f) == b"x" * 100
    with pytest.raises(LimitError, match="above the limit"):
        _io.read_bytes_limited(f, limit=99)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # no writer: a plain open() for reading would wait forever
    with pytest.raises(FileFormatError, match="not a regular file"):
        _io.read_bytes_limited(fifo)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _with_bad_utf8_name(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rename a member (same length) to bytes that are not UTF-8 and set the UTF-8 flag."""
    assert len(old) == len(new)
    buf = bytearray(data.replace(old, new))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = buf.find(sig)
        while pos != -1:
            flags = struct.unpack_from("<H", buf, pos + flag_at)[0] | 0x800
            struct.pack_into("<H", buf, pos + flag_at, flags)
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


def test_zip_member_names_that_are_not_utf8_are_decoded_with_replacement() -> None:
    data = _with_bad_utf8_name(_zip({"data.ndc": b"payload", "Step.xml": b"<x/>"}), b"Step.xml", b"St\xffp.xml")
    with pytest.raises(UnicodeDecodeError):  # what the standard library does (neware.py:68 before)
        zipfile.ZipFile(io.BytesIO(data))
    zf = _io.open_zip(data, file="t.ndax")
    assert _io.read_zip_member(zf, "data.ndc", file="t.ndax") == b"payload"
    assert any("\ufffd" in _io.display_name(i) for i in zf.infolist())


def _bomb(unpacked: int) -> bytes:
    """A zip whose one member really unpacks to ``unpacked`` zero bytes (built without them)."""
    chunk = 64 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(chunk)) + comp.flush(zlib.Z_FULL_FLUSH)
    n, rest = divmod(unpacked, chunk)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = block * n + tail.compress(bytes(rest)) + tail.flush()
    crc = 0
    zeros = bytes(chunk)
    for _ in range(n):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(bytes(rest), crc)
    name = b"data.ndc"
    z64 = unpacked >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, unpacked, len(body)) if z64 else b""
    size32, csize32 = (0xFFFFFFFF, 0xFFFFFFFF) if z64 else (unpacked, len(body))
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, crc, csize32, size32, len(name), len(extra))
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, 0, 0, crc, csize32, size32,
                          len(name), len(extra), 0, 0, 0, 0, 0)
    cd = central + name + extra
    offset = len(local) + len(name) + len(extra) + len(body)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(cd), offset, 0)
    return local + name + extra + body + cd + end


def test_zip_bomb_is_refused_before_unpacking() -> None:
    data = _bomb(600 << 20)  # 600 MiB from ~600 kB: a ratio of ~1000
    assert len(data) < 2 << 20
    with pytest.raises(LimitError) as info:
        _io.open_zip(data, file="bomb.ndax")
    assert "would unpack to 600.0 MiB" in info.value.one_line() and "CELLWORKS_MAX_UNPACK" in info.value.one_line()


def test_unpack_limits_are_settable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _io.unpacked_size_limit(10) == 64 << 20  # small members: the floor
    assert _io.unpacked_size_limit(1 << 30) == 1 << 30  # the absolute cap
    assert _io.unpacked_size_limit(1 << 20) == 200 << 20  # the ratio
    monkeypatch.setenv("CELLWORKS_MAX_UNPACK_RATIO", "2000")
    assert _io.unpacked_size_limit(100 << 10) == 2000 * (100 << 10)
    monkeypatch.setenv("CELLWORKS_MAX_UNPACKED_BYTES", "1e6")
    assert _io.unpacked_size_limit(1 << 20) == 1_000_000


def test_a_corrupt_member_is_one_line() -> None:
    data = bytearray(_zip({"data.ndc": bytes(range(256)) * 64}))
    pos = data.find(b"data.ndc") + len(b"data.ndc") + 20  # inside the compressed stream
    data[pos : pos + 8] = b"\xff" * 8
    zf = _io.open_zip(bytes(data), file="t.ndax")
    with pytest.raises(FileFormatError) as info:
        _io.read_zip_member(zf, "data.ndc", file="t.ndax")
    assert "\n" not in info.value.one_line() and info.value.one_line().startswith("t.ndax: field 'data.ndc'")


def test_not_a_zip_is_one_line() -> None:
    with pytest.raises(FileFormatError, match="not a readable zip archive"):
        _io.open_zip(b"PK\x03\x04garbage", file="t.xlsx")


# ------------------------------------------------------------------------------------------------
# truncated text exports


def _rows(path: Path, sep: str = ",") -> list[list[str]]:
    return [ln.split(sep) for ln in path.read_text().splitlines() if ln.strip()]


def test_shapes() -> None:
    assert shape("-3.7e-03") == shape("1.0e+04")
    assert shape("-3.7").exponent_digits is None and shape("-3.7").decimals == 1
    assert shape("1.5e").ends_open and shape("2.").ends_open and not shape("2.0").ends_open
    assert shape("abc") is None and shape("") is None


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (lambda t: "-3.7", "has no exponent while every earlier value has one"),  # issue 20: R0 = 1.8e-9
        (lambda t: t[:-1], "fewer exponent digits"),
        (lambda t: t[:-3], "ends in 'e'"),
        (lambda t: t[:-4], "has no exponent"),
    ],
)
def test_truncated_last_number_of_the_impedance_csv(tmp_path: Path, cut, reason) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(DATA / "eis" / "exampleData.csv")
    assert truncated_tail(rows) is None
    bad = [*rows[:-1], [*rows[-1][:2], cut(rows[-1][2])]]
    assert reason in str(truncated_tail(bad, ["frequency", "Re(Z)", "Im(Z)"]))
    with pytest.raises(FileFormatError) as info:
        check_tail(bad, file="x.csv", ended_with_newline=False, record="line 66")
    assert info.value.one_line().startswith("x.csv: line 66: the last record looks cut off mid-number")
    check_tail(bad, file="x.csv", ended_with_newline=True)  # a finished line is not judged


def test_fixed_decimals_and_missing_fields() -> None:
    rows = [[f"{i * 0.1:.6f}", f"{3.3 + i * 1e-3:.4f}"] for i in range(10)]
    assert truncated_tail(rows) is None
    assert "has 2 decimals where every earlier value has 4" in str(truncated_tail([*rows, ["1.000000", "3.31"]]))
    assert "fields" in str(truncated_tail([*rows, ["1.000000"]]))
    # shortest round-trip formats have no fixed shape: nothing is claimed
    free = [[repr(v)] for v in (0.1, 0.25, 1.125, 3.0, 2.5)]
    assert truncated_tail([*free, ["0.3"]]) is None


@pytest.mark.parametrize(("name", "sep"), [("eis/exampleData.csv", ","), ("eis/exampleDataBioLogic.mpt", "\t"),
                                         ("eis/exampleDataGamry.DTA", "\t"), ("cycling/battdat_arbin_example.csv", ","),
                                         ("cycling/exampleDataBioLogic.mpt", "\t"), ("cycling/maccor_example.001", "\t")])
def test_no_false_alarm_on_real_text_exports(name: str, sep: str) -> None:
    path = DATA / name
    rows = [ln.split(sep) for ln in path.read_bytes().decode("latin-1").splitlines() if ln.strip()]
    assert truncated_tail(rows[-25:]) is None
    check_tail(rows[-25:], file=path, ended_with_newline=ends_with_newline(path))


def test_the_truncated_maccor_fixture_is_detected() -> None:
    # maccor_two.txt ends inside a record ("0,00000" where 22 fields are due), then a newline
    path = DATA / "cycling" / "maccor_two.txt"
    rows = [ln.split("\t") for ln in path.read_text(encoding="latin-1").splitlines() if ln.strip()]
    assert ends_with_newline(path)
    assert "fields where every earlier one has" in str(truncated_tail(rows))
    with pytest.raises(FileFormatError, match="cut off"):
        check_tail(rows, file=path, ended_with_newline=True)  # fewer fields: cut, newline or not
