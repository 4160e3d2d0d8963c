"""Circuit fitting: impedance.py's meaning of an initial guess, the global optimum beside it, labelling."""

import numpy as np
import pytest

from cellworks.eis.circuits import parse_circuit
from cellworks.eis.fitting import GLOBAL_NOTE_FACTOR, fit_circuit
from cellworks.eis.model import CircuitModel, CustomCircuit, charge_transfer_resistance
from cellworks.eis.relabel import interchangeable_groups, match_labelling

from .conftest import CIRCUIT, DOC_MODULUS, DOC_UNWEIGHTED, GUESS

# impedance.py 1.7.1's own fit of exampleData.csv from GUESS ends at this chi2 (measured with impedance.py in
# benchmarks/eis_vs_impedancepy.py and quoted in issue 17): a peer value, not one of ours
CHI2_IMPEDANCEPY = 1.94302e-5
# the lower minimum with the arcs exchanged (issue 17's measurement; checked independently below with curve_fit)
CHI2_GLOBAL = 1.40314e-5


def _rel(a, b):
    return abs(a / b - 1)


@pytest.fixture(scope="module")
def example_fit(example_spectrum):
    f, z = example_spectrum
    return fit_circuit(f, z, CIRCUIT, GUESS)


def test_with_a_guess_the_answer_is_the_local_fit_as_impedance_py(example_spectrum, example_fit):
    f, z = example_spectrum
    assert f.size == 57  # "57 of 66 remain" after dropping Im Z > 0
    res = example_fit
    assert res.answer == "local fit from the initial guess"
    for name, doc in DOC_UNWEIGHTED.items():
        if name == "Wo1_1":
            # flat valley: impedance.py's curve_fit stops early at 233 s; within one standard error (Done-when)
            assert abs(res.value(name) - doc) <= res.error(name), (res.value(name), res.error(name))
        else:
            assert _rel(res.value(name), doc) < 0.01, name  # Done-when: within 1 %
    assert res.chi2 <= CHI2_IMPEDANCEPY
    # the local answer is the same as with the search switched off
    alone = fit_circuit(f, z, CIRCUIT, GUESS, n_starts=1)
    assert np.allclose(res.values, alone.values, rtol=1e-6) and alone.global_optimum is None


def test_the_lower_minimum_is_reported_as_global_optimum(example_spectrum, example_fit):
    from scipy.optimize import curve_fit

    f, z = example_spectrum
    glob = example_fit.global_optimum
    assert glob is not None
    assert glob.chi2 == pytest.approx(CHI2_GLOBAL, rel=0.01)  # Done-when: within 1 %
    assert glob.chi2 * GLOBAL_NOTE_FACTOR < example_fit.chi2
    # independent check with scipy's curve_fit (finite differences, no log transform) from the reported point:
    # it is a minimum, and the arcs are exchanged: the R1-C1 arc is now the faster one
    c = parse_circuit(CIRCUIT)

    def model(ff, *p):
        zz = c.impedance(p, ff)
        return np.concatenate([zz.real, zz.imag])

    popt, _ = curve_fit(model, f, np.concatenate([z.real, z.imag]), p0=glob.values)
    chi2 = np.sum(np.abs(c.impedance(popt, f) - z) ** 2)
    assert chi2 >= glob.chi2 * (1 - 1e-6)
    assert glob.value("R1") * glob.value("C1") < example_fit.value("R1") * example_fit.value("C1") / 10
    # the flat Warburg valley of the global optimum is named, not hidden
    assert ("Wo1_0", "Wo1_1") in [(a, b) for a, b, _ in glob.high_correlations]
    assert "Wo1_1" in " ".join(glob.flags)


def test_modulus_weighted_local_fit_reproduces_documented_values(example_spectrum):
    f, z = example_spectrum
    res = fit_circuit(f, z, CIRCUIT, GUESS, weight="modulus", n_starts=1)
    for name, doc in DOC_MODULUS.items():
        assert _rel(res.value(name), doc) < 0.01, name  # within 1 % of impedance.py's documented weighted fit


def test_twenty_random_guesses_over_three_decades_reach_the_global_optimum(example_spectrum, example_fit):
    f, z = example_spectrum
    opt = np.array(example_fit.global_optimum.values)
    rng = np.random.default_rng(2024)
    hits_search = hits_best = 0
    for _ in range(20):
        guess = opt * 10 ** rng.uniform(-1.5, 1.5, opt.size)  # three decades around the optimum
        searched = fit_circuit(f, z, CIRCUIT, guess, answer="search")
        hits_search += bool(np.all(np.abs(np.array(searched.values) / opt - 1) < 0.01))
        local = fit_circuit(f, z, CIRCUIT, guess)  # impedance.py's meaning: the search's fit rides along
        # (by chi2: a local fit within the note factor of the optimum may sit elsewhere in the flat Warburg valley)
        hits_best += bool(local.best.chi2 <= example_fit.global_optimum.chi2 * GLOBAL_NOTE_FACTOR)
    assert hits_search >= 19 and hits_best >= 19  # Done-when: >= 19 of 20


def test_without_a_guess_the_search_result_is_the_answer(example_spectrum, example_fit):
    f, z = example_spectrum
    res = fit_circuit(f, z, CIRCUIT)
    assert res.answer == "multi-start search" and res.global_optimum is None
    assert res.chi2 == pytest.approx(example_fit.global_optimum.chi2, rel=1e-6)


def test_no_search_reports_no_global_optimum(example_spectrum):
    f, z = example_spectrum
    assert fit_circuit(f, z, CIRCUIT, GUESS, n_starts=1).global_optimum is None


def test_equivalent_arcs_keep_the_users_labelling():
    circuit = "R0-p(R1,C1)-p(R2,C2)"
    c = parse_circuit(circuit)
    assert [[sorted(m) for m in g] for g in interchangeable_groups(c)] == [[[1, 2], [3, 4]]]
    truth = [10.0, 20.0, 5e-5, 30.0, 3e-2]  # arcs at 1 ms and 0.9 s
    f = np.logspace(5, -2, 60)
    z = c.impedance(truth, f)
    # the user calls the slow arc "1": every answer must keep that naming
    guess = [8.0, 25.0, 2e-2, 15.0, 1e-4]
    for answer in ("local", "search"):
        res = fit_circuit(f, z, circuit, guess, answer=answer)
        assert res.value("R1") == pytest.approx(30.0, rel=1e-4) and res.value("C2") == pytest.approx(5e-5, rel=1e-4)
    swapped, changed = match_labelling(c, [10, 30, 3e-2, 20, 5e-5], [1, 18, 1e-4, 25, 1e-2])
    assert changed and list(swapped) == [10, 20, 5e-5, 30, 3e-2]
    # a constant in one arc makes the arcs distinguishable: nothing is swapped
    _, changed = match_labelling(c, [10, 30, 3e-2, 20, 5e-5], [1, 18, 1e-4, 25, 1e-2], fixed=[1])
    assert not changed


def test_nine_point_geis_fit_flags_the_series_resistance(geis_cycle1):
    # issue 21: "R0 = 3e-8 ± 350 Ω without a word" on the 9-point GEIS of the Li|Li cell
    f, z = geis_cycle1
    res = fit_circuit(f, z, "R0-p(R1,CPE1)-W1")
    i = res.param_names.index("R0")
    assert res.at_bound[i] == "lower"
    assert np.isnan(res.stderr[i])
    assert any("over-parameterised for 9 points" in fl for fl in res.flags)
    out = res.as_dict()
    assert out["stderr"]["R0"] is None and out["at_bound"]["R0"] == "lower"


def test_cpe_exponent_pinned_at_one_has_no_standard_error():
    # a pure capacitor fitted with a CPE: the exponent runs into its upper bound 1 (issue: "1.000 ± 12 %")
    f = np.logspace(4, -1, 40)
    z = parse_circuit("R0-p(R1,C1)").impedance([5.0, 50.0, 1e-4], f)
    res = fit_circuit(f, z, "R0-p(R1,CPE1)", [4, 40, 2e-4, 0.8])
    i = res.param_names.index("CPE1_1")
    assert res.value("CPE1_1") == pytest.approx(1.0, abs=1e-6)
    assert res.at_bound[i] == "upper" and np.isnan(res.stderr[i])


def test_impossible_signs_are_flagged():
    f = np.logspace(5, -1, 40)
    z = parse_circuit("R0-p(R1,C1)").impedance([5.0, 50.0, 1e-4], f)
    res = fit_circuit(f, z, "L0-R0-p(R1,C1)", [5, 40, 2e-4], constants={"L0": -1e-7})
    assert any(fl.startswith("L0 = -1e-07 H is negative") for fl in res.flags)
    # user bounds that allow a negative resistance: the fitted negative value is flagged
    z2 = z - 8.0  # shifts the high-frequency intercept below zero
    res2 = fit_circuit(f, z2, "R0-p(R1,C1)", [1, 40, 2e-4], bounds=([-100, 0, 0], [100, np.inf, np.inf]))
    assert res2.value("R0") == pytest.approx(-3.0, rel=1e-4)
    assert any(fl.startswith("R0 = -3 Ohm is negative") for fl in res2.flags)


def test_a_degenerate_pair_gets_no_standard_error_instead_of_a_tiny_one():
    # two series resistors: only their sum is determined; a pseudo-inverse would report a small error for each
    f = np.logspace(4, -1, 30)
    rng = np.random.default_rng(3)
    z0 = parse_circuit("R0-p(R1,C1)").impedance([5.0, 50.0, 1e-4], f)
    z = z0 + 0.01 * rng.standard_normal(f.size)
    res = fit_circuit(f, z, "R0-R2-p(R1,C1)", [2, 2, 40, 2e-4], n_starts=1)
    assert np.isnan(res.error("R0")) and np.isnan(res.error("R2"))
    assert res.value("R0") + res.value("R2") == pytest.approx(5.0, abs=0.05)


def test_noise_free_synthetic_spectrum_is_recovered_exactly():
    circuit = "R0-p(R1,CPE1)-p(R2-Wo1,C2)"
    true = [0.02, 0.01, 2.0, 0.9, 0.005, 0.06, 240.0, 0.2]
    f = np.logspace(-3, 4, 60)
    z = parse_circuit(circuit).impedance(true, f)
    res = fit_circuit(f, z, circuit, [v * 3 for v in true], n_starts=6)
    # exact data: the optimum is the truth to solver precision (round trip)
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
    assert np.allclose(popt, res.values, rtol=1e-3)
    assert np.allclose(res.stderr, np.sqrt(np.diag(pcov)), rtol=2e-2)  # finite differences: ~1e-3 relative
    corr = np.array(res.correlation)
    assert np.allclose(np.diag(corr), 1.0) and np.all(np.abs(corr) <= 1 + 1e-9)


def test_impedance_py_custom_circuit_api(example_spectrum):
    f, z = example_spectrum
    m = CustomCircuit(CIRCUIT, initial_guess=list(GUESS))
    m.fit(f, z, weight_by_modulus=True)
    names, units = m.get_param_names()
    assert names == list(DOC_MODULUS) and units[0] == "Ohm"
    for name, v in zip(names, m.parameters_, strict=True):
        assert _rel(v, DOC_MODULUS[name]) < 0.01, name  # impedance.py's documented |Z|-weighted fit
    assert m.conf_.shape == m.parameters_.shape
    assert "Circuit string" in str(m)


def test_constants_and_sklearn_style_model(example_spectrum):
    f, z = example_spectrum
    m = CircuitModel(CIRCUIT, initial_guess=[0.01, 0.01, 100, 0.01, 0.05, 1], constants={"Wo1_1": 233.0})
    m.fit(f, z)
    assert m.parameters_.size == 6
    assert m.result_.value("Wo1_1") == 233.0
    assert np.sqrt(np.mean(np.abs(m.predict(f) - z) ** 2)) == pytest.approx(m.result_.rmse_Ohm)
    rct, se = charge_transfer_resistance(m, "R1")
    assert rct == m.result_.value("R1") and se > 0


def test_bad_inputs_raise_input_errors(example_spectrum):
    f, z = example_spectrum
    with pytest.raises(ValueError, match="7 free parameters"):
        fit_circuit(f, z, CIRCUIT, [1, 2, 3])
    with pytest.raises(ValueError, match="weight"):
        fit_circuit(f, z, CIRCUIT, GUESS, weight="banana")
    with pytest.raises(ValueError, match="answer"):
        fit_circuit(f, z, CIRCUIT, GUESS, answer="best")
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
