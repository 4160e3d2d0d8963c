"""cellworks.lis against the same model in PyBaMM (IDAKLU), 1.7 A discharge of marinescu2016.

The anchor is the zero-dimensional Li–S model of Marinescu et al. (PCCP 18 (2016) 584) written here
as a ``pybamm.BaseModel`` (PyBaMM's releases have no Li–S model): five differential masses and the
algebraic voltage, the DAE solved by PyBaMM's IDAKLU solver with the termination event V = 2.15 V.
(IDAKLU fails a few seconds before the cut-off, where S₈ and S₄²⁻ run out under the logarithms; the
benchmark keeps its partial solution, compares where both curves exist and reports the failure.)
cellworks solves the same equations (``cellworks.lis.simulate``). Both at rtol = 1e-6 (cellworks'
``rtol``; IDAKLU's rtol, with atol = 1e-9 g on the masses, the absolute mass tolerance cellworks
derives from rtol·1e-3·total sulfur). The script checks that the voltage curves agree (max |ΔV| on a
common capacity grid, where both runs exist) and times what a user waits for — model build + solve —
as the median of ≥ 5 repeats, after one warm-up each (compiled code cached).

    python benchmarks/lis_vs_pybamm.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _env import ensure, median_time  # noqa: E402

ensure("lis", ["pybamm"], ["pybamm"])

import numpy as np  # noqa: E402
import pybamm  # noqa: E402

from cellworks.lis import simulate  # noqa: E402
from cellworks.lis.params import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, get_preset  # noqa: E402

CURRENT_A = 1.7
V_CUT = 2.15
RTOL = 1e-6
ATOL_G = 1e-9


def build_pybamm_model() -> pybamm.BaseModel:
    """Marinescu 2016 as a pybamm.BaseModel (parameters of the cellworks preset)."""
    p = get_preset("marinescu2016")
    F, R, T = FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, p.temperature_K
    ms, v, ar = p.molar_mass_S_g_per_mol, p.electrolyte_volume_L, p.a_r_m2
    n8, n4, n2, n1, ne = 8.0, 4.0, 2.0, 1.0, 4.0
    model = pybamm.BaseModel("Marinescu 2016 zero-dimensional Li-S")
    s8 = pybamm.Variable("S8 [g]")
    s4 = pybamm.Variable("S4 [g]")
    s2 = pybamm.Variable("S2 [g]")
    s1 = pybamm.Variable("S [g]")
    sp = pybamm.Variable("Sp [g]")
    V = pybamm.Variable("Voltage [V]")
    f_h = n4**2 * ms * v / n8
    f_l = n1**2 * n2 * ms**2 * v**2 / n4
    c = R * T / (4 * F)
    e_h = p.E_H0_V + c * pybamm.log(f_h * s8 / s4**2)
    e_l = p.E_L0_V + c * pybamm.log(f_l * s4 / (s2 * s1**2))
    b = ne * F / (2 * R * T)
    i_h = -2 * p.i_H0_A_per_m2 * ar * pybamm.sinh(b * (V - e_h))
    i_l = -2 * p.i_L0_A_per_m2 * ar * pybamm.sinh(b * (V - e_l))
    k = ms / (ne * F)
    prec = p.k_p_per_s * sp * (s1 - p.S_star_g) / (v * p.rho_s_g_per_L)
    model.rhs = {
        s8: -n8 * k * i_h,  # k_s = 0 on discharge (Marinescu 2016)
        s4: n8 * k * i_h - n4 * k * i_l,
        s2: n2 * k * i_l,
        s1: 2 * n1 * k * i_l - prec,
        sp: prec,
    }
    model.algebraic = {V: i_h + i_l - CURRENT_A}
    model.initial_conditions = {
        s8: p.S8_initial_g, s4: p.S4_initial_g, s2: p.S2_initial_g, s1: p.S_initial_g, sp: p.Sp_initial_g,
        V: 2.4,
    }
    model.variables = {"Voltage [V]": V, "S8 [g]": s8, "S4 [g]": s4, "S2 [g]": s2, "S [g]": s1, "Sp [g]": sp}
    model.events = [pybamm.Event("Minimum voltage", V - V_CUT)]
    return model


def _solve_pybamm() -> pybamm.Solution:
    model = build_pybamm_model()
    pybamm.Discretisation().process_model(model)
    # IDAKLU fails in the last seconds of this discharge (S8 and S4 run out under the logarithms):
    # keep the partial solution so the curves can still be compared where both exist
    solver = pybamm.IDAKLUSolver(rtol=RTOL, atol=ATOL_G, on_failure="ignore")
    return solver.solve(model, np.array([0.0, 8000.0]))


def run_pybamm() -> np.ndarray:
    """What a PyBaMM user waits for: build, discretise, solve, read the voltage."""
    sol = _solve_pybamm()
    return np.asarray(sol["Voltage [V]"].entries)


def run_cellworks() -> np.ndarray:
    """What a cellworks user waits for: simulate(), then read the voltage (as for PyBaMM)."""
    res = simulate("marinescu2016", f"Discharge at {CURRENT_A} A until {V_CUT} V", rtol=RTOL)
    return np.asarray(res.voltage_V)


def run_cellworks_table() -> np.ndarray:
    """The same with the full cycling table (pandas) assembled."""
    res = simulate("marinescu2016", f"Discharge at {CURRENT_A} A until {V_CUT} V", rtol=RTOL)
    assert res.data is not None
    return res.data.table["voltage_V"].to_numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = _solve_pybamm()
    t_pb = np.asarray(sol.t)
    v_pb = np.asarray(sol["Voltage [V]"].entries)
    end_pb = str(sol.termination)
    if v_pb[-1] > V_CUT + 1e-3:
        end_pb = f"solver failure at t = {t_pb[-1]:.2f} s, V = {v_pb[-1]:.4f} V"
    # cellworks with dense output for the comparison (the timed runs use the default output)
    res = simulate("marinescu2016", f"Discharge at {CURRENT_A} A until {V_CUT} V", rtol=RTOL,
                   dv_out_V=1e-4, dq_out_Ah=1e-4)
    assert res.data is not None
    t_cw = res.data.table["test_time_s"].to_numpy()
    v_cw = res.data.table["voltage_V"].to_numpy()
    end_cw = res.steps[0].end_reason
    # PyBaMM's own (Hermite) interpolant evaluated at cellworks' output times, where both exist
    both = t_cw <= t_pb[-1]
    dv = np.abs(np.asarray(sol["Voltage [V]"](t=t_cw[both])) - v_cw[both])
    cap_pb = CURRENT_A * t_pb[-1] / 3600.0
    cap_cw = CURRENT_A * t_cw[-1] / 3600.0
    wall_pb, runs_pb = median_time(run_pybamm, repeats=args.repeats)
    wall_cw, runs_cw = median_time(run_cellworks, repeats=args.repeats)
    wall_cw_tab, _ = median_time(run_cellworks_table, repeats=args.repeats)
    out = {
        "benchmark": "lis_vs_pybamm",
        "case": f"marinescu2016, discharge at {CURRENT_A} A until {V_CUT} V",
        "pybamm_version": pybamm.__version__,
        "solver": "pybamm.IDAKLUSolver",
        "rtol": RTOL,
        "atol_g": ATOL_G,
        "repeats": args.repeats,
        "pybamm_wall_s": wall_pb,
        "cellworks_wall_s": wall_cw,
        "pybamm_runs_s": runs_pb,
        "cellworks_runs_s": runs_cw,
        "ratio": wall_pb / wall_cw,
        "cellworks_with_table_wall_s": wall_cw_tab,
        "ratio_with_table": wall_pb / wall_cw_tab,
        "max_abs_dV_V": float(dv.max()),
        "curves_agree": bool(dv.max() <= 2e-3),
        "compared_points": int(both.sum()),
        "compared_until_s": float(t_cw[both][-1]),
        "capacity_pybamm_Ah": cap_pb,
        "capacity_cellworks_Ah": cap_cw,
        "end_pybamm": end_pb,
        "end_cellworks": end_cw,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
