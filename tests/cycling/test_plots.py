"""Figures: axis units follow the mass, chosen cycles are checked, PNGs are written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellworks.cycling.cycles import summarize
from cellworks.cycling.plots import plot_capacity, plot_dqdv, plot_profiles, plot_rate, save_png
from cellworks.errors import InputError

from .synth import lis_cycles


def test_figures_with_and_without_mass(tmp_path: Path) -> None:
    data, _ = lis_cycles(6, currents_A=[1e-4] * 3 + [2e-4] * 3, active_mass_g=1e-3)
    fig = plot_profiles(data, pairing="discharge-first", cycles=[1, 6])
    ax = fig.axes[0]
    assert "g⁻¹" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cycle 1", "cycle 6"]
    # one discharge and one charge line per cycle
    assert len(ax.get_lines()) == 4
    rate = plot_rate(summarize(data, pairing="discharge-first"))
    labels = [t.get_text() for t in rate.axes[0].texts]
    assert labels == ["0.1 A/g", "0.2 A/g"]
    d = plot_dqdv(data.with_meta(active_mass_g=None), pairing="discharge-first", cycles=[2])
    assert "mAh V⁻¹" in d.axes[0].get_ylabel() and "25 mV" in d.axes[0].get_title()
    out = save_png(plot_capacity(summarize(data)), tmp_path / "c.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["c.png"]


def test_unknown_cycle_is_an_input_error() -> None:
    data, _ = lis_cycles(2)
    with pytest.raises(InputError, match="cycle\\(s\\) 7 not in the data"):
        plot_profiles(data, cycles=[1, 7])
