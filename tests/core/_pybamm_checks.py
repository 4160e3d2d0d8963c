"""Checks of the PyBaMM interchange against a real PyBaMM (run by test_protocol_pybamm.py).

Kept in a module of its own so it can run in another interpreter that has PyBaMM (the benchmark
environment ``.venv-bench-lis``) when the test interpreter has none: ``python _pybamm_checks.py``
exits 0 when every check passes.
"""

from __future__ import annotations

import math


def check_all() -> None:
    import pybamm

    from cellworks.protocol import parse_protocol
    from cellworks.protocol.steps import Control, Limit, Protocol, StepKind

    text = (
        "(Discharge at 1C until 2.5 V, Rest for 10 minutes, Charge at 0.5 A for 2 hours or until 4.2 V, "
        "Hold at 4.2 V until 50 mA) * 2, Discharge at 2 W for 1 hour, Discharge at 4 Ohm until 3 V, "
        "Charge at C/5 until 4.1 V or until 20 mA"
    )
    prot = parse_protocol(text)
    exp = prot.to_pybamm(period="10 seconds")
    assert isinstance(exp, pybamm.Experiment)
    assert exp.cycle_lengths == [4, 4, 1, 1, 1], exp.cycle_lengths
    steps = exp.steps
    # PyBaMM's own reading of what we wrote: class, signed value (positive = discharge), duration
    assert type(steps[0]).__name__ == "CRate" and steps[0].value == 1.0
    assert type(steps[1]).__name__ == "Rest" and steps[1].duration == 600.0
    assert type(steps[2]).__name__ == "Current" and steps[2].value == -0.5 and steps[2].duration == 7200.0
    assert type(steps[3]).__name__ == "Voltage" and steps[3].value == 4.2
    assert [t.value for t in steps[3].termination] == [0.05]
    assert type(steps[8]).__name__ == "Power" and steps[8].value == 2.0 and steps[8].duration == 3600.0
    assert type(steps[9]).__name__ == "Resistance" and steps[9].value == 4.0
    # two 'until' conditions: PyBaMM's termination list, both kept
    assert type(steps[10]).__name__ == "CRate" and steps[10].value == -0.2
    assert sorted((type(t).__name__, t.value) for t in steps[10].termination) == [
        ("CurrentTermination", 0.02), ("VoltageTermination", 4.1)]

    # and back: the same steps (kinds, controls, magnitudes, durations, terminations)
    back = Protocol.from_pybamm(exp)
    assert [len(c) for c in back.cycles] == [4, 4, 1, 1, 1]
    for a, b in zip(prot.steps, back.steps, strict=True):
        assert (a.kind, a.control, a.duration_s) == (b.kind, b.control, b.duration_s), (a, b)
        assert math.isclose(a.value, b.value, rel_tol=1e-12), (a, b)  # exact up to float text round trip
        assert [(t.limit, t.value) for t in a.terminations] == [(t.limit, t.value) for t in b.terminations], (a, b)

    # step objects a PyBaMM user builds by hand, without a description
    hand = pybamm.Experiment(
        [(pybamm.step.current(-1.5, duration=1800, termination="4.2 V"), pybamm.step.rest(duration=60)),
         pybamm.step.c_rate(0.5, termination="2.8 V")]
    )
    got = Protocol.from_pybamm(hand)
    s0, s1, s2 = got.steps
    assert (s0.kind, s0.control, s0.value, s0.duration_s) == (StepKind.CHARGE, Control.CURRENT, 1.5, 1800.0)
    assert [(t.limit, t.value) for t in s0.terminations] == [(Limit.VOLTAGE, 4.2)]
    assert (s1.kind, s1.duration_s) == (StepKind.REST, 60.0)
    assert (s2.kind, s2.control, s2.value) == (StepKind.DISCHARGE, Control.C_RATE, 0.5)
    # the texts we give such steps are PyBaMM strings PyBaMM itself accepts
    pybamm.Experiment([s.text for s in got.steps])
    # a per-mass protocol converts with the cell's active mass (0.2 A/g × 2 mg = 0.4 mA)
    mass = parse_protocol("Discharge at 0.2 A/g until 1.7 V").to_pybamm(active_mass_g=0.002)
    assert math.isclose(mass.steps[0].value, 4e-4, rel_tol=1e-12)


if __name__ == "__main__":
    check_all()
    print("pybamm interchange: all checks passed")
