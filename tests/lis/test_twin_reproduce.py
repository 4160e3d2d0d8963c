"""`cellworks lis reproduce`: every published number of documents 000 / 001 against the twins.

Tolerances are the issue's (capacities ±5 %, retention and coulombic efficiency ±3 percentage
points, cycle of maximum ±3 cycles, R_ct ±5 %; document 001: recovered lithium ±5 %, anode-active
fraction ≥ 0.98). Rows the committed twins do not meet are marked xfail(strict=True): the test
fails if one of them starts to pass (then remove the mark) or if any other row fails.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cellworks.lis import twin

#: rows of document 000 the fitted twins do not reproduce within the issue's tolerance (see
#: docs/lis-twins.md "Results and limits"); empty since the film, polysulfide-shuttle and
#: residual-isolation mechanisms
KNOWN_MISSES: dict[str, str] = {}


@pytest.fixture(scope="module")
def zhang() -> dict:
    return twin.reproduce_zhang2016()


def _ids() -> list[str]:
    return [t.id for t in twin.parse_targets(twin.load_targets())]


@pytest.mark.parametrize("row_id", _ids())
def test_document_000_row(zhang: dict, row_id: str, request: pytest.FixtureRequest) -> None:
    if row_id in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[row_id]))
    row = next(r for r in zhang["rows"] if r["id"] == row_id)
    assert row["simulated"] is not None
    assert abs(row["simulated"] - row["paper"]) <= row["tolerance"], row


def test_document_000_all_ok_and_fast(zhang: dict) -> None:
    # the Done-when: every row ok; "under 60 s" is checked on the CLI by the lead, here only
    # that the run is not pathologically slow on a loaded 2-core machine (4x the budget)
    assert zhang["all_ok"], [r["id"] for r in zhang["rows"] if not r["ok"]]
    assert zhang["wall_s"] < 240.0


def test_document_000_table_is_complete(zhang: dict) -> None:
    # REFERENCE.md §1: 6 numbers for AC-S, 13 for the coated cell (incl. the three cycle numbers)
    assert sum(r["cell"] == "zhang2016_ac_s" for r in zhang["rows"]) == 6
    assert sum(r["cell"] == "zhang2016_coated" for r in zhang["rows"]) == 13
    assert all(s == "ok" for c in zhang["cells"].values() for s in c["run_status"].values())
    assert zhang["fit"]["targets_file_matches"]
    # the sulfur mass follows the recipe: 0.95 mg/cm² × 1.131 cm² × S fraction
    assert zhang["cells"]["zhang2016_ac_s"]["sulfur_mass_mg"] == pytest.approx(0.95 * 1.131 * 0.653, rel=1e-9)
    assert zhang["cells"]["zhang2016_coated"]["sulfur_mass_mg"] == pytest.approx(0.95 * 1.131 * 0.579, rel=1e-9)


def test_cli_reproduce_polyplus_json(tmp_path) -> None:
    from cellworks.lis.cli import app

    res = CliRunner().invoke(app, ["reproduce", "polyplus", "--json", "--plots", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["all_ok"]
    acc = out["lithium_account"]
    assert acc["recovered_uAh"] == pytest.approx(188.2, rel=0.05)  # document 001, ±5 %
    assert acc["active_fraction"] >= 0.98  # document 001: "at least 98 %"
    assert (tmp_path / "fig5_voltage_vs_li_to_s.png").stat().st_size > 1000
