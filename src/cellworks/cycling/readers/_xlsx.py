"""A small, fast reader for the cell values of ``.xlsx`` workbooks (Office Open XML).

Cycler workbooks are big grids of numbers; a general-purpose workbook library builds an object
per cell and takes seconds. Here each sheet's XML is scanned once with a regular expression for
its ``<c>`` elements (reference, type, ``<v>`` value or inline string), shared strings are looked
up, and the columns come out as numpy arrays. Formulas count by their cached value (``<v>``); styles
are ignored (date cells stay Excel serial day numbers). No XML entity is expanded beyond the five
predefined ones, so hostile workbooks cannot inflate. Member sizes are bounded (``_bounded``).
"""

from __future__ import annotations

import re
import zipfile
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._bounded import check_zip_members, open_zip, read_member
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t[^>]*>([^<]*)</t>")
_TYPE = re.compile(rb'\bt="(\w+)"')
_SHEET = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL = re.compile(rb'<Relationship [^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"|<Relationship [^>]*?Target="([^"]*)"'
                  rb'[^>]*?Id="([^"]*)"')
_SI = re.compile(rb"<si>(.*?)</si>", re.S)


def _col_index(letters: bytes) -> int:
    k = 0
    for ch in letters:
        k = k * 26 + (ch - 64)
    return k - 1


def sheet_paths(zf: zipfile.ZipFile, path: str | Path) -> dict[str, str]:
    """Sheet name → member path, in workbook order."""
    wb = read_member(zf, "xl/workbook.xml", path)
    rels_raw = read_member(zf, "xl/_rels/workbook.xml.rels", path)
    rels: dict[bytes, bytes] = {}
    for m in _REL.finditer(rels_raw):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        rels[rid] = target
    out: dict[str, str] = {}
    for m in _SHEET.finditer(wb):
        target = rels.get(m.group(2))
        if target is None:
            continue
        t = target.decode("utf-8", errors="replace")
        member = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
        out[unescape(m.group(1).decode("utf-8", errors="replace"))] = member
    return out


def _shared_strings(zf: zipfile.ZipFile, path: str | Path) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    raw = read_member(zf, "xl/sharedStrings.xml", path)
    return [unescape(b"".join(_TEXT.findall(si)).decode("utf-8", errors="replace")) for si in _SI.findall(raw)]


def _parse_numbers(joined: bytes, n: int) -> Any:
    """Floats of newline-separated texts (exact, fast: ``_csv.read_table``); texts that are no
    numbers (error cells such as ``#N/A``) become NaN. None if the count is off."""
    import io

    import numpy as np
    import pandas as pd

    from cellworks.cycling.readers._csv import read_table

    if n == 0:
        return np.zeros(0)
    if n < 4096:  # a parser's set-up costs more than Python's float() on a short list (both exact)
        out = []
        for text in joined.split(b"\n")[:-1]:
            try:
                out.append(float(text))
            except ValueError:
                out.append(float("nan"))
        return np.array(out, dtype=np.float64) if len(out) == n else None
    if b"#" in joined:
        frame = pd.read_csv(io.BytesIO(joined), header=None, names=["v"], skip_blank_lines=False, dtype=str)
        vals = pd.to_numeric(frame["v"], errors="coerce").to_numpy(dtype=np.float64)
    else:
        try:  # pyarrow straight to numpy (exact); pandas when pyarrow declines
            import pyarrow as pa
            import pyarrow.csv as pc

            ro = pc.ReadOptions(column_names=["v"], use_threads=False, block_size=max(1 << 20, len(joined) + 1))
            co = pc.ConvertOptions(column_types={"v": pa.float64()})
            vals = pc.read_csv(io.BytesIO(joined), read_options=ro, convert_options=co).column(0).to_numpy()
        except Exception:  # noqa: BLE001 - any pyarrow refusal: the general parser below decides
            vals = read_table(joined, header=False, names=["v"], float_only=True)["v"].to_numpy(dtype=np.float64)
    return vals if vals.size == n else None


def sheet_arrays(xml: bytes) -> tuple[Any, Any, Any, Any] | None:
    """Vectorised scan of a sheet: (row ordinal, column index, numeric value, shared-string index
    or −1) of every cell holding a ``<v>``; None when the sheet needs the general path (inline
    strings, formula texts)."""
    out = _scan(xml)
    return None if out is None else out[:4]


def _scan(xml: bytes) -> tuple[Any, Any, Any, Any, int] | None:
    """:func:`sheet_arrays` of a whole sheet or of a run of whole rows, and the number of rows."""
    import numpy as np

    a = np.frombuffer(xml, dtype=np.uint8)
    n = len(a)
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    if n < 16:
        return (*none, 0)
    # fresh memory is the main cost here (page faults), so one mask buffer serves every byte test
    # and no padded copy is made: tags within 8 bytes of the end (only '</worksheet>' ends a sheet)
    # are not looked at, so every look-ahead below stays inside the buffer
    mask = np.empty(n, dtype=bool)
    np.equal(a, 60, out=mask)
    lt = np.flatnonzero(mask)  # every tag starts with '<': only those positions are tested
    lt = lt[: np.searchsorted(lt, n - 8)]
    nxt = a[lt + 1]  # the tag's first letter sorts the candidates once

    def after(pos: Any, pattern: bytes) -> Any:
        hit = np.ones(len(pos), dtype=bool)
        for k, ch in enumerate(pattern):
            if k >= 2:
                hit &= a[pos + k] == ch
        return pos[hit]

    rows_at = after(lt[nxt == 114], b"<row ")  # 'r'
    cells = after(lt[nxt == 99], b'<c r="')  # 'c'
    if cells.size == 0:
        return (*none, rows_at.size)
    vstart = after(lt[nxt == 118], b"<v>") + 3  # 'v'
    closing = lt[nxt == 47]  # '/'
    vend = closing[a[closing + 2] == 118]
    vend = vend[a[vend + 3] == 62]
    if vstart.size != vend.size:
        return None
    if vstart.size == 0:
        return (*none, rows_at.size)
    # type attributes: ' t="' inside a <c ...> tag (the '<' before it is a cell's)
    np.equal(a, 116, out=mask)
    tees = np.flatnonzero(mask)  # 't'
    tees = tees[(tees > 0) & (tees < n - 8)]
    tees = tees[(a[tees - 1] == 32) & (a[tees + 1] == 61) & (a[tees + 2] == 34)]
    tag = lt[np.searchsorted(lt, tees) - 1] if tees.size else tees
    # the tags are positions in `lt`, `cells` a sorted subset: membership by binary search (isin sorts)
    k = np.minimum(np.searchsorted(cells, tag), cells.size - 1)
    in_cell = cells[k] == tag
    tpos, ttag = tees[in_cell] + 3, tag[in_cell]
    if cells.size == vstart.size and (vstart > cells).all() and (vstart[:-1] < cells[1:]).all():
        vcell = np.arange(cells.size)  # every cell holds one value (the usual data sheet)
    else:
        vcell = np.searchsorted(cells, vstart) - 1
    ctype = np.full(cells.size, ord("n"), dtype=np.uint8)
    if tpos.size:
        ctype[np.searchsorted(cells, ttag)] = a[tpos]
        if (ctype == ord("i")).any() or ((a[tpos] == ord("s")) & (a[tpos + 1] != ord('"'))).any():
            return None  # inline strings or formula strings: the general path handles them
    row = np.searchsorted(rows_at, cells[vcell]) - 1
    p = cells[vcell] + 6
    l1, l2, l3 = a[p].astype(np.int64), a[p + 1].astype(np.int64), a[p + 2].astype(np.int64)
    d2, d3 = (l2 >= 48) & (l2 <= 57), (l3 >= 48) & (l3 <= 57)
    col = np.where(d2, l1 - 65, np.where(d3, (l1 - 64) * 26 + (l2 - 65), ((l1 - 64) * 26 + (l2 - 64)) * 26 + (l3 - 65)))
    # the value texts, one per line: bytes inside <v>…</v>, each closing '<' turned into a newline
    # a byte mask from alternating run lengths (outside, value, outside, …) selects them in file order
    runs = np.empty(2 * vstart.size + 1, dtype=np.int64)
    runs[0:-1:2] = vstart - np.concatenate([[0], vend[:-1] + 1])
    runs[1::2] = vend - vstart + 1
    runs[-1] = n - vend[-1] - 1
    flag = np.zeros(runs.size, dtype=bool)
    flag[1::2] = True
    picked = a[np.repeat(flag, runs)]
    picked[np.cumsum(runs[1::2]) - 1] = 10  # each value's closing '<'
    joined = picked.tobytes()
    kinds = ctype[vcell]
    vals = _parse_numbers(joined, vcell.size)
    if vals is None:
        return None
    sidx = np.where(kinds == ord("s"), vals, -1).astype(np.int64)
    vals = np.where((kinds == ord("s")) | (kinds == ord("e")), np.nan, vals)
    return row, col, vals, sidx, rows_at.size


#: unpacked bytes scanned at a time: the temporaries of a piece this size are recycled from one
#: piece to the next, where a whole sheet's would be fresh memory (a page fault per 4 KiB)
_PIECE = 1 << 20


def _scan_member(zf: zipfile.ZipFile, member: str, path: str | Path) -> tuple[Any, Any, Any, Any] | None:
    """:func:`sheet_arrays` of a sheet member, unpacked and scanned a run of whole rows at a time
    (never past the member's declared size); None when the sheet needs the general path."""
    import numpy as np

    from cellworks.cycling.readers._bounded import check_member

    info = zf.getinfo(member)
    check_member(info, path)
    parts: list[tuple[Any, Any, Any, Any]] = []
    rows_before, total, carry = 0, 0, b""
    with zf.open(info) as fh:
        while True:
            block = fh.read(_PIECE)
            total += len(block)
            if total > info.file_size:
                raise FileFormatError(f"zip member '{member}' unpacks past its declared {info.file_size} bytes: "
                                      "corrupt archive", file=path, field=member)
            buf = carry + block
            cut = len(buf) if not block else buf.rfind(b"</row>") + 6
            if cut < 6:  # no row ends in this piece yet
                carry = buf
                continue
            got = _scan(buf[:cut])
            if got is None:
                return None
            row, col, vals, sidx, nrows = got
            parts.append((row + rows_before, col, vals, sidx))
            rows_before += nrows
            carry = buf[cut:]
            if not block:
                break
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(4))  # type: ignore[return-value]


def read_sheet_grid(zf: zipfile.ZipFile, member: str, strings: list[str], path: str | Path) -> list[list[Any]]:
    """Rows of cell values (float, str, or None) of one sheet, row 1 first (general path)."""
    xml = read_member(zf, member, path)
    return _grid_from_xml(xml, strings)


def _grid_from_xml(xml: bytes, strings: list[str]) -> list[list[Any]]:
    rows: dict[int, dict[int, Any]] = {}
    for m in _CELL.finditer(xml):
        body = m.group(4)
        if body is None:
            continue
        attrs = m.group(3)
        tm = _TYPE.search(attrs)
        kind = tm.group(1) if tm else b"n"
        if kind == b"inlineStr":
            value: Any = unescape(b"".join(_TEXT.findall(body)).decode("utf-8", errors="replace"))
        else:
            vm = _VALUE.search(body)
            if vm is None:
                continue
            raw = vm.group(1)
            if kind == b"s":
                k = int(raw)
                value = strings[k] if 0 <= k < len(strings) else None
            elif kind in (b"str", b"e"):
                value = unescape(raw.decode("utf-8", errors="replace")) if kind == b"str" else None
            elif kind == b"b":
                value = float(raw == b"1")
            else:
                try:
                    value = float(raw)
                except ValueError:
                    value = None
        rows.setdefault(int(m.group(2)), {})[_col_index(m.group(1))] = value
    if not rows:
        return []
    width = 1 + max(max(r) for r in rows.values() if r)
    return [[rows.get(r, {}).get(c) for c in range(width)] for r in range(1, max(rows) + 1)]


def read_workbook(path: str | Path, *, sheets: list[str] | None = None,
                  grids: dict[str, list[list[Any]]] | None = None) -> dict[str, pd.DataFrame]:
    """Sheets (all, or those named) as DataFrames with row 1 as the header; numbers as float64.

    Sheets named by the keys of ``grids`` (settings and info sheets) are put there instead as rows
    of cell values, row 1 first (a DataFrame of a dozen cells costs more than the cells).
    """
    import pandas as pd

    p = Path(path)
    with open(p, "rb") as fh, open_zip(fh, p) as zf:
        check_zip_members(zf, p)
        names = sheet_paths(zf, p)
        strings = _shared_strings(zf, p)
        out: dict[str, pd.DataFrame] = {}
        for name, member in names.items():
            if sheets is not None and name not in sheets:
                continue
            if member not in zf.namelist():
                raise FileFormatError(f"sheet '{name}' has no worksheet member '{member}'", file=p)
            if grids is not None and name in grids:
                grids[name] = _grid_from_xml(read_member(zf, member, p), strings)
                continue
            fast = _scan_member(zf, member, p)
            if fast is not None:
                out[name] = _frame_from_arrays(*fast, strings)
                continue
            xml = read_member(zf, member, p)
            grid = _grid_from_xml(xml, strings)
            if not grid:
                out[name] = pd.DataFrame()
                continue
            header = [str(h) if h is not None else f"Unnamed: {k}" for k, h in enumerate(grid[0])]
            body = grid[1:]
            cols: dict[str, Any] = {}
            for k, h in enumerate(header):
                col = [r[k] for r in body]
                if all(v is None or isinstance(v, float) for v in col):
                    cols[h] = pd.array([float("nan") if v is None else v for v in col], dtype="float64")
                else:
                    cols[h] = pd.Series(col, dtype=object)
            out[name] = pd.DataFrame(cols)
    return out


def _frame_from_arrays(row: Any, col: Any, vals: Any, sidx: Any, strings: list[str]) -> pd.DataFrame:
    """DataFrame (row 1 = header) from the vectorised cell arrays."""
    import numpy as np
    import pandas as pd

    if row.size == 0:
        return pd.DataFrame()
    nr, nc = int(row.max()) + 1, int(col.max()) + 1
    num = np.full((nr, nc), np.nan)
    num[row, col] = vals
    sid = np.full((nr, nc), -1, dtype=np.int64)
    sid[row, col] = sidx
    strs = np.array(strings + [""], dtype=object)

    def text(r: int, c: int) -> Any:
        k = sid[r, c]
        if k >= 0:
            return strs[k] if k < len(strings) else None
        return None if np.isnan(num[r, c]) else num[r, c]

    header = []
    for c in range(nc):
        h = text(0, c)
        header.append(str(h if not isinstance(h, float) else (int(h) if h.is_integer() else h)) if h is not None
                      else f"Unnamed: {c}")
    cols: dict[str, Any] = {}
    for c, h in enumerate(header):
        body_s = sid[1:, c]
        if (body_s >= 0).any():
            cols[h] = pd.Series([text(r, c) for r in range(1, nr)], dtype=object)
        else:
            cols[h] = num[1:, c]
    return pd.DataFrame(cols)


def sheet_headers(path: str | Path, max_sheets: int = 4) -> tuple[list[str], list[str]]:
    """Sheet names and the row-1 headers of the first sheets (for format detection)."""
    p = Path(path)
    with open(p, "rb") as fh, open_zip(fh, p) as zf:
        check_zip_members(zf, p)
        names = sheet_paths(zf, p)
        strings = _shared_strings(zf, p)
        headers: list[str] = []
        for member in list(names.values())[:max_sheets]:
            if member not in zf.namelist():
                continue
            xml = _first_row_xml(zf, member, p)
            for m in _CELL.finditer(xml):
                if m.group(4) is None:
                    continue
                tm = _TYPE.search(m.group(3))
                vm = _VALUE.search(m.group(4))
                if tm and tm.group(1) == b"s" and vm:
                    k = int(vm.group(1))
                    if 0 <= k < len(strings):
                        headers.append(strings[k])
                elif tm and tm.group(1) == b"inlineStr":
                    headers.append(unescape(b"".join(_TEXT.findall(m.group(4))).decode("utf-8", errors="replace")))
    return list(names), headers


def _first_row_xml(zf: zipfile.ZipFile, member: str, path: str | Path) -> bytes:
    """The XML of row 1 of a sheet, reading only the start of the member."""
    from cellworks.cycling.readers._bounded import check_member

    info = zf.getinfo(member)
    check_member(info, path)
    buf = b""
    with zf.open(info) as fh:
        while len(buf) < (4 << 20):
            block = fh.read(1 << 16)
            if not block:
                break
            buf += block
            end = buf.find(b"</row>")
            if end >= 0:
                return buf[: end + 6]
    return buf
