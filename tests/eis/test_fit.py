import numpy as np
import pytest

from cellworks.eis.circuits import parse_circuit
from cellworks.eis.fit import CircuitModel, charge_transfer_resistance, fit_circuit

from .conftest import CIRCUIT, DOC_MODULUS, DOC_UNWEIGHTED, GUESS


def _rel(a, b):
    return abs(a / b - 1)


def test_local_fit_reproduces_impedance_py_documented_values(example_spectrum):
    f, z = example_spectrum
    assert f.size == 57  # "57 of 66 remain" after dropping Im Z > 0
    res = fit_circuit(f, z, CIRCUIT, GUESS, n_starts=1)
    for name, doc in DOC_UNWEIGHTED.items():
        # 1 % (Done-when); Wo1_1 sits in a flat valley: impedance.py's curve_fit stops early (ftol 1e-8)
        # at 232.5 s with chi2 1.94302e-5, fully converged we reach 237.8 s at a lower chi2 -> 2.5 %
        tol = 0.025 if name == "Wo1_1" else 0.01
        assert _rel(res.value(name), doc) < tol, name
    doc_vec = [DOC_UNWEIGHTED[n] for n in parse_circuit(CIRCUIT).param_names]
    chi2_doc = np.sum(np.abs(parse_circuit(CIRCUIT).impedance(doc_vec, f) - z) ** 2)
    assert res.chi2 <= chi2_doc


def test_modulus_weighted_local_fit_reproduces_documented_values(example_spectrum):
    f, z = example_spectrum
    res = fit_circuit(f, z, CIRCUIT, GUESS, weight="modulus", n_starts=1)
    for name, doc in DOC_MODULUS.items():
        assert _rel(res.value(name), doc) < 0.01, name  # Done-when: within 1 %


def test_multistart_keeps_the_local_answer_and_finds_a_lower_minimum(example_spectrum):
    f, z = example_spectrum
    res = fit_circuit(f, z, CIRCUIT, GUESS, weight="modulus")
    local = dict(zip(res.param_names, res.local_values, strict=True))
    for name, doc in DOC_MODULUS.items():
        assert _rel(local[name], doc) < 0.01, name
    # the documented weighted fit is a local minimum: the search ends strictly lower
    assert res.chi2 < res.local_chi2 * (1 - 1e-3)


def test_twenty_poor_initial_guesses_reach_the_same_optimum(example_spectrum):
    f, z = example_spectrum
    best = fit_circuit(f, z, CIRCUIT, GUESS)
    opt = np.array(best.values)
    # the optimum is at least as good as impedance.py's documented fit (a peer tool's value)
    doc_vec = [DOC_UNWEIGHTED[n] for n in parse_circuit(CIRCUIT).param_names]
    assert best.chi2 < np.sum(np.abs(parse_circuit(CIRCUIT).impedance(doc_vec, f) - z) ** 2)
    rng = np.random.default_rng(2024)
    hits = 0
    for _ in range(20):
        guess = opt * 10 ** rng.uniform(-1.5, 1.5, opt.size)  # three decades around the optimum
        res = fit_circuit(f, z, CIRCUIT, guess)
        hits += bool(np.all(np.abs(np.array(res.values) / opt - 1) < 0.01))  # "within 1 %"
    assert hits >= 19


def test_noise_free_synthetic_spectrum_is_recovered_exactly():
    circuit = "R0-p(R1,CPE1)-p(R2-Wo1,C2)"
    true = [0.02, 0.01, 2.0, 0.9, 0.005, 0.06, 240.0, 0.2]
    f = np.logspace(-3, 4, 60)
    z = parse_circuit(circuit).impedance(true, f)
    res = fit_circuit(f, z, circuit, [v * 3 for v in true], n_starts=6)
    # exact data: the optimum is the truth to solver precision
    assert np.allclose(res.values, true, rtol=1e-5)
    assert res.chi2 < 1e-20


def test_standard_errors_match_curve_fit_covariance(example_spectrum):
    from scipy.optimize import curve_fit

    f, z = example_spectrum
    res = fit_circuit(f, z, CIRCUIT, GUESS, n_starts=1)
    c = parse_circuit(CIRCUIT)

    def model(ff, *p):
        zz = c.impedance(p, ff)
        return np.concatenate([zz.real, zz.imag])

    # curve_fit started at our optimum: its (numerical-Jacobian) covariance is an independent check
    popt, pcov = curve_fit(model, f, np.concatenate([z.real, z.imag]), p0=res.values)
    assert np.allclose(popt, res.values, rtol=1e-3)  # already at the optimum
    se = np.sqrt(np.diag(pcov))
    assert np.allclose(res.stderr, se, rtol=2e-2)  # finite-difference Jacobian: a few 1e-3 relative
    corr = np.array(res.correlation)
    assert np.allclose(np.diag(corr), 1.0)
    assert np.all(np.abs(corr) <= 1 + 1e-9)


def test_constants_and_sklearn_style_model(example_spectrum):
    f, z = example_spectrum
    m = CircuitModel(CIRCUIT, initial_guess=[0.01, 0.01, 100, 0.01, 0.05, 1], constants={"Wo1_1": 233.0})
    m.fit(f, z)
    assert m.parameters_.size == 6
    assert m.result_.value("Wo1_1") == 233.0
    assert m.predict(f).shape == f.shape
    assert np.sqrt(np.mean(np.abs(m.predict(f) - z) ** 2)) == pytest.approx(m.result_.rmse_Ohm)
    rct, se = charge_transfer_resistance(m, "R1")
    assert rct == m.result_.value("R1") and se > 0


def test_bad_inputs_raise_input_errors(example_spectrum):
    f, z = example_spectrum
    with pytest.raises(ValueError, match="7 free parameters"):
        fit_circuit(f, z, CIRCUIT, [1, 2, 3])
    with pytest.raises(ValueError, match="weight"):
        fit_circuit(f, z, CIRCUIT, GUESS, weight="banana")
    z_bad = z.copy()
    z_bad[5] = np.nan
    with pytest.raises(ValueError, match="point 5"):
        fit_circuit(f, z_bad, CIRCUIT, GUESS)
    with pytest.raises(ValueError, match="no parameter"):
        fit_circuit(f, z, CIRCUIT, GUESS[:-1], constants={"C9": 1.0})


@pytest.mark.parametrize(
    "circuit, truth",
    [("R0-p(R1,CPE1)-p(R2,CPE2)", [10.0, 50.0, 1e-5, 0.85, 30.0, 1e-2, 0.75]),
     ("R0-p(R1-Wo1,C1)", [5.0, 30.0, 20.0, 10.0, 2e-5]),
     ("L0-R0-p(R1,C1)-p(R2,C2)-W1", [1e-6, 1.0, 5.0, 1e-4, 20.0, 1e-2, 3.0])],
)
def test_without_a_guess_the_search_does_at_least_as_well_as_the_truth(circuit, truth):
    # noisy synthetic spectrum: the least-squares optimum can only be at or below the true parameters' chi2
    c = parse_circuit(circuit)
    f = np.logspace(5, -2, 60)
    rng = np.random.default_rng(11)
    z0 = c.impedance(truth, f)
    z = z0 + 0.005 * np.abs(z0) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    res = fit_circuit(f, z, circuit, weight="modulus")
    chi2_truth = np.sum(np.abs((z - z0) / np.abs(z)) ** 2)
    assert res.chi2 <= chi2_truth * (1 + 1e-9)
