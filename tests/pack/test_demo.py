"""Demo section (quick)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellworks.pack.report import build_section
from cellworks.report import ROLES, Section


@pytest.fixture(scope="module")
def section(tmp_path_factory: pytest.TempPathFactory) -> Section:
    return build_section(Path(tmp_path_factory.mktemp("pack")), quick=True)


def test_quick_section(section: Section) -> None:
    s = section
    assert len(s.figures) == 2 and all(f.caption and f.png.startswith(b"\x89PNG") for f in s.figures)
    notes = {row[0]: row for row in s.tables[0].rows}
    assert notes["balancing current, 20 % of 3 × 2000 mAh in 1 h"][2] == "1200 mA"
    assert notes["150 mV mismatch at full charge"][2].startswith("18.5 %")
    assert notes["mid-point voltage: OCV at 50 % SOC"][2].startswith("3.751 V")
    # every row states its role with the report's token (shown as a badge), never a free spelling
    assert {row[3] for row in s.tables[0].rows} <= set(ROLES)
    assert all(h.count("/") <= 1 for h in s.tables[1].headers)  # units in the headers
    assert "cellworks pack" in s.how_to_run
    # no Python repr of a list in the text a reader sees
    assert not any("[" in n for n in s.notes) and "[" not in s.figures[0].caption


def test_figure_title_clears_the_subplot_titles(section: Section) -> None:
    """The scenario figure's title sits above the top row's subplot titles (they overlapped before)."""
    fig = section.figures[1].png.figure
    fig.canvas.draw()
    title = fig._suptitle.get_window_extent()
    top_row = [ax.title.get_window_extent() for ax in fig.get_axes() if ax.get_title()]
    assert top_row and all(title.y0 >= t.y1 for t in top_row)
