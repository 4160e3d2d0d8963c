"""Experiment text → typed, frozen steps.

The grammar is PyBaMM's experiment language, written as one text:

* steps: ``Discharge at 1C until 2.5 V``, ``Charge at 0.5 A for 2 hours or until 4.2 V``,
  ``Rest for 10 minutes``, ``Hold at 4.2 V until 50 mA``, ``Discharge at 2 W for 1 hour``,
  ``Discharge at 4 Ohm until 3 V``, ``Charge at 4.2 V until C/50`` (a voltage control is a hold);
* extended with currents per mass of active material (``0.2 A/g``, ``200 mA/g``), per area
  (``2 mA/cm2``, ``2 mA cm-2``), micro-amps (``10 uA``, ``10 µA``), and capacity limits
  (``until 25 uAh``);
* steps separated by ``,`` ``;`` or new lines; ``(step, step, ...) * N`` repeats a cycle N times
  (a bare step is a cycle of its own, as in PyBaMM); groups may nest.

The result is a :class:`Protocol` whose ``cycles`` hold :class:`Step` objects with values in
base units (A, A/g, A/m², W, Ohm, V, s, Ah) and their termination conditions. Errors name the
offending token and its 0-based character position.

Sign convention: protocol values are magnitudes; the step ``kind`` says the direction. In the
cycling table (``cellworks.timeseries``) charge current is positive, discharge negative.
"""

from __future__ import annotations

from cellworks.protocol.parser import as_protocol, parse_protocol
from cellworks.protocol.steps import (
    CONTROL_FIELD,
    LIMIT_FIELD,
    Control,
    Limit,
    Protocol,
    Step,
    StepKind,
    Termination,
)
from cellworks.units import BASE_UNIT

__all__ = [
    "BASE_UNIT",
    "CONTROL_FIELD",
    "LIMIT_FIELD",
    "Control",
    "Limit",
    "Protocol",
    "Step",
    "StepKind",
    "Termination",
    "as_protocol",
    "parse_protocol",
]
