"""Experiment text → :class:`~cellworks.protocol.steps.Protocol`: tokenizer and recursive-descent parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cellworks.errors import ProtocolError
from cellworks.protocol.steps import (
    _DIM_TO_CONTROL,
    _DIM_TO_LIMIT,
    Control,
    Protocol,
    Step,
    StepKind,
    Termination,
)
from cellworks.units import Dim, InputError, parse_quantity

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
