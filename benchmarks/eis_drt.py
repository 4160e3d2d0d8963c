"""cellworks.eis.fit_drt vs pyDRTtools (ciuccislab, MIT) on the same spectra: accuracy and time.

Both tools solve the same problem with the same settings: Gaussian RBFs (FWHM coefficient 0.5),
combined real and imaginary data, first-derivative penalty, no series inductance (inductive points
dropped from real spectra before either tool sees them), λ by generalised cross-validation. They
differ in the collocation grid (pyDRTtools: one centre per measured frequency at τ = 1/f; cellworks:
a uniform grid of ≥ 10 per decade from 1/ω_max/√10 to √10/ω_min) and the solver (cvxopt QP vs NNLS).

Spectra, with the role of each number:
* ``round_trip``: R∞ + two RC elements (τ = 1 ms and 1 s, 20 Ω and 30 Ω) with 1 % complex noise
  (seed fixed) — error = largest relative error of the two peaks' τ and R (one peak finder for both);
* ``held_out`` against closed forms the methods never see: a ZARC (50 Ω, τ₀ = 0.1 s, φ = 0.8) and a
  Havriliak–Negami relaxation (40 Ω, τ₀ = 1 ms, α = 0.7, β = 0.8), 0.1 % noise — error = relative L2
  distance of γ to the analytic DRT over the measured τ band, and of ∫γ to R;
* real spectra (impedance.py's exampleData.csv, spectrum 20 of the LG MJ1 SOC series up to 100 kHz,
  the Autolab example): no truth — reported is the L2 distance between the two tools' γ, relative to
  pyDRTtools' (and both R∞).

Two rows per spectrum:

(a) each tool as a user runs it — cellworks' default λ (L-curve corner) against pyDRTtools' default
(GCV, its optimiser started at λ = 1e-3) — with the error against the truth where there is one (a
timed row); for real spectra a context row without ratio, since the tools then choose different λ
and so solve different problems;

(b) the same regularised problem — λ = 1e-3 and pyDRTtools' centres τ = 1/f given to cellworks too —
where the two γ must agree (relative L2 distance ≤ 0.1; the solvers, NNLS and cvxopt's QP, differ).

Timed: one full DRT (λ selection included) per tool, median of repeats after a warm-up run.

``lambda_study`` (cellworks and pyDRTtools, no timing): ZARC, Havriliak–Negami and two-RC spectra, 12 noise
draws each at 0.1 % and 1 %: mean and worst relative L2 error of γ (two-RC: share of draws with both
peaks found within 10 % in τ and 5 % in R) for cellworks' L-curve and GCV and for pyDRTtools' GCV — the
evidence for cellworks' default.

``peer_finding``: pyDRTtools 0.2 derives the RBF shape ε from the mean step of ln(1/f), so frequencies in
ascending order give ε < 0 and a negative-definite first-derivative penalty (the regularisation pushes
the wrong way); every pyDRTtools call here gets descending frequencies, and the finding is measured.

Run: ``python benchmarks/eis_drt.py [--json] [--repeats N]`` (pyDRTtools, cvxopt, PyQt5 and
scikit-learn are installed into ``.venv-bench-drt``; its package ``__init__`` starts the Qt GUI, so
the benchmark imports ``pyDRTtools.runs`` without it).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import ensure, median_time  # noqa: E402

ensure("drt", ["pyDRTtools==0.2", "cvxopt", "PyQt5", "scikit-learn"], ["pyDRTtools", "cvxopt", "sklearn"])

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "eis"
PEER = "pyDRTtools 0.2 (simple_run, GCV)"


def _peer_runs() -> object:
    spec = importlib.util.find_spec("pyDRTtools")
    assert spec is not None and spec.submodule_search_locations is not None
    pkg = types.ModuleType("pyDRTtools")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["pyDRTtools"] = pkg  # skip the package __init__, which imports the Qt GUI
    with contextlib.redirect_stdout(io.StringIO()):  # one of its modules prints sys.path at import
        from pyDRTtools import runs

    return runs


def _spectra() -> list[dict[str, object]]:
    from cellworks.eis.drt_models import hn_drt, hn_impedance, rc_impedance, zarc_drt, zarc_impedance
    from cellworks.eis.readers import drop_positive_imag, read_spectrum, select_cycle

    rng = np.random.default_rng(2026)
    f = np.logspace(5, -2, 71)

    def noisy(z: np.ndarray, rel: float) -> np.ndarray:
        return z + rel * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))

    out: list[dict[str, object]] = [
        {"name": "R0 + RC(1 ms) + RC(1 s), 1 % noise", "role": "round_trip", "f": f,
         "z": noisy(10 + rc_impedance(f, 20, 1e-3) + rc_impedance(f, 30, 1.0), 0.01),
         "peaks": [(1e-3, 20.0), (1.0, 30.0)]},
        {"name": "ZARC (50 Ω, 0.1 s, φ 0.8), 0.1 % noise", "role": "held_out", "f": f,
         "z": noisy(10 + zarc_impedance(f, 50, 0.1, 0.8), 0.001), "R": 50.0,
         "gamma": lambda t: zarc_drt(t, 50, 0.1, 0.8)},
        {"name": "Havriliak–Negami (40 Ω, 1 ms, α 0.7, β 0.8), 0.1 % noise", "role": "held_out", "f": f,
         "z": noisy(5 + hn_impedance(f, 40, 1e-3, 0.7, 0.8), 0.001), "R": 40.0,
         "gamma": lambda t: hn_drt(t, 40, 1e-3, 0.7, 0.8)},
    ]
    real = [("impedance.py exampleData.csv", DATA / "exampleData.csv", None, None),
            ("LG MJ1 anode, spectrum 20, f ≤ 100 kHz", DATA / "18650_LG_3500_MJ1_EIS_anode_discharge.parquet", 20, 1e5),
            ("Autolab example (exampleDataAutolab.txt)", DATA / "exampleDataAutolab.txt", None, None)]
    for name, path, cyc, fmax in real:
        s = read_spectrum(path)
        if cyc is not None:
            s = select_cycle(s, cyc)
        ff, zz = drop_positive_imag(s.freq_Hz, s.Z_Ohm)
        if fmax is not None:
            keep = ff <= fmax
            ff, zz = ff[keep], zz[keep]
        out.append({"name": name, "role": "peer agreement", "f": ff, "z": zz})
    return out


def _l2(t: np.ndarray, g: np.ndarray, ref: np.ndarray) -> float:
    x = np.log(t)
    return float(math.sqrt(np.trapezoid((g - ref) ** 2, x) / np.trapezoid(ref**2, x)))


def _peak_error(peaks: list[tuple[float, float]], truth: list[tuple[float, float]]) -> tuple[int, float]:
    if len(peaks) != len(truth):
        return len(peaks), math.inf
    errs = [max(abs(t / t0 - 1), abs(r / r0 - 1)) for (t, r), (t0, r0) in zip(sorted(peaks), sorted(truth),
                                                                                strict=True)]
    return len(peaks), max(errs)


def _order_finding(peer: object) -> dict[str, object]:
    """pyDRTtools 0.2 takes the RBF shape ε from the mean step of ln(1/f): with frequencies in ascending
    order ε < 0, and its first-derivative penalty matrix comes out negative definite (an anti-penalty).
    The benchmark therefore always passes descending frequencies; this records the effect on one file."""
    from cellworks.eis.readers import drop_positive_imag, read_spectrum

    s = read_spectrum(DATA / "exampleData.csv")  # ascending in the file
    f, z = drop_positive_imag(s.freq_Hz, s.Z_Ohm)
    asc = peer(f, z, custom=True, keep_order=True)  # type: ignore[operator]
    desc = peer(f, z, custom=True)  # type: ignore[operator]
    return {"file": "exampleData.csv (frequencies ascending)",
            "epsilon_ascending": float(asc.epsilon), "epsilon_descending": float(desc.epsilon),  # type: ignore[attr-defined]
            "penalty_min_eigenvalue_ascending": float(np.linalg.eigvalsh(asc.M).min()),  # type: ignore[attr-defined]
            "penalty_min_eigenvalue_descending": float(np.linalg.eigvalsh(desc.M).min())}  # type: ignore[attr-defined]


def _lambda_study(peer: object) -> list[dict[str, object]]:
    from cellworks.eis.drt import find_peaks, fit_drt
    from cellworks.eis.drt_models import hn_drt, hn_impedance, rc_impedance, zarc_drt, zarc_impedance

    f = np.logspace(5, -2, 71)
    grid = np.logspace(math.log10(1 / (2 * np.pi * f.max())), math.log10(1 / (2 * np.pi * f.min())), 400)
    models = {
        "ZARC": (lambda: 10 + zarc_impedance(f, 50, 0.1, 0.8), lambda t: zarc_drt(t, 50, 0.1, 0.8)),
        "Havriliak-Negami": (lambda: 5 + hn_impedance(f, 40, 1e-3, 0.7, 0.8), lambda t: hn_drt(t, 40, 1e-3, 0.7, 0.8)),
        "two RC": (lambda: 10 + rc_impedance(f, 20, 1e-3) + rc_impedance(f, 30, 1.0), None),
    }
    out: list[dict[str, object]] = []
    for name, (zfun, gfun) in models.items():
        for noise in (0.001, 0.01):
            scores: dict[str, list[float]] = {"cellworks L-curve": [], "cellworks GCV": [], "pyDRTtools GCV": []}
            for seed in range(12):
                rng = np.random.default_rng(seed)
                z0 = zfun()
                z = z0 + noise * np.abs(z0) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
                keep = z.imag <= 0
                ff, zz = f[keep], z[keep]
                pr = peer(ff, zz)  # type: ignore[operator]
                sols = {"cellworks L-curve": fit_drt(ff, zz), "cellworks GCV": fit_drt(ff, zz, lambda_method="gcv")}
                for label, (t, g) in {**{k: (v.tau_s, v.gamma_Ohm) for k, v in sols.items()},
                                      "pyDRTtools GCV": (np.asarray(pr.out_tau_vec), np.asarray(pr.gamma))}.items():
                    if gfun is not None:
                        scores[label].append(_l2(grid, np.interp(np.log(grid), np.log(t), g), gfun(grid)))
                    else:
                        peaks = [(p.tau_s, p.R_Ohm) for p in find_peaks(np.log(t), g)]
                        n, e = _peak_error(peaks, [(1e-3, 20.0), (1.0, 30.0)])
                        ok = n == 2 and all(abs(pt / t0 - 1) <= 0.1 and abs(pr_ / r0 - 1) <= 0.05 for (pt, pr_), (t0, r0)
                                            in zip(sorted(peaks), [(1e-3, 20.0), (1.0, 30.0)], strict=True))
                        scores[label].append(float(ok))
            for label, v in scores.items():
                entry: dict[str, object] = {"spectrum": name, "noise": noise, "method": label}
                if gfun is not None:
                    entry.update(mean_L2_error=float(np.mean(v)), worst_L2_error=float(np.max(v)))
                else:
                    entry.update(share_both_peaks_found=float(np.mean(v)))
                out.append(entry)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-study", action="store_true", help="skip the λ-selection study")
    args = ap.parse_args()

    from cellworks.eis.drt import find_peaks, fit_drt

    runs = _peer_runs()

    def peer(f: np.ndarray, z: np.ndarray, custom: bool = False, keep_order: bool = False) -> object:
        if not keep_order:  # descending frequencies: see peer_finding below
            o = np.argsort(-f)
            f, z = f[o], z[o]
        entry = runs.EIS_object(f, z.real, z.imag)  # type: ignore[attr-defined]
        with contextlib.redirect_stdout(io.StringIO()):  # pyDRTtools and cvxopt print every iteration
            return runs.simple_run(entry, rbf_type="Gaussian", data_used="Combined Re-Im Data",  # type: ignore[attr-defined]
                                   induct_used=0, der_used="1st order", cv_type="custom" if custom else "GCV",
                                   reg_param=1e-3, shape_control="FWHM Coefficient", coeff=0.5)

    rows: list[dict[str, object]] = []
    cases: list[dict[str, object]] = []
    for sp in _spectra():
        f, z = np.asarray(sp["f"]), np.asarray(sp["z"])
        ours = fit_drt(f, z)
        theirs = peer(f, z)
        t_cw, _ = median_time(lambda f=f, z=z: fit_drt(f, z), repeats=args.repeats)
        t_peer, _ = median_time(lambda f=f, z=z: peer(f, z), repeats=args.repeats)
        tau_p = np.asarray(theirs.out_tau_vec, dtype=float)  # type: ignore[attr-defined]
        gam_p = np.asarray(theirs.gamma, dtype=float)  # type: ignore[attr-defined]
        band = (1 / (2 * np.pi * f.max()), 1 / (2 * np.pi * f.min()))
        grid = np.logspace(math.log10(band[0]), math.log10(band[1]), 400)
        g_cw = np.interp(np.log(grid), np.log(ours.tau_s), ours.gamma_Ohm)
        g_pr = np.interp(np.log(grid), np.log(tau_p), gam_p)
        peaks_pr = find_peaks(np.log(tau_p), gam_p)
        case: dict[str, object] = {
            "spectrum": sp["name"], "role": sp["role"], "n_points": int(f.size),
            "cellworks": {"lambda": ours.lambda_value, "R_inf_Ohm": ours.R_inf_Ohm, "R_pol_Ohm": ours.R_pol_Ohm,
                          "peaks": [(p.tau_s, p.R_Ohm) for p in ours.peaks], "s": t_cw},
            "pyDRTtools": {"lambda": float(np.ravel(theirs.lambda_value)[0]),  # type: ignore[attr-defined]
                           "R_inf_Ohm": float(np.ravel(theirs.R)[0]),  # type: ignore[attr-defined]
                           "R_pol_Ohm": float(np.trapezoid(gam_p, np.log(tau_p))),
                           "peaks": [(p.tau_s, p.R_Ohm) for p in peaks_pr], "s": t_peer},
        }
        if "peaks" in sp:
            truth = list(sp["peaks"])  # type: ignore[call-overload]
            n_cw, e_cw = _peak_error(list(case["cellworks"]["peaks"]), truth)  # type: ignore[index]
            n_pr, e_pr = _peak_error(list(case["pyDRTtools"]["peaks"]), truth)  # type: ignore[index]
            case.update(cellworks_error=e_cw, pyDRTtools_error=e_pr, n_peaks=[n_cw, n_pr])
            same = n_cw == n_pr == len(truth) and e_cw <= 0.1 and e_pr <= 0.1
            check = (f"peaks vs truth (τ, R): cellworks {n_cw} peaks, max rel. error {e_cw:.3g}; pyDRTtools {n_pr} "
                     f"peaks, {e_pr:.3g}; same = both find the 2 peaks within 10 %")
        elif "gamma" in sp:
            truth_g = sp["gamma"](grid)  # type: ignore[operator]
            e_cw, e_pr = _l2(grid, g_cw, truth_g), _l2(grid, g_pr, truth_g)
            r_cw = abs(ours.R_pol_Ohm / float(sp["R"]) - 1)  # type: ignore[arg-type]
            r_pr = abs(float(case["pyDRTtools"]["R_pol_Ohm"]) / float(sp["R"]) - 1)  # type: ignore[index, arg-type]
            case.update(cellworks_error=e_cw, pyDRTtools_error=e_pr, cellworks_R_error=r_cw, pyDRTtools_R_error=r_pr)
            same = e_cw <= max(1.5 * e_pr, 0.05)
            check = (f"relative L2 error of γ vs the closed form over the measured band: cellworks {e_cw:.3g}, "
                     f"pyDRTtools {e_pr:.3g} (∫γ vs R: {r_cw:.2g}, {r_pr:.2g}); same = cellworks ≤ 1.5× pyDRTtools")
        else:
            d = _l2(grid, g_cw, g_pr)
            case.update(gamma_distance=d)
            same = d <= 0.25
            check = (f"relative L2 distance of cellworks' γ to pyDRTtools' over the measured band: {d:.3g} "
                     f"(same ≤ 0.25); R∞ {ours.R_inf_Ohm:.4g} vs {case['pyDRTtools']['R_inf_Ohm']:.4g} Ω")  # type: ignore[index]
        cases.append(case)
        # without a truth the two defaults are not the same work (each tool chooses its own λ): context only
        truth_known = "peaks" in sp or "gamma" in sp
        rows.append({"work": f"DRT of {sp['name']} ({f.size} points), each tool's default λ choice", "peer": PEER,
                     "peer_s": t_peer, "cellworks_s": t_cw, "ratio": t_peer / t_cw if truth_known else None,
                     "same_result": bool(same), "check": check if truth_known else "context (λ differs): " + check})
        # the same regularised problem: same λ and pyDRTtools' collocation (one centre at τ = 1/f per frequency)
        fixed_cw = fit_drt(f, z, lam=1e-3, centres_tau_s=1 / f)
        fixed_pr = peer(f, z, custom=True)
        t_cw_f, _ = median_time(lambda f=f, z=z: fit_drt(f, z, lam=1e-3, centres_tau_s=1 / f), repeats=args.repeats)
        t_pr_f, _ = median_time(lambda f=f, z=z: peer(f, z, custom=True), repeats=args.repeats)
        g_cw_f = np.interp(np.log(grid), np.log(fixed_cw.tau_s), fixed_cw.gamma_Ohm)
        g_pr_f = np.interp(np.log(grid), np.log(np.asarray(fixed_pr.out_tau_vec)),  # type: ignore[attr-defined]
                           np.asarray(fixed_pr.gamma))  # type: ignore[attr-defined]
        d_f = _l2(grid, g_cw_f, g_pr_f)
        case["fixed_lambda_distance"] = d_f
        rows.append({"work": f"DRT of {sp['name']} ({f.size} points), same λ = 1e-3 and centres τ = 1/f",
                     "peer": PEER.replace(
            "GCV", "custom λ"), "peer_s": t_pr_f, "cellworks_s": t_cw_f, "ratio": t_pr_f / t_cw_f,
            "same_result": bool(d_f <= 0.1),
            "check": f"relative L2 distance between the two γ over the measured band: {d_f:.3g} (same ≤ 0.1)"})
    out = {"benchmark": "eis_drt", "repeats": args.repeats, "rows": rows, "cases": cases,
           "peer_finding": _order_finding(peer)}
    if not args.no_study:
        out["lambda_study"] = _lambda_study(peer)
    if args.json:
        print(json.dumps(out, indent=2, default=float))
    else:
        for st in out.get("lambda_study", []):  # type: ignore[union-attr]
            print(st)
        for r in rows:
            print(f"{r['work']}: pyDRTtools {1e3 * float(r['peer_s']):.0f} ms, cellworks "  # type: ignore[arg-type]
                  f"{1e3 * float(r['cellworks_s']):.1f} ms -> {float(r['ratio']):.1f}x; {r['check']}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
