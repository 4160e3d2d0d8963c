import numpy as np
import pytest

from cellworks.eis.elements import ELEMENTS, element_impedance

F = np.logspace(-3, 5, 25)
PARAMS = {
    "R": [2.0], "C": [1e-3], "L": [1e-6], "W": [3.0], "Wo": [0.5, 20.0], "Ws": [0.5, 20.0], "CPE": [1e-3, 0.8],
    "La": [1e-6, 0.9], "G": [1.5, 0.1], "Gs": [1.5, 0.1, 2.0], "Zarc": [5.0, 1e-2, 0.85], "K": [2.0, 1e-3],
    "TLMQ": [3.0, 1e-3, 0.9], "T": [2.0, 1.0, 0.5, 0.01],
}


def test_every_element_has_a_case():
    assert set(PARAMS) == set(ELEMENTS)


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_analytic_derivatives_match_central_differences(kind):
    spec = ELEMENTS[kind]
    p = np.array(PARAMS[kind], dtype=float)
    w = 2 * np.pi * F
    _, dz = spec.fn(p, w)
    for i in range(p.size):
        h = 1e-6 * p[i]
        up, dn = p.copy(), p.copy()
        up[i] += h
        dn[i] -= h
        num = (spec.fn(up, w)[0] - spec.fn(dn, w)[0]) / (2 * h)
        # central differences are accurate to ~h^2 relative: 1e-6 leaves ample margin
        scale = np.abs(num) + 1e-12 * np.max(np.abs(num))
        assert np.all(np.abs(dz[i] - num) <= 1e-5 * scale + 1e-9 * np.max(np.abs(num))), (kind, i)


def test_textbook_values():
    w1 = 1 / (2 * np.pi)  # f such that omega = 1 rad/s
    assert element_impedance("C", [1.0], [w1])[0] == pytest.approx(-1j)
    assert element_impedance("L", [2.0], [w1])[0] == pytest.approx(2j)
    # CPE with alpha = 1 is a capacitor; Zarc with gamma = 1 is p(R, C) with C = tau/R
    assert np.allclose(element_impedance("CPE", [1e-3, 1.0], F), element_impedance("C", [1e-3], F))
    r, tau = 4.0, 1e-2
    rc = 1 / (1 / r + 1 / element_impedance("C", [tau / r], F))
    assert np.allclose(element_impedance("Zarc", [r, tau, 1.0], F), rc)
    assert np.allclose(element_impedance("K", [r, tau], F), rc)
    # semi-infinite Warburg: -Im = Re (45 degrees) and |Z| ∝ ω^-1/2
    zw = element_impedance("W", [3.0], F)
    assert np.allclose(zw.real, -zw.imag)
    # finite Warburgs: at low frequency Ws -> Z0 (resistive), Wo -> Z0/(jωτ) + Z0/3 (capacitive)
    z0, t = 0.5, 20.0
    assert element_impedance("Ws", [z0, t], [1e-7])[0] == pytest.approx(z0, rel=1e-4)
    flo = 1e-6
    wlo = 2 * np.pi * flo
    assert element_impedance("Wo", [z0, t], [flo])[0] == pytest.approx(z0 / (1j * wlo * t) + z0 / 3, rel=1e-6)
    # at high frequency both tend to the semi-infinite Warburg Z0/sqrt(jωτ)
    fhi = 1e6
    whi = 2 * np.pi * fhi
    for kind in ("Wo", "Ws"):
        assert element_impedance(kind, [z0, t], [fhi])[0] == pytest.approx(z0 / np.sqrt(1j * whi * t), rel=1e-9)
    # Gerischer -> R_G at low frequency
    assert element_impedance("G", [1.5, 0.1], [1e-9])[0] == pytest.approx(1.5)
    # large arguments stay finite (no overflow in sinh/tanh)
    assert np.all(np.isfinite(element_impedance("T", [2.0, 1.0, 0.5, 1e3], F)))
