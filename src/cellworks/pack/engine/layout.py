"""Index layout of the small parameter vectors the compiled pack kernel reads (pure Python, no numba).

The kernel takes its inputs as named tuples of arrays (:mod:`cellworks.pack.engine.state`); the
scalars of a step, a policy, the hardware and the thermal network travel as short float vectors
indexed by the names below, so one compiled signature serves every configuration.
"""

from __future__ import annotations

# --- protocol step (built by cellworks.pack.simulation.step_vector)
ST_MODE, ST_SIGN, ST_VALUE, ST_DURATION, ST_VTERM, ST_ITERM, ST_CAPTERM, ST_BASIS_PACK, ST_PHASE, ST_MAXRUN = range(10)
ST_SIZE = 10
MODE_REST, MODE_CURRENT, MODE_POWER, MODE_RESISTANCE, MODE_HOLD = 0, 1, 2, 3, 4

# --- cell scalars shared by every cell of the pack
(CS_M0, CS_M, CS_GAMMA, CS_CTH, CS_RTH, CS_EAR, CS_TREF_K, CS_VMAX, CS_VMIN, CS_SIGN_A, CS_TOCV_K) = range(11)
CS_SIZE = 11

# --- bleed hardware
(HW_GB, HW_R, HW_RFET, HW_IBMAX, HW_CLAMPED, HW_RATING_W, HW_VSTOP, HW_ONCHIP, HW_SENSE_OHM) = range(9)
HW_SIZE = 9

# --- thermal network (cell-to-ambient R and C are in the cell scalars)
TH_ON, TH_GCC, TH_BOARD_ON, TH_CB, TH_GBA, TH_GBC, TH_FCELL = range(7)
TH_SIZE = 7

# --- simulation options
OPT_DT, OPT_DT_MIN, OPT_DT_REST_MAX, OPT_ADAPTIVE, OPT_REC_EVERY, OPT_DZ_MAX, OPT_MAX_STEPS = range(7)
OPT_SIZE = 7

# --- BMS policy vector (built by cellworks.pack.bms.policy_vector)
(POL_ENABLED, POL_SELECT, POL_THRESHOLD, POL_PERIOD, POL_REST_ONLY, POL_PULSE_ON, POL_PULSE_REST,
 POL_PULSE_SHORTEN_V, POL_PULSE_SHORT_ON, POL_EXTEND, POL_EXTEND_S, POL_MAX_EXT, POL_TLIMIT_C, POL_TFACTOR,
 POL_COMPILED, POL_GROUP_SIZE, POL_MAX_PER_GROUP, POL_HOLD_S, POL_GAP_S, POL_MEAS_BLEEDING) = range(20)
POL_SIZE = 20
SELECT_HIGHEST, SELECT_ABOVE_MIN, SELECT_ONE_AT_A_TIME = 0, 1, 2

# --- per-pack statistics of one step (reset by the caller before each step)
(O_ELAPSED, O_QCH, O_QDIS, O_ECH, O_EDIS, O_EBLEED_R, O_EBLEED_FET, O_PMAX_RES, O_PMAX_PACK, O_VMIN, O_VMAX,
 O_REASON, O_NSTEPS, O_TMAX, O_QBLEED, O_TBOARD_MAX, O_BLEED_S) = range(17)
O_SIZE = 17

# --- per-pack controller and bookkeeping state (persists across steps)
(A_PULSE_T, A_PULSE_REST, A_EXT_LEFT, A_NEXT, A_RR, A_NEXT_MEAS, A_TBAL, A_UNBAL, A_PREV_V, A_PREV_DT, A_NEXT_REC,
 A_NREC, A_OFF_AT, A_PENDING, A_DONE, A_T_UNBAL, A_LAST_I, A_STEP_NO) = range(18)
A_SIZE = 18

# --- events (counts and first time per pack)
EV_CLAMP, EV_ONCHIP, EV_UNDERVOLTAGE, EV_OVER_RATING, EV_DERATE = range(5)
EV_SIZE = 5
EVENT_NAMES = ("bleed_current_clamped_to_rating", "on_chip_one_at_a_time", "bleed_stopped_under_voltage",
               "resistor_above_rating", "charge_current_derated_hot")

# --- why a step ended
(R_PAUSED, R_DURATION, R_VOLTAGE, R_CURRENT, R_CAPACITY, R_CUTOFF, R_OVERVOLTAGE, R_UNREACHABLE, R_DECIDE,
 R_STEP_LIMIT) = range(10)
REASONS = ("paused", "duration", "voltage", "current", "capacity", "cell cut-off", "cell over-voltage",
           "power unreachable", "decision due", "time-step limit")
