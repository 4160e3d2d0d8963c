"""Circuit elements: impedance and its analytic derivatives, vectorised over frequency.

Every element of impedance.py's circuit language is here with the same name, the same parameter
order and the same formula, so a circuit string and its parameter vector mean exactly what they
mean in impedance.py (ECSHackWeek/impedance.py, ``impedance/models/circuits/elements.py``, MIT).
Each element function takes the parameter values ``p`` (a sequence of floats) and the angular
frequency ``omega`` (rad/s, 1-D array) and returns ``(Z, dZ)`` with ``Z`` complex of shape (n,)
and ``dZ`` complex of shape (k, n), the derivative of ``Z`` with respect to each parameter.

Formulas (ω = 2πf, j² = −1):

=======  ======================  =====================================================
name     parameters              impedance
=======  ======================  =====================================================
R        R [Ohm]                 R
C        C [F]                   1 / (jωC)
L        L [H]                   jωL
W        A_W [Ohm s^-1/2]        A_W (1 − j) / √ω         (semi-infinite Warburg)
Wo       Z0 [Ohm], τ [s]         Z0 coth(√(jωτ)) / √(jωτ)  (open / finite-space Warburg)
Ws       Z0 [Ohm], τ [s]         Z0 tanh(√(jωτ)) / √(jωτ)  (short / finite-length Warburg)
CPE      Q [Ohm^-1 s^a], α       1 / (Q (jω)^α)
La       L [H s], α              (jωL)^α                   (impedance.py's code; BioLogic note 42)
G        R_G [Ohm], t_G [s]      R_G / √(1 + jωt_G)         (Gerischer)
Gs       R_G [Ohm], t_G [s], φ   R_G / (√(1 + jωt_G) tanh(φ √(1 + jωt_G)))
Zarc     R [Ohm], τ [s], γ       R / (1 + (jωτ)^γ)
K        R [Ohm], τ [s]          R / (1 + jωτ)              (the Lin-KK RC element)
TLMQ     R_ion [Ohm], Q, γ       √(R_ion / Y) coth(√(R_ion Y)),  Y = Q (jω)^γ
T        A, B [Ohm m²], a, b [s] A coth(β)/β + B / (β sinh β),  β = √(a + jωb)  (Paasch 1993)
=======  ======================  =====================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from cellworks._typing import Array

ElementFn = Callable[[Sequence[float], Array], tuple[Array, Array]]

_INF = float("inf")


@dataclass(frozen=True)
class ElementSpec:
    """One circuit element: its parameters, their units and default bounds, and its function."""

    name: str
    param_names: tuple[str, ...]
    units: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    fn: ElementFn
    description: str
    source: str = "impedance.py (ECSHackWeek), impedance/models/circuits/elements.py"

    @property
    def n_params(self) -> int:
        return len(self.param_names)


def _coth(x: Array) -> Array:
    return 1.0 / np.tanh(x)


def _csch(x: Array) -> Array:
    """1/sinh(x) without overflow for large Re x (sinh overflows, its reciprocal tends to 0)."""
    x = np.asarray(x, dtype=complex)
    sign = np.where(x.real >= 0, 1.0, -1.0)
    xs = x * sign  # Re xs >= 0
    e = np.exp(-2.0 * xs)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 2.0 * np.exp(-xs) / (1.0 - e)
    return out * sign


def _sech2(x: Array) -> Array:
    """1/cosh² x = 4e^{-2x}/(1 + e^{-2x})², free of the cancellation in 1 − tanh² where tanh ≈ ±1."""
    x = np.asarray(x, dtype=complex)
    e = np.exp(-2.0 * np.where(x.real >= 0, x, -x))
    return 4.0 * e / (1.0 + e) ** 2


def _csch2(x: Array) -> Array:
    """1/sinh² x = 4e^{-2x}/(1 − e^{-2x})² (= coth² − 1 without cancellation)."""
    x = np.asarray(x, dtype=complex)
    e = np.exp(-2.0 * np.where(x.real >= 0, x, -x))
    return 4.0 * e / (1.0 - e) ** 2


def _r(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    z = np.full(w.shape, complex(p[0]))
    return z, np.ones((1, w.size), dtype=complex)


def _c(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    c = p[0]
    z = 1.0 / (1j * w * c)
    return z, (-z / c)[None, :]


def _l(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    jw = 1j * w
    return jw * p[0], jw[None, :].astype(complex)


def _w(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    base = (1 - 1j) / np.sqrt(w)
    return p[0] * base, base[None, :]


def _wo(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    z0, tau = p[0], p[1]
    s = np.sqrt(1j * w * tau)
    th = np.tanh(s)
    cth = 1.0 / th
    g = cth / s
    z = z0 * g
    # d/dτ: ds/dτ = s/(2τ); d(coth s / s)/ds = -csch²(s)/s - coth(s)/s²;  csch² = coth² - 1
    dtau = z0 / (2.0 * tau) * (-_csch2(s) - g)
    return z, np.vstack([g, dtau])


def _ws(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    z0, tau = p[0], p[1]
    s = np.sqrt(1j * w * tau)
    th = np.tanh(s)
    g = th / s
    z = z0 * g
    dtau = z0 / (2.0 * tau) * (_sech2(s) - g)
    return z, np.vstack([g, dtau])


def _cpe(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    q, alpha = p[0], p[1]
    ljw = np.log(w) + 0.5j * np.pi  # ln(jω)
    z = np.exp(-alpha * ljw) / q
    return z, np.vstack([-z / q, -z * ljw])


def _la(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    ell, alpha = p[0], p[1]
    lg = np.log(w * ell) + 0.5j * np.pi  # ln(jωL)
    z = np.exp(alpha * lg)
    return z, np.vstack([alpha * z / ell, z * lg])


def _g(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    rg, tg = p[0], p[1]
    u2 = 1.0 + 1j * w * tg
    z = rg / np.sqrt(u2)
    return z, np.vstack([z / rg, -0.5 * z * (1j * w) / u2])


def _gs(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    rg, tg, phi = p[0], p[1], p[2]
    u = np.sqrt(1.0 + 1j * w * tg)
    th = np.tanh(phi * u)
    sech2 = _sech2(phi * u)
    g = u * th
    z = rg / g
    dg_dphi = u * u * sech2
    dg_du = th + phi * u * sech2
    du_dt = 1j * w / (2.0 * u)
    return z, np.vstack([z / rg, -z / g * dg_du * du_dt, -z / g * dg_dphi])


def _zarc(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    r, tau, gamma = p[0], p[1], p[2]
    lg = np.log(w * tau) + 0.5j * np.pi  # ln(jωτ)
    x = np.exp(gamma * lg)
    den = 1.0 + x
    z = r / den
    k = -r / (den * den) * x
    return z, np.vstack([1.0 / den, k * gamma / tau, k * lg])


def _k(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    r, tau = p[0], p[1]
    den = 1.0 + 1j * w * tau
    z = r / den
    return z, np.vstack([1.0 / den, -z * (1j * w) / den])


def _tlmq(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    rion, q, gamma = p[0], p[1], p[2]
    ljw = np.log(w) + 0.5j * np.pi
    y = q * np.exp(gamma * ljw)
    a = np.sqrt(rion / y)
    b = np.sqrt(rion * y)
    cth = _coth(b)
    z = a * cth
    csch2 = _csch2(b)

    def dz(da: Array, db: Array) -> Array:
        return da * cth - a * csch2 * db

    d_rion = dz(a / (2 * rion), b / (2 * rion))
    dz_dy = dz(-a / (2 * y), b / (2 * y))
    return z, np.vstack([d_rion, dz_dy * y / q, dz_dy * y * ljw])


def _t(p: Sequence[float], w: Array) -> tuple[Array, Array]:
    big_a, big_b, a, b = p[0], p[1], p[2], p[3]
    beta = np.sqrt(a + 1j * w * b)
    cth = _coth(beta)
    csch = _csch(beta)
    f1 = cth / beta
    f2 = csch / beta
    z = big_a * f1 + big_b * f2
    df1 = -_csch2(beta) / beta - cth / (beta * beta)
    df2 = -csch / (beta * beta) - cth * csch / beta
    dz_dbeta = big_a * df1 + big_b * df2
    return z, np.vstack([f1, f2, dz_dbeta / (2 * beta), dz_dbeta * (1j * w) / (2 * beta)])


ELEMENTS: dict[str, ElementSpec] = {
    spec.name: spec
    for spec in (
        ElementSpec("R", ("R",), ("Ohm",), (0.0,), (_INF,), _r, "resistor"),
        ElementSpec("C", ("C",), ("F",), (0.0,), (_INF,), _c, "capacitor"),
        ElementSpec("L", ("L",), ("H",), (0.0,), (_INF,), _l, "inductor"),
        ElementSpec("W", ("A_W",), ("Ohm sec^-1/2",), (0.0,), (_INF,), _w, "semi-infinite Warburg"),
        ElementSpec("Wo", ("Z0", "tau"), ("Ohm", "sec"), (0.0, 0.0), (_INF, _INF), _wo, "open Warburg"),
        ElementSpec("Ws", ("Z0", "tau"), ("Ohm", "sec"), (0.0, 0.0), (_INF, _INF), _ws, "short Warburg"),
        ElementSpec("CPE", ("Q", "alpha"), ("Ohm^-1 sec^a", ""), (0.0, 0.0), (_INF, 1.0), _cpe,
                    "constant phase element"),
        ElementSpec("La", ("L", "alpha"), ("H sec", ""), (0.0, 0.0), (_INF, 1.0), _la, "modified inductance"),
        ElementSpec("G", ("R_G", "t_G"), ("Ohm", "sec"), (0.0, 0.0), (_INF, _INF), _g, "Gerischer"),
        ElementSpec("Gs", ("R_G", "t_G", "phi"), ("Ohm", "sec", ""), (0.0, 0.0, 0.0), (_INF, _INF, _INF), _gs,
                    "finite-length Gerischer"),
        ElementSpec("Zarc", ("R", "tau", "gamma"), ("Ohm", "sec", ""), (0.0, 0.0, 0.0), (_INF, _INF, 1.0), _zarc,
                    "ZARC (RQ with time constant, Cole-Cole)"),
        ElementSpec("K", ("R", "tau"), ("Ohm", "sec"), (0.0, 0.0), (_INF, _INF), _k, "Voigt RC element (Lin-KK)"),
        ElementSpec("TLMQ", ("R_ion", "Q_s", "gamma"), ("Ohm", "F sec^(gamma-1)", ""), (0.0, 0.0, 0.0),
                    (_INF, _INF, 1.0), _tlmq, "simplified transmission line (Landesfeind 2016 eq. 11)"),
        ElementSpec("T", ("A", "B", "a", "b"), ("Ohm-m^2", "Ohm-m^2", "", "sec"), (0.0, 0.0, 0.0, 0.0),
                    (_INF, _INF, _INF, _INF), _t, "macrohomogeneous porous electrode (Paasch et al. 1993)"),
    )
}
# "TLM" is accepted as a synonym of impedance.py's "TLMQ"
ALIASES: dict[str, str] = {"TLM": "TLMQ"}


def element_spec(kind: str) -> ElementSpec | None:
    """The spec of element type ``kind`` ("R", "Wo", "CPE", ...) or None."""
    return ELEMENTS.get(ALIASES.get(kind, kind))


def element_impedance(kind: str, params: Sequence[float], freq_Hz: Array) -> Array:
    """Impedance [Ohm] of one element at frequencies ``freq_Hz``."""
    spec = element_spec(kind)
    if spec is None:
        from cellworks.errors import ParameterError

        raise ParameterError(f"unknown circuit element '{kind}'", token=kind)
    w = 2.0 * np.pi * np.asarray(freq_Hz, dtype=float)
    z, _ = spec.fn([float(v) for v in params], w)
    return z
