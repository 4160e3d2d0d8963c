"""Per-cycle summaries of the real fixture files: cycle counts (stated and explained) and the
instrument's own per-cycle capacities.

The instrument's per-cycle figure is computed here from the instrument's raw counter columns,
which the readers keep as ``instrument_*`` columns, following each instrument's own counting:

* Arbin (.res, CSV): ``Charge_Capacity``/``Discharge_Capacity`` accumulate over a cycle and restart
  at the next cycle; the cycle's figure is the counter's last value in the cycle minus its value at
  the cycle's first record (zero, except when a file starts in the middle of a cycle).
* Neware (.nda/.ndax): the counters restart at every step; the cycle's figure is the sum of each
  step's last value.
* BioLogic (.mpr): ``Q charge/discharge`` restarts at every half cycle, positive on charge and
  negative on discharge; the cycle's figure is the sum of the half cycles' last values by sign.

The summary under ``pairing="instrument"`` (the instrument's cycle numbers) must agree to 1e-6
relative — the Done-when tolerance; the decoders store float32/float64 counters, and the
per-step sums add at most a few float64 roundings.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellworks.cycling.readers import read
from cellworks.cycling.summary import summarize

DATA = Path(__file__).resolve().parents[1] / "data" / "cycling"
RTOL = 1e-6
ATOL_AH = 1e-12  # cycles with no charge in one direction: both sides are exactly 0


def _load(name: str):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(DATA / name)


# file: (auto pairing resolved, cycles under auto, cycles under the instrument's numbering, why)
CYCLE_COUNTS: dict[str, tuple[str, list[int], list[int], str]] = {
    "arbin_example.res": (
        "charge-first", [1, 2, 3, 4], [1, 2, 3, 4, 5],
        "LCO half-cell: 48 h rest, then 4 × (charge to 4.3 V, discharge to 3.0 V, 1 h rest). Arbin opens a "
        "5th cycle with a zero-length rest step at the very end; our pairing attaches that rest to cycle 4.",
    ),
    "battdat_arbin_example.csv": (
        "charge-first", [1, 2], [1, 2],
        "Starts in the middle of a charge (counter already at 0.88 Ah), discharge, then a two-step (CC, CV) "
        "charge and a discharge: two charge-first cycles, as Arbin numbers them.",
    ),
    "Issue72_TestFile.nda": (
        "discharge-first", [1, 2], [1, 2, 3],
        "rest, discharge, rest, CC+CV charge, rest, discharge, rest, CC+CV charge: the first active step is a "
        "discharge, so two discharge-first cycles. Neware counts the lone first discharge as cycle 1 and "
        "each charge opens a new cycle (3 cycles, the last one a charge only).",
    ),
    "test.nda": (
        "charge-first", [0, 1], [1, 2],
        "A 5 s discharge pulse (0.065 µAh, < 1 % of the largest step, so it does not decide), then charge, "
        "rest, discharge: charge-first; the pulse is the incomplete cycle 0. Neware numbers them 1 and 2.",
    ),
    "test.ndax": ("charge-first", [1], [1], "rest, charge, discharge, rest: one full cycle."),
    "00_test_02_MB_C01.mpr": ("discharge-first", [1], [1], "11 records of one discharge step: one (incomplete) cycle."),
    "00_test_04_MB_C01.mpr": ("discharge-first", [1], [1], "1501 records of one discharge step: one (incomplete) cycle."),
    "lili_tegdme_01_GCPL_C05.mpr": (
        "charge-first", [1], [1], "Li‖Li cell: 5 min rest, then one 0.4 mA galvanostatic step (positive): one cycle."
    ),
    "lili_tegdme_02_GEIS_C05.mpr": (
        "discharge-first", [1], list(range(1, 46)),
        "45 impedance measurements ('other' steps), no charge or discharge: auto falls back to discharge-first "
        "and everything is one cycle; the file's own loop counter numbers 45 cycles.",
    ),
    "exampleDataBioLogic.mpt": ("discharge-first", [1], [1], "One PEIS scan, no charge/discharge: one cycle."),
    "maccor_example.001": ("discharge-first", [1], [1], "8 records of an initial rest: one cycle, no capacity."),
    "maccor_two.txt": ("discharge-first", [1], [1], "213 complete records, all of the initial rest: one cycle, no capacity."),
    "arbin_mits7_Channel_11.xlsx": (
        "discharge-first", [1, 2], [1],
        "graphite vs Li: rest, discharge, charge, discharge, and a 3-record charge the file stops in; the "
        "schedule loops steps 2→3 without a new Arbin cycle (one instrument cycle).",
    ),
    "battdat_raw_cccv.csv": ("charge-first", [1], [1], "the complete cycle 2 of the Arbin example: CC-CV charge, discharge."),
    "battdat_maccor_example.002": ("discharge-first", [1], [1], "8 records of an initial rest."),
    "battdat_single-resistor-complex-charge.hdf": (
        "charge-first", [1, 2], [1],
        "synthetic: 1 A charge, a 100 s 2 A discharge pulse, charge to 3.1 V, 1 A discharge; the short "
        "discharge closes a charge-first cycle (battdat counts one cycle).",
    ),
    "battdat_single-resistor-complex-charge_raw_data.parquet": (
        "charge-first", [1, 2], [1], "the same data as the .hdf, as Parquet.",
    ),
    "bdf_SINTEF_SLPBA842124HV_Rate_Neware_trimmed.bdf.csv": (
        "charge-first", [1], [1], "rest, charge from a part-charged cell, rest, discharge, rest (trimmed file).",
    ),
    "bdf_legacy.bdf.parquet": (
        "charge-first", [1, 2], [1, 2, 3],
        "a tiny formation charge, then charge, discharge and a last charge; the instrument counts 3 cycles.",
    ),
    "bdf_sample.bdf.csv": ("charge-first", [1], [1], "3 records of a 0.1 A charge."),
    "beep_PredictionDiagnostics_000151_paused.052": (
        "discharge-first", [1], [37], "an excerpt from inside instrument cycle 37: one discharge.",
    ),
    "beep_maccor_4267-66-6519.041": ("discharge-first", [1], [1], "rest, an FRA impedance step, rest: no charge."),
    "beep_xTESLADIAG_000038con_trimmed.078": (
        "charge-first", [1, 2, 3], [1, 2, 3], "three CC-CV charge / CC discharge cycles (trimmed from eight).",
    ),
    "biologic_mb_peis_geis.mpt": (
        "discharge-first", [1, 2], [1, 2], "two discharge/charge cycles with PEIS/GEIS sweeps between them.",
    ),
    "cellpy_batmo_bdf_trimmed.csv": (
        "discharge-first", [1, 2, 3, 4], [1, 2, 3],
        "simulated cell starting with a part discharge; three cycles and the next discharge (trimmed).",
    ),
    "cellpy_maccor_002_trimmed.txt": ("charge-first", [1], [1], "a charge and the start of a discharge (trimmed)."),
    "cellpy_maccor_one_trimmed.txt": ("discharge-first", [1], [1], "a part discharge, then a CC-CV charge (trimmed)."),
    "cellpy_maccor_three.txt": ("charge-first", list(range(1, 16)), list(range(1, 16)), "15 CC-CV/CC cycles."),
    "neware_SIM_trimmed.nda.zip": ("discharge-first", [1], [1], "rest and five SIM drive-profile steps."),
    "neware_ndc14_aux_Unit27.ndax": ("discharge-first", [1], [1], "301 records of rest."),
    "neware_ndc16_aux_ZZZZZZZZTEST.ndax": ("charge-first", [1], [1], "rest, charge, discharge."),
    "neware_ndc17_aux_TESTCELL0001.ndax": ("charge-first", [1], [1], "rest, charge, discharge."),
    "neware_ndc2_scrubbed.ndax": ("discharge-first", [1], [1], "rest and 'Control' steps with no current."),
    "neware_pulse_2-1-6_61_trimmed.nda": ("discharge-first", [1], [1], "one Pulse step: counted, never paired."),
}


def test_every_fixture_has_a_stated_cycle_count() -> None:
    files = {p.name for p in DATA.iterdir() if p.suffix.lower() not in (".md", ".ftr", ".py")
             and not p.name.endswith(".btsda.parquet")}
    assert files == set(CYCLE_COUNTS)


@pytest.mark.parametrize("name", sorted(CYCLE_COUNTS))
def test_cycle_counts(name: str) -> None:
    pairing, auto_cycles, instrument_cycles, _why = CYCLE_COUNTS[name]
    data = _load(name)
    s = summarize(data, pairing="auto")
    assert s.pairing == pairing
    assert list(s.table["cycle"]) == auto_cycles
    assert list(summarize(data, pairing="instrument").table["cycle"]) == instrument_cycles


def _instrument_per_cycle(name: str, t: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    cyc = t["cycle_index"]
    if name.endswith((".res", ".csv")):  # Arbin: per-cycle counters
        g = t.groupby("cycle_index", sort=True)
        ch = g["instrument_charge_capacity_Ah"].last() - g["instrument_charge_capacity_Ah"].first()
        dis = g["instrument_discharge_capacity_Ah"].last() - g["instrument_discharge_capacity_Ah"].first()
        return ch.to_numpy(), dis.to_numpy()
    if name.endswith((".nda", ".ndax")):  # Neware: per-step counters
        run = (t["instrument_step"] != t["instrument_step"].shift()).cumsum()
        g = t.groupby([cyc, run], sort=False)
        last = g[["instrument_charge_capacity_Ah", "instrument_discharge_capacity_Ah"]].last()
        per = last.groupby(level=0, sort=True).sum()
        return per["instrument_charge_capacity_Ah"].to_numpy(), per["instrument_discharge_capacity_Ah"].to_numpy()
    if name.endswith(".mpr"):  # BioLogic: per-half-cycle signed counter
        q = t.groupby([cyc, t["instrument_half_cycle"]], sort=True)["instrument_Q_charge_discharge_Ah"].last()
        ch = q.clip(lower=0).groupby(level=0).sum()
        dis = (-q).clip(lower=0).groupby(level=0).sum()
        return ch.to_numpy(), dis.to_numpy()
    raise AssertionError(name)


INSTRUMENT_FILES = [
    "arbin_example.res",
    "battdat_arbin_example.csv",
    "Issue72_TestFile.nda",
    "test.nda",
    "test.ndax",
    "00_test_02_MB_C01.mpr",
    "00_test_04_MB_C01.mpr",
    "lili_tegdme_01_GCPL_C05.mpr",
]


@pytest.mark.parametrize("name", INSTRUMENT_FILES)
def test_summary_matches_instrument_per_cycle_capacities(name: str) -> None:
    data = _load(name)
    s = summarize(data, pairing="instrument").table
    ch, dis = _instrument_per_cycle(name, data.table)
    assert len(ch) == len(s)
    np.testing.assert_allclose(s["charge_capacity_mAh"] / 1e3, ch, rtol=RTOL, atol=ATOL_AH)
    np.testing.assert_allclose(s["discharge_capacity_mAh"] / 1e3, dis, rtol=RTOL, atol=ATOL_AH)
    assert (s["charge_capacity_mAh"] + s["discharge_capacity_mAh"]).sum() > 0  # not a vacuous comparison


def test_arbin_res_numbers() -> None:
    # The Arbin file's own counters at the end of cycles 1 and 4 (read off the raw table):
    # 0.4835 / 0.4752 mAh and 0.4760 / 0.4737 mAh; CE = discharge / charge within a charge-first cycle
    s = summarize(_load("arbin_example.res"), pairing="auto")
    t = s.table
    assert s.pairing == "charge-first" and "follows the charge" in s.ce_definition
    assert t["charge_capacity_mAh"].iloc[0] == pytest.approx(0.4835, abs=5e-5)
    assert t["discharge_capacity_mAh"].iloc[0] == pytest.approx(0.4752, abs=5e-5)
    assert t["coulombic_efficiency"].iloc[0] == pytest.approx(0.4752 / 0.4835, abs=2e-4)
    # LCO between 3.0 and 4.3 V: the protocol's cut-offs are the end voltages
    np.testing.assert_allclose(t["end_of_charge_voltage_V"], 4.30, atol=0.002)
    np.testing.assert_allclose(t["end_of_discharge_voltage_V"], 3.00, atol=0.002)
    assert (t["mean_discharge_voltage_V"] > 3.7).all() and (t["mean_discharge_voltage_V"] < 4.0).all()
