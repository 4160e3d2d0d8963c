"""cellworks.eis vs impedance.py on impedance.py's documented fit of its exampleData.csv.

Same data (Im Z > 0 points dropped: 57 of 66), same circuit ``R0-p(R1,C1)-p(R2-Wo1,C2)``, same
initial guess ``[.01, .01, 100, .01, .05, 100, 1]``, unweighted and |Z|-weighted. Timed: impedance.py's
``CustomCircuit.fit`` and cellworks' local fit from the same guess (``n_starts=1``: the same job) —
median wall time over repeats and their ratio; the parameters of both and their largest relative
difference. Also reported (context, no ratio): the time of cellworks' default fit — the same local fit
plus the 64-start search beside it — and the lower minimum that search finds (``global_optimum``).

Run: ``python benchmarks/eis_vs_impedancepy.py [--json] [--repeats N]`` (impedance.py is installed
into ``.venv-bench-eis`` by ``_env.ensure``; it is never a dependency of cellworks).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import ensure, median_time  # noqa: E402

ensure("eis", ["impedance==1.7.1"], ["impedance"])

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "eis" / "exampleData.csv"
CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
GUESS = [0.01, 0.01, 100, 0.01, 0.05, 100, 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()

    from impedance import preprocessing
    from impedance.models.circuits import CustomCircuit

    from cellworks.eis.circuits import parse_circuit
    from cellworks.eis.fitting import fit_circuit
    from cellworks.eis.readers import drop_positive_imag, read_spectrum

    warnings.filterwarnings("ignore")
    f_i, z_i = preprocessing.readCSV(str(DATA))
    f_i, z_i = preprocessing.ignoreBelowX(f_i, z_i)
    spec = read_spectrum(DATA)
    f, z = drop_positive_imag(spec.freq_Hz, spec.Z_Ohm)
    if not (np.allclose(f, f_i) and np.allclose(z, z_i)):
        raise SystemExit("readers disagree on the data")
    names = parse_circuit(CIRCUIT).param_names
    out: dict[str, object] = {"circuit": CIRCUIT, "initial_guess": GUESS, "n_points": int(f.size),
                              "repeats": args.repeats, "cases": {}}
    cases: dict[str, object] = {}
    for weight in ("none", "modulus"):
        wbm = weight == "modulus"

        def run_imp(wbm: bool = wbm) -> np.ndarray:
            m = CustomCircuit(CIRCUIT, initial_guess=list(GUESS))
            m.fit(f_i, z_i, weight_by_modulus=wbm)
            return np.asarray(m.parameters_)

        def run_cw(weight: str = weight) -> np.ndarray:
            return np.asarray(fit_circuit(f, z, CIRCUIT, GUESS, weight=weight, n_starts=1).values)

        def run_cw_multi(weight: str = weight) -> object:
            return fit_circuit(f, z, CIRCUIT, GUESS, weight=weight).best  # type: ignore[attr-defined]

        p_imp = run_imp()
        p_cw = run_cw()
        t_imp, _ = median_time(run_imp, repeats=args.repeats)
        t_cw, _ = median_time(run_cw, repeats=args.repeats)
        t_multi, _ = median_time(run_cw_multi, repeats=max(3, args.repeats // 5))
        multi = run_cw_multi()
        sig = np.abs(z) if wbm else np.ones(z.size)
        circ = parse_circuit(CIRCUIT)

        def chi2(p: np.ndarray, circ: object = circ, sig: np.ndarray = sig) -> float:
            return float(np.sum(np.abs((circ.impedance(p, f) - z) / sig) ** 2))  # type: ignore[attr-defined]

        rel = np.abs(p_cw / p_imp - 1)
        cases[weight] = {
            "impedancepy_s": t_imp,
            "cellworks_s": t_cw,
            "speedup": t_imp / t_cw,
            "impedancepy_params": dict(zip(names, p_imp.tolist(), strict=True)),
            "cellworks_params": dict(zip(names, p_cw.tolist(), strict=True)),
            "max_rel_diff": float(rel.max()),
            "max_rel_diff_param": names[int(np.argmax(rel))],
            "impedancepy_chi2": chi2(p_imp),
            "cellworks_chi2": chi2(p_cw),
            "cellworks_multistart_s": t_multi,
            "cellworks_multistart_chi2": multi.chi2,  # type: ignore[attr-defined]
            "cellworks_multistart_params": dict(zip(names, multi.values, strict=True)),  # type: ignore[attr-defined]
        }
    out["cases"] = cases
    rows = []
    for w, c in cases.items():
        assert isinstance(c, dict)
        same = c["max_rel_diff"] <= 0.03 and c["cellworks_chi2"] <= c["impedancepy_chi2"] * (1 + 1e-9)
        rows.append({"work": f"local circuit fit of exampleData.csv from the documented guess ({w} weighting)",
                     "peer": "impedance.py 1.7.1 CustomCircuit.fit", "peer_s": c["impedancepy_s"],
                     "cellworks_s": c["cellworks_s"], "ratio": c["speedup"], "same_result": bool(same),
                     "check": f"parameters within 3 % (largest {100 * c['max_rel_diff']:.2g} %, "
                              f"{c['max_rel_diff_param']}) and chi2 not above impedance.py's "
                              f"({c['cellworks_chi2']:.6g} vs {c['impedancepy_chi2']:.6g})"})
        rows.append({"work": f"same, plus the 64-start search beside it ({w} weighting)", "peer": "none",
                     "peer_s": None, "cellworks_s": c["cellworks_multistart_s"], "ratio": None,
                     "same_result": bool(c["cellworks_multistart_chi2"] <= c["cellworks_chi2"]),
                     "check": f"context: the search's lowest chi2 {c['cellworks_multistart_chi2']:.6g} is not above "
                              "the local fit's"})
    out["rows"] = rows
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for w, c in cases.items():
            assert isinstance(c, dict)
            print(f"[{w}] impedance.py {1e3 * c['impedancepy_s']:.1f} ms, cellworks {1e3 * c['cellworks_s']:.2f} ms "
                  f"-> {c['speedup']:.1f}x; max parameter difference {100 * c['max_rel_diff']:.2f} % "
                  f"({c['max_rel_diff_param']}); chi2 {c['impedancepy_chi2']:.6g} vs {c['cellworks_chi2']:.6g}; "
                  f"multi-start {1e3 * c['cellworks_multistart_s']:.0f} ms -> chi2 {c['cellworks_multistart_chi2']:.6g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
