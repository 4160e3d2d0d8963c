"""The report shell and its shared helpers: labels that never overlap, legends outside the data, one
number format, one self-contained HTML file."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cellworks.report import (
    Figure,
    Section,
    Table,
    figure_png,
    legend_outside,
    new_figure,
    place_labels,
    render_html,
)
from cellworks.report.figures import text_overlaps
from cellworks.report.format import column, has_unit, sig, units_in_text


def _crowded_chromatogram() -> tuple[object, object, np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(3)
    t = np.linspace(0, 20, 4000)
    rts = np.sort(rng.uniform(1, 19, 40))
    heights = rng.uniform(0.2, 1.0, 40)
    y = sum(h * np.exp(-0.5 * ((t - r) / 0.05) ** 2) for r, h in zip(rts, heights, strict=True))
    fig, ax = new_figure(figsize=(8, 3))
    ax.plot(t, y, lw=0.7)
    ax.set_ylim(0, 1.35)
    names = [f"cmpd {i}" for i in range(40)]
    return fig, ax, rts, heights, names


def test_without_help_the_crowded_labels_do_overlap() -> None:
    # the control: naive labelling of this chromatogram overlaps (so the next test is not trivially true)
    fig, ax, rts, heights, names = _crowded_chromatogram()
    for r, h, n in zip(rts, heights, names, strict=True):
        ax.annotate(n, (r, h), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7.5)
    fig.canvas.draw()
    assert len(text_overlaps(fig)) > 10


def test_place_labels_never_overlaps_and_reports_what_it_dropped() -> None:
    fig, ax, rts, heights, names = _crowded_chromatogram()
    ax.set_title("TIC")
    ax.set_xlabel("retention time / min")
    res = place_labels(ax, rts, heights, names, priority=heights)
    fig.canvas.draw()
    assert text_overlaps(fig) == []
    assert len(res["placed"]) >= 15 and len(res["placed"]) + len(res["dropped"]) == 40
    # the tallest peak is labelled first, so it is never the one dropped
    assert names[int(np.argmax(heights))] in res["placed"]
    # placed labels stay inside the axes
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    for t in ax.texts:
        b = t.get_window_extent(renderer)
        assert b.x0 >= box.x0 - 0.5 and b.x1 <= box.x1 + 0.5 and b.y1 <= box.y1 + 0.5


def test_legend_outside_does_not_cover_the_axes() -> None:
    fig, ax = new_figure()
    for k in range(4):
        ax.plot([0, 1], [k, k + 1], label=f"series {k}")
    for where in ("right", "below"):
        leg = legend_outside(ax, where)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        lb, axb = leg.get_window_extent(r), ax.get_window_extent(r)
        apart = lb.x0 >= axb.x1 if where == "right" else lb.y1 <= axb.y0
        assert apart, where


def test_legends_on_data_is_measured() -> None:
    from cellworks.report.figures import legends_on_data

    fig, ax = new_figure()
    x = np.linspace(0, 1, 200)
    ax.plot(x, np.ones_like(x), label="high line")  # runs along the top, under an upper-left legend
    ax.plot(x, x, label="diagonal")
    ax.set_title("covered")
    ax.legend(loc="upper left")
    assert legends_on_data(fig) == ["covered"]
    legend_outside(ax, "right")
    assert legends_on_data(fig) == []


def test_number_formats() -> None:
    assert sig(8.7e-05) == "8.70 × 10⁻⁵"  # never '8.7e-05'
    assert column([0.0, 0.5, 1.0]) == ["0.00", "0.500", "1.000"] or column([0.0, 0.5, 1.0])[1:] == ["0.500", "1.000"]
    assert units_in_text("100 uA and 25 uAh") == "100 µA and 25 µAh"
    assert has_unit("capacity / mAh g⁻¹") and has_unit("CE (%)") and not has_unit("lowest cell V")


def test_render_is_one_self_contained_file_with_numbered_items() -> None:
    fig, ax = new_figure()
    t = np.linspace(0, 1, 3000)
    ax.plot(t, np.sin(40 * t))
    ax.set_xlabel("time / s")
    sec = Section(
        title="Part", anchor="part", summary="What was computed. From what.",
        intro="What was computed. From what.\n\nA second paragraph.\n\nA second paragraph.",
        tables=(Table(("quantity", "capacity / mAh"), (("a", 1012.4), ("b", 607.25)), "Two rows."),),
        figures=(Figure(figure_png(fig), "A long series, 10 uA."),),
        notes=("a note", "a note"), how_to_run="cellworks part run --current '100 uA'",
    )
    html = render_html("Report", [sec])
    assert "http://" not in re.sub(r'xmlns(:xlink)?="http://www.w3.org/[^"]+"', "", html).replace(
        "http://www.w3.org/2000/svg", "")
    assert "<script src" not in html and "<link" not in html
    assert html.count("A second paragraph.") == 1 and html.count("What was computed.") == 1
    assert html.count("<li>a note</li>") == 1
    assert "Table 1." in html and "Figure 1." in html and "10 µA" in html
    assert "--current &#39;100 uA&#39;" in html  # code is shown verbatim (copy-paste must still work)
    assert '<figure id="part-fig-1" class="zoom">' in html and "<svg" in html
    assert "1012" in html and "607" in html


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "a & b"])
def test_text_is_escaped(bad: str) -> None:
    html = render_html("R", [Section(title=bad, anchor="x", summary=bad)])
    assert bad not in html
