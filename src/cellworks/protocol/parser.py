"""Experiment text → :class:`~cellworks.protocol.steps.Protocol`: tokenizer and recursive-descent parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cellworks.errors import ProtocolError, ProtocolLimitError
from cellworks.limits import env_limit
from cellworks.protocol.steps import (
    _DIM_TO_CONTROL,
    _DIM_TO_LIMIT,
    Control,
    Limit,
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


@dataclass(frozen=True)
class _Item:
    """A parsed step or group with its repeat count, before expansion."""

    step: Step | None
    children: tuple[_Item, ...]
    repeat: int
    pos: int  # where its repeat count (or, without one, the item) starts

    def n_steps(self) -> int:
        """Expanded steps: the product of the nested repeats (exact; Python ints do not overflow)."""
        inner = 1 if self.step is not None else sum(c.n_steps() for c in self.children)
        return self.repeat * inner

    def body(self) -> tuple[Step, ...]:
        """One repetition's steps, flattened (only called once the total is within the limit)."""
        if self.step is not None:
            return (self.step,)
        return tuple(s for c in self.children for s in c.body() * c.repeat)


class _Parser:
    def __init__(self, text: str, max_steps: int, max_nesting: int) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.max_steps = max_steps
        self.max_nesting = max_nesting
        self.depth = 0

    # -- helpers
    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, message: str, tok: _Tok | None) -> ProtocolError:
        if tok is None:
            return ProtocolError(message + " (text ended)", token="", position=len(self.text))
        return ProtocolError(message, token=tok.text, position=tok.pos)

    # -- grammar
    def parse(self) -> Protocol:
        items = self.sequence()
        if self.peek() is not None:
            raise self.error("unexpected token", self.peek())
        if not items:
            raise ProtocolError("empty protocol: no steps", token=self.text[:40], position=0)
        # the size is known before anything is expanded: a protocol of 10^20 steps costs nothing
        total = 0
        for item in items:
            total += item.n_steps()
            if total > self.max_steps:
                what = f"{total}" if len(str(total)) <= 30 else f"about 10^{len(str(total)) - 1}"
                raise ProtocolLimitError(
                    f"protocol expands to {what} steps (at least), above the limit of {self.max_steps} "
                    "(set CELLWORKS_MAX_STEPS to raise it)", token=self.text[item.pos:item.pos + 40].strip(),
                    position=item.pos)
        # each repetition of a top-level item is one cycle (a bare step is a cycle of its own, as in
        # PyBaMM); repeated cycles share one tuple, so memory grows with the distinct cycles only
        cycles: list[tuple[Step, ...]] = []
        for item in items:
            cycles.extend([item.body()] * item.repeat)
        return Protocol(tuple(cycles), self.text)

    def sequence(self) -> list[_Item]:
        """Items separated by separators, up to the end of the text or a closing parenthesis."""
        items: list[_Item] = []
        while True:
            while (t := self.peek()) is not None and t.kind == "sep":
                self.i += 1
            t = self.peek()
            if t is None or t.text == ")":
                break
            if t.text == "(":
                self.depth += 1
                if self.depth > self.max_nesting:
                    raise ProtocolLimitError(f"groups nested deeper than {self.max_nesting} levels "
                                     "(set CELLWORKS_MAX_NESTING to raise the limit)", token="(", position=t.pos)
                self.i += 1
                inner = self.sequence()
                close = self.peek()
                if close is None or close.text != ")":
                    raise self.error("missing ')'", close if close else None)
                self.i += 1
                self.depth -= 1
                if not inner:
                    raise self.error("empty group '()'", t)
                n, pos = self.repeat(t.pos)
                items.append(_Item(None, tuple(inner), n, pos))
            else:
                step = self.step()
                n, pos = self.repeat(step.position)
                items.append(_Item(step, (), n, pos))
            t = self.peek()
            if t is not None and t.kind not in ("sep",) and t.text != ")":
                raise self.error("expected ',' or ')' between steps", t)
        return items

    def repeat(self, start: int) -> tuple[int, int]:
        """``* N`` after an item: (N, position of N), or (1, ``start``) without one."""
        t = self.peek()
        if t is None or t.text != "*":
            return 1, start
        self.i += 1
        n = self.peek()
        if n is None or n.kind != "num" or not re.fullmatch(r"\d+", n.text) or int(n.text) < 1:
            raise self.error("expected a positive whole number of repeats after '*'", n)
        self.i += 1
        return int(n.text), n.pos

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
            at = self.peek()
            value, dim = self.quantity(allowed, "current, C-rate, A/g, mA/cm2, power, resistance or voltage")
            control = _DIM_TO_CONTROL[dim]
            if control is Control.RESISTANCE and value == 0:
                raise self.error("a load of 0 Ohm is a short circuit; give a positive resistance", at)
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
                at = self.peek()
                v, dim = self.quantity(tuple(_DIM_TO_LIMIT), "cut-off (voltage, current, C-rate or capacity)")
                limit = _DIM_TO_LIMIT[dim]
                if v == 0 and limit is not Limit.VOLTAGE:
                    # |I| <= 0 is never reached (a hold would run forever); 0 Ah ends at once
                    raise self.error(f"a {limit.value.replace('_', ' ')} cut-off of 0 is "
                                     f"{'reached at once' if limit is Limit.CAPACITY else 'never reached'}; "
                                     "give a positive value", at)
                terms.append(Termination(limit, v))
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
        if duration is None and value == 0 and control not in (Control.REST, Control.VOLTAGE):
            raise self.error("a step at zero current or power never reaches its cut-off; use "
                             "'Rest for <duration>' or give 'for <duration>'", verb)
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


def parse_protocol(text: str, *, max_steps: int | None = None) -> Protocol:
    """Parse experiment text into a :class:`Protocol` (raises :class:`ProtocolError`).

    ``max_steps`` bounds the expanded number of steps (default ``CELLWORKS_MAX_STEPS``, 100 000;
    see :mod:`cellworks.limits`); the product of nested repeats is checked before anything is
    expanded, and groups nest at most ``CELLWORKS_MAX_NESTING`` (100) deep. Beyond either,
    :class:`~cellworks.errors.LimitError` (a :class:`ProtocolError`-like one-line error).
    """
    if not text or not text.strip():
        raise ProtocolError("empty protocol: no steps", token="", position=0)
    limit = int(max_steps if max_steps is not None else env_limit("MAX_STEPS"))
    return _Parser(text, limit, int(env_limit("MAX_NESTING"))).parse()


def as_protocol(obj: str | Protocol | list[str] | tuple[str, ...]) -> Protocol:
    """Accept a Protocol, a text, or a PyBaMM-style list of step texts (each a cycle)."""
    if isinstance(obj, Protocol):
        return obj
    if isinstance(obj, str):
        return parse_protocol(obj)
    return parse_protocol("\n".join(obj))
