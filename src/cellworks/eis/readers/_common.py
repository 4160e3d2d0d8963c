"""The spectrum type and the number parsing shared by the impedance readers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.errors import FileFormatError


@dataclass(frozen=True)
class Spectrum:
    """One impedance spectrum."""

    freq_Hz: Array
    Z_Ohm: Array
    file: str = ""
    format: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.freq_Hz.size)


def parse_number(token: str, file: Path, line_no: int, column: str) -> float:
    t = token.strip()
    if "," in t and "." not in t:  # decimal comma (European locales of EC-Lab / Gamry)
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        raise FileFormatError(
            f"not a number: {token.strip()!r}" if t else "missing value", file=file, record=f"line {line_no}",
            field=column,
        ) from None
    if not math.isfinite(v):
        raise FileFormatError(f"non-finite value {token.strip()!r}", file=file, record=f"line {line_no}", field=column)
    return v


def finish_spectrum(f: list[float], zr: list[float], zi: list[float], path: Path, fmt: str, meta: dict[str, Any],
            lines: list[int]) -> Spectrum:
    if not f:
        raise FileFormatError("no impedance data points", file=path)
    fa = np.asarray(f, dtype=float)
    bad = np.flatnonzero(fa <= 0)
    if bad.size:
        raise FileFormatError(f"frequency must be > 0 Hz, got {fa[bad[0]]}", file=path,
                              record=f"line {lines[int(bad[0])]}", field="frequency")
    return Spectrum(fa, np.asarray(zr) + 1j * np.asarray(zi), str(path), fmt, meta)


def read_text_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.splitlines()


def looks_numeric(tok: str) -> bool:
    try:
        float(tok.strip().replace(",", "."))
        return True
    except ValueError:
        return False


def significant_digits(token: str) -> int:
    """Significant digits written in a number token (``-3.7`` → 2, ``-3.712e-03`` → 4, ``0.0012`` → 2)."""
    t = token.strip().lstrip("+-").replace(",", ".")
    mant = t.split("e")[0].split("E")[0]
    digits = mant.replace(".", "").lstrip("0")
    return len(digits) if digits else 1


def check_row_lengths(rows: list[tuple[int, list[str]]], n_fields: int, path: Path, allow_truncated: bool,
                      what: str = "header") -> list[tuple[int, list[str]]]:
    """Every data row must have ``n_fields`` fields; a short *last* row is a cut-off file.

    A short last row is dropped when ``allow_truncated`` (and noted in the returned list's absence);
    any other mismatch raises :class:`FileFormatError` naming the line.
    """
    for k, (line_no, parts) in enumerate(rows):
        if len(parts) == n_fields:
            continue
        last = k == len(rows) - 1
        if last and len(parts) < n_fields:
            if allow_truncated:
                return rows[:-1]
            raise FileFormatError(
                f"row has {len(parts)} fields, the {what} has {n_fields}: the file looks cut off here "
                "(--allow-truncated drops this row)", file=path, record=f"line {line_no}")
        raise FileFormatError(f"row has {len(parts)} fields, the {what} has {n_fields}", file=path,
                              record=f"line {line_no}")
    return rows


def truncated_last_value(rows: list[tuple[int, list[str]]], column: int, path: Path, name: str,
                         allow_truncated: bool) -> bool:
    """Is the final value of the table a cut-off number? Raises unless ``allow_truncated`` (then True).

    A file cut in the middle of ``-3.712e-03`` may end in ``-3.7`` or ``-3.712e-0``: a valid number
    that is shorter than the column's usual precision (fewer significant digits, or fewer characters
    than the column's median token) *and* at least a decade away from the value before it. Both must hold: data legitimately change by a decade (Im Z near zero) or use a short
    token (``0.1`` Hz), but a cut token does both at once.
    """
    if len(rows) < 3:
        return False
    col = [parts[column] for _, parts in rows if column < len(parts)]
    if len(col) != len(rows):
        return False
    last, prev = col[-1].strip(), col[-2].strip()
    usual = sorted(significant_digits(t) for t in col[-51:-1])
    median = usual[len(usual) // 2]
    lengths = sorted(len(t.strip().lstrip("+-")) for t in col[-51:-1])
    median_len = lengths[len(lengths) // 2]
    try:
        v_last, v_prev = (float(t.replace(",", ".") if "," in t and "." not in t else t) for t in (last, prev))
    except ValueError:
        return False
    if v_last == 0 or v_prev == 0 or not (math.isfinite(v_last) and math.isfinite(v_prev)):
        return False
    shorter = significant_digits(last) < median or len(last.lstrip("+-")) < median_len  # cut in mantissa or exponent
    if shorter and abs(math.log10(abs(v_last) / abs(v_prev))) >= 1.0:
        if allow_truncated:
            return True
        raise FileFormatError(
            f"final value {last!r} looks cut off (shorter than the column's usual {median} digits / "
            f"{median_len} characters and "
            f"{abs(math.log10(abs(v_last) / abs(v_prev))):.1f} decades from the value before, {prev!r}); "
            "--allow-truncated drops this row", file=path, record=f"line {rows[-1][0]}", field=name)
    return False
