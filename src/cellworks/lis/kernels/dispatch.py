"""The model switch of the compiled driver: every kernel the driver calls, chosen by ``P[P_MODEL]``.

Both models share the state layout (log-masses of S₈, S₄²⁻, S₂²⁻, S²⁻, Li₂S; shuttled and lost
sulfur; lithium inventory; step charge, energy and shuttle electrons), so one driver, one
Rosenbrock step and one projection serve both; only the right-hand side, its Jacobian, the
terminal voltage and the shuttle differ. The branch costs nothing next to a right-hand side.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from cellworks import _numba_cache  # noqa: F401  (numba cache keyed on the whole folder's source)
from cellworks.constants import FARADAY_C_PER_MOL as F
from cellworks.lis.kernels import chain3, marinescu
from cellworks.lis.kernels.marinescu import P_FS, P_KS4CH, P_KSCH, P_KSDIS, P_MODEL, P_MS


@njit(cache=True, nogil=True, error_model="numpy")
def rhs(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray, dy: np.ndarray) -> float:
    """dy/dt of the model of ``P``; returns the model current (NaN if the control cannot be met)."""
    if P[P_MODEL] == chain3.MODEL_ID:
        return chain3.rhs(y, mode, value, guess, P, dy)
    return marinescu.rhs(y, mode, value, guess, P, dy)


@njit(cache=True, nogil=True, error_model="numpy")
def jacobian(y: np.ndarray, mode: int, value: float, current: float, P: np.ndarray, J: np.ndarray) -> None:
    """∂(dy/dt)/∂y of the model of ``P`` (dynamic columns only)."""
    if P[P_MODEL] == chain3.MODEL_ID:
        chain3.jacobian(y, mode, value, current, P, J)
    else:
        marinescu.jacobian(y, mode, value, current, P, J)


@njit(cache=True, nogil=True, error_model="numpy")
def outputs(y: np.ndarray, current: float, P: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """Terminal voltage, cathode potential, i_H, i_M (0 for Marinescu's model), i_L, anode overpotential."""
    if P[P_MODEL] == chain3.MODEL_ID:
        return chain3.outputs(y, current, P)
    v, vc, ih, il, eta = marinescu.outputs(y, current, P)
    return v, vc, ih, 0.0, il, eta


@njit(cache=True, nogil=True, error_model="numpy")
def control_current(y: np.ndarray, mode: int, value: float, guess: float, P: np.ndarray) -> float:
    """The current a control imposes at state y (NaN if it cannot be met)."""
    if P[P_MODEL] == chain3.MODEL_ID:
        return chain3.control_current(y, mode, value, guess, P)
    return marinescu.control_current(y, mode, value, guess, P)


@njit(cache=True, nogil=True, error_model="numpy")
def shuttle_on(current: float, P: np.ndarray) -> bool:
    """True when a shuttle runs in a step at this current."""
    if P[P_MODEL] == chain3.MODEL_ID:
        return chain3.shuttle_on(current, P)
    return (P[P_KSCH] if current < 0.0 else P[P_KSDIS]) > 0.0 or (current < 0.0 and P[P_KS4CH] > 0.0)


@njit(cache=True, nogil=True, error_model="numpy")
def shuttle_fraction(y: np.ndarray, current: float, P: np.ndarray) -> float:
    """Share of a charge current consumed by the shuttle (electrons)."""
    if P[P_MODEL] == chain3.MODEL_ID:
        return chain3.shuttle_fraction(y, current, P)
    if current >= 0.0:
        return 0.0
    ms = P[P_MS]
    phi = min(max(P[P_FS] * y[5] / ms, 0.0), 1.0)
    e_sh = P[P_KSCH] * math.exp(y[0]) * ((1.0 - phi) * 0.5 + 2.0 * phi) / ms
    # the polysulfide (S₄²⁻) shuttle on charge, 1 e⁻ per S atom (marinescu.rhs)
    e_sh += P[P_KS4CH] * math.exp(y[1]) / ms
    return e_sh * F / abs(current)


__all__ = ["control_current", "jacobian", "outputs", "rhs", "shuttle_fraction", "shuttle_on"]
