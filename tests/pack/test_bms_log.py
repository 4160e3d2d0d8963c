"""BMS logs: reading the bq-family 8-series layout and a bit-field variant, and replaying policies
against the logged balance decisions (round trip: the logs are written by tests/pack/synthetic_logs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cellworks.errors import FileFormatError, ParameterError
from cellworks.pack import bms
from cellworks.pack.log_replay import episodes, replay
from cellworks.pack.readers.bms_log import LogMap, read_bms_log

DATA = Path(__file__).parents[1] / "data" / "pack"
BQ = DATA / "bq8s_balancing_synthetic.log"
BITS = DATA / "bms8s_bitfield_synthetic.csv"


def test_synthetic_logs_are_reproducible() -> None:
    # the committed files are exactly what the stand-alone generator writes
    from . import synthetic_logs as sl

    d = sl.simulate_log()
    assert BQ.read_text() == sl.bq_text(d)
    assert BITS.read_text() == sl.bits_text(d)


def test_read_bq_layout() -> None:
    log = read_bms_log(BQ)
    assert log.n_cells == 8 and log.rows_in_file == 3602
    assert log.duplicates_dropped == 2 and log.n_rows == 3600  # two repeated seconds
    assert int((~log.valid).sum()) == 1  # the 0 V glitch row is flagged, not fatal
    assert np.isnan(log.temperature_C).sum() == 1  # the failed read (−273.15 °C)
    assert np.allclose(np.diff(log.time_s), 1.0)
    assert log.columns["balance"] == ["BalB", "BalT"] and log.columns["balance_coding"] == "index"
    # current > 0 on charge (the logger's convention, kept): 6 A charge then 12 A discharge
    assert log.current_A.max() == pytest.approx(6.0) and log.current_A.min() == pytest.approx(-12.0)
    # flags: at most one cell per 4-cell half
    assert log.balance is not None
    assert log.balance[:, :4].sum(axis=1).max() == 1 and log.balance[:, 4:].sum(axis=1).max() == 1
    s = log.summary()
    assert s["n_rows"] == 3600 and s["n_cells"] == 8 and len(s["cells"]) == 8
    # the charge passed: 6 A × 1200 s = 2 Ah, 12 A × 1500 s = 5 Ah (trapezoids across the steps: ±half a second)
    assert s["current_A"]["charge_Ah"] == pytest.approx(2.0, abs=6 * 1 / 3600)
    assert s["current_A"]["discharge_Ah"] == pytest.approx(5.0, abs=12 * 1 / 3600)


def test_read_bitfield_variant_matches_index_variant() -> None:
    a = read_bms_log(BQ)
    b = read_bms_log(BITS, LogMap.parse(["balance_coding=bits", "cells_per_column=4", "current_sign=discharge_positive"]))
    assert b.columns["cells"][0] == "cell1_V" and b.columns["balance"] == ["CELLBAL1", "CELLBAL2"]
    assert b.n_rows == 3600
    assert np.array_equal(a.balance, b.balance)
    assert np.allclose(a.current_A, b.current_A)
    ok = a.valid & b.valid
    assert np.array_equal(a.cell_V[ok], b.cell_V[ok])


def _log_policy(**kw):  # type: ignore[no-untyped-def]
    return bms.ThresholdBalancer(threshold_V=0.010, select=bms.Select.HIGHEST, when=bms.When.ALWAYS,
                                 measure_period_s=1.0, monitor_group_size=4, max_bleeds_per_monitor=1, **kw)


def test_replay_monitor_groups_with_hold_reproduce_the_log_exactly() -> None:
    log = read_bms_log(BQ)
    r = replay(log, _log_policy(hold_s=90.0, gap_s=5.0))
    assert r.agreement_rows == 1.0 and r.agreement_episodes == 1.0
    assert len(r.episodes) == 30 and all(e["row_agreement"] == 1.0 for e in r.episodes)
    # the same policy through the Python path (a subclass that decides with the Python twin)
    class Twin(bms.ThresholdBalancer):
        def decide(self, obs):  # type: ignore[no-untyped-def]
            return super().decide(obs)

    t = Twin(threshold_V=0.010, when=bms.When.ALWAYS, measure_period_s=1.0, monitor_group_size=4,
             max_bleeds_per_monitor=1, hold_s=90.0, gap_s=5.0)
    assert not bms.is_compiled(t)
    assert np.array_equal(replay(log, t).policy_flags, r.policy_flags)


def test_replay_of_the_plain_threshold_rule_disagrees() -> None:
    # the note's rule without monitor chips or hold: bleeds one cell of the whole pack, re-decided every
    # second on voltages the bleeds pull down — far from the logged decisions
    log = read_bms_log(BQ)
    r = replay(log, bms.ThresholdBalancer(threshold_V=0.010, when=bms.When.ALWAYS, measure_period_s=1.0))
    assert r.agreement_rows < 0.5 and r.agreement_episodes == 0.0
    # a hold without monitor chips bleeds one cell instead of one per half: it can only match the
    # one episode in which a single half bled (cell 6 alone)
    r2 = replay(log, bms.ThresholdBalancer(threshold_V=0.010, when=bms.When.ALWAYS, measure_period_s=1.0,
                                           hold_s=90.0, gap_s=5.0))
    assert r2.agreement_episodes <= 1 / 30 + 1e-12


def test_episodes_split_on_changes_and_skip_invalid_rows() -> None:
    f = np.zeros((8, 2), bool)
    f[1:3, 0] = True
    f[3:5, 1] = True
    f[6, 0] = True
    valid = np.ones(8, bool)
    assert episodes(f, valid) == [(1, 3), (3, 5), (6, 7)]
    valid[2] = False
    assert episodes(f, valid) == [(1, 3), (3, 5), (6, 7)]


def test_bad_logs(tmp_path: Path) -> None:
    lines = BQ.read_text().splitlines()
    p = tmp_path / "trunc.log"
    p.write_text("\n".join(lines[:50] + [lines[50][:40]]) + "\n")
    with pytest.raises(FileFormatError, match="incomplete|wrong number"):
        read_bms_log(p)
    p.write_text("\n".join([lines[0], *lines[1:10], lines[10].replace("3.9", "x.9", 1)]) + "\n")
    with pytest.raises(FileFormatError) as info:
        read_bms_log(p)
    assert info.value.record == "line 11"
    p.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(FileFormatError, match="cell-voltage"):
        read_bms_log(p)
    with pytest.raises(ParameterError):
        LogMap.parse(["banana=1"])
    with pytest.raises(FileFormatError, match="index 9"):
        q = tmp_path / "idx.log"
        q.write_text("\n".join([lines[0], lines[1], lines[2].replace(", 3, 7, 0x50", ", 9, 7, 0x50")])
                     + "\n")
        read_bms_log(q)
