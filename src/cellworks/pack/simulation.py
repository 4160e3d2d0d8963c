"""Run a pack protocol: sequencing of steps around the compiled kernel (:mod:`cellworks.pack.engine`).

``simulate(design, arrays, protocol, controller)`` advances a batch of packs (one pack or a Monte
Carlo batch) through a :mod:`cellworks.protocol` experiment at pack level. Protocol currents are
string currents; C-rates refer to the pack's nominal capacity (n_parallel × cell capacity);
voltages are per cell (highest group on charge, lowest on discharge) unless the design says
``voltage_basis = "pack"``. Every charge is protected per cell (no group above v_max), every
discharge ends when the weakest group reaches its cut-off. The bleed hardware is checked at set-up
(a destructive path or an overloaded resistor is refused, or its current clamped and reported) and
its limits act at every step (:class:`~cellworks.pack.result.Event` in the result).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.constants import GAS_CONSTANT_J_PER_MOL_K, ZERO_CELSIUS_K
from cellworks.errors import ParameterError
from cellworks.pack import bms as bms_mod
from cellworks.pack.engine import layout as L
from cellworks.pack.pack import PackArrays, PackDesign, check_arrays
from cellworks.pack.result import Event, PackResult, StepRecord
from cellworks.protocol import Control, Limit, Protocol, Step, StepKind, as_protocol

if TYPE_CHECKING:
    import numpy as np

PHASE_CODE = {"charge": 0, "discharge": 1, "rest": 2, "hold": 3}


@dataclass(frozen=True)
class SimOptions:
    """Time stepping and recording of :func:`simulate`."""

    dt_s: float = 10.0  # time step under current
    dt_min_s: float = 0.5  # smallest step near a cut-off
    rest_dt_max_s: float = 6 * 3600.0  # largest step in a rest without bleeding
    adaptive: bool = True
    record_every_s: float = 60.0
    max_records: int = 200_000
    dz_max: float = 2e-3  # largest SOC change per step in long rests
    record: bool = True
    seed: int = 0  # measurement-error draw
    #: a protocol step needing more time steps than this is refused (a hostile or mistyped duration)
    max_steps_per_step: int = 50_000_000
    #: the trace is cut to fit this many bytes (records_truncated says so)
    max_trace_bytes: float = 1e9

    def __post_init__(self) -> None:
        for name in ("dt_s", "dt_min_s", "rest_dt_max_s", "record_every_s", "dz_max"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise ParameterError(f"must be a positive number, got {v!r}", field=f"simulation.{name}")
        if self.max_records < 0:
            raise ParameterError("must be ≥ 0", field="simulation.max_records")
        if self.max_steps_per_step < 1 or not self.max_trace_bytes > 0:
            raise ParameterError("must be positive", field="simulation.max_steps_per_step")


def step_vector(step: Step, design: PackDesign, max_run_s: float = math.inf) -> tuple[np.ndarray, str]:
    """The kernel's description of one protocol step, and its phase name."""
    import numpy as np

    v = np.full(L.ST_SIZE, np.nan)
    cnom = design.nominal_capacity_Ah
    kind = step.kind
    phase = kind.value
    if step.control is Control.REST:
        mode, sign, value = L.MODE_REST, 0.0, 0.0
    elif step.control is Control.VOLTAGE:
        mode, sign, value = L.MODE_HOLD, -1.0, step.value
        phase = "hold"
    elif step.control in (Control.CURRENT, Control.C_RATE):
        mode, value = L.MODE_CURRENT, step.resolve_current_A(capacity_Ah=cnom)
        sign = -1.0 if kind is StepKind.CHARGE else 1.0
    elif step.control is Control.POWER:
        mode, value = L.MODE_POWER, step.value
        sign = -1.0 if kind is StepKind.CHARGE else 1.0
    elif step.control is Control.RESISTANCE:
        if kind is not StepKind.DISCHARGE:
            raise ParameterError("a resistance step must be a discharge (a load)", token=step.text)
        mode, sign, value = L.MODE_RESISTANCE, 1.0, step.value
    else:
        raise ParameterError(f"pack steps cannot use {step.control.value} (no active mass or area at pack level)",
                             token=step.text)
    v[L.ST_MODE] = mode
    v[L.ST_SIGN] = sign
    v[L.ST_VALUE] = value
    v[L.ST_DURATION] = step.duration_s if step.duration_s is not None else math.inf
    for t in step.terminations:
        if t.limit is Limit.VOLTAGE:
            v[L.ST_VTERM] = t.value
        elif t.limit is Limit.CURRENT:
            v[L.ST_ITERM] = t.value
        elif t.limit is Limit.C_RATE:
            v[L.ST_ITERM] = t.value * cnom
        elif t.limit is Limit.CAPACITY:
            v[L.ST_CAPTERM] = t.value
        else:
            raise ParameterError(f"pack steps cannot end on {t.limit.value}", token=step.text)
    if mode == L.MODE_HOLD and math.isnan(v[L.ST_ITERM]) and step.duration_s is None:
        raise ParameterError("a voltage hold needs 'until <current>' or 'for <duration>'", token=step.text)
    v[L.ST_BASIS_PACK] = 1.0 if design.voltage_basis == "pack" else 0.0
    v[L.ST_PHASE] = PHASE_CODE[phase]
    v[L.ST_MAXRUN] = max_run_s
    return v, phase


def bleed_limits(design: PackDesign) -> tuple[float, str]:
    """Set-up check of the bleed path at the cell's maximum voltage: raises for a destructive path
    or (``over_rating = "refuse"``) an overloaded resistor; returns the enforced current limit and
    a description when it was clamped."""
    return design.bleed.limits_in_pack(design.cell.v_max_V)


def _model(design: PackDesign, ibmax_A: float, clamped: bool) -> Any:
    import numpy as np

    from cellworks.pack.engine.state import Model

    c = design.cell
    cs = np.zeros(L.CS_SIZE)
    cs[L.CS_M0] = c.hysteresis_M0_V
    cs[L.CS_M] = c.hysteresis_M_V
    cs[L.CS_GAMMA] = c.hysteresis_gamma
    cs[L.CS_CTH] = c.heat_capacity_J_per_K
    cs[L.CS_RTH] = c.thermal_R_K_per_W if math.isfinite(c.thermal_R_K_per_W) else 1e301
    cs[L.CS_EAR] = c.activation_energy_J_per_mol / GAS_CONSTANT_J_PER_MOL_K
    cs[L.CS_TREF_K] = c.reference_C + ZERO_CELSIUS_K
    cs[L.CS_VMAX] = c.v_max_V
    cs[L.CS_VMIN] = c.v_min_V
    cs[L.CS_SIGN_A] = c.hysteresis_sign_threshold_C
    cs[L.CS_TOCV_K] = c.ocv.reference_C + ZERO_CELSIUS_K
    b = design.bleed
    hw = np.zeros(L.HW_SIZE)
    hw[L.HW_GB] = 1.0 / b.total_Ohm
    hw[L.HW_R] = b.resistor_Ohm
    hw[L.HW_RFET] = b.fet_on_Ohm
    hw[L.HW_IBMAX] = ibmax_A if math.isfinite(ibmax_A) else 1e300
    hw[L.HW_CLAMPED] = 1.0 if clamped else 0.0
    hw[L.HW_RATING_W] = b.resistor_rating_W
    hw[L.HW_VSTOP] = c.v_min_V if math.isnan(b.stop_below_V) else b.stop_below_V
    hw[L.HW_ONCHIP] = 1.0 if b.on_chip else 0.0
    hw[L.HW_SENSE_OHM] = b.sense_Ohm
    th = np.asarray(design.thermal.vector(math.isfinite(c.thermal_R_K_per_W)), float)
    return Model(cs, c.ocv.grid(), c.ocv.dudt_grid(), hw, th)


def _cells(design: PackDesign, arrays: PackArrays) -> Any:
    import numpy as np

    from cellworks.pack.engine.state import Cells

    rcR = np.ascontiguousarray(arrays.rc_R_Ohm, float)
    if len(design.cell.rc_R_Ohm) == 0:
        rcR = np.zeros_like(rcR)
    short_S = np.where(np.isfinite(arrays.short_Ohm), 1.0 / arrays.short_Ohm, 0.0)
    return Cells(
        q_As=np.ascontiguousarray(arrays.capacity_Ah * 3600.0),
        r0_Ohm=np.ascontiguousarray(arrays.r0_Ohm, float),
        rc_R_Ohm=rcR,
        rc_tau_s=np.ascontiguousarray(arrays.rc_tau_s, float),
        eta=np.ascontiguousarray(arrays.eta, float),
        leak_S=np.ascontiguousarray(1.0 / arrays.leak_Ohm),
        leak_A=np.ascontiguousarray(arrays.leak_A, float),
        short_S=np.ascontiguousarray(short_S, float),
        short_onset_s=np.ascontiguousarray(arrays.short_onset_s, float),
        ambient_C=np.ascontiguousarray(arrays.ambient_C, float),
    )


def simulate(
    design: PackDesign,
    arrays: PackArrays,
    protocol: Protocol | str,
    controller: bms_mod.Controller | None = None,
    options: SimOptions | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> PackResult:
    """Run ``protocol`` on every pack of ``arrays``. ``on_step(done, total)`` reports progress.

    >>> import cellworks
    >>> from cellworks.pack import PackDesign, Variation, draw
    >>> design = PackDesign(n_series=2, n_parallel=1)       # 2s1p of the default cell
    >>> cells = draw(design, 1, Variation(), soc0=0.9)      # one pack of identical cells
    >>> res = cellworks.pack.simulate(design, cells, "Discharge at 1 A until 3.0 V")
    >>> res.final_soc.shape                                 # (packs, series groups, cells in parallel)
    (1, 2, 1)
    >>> bool(res.final_soc.max() < 0.9)                     # the discharge took charge out of every cell
    True
    """
    import numpy as np

    from cellworks.pack.engine.kernel import run_step
    from cellworks.pack.engine.state import PackState, Records, StepInput, StepOutput

    opts = options or SimOptions()
    ctrl = controller or bms_mod.NoBalancing()
    proto = as_protocol(protocol)
    check_arrays(arrays)
    P, S, N = arrays.shape
    if (S, N) != (design.n_series, design.n_parallel):
        raise ParameterError(f"arrays are {S}s{N}p but the design is {design.n_series}s{design.n_parallel}p",
                             field="pack")
    ibmax, clamp_note = bleed_limits(design)
    cells = _cells(design, arrays)
    model = _model(design, ibmax, bool(clamp_note))
    nrc = cells.rc_R_Ohm.shape[3]
    st = PackState(
        z=np.ascontiguousarray(arrays.soc0, float).copy(), iR=np.zeros((P, S, N, nrc)), h=np.zeros((P, S, N)),
        sg=np.zeros((P, S, N)), T_C=cells.ambient_C.copy(), board_C=cells.ambient_C[:, 0, 0].copy(),
        bleed=np.zeros((P, S)), pending=np.zeros((P, S)), clock_s=np.zeros(P), aux=np.zeros((P, L.A_SIZE)))
    st.aux[:, L.A_TBAL] = np.nan
    st.aux[:, L.A_OFF_AT] = np.inf
    rng = np.random.default_rng(opts.seed)
    offsets = rng.uniform(-ctrl.accuracy_V, ctrl.accuracy_V, (P, S)) if ctrl.accuracy_V > 0 else np.zeros((P, S))
    bytes_per_record = 8 * P * (6 + 2 * S + 2 * S * N + 4)
    M = min(opts.max_records, int(opts.max_trace_bytes // bytes_per_record)) if opts.record else 0
    rec = Records(np.zeros((P, M)), np.zeros((P, M)), np.zeros((P, M)), np.zeros((P, M, S)),
                  np.zeros((P, M, S, N)), np.zeros((P, M, S)), np.zeros((P, M, S, N)), np.zeros((P, M, 4)),
                  np.zeros((P, M)), np.zeros((P, M)))
    res = StepOutput(np.zeros((P, L.O_SIZE)), np.zeros((P, S)), np.zeros((P, S)), np.zeros(P),
                     np.zeros((P, L.EV_SIZE), np.int64), np.full((P, L.EV_SIZE), np.nan))
    dtopt = np.array([opts.dt_s, opts.dt_min_s, opts.rest_dt_max_s, 1.0 if opts.adaptive else 0.0,
                      opts.record_every_s, opts.dz_max, float(opts.max_steps_per_step)])
    out = res.out
    n_cycles = len(proto.cycles)
    cyc_q = np.zeros((5, P, n_cycles))
    tot = np.zeros((6, P))  # bleed J res, J fet, Ah, pmax res, pmax pack, bleed seconds
    seen = np.array([np.full(P, np.inf), np.full(P, -np.inf), np.full(P, -np.inf), np.full(P, -np.inf)])
    steps: list[StepRecord] = []
    total_steps = len(proto)
    r0_group = 1.0 / np.sum(1.0 / arrays.r0_Ohm, axis=2)  # (P, S), for the policies' SOC estimate
    for ci, cycle in enumerate(proto.cycles):
        for step in cycle:
            stp, phase = step_vector(step, design)
            active = ctrl.active(phase, ci + 1)
            if not active:
                st.bleed[:] = 0.0
            out[:] = 0.0
            out[:, L.O_VMIN] = np.inf
            out[:, L.O_VMAX] = -np.inf
            out[:, L.O_TMAX] = -np.inf
            out[:, L.O_TBOARD_MAX] = -np.inf
            for a in (L.A_PREV_DT, L.A_PULSE_T, L.A_PULSE_REST, L.A_EXT_LEFT, L.A_NEXT, L.A_DONE, L.A_PENDING):
                st.aux[:, a] = 0.0
            st.aux[:, L.A_NEXT_MEAS] = st.clock_s  # measure at once
            st.aux[:, L.A_NEXT_REC] = st.clock_s  # every step's first instant is recorded
            st.aux[:, L.A_STEP_NO] = len(steps) + 1
            start = st.clock_s.copy()
            sin = StepInput(stp, bms_mod.policy_vector(ctrl, active), offsets, dtopt)
            while True:
                run_step(cells, model, st, sin, res, rec)
                due = np.flatnonzero((out[:, L.O_REASON] == L.R_DECIDE) & (st.aux[:, L.A_DONE] < 0.5))
                if len(due) == 0:
                    break
                for p in due:
                    st.pending[p] = _python_decision(ctrl, design, res, st, r0_group, int(p), phase)
                    st.aux[p, L.A_PENDING] = 1.0
            if np.any(out[:, L.O_REASON] == L.R_STEP_LIMIT):
                raise ParameterError(f"step {len(steps) + 1} ({step.text!r}) needs more than {opts.max_steps_per_step} "
                                     "time steps: shorten it or raise simulation.max_steps_per_step",
                                     field="protocol")
            reasons = [L.REASONS[int(r)] for r in out[:, L.O_REASON]]
            steps.append(StepRecord(ci + 1, len(steps) + 1, phase, step.text, start, out[:, L.O_ELAPSED].copy(),
                                    out[:, L.O_QCH].copy(), out[:, L.O_QDIS].copy(), out[:, L.O_ECH].copy(),
                                    out[:, L.O_EDIS].copy(), reasons))
            for j, o in enumerate((L.O_QCH, L.O_QDIS, L.O_ECH, L.O_EDIS)):
                cyc_q[j, :, ci] += out[:, o]
            cyc_q[4, :, ci] += out[:, L.O_EBLEED_R] / 3600.0
            tot[0] += out[:, L.O_EBLEED_R]
            tot[1] += out[:, L.O_EBLEED_FET]
            tot[2] += out[:, L.O_QBLEED]
            tot[3] = np.maximum(tot[3], out[:, L.O_PMAX_RES])
            tot[4] = np.maximum(tot[4], out[:, L.O_PMAX_PACK])
            tot[5] += out[:, L.O_BLEED_S]
            seen[0] = np.minimum(seen[0], out[:, L.O_VMIN])
            seen[1] = np.maximum(seen[1], out[:, L.O_VMAX])
            seen[2] = np.maximum(seen[2], out[:, L.O_TMAX])
            seen[3] = np.maximum(seen[3], out[:, L.O_TBOARD_MAX])
            if on_step is not None:
                on_step(len(steps), total_steps)
    nrec = st.aux[:, L.A_NREC].astype(int)
    return PackResult(
        design=design, steps=steps,
        cycle_charge_Ah=cyc_q[0], cycle_discharge_Ah=cyc_q[1], cycle_charge_Wh=cyc_q[2], cycle_discharge_Wh=cyc_q[3],
        cycle_bleed_Wh=cyc_q[4], bleed_energy_Wh=tot[0] / 3600.0, bleed_fet_energy_Wh=tot[1] / 3600.0,
        bleed_charge_Ah=tot[2], bleed_time_s=tot[5], max_resistor_power_W=tot[3], max_pack_bleed_power_W=tot[4],
        time_to_balance_s=st.aux[:, L.A_TBAL] - st.aux[:, L.A_T_UNBAL], cell_v_min_V=seen[0], cell_v_max_V=seen[1],
        max_temperature_C=seen[2],
        max_board_temperature_C=seen[3] if design.thermal.has_board and model.th[L.TH_ON] > 0 else np.full(P, np.nan),
        final_soc=st.z.copy(), final_temperature_C=st.T_C.copy(), final_time_s=st.clock_s.copy(),
        events=_events(res, clamp_note, P),
        time_s=rec.t_s, current_A=rec.current_A, voltage_V=rec.voltage_V, group_voltage_V=rec.group_V,
        soc=rec.soc, bleeding=rec.bleed, temperature_C=rec.T_C, board_temperature_C=rec.board_C,
        step_charge=rec.step_q, step_number=rec.step_no,
        n_records=nrec, records_truncated=(nrec >= M) if opts.record else np.zeros(P, bool),
    )


def _events(res: Any, clamp_note: str, P: int) -> list[Event]:
    events: list[Event] = []
    for p in range(P):
        if clamp_note:
            events.append(Event("bleed_current_clamped_at_setup", p, 0, 0.0, clamp_note))
        for e, name in enumerate(L.EVENT_NAMES):
            n = int(res.ev_count[p, e])
            if n > 0:
                events.append(Event(name, p, n, float(res.ev_first_s[p, e])))
    return events


def _python_decision(ctrl: bms_mod.Controller, design: PackDesign, res: Any, st: Any, r0_group: Any, p: int,
                     phase: str) -> np.ndarray:
    """Ask a Python policy for pack ``p``'s bleed states at the measurement the kernel stopped at."""
    import numpy as np

    v = res.vmeas_V[p].copy()
    i_dis = float(res.decide_current_A[p])
    obs = bms_mod.Observation(
        v_measured_V=v, bleeding=st.bleed[p] > 0.5, phase=phase, time_s=float(st.clock_s[p]), current_A=-i_dis,
        temperature_C=res.group_T_C[p].copy(),
        soc_estimate=np.asarray(design.cell.ocv.soc_at(v + i_dis * r0_group[p]), float),
        monitor_chip=ctrl.chips(design.n_series))
    new = np.asarray(ctrl.decide(obs))
    if new.shape != (design.n_series,):
        raise ParameterError(f"controller.decide returned shape {new.shape}, expected ({design.n_series},)",
                             field="controller")
    return new.astype(bool).astype(float)
