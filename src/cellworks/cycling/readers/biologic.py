"""BioLogic EC-Lab files: binary ``.mpr`` and text ``.mpt``.

Written from the file layout (not from any GPL code):

* ``.mpr`` starts with ``BIO-LOGIC MODULAR FILE\\x1a`` padded to 0x30 bytes plus 4 zero bytes,
  then a chain of modules. Each module starts with ``MODULE``, a 10-byte short name
  (``VMP Set``, ``VMP data``, ``VMP LOG``, ``VMP loop``, ``VMP ExtDev``), a 25-byte long name and
  then either the *old* header (``length`` u32, ``version`` u32, ``date`` 8 chars) or, from
  EC-Lab 11.50 on, the *new* header (``0xFFFFFFFF``, ``length`` u32, u32, ``version`` u32,
  ``date`` 8 chars). ``length`` bytes of module data follow.
* The data module holds ``n_points`` (u32), ``n_columns`` and the column IDs (u8 in version 0 of
  the old layout, u16 little-endian otherwise; in the new layout the IDs start at byte 6), and
  the records, packed without padding, at the *end* of the module. A record is the columns in
  ID order; all the flag IDs (mode, ox/red, error, control changes, Ns changes, counter inc.)
  share one byte at the place of the first flag ID.
* Because the records end the module, the record width is ``(length - header) / n_points``;
  with the header size of a known module version that width fixes the width of one unknown
  column ID (skipped with a warning). Several unknown IDs are skipped too: columns before the
  first unknown are read from the record start, columns after the last one from its end.

Text exports (``.mpt``) are parsed in ``biologic_mpt.py``. Column names are EC-Lab's own export names (``time/s``, ``Ewe/V``, ``I/mA``, ``freq/Hz``, ...).
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import assemble, read_bytes, run_starts, warn_once
from cellworks.cycling.readers.biologic_mpt import read_mpt_columns
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import numpy as np

    from cellworks.timeseries import CyclingData

MPR_MAGIC = b"BIO-LOGIC MODULAR FILE\x1a"
MPT_MAGIC = b"EC-Lab ASCII FILE"
_FILE_HEADER_BYTES = 0x34

#: flag column IDs → (name, bit mask) — they share one byte per record
FLAG_COLUMNS: dict[int, tuple[str, int]] = {
    1: ("mode", 0x03),
    2: ("ox/red", 0x04),
    3: ("error", 0x08),
    21: ("control changes", 0x10),
    31: ("Ns changes", 0x20),
    65: ("counter inc.", 0x80),
}

#: data column IDs → (EC-Lab export name, numpy dtype)
DATA_COLUMNS: dict[int, tuple[str, str]] = {
    4: ("time/s", "<f8"),
    5: ("control/V/mA", "<f4"),
    6: ("Ewe/V", "<f4"),
    7: ("dq/mA.h", "<f8"),
    8: ("I/mA", "<f4"),
    9: ("Ece/V", "<f4"),
    11: ("<I>/mA", "<f8"),
    13: ("(Q-Qo)/mA.h", "<f8"),
    16: ("Analog IN 1/V", "<f4"),
    17: ("Analog IN 2/V", "<f4"),
    19: ("control/V", "<f4"),
    20: ("control/mA", "<f4"),
    23: ("dQ/mA.h", "<f8"),
    24: ("cycle number", "<f8"),
    26: ("Rapp/Ohm", "<f4"),
    27: ("Ewe-Ece/V", "<f4"),
    32: ("freq/Hz", "<f4"),
    33: ("|Ewe|/V", "<f4"),
    34: ("|I|/A", "<f4"),
    35: ("Phase(Z)/deg", "<f4"),
    36: ("|Z|/Ohm", "<f4"),
    37: ("Re(Z)/Ohm", "<f4"),
    38: ("-Im(Z)/Ohm", "<f4"),
    39: ("I Range", "<u2"),
    69: ("R/Ohm", "<f4"),
    70: ("P/W", "<f4"),
    74: ("|Energy|/W.h", "<f8"),
    75: ("Analog OUT/V", "<f4"),
    76: ("<I>/mA", "<f4"),
    77: ("<Ewe>/V", "<f4"),
    78: ("Cs-2/µF-2", "<f4"),
    96: ("|Ece|/V", "<f4"),
    98: ("Phase(Zce)/deg", "<f4"),
    99: ("|Zce|/Ohm", "<f4"),
    100: ("Re(Zce)/Ohm", "<f4"),
    101: ("-Im(Zce)/Ohm", "<f4"),
    123: ("Energy charge/W.h", "<f8"),
    124: ("Energy discharge/W.h", "<f8"),
    125: ("Capacitance charge/µF", "<f8"),
    126: ("Capacitance discharge/µF", "<f8"),
    131: ("Ns", "<u2"),
    163: ("|Estack|/V", "<f4"),
    168: ("Rcmp/Ohm", "<f4"),
    169: ("Cs/µF", "<f4"),
    172: ("Cp/µF", "<f4"),
    173: ("Cp-2/µF-2", "<f4"),
    174: ("<Ewe>/V", "<f4"),
    241: ("|E1|/V", "<f4"),
    242: ("|E2|/V", "<f4"),
    271: ("Phase(Z1)/deg", "<f4"),
    272: ("Phase(Z2)/deg", "<f4"),
    301: ("|Z1|/Ohm", "<f4"),
    302: ("|Z2|/Ohm", "<f4"),
    331: ("Re(Z1)/Ohm", "<f4"),
    332: ("Re(Z2)/Ohm", "<f4"),
    361: ("-Im(Z1)/Ohm", "<f4"),
    362: ("-Im(Z2)/Ohm", "<f4"),
    391: ("<E1>/V", "<f4"),
    392: ("<E2>/V", "<f4"),
    422: ("Phase(Zstack)/deg", "<f4"),
    423: ("|Zstack|/Ohm", "<f4"),
    424: ("Re(Zstack)/Ohm", "<f4"),
    425: ("-Im(Zstack)/Ohm", "<f4"),
    426: ("<Estack>/V", "<f4"),
    430: ("Phase(Zwe-ce)/deg", "<f4"),
    431: ("|Zwe-ce|/Ohm", "<f4"),
    432: ("Re(Zwe-ce)/Ohm", "<f4"),
    433: ("-Im(Zwe-ce)/Ohm", "<f4"),
    434: ("(Q-Qo)/C", "<f4"),
    435: ("dQ/C", "<f4"),
    441: ("<Ece>/V", "<f4"),
    462: ("Temperature/°C", "<f4"),
    467: ("Q charge/discharge/mA.h", "<f8"),
    468: ("half cycle", "<u4"),
    469: ("z cycle", "<u4"),
    471: ("<Ece>/V", "<f4"),
    473: ("THD Ewe/%", "<f4"),
    474: ("THD I/%", "<f4"),
    476: ("NSD Ewe/%", "<f4"),
    477: ("NSD I/%", "<f4"),
    479: ("NSR Ewe/%", "<f4"),
    480: ("NSR I/%", "<f4"),
}

#: technique byte at the start of the settings module
TECHNIQUES: dict[int, str] = {
    0x04: "GCPL", 0x06: "CV", 0x0B: "OCV", 0x16: "MP", 0x18: "CA", 0x19: "CP", 0x1C: "WAIT",
    0x1D: "PEIS", 0x1E: "GEIS", 0x30: "CV", 0x32: "ZIR", 0x33: "CVA", 0x6C: "LSV", 0x75: "coV",
    0x76: "coC", 0x77: "GCPL", 0x7F: "MB",
}
IMPEDANCE_TECHNIQUES = frozenset({"PEIS", "GEIS", "ZIR"})

#: bytes between the start of the data module and the first record, by layout and version
_DATA_HEADER_BYTES: dict[tuple[str, int], int] = {("old", 2): 0x195, ("old", 3): 0x196, ("new", 11): 0x3EF}


def _module_chain(buf: bytes, path: Path) -> list[dict[str, Any]]:
    if len(buf) < _FILE_HEADER_BYTES or not buf.startswith(MPR_MAGIC):
        raise FileFormatError("not a BioLogic .mpr file (no 'BIO-LOGIC MODULAR FILE' header)", file=path, record="byte 0")
    modules: list[dict[str, Any]] = []
    pos = _FILE_HEADER_BYTES
    while pos < len(buf):
        if buf[pos : pos + 6] != b"MODULE":
            raise FileFormatError("expected a 'MODULE' header (file corrupt or truncated)", file=path, record=f"byte {pos}")
        if pos + 57 > len(buf):
            raise FileFormatError(f"module header cut off: file ends at byte {len(buf)}", file=path, record=f"byte {pos}")
        short = buf[pos + 6 : pos + 16].decode("latin-1").strip()
        long_name = buf[pos + 16 : pos + 41].decode("latin-1").strip()
        if buf[pos + 41 : pos + 45] == b"\xff\xff\xff\xff":
            if pos + 65 > len(buf):
                raise FileFormatError(f"module header cut off: file ends at byte {len(buf)}", file=path, record=f"byte {pos}")
            length, _unused, version = struct.unpack_from("<III", buf, pos + 45)
            date = buf[pos + 57 : pos + 65]
            layout, hdr = "new", 65
        else:
            length, version = struct.unpack_from("<II", buf, pos + 41)
            date = buf[pos + 49 : pos + 57]
            layout, hdr = "old", 57
        start = pos + hdr
        end = start + length
        if end > len(buf):
            raise FileFormatError(
                f"module '{short}' declares {length} bytes of data from byte {start} but the file ends at "
                f"byte {len(buf)} (truncated)",
                file=path, record=f"byte {len(buf)}",
            )
        modules.append(
            {"short": short, "long": long_name, "layout": layout, "version": int(version),
             "date": date.decode("latin-1", errors="replace"), "start": start, "end": end, "offset": pos}
        )
        pos = end
    return modules


_ITEMSIZE = {"u1": 1, "<u2": 2, "<u4": 4, "<f4": 4, "<f8": 8}


@functools.lru_cache(maxsize=64)
def _column_items(ids: tuple[int, ...]) -> tuple[list[tuple[str, str, int]], list[int], int]:
    """(name, dtype, width) per column of a record (width -1: unknown ID), unknown IDs, known width.

    Cached per column-ID list (callers must not mutate the lists)."""
    items: list[tuple[str, str, int]] = []
    flags_placed = False
    unknown: list[int] = []
    for cid in ids:
        if cid in FLAG_COLUMNS:
            if not flags_placed:
                items.append(("flags", "u1", 1))
                flags_placed = True
        elif cid in DATA_COLUMNS:
            name, dt = DATA_COLUMNS[cid]
            items.append((name, dt, _ITEMSIZE[dt]))
        else:
            unknown.append(cid)
            items.append((f"unknown column {cid}", "", -1))
    return items, unknown, sum(w for _, _, w in items if w >= 0)


def _record_layout(
    ids: list[int], n_points: int, region: int, data_header: int | None, path: Path, module_offset: int
) -> tuple[list[tuple[str, str, int]], int, list[int]]:
    """Return [(name, dtype, byte offset in record)], record width, unknown IDs."""
    items, unknown, known_width = _column_items(tuple(ids))
    if n_points == 0:
        width = known_width
    elif data_header is not None:
        avail = region - data_header
        if avail < 0 or avail % n_points:
            raise FileFormatError(
                f"data module holds {avail} record bytes, not a whole number of {n_points} records",
                file=path, record=f"byte {module_offset}",
            )
        width = avail // n_points
    else:
        width = known_width if not unknown else -1
        if unknown or region < known_width * n_points:
            raise FileFormatError(
                "data module of an unknown version with column IDs of unknown width "
                f"{unknown}: cannot locate the records",
                file=path, record=f"byte {module_offset}",
            )
    if not unknown and width != known_width:
        raise FileFormatError(
            f"record width {width} bytes does not match the {known_width} bytes of the declared columns "
            f"(corrupt data module)",
            file=path, record=f"byte {module_offset}",
        )
    if unknown and not (len(unknown) <= width - known_width <= 8 * len(unknown)):
        # every EC-Lab column is 1 to 8 bytes wide
        raise FileFormatError(
            f"record width {width} bytes leaves {width - known_width} bytes for unknown column IDs {unknown}: "
            "not 1-8 bytes each (corrupt data module)",
            file=path, record=f"byte {module_offset}",
        )
    # place columns: known prefix from the record start, known suffix from the record end
    out: list[tuple[str, str, int]] = []
    first_unknown = next((k for k, it in enumerate(items) if it[2] < 0), len(items))
    last_unknown = max((k for k, it in enumerate(items) if it[2] < 0), default=-1)
    off = 0
    for name, dt, w in items[:first_unknown]:
        out.append((name, dt, off))
        off += w
    if last_unknown >= 0:
        off = width
        suffix: list[tuple[str, str, int]] = []
        for name, dt, w in reversed(items[last_unknown + 1 :]):
            off -= w
            suffix.append((name, dt, off))
        out.extend(reversed(suffix))
        middle = [it[0] for it in items[first_unknown:last_unknown + 1] if it[2] >= 0]
        if middle:
            warn_once(f"BioLogic columns {middle} lie between unknown column IDs and were skipped")
    return out, width, list(unknown)


@functools.lru_cache(maxsize=64)
def _record_dtype(fields: tuple[tuple[str, str, int], ...], width: int) -> Any:
    import numpy as np

    return np.dtype({"names": [f[0] for f in fields], "formats": [f[1] for f in fields],
                     "offsets": [f[2] for f in fields], "itemsize": width})


def read_mpr_columns(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Raw columns of any ``.mpr`` (EC-Lab export names) and metadata (technique, versions, ...).

    Flag columns (``mode``, ``ox/red``, ``error``, ``control changes``, ``Ns changes``,
    ``counter inc.``) are unpacked from the flag byte. Unknown column IDs are skipped with one
    warning naming them. Truncated or corrupt files raise :class:`FileFormatError` with the byte
    offset.
    """
    cols, meta, _buf = _mpr_columns(path)
    return cols, meta


def _mpr_columns(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any], bytes]:
    import numpy as np

    p = Path(path)
    buf = read_bytes(p)
    modules = _module_chain(buf, p)
    meta: dict[str, Any] = {"modules": [m["short"] for m in modules]}
    settings = next((m for m in modules if m["short"] == "VMP Set"), None)
    if settings is not None and settings["end"] > settings["start"]:
        sd = buf[settings["start"] : settings["end"]]
        code = sd[0]
        meta["technique_code"] = int(code)
        meta["technique"] = TECHNIQUES.get(code, f"unknown technique 0x{code:02x}")
        if len(sd) >= 0x215:
            meta["settings_active_material_mass"] = float(struct.unpack_from("<f", sd, 0x107)[0])
            meta["settings_electrode_area"] = float(struct.unpack_from("<f", sd, 0x211)[0])
        if len(sd) > 8 and sd[7] and len(sd) >= 8 + sd[7]:
            meta["comments"] = sd[8 : 8 + sd[7]].decode("latin-1", errors="replace").strip()
    data_modules = [m for m in modules if m["short"] == "VMP data"]
    if not data_modules:
        raise FileFormatError("no 'VMP data' module (no data recorded)", file=p)
    dm = data_modules[0]
    start, end, version, layout = dm["start"], dm["end"], dm["version"], dm["layout"]
    region = end - start
    meta.update({"data_module_version": version, "header_layout": layout, "data_module_date": dm["date"]})
    if region < 6:
        raise FileFormatError("data module too short", file=p, record=f"byte {start}")
    n_points = struct.unpack_from("<I", buf, start)[0]
    if layout == "new":
        n_cols, id_at, id_size = struct.unpack_from("<H", buf, start + 4)[0], start + 6, 2
    elif version == 0:
        n_cols, id_at, id_size = buf[start + 4], start + 5, 1
    else:
        n_cols, id_at, id_size = buf[start + 4], start + 5, 2
    # the column IDs must fit in the module (a corrupt count of 65535 would read past it)
    if n_cols == 0 or id_at + n_cols * id_size > end or n_cols > 1000:
        raise FileFormatError(
            f"data module declares {n_cols} columns, which its {region} bytes cannot hold (corrupt file)",
            file=p, record=f"byte {start + 4}", field="column count")
    ids = np.frombuffer(buf, dtype="u1" if id_size == 1 else "<u2", count=n_cols, offset=id_at).tolist()
    meta["n_points"] = int(n_points)
    meta["column_ids"] = ids
    data_header = _DATA_HEADER_BYTES.get((layout, version))
    if n_points > region:  # every record is at least one byte
        raise FileFormatError(f"data module declares {n_points} records in {region} bytes (corrupt file)",
                              file=p, record=f"byte {start}", field="point count")
    fields, width, unknown = _record_layout(ids, n_points, region, data_header, p, dm["offset"])
    if unknown:
        names = ", ".join(str(u) for u in unknown)
        warn_once(
            f"{p.name}: skipped BioLogic column ID{'s' if len(unknown) > 1 else ''} {names} "
            f"(unknown to cellworks; {width - sum(np.dtype(dt).itemsize for _, dt, _ in fields)} bytes per record)"
        )
        meta["skipped_column_ids"] = unknown
    first = end - n_points * width
    if first < start + 5:
        raise FileFormatError(f"data module too short for {n_points} records of {width} bytes", file=p,
                              record=f"byte {dm['offset']}")
    arr = np.frombuffer(buf, dtype=_record_dtype(tuple(fields), width), count=n_points, offset=first)
    cols: dict[str, np.ndarray] = {}
    for name, _dt, _off in fields:
        if name == "flags":
            fl = arr["flags"]
            # all single-bit flags from one unpack (column k = bit k); multi-bit ones (mode) by mask
            bits = np.unpackbits(fl[:, None], axis=1, bitorder="little")
            for cid in ids:
                if cid in FLAG_COLUMNS:
                    fname, mask = FLAG_COLUMNS[cid]
                    shift = (mask & -mask).bit_length() - 1
                    if mask == 1 << shift:
                        cols[fname] = bits[:, shift]
                    else:
                        low = fl & np.uint8(mask)
                        cols[fname] = low >> np.uint8(shift) if shift else low
        elif name not in cols:
            cols[name] = np.ascontiguousarray(arr[name])
    return cols, meta, buf


#: EC-Lab ``mode`` flag values and Modulo Bat ``ctrl_type`` names → step modes
_MODE_FLAG = {1: "CC", 2: "CV", 3: "rest"}
_CTRL_TYPE = {"rest": "rest", "cc": "CC", "cv": "CV", "cccv": "CCCV", "cp": "CP", "cr": "CR", "peis": "impedance",
              "geis": "impedance", "ocv": "OCV", "cpcv": "CPCV"}


def _step_types(
    cols: dict[str, np.ndarray], meta: dict[str, Any], current: Any, step: Any, impedance_file: bool, n: int,
) -> tuple[Any, Any]:
    """Step type codes (charge 0, discharge 1, rest 2, other 3) and step modes per record.

    Impedance: the whole file for PEIS/GEIS techniques; inside Modulo Bat files, every step whose
    records mostly carry a frequency (``freq/Hz`` > 0: EC-Lab writes 0 outside impedance
    sequences) or whose sequence is a PEIS/GEIS ``ctrl_type``. Such steps are typed ``other`` with
    mode ``impedance``: they never start a (false) cycle. Other modes from ``ctrl_type`` (what
    the instrument ran) or from the ``mode`` flag (1 CC, 2 CV, 3 open circuit)."""
    import numpy as np

    from cellworks.cycling.readers._common import step_type_codes

    if impedance_file:
        return np.full(n, 3, dtype=np.int8), np.full(n, "impedance", dtype=object)
    st = step_type_codes(current, step)
    mode = np.full(n, None, dtype=object)
    if n == 0:
        return st, mode
    counts = np.maximum(np.bincount(step), 1)
    if "mode" in cols:
        flag = np.asarray(cols["mode"]).astype(np.int64)
        # EC-Lab mode 3 = open circuit (rest): steps with more than half of their records in it
        rest_share = np.bincount(step, weights=(flag == 3).astype(float)) / counts
        st[rest_share[step] > 0.5] = 2
        # the step's most common flag (steps are consecutive runs 1..N)
        votes = np.zeros((len(counts), 4))
        np.add.at(votes, (step, np.clip(flag, 0, 3)), 1.0)
        major = votes.argmax(axis=1)
        mode = np.array([_MODE_FLAG.get(int(k)) for k in major], dtype=object)[step]
    ctrl = meta.get("ctrl_type")
    if ctrl and "Ns" in cols:
        ns = np.asarray(cols["Ns"]).astype(np.int64)
        names = np.array([_CTRL_TYPE.get(c.lower()) for c in ctrl] + [None], dtype=object)
        from_ctrl = names[np.clip(ns, 0, len(ctrl))]
        known = np.array([f is not None for f in from_ctrl], dtype=bool)
        mode[known] = from_ctrl[known]
    imp = np.array([m == "impedance" for m in mode], dtype=bool)
    if "freq/Hz" in cols:
        freq = np.asarray(cols["freq/Hz"], dtype=float)
        share = np.bincount(step, weights=(np.isfinite(freq) & (freq > 0)).astype(float)) / counts
        imp |= share[step] > 0.5
    mode[imp] = "impedance"
    st[imp] = 3
    return st, mode


#: the EC-Lab columns the cycling table is built from (the others stay in the file)
TABLE_COLUMNS = frozenset({
    "time/s", "Ewe/V", "<Ewe>/V", "Ecell/V", "Ewe-Ece/V", "I/mA", "<I>/mA", "dq/mA.h", "dQ/mA.h",
    "Q charge/discharge/mA.h", "half cycle", "(Q-Qo)/mA.h", "Ns", "cycle number", "mode", "freq/Hz", "I Range",
    "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg", "|Energy|/W.h", "Energy charge/W.h",
    "Energy discharge/W.h", "P/W", "Temperature/°C",
})


def _to_table(
    cols: dict[str, np.ndarray], meta: dict[str, Any], path: Path, fmt: str, *,
    active_mass_g: float | None, area_cm2: float | None, raw: bytes | None = None,
) -> CyclingData:
    import numpy as np

    n = len(next(iter(cols.values()))) if cols else 0
    if "time/s" not in cols:
        raise FileFormatError("no 'time/s' column", file=path, field="time/s")
    t = np.asarray(cols["time/s"], dtype=float)
    vname = next((c for c in ("Ewe/V", "<Ewe>/V", "Ecell/V", "Ewe-Ece/V") if c in cols), None)
    v = np.asarray(cols[vname], dtype=float) if vname else np.zeros(n)
    notes: dict[str, Any] = {"biologic": meta}
    if meta.get("dropped_incomplete_last_record"):
        notes["dropped_incomplete_last_record"] = meta["dropped_incomplete_last_record"]
    iname = next((c for c in ("I/mA", "<I>/mA") if c in cols), None)
    dq = None
    if "dq/mA.h" in cols:
        dq = np.asarray(cols["dq/mA.h"], dtype=float) / 1000.0
    elif "dQ/mA.h" in cols:
        dq = np.asarray(cols["dQ/mA.h"], dtype=float) / 1000.0
    if iname:
        current = np.asarray(cols[iname], dtype=float) / 1000.0
    elif dq is not None:
        # no current column (GCPL stores only dq): I = dq/dt of each record interval
        dt = np.diff(t, prepend=t[0] if n else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            current = np.where(dt > 0, dq * 3600.0 / dt, 0.0)
        if n > 1 and dt[0] == 0:
            current[0] = current[1] if "mode" not in cols or cols["mode"][0] == cols["mode"][1] else 0.0
        notes["current"] = "derived from dq/mA.h and time/s (the file stores no current column)"
    else:
        current = np.zeros(n)
        notes["current"] = "no current column in the file: set to 0"
    technique = str(meta.get("technique", ""))
    impedance = technique in IMPEDANCE_TECHNIQUES or ("freq/Hz" in cols and vname != "Ewe/V")
    # charge increments from the best counter the file has
    half = cols.get("half cycle")
    if "Q charge/discharge/mA.h" in cols and half is not None:
        q = np.asarray(cols["Q charge/discharge/mA.h"], dtype=float) / 1000.0
        inc = np.empty_like(q)
        if n:
            inc[0] = q[0]
            inc[1:] = np.diff(q)
            restart = run_starts(half)
            inc[restart] = q[restart]
        notes["capacities"] = "from 'Q charge/discharge/mA.h' (restarts every half cycle)"
    elif "(Q-Qo)/mA.h" in cols:
        q = np.asarray(cols["(Q-Qo)/mA.h"], dtype=float) / 1000.0
        inc = np.diff(q, prepend=0.0) if n else q
        notes["capacities"] = "from '(Q-Qo)/mA.h' (cumulative over the test)"
    elif dq is not None:
        inc = dq
        notes["capacities"] = "from 'dq/mA.h' (charge per record)"
    else:
        inc = None
    if impedance and "(Q-Qo)/mA.h" not in cols and dq is None:
        inc = np.zeros(n)
    keys: list[np.ndarray] = []
    for k in ("Ns", "half cycle", "cycle number"):
        if k in cols:
            keys.append(np.asarray(cols[k]))
    from cellworks.cycling.readers._common import step_key

    step = step_key(*keys) if keys else np.ones(n, dtype=np.int64)
    if "cycle number" in cols:
        cycle = np.rint(np.asarray(cols["cycle number"], dtype=float)).astype(np.int64)
    elif half is not None:
        cycle = (np.asarray(half, dtype=np.int64) // 2).astype(np.int64)
        notes["cycle_index"] = "half cycle // 2 (+1): the file has no 'cycle number' column"
    else:
        cycle = np.zeros(n, dtype=np.int64)
    st, step_mode = _step_types(cols, meta, current, step, impedance, n)
    extra: dict[str, Any] = {}
    rename = {
        "Ns": "instrument_Ns", "half cycle": "instrument_half_cycle", "cycle number": "instrument_cycle",
        "mode": "instrument_mode", "I Range": "instrument_I_range",
        "freq/Hz": "frequency_Hz", "Re(Z)/Ohm": "re_Z_Ohm", "-Im(Z)/Ohm": "minus_im_Z_Ohm",
        "|Z|/Ohm": "abs_Z_Ohm", "Phase(Z)/deg": "phase_Z_deg",
    }
    for src, dst in rename.items():
        if src in cols:
            extra[dst] = np.asarray(cols[src], dtype=float if src not in ("Ns", "half cycle", "mode", "I Range")
                                    else np.int64)
    scaled = {"Q charge/discharge/mA.h": ("instrument_Q_charge_discharge_Ah", 1e-3),
              "(Q-Qo)/mA.h": ("instrument_Q_minus_Q0_Ah", 1e-3), "|Energy|/W.h": ("instrument_abs_energy_Wh", 1.0),
              "Energy charge/W.h": ("instrument_charge_energy_Wh", 1.0),
              "Energy discharge/W.h": ("instrument_discharge_energy_Wh", 1.0), "P/W": ("power_W", 1.0)}
    for src, (dst, f) in scaled.items():
        if src in cols:
            extra[dst] = np.asarray(cols[src], dtype=float) * f
    # EC-Lab stores the active-material mass in mg (.mpr settings) and the electrode area in cm²;
    # 0.001 is EC-Lab's placeholder for "not entered"
    mass_mg = meta.get("settings_active_material_mass")
    text_mass = meta.get("active_material_mass")
    if mass_mg is None and text_mass:
        value, _, unit = str(text_mass).partition(" ")
        try:
            mass_mg = float(value.replace(",", ".")) * {"g": 1000.0, "mg": 1.0, "µg": 1e-3, "ug": 1e-3}.get(unit, 1.0)
        except ValueError:
            mass_mg = None
    if active_mass_g is None and mass_mg is not None and np.isfinite(mass_mg) and mass_mg > 0.0011 and not (
            text_mass and abs(float(mass_mg) - 1.0) < 1e-9 and str(text_mass).endswith(" g")):
        active_mass_g = float(mass_mg) / 1000.0
        stored = f"{float(meta.get('settings_active_material_mass', mass_mg)):g}"
        notes["active_mass_source"] = (f"instrument setting (EC-Lab 'mass of active material' {stored}, read as mg)"
                                       if "settings_active_material_mass" in meta else
                                       f"instrument setting (EC-Lab header '{text_mass}')")
    area = meta.get("settings_electrode_area")
    if area_cm2 is None and area is not None and np.isfinite(area) and area > 0.0011:
        area_cm2 = float(area)
        notes["area_source"] = "EC-Lab settings (electrode surface area, cm²)"
    charge_inc = None if inc is None else np.clip(inc, 0.0, None)
    discharge_inc = None if inc is None else np.clip(-inc, 0.0, None)
    temp = cols.get("Temperature/°C")
    return assemble(
        path=path, instrument="BioLogic EC-Lab", fmt=fmt, test_time_s=t, voltage_V=v, current_A=current,
        step_index=step, cycle_index=cycle, charge_increment_Ah=charge_inc, discharge_increment_Ah=discharge_inc,
        step_type=st, step_mode=step_mode, temperature_C=temp, extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra=notes, raw=raw,
    )


def read_mpr(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    cols, meta, raw = _mpr_columns(path)
    return _to_table(cols, meta, Path(path), "biologic-mpr", active_mass_g=active_mass_g, area_cm2=area_cm2,
                     raw=raw)


def read_mpt(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
             allow_truncated: bool = True) -> CyclingData:
    raw = read_bytes(Path(path))
    cols, meta = read_mpt_columns(path, allow_truncated=allow_truncated, raw=raw, columns=TABLE_COLUMNS)
    return _to_table(cols, meta, Path(path), "biologic-mpt", active_mass_g=active_mass_g, area_cm2=area_cm2,
                     raw=raw)
