"""Hostile and corrupt cycler files (issue 20, the readers' part): every one ends as one error
line with exit 2, and no reader allocates more than the file's content can justify."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from cellworks.cli import main
from cellworks.cycling import read
from cellworks.errors import FileFormatError

from .test_readers import mpr_modules

DATA = Path(__file__).resolve().parents[1] / "data" / "cycling"


def _one_error_line(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0], err
    assert "Traceback" not in err
    return lines[0]


def test_mpr_with_column_count_0xffff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buf = bytearray((DATA / "00_test_04_MB_C01.mpr").read_bytes())
    _short, start, _length, layout, _version = next(m for m in mpr_modules(bytes(buf)) if m[0] == "VMP data")
    assert layout == "new"
    struct.pack_into("<H", buf, start + 4, 0xFFFF)  # the column count
    bad = tmp_path / "cols.mpr"
    bad.write_bytes(bytes(buf))
    assert main(["cycling", "summarize", str(bad)]) == 2
    assert "columns" in _one_error_line(capsys, bad)


def _zip_with_names(path: Path, members: dict[bytes, bytes]) -> None:
    """A zip whose member names are raw bytes with the UTF-8 flag set (bit 11), valid or not."""
    out = io.BytesIO()
    central = []
    for raw_name, data in members.items():
        offset = out.tell()
        crc = zipfile.crc32(data) & 0xFFFFFFFF
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0, crc, len(data), len(data),
                              len(raw_name), 0) + raw_name + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 0, 0, 0, crc, len(data),
                                   len(data), len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
    cd_start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - cd_start,
                          cd_start, 0))
    path.write_bytes(out.getvalue())


def test_ndax_with_a_member_name_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(DATA / "test.ndax") as zf:
        members = {n.encode(): zf.read(n) for n in zf.namelist()}
    members[b"data_\xff\xfe.ndc"] = b"\x00" * 16
    bad = tmp_path / "names.ndax"
    _zip_with_names(bad, members)
    assert main(["cycling", "summarize", str(bad)]) == 2
    assert "UTF-8" in _one_error_line(capsys, bad)


def _claims(path: Path, member: str, claimed: int) -> None:
    """Rewrite the unpacked size a zip declares for ``member`` (local header and central directory)."""
    buf = bytearray(path.read_bytes())
    name = member.encode()
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        k = 0
        while (k := buf.find(sig, k)) >= 0:
            name_len = struct.unpack_from("<H", buf, k + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = k + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(buf[name_at:name_at + name_len]) == name:
                struct.pack_into("<I", buf, k + size_at, claimed)
            k += 4
    path.write_bytes(bytes(buf))


def test_ndax_whose_data_member_claims_3_gib_is_refused_quickly_and_small(tmp_path: Path) -> None:
    """A 3 MB .ndax whose data.ndc declares 3 GiB: refused before anything is unpacked. Run in a
    fresh process to measure its peak memory (the issue: < 500 MB; the 2 s is measured in the
    closing report, not here — timing belongs in benchmarks; 30 s here only guards against a hang)."""
    rng = __import__("random").Random(0)
    payload = bytes(rng.getrandbits(8) for _ in range(3 << 20))  # 3 MB that do not compress
    bomb = tmp_path / "bomb.ndax"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.ndc", payload)
        zf.writestr("VersionInfo.xml", b"<x/>")
    _claims(bomb, "data.ndc", 3 << 30)
    # peak memory of this process alone: /proc's VmHWM belongs to the new address space, where
    # ru_maxrss on Linux carries the parent's peak across fork + exec (a big pytest run's)
    code = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from cellworks.cli import main
        rc = main(["cycling", "summarize", {str(bomb)!r}])
        status = Path("/proc/self/status")
        hwm = [ln.split()[1] for ln in status.read_text().splitlines() if ln.startswith("VmHWM")] \
            if status.exists() else []
        print(rc, hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    rc, maxrss_kb = res.stdout.split()
    assert int(rc) == 2
    assert int(maxrss_kb) < 500 * 1024, maxrss_kb
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "claims 3221225472 bytes" in err[0] and str(bomb) in err[0]


def test_member_that_unpacks_past_its_declared_size(tmp_path: Path) -> None:
    with zipfile.ZipFile(DATA / "test.ndax") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    bad = tmp_path / "liar.ndax"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, blob in members.items():
            zf.writestr(n, blob)
    _claims(bad, "data.ndc", 4096)  # declares one page; the stream holds more
    with pytest.raises(FileFormatError) as err:
        read(bad)
    assert "\n" not in str(err.value) and "data.ndc" in str(err.value)


@pytest.mark.parametrize(
    ("offset", "value"),
    [(14, 255), (14, 0), (1024, 0x55)],  # unknown version; no version; a BTS 9.1 marker with no partner
)
def test_nda_with_absurd_header_values(tmp_path: Path, offset: int, value: int,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    buf = bytearray((DATA / "neware_pulse_2-1-6_61_trimmed.nda").read_bytes())
    buf[offset] = value
    if offset == 1024:
        buf[1025:] = b"\x00" * (len(buf) - 1025)
    bad = tmp_path / "absurd.nda"
    bad.write_bytes(bytes(buf))
    assert main(["cycling", "summarize", str(bad)]) == 2
    _one_error_line(capsys, bad)


def test_res_error_text_with_newlines_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import access_parser

    class StreamError(Exception):
        pass

    def broken(*_a: object, **_k: object) -> None:
        raise StreamError("Error in path (parsing) -> header\nstream read less than specified amount,\nexpected 4")

    monkeypatch.setattr(access_parser, "AccessParser", broken)
    src = tmp_path / "x.res"
    src.write_bytes((DATA / "arbin_example.res").read_bytes())
    assert main(["cycling", "summarize", str(src)]) == 2
    line = _one_error_line(capsys, src)
    assert "StreamError" in line and "expected 4" in line


def test_xlsx_with_a_member_claiming_gigabytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "big.xlsx"
    bad.write_bytes((DATA / "arbin_mits7_Channel_11.xlsx").read_bytes())
    _claims(bad, "xl/worksheets/sheet2.xml", 3 << 30)
    assert main(["cycling", "summarize", str(bad)]) == 2
    assert "claims" in _one_error_line(capsys, bad)


def test_maccor_eis_export_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eis = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "cycler" / "beep_maccor_4267-66-6519.EDA0001.041"
    if not eis.exists():
        pytest.skip("shared fixtures not present")
    assert main(["cycling", "summarize", str(eis)]) == 2
    assert "impedance" in _one_error_line(capsys, eis)
