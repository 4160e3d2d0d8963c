"""Molecular isobars of ⁷⁴GeH₄ (document 002)."""

from __future__ import annotations

import json

import pytest

from cellworks.cli import main
from cellworks.errors import InputError
from cellworks.gcms.isobars import find_isobars


def test_cs2_isobar_via_cli(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["gcms", "isobars", "78", "--matrix", "[74Ge]H4", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["isotopologue"]: r for r in out["isobars"]}
    cs2 = rows["12C32S34S"]
    # Done-when: Δm 0.0125 ± 0.0002 Da, R 6200 ± 100; document: 77.94 vs 77.92(5)
    assert abs(cs2["delta_mz_Da"]) == pytest.approx(0.0125, abs=0.0002)
    assert cs2["resolving_power_needed"] == pytest.approx(6200, abs=100)


def test_other_isobars_from_reference_masses() -> None:
    rep = find_isobars(78, "[74Ge]H4")
    rows = {r.isotopologue: r for r in rep.isobars}
    # REFERENCE.md exact masses: 78.0470 − 77.9525 = 0.0945; 78.0236 − 77.9525 = 0.0711 (±1e-4, 4-decimal data)
    assert rows["12C6H6"].delta_mz == pytest.approx(0.0945, abs=2e-4)
    assert rows["12C3H735Cl"].delta_mz == pytest.approx(0.0711, abs=2e-4)
    assert rows["75AsH3"].natural_fraction > 0.99  # arsenic is monoisotopic


def test_matrix_without_that_mass() -> None:
    with pytest.raises(InputError):
        find_isobars(50, "[74Ge]H4")
