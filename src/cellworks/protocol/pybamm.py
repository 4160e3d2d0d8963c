"""Protocols to and from PyBaMM experiments (``pybamm.Experiment``), PyBaMM optional.

PyBaMM's experiment language is the core of cellworks' protocol grammar, so most protocols cross
over unchanged. What does not:

* currents per mass or per area (``0.2 A/g``, ``2 mA/cm2``) have no PyBaMM unit: pass the cell's
  ``active_mass_g`` / ``area_m2`` and they become amperes, otherwise the step is refused;
* capacity limits (``until 25 uAh``) have no PyBaMM termination: refused (naming the step);
* PyBaMM's sampling ``period`` (``… (1 minute period)``) and temperatures are recording/thermal
  settings with no counterpart in a cellworks step: they are dropped on the way in, never invented
  on the way out.

Signs: cellworks steps carry magnitudes and a kind (charge/discharge); PyBaMM step objects carry a
signed value, positive on discharge. Conversions keep both conventions exact.

:func:`to_pybamm_conditions` needs no PyBaMM (it returns the ``operating_conditions`` list of strings
that ``pybamm.Experiment`` takes); :func:`to_pybamm` builds the ``pybamm.Experiment`` itself.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cellworks.errors import ParameterError
from cellworks.protocol.steps import Control, Limit, Protocol, Step, StepKind, Termination

_VERB = {StepKind.CHARGE: "Charge", StepKind.DISCHARGE: "Discharge", StepKind.HOLD: "Hold", StepKind.REST: "Rest"}
#: PyBaMM's output sampling suffix "(1 minute period)"; a recording setting, not part of the step
_PERIOD = re.compile(r"\s*\(\s*[\d.eE+-]+\s*[A-Za-z]+\s+period\s*\)\s*$")


def _num(x: float) -> str:
    """``x`` to 15 significant digits: a decimal typed by a user reads back exactly, and float noise
    (``20 uA`` is 1.9999999999999998e-05 A) disappears."""
    return f"{float(x):.15g}"


def _duration_text(seconds: float) -> str:
    if seconds % 3600 == 0:
        n = seconds / 3600
        return f"{_num(n)} hour" + ("" if n == 1 else "s")
    if seconds % 60 == 0:
        n = seconds / 60
        return f"{_num(n)} minute" + ("" if n == 1 else "s")
    return f"{_num(seconds)} seconds"


def _current_like_A(step: Step, value: float, control: Control | Limit, active_mass_g: float | None,
                    area_m2: float | None) -> tuple[str, float]:
    """(PyBaMM unit, value) of a current-like quantity; per-mass/per-area resolved to amperes."""
    if control in (Control.CURRENT, Limit.CURRENT):
        return "A", value
    if control in (Control.C_RATE, Limit.C_RATE):
        return "C", value
    if control in (Control.CURRENT_PER_MASS, Limit.CURRENT_PER_MASS):
        if active_mass_g is None:
            raise ParameterError(
                "PyBaMM has no current per mass; pass active_mass_g= to convert it to amperes", token=step.text
            )
        return "A", value * active_mass_g
    if control in (Control.CURRENT_PER_AREA, Limit.CURRENT_PER_AREA):
        if area_m2 is None:
            raise ParameterError(
                "PyBaMM has no current per area; pass area_m2= to convert it to amperes", token=step.text
            )
        return "A", value * area_m2
    raise ParameterError(f"no PyBaMM equivalent of {control.value}", token=step.text)


def _control_text(step: Step, active_mass_g: float | None, area_m2: float | None) -> str:
    if step.control is Control.REST:
        return "Rest"
    if step.control is Control.VOLTAGE:
        return f"Hold at {_num(step.value)} V"
    verb = _VERB[step.kind]
    if step.control is Control.POWER:
        return f"{verb} at {_num(step.value)} W"
    if step.control is Control.RESISTANCE:
        return f"{verb} at {_num(step.value)} Ohm"
    unit, value = _current_like_A(step, step.value, step.control, active_mass_g, area_m2)
    return f"{verb} at {_num(value)}C" if unit == "C" else f"{verb} at {_num(value)} A"


def _limit_text(step: Step, term: Termination, active_mass_g: float | None, area_m2: float | None) -> str:
    if term.limit is Limit.VOLTAGE:
        return f"{_num(term.value)} V"
    if term.limit is Limit.CAPACITY:
        raise ParameterError("PyBaMM has no capacity termination ('until … Ah')", token=step.text)
    unit, value = _current_like_A(step, term.value, term.limit, active_mass_g, area_m2)
    return f"{_num(value)}C" if unit == "C" else f"{_num(value)} A"


def step_to_pybamm_string(step: Step, *, active_mass_g: float | None = None, area_m2: float | None = None) -> str:
    """One step in PyBaMM's experiment grammar (``"Charge at 0.5 A for 2 hours or until 4.2 V"``).

    PyBaMM's strings hold at most one ``until`` condition; a step with more is refused here (the
    step objects of :func:`to_pybamm` carry several).
    """
    text = _control_text(step, active_mass_g, area_m2)
    if len(step.terminations) > 1:
        raise ParameterError("a PyBaMM step string holds one 'until' condition; use to_pybamm()", token=step.text)
    if step.duration_s is not None:
        text += f" for {_duration_text(step.duration_s)}"
    if step.terminations:
        until = _limit_text(step, step.terminations[0], active_mass_g, area_m2)
        text += f" or until {until}" if step.duration_s is not None else f" until {until}"
    if step.duration_s is None and not step.terminations:
        raise ParameterError("a PyBaMM step needs a duration or an 'until' condition", token=step.text)
    return text


def to_pybamm_conditions(protocol: Protocol, *, active_mass_g: float | None = None,
                         area_m2: float | None = None) -> list[tuple[str, ...]]:
    """``operating_conditions`` for ``pybamm.Experiment``: one tuple of step strings per cycle.

    >>> from cellworks.protocol import parse_protocol
    >>> p = parse_protocol("(Discharge at 1.7 A until 2.15 V, Rest for 10 minutes) * 2")
    >>> to_pybamm_conditions(p)
    [('Discharge at 1.7 A until 2.15 V', 'Rest for 10 minutes'), ('Discharge at 1.7 A until 2.15 V', 'Rest for 10 minutes')]
    """
    return [
        tuple(step_to_pybamm_string(s, active_mass_g=active_mass_g, area_m2=area_m2) for s in cycle)
        for cycle in protocol.cycles
    ]


def _import_pybamm() -> Any:
    try:
        import pybamm
    except ImportError as exc:  # optional: never a runtime dependency of cellworks
        raise ParameterError(
            "PyBaMM is not installed (pip install pybamm); to_pybamm_conditions() gives the same steps as "
            "strings without it",
            field="pybamm",
        ) from exc
    return pybamm


def _step_object(pybamm: Any, step: Step, active_mass_g: float | None, area_m2: float | None) -> Any:
    """A ``pybamm.step`` object; several terminations become PyBaMM's termination list."""
    kwargs: dict[str, Any] = {"description": None}
    if step.duration_s is not None:
        kwargs["duration"] = step.duration_s
    if step.terminations:
        kwargs["termination"] = [_limit_text(step, t, active_mass_g, area_m2) for t in step.terminations]
    if len(step.terminations) <= 1 and (step.duration_s is not None or step.terminations):
        kwargs["description"] = step_to_pybamm_string(step, active_mass_g=active_mass_g, area_m2=area_m2)
    if kwargs["description"] is None:
        del kwargs["description"]
    if step.control is Control.REST:
        return pybamm.step.rest(**kwargs)
    if step.control is Control.VOLTAGE:
        return pybamm.step.voltage(step.value, **kwargs)
    sign = -1.0 if step.kind is StepKind.CHARGE else 1.0  # PyBaMM: positive value = discharge
    if step.control is Control.POWER:
        return pybamm.step.power(sign * step.value, **kwargs)
    if step.control is Control.RESISTANCE:
        return pybamm.step.resistance(sign * step.value, **kwargs)
    unit, value = _current_like_A(step, step.value, step.control, active_mass_g, area_m2)
    if unit == "C":
        return pybamm.step.c_rate(sign * value, **kwargs)
    return pybamm.step.current(sign * value, **kwargs)


def to_pybamm(protocol: Protocol, *, active_mass_g: float | None = None, area_m2: float | None = None,
              **experiment_kwargs: Any) -> Any:
    """A ``pybamm.Experiment`` with the protocol's cycles (needs PyBaMM installed).

    ``experiment_kwargs`` go to ``pybamm.Experiment`` (``period``, ``temperature``, ``termination``).
    """
    pybamm = _import_pybamm()
    cycles = [tuple(_step_object(pybamm, s, active_mass_g, area_m2) for s in cycle) for cycle in protocol.cycles]
    return pybamm.Experiment(cycles, **experiment_kwargs)


# ------------------------------------------------------------------------------------------------
# from PyBaMM

_TERMINATION_CLASSES = {
    "VoltageTermination": Limit.VOLTAGE,
    "CurrentTermination": Limit.CURRENT,
    "CRateTermination": Limit.C_RATE,
    "CrateTermination": Limit.C_RATE,
}
_STEP_CLASSES = {
    "Current": Control.CURRENT,
    "CRate": Control.C_RATE,
    "Power": Control.POWER,
    "Resistance": Control.RESISTANCE,
    "Voltage": Control.VOLTAGE,
    "Rest": Control.REST,
}


def _strip_period(text: str) -> str:
    return _PERIOD.sub("", text.strip())


def _step_from_object(obj: Any, where: str) -> Step:
    """A cellworks step from a ``pybamm.step`` object (its class, signed value, duration, terminations)."""
    name = type(obj).__name__
    control = _STEP_CLASSES.get(name)
    if control is None:
        raise ParameterError(f"PyBaMM step type {name} has no cellworks equivalent", field=where)
    value = getattr(obj, "value", None)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ParameterError(
            f"PyBaMM {name} step with a non-constant value (drive cycle or input parameter) is not supported",
            field=where,
        )
    duration = getattr(obj, "input_duration", None)
    if duration is not None and not isinstance(duration, (int, float)):
        from cellworks.protocol.parser import parse_protocol

        duration = parse_protocol(f"Rest for {duration}").steps[0].duration_s
    terms = []
    for term in getattr(obj, "termination", None) or ():
        limit = _TERMINATION_CLASSES.get(type(term).__name__)
        if limit is None:
            raise ParameterError(f"PyBaMM termination {type(term).__name__} has no cellworks equivalent", field=where)
        terms.append(Termination(limit, abs(float(term.value))))
    if control is Control.REST:
        kind, magnitude = StepKind.REST, 0.0
    elif control is Control.VOLTAGE:
        kind, magnitude = StepKind.HOLD, float(value)
    else:
        kind, magnitude = (StepKind.CHARGE if value < 0 else StepKind.DISCHARGE), abs(float(value))
    step = Step(kind, control, magnitude, None if duration is None else float(duration), tuple(terms))
    description = getattr(obj, "description", None)
    if not isinstance(description, str) or not description:
        try:  # a text that cellworks (and PyBaMM) parse back to this step
            description = step_to_pybamm_string(step)
        except ParameterError:
            description = name
    return Step(step.kind, step.control, step.value, step.duration_s, step.terminations, text=description)


def from_pybamm(experiment: Any) -> Protocol:
    """A :class:`Protocol` from a ``pybamm.Experiment``, its ``operating_conditions`` list, or one string.

    Works without PyBaMM for strings (they are parsed by cellworks' own grammar, a superset of
    PyBaMM's). Step objects are read from their class, signed value, ``input_duration`` and
    terminations, so objects built without a description convert too.

    >>> p = from_pybamm([("Discharge at C/2 until 3 V", "Rest for 1 hour"), "Hold at 4.2 V until C/50"])
    >>> [(s.kind.value, s.control.value, s.value) for s in p.steps]
    [('discharge', 'c_rate', 0.5), ('rest', 'rest', 0.0), ('hold', 'voltage', 4.2)]
    >>> len(p.cycles)
    2
    """
    from cellworks.protocol.parser import parse_protocol

    if isinstance(experiment, str):
        conditions: list[Any] = [experiment]
    elif hasattr(experiment, "cycles") and not isinstance(experiment, (list, tuple)):
        conditions = list(experiment.cycles)
    else:
        conditions = list(experiment)
    cycles: list[tuple[Step, ...]] = []
    texts: list[str] = []
    for i, cycle in enumerate(conditions):
        items = cycle if isinstance(cycle, tuple) else (cycle,)
        steps: list[Step] = []
        for j, item in enumerate(items):
            where = f"cycle {i + 1}, step {j + 1}"
            if isinstance(item, str):
                parsed = parse_protocol(_strip_period(item))
                if len(parsed) != 1:
                    raise ParameterError(f"expected one step, got {len(parsed)}", field=where)
                steps.append(parsed.steps[0])
            else:
                steps.append(_step_from_object(item, where))
        if not steps:
            raise ParameterError("empty cycle", field=f"cycle {i + 1}")
        cycles.append(tuple(steps))
        texts.append("(" + ", ".join(s.text for s in steps) + ")")
    if not cycles:
        raise ParameterError("the experiment has no steps", field="experiment")
    return Protocol(tuple(cycles), ", ".join(texts))


__all__ = ["from_pybamm", "step_to_pybamm_string", "to_pybamm", "to_pybamm_conditions"]
