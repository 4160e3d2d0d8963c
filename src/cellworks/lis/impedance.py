"""Lumped small-signal impedance of a Li–S cell state, either model (used by the EIS part).

``Z(f) = R_ohmic + R_layer + R_ct,a ∥ C_dl,a + R_ct,c ∥ C_dl,c``. The cathode charge-transfer
resistance is ``−dV/dI`` of the current balance ``i_H + i_L = I`` linearised at the state (the two
Butler–Volmer reactions of Marinescu et al. 2016 in parallel: ``1/R_ct = Σ 2·i0·a_r·b·cosh(b·η)``,
``b = n_eF/(2RT)``, with the exchange-current factors of model.py); the anode's is ``RT/(F·i0·A)``.
Double-layer capacitances are per area (cathode: a_r, anode: anode_area_m2). Diffusion
(Warburg) and the precipitate's pore resistance are outside this lumped description.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cellworks.errors import ParameterError
from cellworks.lis import anode
from cellworks.lis.params import LiSParameters

if TYPE_CHECKING:
    import numpy as np

_SPECIES = ("S8_g", "S4_g", "S2_g", "S_g", "Sp_g")


def _state_vector(params: LiSParameters, state: Any) -> np.ndarray:
    import numpy as np

    from cellworks.lis.kernels import marinescu as model

    if state is None:
        return model.initial_state(params)
    if isinstance(state, Mapping):
        missing = [k for k in _SPECIES if k not in state]
        if missing:
            raise ParameterError(f"state lacks {', '.join(missing)}", field=missing[0])
        y = model.initial_state(params)
        for i, k in enumerate(_SPECIES):
            m = float(state[k])
            if not m > 0:
                raise ParameterError(f"species mass must be > 0, got {m}", field=k)
            y[i] = np.log(m)
        return y
    arr = np.asarray(state, dtype=float)
    if arr.shape == (model.NY,):
        return arr.copy()
    if arr.shape == (5,):
        if np.any(arr <= 0):
            raise ParameterError("species masses must be > 0", field="state")
        y = model.initial_state(params)
        y[:5] = np.log(arr)
        return y
    raise ParameterError(f"state must be None, a mapping of species masses, 5 masses or {model.NY} states",
                         field="state")


def _chain3_elements(p: Any, state: Any, current_A: float) -> dict[str, float]:
    """Lumped elements of the three-reaction model: R_ct of its three couples in parallel (−dV/dI of
    its closed-form current balance at the state and current), the lithium's, the series
    resistances (contacts, protective layer, electrolyte at the state's polysulfide)."""
    import numpy as np

    from cellworks.lis.chain3 import initial_state, pack_params
    from cellworks.lis.kernels import chain3 as k

    y = initial_state(p)
    if state is not None:
        arr = np.asarray([state[s] for s in _SPECIES] if isinstance(state, Mapping) else state, dtype=float)
        if arr.shape == (5,):
            if np.any(arr <= 0):
                raise ParameterError("species masses must be > 0", field="state")
            y[:5] = np.log(arr)
        elif arr.shape == y.shape:
            y = arr.copy()
        else:
            raise ParameterError("state must be None, a mapping of species masses, 5 masses or a state vector",
                                 field="state")
    P = pack_params(p)
    m = np.exp(y[:5])
    e_h, e_m, e_l = k.potentials(y, P)
    a_h, a_m, a_l = k._exchange(y, P, m[4])
    dv_di = k._cathode(e_h, e_m, e_l, -current_A, P, a_h, a_m, a_l)[4]
    r_sym, _ = k.resistances(m[1], m[2], m[3], m[4], P)
    return {
        "R_ohmic_Ohm": r_sym - p.layer_resistance_Ohm,
        "R_layer_Ohm": p.layer_resistance_Ohm,
        "R_ct_cathode_Ohm": -float(dv_di),
        "R_ct_anode_Ohm": anode.charge_transfer_resistance_Ohm(p.anode_i0_A_per_m2, p.anode_area_m2, p.temperature_K),
        "C_dl_cathode_F": p.C_dl_cathode_F_per_m2 * p.reaction_area_m2,
        "C_dl_anode_F": p.C_dl_anode_F_per_m2 * p.anode_area_m2,
    }


def impedance_elements(params: Any, state: Any = None, current_A: float = 0.0) -> dict[str, float]:
    """The lumped elements at a state and operating current (cycling sign: > 0 on charge)."""
    from cellworks.lis.kernels import marinescu as model

    if getattr(params, "MODEL", "") == "chain3":
        return _chain3_elements(params.validate(), state, current_A)
    p = params.validate()
    y = _state_vector(p, state)
    P = model.pack_params(p)
    e_h, e_l = model.plateau_potentials(y, P)
    s_h, s_l = model.exchange_factors(y, P)
    _, _, dv_di = model.cathode(e_h, e_l, -current_A, P, s_h, s_l)
    r_ct_c = -float(dv_di)
    r_ct_a = anode.charge_transfer_resistance_Ohm(p.anode_i0_A_per_m2, p.anode_area_m2, p.temperature_K)
    return {
        "R_ohmic_Ohm": p.resistance_ohmic_Ohm,
        "R_layer_Ohm": p.layer_resistance_Ohm,
        "R_ct_cathode_Ohm": r_ct_c,
        "R_ct_anode_Ohm": r_ct_a,
        "C_dl_cathode_F": p.C_dl_cathode_F_per_m2 * p.a_r_m2,
        "C_dl_anode_F": p.C_dl_anode_F_per_m2 * p.anode_area_m2,
    }


def charge_transfer_resistance_Ohm(params: Any, state: Any = None, current_A: float = 0.0) -> dict[str, float]:
    """Cathode and anode charge-transfer resistances and their sum [Ω]."""
    el = impedance_elements(params, state, current_A)
    return {
        "R_ct_cathode_Ohm": el["R_ct_cathode_Ohm"],
        "R_ct_anode_Ohm": el["R_ct_anode_Ohm"],
        "R_ct_total_Ohm": el["R_ct_cathode_Ohm"] + el["R_ct_anode_Ohm"],
    }


def cell_impedance(params: Any, state: Any, freq_Hz: Any, current_A: float = 0.0) -> np.ndarray:
    """Complex impedance [Ω] at ``freq_Hz`` (array-like) of the cell at ``state`` (None: initial)."""
    import numpy as np

    f = np.asarray(freq_Hz, dtype=float)
    if np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise ParameterError("frequencies must be finite and > 0", field="freq_Hz")
    el = impedance_elements(params, state, current_A)
    w = 2.0 * np.pi * f
    z = np.full(f.shape, el["R_ohmic_Ohm"] + el["R_layer_Ohm"], dtype=complex)
    for r, c in ((el["R_ct_cathode_Ohm"], el["C_dl_cathode_F"]), (el["R_ct_anode_Ohm"], el["C_dl_anode_F"])):
        if r > 0:
            z = z + r / (1.0 + 1j * w * r * c)
    return z


__all__ = ["cell_impedance", "charge_transfer_resistance_Ohm", "impedance_elements"]
