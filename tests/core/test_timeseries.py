"""The cycling table: schema, validation messages, Parquet round trip with metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellworks.errors import FileFormatError, SchemaError
from cellworks.timeseries import (
    REQUIRED,
    CyclingData,
    Metadata,
    from_arrays,
    read_parquet,
    step_capacities,
    validate,
    write_parquet,
)


def _cycle(n: int = 40) -> CyclingData:
    t = np.linspace(0.0, 7200.0, 2 * n)
    current = np.r_[np.full(n, -0.5), np.full(n, 0.5)]
    voltage = np.r_[np.linspace(2.4, 2.0, n), np.linspace(2.1, 2.5, n)]
    step = np.r_[np.ones(n, int), np.full(n, 2)]
    return from_arrays(
        test_time_s=t,
        current_A=current,
        voltage_V=voltage,
        step_index=step,
        cycle_index=np.ones(2 * n, int),
        step_type=["discharge"] * n + ["charge"] * n,
        meta=Metadata(
            source_file="cell7.mpr",
            source_sha256="ab" * 32,
            instrument="LAND CT-2100A",
            cell_name="AC-S #7",
            active_mass_g=0.95e-3,
            active_material="S",
            area_cm2=1.539,
            extra={"operator": "sz"},
        ),
        extra_columns={"temperature_C": np.full(2 * n, 25.0)},
    )


def test_step_capacity_integration_is_exact_for_constant_current() -> None:
    # a constant current of 0.5 A for (n-1) sample intervals: Q = I·t exactly under the trapezoid rule
    d = _cycle(40)
    tab = d.table
    dt = tab.test_time_s.iloc[1] - tab.test_time_s.iloc[0]
    assert tab.discharge_capacity_Ah.iloc[39] == pytest.approx(0.5 * 39 * dt / 3600.0, rel=1e-12)
    assert tab.charge_capacity_Ah.iloc[39] == 0.0
    # restart at the step boundary
    assert tab.charge_capacity_Ah.iloc[40] == 0.0
    assert tab.charge_capacity_Ah.iloc[-1] == pytest.approx(0.5 * 39 * dt / 3600.0, rel=1e-12)


def test_step_capacities_restart_each_step() -> None:
    caps = step_capacities([0, 1, 2, 3, 4], [1, 1, -1, -1, -1], [3, 3, 3, 3, 3], [1, 1, 2, 2, 2])
    assert np.allclose(caps["charge_capacity_Ah"], [0, 1 / 3600, 0, 0, 0])
    assert np.allclose(caps["discharge_capacity_Ah"], [0, 0, 0, 1 / 3600, 2 / 3600])


def test_parquet_round_trip_keeps_metadata_and_dtypes(tmp_path: Path) -> None:
    d = _cycle()
    out = write_parquet(d, tmp_path / "run.parquet")
    back = read_parquet(out)
    assert back.meta == d.meta
    pd.testing.assert_frame_equal(back.table, d.table)
    for col in REQUIRED:
        assert back.table[col].dtype == d.table[col].dtype, col
    assert back.table["step_type"].dtype == "string"
    assert back.meta.extra == {"operator": "sz"}


def test_write_is_atomic_and_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    d = _cycle()
    bad = CyclingData(d.table.assign(voltage_V=np.nan), d.meta)
    target = tmp_path / "run.parquet"
    write_parquet(d, target)
    before = target.read_bytes()
    with pytest.raises(SchemaError):
        write_parquet(bad, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.parquet"]


def test_foreign_file_gives_format_error(tmp_path: Path) -> None:
    p = tmp_path / "junk.parquet"
    p.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(FileFormatError, match="junk.parquet"):
        read_parquet(p)


def _bad(table: pd.DataFrame, **changes: object) -> pd.DataFrame:
    t = table.copy()
    for k, v in changes.items():
        t[k] = v
    return t


@pytest.mark.parametrize(
    ("mutate", "field", "record", "fragment"),
    [
        (lambda t: t.drop(columns=["voltage_V"]), "voltage_V", None, "missing required"),
        (lambda t: t.assign(voltage_V=t.voltage_V.where(t.index != 5, np.nan)), "voltage_V", "row 5", "NaN"),
        (lambda t: t.assign(current_A=t.current_A.where(t.index != 7, np.inf)), "current_A", "row 7", "infinite"),
        (
            lambda t: t.assign(test_time_s=t.test_time_s.where(t.index != 10, 0.0)),
            "test_time_s",
            "row 10",
            "backwards",
        ),
        (lambda t: t.assign(cycle_index=t.cycle_index.astype(float)), "cycle_index", None, "expected integer"),
        (lambda t: t.assign(voltage_V=t.voltage_V.astype(str)), "voltage_V", None, "expected float"),
        (lambda t: t.assign(step_type=t.step_type.where(t.index != 3, "sideways")), "step_type", "row 3", "sideways"),
        (lambda t: t.assign(step_index=t.step_index.where(t.index != 2, 0)), "step_index", "row 2", "< 1"),
        (
            lambda t: t.assign(charge_capacity_Ah=t.charge_capacity_Ah.where(t.index != 4, -1.0)),
            "charge_capacity_Ah",
            "row 4",
            "negative",
        ),
    ],
)
def test_validation_names_row_and_field(mutate, field, record, fragment) -> None:  # type: ignore[no-untyped-def]
    table = mutate(_cycle().table)
    with pytest.raises(SchemaError) as info:
        validate(table, source="x.parquet")
    err = info.value
    assert err.field == field
    assert err.record == record
    assert fragment in str(err)
    assert str(err).startswith("x.parquet")


def test_outputs_get_normal_permissions(tmp_path: Path) -> None:
    import os
    import stat

    out = write_parquet(_cycle(), tmp_path / "perm.parquet")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
