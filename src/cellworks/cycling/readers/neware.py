"""Neware ``.nda`` / ``.ndax`` files.

The file is read once into memory (read-only). ``.nda`` record grids (versions 29 and 130/BTS 9.1)
and the ``data.ndc`` member of ``.ndax`` zip archives (ndc version 5) are decoded by cellworks'
vectorised decoder (``_nda_fast``, NewareNDA's layouts); ``.ndax`` members are read from the zip
in memory, never extracted. Other layouts go to NewareNDA (BSD-3), which memory-maps ``.nda``
files and unpacks ``.ndax`` archives into a private ``tempfile.TemporaryDirectory`` in the
system temp folder (never beside the input; removed afterwards). The input is never written,
moved or locked.

Mapping (NewareNDA column → cellworks):

=========================  ===============================================================
``Voltage`` (V)            ``voltage_V``
``Current(mA)``            ``current_A`` (÷1000; Neware is negative on discharge already)
``Charge_Capacity(mAh)``   per-step counter → ``charge_capacity_Ah`` (÷1000)
``Discharge_Capacity``     per-step counter → ``discharge_capacity_Ah``
``*_Energy(mWh)``          per-step counters → energies (÷1000)
``Step``                   ``step_index`` (NewareNDA's running step number)
``Cycle``                  ``cycle_index`` (Neware's own numbering)
``Status``                 ``step_type`` (``*_Chg`` charge, ``*_DChg`` discharge, ``Rest``, else other)
``Time``                   ``test_time_s`` (accumulated when it is a step time)
``Index``, ``Step_Index``  kept as ``instrument_record``, ``instrument_step``
=========================  ===============================================================
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import assemble, increments_from_counter, monotonic_time, run_starts
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData

NDA_MAGIC = b"NEWARE"


def _status_to_type(status: str) -> str:
    s = status.lower()
    if s.endswith("_dchg") or s in ("dchg", "cc_dchg", "cp_dchg", "cr_dchg"):
        return "discharge"
    if s.endswith("_chg") or s == "chg":
        return "charge"
    if s == "rest":
        return "rest"
    return "other"


def _read_container(path: Path, fmt: str) -> tuple[bytes, dict[str, bytes] | None]:
    """The file's bytes and, for ``.ndax``, the members cellworks decodes itself (read from the zip
    in memory; zipfile checks each member's CRC). Structural checks NewareNDA does not make."""
    import io

    with open(path, "rb") as fh:
        buf = fh.read()
    if fmt == "neware-ndax":
        try:
            with zipfile.ZipFile(io.BytesIO(buf)) as zf:
                names = zf.namelist()
                if "data.ndc" not in names:
                    raise FileFormatError("no data.ndc member: not a Neware .ndax archive", file=path)
                members = {"data.ndc": zf.read("data.ndc")}
                members.update({n: b"" for n in names if n != "data.ndc"})
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise FileFormatError(f"not a readable .ndax (zip) archive: {exc} (truncated?)", file=path,
                                  record=f"byte {len(buf)}") from None
        return buf, members
    if buf[:6] != NDA_MAGIC:
        raise FileFormatError("not a Neware .nda file (no 'NEWARE' header)", file=path, record="byte 0")
    _check_nda_records(buf, path)
    return buf, None


def _nda_active_mass_mg(buf: bytes) -> float:
    """Active mass stored in an ``.nda`` header (mg; 0 when absent) — NewareNDA's
    ``read_nda_metadata`` locations: u32 at byte 152 (µg) in version 29; the float64 that ends the
    499-byte block after the footer marker in version 130."""
    import struct

    version = buf[14] if len(buf) > 14 else -1
    if version == 29 and len(buf) >= 156:
        return int.from_bytes(buf[152:156], "little") / 1000
    if version == 130:
        footer = buf.rfind(b"\x06\x00\xf0\x1d\x81\x00\x03\x00\x61\x90\x71\x90\x02\x7f\xff\x00", 1024)
        if footer != -1 and footer + 16 + 499 <= len(buf):
            return float(struct.unpack_from("<d", buf, footer + 16 + 499 - 8)[0])
    return 0.0


def _check_nda_records(buf: bytes, path: Path) -> None:
    """NewareNDA silently ignores a cut-off tail; check the record grid ourselves.

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
        if len(buf) <= 1026:
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


def _decode_with_newarenda(p: Path, fmt: str) -> dict[str, Any]:
    """Columns of layouts cellworks does not decode itself, through NewareNDA."""
    import warnings

    import numpy as np
    from NewareNDA.dicts import state_dict
    from NewareNDA.NewareNDA import read_nda
    from NewareNDA.NewareNDAx import read_ndax

    from cellworks.cycling.readers._nda_fast import software_cycle_number

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # called by format, not through NewareNDA.read, which dispatches on the extension
        if fmt == "neware-nda":
            df = read_nda(str(p), True, "chg")
        else:
            df = read_ndax(str(p), False, "chg")
            # NewareNDA's own "charge first" cycle numbering, vectorised (its loop is per row)
            df["Cycle"] = software_cycle_number(df["Status"].astype(str).to_numpy())
    code_of = {name: code for code, name in state_dict.items()}
    status = df["Status"].astype(str).to_numpy(dtype=object)
    cols: dict[str, Any] = {
        name: df[name].to_numpy(dtype=np.int64 if name in ("Index", "Cycle", "Step", "Step_Index") else float)
        for name in ("Index", "Cycle", "Step", "Step_Index", "Time", "Voltage", "Current(mA)",
                     "Charge_Capacity(mAh)", "Discharge_Capacity(mAh)", "Charge_Energy(mWh)", "Discharge_Energy(mWh)")
    }
    # status names -> Neware codes (unknown names get codes above 255, typed 'other')
    uniq, inv = np.unique(status.astype(str), return_inverse=True)
    cols["Status"] = np.array([code_of.get(u, 1000 + k) for k, u in enumerate(uniq.tolist())],
                              dtype=np.int64)[inv.ravel()]
    cols["status_names"] = {code_of.get(u, 1000 + k): u for k, u in enumerate(uniq.tolist())}
    cols["aux"] = {"T1": df["T1"].to_numpy(dtype=float)} if "T1" in df.columns else {}
    if "Timestamp" in df.columns:
        ts = df["Timestamp"]
        try:
            if ts.dt.tz is not None:  # only zone-aware clocks (BTS 9.1, .ndax)
                cols["Timestamp"] = ts.dt.tz_convert("UTC").to_numpy()
                cols["timestamp_utc"] = True
        except (AttributeError, TypeError):
            pass
    return cols


def read_neware(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None
) -> CyclingData:
    import numpy as np

    from cellworks.cycling.readers._nda_fast import (
        TruncatedRecords,
        decode_nda_arrays,
        decode_ndc_arrays,
        status_name,
    )

    p = Path(path)
    fmt = "neware-ndax" if zipfile.is_zipfile(p) else "neware-nda"
    raw, members = _read_container(p, fmt)
    decoder = "NewareNDA"
    cols: dict[str, Any] | None = None
    try:
        if fmt == "neware-nda":
            cols = decode_nda_arrays(raw, timestamps=False)
        elif members is not None and not any(
            n.startswith(("data_runInfo", "data_step")) or n.endswith(".ndc") and "_AUX_" in n
            or re.search(r"_\d+\.ndc$", n) for n in members
        ):
            cols = decode_ndc_arrays(members["data.ndc"], timestamps=False)
        if cols is not None:
            decoder = f"cellworks vectorised {'.nda' if fmt == 'neware-nda' else '.ndax data.ndc'} decoder (NewareNDA layouts)"
        else:
            cols = _decode_with_newarenda(p, fmt)
    except TruncatedRecords as exc:
        raise FileFormatError(f"data.ndc: {exc}", file=p, record=f"data.ndc byte {exc.byte}") from None
    except FileFormatError:
        raise
    except Exception as exc:  # NewareNDA raises struct/index/value errors on corrupt files
        raise FileFormatError(f"Neware decoding failed ({type(exc).__name__}: {exc})", file=p) from None
    index = cols["Index"]
    if len(index) == 0:
        raise FileFormatError("no data records decoded", file=p)
    step = np.asarray(cols["Step"], dtype=np.int64)
    starts = run_starts(step)
    # status code -> cellworks step type code (0 charge, 1 discharge, 2 rest, 3 other)
    status = np.asarray(cols["Status"], dtype=np.int64)
    names = cols.get("status_names") or {}
    uniq, inv = np.unique(status, return_inverse=True)
    kinds = ("charge", "discharge", "rest", "other")
    lut = np.array([kinds.index(_status_to_type(names.get(c) or status_name(c))) for c in uniq.tolist()],
                   dtype=np.int8)
    st = lut[inv.ravel()]
    t = monotonic_time(np.asarray(cols["Time"], dtype=float), starts)
    qc = np.asarray(cols["Charge_Capacity(mAh)"], dtype=float) / 1000.0
    qd = np.asarray(cols["Discharge_Capacity(mAh)"], dtype=float) / 1000.0
    ec = np.asarray(cols["Charge_Energy(mWh)"], dtype=float) / 1000.0
    ed = np.asarray(cols["Discharge_Energy(mWh)"], dtype=float) / 1000.0
    extra = {
        "instrument_record": np.asarray(index, dtype=np.int64),
        "instrument_step": np.asarray(cols["Step_Index"], dtype=np.int64),
        "instrument_charge_capacity_Ah": qc,
        "instrument_discharge_capacity_Ah": qd,
    }
    temp = (cols.get("aux") or {}).get("T1")
    if temp is not None and not np.isfinite(temp).any():
        temp = None
    timestamp = None
    if cols.get("timestamp_utc") and cols.get("Timestamp") is not None:
        import pandas as pd

        # only zone-aware clocks (BTS 9.1, .ndax of newer servers): older files store local time of
        # unknown zone
        timestamp = pd.Series(pd.to_datetime(cols["Timestamp"], utc=True))
    notes: dict[str, str] = {}
    if active_mass_g is None and fmt == "neware-nda":
        mass_mg = _nda_active_mass_mg(raw)
        if mass_mg > 0 and np.isfinite(mass_mg):
            active_mass_g = mass_mg / 1000.0
            notes["active_mass_source"] = "Neware .nda header (active mass, mg)"
    return assemble(
        path=p, instrument="Neware", fmt=fmt, test_time_s=t,
        voltage_V=np.asarray(cols["Voltage"], dtype=float),
        current_A=np.asarray(cols["Current(mA)"], dtype=float) / 1000.0,
        step_index=step, cycle_index=np.asarray(cols["Cycle"], dtype=np.int64),
        charge_increment_Ah=increments_from_counter(qc, resets=starts),
        discharge_increment_Ah=increments_from_counter(qd, resets=starts),
        charge_energy_increment_Wh=increments_from_counter(ec, resets=starts),
        discharge_energy_increment_Wh=increments_from_counter(ed, resets=starts),
        step_type=st, temperature_C=temp, timestamp=timestamp,
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2, raw=raw,
        meta_extra={"decoder": decoder, "capacities": "per-step counters of the instrument", **notes},
    )
