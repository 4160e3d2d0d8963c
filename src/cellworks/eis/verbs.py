"""The everyday verb of ``cellworks.eis``: :func:`fit` (a spectrum and a circuit in, a fitted circuit out).

``fit`` keeps impedance.py's meaning (``CustomCircuit(circuit, initial_guess).fit(frequencies, Z)``)
and scikit-learn's order of arguments (data first, then what to fit): it is
:func:`cellworks.eis.fit_circuit` under the name a notebook user guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fit(frequencies: Any, Z: Any, circuit: str, initial_guess: Sequence[float] | None = None,
        **options: Any) -> Any:
    """Fit an equivalent ``circuit`` (impedance.py's language, e.g. ``"R0-p(R1,C1)"``) to ``Z(frequencies)``.

    ``frequencies`` in Hz and complex ``Z`` in Ω as arrays; ``initial_guess`` lists the free parameters
    in circuit order as in impedance.py (``None``: a guess from the data and a multi-start search).
    ``options`` are those of :func:`cellworks.eis.fit_circuit` (``weight=``, ``bounds=``, ``constants=``,
    ``n_starts=``, ...). Returns the fit result: ``.value(name)``, ``.predict(frequencies)``.

    >>> import cellworks
    >>> spec = cellworks.eis.read_spectrum("tests/data/eis/exampleData.csv")
    >>> keep = spec.Z_Ohm.imag < 0  # impedance.py's example drops the inductive points (57 of 66 remain)
    >>> res = cellworks.eis.fit(spec.freq_Hz[keep], spec.Z_Ohm[keep], "R0-p(R1,C1)-p(R2-Wo1,C2)",
    ...                         initial_guess=[.01, .01, 100, .01, .05, 100, 1], n_starts=1)
    >>> round(res.value("R0"), 4)  # impedance.py's documented fit of this spectrum: R0 = 1.65e-2 Ω
    0.0165
    """
    from cellworks.eis import fit_circuit

    return fit_circuit(frequencies, Z, circuit, initial_guess, **options)
