from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "eis"
CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
GUESS = [0.01, 0.01, 100, 0.01, 0.05, 100, 1]
# impedance.py's documented fits of exampleData.csv (tests/data/eis/SOURCES.md)
DOC_UNWEIGHTED = {"R0": 1.65e-2, "R1": 8.68e-3, "C1": 3.32, "R2": 5.39e-3, "Wo1_0": 6.31e-2, "Wo1_1": 2.33e2,
                  "C2": 0.220}
DOC_MODULUS = {"R0": 1.64e-2, "R1": 9.06e-3, "C1": 3.06, "R2": 5.29e-3, "Wo1_0": 0.145, "Wo1_1": 1.32e3,
               "C2": 0.202}


@pytest.fixture(scope="session")
def example_spectrum():
    d = np.loadtxt(DATA / "exampleData.csv", delimiter=",")
    f, z = d[:, 0], d[:, 1] + 1j * d[:, 2]
    keep = z.imag < 0
    return f[keep], z[keep]


@pytest.fixture(scope="session")
def geis_cycle1():
    """Cycle 1 of the 45-loop BioLogic GEIS of a Li|Li cell (9 frequencies, 0.8-500 Hz)."""
    from cellworks.eis.readers import read_spectrum

    spec = read_spectrum(DATA / "lili_tegdme_02_GEIS_C05.mpr", cycle=1)
    return spec.freq_Hz, spec.Z_Ohm
