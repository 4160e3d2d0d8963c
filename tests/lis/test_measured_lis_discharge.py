"""A measured Li–S discharge (CC0, LiamBird/GalvPyle): a BT-Lab export read, split into plateaus, fitted.

One galvanostatic discharge at C/20 (0.35 mA) of a Li–S cell in 1 M LiTFSI + 0.8 M LiNO₃ in DOL:DME,
3.18 → 1.80 V (tests/data/lis/SOURCES.md). It is one rate only, so it cannot test a held-out rate:
the curve fit here is ``fitted`` — a test that chain3 can express the shape of a measured Li–S
discharge, not a validation of the model. Every expected value is read from the file's own text
by plain parsing in this module, never by the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.cycling import read, split_discharge, summarize
from cellworks.lis.curvefit import fit_curves
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, get_preset
from cellworks.lis.readers.curves import read_curve

FILE = Path(__file__).parents[1] / "data" / "lis" / "galvpyle_LiS58_cell8_discharge_CB2.mpt"
#: the header's "Mass of active material : 8.873 mg", taken as the sulfur (the header does not say)
SULFUR_MG = 8.873
#: 0.35 mA over 8.873 mg (the file's control current; "Rate set based on C/20 at 7 mAh")
RATE = "0.03945A/g"


def _raw() -> dict[str, np.ndarray]:
    """The data columns of the export, parsed as text (latin-1, tab-separated, header length from line 2)."""
    lines = FILE.read_text(encoding="latin-1").splitlines()
    n_header = int(lines[1].split(":")[1])
    names = lines[n_header - 1].rstrip("\t").split("\t")
    rows = [ln.rstrip("\t").split("\t") for ln in lines[n_header:] if ln.strip()]
    cols = {n: np.array([float(r[i]) for r in rows]) for i, n in enumerate(names)}
    return cols


@pytest.fixture(scope="module")
def raw() -> dict[str, np.ndarray]:
    return _raw()


def test_bt_lab_export_reads_as_the_file_says(raw) -> None:
    data = read(FILE)
    t = data.table
    assert len(t) == len(raw["Ecell/V"])
    np.testing.assert_allclose(t["voltage_V"].to_numpy(), raw["Ecell/V"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(t["test_time_s"].to_numpy(), raw["time/s"], rtol=1e-12)
    # the discharge capacity counts up from 0 to the file's "Q discharge/mA.h" (mAh → Ah)
    assert t["discharge_capacity_Ah"].iloc[-1] == pytest.approx(raw["Q discharge/mA.h"][-1] * 1e-3, rel=1e-9)
    assert (t["current_A"] < 0).all()  # discharge current negative (cellworks convention: positive on charge)
    s = summarize(data)
    assert s.active_mass_g == pytest.approx(SULFUR_MG * 1e-3, rel=1e-12)  # from the header, not a default


def test_plateau_split_of_a_measured_li_s_discharge(raw) -> None:
    q_Ah = raw["Q discharge/mA.h"] * 1e-3
    v = raw["Ecell/V"]
    s = split_discharge(q_Ah, v)
    # the dip between the plateaus (Li₂S nucleation), found here directly: the lowest voltage in the
    # first half of the capacity after the first 5 % (where the charged cell relaxes from 3.18 V)
    sel = (q_Ah > 0.05 * q_Ah[-1]) & (q_Ah < 0.5 * q_Ah[-1])
    i = int(np.argmin(np.where(sel, v, np.inf)))
    assert s.dip_capacity_Ah == pytest.approx(q_Ah[i], abs=0.01 * q_Ah[-1])  # 1 % of Q: the split's smoothing
    assert s.dip_voltage_V == pytest.approx(v[i], abs=0.005)
    assert s.split_capacity_Ah < s.dip_capacity_Ah
    assert s.upper_Ah + s.lower_Ah == pytest.approx(q_Ah[-1], rel=1e-12)
    # physics: per gram of sulfur the upper plateau (S₈ → S₄²⁻, ½ e⁻ per S) holds at most 1675/4 mAh/g
    # and the lower (S₄²⁻ → Li₂S, 1½ e⁻ per S) at most 3/4 of 1675 mAh/g
    upper = s.upper_Ah * 1e3 / (SULFUR_MG * 1e-3)
    lower = s.lower_Ah * 1e3 / (SULFUR_MG * 1e-3)
    assert 0 < upper <= THEORETICAL_MAH_PER_G_S / 4
    assert 0 < lower <= 3 * THEORETICAL_MAH_PER_G_S / 4
    # the split voltage lies between the lower plateau (median over 50–80 % of Q) and the upper one
    # (median over 10–20 %), both read off the raw columns
    mid_lower = float(np.median(v[(q_Ah > 0.5 * q_Ah[-1]) & (q_Ah < 0.8 * q_Ah[-1])]))
    mid_upper = float(np.median(v[(q_Ah > 0.1 * q_Ah[-1]) & (q_Ah < 0.2 * q_Ah[-1])]))
    assert mid_lower < s.split_voltage_V < mid_upper


def test_chain3_fits_the_shape_of_a_measured_discharge(raw) -> None:
    curve = read_curve(f"{FILE}:{RATE}")
    measured_mAh_per_g = raw["Q discharge/mA.h"][-1] / SULFUR_MG * 1e3
    assert curve.capacity_end_mAh_per_g == pytest.approx(measured_mAh_per_g, rel=1e-6)
    names = ["E_H0_V", "E_M0_V", "E_L0_V", "passivation_resistance_Ohm", "li2s_pore_volume_L",
             "s8_solubility_mol_per_L"]
    res = fit_curves(get_preset("chain3_literature"), [curve], fit_names=names, starts=0, max_nfev=60)
    (c,) = res["curves"]
    assert c["role"] == "fitted"
    # a parameter the fit pushes onto its bound is flagged and never called identifiable
    for par in res["parameters"]:
        if par["value"] >= (1 - 1e-4) * par["upper_bound"] or par["value"] <= (1 + 1e-4) * par["lower_bound"]:
            assert par["at_bound"] and not par["identifiable"], par
    # capacity within 10 % (issue 14's bar for a held-out rate; this curve is fitted)
    assert abs(c["capacity_mAh_per_g"] / measured_mAh_per_g - 1) < 0.10
    # voltage within 50 mV RMS (issue 14's held-out bar) on the measured points the model reaches,
    # after the first 1 % of capacity: the discharge starts from the charged cell at 3.18 V and relaxes
    # to the upper plateau within ~8 mAh/g, which a model started at rest does not express
    qm = np.asarray(c["model"]["capacity_mAh_per_g"])
    vm = np.asarray(c["model"]["voltage_V"])
    q = raw["Q discharge/mA.h"] / SULFUR_MG * 1e3
    sel = (q > 0.01 * q[-1]) & (q <= qm[-1])
    rms = float(np.sqrt(np.mean((np.interp(q[sel], qm, vm) - raw["Ecell/V"][sel]) ** 2)))
    assert rms < 0.050, rms
