"""BMS logs: per-cell voltages, pack current, temperature and balance flags, one row per sample.

Columns are found by a map (``--map key=value``, repeatable) or, without one, by common names:

``time``         elapsed seconds, or a wall-clock stamp (``time_format``, default the bq-family logger's
                 ``%m/%d/%Y %I:%M:%S %p``, e.g. ``06/26/2014 03:16:29 PM``); rows repeating a stamp are dropped
``cells``        ``V1..V8`` (a range), ``V{i}`` (a pattern, i = 1, 2, …) or ``V1,V2,V3`` (a list) [V]
``current``      pack current [A] (``Iavg``, ``I``, ``current``…); ``current_sign`` = ``charge_positive``
                 (default; the bq logger's convention) or ``discharge_positive``
``temperature``  one temperature [°C] (``Temp``…); −273.15 (a failed read) becomes missing
``balance``      balance-flag columns; ``balance_coding`` = ``index`` (each column holds the 1-based index of
                 the one cell it bleeds, 0 = none: the public 8-series log's ``BalB``/``BalT``) or ``bits``
                 (bit i of a column = cell ``offset + i + 1`` bleeds, ``cells_per_column`` cells a column;
                 a bq769x0 ``CELLBAL1``/``CELLBAL2`` style)

Rows with an impossible cell voltage (≤ 0.5 V or ≥ 5.5 V: the logger's glitches) are kept and flagged
``valid = False``; statistics and replays skip them. Layout facts: research notes §1 (the public log of
charleshsu168/batteryscripts has no licence, so the test logs are written by us in its layout).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError, ParameterError

if TYPE_CHECKING:
    import numpy as np

BQ_TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
MAP_KEYS = ("time", "time_format", "cells", "current", "current_sign", "temperature", "balance", "balance_coding",
            "cells_per_column")
_TIME_NAMES = ("time", "time_s", "test_time_s", "timestamp", "t", "elapsed_s")
_CURRENT_NAMES = ("iavg", "current", "current_a", "i", "ipack", "i_a", "iinst")
_TEMP_NAMES = ("temp", "temperature", "temperature_c", "t_c", "temp_c")
_BAL_NAMES = (("balb", "balt"), ("cellbal1", "cellbal2", "cellbal3"), ("cellbal1", "cellbal2"), ("balance",), ("bal",),
              ("cellbal",))
VALID_CELL_V = (0.5, 5.5)
#: a log larger than this many rows is refused (memory); raise it with the reader's ``max_rows``
MAX_ROWS = 5_000_000


@dataclass(frozen=True)
class LogMap:
    """Which columns hold what (see the module docstring); empty fields are detected."""

    time: str = ""
    time_format: str = ""
    cells: str = ""
    current: str = ""
    current_sign: str = "charge_positive"
    temperature: str = ""
    balance: str = ""
    balance_coding: str = ""
    cells_per_column: int = 0

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> LogMap:
        """From ``key=value`` strings (the ``--map`` options)."""
        kw: dict[str, Any] = {}
        for item in items:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in MAP_KEYS:
                raise ParameterError(f"expected key=value with key one of {', '.join(MAP_KEYS)}, got {item!r}",
                                     field="map")
            if key == "cells_per_column":
                try:
                    kw[key] = int(value)
                except ValueError:
                    raise ParameterError(f"cells_per_column must be a whole number, got {value!r}",
                                         field="map") from None
                if kw[key] < 1:
                    raise ParameterError("cells_per_column must be ≥ 1", field="map")
            else:
                kw[key] = value.strip()
        m = cls(**kw)
        if m.current_sign not in ("charge_positive", "discharge_positive"):
            raise ParameterError("current_sign is charge_positive or discharge_positive", field="map.current_sign")
        if m.balance_coding not in ("", "index", "bits"):
            raise ParameterError("balance_coding is index or bits", field="map.balance_coding")
        return m


@dataclass
class BmsLog:
    """A BMS log as arrays (rows after dropping repeated time stamps)."""

    time_s: np.ndarray  # from the first row
    cell_V: np.ndarray  # (rows, cells)
    current_A: np.ndarray  # > 0 on charge (cycling-table convention); NaN if the log has none
    temperature_C: np.ndarray  # NaN where missing
    balance: np.ndarray | None  # (rows, cells) bool, None if the log has no flags
    valid: np.ndarray  # rows whose cell voltages are all plausible
    source: str
    columns: dict[str, Any] = field(default_factory=dict)  # what was read from where
    rows_in_file: int = 0
    duplicates_dropped: int = 0
    file_row: np.ndarray | None = None  # 1-based line number in the file of each row (header = 1)

    @property
    def n_rows(self) -> int:
        """Rows after dropping repeated time stamps."""
        return int(self.cell_V.shape[0])

    @property
    def n_cells(self) -> int:
        """Cell-voltage columns."""
        return int(self.cell_V.shape[1])

    def summary(self) -> dict[str, Any]:
        """The table's size, sampling and per-cell statistics (valid rows only)."""
        import numpy as np

        v = self.cell_V[self.valid]
        dt = np.diff(self.time_s)
        cells = []
        for c in range(self.n_cells):
            col = v[:, c] if len(v) else np.array([np.nan])
            d: dict[str, Any] = {"cell": c + 1, "min_V": float(np.min(col)), "max_V": float(np.max(col)),
                                 "mean_V": float(np.mean(col)), "last_V": float(col[-1])}
            if self.balance is not None:
                d["balance_fraction"] = float(self.balance[self.valid, c].mean()) if len(v) else 0.0
            cells.append(d)
        spread = (v.max(axis=1) - v.min(axis=1)) if len(v) else np.array([np.nan])
        out: dict[str, Any] = {
            "source": self.source,
            "n_rows": self.n_rows,
            "n_cells": self.n_cells,
            "rows_in_file": self.rows_in_file,
            "duplicates_dropped": self.duplicates_dropped,
            "invalid_rows": int((~self.valid).sum()),
            "duration_s": float(self.time_s[-1] - self.time_s[0]) if self.n_rows else 0.0,
            "median_sampling_s": float(np.median(dt)) if len(dt) else None,
            "spread_mV": {"min": float(spread.min() * 1e3), "max": float(spread.max() * 1e3),
                          "last": float(spread[-1] * 1e3)},
            "columns": self.columns,
            "cells": cells,
        }
        i = self.current_A[self.valid]
        if np.isfinite(i).any():
            out["current_A"] = {"min": float(np.nanmin(i)), "max": float(np.nanmax(i)),
                                "charge_Ah": float(_integrate(self.time_s, np.clip(self.current_A, 0, None))),
                                "discharge_Ah": float(_integrate(self.time_s, np.clip(-self.current_A, 0, None)))}
        t = self.temperature_C
        if np.isfinite(t).any():
            out["temperature_C"] = {"min": float(np.nanmin(t)), "max": float(np.nanmax(t)),
                                    "missing_rows": int((~np.isfinite(t)).sum())}
        if self.balance is not None:
            from cellworks.pack.log_replay import episodes

            out["balance"] = {"rows_with_any_bleed": int(self.balance[self.valid].any(axis=1).sum()),
                              "episodes": len(episodes(self.balance, self.valid))}
        return out


def _integrate(t: np.ndarray, i: np.ndarray) -> float:
    import numpy as np

    i = np.nan_to_num(i)
    return float(np.sum(0.5 * (i[1:] + i[:-1]) * np.diff(t)) / 3600.0) if len(t) > 1 else 0.0


def _pick(cols: dict[str, str], names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in cols:
            return cols[n]
    return None


def _cell_columns(spec: str, columns: list[str], path: Path) -> list[str]:
    """``V1..V8``, ``V{i}``, ``V1,V2`` or (empty) detected: ``V<n>``/``cell<n>``/``cell<n>_V``."""
    if spec:
        m = re.fullmatch(r"\s*([A-Za-z_ ]*?)(\d+)\s*\.\.\s*\1?(\d+)\s*", spec)
        if m:
            prefix, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
            if hi < lo or hi - lo > 1000:
                raise ParameterError(f"bad cell range {spec!r}", file=path, field="map.cells")
            names = [f"{prefix}{i}" for i in range(lo, hi + 1)]
        elif "{i}" in spec:
            names = []
            i = 1
            while spec.replace("{i}", str(i)) in columns:
                names.append(spec.replace("{i}", str(i)))
                i += 1
        else:
            names = [s.strip() for s in spec.split(",") if s.strip()]
        missing = [n for n in names if n not in columns]
        if missing or not names:
            raise FileFormatError(f"no column {missing[0] if missing else spec!r} (columns: {', '.join(columns)})",
                                  file=path, field="map.cells")
        return names
    found: dict[int, str] = {}
    for c in columns:
        m = re.fullmatch(r"(?:V|v|cell|Cell|CELL|cell_|Cell_|U)(\d+)(?:_V|_v| \[V\])?", c.strip())
        if m:
            found.setdefault(int(m.group(1)), c)
    if not found:
        raise FileFormatError("no cell-voltage columns found (V1, V2, … or cell1_V …); give --map cells=…",
                              file=path, field="cells")
    idx = sorted(found)
    if idx != list(range(idx[0], idx[0] + len(idx))):
        raise FileFormatError(f"cell columns are not numbered consecutively ({idx}); give --map cells=…", file=path,
                              field="cells")
    return [found[i] for i in idx]


def read_bms_log(path: str | Path, mapping: LogMap | None = None, max_rows: int = MAX_ROWS) -> BmsLog:
    """Read a BMS log (CSV with a header line; ``, `` or ``,`` or ``;`` or tabs between fields)."""
    import numpy as np
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    m = mapping or LogMap()
    try:
        df = pd.read_csv(p, sep=None, engine="python", skipinitialspace=True, dtype=str, nrows=max_rows + 1,
                         on_bad_lines="error", encoding_errors="replace")
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise FileFormatError("a row has the wrong number of fields (truncated or corrupt file?)", file=p,
                              record=f"line {line.group(1)}" if line else None) from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise FileFormatError(f"not a readable CSV log ({str(exc).splitlines()[0] if str(exc) else 'empty'})",
                              file=p) from None
    if len(df) > max_rows:
        raise FileFormatError(f"more than {max_rows} rows (raise max_rows to read it)", file=p)
    if len(df) < 2:
        raise FileFormatError("fewer than two data rows", file=p)
    df.columns = [str(c).strip() for c in df.columns]
    columns = list(df.columns)
    lower = {c.lower(): c for c in columns}
    last = df.iloc[-1]
    if last.isna().any():  # fields missing at the end of the last line: a truncated write
        miss = [c for c in columns if pd.isna(last[c])]
        raise FileFormatError("the last row is incomplete (truncated file?)", file=p, record=f"line {len(df) + 1}",
                              field=miss[0])
    cell_cols = _cell_columns(m.cells, columns, p)
    cell_V = np.column_stack([_numbers(df[c], p, c) for c in cell_cols])
    time_col = m.time or _pick(lower, _TIME_NAMES)
    if time_col is None or time_col not in df.columns:
        raise FileFormatError(f"no time column (looked for {m.time or ', '.join(_TIME_NAMES)})", file=p, field="time")
    t = _times(df[time_col], m.time_format, p, time_col)
    cur_col = m.current or _pick(lower, _CURRENT_NAMES)
    if m.current and m.current not in df.columns:
        raise FileFormatError(f"no column {m.current!r}", file=p, field="map.current")
    cur = _numbers(df[cur_col], p, cur_col) if cur_col else np.full(len(df), np.nan)
    if m.current_sign == "discharge_positive":
        cur = -cur
    temp_col = m.temperature or _pick(lower, _TEMP_NAMES)
    if m.temperature and m.temperature not in df.columns:
        raise FileFormatError(f"no column {m.temperature!r}", file=p, field="map.temperature")
    temp = _numbers(df[temp_col], p, temp_col) if temp_col else np.full(len(df), np.nan)
    temp[temp <= -273.0] = np.nan  # the logger writes −273.15 when the sensor read failed
    bal_cols, coding = _balance_columns(m, lower, columns, p)
    balance = None
    if bal_cols:
        raw = np.column_stack([_numbers(df[c], p, c) for c in bal_cols])
        balance = _decode_balance(raw, coding, len(cell_cols), m.cells_per_column, p, bal_cols)
    # repeated time stamps (the logger's duplicated seconds): keep the first row of each
    keep = np.ones(len(t), bool)
    keep[1:] = np.diff(t) > 0
    back = np.flatnonzero(np.diff(t) < 0)
    if len(back):
        raise FileFormatError("time goes backwards", file=p, record=f"line {int(back[0]) + 3}", field=time_col)
    rows = np.arange(len(df)) + 2
    valid = np.all((cell_V > VALID_CELL_V[0]) & (cell_V < VALID_CELL_V[1]), axis=1)
    return BmsLog(
        time_s=t[keep] - t[0], cell_V=cell_V[keep], current_A=cur[keep], temperature_C=temp[keep],
        balance=None if balance is None else balance[keep], valid=valid[keep], source=str(p),
        columns={"time": time_col, "cells": cell_cols, "current": cur_col, "temperature": temp_col,
                 "balance": bal_cols, "balance_coding": coding or None, "current_sign": m.current_sign},
        rows_in_file=len(df), duplicates_dropped=int((~keep).sum()), file_row=rows[keep],
    )


def _numbers(col: Any, p: Path, name: str) -> np.ndarray:
    import numpy as np
    import pandas as pd

    vals = pd.to_numeric(col, errors="coerce").to_numpy(float, copy=True)
    bad = np.flatnonzero(~np.isfinite(vals))
    if len(bad):
        raise FileFormatError(f"not a number: {str(col.iloc[int(bad[0])])[:40]!r}", file=p,
                              record=f"line {int(bad[0]) + 2}", field=name)
    return vals


def _times(col: Any, fmt: str, p: Path, name: str) -> np.ndarray:
    import numpy as np
    import pandas as pd

    num = pd.to_numeric(col, errors="coerce")
    if not fmt and num.notna().all():
        return num.to_numpy(float)
    try:
        stamps = pd.to_datetime(col, format=fmt or BQ_TIME_FORMAT)
    except (ValueError, TypeError):
        if fmt:
            bad = _first_unparsed(col, fmt)
            raise FileFormatError(f"time not in the format {fmt!r}: {col.iloc[bad]!r}", file=p,
                                  record=f"line {bad + 2}", field=name) from None
        try:
            stamps = pd.to_datetime(col, format="ISO8601")
        except (ValueError, TypeError):
            raise FileFormatError("time is neither seconds nor a recognised date-time (give --map time_format=…)",
                                  file=p, field=name) from None
    return np.asarray((stamps - stamps.iloc[0]).dt.total_seconds(), float)


def _first_unparsed(col: Any, fmt: str) -> int:
    import pandas as pd

    parsed = pd.to_datetime(col, format=fmt, errors="coerce")
    bad = parsed.isna().to_numpy().nonzero()[0]
    return int(bad[0]) if len(bad) else 0


def _balance_columns(m: LogMap, lower: dict[str, str], columns: list[str], p: Path) -> tuple[list[str], str]:
    if m.balance:
        names = [s.strip() for s in m.balance.split(",") if s.strip()]
        missing = [n for n in names if n not in columns]
        if missing:
            raise FileFormatError(f"no column {missing[0]!r}", file=p, field="map.balance")
        return names, m.balance_coding or "index"
    for group in _BAL_NAMES:
        if all(g in lower for g in group):
            names = [lower[g] for g in group]
            coding = m.balance_coding or ("index" if group == ("balb", "balt") else "bits")
            return names, coding
    return [], ""


def _decode_balance(raw: np.ndarray, coding: str, n_cells: int, per_col: int, p: Path, names: list[str]) -> np.ndarray:
    import numpy as np

    rows = raw.shape[0]
    out = np.zeros((rows, n_cells), bool)
    if np.any(raw < 0) or np.any(raw != np.round(raw)):
        r, c = np.argwhere((raw < 0) | (raw != np.round(raw)))[0]
        raise FileFormatError("a balance flag must be a whole number ≥ 0", file=p, record=f"line {r + 2}",
                              field=names[c])
    codes = raw.astype(np.int64)
    if coding == "index":
        for c in range(codes.shape[1]):
            idx = codes[:, c]
            if np.any(idx > n_cells):
                r = int(np.flatnonzero(idx > n_cells)[0])
                raise FileFormatError(f"cell index {idx[r]} but the log has {n_cells} cells", file=p,
                                      record=f"line {r + 2}", field=names[c])
            on = idx > 0
            out[np.flatnonzero(on), idx[on] - 1] = True
        return out
    width = per_col or (n_cells if codes.shape[1] == 1 else math.ceil(n_cells / codes.shape[1]))
    for c in range(codes.shape[1]):
        if np.any(codes[:, c] >= (1 << width)):
            r = int(np.flatnonzero(codes[:, c] >= (1 << width))[0])
            raise FileFormatError(f"flag {codes[r, c]} sets a bit above the {width} cells of the column", file=p,
                                  record=f"line {r + 2}", field=names[c])
        for b in range(width):
            cell = c * width + b
            if cell < n_cells:
                out[:, cell] |= (codes[:, c] >> b) & 1 == 1
    return out
