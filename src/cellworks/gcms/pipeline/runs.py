"""Load the runs of an analysis: each ANDI file with the acquisition attributes it must state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError

COVERAGE_K = 2.0  # expanded uncertainty U = 2u (≈ 95 %), as the ± of the results table
REL_REPEATABILITY = 0.02  # relative repeatability of one injection (weights of the calibration)
MIN_MF_IDENT = 0.80  # library identity MF (0–1) that identifies a compound without other evidence
RT_TOL_MIN = 0.06  # retention-time agreement between runs on the same column


@dataclass
class RunInfo:
    """One run of the analysis and the acquisition attributes its file states."""

    path: str
    sample: str
    column: str
    mode: str  # "scan" | "sim"
    pressure_kPa: float
    run: Any



def _meta(run: Any, path: str, key: str) -> str:
    v = run.metadata.get(key)
    if v is None or str(v).strip() == "":
        raise FileFormatError("missing global attribute (column, sample and inlet pressure are required)",
                              file=path, field=key)
    return str(v).strip()


def load_runs(paths: Sequence[str | Path]) -> list[RunInfo]:
    """Read ANDI runs and their acquisition attributes."""
    from cellworks.gcms.readers import read_run

    out = []
    for p in paths:
        r = read_run(p)
        col = _meta(r, str(p), "cellworks_column").lower()
        if col not in ("plot", "ptmsp"):
            raise FileFormatError(f"unknown column {col!r} (expected plot or ptmsp)", file=p, field="cellworks_column")
        sample = str(r.metadata.get("sample_name") or r.metadata.get("sample_id") or Path(p).stem)
        try:
            pk = float(_meta(r, str(p), "cellworks_inlet_pressure_kPa"))
        except ValueError:
            raise FileFormatError("inlet pressure is not a number", file=p, field="cellworks_inlet_pressure_kPa") from None
        out.append(RunInfo(str(p), sample, col, "sim" if r.is_sim else "scan", pk, r))
    return out


