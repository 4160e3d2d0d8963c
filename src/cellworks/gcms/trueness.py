"""Trueness by sample-size variation (document 002, ref. 23): results at inlet pressures p and 2p.

A systematic error proportional to the amount (a wrong sensitivity) does not change the result
when the sample is doubled; a constant error (a fixed amount added or lost, independent of the
sample size) does: C(p) − C(2p) = a/p − a/(2p). The two series of results are compared by an
F-test of their variances and a t-test of their means (pooled variance when the F-test accepts
equal variances, Welch otherwise), two-sided at 95 %.

All compounds of one injection share its dosed amount, so their results at p and 2p move together:
one unlucky set of injections pushes every compound's t-test over the line at once. The verdict on
a sample is therefore family-wise: the t-tests of its compounds are corrected by Holm's step-down
procedure (S. Holm, Scand. J. Statist. 6 (1979) 65), which holds the probability of any false alarm
among them at ``alpha`` whatever their correlation. The single-compound p-values are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cellworks.errors import InputError


@dataclass(frozen=True)
class TruenessResult:
    n_p: int
    n_2p: int
    mean_p: float
    mean_2p: float
    sd_p: float
    sd_2p: float
    f_stat: float
    f_p_value: float
    f_significant: bool
    t_stat: float
    t_dof: float
    t_p_value: float
    t_significant: bool
    test: str  # "Student (pooled)" or "Welch"
    alpha: float
    source: str = "Doerffel, Statistik in der analytischen Chemie; sample-size variation (document 002, ref. 23)"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order as given): sorted ascending, the k-th smallest
    (k = 0, 1, …) is multiplied by m − k, then made non-decreasing and capped at 1."""
    m = len(p_values)
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise InputError(f"p-value {p!r} is not in [0, 1]")
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [0.0] * m
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p_values[i]))
        out[i] = running
    return out


def compare_runs(values_p: Sequence[float], values_2p: Sequence[float], alpha: float = 0.05) -> TruenessResult:
    """F-test and t-test (two-sided, level ``alpha``) of results at p against results at 2p."""
    import numpy as np
    from scipy import stats

    a = np.asarray(values_p, dtype=float)
    b = np.asarray(values_2p, dtype=float)
    if a.size < 2 or b.size < 2:
        raise InputError("the trueness check needs at least two results at each inlet pressure")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise InputError("trueness results contain NaN or inf")
    if not 0 < alpha < 1:
        raise InputError("alpha must be in (0, 1)")
    va, vb = float(a.var(ddof=1)), float(b.var(ddof=1))
    # F = larger variance / smaller, two-sided p-value
    if va >= vb:
        f, d1, d2 = (va / vb if vb > 0 else math.inf), a.size - 1, b.size - 1
    else:
        f, d1, d2 = (vb / va if va > 0 else math.inf), b.size - 1, a.size - 1
    f_p = float(min(1.0, 2.0 * stats.f.sf(f, d1, d2))) if math.isfinite(f) else 0.0
    f_sig = f_p < alpha
    res = stats.ttest_ind(a, b, equal_var=not f_sig)
    if f_sig:
        dof = (va / a.size + vb / b.size) ** 2 / (
            (va / a.size) ** 2 / (a.size - 1) + (vb / b.size) ** 2 / (b.size - 1))
        test = "Welch"
    else:
        dof = float(a.size + b.size - 2)
        test = "Student (pooled)"
    t_p = float(res.pvalue)
    return TruenessResult(int(a.size), int(b.size), float(a.mean()), float(b.mean()), math.sqrt(va), math.sqrt(vb),
                          float(f), f_p, bool(f_sig), float(res.statistic), float(dof), t_p, bool(t_p < alpha),
                          test, alpha)
