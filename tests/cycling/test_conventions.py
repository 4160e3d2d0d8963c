"""One convention per quantity, in every output, for every cycler fixture (issue 21):

* coulombic efficiency, energy efficiency and retention are fractions in the data (API, JSON,
  CSV) and percent only in labelled displays (report table "CE / %", plot axis "… / %");
* voltages are never sign-flipped: a cycle's mean and end-of-discharge voltages lie within the
  voltages its discharge records measured;
* cycle numbers are integers everywhere, and capacity plots tick at whole cycles;
* rate groups are separated by more than the stated tolerance.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from cellworks.cli import main
from cellworks.cycling import read, summarize
from cellworks.cycling.cycles import half_cycles
from cellworks.cycling.rate import rate_table
from cellworks.cycling.report import REPORT_COLUMNS, summary_report_table

from .test_summary_fixtures import CYCLE_COUNTS, DATA

FIXTURES = sorted(CYCLE_COUNTS)
FRACTIONS = ("coulombic_efficiency", "energy_efficiency", "retention")


def _api(name: str):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read(DATA / name)
    return data, summarize(data)


@pytest.mark.parametrize("name", FIXTURES)
def test_conventions_hold_in_api_json_csv_and_report(name: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data, s = _api(name)
    api = s.table
    assert api["cycle"].dtype.kind == "i"
    # JSON
    assert main(["cycling", "summarize", str(DATA / name), "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["conventions"]["coulombic_efficiency"] == "fraction" and js["conventions"]["retention"] == "fraction"
    assert js["electrode"] is None and js["pairing"] == s.pairing
    # CSV
    out = tmp_path / "s.csv"
    assert main(["cycling", "summarize", str(DATA / name), "--csv", str(out)]) == 0
    capsys.readouterr()
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    report = summary_report_table(s, name)
    assert len(js["cycles"]) == len(rows) == len(api) == len(report.rows)
    head = list(report.headers)
    for k, (j, c, (_, a), r) in enumerate(zip(js["cycles"], rows, api.iterrows(), report.rows, strict=True)):
        assert isinstance(j["cycle"], int) and c["cycle"] == str(j["cycle"]) and r[0] == j["cycle"]
        for col in FRACTIONS:
            v = a[col]
            if math.isnan(v):
                assert j[col] is None and c[col] == "" and r[head.index(_header(col))] == "—"
                continue
            assert j[col] == pytest.approx(v, rel=1e-12) and float(c[col]) == pytest.approx(v, rel=1e-12)
            shown = float(r[head.index(_header(col))])
            assert shown == pytest.approx(100 * v, rel=1e-3), (name, k, col)  # percent only on display
        if not a["complete"]:
            assert np.isnan(a["coulombic_efficiency"]) and np.isnan(a["retention"]) and a["incomplete_reason"]


def _header(col: str) -> str:
    return next(h for h, c, _, _ in REPORT_COLUMNS if c == col)


@pytest.mark.parametrize("name", FIXTURES)
def test_voltages_are_never_sign_flipped(name: str) -> None:
    data, s = _api(name)
    t = s.table
    for hc in half_cycles(data, pairing=s.pairing, direction="discharge"):
        row = t[t.cycle == hc.cycle].iloc[0]
        lo, hi = float(np.min(hc.voltage_V)), float(np.max(hc.voltage_V))
        span = max(hi - lo, 1e-9)
        # the capacity-weighted mean and the last record lie within what the records measured
        # (the mean over the whole cycle may include pulses/impedance steps: within their range too)
        v_all = data.table["voltage_V"].to_numpy()
        assert v_all.min() - 1e-9 <= row.mean_discharge_voltage_V <= v_all.max() + 1e-9
        assert lo - 1e-9 * span <= row.end_of_discharge_voltage_V <= hi + 1e-9 * span
        assert np.sign(row.end_of_discharge_voltage_V) == np.sign(np.median(hc.voltage_V))


@pytest.mark.parametrize("name", ["arbin_example.res", "cellpy_maccor_three.txt", "arbin_mits7_Channel_11.xlsx",
                                  "beep_xTESLADIAG_000038con_trimmed.078"])
def test_plots_show_percent_and_whole_cycles(name: str) -> None:
    from cellworks.cycling.plots import plot_capacity

    _, s = _api(name)
    fig = plot_capacity(s)
    ax, ax2 = fig.axes[0], fig.axes[1]
    assert ax2.get_ylabel() == "coulombic efficiency / %"
    ce = s.table["coulombic_efficiency"].to_numpy()
    line = ax2.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), 100 * ce[s.table["complete"].to_numpy()])
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize("name", ["arbin_example.res", "cellpy_maccor_three.txt", "beep_xTESLADIAG_000038con_trimmed.078"])
def test_rate_groups_are_separated_by_more_than_the_tolerance(name: str) -> None:
    _, s = _api(name)
    rt = rate_table(s, rel_tol=0.05)
    assert "5%" in rt.attrs["grouping"]
    cur = rt["current_A"].to_numpy()
    for a, b in zip(cur[:-1], cur[1:], strict=True):
        assert abs(b - a) > 0.05 * a  # else they would be one group, one label
    labels = list(rt["rate_label"])
    assert all(a != b for a, b in zip(labels[:-1], labels[1:], strict=True))  # one label per block
