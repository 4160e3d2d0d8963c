"""Run a pack protocol: sequencing of steps around the compiled kernel (:mod:`cellworks.pack.engine`).

``simulate(design, arrays, protocol, controller)`` advances a batch of packs (one pack or a Monte
Carlo batch) through a :mod:`cellworks.protocol` experiment at pack level. Protocol currents are
string currents; C-rates refer to the pack's nominal capacity (n_parallel × cell capacity);
voltages are per cell (highest group on charge, lowest on discharge) unless the design says
``voltage_basis = "pack"``. Every charge is protected per cell (no group above v_max), every
discharge ends when the weakest group reaches its cut-off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.constants import GAS_CONSTANT_J_PER_MOL_K, ZERO_CELSIUS_K
from cellworks.errors import ParameterError
from cellworks.pack import bms as bms_mod
from cellworks.pack.pack import PackArrays, PackDesign, check_arrays
from cellworks.protocol import Control, Limit, Protocol, Step, StepKind, as_protocol

if TYPE_CHECKING:
    import numpy as np

    from cellworks.timeseries import CyclingData

PHASE_CODE = {"charge": 0, "discharge": 1, "rest": 2, "hold": 3}


@dataclass(frozen=True)
class SimOptions:
    dt_s: float = 10.0  # time step under current
    dt_min_s: float = 0.5  # smallest step near a cut-off
    rest_dt_max_s: float = 6 * 3600.0  # largest step in a rest without bleeding
    adaptive: bool = True
    record_every_s: float = 60.0
    max_records: int = 200_000
    dz_max: float = 2e-3  # largest SOC change per step in long rests
    record: bool = True
    seed: int = 0  # measurement-error draw

    def __post_init__(self) -> None:
        if self.dt_s <= 0 or self.dt_min_s <= 0 or self.rest_dt_max_s <= 0 or self.record_every_s <= 0:
            raise ParameterError("time steps must be positive", field="simulation.dt_s")


@dataclass
class StepRecord:
    cycle: int
    index: int
    kind: str
    text: str
    start_s: np.ndarray
    duration_s: np.ndarray
    charge_Ah: np.ndarray
    discharge_Ah: np.ndarray
    charge_Wh: np.ndarray
    discharge_Wh: np.ndarray
    reason: list[str]


@dataclass
class PackResult:
    """Outputs of a batch of packs (arrays have the pack index first)."""

    design: PackDesign
    steps: list[StepRecord]
    cycle_charge_Ah: np.ndarray  # (P, cycles)
    cycle_discharge_Ah: np.ndarray
    cycle_charge_Wh: np.ndarray
    cycle_discharge_Wh: np.ndarray
    cycle_bleed_Wh: np.ndarray  # energy burnt in the bleed resistors per cycle (P, cycles)
    bleed_energy_Wh: np.ndarray  # in the resistors (P,)
    bleed_fet_energy_Wh: np.ndarray
    bleed_charge_Ah: np.ndarray
    max_resistor_power_W: np.ndarray
    max_pack_bleed_power_W: np.ndarray
    time_to_balance_s: np.ndarray  # NaN: balancing never needed or never reached
    cell_v_min_V: np.ndarray  # lowest group voltage seen (P,)
    cell_v_max_V: np.ndarray
    max_temperature_C: np.ndarray
    final_soc: np.ndarray  # (P, S, N)
    final_time_s: np.ndarray
    # decimated traces (P, M, ...); M may differ per pack: n_records
    time_s: np.ndarray
    current_A: np.ndarray  # > 0 on charge (cycling-table convention)
    voltage_V: np.ndarray
    group_voltage_V: np.ndarray
    soc: np.ndarray
    bleeding: np.ndarray
    n_records: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    def usable_capacity_Ah(self, cycle: int = -1) -> np.ndarray:
        return self.cycle_discharge_Ah[:, cycle]

    def soc_spread(self) -> np.ndarray:
        """max − min SOC per pack at the end."""
        return _ptp(self.final_soc)

    def summary(self, pack: int = 0) -> dict[str, Any]:
        return {
            "cycles": int(self.cycle_discharge_Ah.shape[1]),
            "discharge_capacity_Ah_per_cycle": self.cycle_discharge_Ah[pack].round(6).tolist(),
            "discharge_energy_Wh_per_cycle": self.cycle_discharge_Wh[pack].round(6).tolist(),
            "charge_capacity_Ah_per_cycle": self.cycle_charge_Ah[pack].round(6).tolist(),
            "bleed_energy_Wh": float(self.bleed_energy_Wh[pack]),
            "bleed_fet_energy_Wh": float(self.bleed_fet_energy_Wh[pack]),
            "bleed_charge_Ah": float(self.bleed_charge_Ah[pack]),
            "max_resistor_power_W": float(self.max_resistor_power_W[pack]),
            "max_pack_bleed_power_W": float(self.max_pack_bleed_power_W[pack]),
            "time_to_balance_h": _nan_none(self.time_to_balance_s[pack] / 3600.0),
            "cell_voltage_min_V": float(self.cell_v_min_V[pack]),
            "cell_voltage_max_V": float(self.cell_v_max_V[pack]),
            "max_temperature_C": float(self.max_temperature_C[pack]),
            "final_soc": self.final_soc[pack].round(5).tolist(),
            "duration_h": float(self.final_time_s[pack] / 3600.0),
        }

    def to_cycling_data(self, pack: int = 0) -> CyclingData:
        """The pack's decimated trace as a cellworks.timeseries table (current > 0 on charge), with
        per-group voltages, SOC and bleed states as extra columns."""
        import numpy as np

        from cellworks.timeseries import Metadata, from_arrays

        n = int(self.n_records[pack])
        t = self.time_s[pack, :n]
        starts = np.array([s.start_s[pack] for s in self.steps])
        idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(self.steps) - 1)
        kinds = np.array([_step_type(s.kind) for s in self.steps])
        cyc = np.array([s.cycle for s in self.steps])
        extra: dict[str, Any] = {}
        S = self.group_voltage_V.shape[2]
        N = self.soc.shape[3]
        for s in range(S):
            extra[f"group{s + 1}_voltage_V"] = self.group_voltage_V[pack, :n, s]
            extra[f"group{s + 1}_bleed_on"] = self.bleeding[pack, :n, s].astype(float)
            for k in range(N):
                extra[f"cell{s + 1}_{k + 1}_soc_fraction"] = self.soc[pack, :n, s, k]
        d = self.design
        return from_arrays(
            test_time_s=t,
            current_A=self.current_A[pack, :n],
            voltage_V=self.voltage_V[pack, :n],
            step_index=idx + 1,
            cycle_index=cyc[idx],
            step_type=kinds[idx],
            meta=Metadata(
                instrument="cellworks.pack simulator",
                cell_name=f"{d.n_series}s{d.n_parallel}p pack",
                nominal_capacity_Ah=d.nominal_capacity_Ah,
            ),
            extra_columns=extra,
        )


def _ptp(a: np.ndarray) -> np.ndarray:
    import numpy as np

    flat = a.reshape(a.shape[0], -1)
    return np.asarray(flat.max(axis=1) - flat.min(axis=1))


def _nan_none(x: float) -> float | None:
    return None if not math.isfinite(float(x)) else float(x)


def _step_type(kind: str) -> str:
    return {"charge": "charge", "discharge": "discharge", "rest": "rest", "hold": "charge"}[kind]


def step_vector(step: Step, design: PackDesign, max_run_s: float = math.inf) -> tuple[np.ndarray, str]:
    """The kernel's description of one protocol step, and its phase name."""
    import numpy as np

    from cellworks.pack import engine as en

    v = np.full(en.ST_SIZE, np.nan)
    cnom = design.nominal_capacity_Ah
    kind = step.kind
    phase = kind.value
    if step.control is Control.REST:
        mode, sign, value = en.MODE_REST, 0.0, 0.0
    elif step.control is Control.VOLTAGE:
        mode, sign, value = en.MODE_HOLD, -1.0, step.value
        phase = "hold"
    elif step.control in (Control.CURRENT, Control.C_RATE):
        mode, value = en.MODE_CURRENT, step.resolve_current_A(capacity_Ah=cnom)
        sign = -1.0 if kind is StepKind.CHARGE else 1.0
    elif step.control is Control.POWER:
        mode, value = en.MODE_POWER, step.value
        sign = -1.0 if kind is StepKind.CHARGE else 1.0
    elif step.control is Control.RESISTANCE:
        if kind is not StepKind.DISCHARGE:
            raise ParameterError("a resistance step must be a discharge (a load)", token=step.text)
        mode, sign, value = en.MODE_RESISTANCE, 1.0, step.value
    else:
        raise ParameterError(f"pack steps cannot use {step.control.value} (no active mass or area at pack level)",
                             token=step.text)
    v[en.ST_MODE] = mode
    v[en.ST_SIGN] = sign
    v[en.ST_VALUE] = value
    v[en.ST_DURATION] = step.duration_s if step.duration_s is not None else math.inf
    for t in step.terminations:
        if t.limit is Limit.VOLTAGE:
            v[en.ST_VTERM] = t.value
        elif t.limit is Limit.CURRENT:
            v[en.ST_ITERM] = t.value
        elif t.limit is Limit.C_RATE:
            v[en.ST_ITERM] = t.value * cnom
        elif t.limit is Limit.CAPACITY:
            v[en.ST_CAPTERM] = t.value
        else:
            raise ParameterError(f"pack steps cannot end on {t.limit.value}", token=step.text)
    if mode == en.MODE_HOLD and math.isnan(v[en.ST_ITERM]) and step.duration_s is None:
        raise ParameterError("a voltage hold needs 'until <current>' or 'for <duration>'", token=step.text)
    v[en.ST_BASIS_PACK] = 1.0 if design.voltage_basis == "pack" else 0.0
    v[en.ST_PHASE] = PHASE_CODE[phase]
    v[en.ST_MAXRUN] = max_run_s
    return v, phase


def _kernel_args(design: PackDesign, arrays: PackArrays) -> dict[str, Any]:
    import numpy as np

    from cellworks.pack import engine as en

    c = design.cell
    cs = np.zeros(en.CS_SIZE)
    cs[en.CS_M0] = c.hysteresis_M0_V
    cs[en.CS_M] = c.hysteresis_M_V
    cs[en.CS_GAMMA] = c.hysteresis_gamma
    cs[en.CS_CTH] = c.heat_capacity_J_per_K
    cs[en.CS_RTH] = c.thermal_R_K_per_W if math.isfinite(c.thermal_R_K_per_W) else 1e301
    cs[en.CS_EAR] = c.activation_energy_J_per_mol / GAS_CONSTANT_J_PER_MOL_K
    cs[en.CS_TREF_K] = c.reference_C + ZERO_CELSIUS_K
    cs[en.CS_VMAX] = c.v_max_V
    cs[en.CS_VMIN] = c.v_min_V
    b = design.bleed
    hw = np.array([1.0 / b.total_Ohm, b.resistor_Ohm, b.fet_on_Ohm,
                   b.max_current_A if math.isfinite(b.max_current_A) else 1e300])
    rcR = np.ascontiguousarray(arrays.rc_R_Ohm)
    if len(c.rc_R_Ohm) == 0:
        rcR = np.zeros_like(rcR)
    return {
        "q_As": np.ascontiguousarray(arrays.capacity_Ah * 3600.0),
        "r0": np.ascontiguousarray(arrays.r0_Ohm, float),
        "rR": rcR,
        "tau": np.ascontiguousarray(arrays.rc_tau_s, float),
        "eta": np.ascontiguousarray(arrays.eta, float),
        "gl": np.ascontiguousarray(1.0 / arrays.leak_Ohm),
        "il": np.ascontiguousarray(arrays.leak_A, float),
        "tamb": np.ascontiguousarray(arrays.ambient_C, float),
        "cs": cs,
        "grid": c.ocv.grid(),
        "hw": hw,
    }


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

    from cellworks.pack import engine as en

    opts = options or SimOptions()
    ctrl = controller or bms_mod.NoBalancing()
    proto = as_protocol(protocol)
    check_arrays(arrays)
    P, S, N = arrays.shape
    if (S, N) != (design.n_series, design.n_parallel):
        raise ParameterError(f"arrays are {S}s{N}p but the design is {design.n_series}s{design.n_parallel}p",
                             field="pack")
    ka = _kernel_args(design, arrays)
    nrc = ka["rR"].shape[3]
    z = np.ascontiguousarray(arrays.soc0, float).copy()
    iR = np.zeros((P, S, N, nrc))
    h = np.zeros((P, S, N))
    sg = np.zeros((P, S, N))
    T = ka["tamb"].copy()
    bleed = np.zeros((P, S))
    clock = np.zeros(P)
    aux = np.zeros((P, en.A_SIZE))
    aux[:, en.A_TBAL] = np.nan
    rng = np.random.default_rng(opts.seed)
    offsets = rng.uniform(-ctrl.accuracy_V, ctrl.accuracy_V, (P, S)) if ctrl.accuracy_V > 0 else np.zeros((P, S))
    M = opts.max_records if opts.record else 0
    rec_t = np.zeros((P, M))
    rec_i = np.zeros((P, M))
    rec_v = np.zeros((P, M))
    rec_vg = np.zeros((P, M, S))
    rec_z = np.zeros((P, M, S, N))
    rec_b = np.zeros((P, M, S))
    vmeas = np.zeros((P, S))
    dtopt = np.array([opts.dt_s, opts.dt_min_s, opts.rest_dt_max_s, 1.0 if opts.adaptive else 0.0,
                      opts.record_every_s, opts.dz_max])
    out = np.zeros((P, en.O_SIZE))
    compiled = bms_mod.is_compiled(ctrl)
    n_cycles = len(proto.cycles)
    cyc_q = np.zeros((5, P, n_cycles))
    tot = np.zeros((5, P))  # bleed J res, J fet, Ah, pmax res, pmax pack
    vmin_seen = np.full(P, np.inf)
    vmax_seen = np.full(P, -np.inf)
    tmax_seen = np.full(P, -np.inf)
    steps: list[StepRecord] = []
    total_steps = len(proto)
    done = 0
    for ci, cycle in enumerate(proto.cycles):
        for step in cycle:
            stp, phase = step_vector(step, design)
            active = ctrl.active(phase, ci + 1)
            pol = bms_mod.policy_vector(ctrl, active and compiled)
            if not active:
                bleed[:] = 0.0
            out[:] = 0.0
            out[:, en.O_VMIN] = np.inf
            out[:, en.O_VMAX] = -np.inf
            out[:, en.O_TMAX] = -np.inf
            aux[:, en.A_PREV_DT] = 0.0
            aux[:, en.A_PULSE_T] = 0.0
            aux[:, en.A_PULSE_REST] = 0.0
            aux[:, en.A_EXT_LEFT] = 0.0
            aux[:, en.A_NEXT] = 0.0
            aux[:, en.A_NEXT_MEAS] = clock  # measure at once
            start = clock.copy()
            if compiled or not active:
                en.run_step(z, iR, h, sg, T, bleed, clock, aux, ka["q_As"], ka["r0"], ka["rR"], ka["tau"], ka["eta"],
                            ka["gl"], ka["il"], ka["tamb"], ka["cs"], ka["grid"], ka["hw"], stp, pol, offsets,
                            dtopt, out, vmeas, rec_t, rec_i, rec_v, rec_vg, rec_z, rec_b)
            else:
                _run_python_controller(ctrl, phase, stp, ka, z, iR, h, sg, T, bleed, clock, aux, pol, offsets,
                                       dtopt, out, vmeas, rec_t, rec_i, rec_v, rec_vg, rec_z, rec_b)
            reasons = [en.REASONS[int(r)] for r in out[:, en.O_REASON]]
            steps.append(StepRecord(ci + 1, len(steps) + 1, phase, step.text, start, out[:, en.O_ELAPSED].copy(),
                                    out[:, en.O_QCH].copy(), out[:, en.O_QDIS].copy(), out[:, en.O_ECH].copy(),
                                    out[:, en.O_EDIS].copy(), reasons))
            cyc_q[0, :, ci] += out[:, en.O_QCH]
            cyc_q[1, :, ci] += out[:, en.O_QDIS]
            cyc_q[2, :, ci] += out[:, en.O_ECH]
            cyc_q[3, :, ci] += out[:, en.O_EDIS]
            cyc_q[4, :, ci] += out[:, en.O_EBLEED_R] / 3600.0
            tot[0] += out[:, en.O_EBLEED_R]
            tot[1] += out[:, en.O_EBLEED_FET]
            tot[2] += out[:, en.O_QBLEED]
            tot[3] = np.maximum(tot[3], out[:, en.O_PMAX_RES])
            tot[4] = np.maximum(tot[4], out[:, en.O_PMAX_PACK])
            vmin_seen = np.minimum(vmin_seen, out[:, en.O_VMIN])
            vmax_seen = np.maximum(vmax_seen, out[:, en.O_VMAX])
            tmax_seen = np.maximum(tmax_seen, out[:, en.O_TMAX])
            done += 1
            if on_step is not None:
                on_step(done, total_steps)
    nrec = aux[:, en.A_NREC].astype(int)
    return PackResult(
        design=design,
        steps=steps,
        cycle_charge_Ah=cyc_q[0],
        cycle_discharge_Ah=cyc_q[1],
        cycle_charge_Wh=cyc_q[2],
        cycle_discharge_Wh=cyc_q[3],
        cycle_bleed_Wh=cyc_q[4],
        bleed_energy_Wh=tot[0] / 3600.0,
        bleed_fet_energy_Wh=tot[1] / 3600.0,
        bleed_charge_Ah=tot[2],
        max_resistor_power_W=tot[3],
        max_pack_bleed_power_W=tot[4],
        time_to_balance_s=aux[:, en.A_TBAL].copy(),
        cell_v_min_V=vmin_seen,
        cell_v_max_V=vmax_seen,
        max_temperature_C=tmax_seen,
        final_soc=z.copy(),
        final_time_s=clock.copy(),
        time_s=rec_t,
        current_A=rec_i,
        voltage_V=rec_v,
        group_voltage_V=rec_vg,
        soc=rec_z,
        bleeding=rec_b,
        n_records=nrec,
    )


def _run_python_controller(ctrl: bms_mod.Controller, phase: str, stp: np.ndarray, ka: dict[str, Any],
                           *state: Any) -> None:
    """A user policy: the kernel runs one measurement period at a time, the policy decides in between."""
    import numpy as np

    from cellworks.pack import engine as en

    (z, iR, h, sg, T, bleed, clock, aux, pol, offsets, dtopt, out, vmeas, rec_t, rec_i, rec_v, rec_vg, rec_z,
     rec_b) = state
    P = z.shape[0]
    st = stp.copy()
    st[en.ST_MAXRUN] = ctrl.measure_period_s
    # run packs one at a time (they end the step at different times)
    for p in range(P):
        sl = slice(p, p + 1)
        while True:
            en.run_step(z[sl], iR[sl], h[sl], sg[sl], T[sl], bleed[sl], clock[sl], aux[sl], ka["q_As"][sl],
                        ka["r0"][sl], ka["rR"][sl], ka["tau"][sl], ka["eta"][sl], ka["gl"][sl], ka["il"][sl],
                        ka["tamb"][sl], ka["cs"], ka["grid"], ka["hw"], st, pol, offsets[sl], dtopt, out[sl],
                        vmeas[sl], rec_t[sl], rec_i[sl], rec_v[sl], rec_vg[sl], rec_z[sl], rec_b[sl])
            if int(out[p, en.O_REASON]) != en.R_PAUSED:
                break
            new = np.asarray(ctrl.decide(vmeas[p].copy(), bleed[p] > 0.5, phase, float(clock[p])), bool)
            if new.shape != (z.shape[1],):
                raise ParameterError(f"controller.decide returned shape {new.shape}, expected ({z.shape[1]},)",
                                     field="controller")
            bleed[p] = new.astype(float)
