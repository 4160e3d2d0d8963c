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

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from cellworks.errors import ParameterError, ProtocolError
from cellworks.units import BASE_UNIT, Dim, InputError, parse_quantity


class StepKind(enum.StrEnum):
    CHARGE = "charge"
    DISCHARGE = "discharge"
    REST = "rest"
    HOLD = "hold"


class Control(enum.StrEnum):
    """What the step imposes. The value's unit is :data:`CONTROL_UNIT`."""

    CURRENT = "current"
    C_RATE = "c_rate"
    CURRENT_PER_MASS = "current_per_mass"
    CURRENT_PER_AREA = "current_per_area"
    POWER = "power"
    RESISTANCE = "resistance"
    VOLTAGE = "voltage"
    REST = "rest"


class Limit(enum.StrEnum):
    """What a termination condition watches."""

    VOLTAGE = "voltage"  # discharge: V ≤ value; charge: V ≥ value
    CURRENT = "current"  # |I| ≤ value (ends a voltage hold)
    C_RATE = "c_rate"  # |I| ≤ value × nominal capacity
    CURRENT_PER_MASS = "current_per_mass"
    CURRENT_PER_AREA = "current_per_area"
    CAPACITY = "capacity"  # charge passed in this step ≥ value


_DIM_TO_CONTROL = {
    Dim.CURRENT: Control.CURRENT,
    Dim.C_RATE: Control.C_RATE,
    Dim.CURRENT_PER_MASS: Control.CURRENT_PER_MASS,
    Dim.CURRENT_PER_AREA: Control.CURRENT_PER_AREA,
    Dim.POWER: Control.POWER,
    Dim.RESISTANCE: Control.RESISTANCE,
    Dim.VOLTAGE: Control.VOLTAGE,
}
_DIM_TO_LIMIT = {
    Dim.VOLTAGE: Limit.VOLTAGE,
    Dim.CURRENT: Limit.CURRENT,
    Dim.C_RATE: Limit.C_RATE,
    Dim.CURRENT_PER_MASS: Limit.CURRENT_PER_MASS,
    Dim.CURRENT_PER_AREA: Limit.CURRENT_PER_AREA,
    Dim.CHARGE: Limit.CAPACITY,
}
#: field name of a control's value in JSON and as a Step property
CONTROL_FIELD: dict[Control, str] = {
    Control.CURRENT: "current_A",
    Control.C_RATE: "c_rate",
    Control.CURRENT_PER_MASS: "current_A_per_g",
    Control.CURRENT_PER_AREA: "current_A_per_m2",
    Control.POWER: "power_W",
    Control.RESISTANCE: "resistance_Ohm",
    Control.VOLTAGE: "voltage_V",
}
LIMIT_FIELD: dict[Limit, str] = {
    Limit.VOLTAGE: "voltage_V",
    Limit.CURRENT: "current_A",
    Limit.C_RATE: "c_rate",
    Limit.CURRENT_PER_MASS: "current_A_per_g",
    Limit.CURRENT_PER_AREA: "current_A_per_m2",
    Limit.CAPACITY: "capacity_Ah",
}


@dataclass(frozen=True)
class Termination:
    """One ``until`` condition of a step."""

    limit: Limit
    value: float  # base unit of the limit: V, A, C, A/g, A/m2, Ah

    def to_dict(self) -> dict[str, Any]:
        return {"limit": self.limit.value, LIMIT_FIELD[self.limit]: self.value}


@dataclass(frozen=True)
class Step:
    """One step of an experiment. ``value`` is a magnitude in the unit of ``control``."""

    kind: StepKind
    control: Control
    value: float
    duration_s: float | None = None
    terminations: tuple[Termination, ...] = ()
    text: str = ""
    position: int = 0

    # typed accessors: the value under its unit-bearing name, or None when not this control
    @property
    def current_A(self) -> float | None:
        return self.value if self.control is Control.CURRENT else None

    @property
    def c_rate(self) -> float | None:
        return self.value if self.control is Control.C_RATE else None

    @property
    def current_A_per_g(self) -> float | None:
        return self.value if self.control is Control.CURRENT_PER_MASS else None

    @property
    def current_A_per_m2(self) -> float | None:
        return self.value if self.control is Control.CURRENT_PER_AREA else None

    @property
    def power_W(self) -> float | None:
        return self.value if self.control is Control.POWER else None

    @property
    def resistance_Ohm(self) -> float | None:
        return self.value if self.control is Control.RESISTANCE else None

    @property
    def voltage_V(self) -> float | None:
        return self.value if self.control is Control.VOLTAGE else None

    @property
    def sign(self) -> int:
        """+1 charge, −1 discharge, 0 rest/hold (the cycling-table convention: charge > 0)."""
        return {StepKind.CHARGE: 1, StepKind.DISCHARGE: -1}.get(self.kind, 0)

    def voltage_cutoff_V(self) -> float | None:
        """The first voltage limit, if any."""
        for t in self.terminations:
            if t.limit is Limit.VOLTAGE:
                return t.value
        return None

    def resolve_current_A(
        self,
        *,
        active_mass_g: float | None = None,
        area_m2: float | None = None,
        capacity_Ah: float | None = None,
    ) -> float:
        """Current magnitude in A for current-like controls, given what the cell knows."""
        if self.control is Control.CURRENT:
            return self.value
        if self.control is Control.CURRENT_PER_MASS:
            if active_mass_g is None:
                raise ParameterError("step current is per gram but the cell has no active mass", token=self.text)
            return self.value * active_mass_g
        if self.control is Control.CURRENT_PER_AREA:
            if area_m2 is None:
                raise ParameterError("step current is per area but the cell has no area", token=self.text)
            return self.value * area_m2
        if self.control is Control.C_RATE:
            if capacity_Ah is None:
                raise ParameterError("step current is a C-rate but the cell has no nominal capacity", token=self.text)
            return self.value * capacity_Ah
        raise ParameterError(f"step controls {self.control.value}, not current", token=self.text)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind.value, "control": self.control.value}
        if self.control is not Control.REST:
            d[CONTROL_FIELD[self.control]] = self.value
        d["duration_s"] = self.duration_s
        d["until"] = [t.to_dict() for t in self.terminations]
        d["text"] = self.text
        return d


@dataclass(frozen=True)
class Protocol:
    """A parsed experiment: cycles of steps (as PyBaMM's Experiment)."""

    cycles: tuple[tuple[Step, ...], ...]
    text: str = ""

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for cyc in self.cycles for s in cyc)

    def __len__(self) -> int:
        return sum(len(c) for c in self.cycles)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "n_cycles": len(self.cycles),
            "n_steps": len(self),
            "steps": [dict(s.to_dict(), cycle=i + 1) for i, cyc in enumerate(self.cycles) for s in cyc],
        }


# ----------------------------------------------------------------------------------------------
# tokenizer

_TOKEN = re.compile(
    r"(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<word>[A-Za-zµμΩÅ][A-Za-z0-9µμΩÅ²^]*(?:\s*/\s*(?:[A-Za-z][A-Za-z0-9²^]*|\d+(?:\.\d*)?))?(?:-\d)?)"
    r"|(?P<punct>[(),;*\n])"
    r"|(?P<space>[ \t\r]+)"
    r"|(?P<other>\S)"
)
_KEYWORDS = {"at", "for", "until", "or"}
_VERBS = {"discharge": StepKind.DISCHARGE, "charge": StepKind.CHARGE, "rest": StepKind.REST, "hold": StepKind.HOLD}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "punct" and m.group() == "\n":
            kind = "sep"
        elif kind == "punct" and m.group() in ",;":
            kind = "sep"
        toks.append(_Tok(kind, m.group(), m.start()))
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # -- helpers
    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, message: str, tok: _Tok | None) -> ProtocolError:
        if tok is None:
            return ProtocolError(message + " (text ended)", token="", position=len(self.text))
        return ProtocolError(message, token=tok.text, position=tok.pos)

    # -- grammar
    def parse(self) -> Protocol:
        cycles = self.sequence(top=True)
        if self.peek() is not None:
            raise self.error("unexpected token", self.peek())
        if not cycles:
            raise ProtocolError("empty protocol: no steps", token=self.text, position=0)
        return Protocol(tuple(tuple(c) for c in cycles), self.text)

    def sequence(self, top: bool) -> list[list[Step]]:
        """Items separated by separators; at top level each item is one or more cycles."""
        cycles: list[list[Step]] = []
        while True:
            while (t := self.peek()) is not None and t.kind == "sep":
                self.i += 1
            t = self.peek()
            if t is None or t.text == ")":
                break
            if t.text == "(":
                self.i += 1
                inner = self.sequence(top=False)
                close = self.peek()
                if close is None or close.text != ")":
                    raise self.error("missing ')'", close if close else None)
                self.i += 1
                body = [s for c in inner for s in c]
                if not body:
                    raise self.error("empty group '()'", t)
                n = self.repeat()
                cycles.extend([list(body) for _ in range(n)])
            else:
                step = self.step()
                n = self.repeat()
                cycles.extend([[step] for _ in range(n)])
            t = self.peek()
            if t is not None and t.kind not in ("sep",) and t.text != ")":
                raise self.error("expected ',' or ')' between steps", t)
        if not top:
            return [[s for c in cycles for s in c]]
        return cycles

    def repeat(self) -> int:
        t = self.peek()
        if t is None or t.text != "*":
            return 1
        self.i += 1
        n = self.peek()
        if n is None or n.kind != "num" or not re.fullmatch(r"\d+", n.text) or int(n.text) < 1:
            raise self.error("expected a positive whole number of repeats after '*'", n)
        self.i += 1
        return int(n.text)

    def _collect_quantity(self) -> tuple[str, int, _Tok | None]:
        """Tokens up to the next keyword/separator form one quantity text."""
        start = self.peek()
        words: list[str] = []
        while (t := self.peek()) is not None and t.kind in ("num", "word", "other") and t.text.lower() not in _KEYWORDS:
            if t.text == "*":
                break
            words.append(t.text)
            self.i += 1
        return " ".join(words), (start.pos if start else len(self.text)), start

    def quantity(self, expect: tuple[Dim, ...], what: str) -> tuple[float, Dim]:
        qtext, pos, start = self._collect_quantity()
        if not qtext:
            raise self.error(f"expected a {what}", start)
        try:
            q = parse_quantity(qtext, expect, what=what)
        except InputError as exc:
            bad = exc.token if exc.token is not None else qtext
            off = qtext.find(bad) if bad else -1
            # point at the first token that is not a number when the whole quantity is nonsense
            if bad == qtext:
                for w in qtext.split(" "):
                    if not re.fullmatch(r"[-+.\deE]+", w):
                        bad = w
                        off = qtext.find(w)
                        break
            raise ProtocolError(exc.message, token=bad, position=pos + max(off, 0)) from None
        if q.value < 0:
            raise ProtocolError(f"{what} must be a magnitude (use Charge/Discharge for the sign)", token=qtext,
                                position=pos)
        return q.value, q.dim

    def step(self) -> Step:
        verb = self.peek()
        if verb is None or verb.kind != "word" or verb.text.lower() not in _VERBS:
            raise self.error("expected a step starting with Discharge, Charge, Rest or Hold", verb)
        self.i += 1
        kind = _VERBS[verb.text.lower()]
        control, value = Control.REST, 0.0
        t = self.peek()
        if kind is not StepKind.REST:
            if t is None or t.text.lower() != "at":
                raise self.error(f"expected 'at' after '{verb.text}'", t)
            self.i += 1
            allowed = (Dim.VOLTAGE,) if kind is StepKind.HOLD else tuple(_DIM_TO_CONTROL)
            value, dim = self.quantity(allowed, "current, C-rate, A/g, mA/cm2, power, resistance or voltage")
            control = _DIM_TO_CONTROL[dim]
            if control is Control.VOLTAGE:
                kind = StepKind.HOLD if kind is StepKind.HOLD else kind
        duration: float | None = None
        terms: list[Termination] = []
        expect_clause = True
        while (t := self.peek()) is not None and t.kind == "word" and t.text.lower() in _KEYWORDS:
            word = t.text.lower()
            if word == "or":
                self.i += 1
                expect_clause = True
                continue
            if not expect_clause:
                raise self.error("expected 'or' between conditions", t)
            self.i += 1
            if word == "for":
                if duration is not None:
                    raise self.error("two 'for' durations in one step", t)
                duration, _ = self.quantity((Dim.TIME,), "duration")
                if duration <= 0:
                    raise self.error("duration must be positive", t)
            elif word == "until":
                v, dim = self.quantity(tuple(_DIM_TO_LIMIT), "cut-off (voltage, current, C-rate or capacity)")
                terms.append(Termination(_DIM_TO_LIMIT[dim], v))
            else:
                raise self.error(f"unexpected '{t.text}'", t)
            expect_clause = False
        end = self.peek()
        if end is not None and end.kind not in ("sep",) and end.text not in (")", "*"):
            raise self.error("unexpected token in step", end)
        if kind is StepKind.REST and duration is None:
            raise self.error("a rest needs 'for <duration>'", end if end else None)
        if duration is None and not terms:
            raise self.error("step has no end: add 'for <duration>' or 'until <cut-off>'", end)
        stop = end.pos if end is not None else len(self.text)
        return Step(
            kind=kind,
            control=control,
            value=value,
            duration_s=duration,
            terminations=tuple(terms),
            text=self.text[verb.pos : stop].strip(),
            position=verb.pos,
        )


def parse_protocol(text: str) -> Protocol:
    """Parse experiment text into a :class:`Protocol` (raises :class:`ProtocolError`)."""
    if not text or not text.strip():
        raise ProtocolError("empty protocol: no steps", token="", position=0)
    return _Parser(text).parse()


def as_protocol(obj: str | Protocol | list[str] | tuple[str, ...]) -> Protocol:
    """Accept a Protocol, a text, or a PyBaMM-style list of step texts (each a cycle)."""
    if isinstance(obj, Protocol):
        return obj
    if isinstance(obj, str):
        return parse_protocol(obj)
    return parse_protocol("\n".join(obj))


__all__ = [
    "BASE_UNIT",
    "CONTROL_FIELD",
    "Control",
    "Limit",
    "Protocol",
    "Step",
    "StepKind",
    "Termination",
    "as_protocol",
    "parse_protocol",
]
_ = field  # dataclasses.field kept for subclasses that add defaults
