"""Variation: Baumhöfer capacities from the real .mat file, named distributions, soft shorts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import FileFormatError, ParameterError
from cellworks.pack.pack import PackDesign
from cellworks.pack.variation import (
    Dist,
    SoftShort,
    Variation,
    baumhofer_capacities_Ah,
    dist_from_mapping,
    draw,
)

MAT = Path(__file__).parents[1] / "data" / "pack" / "baumhofer.mat"


def test_baumhofer_mat_has_47_finite_initial_capacities() -> None:
    caps = baumhofer_capacities_Ah(MAT)
    assert len(caps) == 47  # 48 cells, ep_sanyo_039 has no record (NaN)
    assert caps[0] == pytest.approx(1.8334)  # ep_sanyo_002 cap_initial in the file
    # the shipped CSV is the same data
    assert baumhofer_capacities_Ah() == pytest.approx(caps, abs=5e-6)
    # nominally identical 18650s: spread well under the note's ±3 % matching
    c = np.array(caps)
    assert (c.max() - c.min()) / c.mean() < 0.03


def test_distributions_reproducible_and_bounded() -> None:
    d = PackDesign(n_series=4, n_parallel=3)
    v = Variation(dists={"capacity_Ah": Dist("normal", 2.0, 0.02), "soc0": Dist("uniform", 0.4, 0.6)}, seed=5)
    a, b = draw(d, 50, v), draw(d, 50, v)
    assert np.array_equal(a.capacity_Ah, b.capacity_Ah)
    assert a.capacity_Ah.std() == pytest.approx(0.02, rel=0.15)  # 600 draws: ~3 % sampling error
    assert a.soc0.min() >= 0.4 and a.soc0.max() <= 0.6


def test_soft_short_placement_and_errors() -> None:
    d = PackDesign(n_series=2, n_parallel=2)
    a = draw(d, 1, Variation(soft_shorts=(SoftShort(1, 0, 40e3, onset_s=3600.0),)))
    assert a.short_Ohm[0, 1, 0] == 40e3 and np.isinf(a.short_Ohm[0, 0, 0])
    assert a.short_onset_s[0, 1, 0] == 3600.0
    with pytest.raises(ParameterError, match="outside"):
        draw(d, 1, Variation(soft_shorts=(SoftShort(5, 0),)))
    with pytest.raises(ParameterError):
        Variation(dists={"banana": Dist("fixed", 1.0)})
    with pytest.raises(ParameterError, match="needs key"):
        dist_from_mapping("capacity_Ah", {"dist": "normal", "mean": 1.0})


def test_not_a_mat_file(tmp_path: Path) -> None:
    p = tmp_path / "x.mat"
    p.write_bytes(b"not matlab")
    with pytest.raises(FileFormatError):
        baumhofer_capacities_Ah(p)


def test_random_soft_short_cell_resistance_and_onset_drawn_per_pack() -> None:
    from cellworks.pack.variation import RandomSoftShort

    d = PackDesign(n_series=4, n_parallel=3)
    rs = RandomSoftShort(resistance_Ohm=Dist("uniform", 20e3, 80e3), onset_s=Dist("uniform", 0.0, 86400.0))
    a = draw(d, 400, Variation(seed=5, random_short=rs))
    shorted = np.isfinite(a.short_Ohm)
    assert np.all(shorted.reshape(400, -1).sum(axis=1) == 1)  # one cell per pack (probability 1)
    where = shorted.reshape(400, -1).argmax(axis=1)
    # every one of the 12 cells is hit: 400 uniform draws miss a given cell with p = (11/12)^400 ≈ 1e-15
    assert set(where.tolist()) == set(range(12))
    r = a.short_Ohm[shorted]
    assert r.min() >= 20e3 and r.max() <= 80e3
    onset = a.short_onset_s[shorted]
    assert onset.min() >= 0 and onset.max() <= 86400.0 and onset.std() > 20000.0  # uniform: std 24 942 s
    # the other draws do not move when the random short is added
    b = draw(d, 400, Variation(seed=5))
    assert np.array_equal(a.capacity_Ah, b.capacity_Ah)
