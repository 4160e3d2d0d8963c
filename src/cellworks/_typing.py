"""Array type aliases shared by every part.

``Array`` stays loose (``Any``) on purpose: NumPy's own typing of ndarray shapes and dtypes would
force stubs through every signature without catching the errors that matter here (units and
shapes, which the tests check).
"""

from __future__ import annotations

from typing import Any, TypeAlias

Array: TypeAlias = Any
FloatArray: TypeAlias = Any
IntArray: TypeAlias = Any

__all__ = ["Array", "FloatArray", "IntArray"]
