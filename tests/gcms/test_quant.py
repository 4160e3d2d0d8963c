"""Quantification (cellworks.gcms.quant, xsections): calibration, prediction, σ relation, format."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cellworks.errors import InputError
from cellworks.gcms.quant import (
    DOCUMENT_TABLE1,
    ION_SWAP_NOTE,
    TARGETS,
    detection_limit,
    fit_calibration,
    fit_sensitivity_relation,
    format_limit,
    format_value,
    parse_table_value,
    predict,
    target,
)
from cellworks.gcms.xsections import cross_section, fit_additivity, load_table


def test_weighted_line_matches_numpy_polyfit() -> None:
    x = np.array([1.0, 2.0, 5.0, 10.0, 20.0])
    y = np.array([2.1, 4.3, 9.6, 20.5, 39.0])
    s = 0.05 * y
    line = fit_calibration(x, y, s, through_origin=False)
    b, a = np.polyfit(x, y, 1, w=1 / s)  # independent implementation (weights 1/σ)
    assert line.slope == pytest.approx(b, rel=1e-10)
    assert line.intercept == pytest.approx(a, rel=1e-8)


def test_through_origin_slope_uncertainty_textbook() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    y = np.array([10.2, 19.7, 40.5, 79.0])
    s = 0.03 * y
    line = fit_calibration(x, y, s, through_origin=True, rel_sigma=0.03)
    w = 1 / s**2
    b = (w * x * y).sum() / (w * x * x).sum()
    s2 = (w * (y - b * x) ** 2).sum() / (x.size - 1)  # reduced χ²
    assert line.slope == pytest.approx(b)
    assert line.slope_sd == pytest.approx(math.sqrt(s2 / (w * x * x).sum()), rel=1e-10)
    c, u = predict(line, 30.0, 0.5)
    u_expected = math.sqrt(0.5**2 + (line.rel_sigma_y * 30.0) ** 2 + c**2 * line.var_slope) / line.slope
    assert c == pytest.approx(30.0 / b) and u == pytest.approx(u_expected)


def test_calibration_rejects_bad_input() -> None:
    with pytest.raises(InputError):
        fit_calibration([1.0, 2.0], [1.0])
    with pytest.raises(InputError):
        fit_calibration([1.0, float("nan")], [1.0, 2.0])


def test_sensitivity_relation_recovers_power_law() -> None:
    sig = np.array([2.5, 3.5, 5.1, 8.0, 10.6, 16.0, 18.6])
    s = 7.0 * sig**1.0 * np.exp(np.array([0.03, -0.02, 0.01, -0.04, 0.02, 0.0, 0.01]))
    rel = fit_sensitivity_relation([str(i) for i in range(sig.size)], sig, s)
    assert rel.exponent == pytest.approx(1.0, abs=0.05)  # scatter 3 % over a 7× range of σ
    val, u = rel.predict(12.0, 0.1)
    assert val == pytest.approx(7.0 * 12.0, rel=0.05)
    assert 0.1 <= u <= 0.2  # dominated by the ±10 % of σ itself


def test_detection_limit_is_3s_over_slope() -> None:
    assert detection_limit(2.0, 4.0e5) == pytest.approx(1.5e-5)


@pytest.mark.parametrize("key", list(DOCUMENT_TABLE1))
def test_document_cells_round_trip_through_our_format(key: str) -> None:
    for cell in DOCUMENT_TABLE1[key][:3]:
        kind, v, u = parse_table_value(cell)
        if kind == "value":
            assert format_value(v, u) == cell  # "(4.3 ± 0.5)·10⁻³" exactly as printed
        else:
            assert format_limit(v) == cell.replace("<", "< ")


def test_format_edge_cases() -> None:
    assert format_value(9.96e-4, 1e-4) == "(1.0 ± 0.1)·10⁻³"
    assert format_limit(4.2e-6) == "< 5·10⁻⁶"  # rounded up: the statement stays true
    assert format_limit(9.5e-7) == "< 1·10⁻⁶"


def test_ion_swap_of_document_is_corrected() -> None:
    assert target("toluene").quant_mz == 91 and target("toluene").document_mz == 78
    assert target("benzene").quant_mz == 78 and target("benzene").document_mz == 91
    assert "91" in ION_SWAP_NOTE and "78" in ION_SWAP_NOTE
    assert len(TARGETS) == len(DOCUMENT_TABLE1) == 27


def test_cross_section_table_and_additivity() -> None:
    table = load_table()
    assert all(r.source for r in table)
    add = fit_additivity()
    assert add.rel_rms < 0.15
    hexane = cross_section("C6H14", "n-hexane")
    iso = cross_section("C6H14", "2-methylpentane")  # not tabulated: additivity estimate
    assert iso.source.startswith("additivity")
    # isomers ionise alike (within a few %); additivity is good to its fit scatter
    assert iso.sigma_A2 == pytest.approx(hexane.sigma_A2, rel=0.15)
    ge2 = cross_section("Ge2H6")
    ge1 = cross_section("GeH4")
    assert ge1.sigma_A2 < ge2.sigma_A2 < 2.2 * ge1.sigma_A2
