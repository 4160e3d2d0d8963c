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
