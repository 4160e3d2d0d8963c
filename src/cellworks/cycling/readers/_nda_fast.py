"""Vectorised decoding of Neware ``.nda`` record grids (versions 29 and 130/BTS 9.1).

Produces the same DataFrame as ``NewareNDA.read`` (BSD-3; its record layouts, status and range
tables are used here: ``NewareNDA.dicts``), but decodes all records at once with
``numpy.frombuffer`` on a structured dtype instead of one ``struct.unpack`` per record. Layouts
that are not covered (version 130 before BTS 9.1, ``.ndax``) return None and the caller uses
NewareNDA itself. ``tests/cycling/test_readers.py`` checks column-by-column equality with
NewareNDA on both fixture versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

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
_BTS91 = {
    "names": ["marker", "Step_Index", "Status", "Index", "Time", "Time_ns", "Current", "Voltage", "Capacity",
              "Energy", "Cycle", "Date", "Date_ns"],
    "formats": ["u1", "u1", "u1", "<u4", "<u4", "<u4", "<f4", "<f4", "<f4", "<f4", "<u4", "<u4", "<u4"],
    "offsets": [0, 2, 3, 8, 12, 16, 20, 24, 28, 32, 36, 44, 48],
}


def _status_names(codes: Any) -> Any:
    """Neware status codes → a pandas Categorical of NewareNDA's status names."""
    import numpy as np
    import pandas as pd
    from NewareNDA.dicts import state_dict

    codes = np.asarray(codes)
    uniq, inv = np.unique(codes, return_inverse=True)
    names = [state_dict.get(int(c), f"Unknown_{int(c)}") for c in uniq]
    return pd.Categorical.from_codes(inv.ravel(), categories=pd.Index(names))


def software_cycle_number(status: Any) -> Any:
    """NewareNDA's 'charge first' cycle numbering, vectorised.

    A cycle starts at the first record of a charge run (CC/CCCV/CP_Chg) once a discharge record
    (or a SIM record) has been seen since the previous cycle started.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(status, dtype=object))
    names = [str(u) for u in uniques]
    inc_u = np.array([n in ("CCCV_Chg", "CC_Chg", "CP_Chg") for n in names], dtype=bool)
    flag_u = np.array([n.endswith("_DChg") or n == "SIM" for n in names], dtype=bool)
    is_inc = inc_u[codes] if len(names) else np.zeros(len(codes), dtype=bool)
    starts = np.flatnonzero(is_inc & ~np.r_[False, is_inc[:-1]])
    flags = np.flatnonzero(flag_u[codes]) if len(names) else np.zeros(0, dtype=np.int64)
    cyc = np.ones(len(codes), dtype=np.int64)
    last = -1
    bumps = []
    for p in starts:
        k = np.searchsorted(flags, last, side="right")
        if k < len(flags) and flags[k] < p:
            bumps.append(p)
            last = int(p)
    if bumps:
        inc = np.zeros(len(codes), dtype=np.int64)
        inc[np.asarray(bumps)] = 1
        cyc += np.cumsum(inc)
    return cyc


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


def decode_nda(buf: bytes) -> pd.DataFrame | None:
    """Decode a whole ``.nda`` file held in memory, or None for layouts left to NewareNDA."""
    import numpy as np
    import pandas as pd
    from NewareNDA.dicts import multiplier_dict

    version = buf[14] if len(buf) > 14 else -1
    aux: pd.DataFrame | None = None
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
        d: Any = rec[ok]
        ranges = d["Range"]
        mult = np.zeros(len(d))
        for r in np.unique(ranges):
            if int(r) not in multiplier_dict:
                return None
            mult[ranges == r] = multiplier_dict[int(r)]
        ts: Any = _civil_to_datetime64(d["Y"], d["Mo"], d["D"], d["h"], d["mi"], d["s"])
        df = pd.DataFrame({
            "Index": d["Index"], "Cycle": d["Cycle"] + 1, "Step": d["Step"], "Step_Index": d["Step_Index"],
            "Status": _status_names(d["Status"]), "Time": d["Time"] / 1000, "Voltage": d["Voltage"] / 10000,
            "Current(mA)": d["Current"] * mult, "Charge_Capacity(mAh)": d["Charge"] * mult / 3600,
            "Discharge_Capacity(mAh)": d["Discharge"] * mult / 3600, "Charge_Energy(mWh)": d["ChargeE"] * mult / 3600,
            "Discharge_Energy(mWh)": d["DischargeE"] * mult / 3600, "Timestamp": ts,
        })
        a: Any = np.frombuffer(buf, dtype=np.dtype(_V29_AUX), count=n, offset=first)  # type: ignore[call-overload]
        a = a[(a["marker"] == 0x65) & (a["tail"] == 0)]
        if len(a):
            aux = pd.DataFrame({"Index": a["Index"], "Aux": a["Aux"], "T": a["T"] / 10, "V": a["V"] / 10000})
    elif version == 130:
        if len(buf) < 1026 or buf[1024] != 0x55:
            return None  # BTS 9.0 layout: left to NewareNDA
        rl = buf.find(buf[1024:1026], 1026) - 1024
        if rl < 52:
            return None
        n = (len(buf) - 1024) // rl
        heads = np.frombuffer(buf, dtype=np.uint8, count=n * rl, offset=1024)[::rl]
        end = np.flatnonzero(heads == 0x81)
        n_data = int(end[0]) if len(end) else n
        dt = np.dtype({**_BTS91, "itemsize": rl})  # type: ignore[call-overload]
        rec = np.frombuffer(buf, dtype=dt, count=n_data, offset=1024)
        d = rec[rec["marker"] == 0x55]
        cap = d["Capacity"].astype(np.float64)
        en = d["Energy"].astype(np.float64)
        ts = pd.to_datetime(d["Date"].astype(np.float64) + 1e-9 * d["Date_ns"], unit="s", utc=True)
        df = pd.DataFrame({
            "Index": d["Index"], "Cycle": d["Cycle"].astype(np.int64) + 1, "Step": d["Step_Index"],
            "Step_Index": d["Step_Index"], "Status": _status_names(d["Status"]),
            "Time": d["Time"] + 1e-9 * d["Time_ns"], "Voltage": d["Voltage"], "Current(mA)": d["Current"],
            "Charge_Capacity(mAh)": np.where(cap < 0, 0.0, cap) / 3600,
            "Discharge_Capacity(mAh)": np.where(cap > 0, 0.0, -cap) / 3600,
            "Charge_Energy(mWh)": np.where(en < 0, 0.0, en) / 3600,
            "Discharge_Energy(mWh)": np.where(en > 0, 0.0, -en) / 3600, "Timestamp": ts,
        })
        if rl == 56:
            t: Any = np.ndarray((n_data,), dtype="<f4", buffer=buf, offset=1024 + 52, strides=(rl,))
            t = t[rec["marker"] == 0x55]
            aux = pd.DataFrame({"Index": d["Index"], "Aux": np.ones(len(d), dtype=np.int64), "T": t,
                                "V": np.full(len(d), np.nan)})
    else:
        return None
    df = df.drop_duplicates(subset="Index")
    if not df["Index"].is_monotonic_increasing:
        df = df.sort_values("Index")
    df = df.reset_index(drop=True)
    if aux is not None and len(aux):
        aux = aux.drop_duplicates()
        pvt = aux.pivot(index="Index", columns="Aux")
        pvt.columns = pvt.columns.map(lambda x: "".join(map(str, x)))
        df = df.join(pvt, on="Index")
    df["Step"] = _count_changes(df["Step"].to_numpy())
    df["Cycle"] = software_cycle_number(df["Status"].astype(str).to_numpy())
    return df
