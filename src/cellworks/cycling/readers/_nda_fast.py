"""Vectorised decoding of Neware ``.nda`` record grids (versions 29 and 130/BTS 9.1) and of the
``data.ndc`` member of ``.ndax`` archives (ndc version 5, file type 1).

Produces the same columns as ``NewareNDA`` (BSD-3; the record layouts documented by NewareNDA and
fastnda are the facts used here, the status and range tables are in ``_neware_codes``), but
decodes all records at once with ``numpy.frombuffer`` on a structured dtype instead of one
``struct.unpack`` per record, and returns plain numpy arrays (:func:`decode_nda_arrays`,
:func:`decode_ndc_arrays`); :func:`decode_nda` / :func:`decode_ndax` build NewareNDA's DataFrame
from them (for comparison). ``.nda`` versions 29 and 130 (BTS 9.0 and 9.1) are decoded here; the
``.ndax`` layouts with split members and auxiliary channels in ``_ndax``.
``tests/cycling/test_neware.py`` checks column-by-column equality with NewareNDA's reference
decodings on every fixture.

BTS 9.0 (version 130, byte 1024 = 0x12): 88-byte records from byte 1024; a data record begins with
the same 6 bytes as the first one; from byte 4 of the record: step index u8 @5, status u8 @6,
index u32 @12, step time u64 @24 (µs), voltage f32 @32 (V), current f32 @36 (mA), charge
capacity f32 @48, charge energy f32 @52, discharge capacity f32 @56, discharge energy f32 @60 (mAs,
mWs), date u64 @64 (µs since 1970); auxiliary records begin ``00 00 00 00 65``; 0x81 ends the data.

``.ndc`` version 5, file type 1 (facts from NewareNDA's ``_read_ndc_5_filetype_1``): a 4096-byte
header, then 4096-byte pages; each page holds 45 records of 87 bytes from byte 125 (the last 56
bytes are not records). A record is valid when its byte 7 is ``0x55``; its fields (little endian):
``Index`` u32 @8, ``Cycle`` u32 @12 (0-based), ``Step_Index`` u8 @16, ``Status`` u8 @17, time
u64 @23 (ms), voltage i32 @31 (0.1 mV), current i32 @35, charge/discharge capacity and energy
i64 @43/51/59/67 (× range multiplier / 3600), local date Y u16 @75, M D h m s u8 @77–81, current
range i32 @82.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class TruncatedRecords(ValueError):
    """The record area ends inside a record or page (``byte``: where the last whole unit ends)."""

    def __init__(self, message: str, byte: int) -> None:
        super().__init__(message)
        self.byte = byte


_V29 = {
    "names": ["marker", "Index", "Cycle", "Step_Index", "Status", "Step", "Time", "Voltage", "Current",
              "Charge", "Discharge", "ChargeE", "DischargeE", "Y", "Mo", "D", "h", "mi", "s", "Range", "tail"],
    "formats": ["<u2", "<u4", "<u4", "<u2", "u1", "<u4", "<u8", "<i4", "<i4", "<i8", "<i8", "<i8", "<i8",
                "<u2", "u1", "u1", "u1", "u1", "u1", "<i4", "<u4"],
    "offsets": [0, 2, 6, 10, 12, 10, 14, 22, 26, 38, 46, 54, 62, 70, 72, 73, 74, 75, 76, 78, 82],
    "itemsize": 86,
}
_V29_AUX = {"names": ["marker", "Aux", "Index", "V", "T", "tail"], "formats": ["u1", "u1", "<u4", "<i4", "<i2", "<u4"],
            "offsets": [0, 1, 2, 22, 34, 82], "itemsize": 86}
_NDC5 = {
    "names": ["marker", "Index", "Cycle", "Step_Index", "Status", "Time", "Voltage", "Current", "Charge",
              "Discharge", "ChargeE", "DischargeE", "Y", "Mo", "D", "h", "mi", "s", "Range"],
    "formats": ["u1", "<u4", "<u4", "u1", "u1", "<u8", "<i4", "<i4", "<i8", "<i8", "<i8", "<i8",
                "<u2", "u1", "u1", "u1", "u1", "u1", "<i4"],
    "offsets": [7, 8, 12, 16, 17, 23, 31, 35, 43, 51, 59, 67, 75, 77, 78, 79, 80, 81, 82],
    "itemsize": 87,
}
_NDC_PAGE = 4096
_NDC5_FIRST, _NDC5_PER_PAGE = 125, 45
_BTS91 = {
    "names": ["marker", "Step_Index", "Status", "Index", "Time", "Time_ns", "Current", "Voltage", "Capacity",
              "Energy", "Cycle", "Date", "Date_ns"],
    "formats": ["u1", "u1", "u1", "<u4", "<u4", "<u4", "<f4", "<f4", "<f4", "<f4", "<u4", "<u4", "<u4"],
    "offsets": [0, 2, 3, 8, 12, 16, 20, 24, 28, 32, 36, 44, 48],
}


#: NewareNDA's column order (``NewareNDA.dicts.rec_columns``)
COLUMNS: tuple[str, ...] = (
    "Index", "Cycle", "Step", "Step_Index", "Status", "Time", "Voltage", "Current(mA)", "Charge_Capacity(mAh)",
    "Discharge_Capacity(mAh)", "Charge_Energy(mWh)", "Discharge_Energy(mWh)", "Timestamp",
)
_CHARGE_START = ("CCCV_Chg", "CC_Chg", "CP_Chg")


def status_name(code: int) -> str:
    from cellworks.cycling.readers._neware_codes import status_name as _name

    return _name(code)


def _status_names(codes: Any) -> Any:
    """Neware status codes → a pandas Categorical of NewareNDA's status names."""
    import numpy as np
    import pandas as pd

    codes = np.asarray(codes)
    uniq, inv = np.unique(codes, return_inverse=True)
    names = [status_name(int(c)) for c in uniq]
    return pd.Categorical.from_codes(inv.ravel(), categories=pd.Index(names))


def _cycle_from_flags(is_inc: Any, is_flag: Any) -> Any:
    """Cycle numbers: +1 at the first record of a charge run (``is_inc``) once a discharge/SIM
    record (``is_flag``) has been seen since the previous cycle started."""
    import numpy as np

    n = len(is_inc)
    starts = np.flatnonzero(is_inc & ~np.r_[False, is_inc[:-1]]) if n else np.zeros(0, dtype=np.int64)
    flags = np.flatnonzero(is_flag)
    cyc = np.ones(n, dtype=np.int64)
    last = -1
    bumps = []
    for p in starts.tolist():
        k = np.searchsorted(flags, last, side="right")
        if k < len(flags) and flags[k] < p:
            bumps.append(p)
            last = p
    if bumps:
        inc = np.zeros(n, dtype=np.int64)
        inc[np.asarray(bumps)] = 1
        cyc += np.cumsum(inc)
    return cyc


def software_cycle_number(status: Any) -> Any:
    """NewareNDA's 'charge first' cycle numbering, vectorised, from status names.

    A cycle starts at the first record of a charge run (CC/CCCV/CP_Chg) once a discharge record
    (or a SIM record) has been seen since the previous cycle started.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(status, dtype=object))
    names = [str(u) for u in uniques]
    if not names:
        return np.ones(len(codes), dtype=np.int64)
    inc_u = np.array([n in _CHARGE_START for n in names], dtype=bool)
    flag_u = np.array([n.endswith("_DChg") or n == "SIM" for n in names], dtype=bool)
    return _cycle_from_flags(inc_u[codes], flag_u[codes])


def software_cycle_number_codes(status_codes: Any) -> Any:
    """:func:`software_cycle_number` from Neware status codes (no strings per record)."""
    import numpy as np

    codes = np.asarray(status_codes, dtype=np.int64)
    present = np.flatnonzero(np.bincount(codes & 0xFF, minlength=256))  # no sort of the records
    inc_lut = np.zeros(256, dtype=bool)
    flag_lut = np.zeros(256, dtype=bool)
    for c in present.tolist():
        name = status_name(c)
        inc_lut[c & 0xFF] = name in _CHARGE_START
        flag_lut[c & 0xFF] = name.endswith("_DChg") or name == "SIM"
    return _cycle_from_flags(inc_lut[codes & 0xFF], flag_lut[codes & 0xFF])


def _civil_to_datetime64(y: Any, mo: Any, d: Any, h: Any, mi: Any, s: Any) -> Any:
    """Calendar fields → ``datetime64[s]`` (days-from-civil arithmetic, proleptic Gregorian);
    impossible dates become NaT."""
    import numpy as np

    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(mo, dtype=np.int64)
    dd = np.asarray(d, dtype=np.int64)
    yy = y - (m <= 2)
    era = np.floor_divide(yy, 400)
    yoe = yy - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + dd - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    secs = days * 86400 + np.asarray(h, np.int64) * 3600 + np.asarray(mi, np.int64) * 60 + np.asarray(s, np.int64)
    out = secs.astype("datetime64[s]")
    bad = (m < 1) | (m > 12) | (dd < 1) | (dd > 31)
    out[bad] = np.datetime64("NaT")
    return out


def _count_changes(x: Any) -> Any:
    import numpy as np

    x = np.asarray(x)
    new = np.ones(len(x), dtype=bool)
    new[1:] = x[1:] != x[:-1]
    return np.cumsum(new)


def _multipliers(ranges: Any) -> Any:
    """Per-record scale of current/capacity from the current range, or None for an unknown range."""
    import numpy as np

    from cellworks.cycling.readers._neware_codes import RANGE_SCALE

    uniq, inv = np.unique(ranges, return_inverse=True)
    vals = []
    for r in uniq.tolist():
        if int(r) not in RANGE_SCALE:
            return None
        vals.append(RANGE_SCALE[int(r)])
    return np.asarray(vals, dtype=np.float64)[inv.ravel()]


def _integer_records(d: Any, timestamps: bool) -> dict[str, Any] | None:
    """Columns of records with integer fields and a range multiplier (nda v29, ndc v5)."""
    import numpy as np

    mult = _multipliers(d["Range"])
    if mult is None:
        return None
    scale = mult / 3600.0
    out: dict[str, Any] = {
        "Index": d["Index"].astype(np.int64), "Cycle": d["Cycle"].astype(np.int64) + 1,
        # v29: the 4 bytes from the step index on change at every new step (a step counter byte at
        # offset 13), also when consecutive steps share a program step (SIM profiles)
        "Step": (d["Step"] if "Step" in d.dtype.names else d["Step_Index"]).astype(np.int64),
        "Step_Index": d["Step_Index"].astype(np.int64),
        "Status": d["Status"].astype(np.int64), "Time": d["Time"] / 1000, "Voltage": d["Voltage"] / 10000,
        "Current(mA)": d["Current"] * mult, "Charge_Capacity(mAh)": d["Charge"] * scale,
        "Discharge_Capacity(mAh)": d["Discharge"] * scale, "Charge_Energy(mWh)": d["ChargeE"] * scale,
        "Discharge_Energy(mWh)": d["DischargeE"] * scale,
    }
    if timestamps:
        out["Timestamp"] = _civil_to_datetime64(d["Y"], d["Mo"], d["D"], d["h"], d["mi"], d["s"])
    return out


def _finish(cols: dict[str, Any], aux: dict[str, Any] | None) -> dict[str, Any]:
    """NewareNDA's post-processing: first record of each Index, sorted by Index; running step
    number; software cycle numbering; auxiliary channels joined on Index."""
    import numpy as np

    index = cols["Index"]
    if len(index) > 1 and not bool(np.all(index[1:] > index[:-1])):
        _, first = np.unique(index, return_index=True)  # sorted by Index, first occurrence of each
        cols = {k: (v[first] if isinstance(v, np.ndarray) else v) for k, v in cols.items()}
        index = cols["Index"]
    cols["Step"] = _count_changes(cols["Step"])
    cols["Cycle"] = software_cycle_number_codes(cols["Status"])
    aux_cols: dict[str, Any] = {}
    if aux:
        a_index, a_id = aux["Index"], aux["Aux"]
        for name in [k for k in aux if k not in ("Index", "Aux")]:
            for ch in np.unique(a_id).tolist():
                sel = a_id == ch
                ai, av = a_index[sel], aux[name][sel]
                if len(ai) == len(index) and np.array_equal(ai, index):
                    aux_cols[f"{name}{ch}"] = np.asarray(av, dtype=np.float64)
                    continue
                _, first = np.unique(ai, return_index=True)
                ai, av = ai[first], av[first]
                pos = np.searchsorted(ai, index)
                pos_c = np.minimum(pos, max(len(ai) - 1, 0))
                hit = (pos < len(ai)) & (ai[pos_c] == index) if len(ai) else np.zeros(len(index), dtype=bool)
                col = np.full(len(index), np.nan)
                col[hit] = av[pos_c[hit]]
                aux_cols[f"{name}{ch}"] = col
    cols["aux"] = aux_cols
    return cols


def decode_nda_arrays(buf: bytes, *, timestamps: bool = True) -> dict[str, Any] | None:
    """Columns of a whole ``.nda`` file held in memory (NewareNDA's names; ``Status`` as codes;
    ``aux``: auxiliary channels such as ``T1``), or None for layouts left to NewareNDA."""
    import numpy as np

    version = buf[14] if len(buf) > 14 else -1
    aux: dict[str, Any] | None = None
    if version == 29:
        start = buf.find(b"\x00\x00\x00\x00\x55\x00")
        if start < 0:
            return None
        # NewareNDA's rule for the first record: skip candidates whose successor is not a record
        while True:
            nxt = start + 4 + 86
            if nxt >= len(buf):
                break
            status = buf[start + 4 + 12]
            if buf[nxt] == 85 and status != 0:
                break
            start = buf.find(b"\x00\x00\x00\x00\x55\x00", start + 4)
            if start < 0:
                return None
        first = start + 4
        n = (len(buf) - first) // 86
        rec: Any = np.frombuffer(buf, dtype=np.dtype(_V29), count=n, offset=first)  # type: ignore[call-overload]
        ok = (rec["marker"] == 0x0055) & (rec["tail"] == 0) & (rec["Index"] != 0) & (rec["Status"] != 0)
        cols = _integer_records(rec[ok], timestamps)
        if cols is None:
            return None
        a: Any = np.frombuffer(buf, dtype=np.dtype(_V29_AUX), count=n, offset=first)  # type: ignore[call-overload]
        a = a[(a["marker"] == 0x65) & (a["tail"] == 0)]
        if len(a):
            aux = {"Index": a["Index"].astype(np.int64), "Aux": a["Aux"].astype(np.int64), "T": a["T"] / 10,
                   "V": a["V"] / 10000}
    elif version == 130 and len(buf) > 1030 and buf[1024] != 0x55:
        cols, aux = _bts90(buf)
        if cols is None:
            return None
    elif version == 130:
        if len(buf) < 1026:
            return None
        rl = buf.find(buf[1024:1026], 1026) - 1024
        if rl < 52:
            return None
        n = (len(buf) - 1024) // rl
        heads = np.frombuffer(buf, dtype=np.uint8, count=n * rl, offset=1024)[::rl]
        end = np.flatnonzero(heads == 0x81)
        n_data = int(end[0]) if len(end) else n
        dt = np.dtype({**_BTS91, "itemsize": rl})  # type: ignore[call-overload]
        rec = np.frombuffer(buf, dtype=dt, count=n_data, offset=1024)
        keep = rec["marker"] == 0x55
        d = rec[keep]
        cap = d["Capacity"].astype(np.float64)
        en = d["Energy"].astype(np.float64)
        cols = {
            "Index": d["Index"].astype(np.int64), "Cycle": d["Cycle"].astype(np.int64) + 1,
            "Step": d["Step_Index"].astype(np.int64), "Step_Index": d["Step_Index"].astype(np.int64),
            "Status": d["Status"].astype(np.int64), "Time": d["Time"] + 1e-9 * d["Time_ns"],
            "Voltage": d["Voltage"].astype(np.float64), "Current(mA)": d["Current"].astype(np.float64),
            "Charge_Capacity(mAh)": np.where(cap < 0, 0.0, cap) / 3600,
            "Discharge_Capacity(mAh)": np.where(cap > 0, 0.0, -cap) / 3600,
            "Charge_Energy(mWh)": np.where(en < 0, 0.0, en) / 3600,
            "Discharge_Energy(mWh)": np.where(en > 0, 0.0, -en) / 3600,
            # zone-aware clock (UTC seconds + ns since 1970): always kept, as datetime64[ns] UTC values
            "Timestamp": (d["Date"].astype(np.int64) * 1_000_000_000 + d["Date_ns"].astype(np.int64)).view(
                "datetime64[ns]"),
            "timestamp_utc": True,
        }
        if rl == 56:
            t: Any = np.ndarray((n_data,), dtype="<f4", buffer=buf, offset=1024 + 52, strides=(rl,))
            aux = {"Index": cols["Index"], "Aux": np.ones(len(d), dtype=np.int64),
                   "T": t[keep].astype(np.float64), "V": np.full(len(d), np.nan)}
    else:
        return None
    return _finish(cols, aux)


_BTS90 = {
    "names": ["Step_Index", "Status", "Index", "Time", "Voltage", "Current", "ChargeQ", "ChargeE", "DischargeQ",
              "DischargeE", "Date"],
    "formats": ["u1", "u1", "<u4", "<u8", "<f4", "<f4", "<f4", "<f4", "<f4", "<f4", "<u8"],
    "offsets": [9, 10, 16, 28, 36, 40, 52, 56, 60, 64, 68],
    "itemsize": 88,
}
_BTS90_AUX = {"names": ["Aux", "Index", "V", "T"], "formats": ["u1", "<u4", "<i4", "<i2"],
              "offsets": [5, 6, 26, 38], "itemsize": 88}


def _bts90(buf: bytes) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Columns of a BTS 9.0 ``.nda`` (version 130, see the module docstring)."""
    import numpy as np

    n = (len(buf) - 1024) // 88
    if n == 0:
        return None, None
    grid = np.frombuffer(buf, dtype=np.uint8, count=n * 88, offset=1024).reshape(n, 88)
    end = np.flatnonzero(grid[:, 0] == 0x81)
    n_data = int(end[0]) if len(end) else n
    grid = grid[:n_data]
    ident = grid[0, :6]
    is_data = (grid[:, :6] == ident).all(axis=1)
    is_aux = (grid[:, :4] == 0).all(axis=1) & (grid[:, 4] == 0x65)
    rec = grid[is_data].copy().view(np.dtype(_BTS90)).ravel()  # type: ignore[call-overload]
    cols: dict[str, Any] = {
        "Index": rec["Index"].astype(np.int64), "Cycle": np.zeros(len(rec), dtype=np.int64),
        "Step": rec["Step_Index"].astype(np.int64), "Step_Index": rec["Step_Index"].astype(np.int64),
        "Status": rec["Status"].astype(np.int64), "Time": rec["Time"] / 1e6,
        "Voltage": rec["Voltage"].astype(np.float64), "Current(mA)": rec["Current"].astype(np.float64),
        # some firmware stores the discharge counters negative: magnitudes
        "Charge_Capacity(mAh)": np.abs(rec["ChargeQ"].astype(np.float64)) / 3600,
        "Discharge_Capacity(mAh)": np.abs(rec["DischargeQ"].astype(np.float64)) / 3600,
        "Charge_Energy(mWh)": np.abs(rec["ChargeE"].astype(np.float64)) / 3600,
        "Discharge_Energy(mWh)": np.abs(rec["DischargeE"].astype(np.float64)) / 3600,
        "Timestamp": (rec["Date"].astype(np.int64) * 1000).view("datetime64[ns]"),
        "timestamp_utc": True,
        "signed_discharge_counters": bool((rec["DischargeQ"] < 0).any()),
    }
    aux = None
    if is_aux.any():
        a = grid[is_aux].copy().view(np.dtype(_BTS90_AUX)).ravel()  # type: ignore[call-overload]
        aux = {"Index": a["Index"].astype(np.int64), "Aux": a["Aux"].astype(np.int64), "T": a["T"] / 10,
               "V": a["V"] / 10000}
    return cols, aux


#: whole-record ndc layouts: version → (page bytes, first record byte, records per page, record bytes).
#: Version 2 uses 512-byte blocks of five 94-byte records from byte 5 (fastnda's documented layout);
#: the record fields sit where version 5 has them.
_NDC_GEOMETRY = {5: (_NDC_PAGE, _NDC5_FIRST, _NDC5_PER_PAGE, 87), 2: (512, 5, 5, 94)}


def ndc_records(ndc: bytes, name: str, dtype: Any = None) -> Any:
    """Every record slot of a version-2 or version-5 ``.ndc`` (data or auxiliary) as a structured
    array; raises :class:`TruncatedRecords` when the pages are cut short."""
    import numpy as np

    page, first, per_page, size = _NDC_GEOMETRY[ndc[2]]
    if len(ndc) < page or len(ndc) % page:
        whole = max(len(ndc) - len(ndc) % page, page)
        raise TruncatedRecords(f"{name} is {len(ndc)} bytes, not whole {page}-byte pages (truncated)", whole)
    pages = len(ndc) // page - 1
    dt = np.dtype({**(dtype or _NDC5), "itemsize": size})  # type: ignore[call-overload]
    return np.ndarray((pages, per_page), dtype=dt, buffer=ndc, offset=page + first, strides=(page, size)).reshape(-1)


#: auxiliary records of versions 2 and 5: channel, record index, voltage (0.1 mV), temperature and
#: its set point (0.1 °C); version 5 marks them 0x65 (or 0x74) at byte 7
_NDC_AUX = {"names": ["Aux", "marker", "Index", "V", "T", "t"], "formats": ["u1", "u1", "<u4", "<i4", "<i2", "<i2"],
            "offsets": [3, 7, 8, 31, 41, 43]}


def decode_ndc_aux(ndc: bytes, name: str) -> dict[str, Any] | None:
    """Auxiliary channels of a version-2/5 ``.ndc`` of file type 5 (``Index``, ``Aux``, ``T``, ``V``, ``t``)."""
    import numpy as np

    if len(ndc) < 3 or ndc[0] != 5 or ndc[2] not in _NDC_GEOMETRY:
        return None
    r = ndc_records(ndc, name, _NDC_AUX)
    r = r[np.isin(r["marker"], [0x65, 0x74])] if ndc[2] == 5 else r[r["Index"] != 0]
    return {"Index": r["Index"].astype(np.int64), "Aux": r["Aux"].astype(np.int64), "T": r["T"] / 10.0,
            "V": r["V"] / 10000.0, "t": r["t"] / 10.0}


def decode_ndc_arrays(ndc: bytes, *, timestamps: bool = True) -> dict[str, Any] | None:
    """Columns of an ``.ndax`` archive's ``data.ndc`` member (ndc versions 2 and 5, file type 1),
    or None for other ndc versions. Raises :class:`TruncatedRecords` when the pages are cut short."""

    if len(ndc) < 3 or ndc[0] != 1 or ndc[2] not in _NDC_GEOMETRY:
        return None
    d = ndc_records(ndc, "data.ndc")
    d = d[d["marker"] == 0x55] if ndc[2] == 5 else d[d["Index"] != 0]
    cols = _integer_records(d, timestamps)
    if cols is None:
        return None
    return _finish(cols, None)


def to_frame(cols: dict[str, Any]) -> pd.DataFrame:
    """NewareNDA's DataFrame (its column names and order, ``Status`` as names) from decoded arrays."""
    import pandas as pd

    out: dict[str, Any] = {}
    for name in COLUMNS:
        if name == "Status":
            out[name] = _status_names(cols["Status"])
        elif name == "Timestamp":
            ts = cols.get("Timestamp")
            if ts is None:
                continue
            out[name] = pd.to_datetime(ts, utc=True) if cols.get("timestamp_utc") else ts
        else:
            out[name] = cols[name]
    out.update(cols.get("aux") or {})
    return pd.DataFrame(out)


def decode_nda(buf: bytes) -> pd.DataFrame | None:
    """Decode a whole ``.nda`` file held in memory into NewareNDA's DataFrame, or None for layouts
    left to NewareNDA."""
    cols = decode_nda_arrays(buf)
    return None if cols is None else to_frame(cols)


def decode_ndax(ndc: bytes) -> pd.DataFrame | None:
    """``data.ndc`` of an ``.ndax`` archive into NewareNDA's DataFrame (``read_ndax`` without
    software cycle numbering would give the instrument's ``Cycle``; here it is NewareNDA's
    software numbering, as :func:`cellworks.cycling.readers.read` uses), or None."""
    cols = decode_ndc_arrays(ndc)
    return None if cols is None else to_frame(cols)
