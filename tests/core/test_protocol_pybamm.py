"""Protocols to and from PyBaMM experiments.

Without PyBaMM: the ``operating_conditions`` strings, the round trip through them, and the refusals.
With PyBaMM (optional; never a runtime dependency): ``to_pybamm()`` builds a ``pybamm.Experiment`` that
PyBaMM reads back as the same steps, and ``from_pybamm()`` reads experiments and hand-built step objects
(``_pybamm_checks.py``). PyBaMM is taken from the test interpreter, else from the interpreter named by
``CELLWORKS_PYBAMM_PYTHON`` or the benchmark environment ``.venv-bench-lis`` (``make bench`` builds it);
the test is skipped, with the reason, when none has it.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
from pathlib import Path

import pytest

from cellworks.errors import ParameterError
from cellworks.protocol import Control, Limit, Protocol, StepKind, parse_protocol

ROOT = Path(__file__).resolve().parents[2]

TEXTS = [
    "Discharge at 1.7 A until 2.15 V",
    "(Discharge at 1C until 2.5 V, Rest for 10 minutes, Charge at 0.5 A for 2 hours or until 4.2 V, "
    "Hold at 4.2 V until 50 mA) * 3",
    "Discharge at 2 W for 1 hour, Discharge at 4 Ohm until 3 V, Hold at 3 V until C/50",
    "Charge at 1e-05 A for 90 seconds, Discharge at C/3 for 2 hours or until 2.5 V",
    "Hold at 3.0 V until 20 uA, Discharge at 0.5 mA for 1.5 hours",
]


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_through_pybamm_strings(text: str) -> None:
    prot = parse_protocol(text)
    conditions = prot.to_pybamm_conditions()
    assert [len(c) for c in conditions] == [len(c) for c in prot.cycles]
    back = Protocol.from_pybamm(conditions)
    assert len(back.cycles) == len(prot.cycles)
    for a, b in zip(prot.steps, back.steps, strict=True):
        assert (a.kind, a.control, a.duration_s) == (b.kind, b.control, b.duration_s)
        # numbers are written to 15 significant digits: typed decimals read back exactly, float noise
        # (20 uA = 1.9999999999999998e-05 A) within 1e-15
        assert math.isclose(a.value, b.value, rel_tol=1e-15)
        assert [t.limit for t in a.terminations] == [t.limit for t in b.terminations]
        assert all(math.isclose(x.value, y.value, rel_tol=1e-15) for x, y in zip(a.terminations, b.terminations,
                                                                                  strict=True))
    # the protocol text of the result parses to the same cycles again
    assert parse_protocol(back.text).to_pybamm_conditions() == conditions


def test_strings_are_pybamm_grammar() -> None:
    conditions = parse_protocol(TEXTS[1]).to_pybamm_conditions()
    assert conditions[0] == (
        "Discharge at 1C until 2.5 V",
        "Rest for 10 minutes",
        "Charge at 0.5 A for 2 hours or until 4.2 V",
        "Hold at 4.2 V until 0.05 A",
    )
    assert parse_protocol("Hold at 3 V until C/50").to_pybamm_conditions() == [("Hold at 3 V until 0.02C",)]


def test_from_pybamm_drops_the_sampling_period_and_reads_pybamm_spellings() -> None:
    p = Protocol.from_pybamm(["Discharge at C/2 for 1 hour (1 minute period)", ("Charge at 200mA until 4.1V",)])
    a, b = p.steps
    assert (a.kind, a.control, a.value, a.duration_s) == (StepKind.DISCHARGE, Control.C_RATE, 0.5, 3600.0)
    assert (b.kind, b.control) == (StepKind.CHARGE, Control.CURRENT)
    assert math.isclose(b.value, 0.2, rel_tol=1e-15)
    assert [(t.limit, t.value) for t in b.terminations] == [(Limit.VOLTAGE, 4.1)]


def test_per_mass_needs_the_active_mass() -> None:
    prot = parse_protocol("Discharge at 0.2 A/g until 1.7 V")
    with pytest.raises(ParameterError, match="active_mass_g"):
        prot.to_pybamm_conditions()
    (step,) = prot.to_pybamm_conditions(active_mass_g=0.002)[0]
    assert step == "Discharge at 0.0004 A until 1.7 V"


def test_what_pybamm_cannot_say_is_refused_naming_the_step() -> None:
    with pytest.raises(ParameterError, match="capacity") as exc:
        parse_protocol("Discharge at 10 uA until 25 uAh").to_pybamm_conditions()
    assert "25 uAh" in str(exc.value)
    with pytest.raises(ParameterError, match="one 'until'"):
        parse_protocol("Charge at 1 A until 4.2 V or until 10 mA").to_pybamm_conditions()
    with pytest.raises(ParameterError, match="no steps"):
        Protocol.from_pybamm([])


def _pybamm_python() -> str | None:
    candidates = [os.environ.get("CELLWORKS_PYBAMM_PYTHON", ""), str(ROOT / ".venv-bench-lis" / "bin" / "python")]
    for py in candidates:
        if py and Path(py).is_file():
            probe = subprocess.run([py, "-c", "import pybamm"], capture_output=True, check=False)
            if probe.returncode == 0:
                return py
    return None


def test_to_and_from_a_real_pybamm_experiment() -> None:
    if importlib.util.find_spec("pybamm") is not None:
        from ._pybamm_checks import check_all

        check_all()
        return
    py = _pybamm_python()
    if py is None:
        pytest.skip("PyBaMM not installed here, no CELLWORKS_PYBAMM_PYTHON and no .venv-bench-lis (make bench)")
    # that interpreter has its own cellworks install: put this checkout's source first
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([py, str(Path(__file__).with_name("_pybamm_checks.py"))], capture_output=True,
                          text=True, env=env, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
