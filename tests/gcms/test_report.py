"""The GC–MS report section as a reader sees it: units in every header, one number style, legends off the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellworks.gcms.report import _dot_pow, _mean_sd


def test_limits_in_the_documents_notation() -> None:
    # one significant figure as document 002's Table 1 prints limits; 9.6·10⁻⁹ rounds up into the next decade
    assert _dot_pow(4.18e-8) == "4·10⁻⁸"
    assert _dot_pow(9.6e-9) == "1·10⁻⁸"
    assert _dot_pow(2.0e-5) == "2·10⁻⁵"


def test_trace_concentrations_keep_their_power_of_ten() -> None:
    # mean ± SD rounded to the SD (two figures), the mean's decade outside: worked by hand
    assert _mean_sd(0.000249, 6e-7) == "(2.4900 ± 0.0060) × 10⁻⁴"
    assert _mean_sd(0.0166, 4e-5) == "(1.6600 ± 0.0040) × 10⁻²"
    assert _mean_sd(2.5, 0.012) == "2.500 ± 0.012"


@pytest.fixture(scope="module")
def section(tmp_path_factory: pytest.TempPathFactory):
    from cellworks.gcms.report import build_section

    return build_section(Path(tmp_path_factory.mktemp("gcms")), quick=True)


def test_headers_state_units_and_dimensionless_columns_say_so(section) -> None:
    headers = [h for t in section.tables for h in t.headers]
    # the report's convention for a dimensionless quantity (docs/REPORT.md)
    for name in ("MF (–)", "RMF (–)", "MF, worked on paper (–)", "MF, cellworks (–)", "library MF (–)", "m/z (–)"):
        assert name in headers, name
    # no computer names left in a header (t_R, C_min): subscripts are written as such
    assert not [h for h in headers if "_" in h]
    table1 = next(t for t in section.tables if t.headers[0] == "impurity" and "m/z (–)" in t.headers)
    assert all(h.endswith("/ vol.%") for h in table1.headers[2:])


def test_captions_state_roles_and_notes_hold_no_commands(section) -> None:
    table1 = next(t for t in section.tables if "m/z (–)" in t.headers)
    assert "round_trip" in table1.caption and "held_out" in table1.caption
    assert not [n for n in section.notes if "cellworks gcms" in n]  # commands belong in "how to run"
    assert "cellworks gcms analyze" in section.how_to_run


def test_figure_legends_sit_outside_the_data(section) -> None:
    from cellworks.report.figures import legends_on_data

    for fig in (f.png.figure for f in section.figures):
        assert legends_on_data(fig) == []
        for ax in fig.get_axes():
            leg = ax.get_legend()
            if leg is not None:  # beside the axes, not inside them
                fig.canvas.draw()
                assert leg.get_window_extent().x0 >= ax.get_window_extent().x1 - 1
