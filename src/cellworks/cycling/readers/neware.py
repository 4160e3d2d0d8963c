"""Neware ``.nda`` / ``.ndax`` files, decoded by NewareNDA (BSD-3).

NewareNDA opens ``.nda`` files through a read-only memory map; ``.ndax`` files (zip archives) are
unpacked into a private ``tempfile.TemporaryDirectory`` in the system temp folder — never beside
the input — and removed afterwards. The input is never written, moved or locked.

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

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

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


def _check_container(path: Path, fmt: str) -> bytes | None:
    """Cheap structural checks NewareNDA does not make (truncation gives clear errors)."""
    size = path.stat().st_size
    if fmt == "neware-ndax":
        # the central directory sits at the end of a zip: a truncated archive fails here; member
        # CRCs are verified by zipfile when NewareNDA extracts them (BadZipFile -> FileFormatError)
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile as exc:
            raise FileFormatError(f"not a readable .ndax (zip) archive: {exc} (truncated?)", file=path,
                                  record=f"byte {size}") from None
        if "data.ndc" not in names:
            raise FileFormatError("no data.ndc member: not a Neware .ndax archive", file=path)
    else:
        with open(path, "rb") as fh:
            buf = fh.read()
        if buf[:6] != NDA_MAGIC:
            raise FileFormatError("not a Neware .nda file (no 'NEWARE' header)", file=path, record="byte 0")
        _check_nda_records(buf, path)
        return buf
    return None


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


def read_neware(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None
) -> CyclingData:
    import warnings

    import NewareNDA
    import numpy as np
    import pandas as pd

    p = Path(path)
    fmt = "neware-ndax" if zipfile.is_zipfile(p) else "neware-nda"
    raw = _check_container(p, fmt)
    from cellworks.cycling.readers._nda_fast import decode_nda

    decoder = "NewareNDA"
    try:
        df = None
        if fmt == "neware-nda":
            df = decode_nda(raw) if raw is not None else None
            if df is not None:
                decoder = "cellworks vectorised .nda decoder (NewareNDA layouts)"
        if df is None:
            from NewareNDA.NewareNDA import read_nda
            from NewareNDA.NewareNDAx import read_ndax

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # called by format, not through NewareNDA.read, which dispatches on the extension
                if fmt == "neware-nda":
                    df = read_nda(str(p), True, "chg")
                else:
                    from cellworks.cycling.readers._nda_fast import software_cycle_number

                    # NewareNDA's own "charge first" cycle numbering, vectorised (its loop is per row)
                    df = read_ndax(str(p), False, "chg")
                    df["Cycle"] = software_cycle_number(df["Status"].astype(str).to_numpy())
    except FileFormatError:
        raise
    except Exception as exc:  # NewareNDA raises struct/index/value errors on corrupt files
        raise FileFormatError(f"Neware decoding failed ({type(exc).__name__}: {exc})", file=p) from None
    if len(df) == 0:
        raise FileFormatError("no data records decoded", file=p)
    index = df["Index"].to_numpy(dtype=np.int64)
    step = df["Step"].to_numpy(dtype=np.int64)
    starts = run_starts(step)
    codes, uniques = pd.factorize(df["Status"].astype(str))
    st = np.array([_status_to_type(str(u)) for u in uniques], dtype=object)[codes]
    t = monotonic_time(df["Time"].to_numpy(dtype=float), starts)
    qc = df["Charge_Capacity(mAh)"].to_numpy(dtype=float) / 1000.0
    qd = df["Discharge_Capacity(mAh)"].to_numpy(dtype=float) / 1000.0
    ec = df["Charge_Energy(mWh)"].to_numpy(dtype=float) / 1000.0
    ed = df["Discharge_Energy(mWh)"].to_numpy(dtype=float) / 1000.0
    extra = {
        "instrument_record": index,
        "instrument_step": df["Step_Index"].to_numpy(dtype=np.int64),
        "instrument_charge_capacity_Ah": qc,
        "instrument_discharge_capacity_Ah": qd,
    }
    temp = None
    if "T1" in df.columns:
        temp = df["T1"].to_numpy(dtype=float)
        if not np.isfinite(temp).any():
            temp = None
    timestamp = None
    if "Timestamp" in df.columns:
        ts = df["Timestamp"]
        try:
            # only zone-aware clocks (BTS 9.1, .ndax): older .nda store local time of unknown zone
            timestamp = ts.dt.tz_convert("UTC") if ts.dt.tz is not None else None
        except (AttributeError, TypeError):
            timestamp = None
    notes: dict[str, str] = {}
    if active_mass_g is None and fmt == "neware-nda":
        try:
            mass_mg = float(NewareNDA.read_metadata(str(p)).get("active_mass_mg", 0.0))
        except Exception:  # metadata is optional: never fail a read on it
            mass_mg = 0.0
        if mass_mg > 0 and np.isfinite(mass_mg):
            active_mass_g = mass_mg / 1000.0
            notes["active_mass_source"] = "Neware .nda header (active mass, mg)"
    return assemble(
        path=p, instrument="Neware", fmt=fmt, test_time_s=t,
        voltage_V=df["Voltage"].to_numpy(dtype=float), current_A=df["Current(mA)"].to_numpy(dtype=float) / 1000.0,
        step_index=step, cycle_index=df["Cycle"].to_numpy(dtype=np.int64),
        charge_increment_Ah=increments_from_counter(qc, resets=starts),
        discharge_increment_Ah=increments_from_counter(qd, resets=starts),
        charge_energy_increment_Wh=increments_from_counter(ec, resets=starts),
        discharge_energy_increment_Wh=increments_from_counter(ed, resets=starts),
        step_type=st, temperature_C=temp,
        timestamp=None if timestamp is None else timestamp.reset_index(drop=True),
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={"decoder": decoder,
                    "capacities": "NewareNDA per-step counters", **notes},
    )
