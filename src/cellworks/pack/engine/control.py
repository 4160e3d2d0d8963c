"""Balancing decisions and hardware limits of the compiled kernel (also used to replay BMS logs).

A decision looks at the measured group voltages: when their spread exceeds the threshold, the
policy's selection rule names the groups to bleed (the highest, every group above min +
threshold, or one at a time in turn); with monitor chips of ``G`` groups the highest rule acts per
chip and at most ``max_per_chip`` groups of a chip bleed. The hardware then has the last word:
on-chip FETs bleed one group per chip (here), and no group bleeds below its stop voltage (the
kernel checks that at every step).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from cellworks import _numba_cache  # noqa: F401
from cellworks.pack.engine.layout import (
    HW_ONCHIP,
    POL_GROUP_SIZE,
    POL_MAX_PER_GROUP,
    POL_SELECT,
    POL_THRESHOLD,
    SELECT_ABOVE_MIN,
    SELECT_HIGHEST,
)


@nb.njit(cache=True)
def chip_size(pol: np.ndarray, S: int) -> int:
    """Series groups per monitor chip (the whole pack when not given)."""
    g = int(pol[POL_GROUP_SIZE])
    return S if g <= 0 or g > S else g


@nb.njit(cache=True, error_model="numpy")
def keep_highest_per_chip(on: np.ndarray, v: np.ndarray, size: int, limit: int) -> int:
    """Switch off all but the ``limit`` highest-voltage bleeds of every chip of ``size`` groups;
    returns how many requests were dropped."""
    S = on.shape[0]
    dropped = 0
    for c0 in range(0, S, size):
        c1 = min(c0 + size, S)
        while True:
            n = 0
            lowest = -1
            for s in range(c0, c1):
                if on[s] > 0.5:
                    n += 1
                    if lowest < 0 or v[s] < v[lowest]:
                        lowest = s
            if n <= limit:
                break
            on[lowest] = 0.0
            dropped += 1
    return dropped


@nb.njit(cache=True, inline="always", error_model="numpy")
def select_bleeds(pol: np.ndarray, v: np.ndarray, rr: int, new: np.ndarray) -> int:
    """The compiled threshold rule on measured voltages ``v``; fills ``new`` (1.0 = bleed) and
    returns the round-robin position (one-at-a-time rule)."""
    S = v.shape[0]
    thr = pol[POL_THRESHOLD]
    vlo = v[0]
    vhi = v[0]
    for s in range(S):
        vlo = min(vlo, v[s])
        vhi = max(vhi, v[s])
        new[s] = 0.0
    if vhi - vlo <= thr:
        return rr
    select = int(pol[POL_SELECT])
    size = chip_size(pol, S)
    if select == SELECT_ABOVE_MIN:
        for s in range(S):
            new[s] = 1.0 if v[s] - vlo > thr else 0.0
    elif select == SELECT_HIGHEST:
        # the highest group of every monitor chip (of the pack when there is one chip)
        for c0 in range(0, S, size):
            pick = -1
            for s in range(c0, min(c0 + size, S)):
                if v[s] - vlo > thr and (pick < 0 or v[s] > v[pick]):
                    pick = s
            if pick >= 0:
                new[pick] = 1.0
    else:  # one at a time, in turn among the groups above the threshold
        pick = -1
        for j in range(S):
            s = (rr + 1 + j) % S
            if v[s] - vlo > thr:
                pick = s
                break
        if pick < 0:
            pick = rr
        new[pick] = 1.0
        rr = pick
    limit = int(pol[POL_MAX_PER_GROUP])
    if limit > 0:
        keep_highest_per_chip(new, v, size, limit)
    return rr


@nb.njit(cache=True, inline="always", error_model="numpy")
def enforce_hardware(hw: np.ndarray, pol: np.ndarray, new: np.ndarray, v: np.ndarray) -> int:
    """Apply the on-chip limit no policy may override: one bleed per monitor chip (the lowest of
    the requested groups are dropped); returns how many requests were dropped. (The stop voltage
    is enforced by the kernel at every step, decision or not.)"""
    if hw[HW_ONCHIP] > 0.5:
        return keep_highest_per_chip(new, v, chip_size(pol, new.shape[0]), 1)
    return 0
