"""Circuit strings in impedance.py's grammar, parsed into a tree of vectorised functions.

Grammar (whitespace ignored)::

    circuit  := series
    series   := term ("-" term)*
    term     := element | "p(" series ("," series)* ")"
    element  := KIND ID            e.g. R0, CPE1, Wo1, R_ct, Zarc2

``KIND`` is one of :data:`cellworks.eis.elements.ELEMENTS` (R, C, L, W, Wo, Ws, CPE, La, G, Gs, Zarc,
K, TLMQ/TLM, T); ``ID`` is digits and underscores as in impedance.py (its elements are named by
stripping ``0-9`` and ``_``). Element names must be unique. Parameters are named like impedance.py:
the element name for one-parameter elements (``R0``), ``name_i`` otherwise (``Wo1_0``, ``Wo1_1``), in
order of appearance. Nothing is ever passed to ``eval``: the string becomes a tree of nodes whose
``evaluate`` returns the impedance and its analytic derivatives with respect to every parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis._program import compile_program
from cellworks.eis.elements import ElementSpec, element_spec
from cellworks.errors import ParameterError

Blocks = list[tuple[int, Array]]  # (first parameter index, dZ block of shape (k, n))


class CircuitError(ParameterError):
    """A circuit string that cannot be parsed (names the token and its position)."""


@dataclass(frozen=True)
class ElementNode:
    name: str
    kind: str
    spec: ElementSpec
    offset: int  # index of the element's first parameter in the full parameter vector

    def evaluate(self, params: Sequence[float], w: Array) -> tuple[Array, Blocks]:
        k = self.spec.n_params
        z, dz = self.spec.fn(params[self.offset : self.offset + k], w)
        return z, [(self.offset, dz)]

    def to_string(self) -> str:
        return self.name


@dataclass(frozen=True)
class SeriesNode:
    children: tuple[Node, ...]

    def evaluate(self, params: Sequence[float], w: Array) -> tuple[Array, Blocks]:
        z_total: Array = None
        blocks: Blocks = []
        for child in self.children:
            z, b = child.evaluate(params, w)
            z_total = z if z_total is None else z_total + z
            blocks.extend(b)
        return z_total, blocks

    def to_string(self) -> str:
        return "-".join(c.to_string() for c in self.children)


@dataclass(frozen=True)
class ParallelNode:
    children: tuple[Node, ...]

    def evaluate(self, params: Sequence[float], w: Array) -> tuple[Array, Blocks]:
        evaluated = [child.evaluate(params, w) for child in self.children]
        y: Array = None
        for z, _ in evaluated:
            y = 1.0 / z if y is None else y + 1.0 / z
        z_par = 1.0 / y
        blocks: Blocks = []
        # dZ/dZ_i = (Z / Z_i)^2
        for z, b in evaluated:
            scale = (z_par / z) ** 2
            blocks.extend((off, blk * scale) for off, blk in b)
        return z_par, blocks

    def to_string(self) -> str:
        return "p(" + ",".join(c.to_string() for c in self.children) + ")"


Node = ElementNode | SeriesNode | ParallelNode


@dataclass(frozen=True)
class Circuit:
    """A parsed circuit: the tree, its elements in order, and every parameter's name and bounds."""

    text: str
    root: Node
    elements: tuple[ElementNode, ...]
    param_names: tuple[str, ...]
    param_units: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _program: Any = field(default=None, repr=False, compare=False)

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def index(self, name: str) -> int:
        """Position of parameter ``name`` ("R1", "Wo1_0") in the full parameter vector."""
        try:
            return self._index[name]
        except KeyError:
            raise ParameterError(
                f"circuit {self.text!r} has no parameter '{name}' (it has {', '.join(self.param_names)})",
                field=name,
            ) from None

    def impedance(self, params: Sequence[float], freq_Hz: Array) -> Array:
        """Complex impedance [Ohm] at ``freq_Hz`` for the full parameter vector ``params``."""
        w = 2.0 * np.pi * np.asarray(freq_Hz, dtype=float)
        z, _ = self.root.evaluate(self._check(params), w)
        return np.broadcast_to(z, w.shape).astype(complex)

    def impedance_and_jacobian(self, params: Sequence[float], omega: Array) -> tuple[Array, Array]:
        """``(Z, J)``: impedance (n,) and dZ/dp (n_params, n) at angular frequency ``omega`` [rad/s].

        Runs the compiled stack program (:mod:`cellworks.eis._kernel`)."""
        from cellworks.eis._kernel import run_program

        prog, depth = self._program
        return run_program(prog, self.n_params, depth, np.asarray(params, dtype=float),  # type: ignore[no-any-return]
                           np.asarray(omega, dtype=float))

    def impedance_and_jacobian_tree(self, params: Sequence[float], omega: Array) -> tuple[Array, Array]:
        """Same as :meth:`impedance_and_jacobian`, evaluated by walking the tree with NumPy (reference)."""
        z, blocks = self.root.evaluate(params, omega)
        if len(blocks) == 1 and blocks[0][1].shape[0] == self.n_params:
            return z, blocks[0][1]
        jac = np.empty((self.n_params, omega.size), dtype=complex)
        for off, blk in blocks:  # every parameter belongs to exactly one element: no overlap
            jac[off : off + blk.shape[0]] = blk
        return z, jac

    def _check(self, params: Sequence[float]) -> list[float]:
        vals = [float(v) for v in params]
        if len(vals) != self.n_params:
            raise ParameterError(
                f"circuit {self.text!r} has {self.n_params} parameters ({', '.join(self.param_names)}), "
                f"got {len(vals)} values"
            )
        return vals

    def __str__(self) -> str:
        return self.root.to_string()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.elements: list[ElementNode] = []
        self.n_params = 0

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        self._skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _error(self, message: str, token: str | None = None, pos: int | None = None) -> CircuitError:
        p = self.pos if pos is None else pos
        tok = token if token is not None else (self.text[p] if p < len(self.text) else "end of text")
        return CircuitError(f"circuit {self.text!r}: {message}", token=tok, position=p)

    def parse(self) -> Node:
        if not self.text.strip():
            raise CircuitError("empty circuit string")
        node = self._series()
        if self._peek():
            raise self._error("unexpected character")
        return node

    def _series(self) -> Node:
        terms = [self._term()]
        while self._peek() == "-":
            self.pos += 1
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else SeriesNode(tuple(terms))

    def _term(self) -> Node:
        self._skip()
        start = self.pos
        text = self.text
        if text.startswith("p(", self.pos) or (
            text.startswith("p", self.pos) and self._after_p_is_paren()
        ):
            self.pos = text.index("(", self.pos) + 1
            branches = [self._series()]
            while self._peek() == ",":
                self.pos += 1
                branches.append(self._series())
            if self._peek() != ")":
                raise self._error("expected ')' closing the parallel group opened", pos=self.pos)
            self.pos += 1
            if len(branches) == 1:
                return branches[0]
            return ParallelNode(tuple(branches))
        while self.pos < len(text) and text[self.pos].isalpha():
            self.pos += 1
        kind = text[start : self.pos]
        while self.pos < len(text) and (text[self.pos].isdigit() or text[self.pos] == "_"):
            self.pos += 1
        name = text[start : self.pos]
        if not kind:
            raise self._error("expected an element (R0, C1, Wo1, CPE1 ...) or 'p('", pos=start)
        spec = element_spec(kind)
        if spec is None:
            from cellworks.eis.elements import ALIASES, ELEMENTS

            known = ", ".join([*ELEMENTS, *ALIASES])
            raise self._error(f"unknown element type '{kind}' (known: {known})", token=name, pos=start)
        if any(e.name == name for e in self.elements):
            raise self._error(f"element name '{name}' used twice", token=name, pos=start)
        node = ElementNode(name=name, kind=spec.name, spec=spec, offset=self.n_params)
        self.elements.append(node)
        self.n_params += spec.n_params
        return node

    def _after_p_is_paren(self) -> bool:
        j = self.pos + 1
        while j < len(self.text) and self.text[j].isspace():
            j += 1
        return j < len(self.text) and self.text[j] == "("


def param_names_of(elements: Sequence[ElementNode]) -> list[str]:
    names: list[str] = []
    for e in elements:
        k = e.spec.n_params
        names.extend([e.name] if k == 1 else [f"{e.name}_{i}" for i in range(k)])
    return names


_CACHE: dict[str, Circuit] = {}


def parse_circuit(text: str) -> Circuit:
    """Parse ``text`` (impedance.py grammar) into a :class:`Circuit`; raises :class:`CircuitError`."""
    if not isinstance(text, str):
        raise CircuitError(f"circuit must be a string, got {type(text).__name__}")
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    parser = _Parser(text)
    root = parser.parse()
    elements = tuple(parser.elements)
    names = param_names_of(elements)
    units: list[str] = []
    lower: list[float] = []
    upper: list[float] = []
    for e in elements:
        units.extend(e.spec.units)
        lower.extend(e.spec.lower)
        upper.extend(e.spec.upper)
    circuit = Circuit(
        text=text,
        root=root,
        elements=elements,
        param_names=tuple(names),
        param_units=tuple(units),
        lower=tuple(lower),
        upper=tuple(upper),
        _index={n: i for i, n in enumerate(names)},
        _program=compile_program(root),
    )
    if len(_CACHE) < 256:
        _CACHE[text] = circuit
    return circuit


def simulate(circuit: str | Circuit, params: Sequence[float] | dict[str, float], freq_Hz: Array) -> Array:
    """Impedance spectrum [Ohm] of ``circuit`` with ``params`` (a full vector or a name → value dict)."""
    c = parse_circuit(circuit) if isinstance(circuit, str) else circuit
    if isinstance(params, dict):
        missing = [n for n in c.param_names if n not in params]
        if missing:
            raise ParameterError(f"circuit {c.text!r}: no value for {', '.join(missing)}", field=missing[0])
        extra = [n for n in params if n not in c.param_names]
        if extra:
            raise ParameterError(f"circuit {c.text!r} has no parameter '{extra[0]}'", field=extra[0])
        vec = [float(params[n]) for n in c.param_names]
    else:
        vec = [float(v) for v in params]
    return c.impedance(vec, freq_Hz)


def randles(R_s_Ohm: float, R_ct_Ohm: float, C_dl_F: float, A_W: float, freq_Hz: Array) -> Array:
    """Randles cell ``R0-p(R1-W1,C1)``: series resistance, then charge transfer in series with a
    semi-infinite Warburg (coefficient ``A_W`` in Ohm·s^-1/2), both in parallel with the double layer."""
    c = parse_circuit("R0-p(R1-W1,C1)")
    return c.impedance([R_s_Ohm, R_ct_Ohm, A_W, C_dl_F], freq_Hz)
