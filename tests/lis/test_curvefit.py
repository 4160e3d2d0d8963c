"""`cellworks lis fit-curves`: reading measured curves, and a synthetic round trip (a pipeline test).

The round-trip curves in tests/data/lis were made by the chain3 model itself with known parameter
values and 2 mV of voltage noise (tests/data/lis/make_synthetic_roundtrip.py); recovering those
values, and predicting the held-out rate, tests the fitting pipeline — not the model against
measurements (no openly licensed measured Li–S rate set was found; docs/lis-model-chain3.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import InputError
from cellworks.lis.curvefit import fit_curves
from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, get_preset
from cellworks.lis.readers.curves import parse_rate, read_curve

DATA = Path(__file__).parents[1] / "data" / "lis"
TRUE = {"passivation_resistance_Ohm": 0.004, "E_L0_V": 1.99}  # make_synthetic_roundtrip.py
NOISE_V = 0.002


def test_parse_rate() -> None:
    # 1C = 1675 mA per g of sulfur (16 e⁻ per S₈)
    assert parse_rate("0.1C") == pytest.approx(0.1 * THEORETICAL_MAH_PER_G_S / 1000)
    assert parse_rate("0.2A/g") == 0.2 and parse_rate("200mA/g") == pytest.approx(0.2)
    for bad in ("fast", "0.1", "-1C", "0C"):
        with pytest.raises(InputError):
            parse_rate(bad)


def test_csv_with_and_without_header(tmp_path) -> None:
    q = np.linspace(0, 1000, 20)
    v = np.linspace(2.4, 1.8, 20)
    (tmp_path / "a.csv").write_text("\n".join(f"{a},{b}" for a, b in zip(q, v, strict=True)))
    (tmp_path / "b.csv").write_text("Voltage (V);Capacity (mAh/g)\n" + "\n".join(f"{b};{a}" for a, b in zip(q, v, strict=True)))
    for name in ("a.csv", "b.csv"):
        c = read_curve(f"{tmp_path / name}:0.2A/g")
        assert c.capacity_end_mAh_per_g == pytest.approx(1000) and c.cutoff_V == pytest.approx(1.8)


@pytest.mark.parametrize("text, where", [
    ("1,2.3\n2,abc\n", "line 2"),
    ("capacity,temperature\n1,2\n", "line 1"),
    ("\n".join(f"{i},{9.0}" for i in range(20)), "voltage"),
    ("\n".join(f"{i * 300},{2.0}" for i in range(20)), "capacity"),
    ("1,2.3\n2,2.2\n", "at least"),
])
def test_bad_curve_files_name_the_problem(tmp_path, text, where) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=where):
        read_curve(f"{p}:0.1C")


def test_missing_file_and_spec(tmp_path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_curve(f"{tmp_path / 'none.csv'}:0.1C")
    with pytest.raises(InputError, match="FILE:RATE"):
        read_curve("curve.csv")


def test_cycler_files_through_the_cycling_readers() -> None:
    # real cycler exports (not Li–S cells) read through cellworks.cycling: the first discharge, per
    # gram of the given sulfur mass; a sign-flipped export is refused with the point and field
    cyc = Path(__file__).parents[1] / "data" / "cycling"
    for name, mass_g in (("arbin_example.res", 1e-3), ("battdat_arbin_example.csv", 1.0)):
        c = read_curve(f"{cyc / name}:0.1C", sulfur_mass_g=mass_g)
        assert c.capacity_end_mAh_per_g > 0 and np.all(np.diff(c.capacity_mAh_per_g) >= 0)
        assert 2.0 < c.voltage_V[0] < 4.5
    with pytest.raises(InputError, match="voltage"):
        read_curve(f"{cyc / 'test.nda'}:0.1C", sulfur_mass_g=1e-3)
    with pytest.raises(InputError, match="twice sulfur"):  # Ah of a Li-ion cell over 1 mg: not mAh per g S
        read_curve(f"{cyc / 'battdat_arbin_example.csv'}:0.1C", sulfur_mass_g=1e-3)
    with pytest.raises(InputError, match="sulfur"):
        read_curve(f"{cyc / 'arbin_example.res'}:0.1C")


@pytest.fixture(scope="module")
def roundtrip() -> dict:
    fitted = [read_curve(f"{DATA / 'synthetic_roundtrip_0.1C.csv'}:0.1C"), read_curve(f"{DATA / 'synthetic_roundtrip_1C.csv'}:1C")]
    held = [read_curve(f"{DATA / 'synthetic_roundtrip_0.5C.csv'}:0.5C")]
    return fit_curves(get_preset("chain3_literature"), fitted, held, fit_names=list(TRUE), starts=0, max_nfev=20)


def test_synthetic_roundtrip_recovers_the_true_values(roundtrip) -> None:
    for p in roundtrip["parameters"]:
        # within 4 standard errors of the value the curves were made with (and identifiable)
        assert abs(p["value"] - TRUE[p["name"]]) <= 4 * p["stderr"] + 1e-12, p
        assert p["identifiable"]
    # the residual sigma is the noise put in (2 mV), within a factor 1.5 (sampling, resampling)
    assert NOISE_V / 1.5 < roundtrip["residual_sigma_V"] < NOISE_V * 1.5


def test_synthetic_roundtrip_predicts_the_held_out_rate(roundtrip) -> None:
    held = [c for c in roundtrip["curves"] if c["role"] == "held_out"]
    assert len(held) == 1
    # predicted within 3× the noise and 2 % of the capacity (the model that made it, exact parameters up to noise)
    assert held[0]["rms_V"] < 3 * NOISE_V
    assert abs(held[0]["capacity_error_rel"]) < 0.02
    names = roundtrip["correlation"]["names"]
    m = np.asarray(roundtrip["correlation"]["matrix"], dtype=float)
    assert m.shape == (len(names), len(names)) and np.allclose(np.diag(m), 1.0)
