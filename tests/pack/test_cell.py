"""Cell model: OCV table, leakage arithmetic, and the ESC equations against hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cellworks.errors import FileFormatError, ParameterError
from cellworks.pack.cell import LG_M50_OCV_V, CellParams, OcvTable, leak_resistance_for_drain
from cellworks.pack.pack import PackDesign, uniform_arrays
from cellworks.pack.simulation import SimOptions, simulate


def test_lg_m50_table_values() -> None:
    ocv = OcvTable.lg_m50()
    # REFERENCE §5: SOC 0, 0.1 … 1 → 2.500 … 4.200 V
    assert ocv(0.0) == pytest.approx(2.500)
    assert ocv(0.5) == pytest.approx(3.751)
    assert ocv(1.0) == pytest.approx(4.200)
    g = ocv.grid(101)
    assert g[::10] == pytest.approx(np.array(LG_M50_OCV_V), abs=1e-12)


def test_soft_short_40k_is_about_0_1_mA_and_3_percent_per_month() -> None:
    # note 003: 40 kΩ → ~0.1 mA → ~3 % per month of a 2000 mAh cell ("on the order of")
    i = 3.7 / 40e3
    assert 0.08e-3 < i < 0.12e-3
    per_month = i * 30.4 * 24 / 2.0
    assert 0.025 < per_month < 0.04
    r = leak_resistance_for_drain(0.03, 2.0, 3.7)
    assert r == pytest.approx(3.7 / (0.03 * 2.0 / (30.436875 * 24)), rel=1e-12)


def test_bad_ocv_and_params() -> None:
    with pytest.raises(ParameterError):
        OcvTable((0.0, 0.0), (3.0, 4.0))
    with pytest.raises(ParameterError):
        CellParams(capacity_Ah=-1)
    with pytest.raises(ParameterError):
        CellParams(rc_R_Ohm=(0.01,), rc_tau_s=())


def test_ocv_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "ocv.csv"
    p.write_text("soc,voltage_V\n0,3.0\n50,3.7\n100,4.2\n")
    t = OcvTable.from_csv(p)
    assert t.soc == (0.0, 0.5, 1.0)
    p.write_text("soc,voltage_V\n0,3.0\n0.5,abc\n")
    with pytest.raises(FileFormatError, match="line 3"):
        OcvTable.from_csv(p)


def test_single_cell_constant_current_matches_hand_solution() -> None:
    # one cell, 1 RC pair, 1 A discharge for 600 s: z = z0 − I·t/Q exactly, and the terminal
    # voltage at the end = OCV(z) − R0·I − R1·I·(1 − exp(−t/τ)) (ZOH exact for constant current)
    cell = CellParams(capacity_Ah=2.0, r0_Ohm=0.05, rc_R_Ohm=(0.02,), rc_tau_s=(60.0,))
    d = PackDesign(n_series=1, n_parallel=1, cell=cell)
    a = uniform_arrays(d, 1, 0.8)
    res = simulate(d, a, "Discharge at 1 A for 600 seconds", options=SimOptions(dt_s=1.0, record_every_s=1.0))
    z_end = 0.8 - 600.0 / 7200.0
    assert res.final_soc[0, 0, 0] == pytest.approx(z_end, abs=1e-12)
    n = int(res.n_records[0])
    # last record is at t = 599 s (state at the start of the final step)
    t = res.time_s[0, n - 1]
    z = 0.8 - t / 7200.0
    v_expected = float(np.interp(z, cell.ocv.soc, cell.ocv.voltage_V))  # grid nodes include the table's
    v_expected -= 0.05 * 1.0 + 0.02 * 1.0 * (1 - math.exp(-t / 60.0))
    assert res.group_voltage_V[0, n - 1, 0] == pytest.approx(v_expected, abs=1e-9)
    assert res.cycle_discharge_Ah[0, 0] == pytest.approx(600.0 / 3600.0, rel=1e-12)


def test_parallel_cells_share_current_by_resistance() -> None:
    # two identical-OCV cells in parallel with R0 1:2 → initial currents 2:1 (same voltage)
    cell = CellParams(rc_R_Ohm=(), rc_tau_s=())
    d = PackDesign(n_series=1, n_parallel=2, cell=cell)
    a = uniform_arrays(d, 1, 0.5)
    a.r0_Ohm[0, 0, :] = [0.05, 0.10]
    res = simulate(d, a, "Discharge at 3 A for 1 second", options=SimOptions(dt_s=1.0))
    dz = 0.5 - res.final_soc[0, 0]
    assert dz[0] / dz[1] == pytest.approx(2.0, rel=1e-9)
    assert (dz.sum() * 7200.0) == pytest.approx(3.0, rel=1e-9)


def test_hysteresis_settles_to_minus_M_after_discharge() -> None:
    # Plett: h → −1 under sustained discharge (i > 0); the rest voltage is then OCV(z) − M
    # (M0 = 0, RC pairs relaxed after 2 h ≫ τ). Tolerance 1e-4 V: exp(−γ·ΔSOC) leftover of h.
    cell = CellParams(hysteresis_M_V=0.020, hysteresis_gamma=200.0, rc_R_Ohm=(0.01,), rc_tau_s=(30.0,))
    d = PackDesign(n_series=1, n_parallel=1, cell=cell)
    a = uniform_arrays(d, 1, 0.8)
    # the last record is taken at the start of the final 10 s rest, i.e. after 2 h of rest
    res = simulate(d, a, "Discharge at 2 A for 30 minutes, Rest for 2 hours, Rest for 10 seconds",
                   options=SimOptions(dt_s=1.0, record_every_s=60.0))
    n = int(res.n_records[0])
    z = res.final_soc[0, 0, 0]
    v_rest = res.group_voltage_V[0, n - 1, 0]
    assert v_rest == pytest.approx(float(cell.ocv(z)) - 0.020, abs=1e-4)
