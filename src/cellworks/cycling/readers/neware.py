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


def _check_container(path: Path, fmt: str) -> None:
    """Cheap structural checks NewareNDA does not make (truncation gives clear errors)."""
    size = path.stat().st_size
    if fmt == "neware-ndax":
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except zipfile.BadZipFile as exc:
            raise FileFormatError(f"not a readable .ndax (zip) archive: {exc} (truncated?)", file=path,
                                  record=f"byte {size}") from None
        if bad is not None:
            raise FileFormatError(f"archive member '{bad}' is corrupt (CRC mismatch)", file=path)
    else:
        with open(path, "rb") as fh:
            head = fh.read(6)
        if head != NDA_MAGIC:
            raise FileFormatError("not a Neware .nda file (no 'NEWARE' header)", file=path, record="byte 0")


def read_neware(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None
) -> CyclingData:
    import warnings

    import numpy as np

    import NewareNDA

    p = Path(path)
    fmt = "neware-ndax" if zipfile.is_zipfile(p) else "neware-nda"
    _check_container(p, fmt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = NewareNDA.read(str(p))
    except FileFormatError:
        raise
    except Exception as exc:  # NewareNDA raises struct/index/value errors on corrupt files
        raise FileFormatError(f"Neware decoding failed ({type(exc).__name__}: {exc})", file=p) from None
    if len(df) == 0:
        raise FileFormatError("no data records decoded", file=p)
    index = df["Index"].to_numpy(dtype=np.int64)
    if fmt == "neware-nda" and len(index) > 1:
        size = p.stat().st_size
        # a truncated .nda loses its tail records; NewareNDA stops silently, so check the
        # instrument's own record numbers run without a gap
        if np.any(np.diff(index) != 1) and not np.all(np.diff(index) >= 1):
            raise FileFormatError("record numbers are not consecutive (corrupt or truncated file)", file=p,
                                  record=f"byte {size}")
    step = df["Step"].to_numpy(dtype=np.int64)
    starts = run_starts(step)
    status = df["Status"].astype(str).to_numpy()
    st = np.array([_status_to_type(s) for s in np.unique(status)], dtype=object)
    st = st[np.searchsorted(np.unique(status), status)]
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
            timestamp = ts.dt.tz_convert("UTC") if ts.dt.tz is not None else ts.dt.tz_localize("UTC")
        except (AttributeError, TypeError):
            timestamp = None
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
        meta_extra={"decoder": f"NewareNDA {getattr(NewareNDA, '__version__', '')}".strip(),
                    "capacities": "NewareNDA per-step counters"},
    )
