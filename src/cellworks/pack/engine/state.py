"""The kernel's inputs and outputs as named tuples of arrays (numba passes them as one argument each).

Shapes: ``P`` packs × ``S`` series groups × ``N`` parallel cells, ``R`` RC pairs, ``M`` records.
Current inside the kernel is > 0 on **discharge** (Plett's convention). The tuples are plain
``typing.NamedTuple`` records, so they compile into the kernel's signature and stay readable::

    run_step(cells, model, state, step, out, rec)
"""

from __future__ import annotations

from typing import Any, NamedTuple

Array = Any  # numpy arrays (kept loose: numba reads the dtypes)


class Cells(NamedTuple):
    """Per-cell parameters that do not change during a run."""

    q_As: Array  # (P,S,N) capacity [A s]
    r0_Ohm: Array  # (P,S,N) ohmic resistance at the reference temperature
    rc_R_Ohm: Array  # (P,S,N,R)
    rc_tau_s: Array  # (P,S,N,R)
    eta: Array  # (P,S,N) coulombic efficiency on charge
    leak_S: Array  # (P,S,N) leakage conductance [S] (self-discharge, always present)
    leak_A: Array  # (P,S,N) constant leakage current
    short_S: Array  # (P,S,N) soft-short conductance that appears at short_onset_s
    short_onset_s: Array  # (P,S,N) time the soft short appears (inf: never)
    ambient_C: Array  # (P,S,N)


class Model(NamedTuple):
    """Scalars and tables shared by every cell (indices in :mod:`cellworks.pack.engine.layout`)."""

    cs: Array  # (CS_SIZE,) cell scalars
    ocv_V: Array  # OCV on a uniform SOC grid 0…1 at the OCV reference temperature
    dudt_V_per_K: Array  # entropic coefficient on the same grid (zeros: none)
    hw: Array  # (HW_SIZE,) bleed hardware
    th: Array  # (TH_SIZE,) thermal network


class PackState(NamedTuple):
    """What evolves: cell states, bleed switches, clocks and the controller's bookkeeping."""

    z: Array  # (P,S,N) state of charge
    iR: Array  # (P,S,N,R) RC branch currents
    h: Array  # (P,S,N) dynamic hysteresis state
    sg: Array  # (P,S,N) sign of the last significant current (instantaneous hysteresis)
    T_C: Array  # (P,S,N) cell temperatures
    board_C: Array  # (P,) BMS board temperature
    bleed: Array  # (P,S) 1.0 = bleed switch on
    pending: Array  # (P,S) a Python policy's decision, applied when the kernel resumes
    clock_s: Array  # (P,)
    aux: Array  # (P,A_SIZE)


class StepInput(NamedTuple):
    """One protocol step, the policy, the fixed measurement errors and the time-step options."""

    stp: Array  # (ST_SIZE,)
    pol: Array  # (POL_SIZE,)
    offsets_V: Array  # (P,S) fixed measurement error of each group
    opt: Array  # (OPT_SIZE,)


class StepOutput(NamedTuple):
    """Per-pack statistics of the step, the last measurement, and the hardware-limit events."""

    out: Array  # (P,O_SIZE)
    vmeas_V: Array  # (P,S) measured group voltages at the last decision
    group_T_C: Array  # (P,S) hottest cell of each group at the last decision
    decide_current_A: Array  # (P,) string current (> 0 discharge) at the last decision
    ev_count: Array  # (P,EV_SIZE)
    ev_first_s: Array  # (P,EV_SIZE) time of the first occurrence (NaN: never)


class Records(NamedTuple):
    """Decimated trace; every step's first and last instant are always kept (M = 0: no trace)."""

    t_s: Array  # (P,M)
    current_A: Array  # (P,M) > 0 on charge (cycling-table convention)
    voltage_V: Array  # (P,M) pack voltage
    group_V: Array  # (P,M,S)
    soc: Array  # (P,M,S,N)
    bleed: Array  # (P,M,S)
    T_C: Array  # (P,M,S,N)
    step_q: Array  # (P,M,4) charge Ah, discharge Ah, charge Wh, discharge Wh since the step began
    step_no: Array  # (P,M) protocol step number (1-based)
    board_C: Array  # (P,M) BMS board temperature
