"""Run a Li–S cell (parameters) through a protocol: the public entry point of ``cellworks.lis``.

``simulate(params, protocol)`` converts the protocol steps to arrays (model current ``I > 0`` on
discharge; the cycling table has current > 0 on charge — converted here, at the boundary), runs
the compiled driver (:mod:`cellworks.lis.solver`) one cycle at a time (so a progress bar can
advance and Ctrl-C stops between cycles), and returns a :class:`SimulationResult` whose ``data``
is a :class:`cellworks.timeseries.CyclingData` with the model states as extra columns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.lis.params import LiSParameters, get_preset
from cellworks.protocol import Control, Limit, Protocol, Step, StepKind, as_protocol

if TYPE_CHECKING:
    import numpy as np

    from cellworks.timeseries import CyclingData

LOG_TOL_FACTOR = 1.0
ATOL_MASS_FACTOR = 1e-3
METHOD = 4  # 4: Rodas4, 3: Rodas3
STATE_COLUMNS: tuple[str, ...] = (
    "S8_g", "S4_g", "S2_g", "S_g", "Sp_g", "S_shuttled_g", "S_lost_g", "li_inventory_mol",
    "anode_overpotential_V", "cathode_potential_V", "i_H_A", "i_L_A",
)


@dataclass(frozen=True)
class StepRecord:
    """How one protocol step ran. Currents/capacities in the cycling-table convention."""

    index: int  # 1-based, as step_index in the table
    cycle: int
    kind: str
    text: str
    end_reason: str
    start_s: float
    end_s: float
    capacity_Ah: float
    energy_Wh: float
    voltage_start_V: float
    voltage_end_V: float
    voltage_min_V: float
    voltage_max_V: float
    current_end_A: float
    accepted_steps: int
    rejected_steps: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def failed(self) -> bool:
        return self.end_reason == "solver failure"


@dataclass
class SimulationResult:
    """Output of :func:`simulate`. ``wall_s`` is the simulation's own time; the table in
    ``data`` is assembled on first access."""

    params: LiSParameters
    protocol: Protocol
    steps: list[StepRecord]
    status: str  # "ok" or "failed"
    cycles_completed: int
    sulfur_mass_drift_rel: float
    charge_balance_error_C: float
    projection_max: float
    wall_s: float
    final_state: dict[str, Any] = field(default_factory=dict)
    rejections: dict[str, int] = field(default_factory=dict)
    load_s: float = 0.0  # loading the compiled solver (first call in a process), not in wall_s
    #: output rows of the driver (time, step, current, voltage, …, states); see solver.O_*
    rows: Any = field(default=None, repr=False)
    _builder: Callable[[], CyclingData] | None = field(default=None, repr=False)
    _data: CyclingData | None = field(default=None, repr=False)

    @property
    def data(self) -> CyclingData | None:
        """The cycling table + state columns (built on first access; None with ``table=False``)."""
        if self._data is None and self._builder is not None:
            self._data = self._builder()
            self._builder = None
        return self._data

    @property
    def time_s(self) -> Any:
        from cellworks.lis import solver

        return self.rows[:, solver.O_T]

    @property
    def voltage_V(self) -> Any:
        from cellworks.lis import solver

        return self.rows[:, solver.O_V]

    @property
    def discharge_capacities_Ah(self) -> list[float]:
        return [s.capacity_Ah for s in self.steps if s.kind == "discharge"]

    def to_summary_dict(self, *, per_step: bool = True) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for s in self.steps:
            counts[s.end_reason] = counts.get(s.end_reason, 0) + 1
        vmin = min((s.voltage_min_V for s in self.steps), default=math.nan)
        vmax = max((s.voltage_max_V for s in self.steps), default=math.nan)
        d: dict[str, Any] = {
            "status": self.status,
            "preset": self.params.name,
            "source": self.params.source,
            "protocol": self.protocol.text,
            "n_steps": len(self.steps),
            "n_cycles": len(self.protocol.cycles),
            "cycles_completed": self.cycles_completed,
            "failed_steps": sum(1 for s in self.steps if s.failed),
            "end_reason_counts": counts,
            "capacity_Ah": self.discharge_capacities_Ah,
            "duration_s": self.steps[-1].end_s if self.steps else 0.0,
            "voltage_min_V": vmin,
            "voltage_max_V": vmax,
            "sulfur_mass_drift_rel": self.sulfur_mass_drift_rel,
            "charge_balance_error_C": self.charge_balance_error_C,
            "projection_max": self.projection_max,
            "rows": len(self.rows) if self.rows is not None else 0,
            "final_state": self.final_state,
            "wall_s": self.wall_s,
            "load_s": self.load_s,
            "integrator": {"accepted_steps": sum(s.accepted_steps for s in self.steps),
                           "rejected_steps": sum(s.rejected_steps for s in self.steps), **self.rejections},
        }
        if per_step:
            d["end_reason"] = [s.end_reason for s in self.steps]
        return d


_KIND = {StepKind.REST: 0, StepKind.CHARGE: 1, StepKind.DISCHARGE: 2, StepKind.HOLD: 3}


def _resolve_limit_current(step: Step, limit: Limit, value: float, p: LiSParameters) -> float:
    area = p.cathode_area_m2 or None
    if limit is Limit.CURRENT:
        return value
    if limit is Limit.C_RATE:
        return value * p.capacity_nominal_Ah
    if limit is Limit.CURRENT_PER_MASS:
        return value * p.sulfur_mass_g
    if limit is Limit.CURRENT_PER_AREA:
        if area is None:
            raise ParameterError("current limit per area but the cell has no cathode_area_m2", token=step.text)
        return value * area
    raise ParameterError(f"unsupported limit {limit.value}", token=step.text)


def protocol_arrays(protocol: Protocol, p: LiSParameters) -> dict[str, np.ndarray]:
    """Steps → arrays for the compiled driver (model sign: I > 0 on discharge)."""
    import numpy as np

    from cellworks.lis.model import MODE_CURRENT, MODE_POWER, MODE_RESISTANCE, MODE_VOLTAGE

    steps = protocol.steps
    n = len(steps)
    a = {
        "kinds": np.zeros(n, dtype=np.int64),
        "modes": np.zeros(n, dtype=np.int64),
        "values": np.zeros(n),
        "durations": np.full(n, np.inf),
        "vcuts": np.full(n, np.nan),
        "icuts": np.full(n, np.nan),
        "qcuts": np.full(n, np.nan),
        "cycle": np.zeros(n, dtype=np.int64),
    }
    i = 0
    for ci, cyc in enumerate(protocol.cycles):
        for st in cyc:
            a["cycle"][i] = ci + 1
            a["kinds"][i] = _KIND[st.kind]
            sign = 1.0 if st.kind is StepKind.DISCHARGE else -1.0
            if st.control is Control.REST:
                a["modes"][i], a["values"][i] = MODE_CURRENT, 0.0
            elif st.control is Control.VOLTAGE:
                a["modes"][i], a["values"][i] = MODE_VOLTAGE, st.value
            elif st.control is Control.POWER:
                a["modes"][i], a["values"][i] = MODE_POWER, sign * st.value
            elif st.control is Control.RESISTANCE:
                if st.kind is not StepKind.DISCHARGE:
                    raise ParameterError("a resistance load can only discharge the cell", token=st.text,
                                         position=st.position)
                a["modes"][i], a["values"][i] = MODE_RESISTANCE, st.value
            else:
                cur = st.resolve_current_A(
                    active_mass_g=p.sulfur_mass_g,
                    area_m2=p.cathode_area_m2 or None,
                    capacity_Ah=p.capacity_nominal_Ah,
                )
                a["modes"][i], a["values"][i] = MODE_CURRENT, sign * cur
            if st.duration_s is not None:
                a["durations"][i] = st.duration_s
            for term in st.terminations:
                if term.limit is Limit.VOLTAGE:
                    if math.isnan(a["vcuts"][i]):
                        a["vcuts"][i] = term.value
                elif term.limit is Limit.CAPACITY:
                    a["qcuts"][i] = term.value * 3600.0
                else:
                    a["icuts"][i] = _resolve_limit_current(st, term.limit, term.value, p)
            i += 1
    return a


_LOADED: list[float] = []


def _load_compiled() -> float:
    """Load (or compile, the first time ever) the solver once per process, outside ``wall_s``.

    Returns the seconds this took in this call (0 once loaded)."""
    if _LOADED:
        return 0.0
    import numpy as np

    from cellworks.lis import model, solver

    t0 = time.perf_counter()
    p = get_preset("marinescu2016")
    y = model.initial_state(p)
    one_i = np.zeros(1, dtype=np.int64)
    opts = np.ones(solver.NOPT)
    opts[solver.OPT_METHOD] = METHOD
    solver.run_steps(
        model.pack_params(p), y, 0.0, float(np.exp(y[:5]).sum()), one_i, one_i, np.zeros(1), np.full(1, 1e-6),
        np.full(1, np.nan), np.full(1, np.nan), np.full(1, np.nan), 0, 1, opts, np.full(model.NY, 1e-6),
        np.full(model.NY, 1e-6), np.empty((16, solver.NOUT)), 0, np.zeros((1, solver.NREC)), 0.0, np.zeros(5),
    )
    dt = time.perf_counter() - t0
    _LOADED.append(dt)
    return dt


def _resolve(params: LiSParameters | str) -> LiSParameters:
    if isinstance(params, str):
        return get_preset(params)
    if not isinstance(params, LiSParameters):
        raise ParameterError(f"expected LiSParameters or a preset name, got {type(params).__name__}")
    return params.validate()


def simulate(
    params: LiSParameters | str,
    protocol: str | Protocol | Sequence[str],
    *,
    rtol: float = 1e-5,
    dv_out_V: float = 0.005,
    dq_out_Ah: float | None = None,
    dt_out_s: float = 1800.0,
    max_step_s: float = math.inf,
    max_steps_per_step: int = 500_000,
    initial_state: Any = None,
    table: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate the cell ``params`` (or a preset name) through ``protocol``.

    Output rows are decimated: a row is written when the voltage moved by ``dv_out_V``, the step
    charge by ``dq_out_Ah`` (default 1 % of the nominal capacity) or the time by ``dt_out_s``, and at
    every step start and end. ``rtol`` is the integrator tolerance (relative on masses, absolute on
    their logarithms). ``initial_state``: a state vector from a previous result's
    ``final_state["y"]`` (continue a run). ``table=False`` skips building the table (batch fits).

    >>> import cellworks
    >>> res = cellworks.lis.simulate("marinescu2016", "Discharge at 1.7 A until 2.15 V")
    >>> res.status, round(res.discharge_capacities_Ah[0], 1)
    ('ok', 3.4)
    >>> bool(res.discharge_capacities_Ah[0] < 2.7 * 1.675)  # below the theoretical 4.52 Ah of its 2.7 g S
    True
    >>> res.data.table[["test_time_s", "current_A", "voltage_V"]].shape[1]  # the cycling table
    3
    """
    import numpy as np

    from cellworks.lis import model, solver
    from cellworks.timeseries import CyclingData as _CD
    from cellworks.timeseries import Metadata

    load_s = _load_compiled()
    t_wall = time.perf_counter()
    p = _resolve(params)
    prot = as_protocol(protocol if isinstance(protocol, (str, Protocol)) else list(protocol))
    arr = protocol_arrays(prot, p)
    P = model.pack_params(p)
    y = model.initial_state(p) if initial_state is None else np.array(initial_state, dtype=float).copy()
    if y.shape != (model.NY,):
        raise ParameterError(f"initial_state must have {model.NY} entries", field="initial_state")
    m_total = float(np.exp(y[:5]).sum() + y[6])
    z_start = float(solver._electrons(y))
    esh_start = float(y[10])
    lost_start = float(y[6])
    opts = np.zeros(solver.NOPT)
    opts[solver.OPT_RTOL] = rtol
    opts[solver.OPT_ATOL_LOG] = rtol
    opts[solver.OPT_H0] = 1e-3
    opts[solver.OPT_HMAX] = max_step_s
    opts[solver.OPT_DV] = dv_out_V
    opts[solver.OPT_DQ] = (dq_out_Ah if dq_out_Ah is not None else 0.01 * p.capacity_nominal_Ah) * 3600.0
    opts[solver.OPT_DT] = dt_out_s
    opts[solver.OPT_MAXSTEPS] = max_steps_per_step
    opts[solver.OPT_ATOL_MASS] = rtol * ATOL_MASS_FACTOR * m_total
    opts[solver.OPT_METHOD] = METHOD
    # error weights: log-masses absolute (= relative on masses); quadratures relative + small floor
    atol = np.empty(model.NY)
    rt = np.full(model.NY, rtol)
    atol[:5] = rtol * LOG_TOL_FACTOR
    rt[:5] = 0.0
    atol[5] = atol[6] = rtol * 1e-3 * m_total
    atol[7] = rtol * 1e-3 * max(p.li_inventory_initial_mol, 1e-6)
    atol[8] = rtol * 3600.0 * p.capacity_nominal_Ah * 1e-3
    atol[9] = atol[8] * 2.0
    atol[10] = rtol * 1e-3 * m_total / p.molar_mass_S_g_per_mol
    n_steps = len(prot)
    recs = np.zeros((n_steps, solver.NREC))
    out = np.empty((1024, solver.NOUT))
    n_out = 0
    t = 0.0
    status = 0
    proj_max = 0.0
    guess = 0.0
    s = 0
    stats = np.zeros(5)  # rejected: failed step, error, projection; forced steps; clock restarts
    cyc_bounds = np.cumsum([0] + [len(c) for c in prot.cycles])
    for ci in range(len(prot.cycles)):
        s0, s1 = int(cyc_bounds[ci]), int(cyc_bounds[ci + 1])
        t, out, n_out, status, pm, guess = solver.run_steps(
            P, y, t, m_total, arr["kinds"], arr["modes"], arr["values"], arr["durations"], arr["vcuts"],
            arr["icuts"], arr["qcuts"], s0, s1, opts, atol, rt, out, n_out, recs, guess, stats,
        )
        proj_max = max(proj_max, pm)
        s = s1
        if progress is not None:
            progress(s1, n_steps)
        if status != 0:
            break
    n_run = s if status == 0 else int(np.flatnonzero(recs[:, solver.RC_REASON] == solver.R_FAIL)[0]) + 1
    rows = out[:n_out]
    steps = _step_records(prot, arr, recs[:n_run])
    cycles_completed = 0
    for ci in range(len(prot.cycles)):
        s0, s1 = int(cyc_bounds[ci]), int(cyc_bounds[ci + 1])
        if s1 <= n_run and not any(st.failed for st in steps[s0:s1]):
            cycles_completed += 1
        else:
            break
    ys = rows[:, solver.O_Y:]
    masses = np.exp(np.minimum(ys[:, :5], 700.0))
    total = masses.sum(axis=1) + ys[:, 6]
    drift = float(np.max(np.abs(total - m_total)) / m_total) if len(rows) else 0.0
    # electron balance over the whole run [C]: species + lost sulfur vs. ∫I dt + shuttle electrons
    from cellworks.lis.params import FARADAY_C_PER_MOL as F

    q_total = float(recs[:n_run, solver.RC_Q].sum())
    z_end = float(solver._electrons(y))
    lhs = F * ((z_end - z_start) + 2.0 * (y[6] - lost_start)) / p.molar_mass_S_g_per_mol
    rhs_c = q_total + F * (y[10] - esh_start)
    charge_err = abs(lhs - rhs_c)
    final = {
        "S8_g": float(np.exp(min(y[0], 700.0))), "S4_g": float(np.exp(min(y[1], 700.0))),
        "S2_g": float(np.exp(min(y[2], 700.0))), "S_g": float(np.exp(min(y[3], 700.0))),
        "Sp_g": float(np.exp(min(y[4], 700.0))), "S_shuttled_g": float(y[5]),
        "S_lost_g": float(y[6]), "li_inventory_mol": float(y[7]),
    }
    wall = time.perf_counter() - t_wall

    def build() -> CyclingData:
        import pandas as pd

        step0 = rows[:, solver.O_STEP].astype(np.int64)
        type_code = {"charge": 0, "discharge": 1, "rest": 2, "other": 3}
        step_codes = np.array([type_code.get(st.kind, 3) for st in steps] + [2] * (n_steps - len(steps)),
                              dtype=np.int8)
        q = ys[:, 8]
        e = ys[:, 9]
        cap_c = np.clip(-q, 0.0, None) / 3600.0
        cap_d = np.clip(q, 0.0, None) / 3600.0
        en_c = np.clip(-e, 0.0, None) / 3600.0
        en_d = np.clip(e, 0.0, None) / 3600.0
        same = np.diff(step0) == 0
        for arr_ in (cap_c, cap_d, en_c, en_d):
            # a hold whose current changes sign: capacities must not decrease within a step
            if len(arr_) > 1 and np.any((np.diff(arr_) < 0) & same):
                arr_[:] = pd.Series(arr_).groupby(step0).cummax().to_numpy()
        float_cols = {
            "test_time_s": rows[:, solver.O_T],
            "current_A": -rows[:, solver.O_I],
            "voltage_V": rows[:, solver.O_V],
            "charge_capacity_Ah": cap_c,
            "discharge_capacity_Ah": cap_d,
            "charge_energy_Wh": en_c,
            "discharge_energy_Wh": en_d,
            "S8_g": masses[:, 0],
            "S4_g": masses[:, 1],
            "S2_g": masses[:, 2],
            "S_g": masses[:, 3],
            "Sp_g": masses[:, 4],
            "S_shuttled_g": ys[:, 5],
            "S_lost_g": ys[:, 6],
            "li_inventory_mol": ys[:, 7],
            "anode_overpotential_V": rows[:, solver.O_ETA],
            "cathode_potential_V": rows[:, solver.O_VC],
            "i_H_A": rows[:, solver.O_IH],
            "i_L_A": rows[:, solver.O_IL],
        }
        cols: dict[str, Any] = {
            "test_time_s": float_cols.pop("test_time_s"),
            "cycle_index": arr["cycle"][step0],
            "step_index": step0 + 1,
            # categorical (accepted by the schema): built from codes, no per-row strings
            "step_type": pd.Categorical.from_codes(step_codes[step0], categories=pd.Index(list(type_code))),
            **float_cols,
        }
        df = pd.DataFrame(cols)
        # the table is valid by construction (tests run cellworks.timeseries.validate on it)
        meta = Metadata(
            source_file=None,
            instrument="cellworks.lis simulator",
            cell_name=p.name,
            active_mass_g=p.sulfur_mass_g,
            active_material="S",
            area_cm2=(p.cathode_area_m2 * 1e4) if p.cathode_area_m2 else None,
            nominal_capacity_Ah=p.capacity_nominal_Ah,
            extra={"protocol": prot.text, "params_source": p.source, "rtol": rtol},
        )
        return _CD(df, meta)

    return SimulationResult(
        params=p,
        protocol=prot,
        steps=steps,
        status="ok" if status == 0 else "failed",
        cycles_completed=cycles_completed,
        sulfur_mass_drift_rel=drift,
        charge_balance_error_C=charge_err,
        projection_max=proj_max,
        wall_s=wall,
        load_s=load_s,
        rows=rows,
        _builder=build if table else None,
        final_state={**final, "y": [float(v) for v in y]},
        rejections={
            "failed_step": int(stats[0]), "error": int(stats[1]), "projection": int(stats[2]), "forced": int(stats[3]),
            "clock_restarts": int(stats[4]),
        },
    )


def _step_records(prot: Protocol, arr: dict[str, np.ndarray], recs: np.ndarray) -> list[StepRecord]:
    from cellworks.lis import solver

    out: list[StepRecord] = []
    steps = prot.steps
    for i in range(len(recs)):
        r = recs[i]
        st = steps[i]
        q = float(r[solver.RC_Q])
        if st.kind is StepKind.HOLD:
            kind = "charge" if q < 0 else ("discharge" if q > 0 else "rest")
        else:
            kind = st.kind.value
        out.append(
            StepRecord(
                index=i + 1,
                cycle=int(arr["cycle"][i]),
                kind=kind,
                text=st.text,
                end_reason=solver.REASONS[int(r[solver.RC_REASON])],
                start_s=float(r[solver.RC_T0]),
                end_s=float(r[solver.RC_T1]),
                capacity_Ah=abs(q) / 3600.0,
                energy_Wh=abs(float(r[solver.RC_E])) / 3600.0,
                voltage_start_V=float(r[solver.RC_V0]),
                voltage_end_V=float(r[solver.RC_V1]),
                voltage_min_V=float(r[solver.RC_VMIN]),
                voltage_max_V=float(r[solver.RC_VMAX]),
                current_end_A=-float(r[solver.RC_I1]),
                accepted_steps=int(r[solver.RC_NACC]),
                rejected_steps=int(r[solver.RC_NREJ]),
            )
        )
    return out


def simulate_batch(
    params_list: Sequence[LiSParameters | str],
    protocol: str | Protocol,
    *,
    workers: int | None = None,
    **options: Any,
) -> list[SimulationResult]:
    """Simulate many parameter sets through one protocol, in parallel threads.

    The compiled driver releases the GIL (numba ``nogil=True``), so the threads run on all cores.
    Options are those of :func:`simulate` (``table=False`` for speed when only summaries are needed).
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    prot = as_protocol(protocol)
    n = workers or min(len(params_list), os.cpu_count() or 1) or 1
    if n <= 1:
        return [simulate(p, prot, **options) for p in params_list]
    with ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(lambda p: simulate(p, prot, **options), params_list))


__all__ = ["STATE_COLUMNS", "SimulationResult", "StepRecord", "protocol_arrays", "simulate", "simulate_batch"]
