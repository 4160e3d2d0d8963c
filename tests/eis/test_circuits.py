import numpy as np
import pytest

from cellworks.eis.circuits import CircuitError, parse_circuit, simulate

F = np.logspace(-2, 5, 30)


def test_parameter_names_follow_impedance_py():
    c = parse_circuit("R0-p(R1,C1)-p(R2-Wo1,C2)")
    assert c.param_names == ("R0", "R1", "C1", "R2", "Wo1_0", "Wo1_1", "C2")
    assert [e.name for e in parse_circuit("R0-p(R10,C1)-p(R1,C2032478)-W1").elements] == [
        "R0", "R10", "C1", "R1", "C2032478", "W1"]
    assert parse_circuit("R0 - p(C1, R1, R2)").n_params == 4
    assert parse_circuit("R0-p(p(R1,C1)-R2,C2)").n_params == 5
    assert parse_circuit("p(C1,R1)-p(C2,R2)").n_params == 4
    assert parse_circuit("R_1-CPE_2").param_names == ("R_1", "CPE_2_0", "CPE_2_1")


def test_randles_impedance_against_hand_formula():
    r0, r1, c1 = 10.0, 100.0, 1e-5
    z = simulate("R0-p(R1,C1)", [r0, r1, c1], F)
    w = 2 * np.pi * F
    assert np.allclose(z, r0 + r1 / (1 + 1j * w * r1 * c1), rtol=1e-13)
    assert np.allclose(simulate("R0-p(R1,C1)", {"R0": r0, "R1": r1, "C1": c1}, F), z)


def test_circuit_jacobian_matches_finite_differences():
    c = parse_circuit("R0-p(R1,CPE1)-p(R2-Wo1,C2)-L1")
    p = np.array([0.02, 0.01, 2.0, 0.9, 0.005, 0.06, 240.0, 0.2, 1e-7])
    w = 2 * np.pi * F
    _, jac = c.impedance_and_jacobian(p, w)
    for i in range(p.size):
        h = 1e-6 * p[i]
        up, dn = p.copy(), p.copy()
        up[i] += h
        dn[i] -= h
        num = (c.impedance(up, F) - c.impedance(dn, F)) / (2 * h)
        assert np.allclose(jac[i], num, rtol=1e-5, atol=1e-9 * np.max(np.abs(num))), c.param_names[i]


@pytest.mark.parametrize(
    "text, token",
    [("R0-p(R1,C1", "end of text"), ("R0-X1", "X1"), ("R0-R0", "R0"), ("R0--C1", "-"), ("", None),
     ("R0-p(R1,C1))", ")")],
)
def test_bad_circuits_name_the_token(text, token):
    with pytest.raises(CircuitError) as err:
        parse_circuit(text)
    if token is not None:
        assert err.value.token == token
        assert err.value.position is not None


def test_wrong_number_of_parameters():
    with pytest.raises(ValueError, match="3 parameters"):
        simulate("R0-p(R1,C1)", [1.0, 2.0], F)


def test_compiled_kernel_agrees_with_the_numpy_tree():
    # two independent implementations of every element and of the series/parallel rules
    c = parse_circuit("R0-p(R1,CPE1)-p(R2-Wo1,C2)-L1-p(Zarc1,Gs1,T1)-TLMQ1-La1-W1-p(G1,K1,Ws1)")
    rng = np.random.default_rng(0)
    p = np.exp(rng.uniform(-2, 2, c.n_params))
    for name in ("CPE1_1", "La1_1", "Zarc1_2", "TLMQ1_2"):
        p[c.index(name)] = 0.8
    w = 2 * np.pi * np.logspace(-3, 5, 40)
    z1, j1 = c.impedance_and_jacobian(p, w)
    z2, j2 = c.impedance_and_jacobian_tree(p, w)
    assert np.allclose(z1, z2, rtol=1e-12, atol=0)
    assert np.allclose(j1, j2, rtol=1e-10, atol=1e-12 * np.max(np.abs(j2)))
