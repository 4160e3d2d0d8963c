"""Vectorised decoding of Neware ``.ndax`` archives whose data is split over several members.

An ``.ndax`` is a zip of ``.ndc`` files. Byte 0 of each is its file type (1 data, 5 auxiliary
channel, 7 steps, 18 run information), byte 2 its version. Versions 2 and 5 keep whole records in
``data.ndc`` (version 5: ``_nda_fast.decode_ndc_arrays``). From version 11 on the records are split:

* ``data.ndc`` (type 1): voltage and current only, one row per record, 4096-byte pages after a
  4096-byte header, rows from byte 132 of each page (v11/v14/v16/v17: ``<f4 V, <f4 I``; v11 and
  v16 store 0.1 mV and mA, v14 and v17 V and A); the record index is the row's ordinal;
* ``data_runInfo.ndc`` (type 18): for a subset of the records, the step time (ms), charge and
  discharge capacity and energy (v11/v16 mAs, mWs; v14/v17 Ah, Wh), the sampling interval (ms),
  the Unix time (s + ms), the step number and the record index;
* ``data_step.ndc`` (type 7): per step, the cycle (from 0), the program step and the status code;
* ``data_AUX_<id>_<k>_<n>.ndc`` / ``data_<n>.ndc`` (type 5): auxiliary channels per record
  (temperature in 0.1 °C, voltage in 0.1 mV; v14/v17 one float whose quantity ``TestInfo.xml``
  names: 103 temperature, 335 temperature set point, 345 humidity).

Records without run information get their time, capacities and energies by continuing the last
record that has them: time by the sampling interval, charge by ∫ I dt (what NewareNDA and fastnda do;
the instrument's own counters are kept wherever the file has them). Layout facts as documented by
NewareNDA and fastnda (BSD-3); the code is cellworks' own.
"""

from __future__ import annotations

import re
from typing import Any

from cellworks.cycling.readers._nda_fast import TruncatedRecords

_PAGE = 4096
_FIRST = 132

#: run-information rows: (itemsize, bytes left unused at the page end, capacity scale to mAh/mWh)
_RUNINFO = {11: (47, 16, 1 / 3600), 14: (55, 4, 1000.0), 16: (100, 64, 1 / 3600), 17: (100, 64, 1000.0)}
_RUNINFO_FIELDS = {"names": ["Time", "ChargeQ", "DischargeQ", "ChargeE", "DischargeE", "dt", "Unix", "Step", "Index",
                             "Msec"],
                   "formats": ["<i4", "<f4", "<f4", "<f4", "<f4", "<i4", "<i4", "<i4", "<i4", "<i2"],
                   "offsets": [0, 5, 9, 13, 17, 29, 33, 37, 41, 45]}
#: step rows: (itemsize, unused page end, offset of the record index or None)
_STEP = {11: (37, 5, None), 14: (37, 5, None), 16: (100, 64, 33), 17: (100, 64, 33)}


def _pages(buf: bytes, name: str) -> int:
    if len(buf) < _PAGE or len(buf) % _PAGE:
        whole = max(len(buf) - len(buf) % _PAGE, _PAGE)
        raise TruncatedRecords(f"{name} is {len(buf)} bytes, not whole {_PAGE}-byte pages (truncated)", whole)
    return len(buf) // _PAGE - 1


def _rows(buf: bytes, name: str, dtype: Any, itemsize: int, tail: int) -> tuple[Any, Any]:
    """All row slots of every page as a structured array, and which slots hold a row (each page
    flags its rows in a bit mask from byte 4, least significant bit first)."""
    import numpy as np

    pages = _pages(buf, name)
    per_page = (_PAGE - _FIRST - tail) // itemsize
    dt = np.dtype({**dtype, "itemsize": itemsize})  # type: ignore[call-overload]
    if pages == 0:
        return np.zeros(0, dtype=dt), np.zeros(0, dtype=bool)
    rec = np.ndarray((pages, per_page), dtype=dt, buffer=buf, offset=_PAGE + _FIRST,
                     strides=(_PAGE, itemsize)).reshape(-1)
    nbytes = (per_page + 7) // 8
    mask = np.ndarray((pages, nbytes), dtype=np.uint8, buffer=buf, offset=_PAGE + 4, strides=(_PAGE, 1))
    valid = np.unpackbits(mask, axis=1, bitorder="little")[:, :per_page].astype(bool).reshape(-1)
    return rec, valid


def data_rows(buf: bytes, version: int) -> dict[str, Any]:
    """Voltage (V), current (mA) and record index of a split ``data.ndc`` (v11/14/16/17)."""
    import numpy as np

    rec, keep = _rows(buf, "data.ndc", {"names": ["V", "I"], "formats": ["<f4", "<f4"], "offsets": [0, 4]}, 8, 4)
    index = np.arange(1, len(rec) + 1, dtype=np.int64)
    v = rec["V"].astype(np.float64)
    i = rec["I"].astype(np.float64)
    if version in (11, 16):
        v = v * 1e-4
    else:
        i = i * 1000.0
    return {"Index": index[keep], "Voltage": v[keep], "Current(mA)": i[keep]}


def runinfo_rows(buf: bytes, version: int) -> dict[str, Any]:
    import numpy as np

    size, tail, scale = _RUNINFO[version]
    r, valid = _rows(buf, "data_runInfo.ndc", _RUNINFO_FIELDS, size, tail)
    r = r[valid & (r["Index"] != 0)]
    if len(r) > 1 and not bool(np.all(r["Index"][1:] > r["Index"][:-1])):
        _, first = np.unique(r["Index"], return_index=True)  # first row of every record index
        r = r[np.sort(first)]
    step = r["Step"].astype(np.int64)
    new = np.ones(len(step), dtype=bool)
    new[1:] = step[1:] != step[:-1]
    return {
        "Index": r["Index"].astype(np.int64), "Time": r["Time"] / 1000.0, "dt": r["dt"] / 1000.0,
        "Charge_Capacity(mAh)": r["ChargeQ"] * scale, "Discharge_Capacity(mAh)": r["DischargeQ"] * scale,
        "Charge_Energy(mWh)": r["ChargeE"] * scale, "Discharge_Energy(mWh)": r["DischargeE"] * scale,
        "Unix": r["Unix"].astype(np.float64) + r["Msec"] / 1000.0, "Step": np.cumsum(new),
    }


def step_rows(buf: bytes, version: int) -> dict[str, Any]:
    import numpy as np

    size, tail, index_at = _STEP[version]
    names, formats, offsets = ["Cycle", "Step_Index", "Status"], ["<i4", "<i4", "u1"], [0, 4, 24]
    if index_at is not None:
        names, formats, offsets = [*names, "Index"], [*formats, "<i4"], [*offsets, index_at]
    fields: dict[str, Any] = {"names": names, "formats": formats, "offsets": offsets}
    r, valid = _rows(buf, "data_step.ndc", fields, size, tail)
    r = r[valid & ((r["Index"] != 0) if index_at is not None else (r["Step_Index"] != 0))]
    return {"Cycle": r["Cycle"].astype(np.int64) + 1, "Step_Index": r["Step_Index"].astype(np.int64),
            "Status": r["Status"].astype(np.int64)}


def aux_rows(buf: bytes, version: int, name: str) -> dict[str, Any]:
    """Auxiliary channel rows: ``Index`` and one or more of ``T`` (°C), ``V`` (V), ``?`` (a float
    whose quantity TestInfo.xml names)."""
    import numpy as np

    _pages(buf, name)
    first = buf[_PAGE + _FIRST] if len(buf) > _PAGE + _FIRST else 0
    if version in (14, 17):
        r, valid = _rows(buf, name, {"names": ["X"], "formats": ["<f4"], "offsets": [0]}, 4, 4)
        idx = np.arange(1, len(r) + 1, dtype=np.int64)
        return {"Index": idx[valid], "?": r["X"].astype(np.float64)[valid]}
    if first == 0x65:
        r, valid = _rows(buf, name, {"names": ["m", "V", "T"], "formats": ["u1", "<f4", "<i2"], "offsets": [0, 1, 5]},
                         7, 2)
        idx = np.arange(1, len(r) + 1, dtype=np.int64)
        ok = valid & (r["m"] == 0x65)
        return {"Index": idx[ok], "V": (r["V"] * 1e-4)[ok], "T": (r["T"] / 10.0)[ok]}
    if first == 0x74:
        r, valid = _rows(buf, name, {"names": ["m", "Index", "T"], "formats": ["u1", "<i4", "<i2"],
                                     "offsets": [0, 1, 35]}, 88, 4)
        r = r[valid & (r["m"] == 0x74)]
        return {"Index": r["Index"].astype(np.int64), "T": r["T"] / 10.0}
    return {"Index": np.zeros(0, dtype=np.int64)}


def _ffill_index(valid: Any) -> Any:
    """Position of the last valid row at or before each row (−1 before the first)."""
    import numpy as np

    pos = np.where(valid, np.arange(len(valid)), -1)
    return np.maximum.accumulate(pos)


def merge_split(data: dict[str, Any], run: dict[str, Any], steps: dict[str, Any] | None) -> dict[str, Any]:
    """Join run information and steps onto the voltage/current records, filling records without
    run information (see the module docstring)."""
    import numpy as np

    idx = data["Index"]
    n = len(idx)
    pos = np.searchsorted(idx, run["Index"])
    ok = (pos < n) & (idx[np.minimum(pos, max(n - 1, 0))] == run["Index"]) if n else np.zeros(0, dtype=bool)
    pos = pos[ok]
    have = np.zeros(n, dtype=bool)
    have[pos] = True
    last = _ffill_index(have)
    if n and last[0] < 0:
        raise ValueError("the first record has no run information")

    def spread(key: str) -> Any:
        full = np.full(n, np.nan)
        full[pos] = np.asarray(run[key], dtype=float)[ok]
        return full[last]

    dt = spread("dt")
    i = data["Current(mA)"]
    v = data["Voltage"]
    gap = ~have
    # time, charge and energy accumulated since the last record with run information
    x_t = np.where(gap, dt, 0.0)
    x_q = np.where(gap, dt * i / 3600.0, 0.0)
    x_e = x_q * v
    out: dict[str, Any] = {"Index": idx, "Voltage": v, "Current(mA)": i}
    for key, x in (("dt_sum", x_t), ("q_sum", x_q), ("e_sum", x_e)):
        c = np.cumsum(x)
        out[key] = c - c[np.maximum(last, 0)]
    out["Time"] = spread("Time") + out.pop("dt_sum")
    q, e = out.pop("q_sum"), out.pop("e_sum")
    out["Charge_Capacity(mAh)"] = np.abs(spread("Charge_Capacity(mAh)")) + np.clip(q, 0, None)
    out["Discharge_Capacity(mAh)"] = np.abs(spread("Discharge_Capacity(mAh)")) + np.abs(np.clip(q, None, 0))
    out["Charge_Energy(mWh)"] = np.abs(spread("Charge_Energy(mWh)")) + np.clip(e, 0, None)
    out["Discharge_Energy(mWh)"] = np.abs(spread("Discharge_Energy(mWh)")) + np.abs(np.clip(e, None, 0))
    unix = spread("Unix") + np.cumsum(x_t) - np.cumsum(x_t)[np.maximum(last, 0)]
    out["Timestamp"] = np.round(unix * 1e9).astype(np.int64).view("datetime64[ns]")
    out["timestamp_utc"] = True
    step = spread("Step").astype(np.int64)
    out["Step"] = step
    if steps is not None and len(steps["Status"]):
        k = np.clip(step - 1, 0, len(steps["Status"]) - 1)
        out["Cycle"], out["Step_Index"], out["Status"] = steps["Cycle"][k], steps["Step_Index"][k], steps["Status"][k]
    else:
        out["Cycle"] = np.ones(n, dtype=np.int64)
        out["Step_Index"] = step
        out["Status"] = np.zeros(n, dtype=np.int64)
    out["interpolated_records"] = int(gap.sum())
    return out


_AUX_NAME = re.compile(r"data_AUX_(\d+)_(\d+)_(\d+)\.ndc$|^data_(\d+)\.ndc$|^[^/]*_(\d+)\.ndc$")


def aux_members(names: list[str]) -> list[str]:
    """Auxiliary-channel members in NewareNDA's order (by the numbers in their names)."""
    found = []
    for n in names:
        m = _AUX_NAME.search(n)
        if m and n not in ("data.ndc", "data_runInfo.ndc", "data_step.ndc", "data_log.ndc", "data_es.ndc"):
            nums = [int(g) for g in m.groups() if g is not None]
            found.append(((nums + [0, 0, 0])[:3] if m.group(1) else [nums[0], 0, 0], n))
    return [n for _, n in sorted(found)]


def aux_channel_info(testinfo: bytes | None, count: int) -> list[dict[str, str]]:
    """Per auxiliary member, the attributes of its entry in ``TestInfo.xml`` (AuxID, ChlType), in
    file order; empty dicts when the file has none or the counts differ."""
    if not testinfo:
        return [{} for _ in range(count)]
    text = testinfo.decode("gb2312", errors="replace")
    m = re.search(r"<TestInfo\b(.*?)</TestInfo>", text, re.S)
    body = m.group(1) if m else ""
    entries = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<\w*[Aa]ux\w*\b([^>]*)/?>", body)]
    return entries if len(entries) == count else [{} for _ in range(count)]
