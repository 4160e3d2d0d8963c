"""Neware ``.nda`` / ``.ndax`` files (and an ``.nda`` inside a zip), decoded by cellworks itself.

The file is read once into memory (read-only); ``.ndax`` members are unpacked in memory with
bounded sizes (``_bounded``), never extracted to disk. Decoders: ``.nda`` versions 29 and 130
(BTS 9.0 and 9.1) in ``_nda_fast``; ``.ndax`` ``data.ndc`` version 5 in ``_nda_fast`` and the split
layouts (versions 11, 14, 16, 17: ``data.ndc`` + ``data_runInfo.ndc`` + ``data_step.ndc`` +
auxiliary members) in ``_ndax``. A layout none of them knows is one clear error naming the
version. NewareNDA (BSD-3) is not used at run time; the tests compare with its reference
decodings.

Mapping (Neware → cellworks):

=========================  ===============================================================
``Voltage`` (V)            ``voltage_V``
``Current(mA)``            ``current_A`` (÷1000; Neware is negative on discharge already)
charge/discharge counters  per-step counters (magnitudes: some firmware stores the discharge
                           counters negative) → ``charge_capacity_Ah`` … (÷1000)
``Step``                   ``step_index`` (the running step number)
``Cycle``                  ``cycle_index`` (Neware's "charge first" software numbering, as
                           NewareNDA and BTSDA report it)
``Status``                 ``step_type`` (``*_Chg`` charge, ``*_DChg`` discharge, ``Rest``/``Pause``/
                           ``OCV`` rest; ``Pulse``/``SIM``/``Control`` by the sign of the step's
                           net charge) and ``step_mode`` (CC, CV, CCCV, CP, CR, pulse, drive, …)
``Time``                   ``test_time_s`` (the step time accumulated)
aux ``T``/``V``/``t``/``H``  ``temperature_C`` (…_2_C), ``aux_voltage_V`` (…), ``temperature_setpoint_C``,
                           ``humidity_pct``
``Index``, ``Step_Index``  ``instrument_record``, ``instrument_step``
=========================  ===============================================================
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import assemble, monotonic_time, run_starts
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData

NDA_MAGIC = b"NEWARE"


def _nda_active_mass_mg(buf: bytes) -> float:
    """Active mass stored in an ``.nda`` header (mg; 0 when absent): u32 at byte 152 (µg) in
    version 29; the float64 that ends the 499-byte block after the footer marker in version 130."""
    version = buf[14] if len(buf) > 14 else -1
    if version == 29 and len(buf) >= 156:
        return int.from_bytes(buf[152:156], "little") / 1000
    if version == 130:
        footer = buf.rfind(b"\x06\x00\xf0\x1d\x81\x00\x03\x00\x61\x90\x71\x90\x02\x7f\xff\x00", 1024)
        if footer != -1 and footer + 16 + 499 <= len(buf):
            return float(struct.unpack_from("<d", buf, footer + 16 + 499 - 8)[0])
    return 0.0


def _check_nda_records(buf: bytes, path: Path) -> None:
    """Check the record grid (NewareNDA silently ignores a cut-off tail).

    * version 29: fixed 86-byte records from the first record marker to the end of the file;
    * version 130: fixed-size records from byte 1024 (88 bytes, or the BTS 9.1 size given by the
      distance between the first two record markers), closed by an ``0x81`` end section.
    """
    import numpy as np

    if len(buf) < 15:
        raise FileFormatError("file ends inside the header", file=path, record=f"byte {len(buf)}")
    version = buf[14]
    if version == 29:
        start = buf.find(b"\x00\x00\x00\x00\x55\x00")
        if start < 0:
            raise FileFormatError(f"no data record before the end of the file at byte {len(buf)} (truncated?)",
                                  file=path, record=f"byte {len(buf)}")
        body = len(buf) - (start + 4)
        if body % 86:
            cut = start + 4 + body - body % 86
            raise FileFormatError(f"last 86-byte record is cut off after {body % 86} bytes (truncated)",
                                  file=path, record=f"byte {cut}")
    elif version == 130:
        if len(buf) <= 1030:
            raise FileFormatError("file ends before the first data record", file=path, record=f"byte {len(buf)}")
        rec = 88
        if buf[1024] == 0x55:
            nxt = buf.find(buf[1024:1026], 1026)
            if nxt < 0:
                raise FileFormatError("fewer than two data records (truncated)", file=path, record="byte 1024")
            rec = nxt - 1024
        n = (len(buf) - 1024) // rec
        first = np.frombuffer(buf, dtype=np.uint8, count=n * rec, offset=1024)[::rec]
        if not (first == 0x81).any():
            raise FileFormatError(
                "no end-of-data section after the records (file truncated or still being written)",
                file=path, record=f"byte {1024 + n * rec}",
            )
    else:
        raise FileFormatError(f"Neware .nda version {version} is not supported (versions 29 and 130 are)",
                              file=path, record="byte 14", field="version")


def _ndax_columns(buf: bytes, path: Path) -> tuple[dict[str, Any], str]:
    """Decoded columns of an ``.ndax`` archive held in memory, and the decoder's name."""
    import io

    import numpy as np

    from cellworks.cycling.readers import _ndax
    from cellworks.cycling.readers._bounded import open_zip, read_member
    from cellworks.cycling.readers._nda_fast import _finish, decode_ndc_arrays, decode_ndc_aux

    with open_zip(io.BytesIO(buf), path) as zf:
        names = zf.namelist()
        if "data.ndc" not in names:
            raise FileFormatError("no data.ndc member: not a Neware .ndax archive", file=path)
        data = read_member(zf, "data.ndc", path)
        if len(data) < 3:
            raise FileFormatError("data.ndc is empty", file=path, field="data.ndc")
        ftype, version = data[0], data[2]
        if ftype != 1:
            raise FileFormatError(f"data.ndc has file type {ftype}, not 1 (data)", file=path, field="data.ndc")
        if version in (2, 5):
            cols = decode_ndc_arrays(data, timestamps=False)
            if cols is None:
                raise FileFormatError(f"data.ndc version {version} with an unknown current range", file=path,
                                      field="data.ndc")
            aux: dict[str, Any] = {}
            for member in _ndax.aux_members(names):
                ab = read_member(zf, member, path)
                got = decode_ndc_aux(ab, member)
                if got is not None and len(got["Index"]):
                    for ch in sorted(set(got["Aux"].tolist())):
                        sel = got["Aux"] == ch
                        rows = {"Index": got["Index"][sel], "T": got["T"][sel], "V": got["V"][sel]}
                        aux[f"{member}:{ch}"] = (rows, {"AuxID": str(ch)}, len(aux))
            cols["aux"] = _join_aux(np.asarray(cols["Index"]), aux)
            return cols, f"cellworks .ndax decoder (ndc version {version})"
        if version not in (11, 14, 16, 17):
            raise FileFormatError(f"ndc version {version} is not supported (2, 5, 11, 14, 16 and 17 are)",
                                  file=path, record="data.ndc byte 2", field="data.ndc")
        if "data_runInfo.ndc" not in names:
            raise FileFormatError(f"ndc version {version} without data_runInfo.ndc: no times or capacities",
                                  file=path)
        rec = _ndax.data_rows(data, version)
        run_buf = read_member(zf, "data_runInfo.ndc", path)
        run = _ndax.runinfo_rows(run_buf, run_buf[2] if len(run_buf) > 2 else version)
        steps = None
        if "data_step.ndc" in names:
            sb = read_member(zf, "data_step.ndc", path)
            steps = _ndax.step_rows(sb, sb[2] if len(sb) > 2 else version)
        aux_names = _ndax.aux_members(names)
        info = _ndax.aux_channel_info(read_member(zf, "TestInfo.xml", path) if "TestInfo.xml" in names else None,
                                      len(aux_names))
        aux_cols: dict[str, Any] = {}
        for k, (member, attrs) in enumerate(zip(aux_names, info, strict=True)):
            ab = read_member(zf, member, path)
            if len(ab) < 3 or ab[0] != 5:
                continue
            rows = _ndax.aux_rows(ab, ab[2], member)
            aux_cols[member] = (rows, attrs, k)
    if len(rec["Index"]) == 0:
        raise FileFormatError("no data records decoded", file=path, field="data.ndc")
    try:
        cols = _ndax.merge_split(rec, run, steps)
    except ValueError as exc:
        raise FileFormatError(str(exc), file=path, field="data_runInfo.ndc") from None
    out = _finish(cols, None)
    out["aux"] = _join_aux(out["Index"], aux_cols)
    note = f"cellworks .ndax decoder (ndc version {version}, split members)"
    if cols.get("interpolated_records"):
        note += (f"; {cols['interpolated_records']} records without run information: time by the sampling "
                 "interval, charge by ∫I dt from the last counted record")
    return out, note


def _join_aux(index: Any, members: dict[str, Any]) -> dict[str, Any]:
    """Auxiliary members joined on the record index, named like NewareNDA (T1, V1, t1, H1)."""
    import numpy as np

    from cellworks.cycling.readers._neware_codes import AUX_CHANNEL_TYPES

    out: dict[str, Any] = {}
    for rows, attrs, k in members.values():
        ai = rows["Index"]
        aux_id = attrs.get("AuxID") or str(-k - 1)
        for name in ("T", "V", "?"):
            if name not in rows:
                continue
            vals = np.asarray(rows[name], dtype=float)
            letter = AUX_CHANNEL_TYPES.get(attrs.get("ChlType", ""), "T") if name == "?" else name
            if name == "V" and not np.any(vals[np.isfinite(vals)] != 0):
                continue
            pos = np.searchsorted(ai, index)
            pc = np.minimum(pos, max(len(ai) - 1, 0))
            hit = (pos < len(ai)) & (ai[pc] == index) if len(ai) else np.zeros(len(index), dtype=bool)
            col = np.full(len(index), np.nan)
            col[hit] = vals[pc[hit]]
            out[f"{letter}{aux_id}"] = col
    return out


def _aux_to_columns(aux: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """NewareNDA-style aux names → ``temperature_C`` and named columns with units."""
    import numpy as np

    groups: dict[str, list[Any]] = {"T": [], "V": [], "t": [], "H": []}
    for key in sorted(aux, key=lambda s: (s[0], s[1:])):
        vals = np.asarray(aux[key], dtype=float)
        if key[:1] in groups and np.isfinite(vals).any():
            groups[key[:1]].append(vals)
    extra: dict[str, Any] = {}
    temps = groups["T"]
    for k, v in enumerate(temps[1:], start=2):
        extra[f"temperature_{k}_C"] = v
    for prefix, unit, vals_list in (("aux_voltage", "V", groups["V"]), ("temperature_setpoint", "C", groups["t"]),
                                    ("humidity", "pct", groups["H"])):
        for k, v in enumerate(vals_list, start=1):
            extra[f"{prefix}_{unit}" if k == 1 else f"{prefix}_{k}_{unit}"] = v
    return (temps[0] if temps else None), extra


def read_neware(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
) -> CyclingData:
    """Read a Neware ``.nda``, ``.ndax`` or zipped ``.nda`` (see the module docstring)."""
    import io
    import zipfile
    import zlib

    import numpy as np

    from cellworks.cycling.readers._bounded import check_zip_members, open_zip, read_member
    from cellworks.cycling.readers._nda_fast import TruncatedRecords, decode_nda_arrays
    from cellworks.cycling.readers._neware_codes import lookup_tables

    p = Path(path)
    with open(p, "rb") as fh:
        raw = fh.read()
    notes: dict[str, Any] = {}
    buf = raw
    try:
        if raw[:4] == b"PK\x03\x04":
            with open_zip(io.BytesIO(raw), p) as zf:
                check_zip_members(zf, p)
                names = zf.namelist()
                if "data.ndc" in names or "VersionInfo.xml" in names:
                    fmt = "neware-ndax"
                else:
                    files = [n for n in names if not n.endswith("/")]
                    if len(files) != 1 or not files[0].lower().endswith(".nda"):
                        raise FileFormatError("zip archive without one Neware .nda", file=p)
                    buf = read_member(zf, files[0], p)
                    fmt = "neware-nda"
                    notes["zip_member"] = files[0]
        else:
            fmt = "neware-nda"
        if fmt == "neware-ndax":
            cols, decoder = _ndax_columns(raw, p)
        else:
            if buf[:6] != NDA_MAGIC:
                raise FileFormatError("not a Neware .nda file (no 'NEWARE' header)", file=p, record="byte 0")
            _check_nda_records(buf, p)
            got = decode_nda_arrays(buf, timestamps=True)
            if got is None:
                raise FileFormatError(f"Neware .nda layout not supported (version {buf[14]}, byte 1024 = {buf[1024]})",
                                      file=p, record="byte 14")
            cols = got
            decoder = f"cellworks .nda decoder (version {buf[14]}{', BTS 9.0' if buf[14] == 130 and buf[1024] != 0x55 else ''})"
    except TruncatedRecords as exc:
        raise FileFormatError(str(exc), file=p, record=f"byte {exc.byte}") from None
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FileFormatError(f"not a readable zip archive ({' '.join(str(exc).split())})", file=p) from None
    index = np.asarray(cols["Index"])
    if len(index) == 0:
        raise FileFormatError("no data records decoded", file=p)
    step = np.asarray(cols["Step"], dtype=np.int64)
    starts = run_starts(step)
    status = np.asarray(cols["Status"], dtype=np.int64) & 0xFF  # status codes are one byte
    # look-up tables over the 256 codes: no sort or string work per record
    type_lut, mode_lut = lookup_tables()
    st_code = np.asarray(type_lut)[status]
    mode = np.asarray(mode_lut)[status]
    qc = np.asarray(cols["Charge_Capacity(mAh)"], dtype=float) / 1000.0
    qd = np.asarray(cols["Discharge_Capacity(mAh)"], dtype=float) / 1000.0
    ec = np.asarray(cols["Charge_Energy(mWh)"], dtype=float) / 1000.0
    ed = np.asarray(cols["Discharge_Energy(mWh)"], dtype=float) / 1000.0
    if cols.get("signed_discharge_counters"):
        notes["counters"] = "the file stores the discharge counters negative (magnitudes used)"
    other = st_code == 3
    if other.any():
        # Pulse/Control steps: direction by the step's net charge (SIM drive profiles stay 'other')
        idx = np.flatnonzero(starts)
        net = np.maximum.reduceat(qc, idx) - np.maximum.reduceat(qd, idx)
        seg = np.cumsum(starts) - 1
        by_net = np.where(net[seg] > 0, 0, np.where(net[seg] < 0, 1, 3)).astype(np.int8)
        st_code = np.where(other & (mode != "drive"), by_net, st_code).astype(np.int8)
    t = monotonic_time(np.asarray(cols["Time"], dtype=float), starts)
    extra: dict[str, Any] = {
        "instrument_record": np.asarray(index, dtype=np.int64),
        "instrument_step": np.asarray(cols["Step_Index"], dtype=np.int64),
        "instrument_charge_capacity_Ah": qc,
        "instrument_discharge_capacity_Ah": qd,
    }
    temp, aux_extra = _aux_to_columns(cols.get("aux") or {})
    extra.update(aux_extra)
    timestamp = None
    if cols.get("timestamp_utc") and cols.get("Timestamp") is not None:
        import pandas as pd

        # only zone-aware clocks (BTS 9.x, .ndax runInfo): older files store local time of unknown zone
        timestamp = pd.Series(pd.to_datetime(np.asarray(cols["Timestamp"]), utc=True))
    if active_mass_g is None and fmt == "neware-nda":
        mass_mg = _nda_active_mass_mg(buf)
        if mass_mg > 0 and np.isfinite(mass_mg):
            active_mass_g = mass_mg / 1000.0
            notes["active_mass_source"] = f"instrument setting (Neware .nda header: {mass_mg:g} mg)"
    from cellworks.cycling.readers._counters import boundary_masks, counter_increments

    direction = np.where(st_code == 0, 1, np.where(st_code == 1, -1, 0))
    bounds = boundary_masks(step, direction, np.asarray(cols["Cycle"], dtype=np.int64))
    inc = {}
    for key, vals in (("qc", qc), ("qd", qd), ("ec", ec), ("ed", ed)):
        inc[key], _ = counter_increments(vals, bounds, rule="step")
    return assemble(
        path=p, instrument="Neware", fmt=fmt, test_time_s=t,
        voltage_V=np.asarray(cols["Voltage"], dtype=float),
        current_A=np.asarray(cols["Current(mA)"], dtype=float) / 1000.0,
        step_index=step, cycle_index=np.asarray(cols["Cycle"], dtype=np.int64),
        charge_increment_Ah=inc["qc"], discharge_increment_Ah=inc["qd"],
        charge_energy_increment_Wh=inc["ec"], discharge_energy_increment_Wh=inc["ed"],
        step_type=st_code, step_mode=mode, temperature_C=temp, timestamp=timestamp,
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2, raw=raw,
        meta_extra={"decoder": decoder, "capacities": "per-step counters of the instrument", **notes},
    )
