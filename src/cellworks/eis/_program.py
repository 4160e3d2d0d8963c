"""Flattening a circuit tree into the stack program run by :mod:`cellworks.eis._kernel`."""

from __future__ import annotations

from typing import Any

import numpy as np

OP_ELEM, OP_SERIES, OP_PARALLEL = 0, 1, 2
KIND_CODES = {"R": 0, "C": 1, "L": 2, "W": 3, "Wo": 4, "Ws": 5, "CPE": 6, "La": 7, "G": 8, "Gs": 9, "Zarc": 10,
              "K": 11, "TLMQ": 12, "T": 13}


def compile_program(root: Any) -> tuple[np.ndarray, int]:
    """Post-order stack program of a circuit tree and the stack depth it needs."""
    rows: list[tuple[int, int, int, int]] = []
    max_depth = 0

    def visit(node: Any, depth: int) -> None:
        nonlocal max_depth
        kind = type(node).__name__
        if kind == "ElementNode":
            rows.append((OP_ELEM, KIND_CODES[node.kind], node.offset, 0))
            max_depth = max(max_depth, depth + 1)
            return
        for i, child in enumerate(node.children):
            visit(child, depth + i)
        rows.append((OP_SERIES if kind == "SeriesNode" else OP_PARALLEL, 0, 0, len(node.children)))

    visit(root, 0)
    return np.asarray(rows, dtype=np.int64), max_depth
