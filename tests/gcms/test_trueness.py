"""Trueness by sample-size variation: t- and F-tests at 95 % against textbook critical values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cellworks.errors import InputError
from cellworks.gcms.trueness import compare_runs, holm_adjust

T_CRIT_4 = 2.776  # Student t, two-sided 95 %, 4 degrees of freedom (statistical tables)
F_CRIT_2_2 = 39.0  # F, two-sided 95 % (upper 2.5 %), 2 and 2 degrees of freedom


def _pooled_t(a: np.ndarray, b: np.ndarray) -> float:
    sp = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2))
    return float((a.mean() - b.mean()) / (sp * math.sqrt(1 / a.size + 1 / b.size)))


def test_t_statistic_and_decision_at_the_critical_value() -> None:
    base = np.array([-1.0, 0.0, 1.0])
    for shift, significant in ((2.70, False), (2.85, True)):
        # pooled sd = 1, so t = shift / sqrt(2/3)
        a, b = 10 + base, 10 + base + shift * math.sqrt(2 / 3)
        r = compare_runs(a, b)
        assert r.test == "Student (pooled)"
        assert r.t_stat == pytest.approx(_pooled_t(a, b))
        assert abs(r.t_stat) == pytest.approx(shift)
        assert r.t_significant is significant
        assert (abs(r.t_stat) > T_CRIT_4) is significant


def test_f_test_at_the_critical_value() -> None:
    a = np.array([-1.0, 0.0, 1.0])
    for ratio, significant in ((38.0, False), (40.0, True)):
        b = a * math.sqrt(ratio)
        r = compare_runs(a, b)
        assert r.f_stat == pytest.approx(ratio)
        assert r.f_significant is significant
        assert (r.f_stat > F_CRIT_2_2) is significant


def test_needs_two_results_each() -> None:
    with pytest.raises(InputError):
        compare_runs([1.0], [1.0, 2.0])


def test_holm_adjustment_hand_worked() -> None:
    # Holm (1979): sorted p = 0.01, 0.02, 0.04, 0.30 with m = 4 -> 4*0.01 = 0.04, 3*0.02 = 0.06,
    # 2*0.04 = 0.08, 1*0.30 = 0.30 (already non-decreasing); returned in the given order
    got = holm_adjust([0.04, 0.30, 0.01, 0.02])
    assert got == pytest.approx([0.08, 0.30, 0.04, 0.06])
    # monotone step-down: sorted 0.001, 0.03, 0.04 -> 3*0.001 = 0.003, 2*0.03 = 0.06, then
    # max(0.06, 1*0.04) = 0.06; capped at 1
    assert holm_adjust([0.001, 0.04, 0.03]) == pytest.approx([0.003, 0.06, 0.06])
    assert holm_adjust([0.6, 0.7]) == pytest.approx([1.0, 1.0])
    with pytest.raises(InputError):
        holm_adjust([0.5, 1.5])
