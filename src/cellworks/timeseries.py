"""The one table for cycling data, measured or simulated.

Every reader in ``cellworks.cycling.readers`` and every simulator (``cellworks.lis``,
``cellworks.pack``) produces a :class:`CyclingData`: a pandas DataFrame with the columns below
plus :class:`Metadata`. Every analysis (summaries, plateaus, dQ/dV, fitting) consumes it.

Columns (units in the names; required ones first):

=======================  ========  =============================================================
column                   dtype     meaning
=======================  ========  =============================================================
test_time_s              float64   time since the start of the test, non-decreasing
cycle_index              int64     cycle number, from 1 (pairing of half-cycles: see cycling)
step_index               int64     step number, from 1, increasing through the test
step_type                string    direction: "charge", "discharge", "rest" or "other" (EIS, ...)
current_A                float64   **positive on charge, negative on discharge**
voltage_V                float64   cell (or working-electrode) voltage, as measured (never flipped)
charge_capacity_Ah       float64   charge passed in the charge direction since the step began
discharge_capacity_Ah    float64   charge passed in the discharge direction since the step began
charge_energy_Wh         float64   energy in the charge direction since the step began
discharge_energy_Wh      float64   energy in the discharge direction since the step began
step_mode                string    optional: what the step did — one of :data:`STEP_MODES` (CC, CV,
                                   CCCV, CP, CPCV, CR, rest, OCV, impedance, pulse, GITT, HPPC,
                                   drive, ramp, other)
temperature_C            float64   optional; further sensors ``temperature_2_C``, ...
aux_voltage_V            float64   optional auxiliary voltage channel(s) (``aux_voltage_2_V``, ...)
timestamp                datetime  optional, UTC
<anything>_<unit>        float64   optional model-state or instrument columns, unit in the name
=======================  ========  =============================================================

The capacities and energies restart at zero at every step; capacities never decrease within a
step and are never negative; energies carry the sign of the voltage, so a cell measured at a
negative voltage has negative energies); per-cycle totals are the sums of the step maxima
(cellworks.cycling).

Parquet files keep the metadata (source file and its SHA-256, instrument, active mass, area,
cell name, free-form extras) as JSON in the schema metadata under the key ``cellworks``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import SchemaError

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1
STEP_TYPES: tuple[str, ...] = ("charge", "discharge", "rest", "other")
STEP_MODES: tuple[str, ...] = (
    "CC", "CV", "CCCV", "CP", "CPCV", "CR", "rest", "OCV", "impedance", "pulse", "GITT", "HPPC", "drive",
    "ramp", "other",
)

#: required columns and their pandas dtype kind ('f' float, 'i' integer, 'O'/'U' string)
REQUIRED: dict[str, str] = {
    "test_time_s": "f",
    "cycle_index": "i",
    "step_index": "i",
    "step_type": "s",
    "current_A": "f",
    "voltage_V": "f",
    "charge_capacity_Ah": "f",
    "discharge_capacity_Ah": "f",
    "charge_energy_Wh": "f",
    "discharge_energy_Wh": "f",
}
OPTIONAL: dict[str, str] = {"step_mode": "s", "temperature_C": "f", "timestamp": "M"}
_PARQUET_KEY = b"cellworks"


@dataclass(frozen=True)
class Metadata:
    """What the table is about. Masses are of *active material*; say which in ``active_material``."""

    source_file: str | None = None
    source_sha256: str | None = None
    instrument: str | None = None
    cell_name: str | None = None
    active_mass_g: float | None = None
    active_material: str | None = None  # e.g. "S" for Li–S capacities per gram of sulfur
    area_cm2: float | None = None
    nominal_capacity_Ah: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> Metadata:
        raw = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        extra = dict(raw.pop("extra", {}) or {})
        for k in list(raw):
            if k not in known:
                extra[k] = raw.pop(k)
        return cls(**raw, extra=extra)


@dataclass(frozen=True)
class CyclingData:
    """A validated cycling table and its metadata."""

    table: pd.DataFrame
    meta: Metadata = field(default_factory=Metadata)

    def with_meta(self, **changes: Any) -> CyclingData:
        return CyclingData(self.table, replace(self.meta, **changes))

    def __len__(self) -> int:
        return len(self.table)


def _kind_ok(dtype: Any, kind: str) -> bool:
    import pandas as pd

    if kind == "f":
        return bool(pd.api.types.is_float_dtype(dtype))
    if kind == "i":
        return bool(pd.api.types.is_integer_dtype(dtype))
    if kind == "s":
        return bool(
            pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_object_dtype(dtype)
        )
    if kind == "M":
        return bool(pd.api.types.is_datetime64_any_dtype(dtype))
    return False


def validate(table: pd.DataFrame, *, source: str | None = None) -> None:
    """Check a table against the schema; raise :class:`SchemaError` naming row and column.

    Checks: required columns present; dtypes; no NaN/inf in required numeric columns;
    ``test_time_s`` non-decreasing; ``step_type`` within :data:`STEP_TYPES` (and ``step_mode``,
    when present, within :data:`STEP_MODES`); capacities non-negative; cycle and step indices ≥ 1.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise SchemaError(f"expected a pandas DataFrame, got {type(table).__name__}", file=source)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise SchemaError(f"missing required column(s): {', '.join(missing)}", file=source, field=missing[0])
    for col, kind in {**REQUIRED, **OPTIONAL}.items():
        if col in table.columns and not _kind_ok(table[col].dtype, kind):
            want = {"f": "float", "i": "integer", "s": "string", "M": "datetime"}[kind]
            raise SchemaError(f"dtype is {table[col].dtype}, expected {want}", file=source, field=col)
    for col, kind in REQUIRED.items():
        if kind != "f":
            continue
        values = table[col].to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise SchemaError(f"value is {values[row]} (NaN or infinite)", file=source, record=f"row {row}", field=col)
    t = table["test_time_s"].to_numpy(dtype=float)
    if len(t) > 1:
        back = np.flatnonzero(np.diff(t) < 0)
        if back.size:
            row = int(back[0]) + 1
            raise SchemaError(
                f"time goes backwards ({t[row - 1]:g} s → {t[row]:g} s); test_time_s must be non-decreasing",
                file=source, record=f"row {row}", field="test_time_s",
            )
    for col in ("cycle_index", "step_index"):
        arr = table[col].to_numpy()
        low = np.flatnonzero(arr < 1)
        if low.size:
            row = int(low[0])
            raise SchemaError(f"value {arr[row]} < 1 (indices start at 1)", file=source, record=f"row {row}", field=col)
    st = table["step_type"].astype(str).to_numpy()
    bad_type = ~np.isin(st, np.array(STEP_TYPES))
    if bad_type.any():
        row = int(np.flatnonzero(bad_type)[0])
        raise SchemaError(
            f"value '{st[row]}' is not one of {', '.join(STEP_TYPES)}", file=source, record=f"row {row}", field="step_type"
        )
    if "step_mode" in table.columns:
        sm = table["step_mode"].astype(str).to_numpy()
        bad_mode = ~np.isin(sm, np.array(STEP_MODES))
        if bad_mode.any():
            row = int(np.flatnonzero(bad_mode)[0])
            raise SchemaError(
                f"value '{sm[row]}' is not one of {', '.join(STEP_MODES)}", file=source, record=f"row {row}",
                field="step_mode",
            )
    for col in ("charge_capacity_Ah", "discharge_capacity_Ah"):
        arr = table[col].to_numpy(dtype=float)
        neg = np.flatnonzero(arr < -1e-12)
        if neg.size:
            row = int(neg[0])
            raise SchemaError(f"value {arr[row]:g} is negative", file=source, record=f"row {row}", field=col)


def empty_table() -> pd.DataFrame:
    """A zero-row table with the required columns and dtypes."""
    import pandas as pd

    return pd.DataFrame(
        {
            "test_time_s": pd.Series(dtype="float64"),
            "cycle_index": pd.Series(dtype="int64"),
            "step_index": pd.Series(dtype="int64"),
            "step_type": pd.Series(dtype="string"),
            "current_A": pd.Series(dtype="float64"),
            "voltage_V": pd.Series(dtype="float64"),
            "charge_capacity_Ah": pd.Series(dtype="float64"),
            "discharge_capacity_Ah": pd.Series(dtype="float64"),
            "charge_energy_Wh": pd.Series(dtype="float64"),
            "discharge_energy_Wh": pd.Series(dtype="float64"),
        }
    )


def normalize(table: pd.DataFrame) -> pd.DataFrame:
    """Cast required columns to the canonical dtypes (float64, int64, string) and order them first."""
    import pandas as pd

    out = table.copy()
    for col, kind in REQUIRED.items():
        if col not in out.columns:
            continue
        if kind == "f":
            out[col] = out[col].astype("float64")
        elif kind == "i":
            out[col] = out[col].astype("int64")
        else:
            out[col] = out[col].astype("string")
    if "step_mode" in out.columns:
        out["step_mode"] = out["step_mode"].astype("string")
    first = [c for c in REQUIRED if c in out.columns]
    rest = [c for c in out.columns if c not in REQUIRED]
    return pd.DataFrame(out[first + rest])


def step_capacities(time_s: Any, current_A: Any, voltage_V: Any, step_index: Any) -> dict[str, Any]:
    """Per-step cumulative charge/discharge capacity (Ah) and energy (Wh) by trapezoidal integration.

    For simulators and for readers of files that store no capacity column. Energies are
    ∫ V |dq| with the measured (signed) voltage.
    """
    import numpy as np

    t = np.asarray(time_s, dtype=float)
    i = np.asarray(current_A, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    s = np.asarray(step_index)
    n = len(t)
    dq = np.zeros(n)
    vmid = v.copy()
    new_step = np.ones(n, dtype=bool)
    if n > 1:
        dt = np.diff(t)
        dq[1:] = 0.5 * (i[1:] + i[:-1]) * dt / 3600.0
        vmid[1:] = 0.5 * (v[1:] + v[:-1])
        new_step[1:] = s[1:] != s[:-1]
        dq[new_step] = 0.0
    start = np.maximum.accumulate(np.where(new_step, np.arange(n), 0))
    out = {}
    qc = np.clip(dq, 0.0, None)
    qd = np.clip(-dq, 0.0, None)
    for name, inc in (
        ("charge_capacity_Ah", qc),
        ("discharge_capacity_Ah", qd),
        ("charge_energy_Wh", vmid * qc),
        ("discharge_energy_Wh", vmid * qd),
    ):
        c = np.cumsum(inc)
        base = c[start] - inc[start]
        out[name] = c - base
    return out


def from_arrays(
    *,
    test_time_s: Any,
    current_A: Any,
    voltage_V: Any,
    step_index: Any,
    cycle_index: Any,
    step_type: Any,
    meta: Metadata | None = None,
    extra_columns: dict[str, Any] | None = None,
) -> CyclingData:
    """Build a validated table from arrays; capacities and energies are integrated per step."""
    import pandas as pd

    caps = step_capacities(test_time_s, current_A, voltage_V, step_index)
    df = pd.DataFrame(
        {
            "test_time_s": test_time_s,
            "cycle_index": cycle_index,
            "step_index": step_index,
            "step_type": step_type,
            "current_A": current_A,
            "voltage_V": voltage_V,
            **caps,
            **(extra_columns or {}),
        }
    )
    df = normalize(df)
    validate(df)
    return CyclingData(df, meta or Metadata())


def write_parquet(data: CyclingData, path: str | Path) -> Path:
    """Write table + metadata to Parquet atomically (temporary file, then rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cellworks._io import atomic_path

    validate(data.table, source=str(path))
    arrow = pa.Table.from_pandas(data.table, preserve_index=False)
    schema_meta = dict(arrow.schema.metadata or {})
    schema_meta[_PARQUET_KEY] = data.meta.to_json().encode()
    arrow = arrow.replace_schema_metadata(schema_meta)
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)
    return Path(path)


def read_parquet(path: str | Path) -> CyclingData:
    """Read a cellworks Parquet file (validated); raise :class:`SchemaError` for foreign files."""
    import pyarrow.parquet as pq

    from cellworks.errors import FileFormatError

    try:
        arrow = pq.read_table(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise FileFormatError(f"not a readable Parquet file ({exc})", file=path) from None
    raw = (arrow.schema.metadata or {}).get(_PARQUET_KEY)
    meta = Metadata.from_json(raw.decode()) if raw else Metadata()
    table = arrow.to_pandas()
    table = normalize(table)
    validate(table, source=str(path))
    return CyclingData(table, meta)


__all__ = [
    "CyclingData",
    "Metadata",
    "REQUIRED",
    "STEP_MODES",
    "STEP_TYPES",
    "empty_table",
    "from_arrays",
    "normalize",
    "read_parquet",
    "step_capacities",
    "validate",
    "write_parquet",
]
