"""Equivalent labellings of a circuit: sub-circuits that can trade places without changing Z.

In ``R0-p(R1,C1)-p(R2,C2)`` the two RC arcs are interchangeable: (R1, C1, R2, C2) and (R2, C2, R1, C1)
give the same impedance at every frequency, so a fit can end in either labelling at the same χ².
Children of a series or parallel group with the same shape (element kinds, nesting) form such a
class. :func:`match_labelling` picks, among the equivalent labellings of a parameter vector, the one
closest to a reference vector (the user's guess or their local fit), so the user's naming of the
arcs is kept whenever the data cannot tell the labellings apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from cellworks._typing import Array
from cellworks.eis.circuits import Circuit, ElementNode, Node, SeriesNode


def _shape(node: Node) -> tuple[str, list[int]]:
    """Canonical shape string of a sub-circuit and its parameter indices in canonical order.

    Children of series and parallel groups commute, so they are sorted by shape: two sub-circuits
    with equal shapes then list corresponding parameters at corresponding positions.
    """
    if isinstance(node, ElementNode):
        return node.kind, list(range(node.offset, node.offset + node.spec.n_params))
    parts = sorted((_shape(c) for c in node.children), key=lambda t: t[0])
    tag = "s" if isinstance(node, SeriesNode) else "p"
    return tag + "(" + ",".join(s for s, _ in parts) + ")", [i for _, idx in parts for i in idx]


def _groups(node: Node) -> list[list[list[int]]]:
    """Classes of interchangeable children, outermost first: each a list of aligned index lists."""
    if isinstance(node, ElementNode):
        return []
    out: list[list[list[int]]] = []
    by_shape: dict[str, list[list[int]]] = {}
    for child in node.children:
        s, idx = _shape(child)
        by_shape.setdefault(s, []).append(idx)
    out.extend(members for members in by_shape.values() if len(members) > 1)
    for child in node.children:
        out.extend(_groups(child))
    return out


def interchangeable_groups(circuit: Circuit) -> list[list[list[int]]]:
    """Every class of interchangeable sub-circuits of ``circuit`` (full-vector parameter indices)."""
    return _groups(circuit.root)


def _distance(a: Array, b: Array) -> float:
    # decades apart for positive values, relative difference otherwise
    if np.all(a > 0) and np.all(b > 0):
        return float(np.sum(np.abs(np.log(a) - np.log(b))))
    return float(np.sum(np.abs(a - b) / (np.abs(b) + 1e-300)))


def match_labelling(circuit: Circuit, params: Sequence[float] | Array, reference: Sequence[float] | Array,
                    fixed: Sequence[int] = (), lower: Sequence[float] | Array | None = None,
                    upper: Sequence[float] | Array | None = None) -> tuple[Array, bool]:
    """The labelling of ``params`` (full vector) closest to ``reference``; ``(vector, changed)``.

    A class is left alone when one of its parameters is ``fixed`` (a constant) or when its members'
    bounds differ (swapping would break a bound). Classes are treated outermost first, each by trying
    every permutation of up to six members (the best assignment otherwise).
    """
    p = np.array(params, dtype=float)
    ref = np.asarray(reference, dtype=float)
    fixed_set = set(fixed)
    changed = False
    for members in interchangeable_groups(circuit):
        flat = [i for m in members for i in m]
        if fixed_set.intersection(flat):
            continue
        if lower is not None and upper is not None:
            lo = [tuple(lower[i] for i in m) for m in members]
            hi = [tuple(upper[i] for i in m) for m in members]
            if len(set(lo)) > 1 or len(set(hi)) > 1:
                continue
        k = len(members)
        cost = np.array([[_distance(p[members[src]], ref[members[dst]]) for dst in range(k)] for src in range(k)])
        if k <= 6:
            best = min(itertools.permutations(range(k)), key=lambda perm: sum(cost[s, perm[s]] for s in range(k)))
        else:
            from scipy.optimize import linear_sum_assignment

            rows, cols = linear_sum_assignment(cost)
            best = tuple(int(c) for _, c in sorted(zip(rows, cols, strict=True)))
        identity = sum(cost[s, s] for s in range(k))
        if sum(cost[s, best[s]] for s in range(k)) < identity - 1e-12 * max(1.0, abs(identity)) and not math.isnan(
            identity
        ):
            new = p.copy()
            for src, dst in enumerate(best):
                new[members[dst]] = p[members[src]]
            p = new
            changed = True
    return p, changed
