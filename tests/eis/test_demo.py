import math

import pytest

from cellworks.eis.report import build_section

from .conftest import DOC_UNWEIGHTED


def _nyquist_axes(fig):
    return [ax for ax in fig.get_axes() if ax.get_xlabel().startswith("Z′")]


def _px_per_ohm(ax):
    """Pixels per Ω along x and along y of a drawn axes."""
    ax.figure.canvas.draw()
    box = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return box.width / abs(x1 - x0), box.height / abs(y1 - y0)


def _tick_step(axis):
    locs = sorted(axis.get_majorticklocs())
    return locs[1] - locs[0]


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    return build_section(tmp_path_factory.mktemp("eis"), quick=True)


def test_quick_demo_section(section):
    sec = section
    assert sec.anchor == "eis" and len(sec.summary) > 40
    # fit, Lin-KK, DRT round trip, DRT of the example spectrum, GEIS series
    assert len(sec.figures) == 5 and all(fig.caption and fig.png[:4] == b"\x89PNG" for fig in sec.figures)
    params, peaks = sec.tables
    assert params.rows and "1.65e-2" not in sec.how_to_run
    # one quantity per row, so a unit column: every row states its unit
    assert params.headers[:2] == ("parameter", "unit") and all(row[1] for row in params.rows)
    # documented values sit beside ours, to the three significant figures impedance.py prints
    documented = {row[0]: row[2] for row in params.rows}
    assert documented["R0"] == "0.0165" and documented["C2"] == "0.220"
    assert set(DOC_UNWEIGHTED) <= set(documented)
    # ours rounded to the standard error; a difference of less than 0.05 % is written 0.0, never -0.0
    assert {row[0]: row[3] for row in params.rows}["R0"] == "0.01652 ± 0.00015"
    assert not any(row[4].startswith(("-", "−0.0")) for row in params.rows)
    # the round-trip table recovers the two time constants it was made from (true values as numbers)
    assert [row[3] for row in peaks.rows[:2]] == [1, 1000]  # ms
    for row in peaks.rows[:2]:
        # τ within 10 %, R within 5 % (the tolerances of tests/eis/test_drt.py's round trip)
        assert math.isclose(row[1], row[3], rel_tol=0.10) and math.isclose(row[2], row[4], rel_tol=0.05)
    # every header of a numeric column states a unit (units in the header, not the cells)
    assert all(" / " in h for h in peaks.headers[1:])


def test_every_nyquist_plot_has_equal_axes_and_square_grid(section):
    """An impedance reader expects 1 Ω to be as long on Z′ as on −Z″ (a semicircle looks round): the fit
    figure, both DRT figures (middle panel) and the series' 'all spectra' panel."""
    found = 0
    for fig in (f.png.figure for f in section.figures):
        for ax in _nyquist_axes(fig):
            sx, sy = _px_per_ohm(ax)
            # equal aspect is exact in matplotlib; 0.1 % leaves room for pixel snapping only
            assert math.isclose(sx, sy, rel_tol=1e-3), (ax.get_title(), sx, sy)
            assert math.isclose(_tick_step(ax.xaxis), _tick_step(ax.yaxis), rel_tol=1e-9), ax.get_title()
            found += 1
    assert found == 4


def test_nyquist_check_fails_on_unequal_axes():
    """The measurement above is not vacuous: an axes without equal aspect fails it."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(6, 3))
    ax.plot([0, 10], [0, 1])
    ax.set_xlabel("Z′ / Ω")
    sx, sy = _px_per_ohm(ax)
    assert not math.isclose(sx, sy, rel_tol=1e-3)
