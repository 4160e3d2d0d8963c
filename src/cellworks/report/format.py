"""Numbers, units and formulas as a reader expects them: one formatter for every table and caption.

* :func:`sig` — one number to a fixed count of significant figures: plain decimals for everyday
  magnitudes, ``a × 10ⁿ`` outside them, a true minus sign, ``—`` for a missing value.
* :func:`column` — a table column formatted consistently: every cell with the same number of decimals
  (set by the largest magnitude), so the digits line up and no cell claims more precision than another.
* :func:`value_unc` — ``value ± uncertainty`` rounded to the uncertainty (two significant figures).
* :func:`unit` / :func:`units_in_text` — ``uA`` → ``µA``, ``cm2`` → ``cm²``, ``g-1`` → ``g⁻¹``, ``Ohm`` → ``Ω``.
* :func:`formula` — ``C6H14`` → ``C₆H₁₄``, ``[74Ge]H4`` → ``⁷⁴GeH₄``, ``S4^2-`` → ``S₄²⁻``.
* :func:`header` / :func:`has_unit` — ``quantity / unit`` column headers and the check the report test uses.

Pure Python (no NumPy): the report shell and the CLI import it cheaply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

MINUS = "\u2212"
_SUP = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
#: magnitudes written as plain decimals; outside, ``a × 10ⁿ``
PLAIN_MIN, PLAIN_MAX = 1e-3, 1e6


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) or type(x).__name__ in (
        "float64", "float32", "int64", "int32")


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (_is_number(x) and x != x)


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def _pow10(mantissa: str, exponent: int) -> str:
    return f"{_minus(mantissa)} × 10{str(exponent).translate(_SUP)}"


def sig(x: Any, digits: int = 3) -> str:
    """``x`` with ``digits`` significant figures, as a reader writes it.

    >>> sig(0.000087), sig(3.36886), sig(-1.65), sig(1234567.0), sig(float("nan")), sig(0)
    ('8.70 × 10⁻⁵', '3.37', '−1.65', '1.23 × 10⁶', '—', '0')
    >>> sig(1012.4, 3), sig(0.0123456, 2)
    ('1012', '0.012')
    """
    if _missing(x):
        return "—"
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    if x == 0:
        return "0"
    mag = abs(x)
    exponent = math.floor(math.log10(mag))
    if PLAIN_MIN <= mag < PLAIN_MAX:
        decimals = max(0, digits - 1 - exponent)
        text = f"{x:.{decimals}f}"
        if float(text) != 0 or x == 0:
            return _minus(text)
    mantissa = x / 10**exponent
    if round(abs(mantissa), digits - 1) >= 10:  # 9.999 → 10.0: carry into the exponent
        exponent += 1
        mantissa = x / 10**exponent
    return _pow10(f"{mantissa:.{digits - 1}f}", exponent)


def column(values: Iterable[Any], digits: int = 3) -> list[str]:
    """Format a column of numbers consistently; text cells pass through.

    Values of similar magnitude share one number of decimals (the digits line up and no cell claims
    more precision than its neighbours); a column mixing magnitudes (a table whose rows are different
    quantities) keeps ``digits`` significant figures per cell, so no small value is rounded away.

    >>> column([1012.0, 607.3, 379.04])
    ['1012', '607', '379']
    >>> column([0.52, 0.0931, 0.25])
    ['0.5200', '0.0931', '0.2500']
    >>> column([1012.0, 0.05, 33.3])
    ['1012', '0.0500', '33.3']
    >>> column([2.0e-5, 3.1e-7, None])
    ['2.00 × 10⁻⁵', '3.10 × 10⁻⁷', '—']
    """
    vals = list(values)

    def finite(v: Any) -> bool:
        return _is_number(v) and not _missing(v) and math.isfinite(float(v))

    nums = [abs(float(v)) for v in vals if finite(v) and float(v) != 0]
    if not nums or not all(PLAIN_MIN <= v < PLAIN_MAX for v in nums):
        return [sig(v, digits) if finite(v) else cell(v, digits) for v in vals]
    needed = [max(0, digits - 1 - math.floor(math.log10(v))) for v in nums]
    if max(needed) - min(needed) > 1:
        return [sig(v, digits) if finite(v) else cell(v, digits) for v in vals]
    decimals = max(needed)
    return [_minus(f"{float(v):.{decimals}f}") if finite(v) else cell(v, digits) for v in vals]


def cell(value: Any, digits: int = 4) -> str:
    """One table cell: numbers via :func:`sig`, booleans as yes/no, text with its units prettified."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _missing(value):
        return "—"
    if _is_number(value):
        if float(value).is_integer() and abs(float(value)) < PLAIN_MAX:
            return _minus(str(int(value)))
        return sig(value, digits)
    return units_in_text(str(value))


def value_unc(value: float, unc: float | None, digits: int = 2) -> str:
    """``value ± unc`` with the uncertainty to ``digits`` significant figures and the value to match.

    >>> value_unc(0.0165432, 0.000412), value_unc(3.3e-8, 350.0), value_unc(2.5, None)
    ('0.01654 ± 0.00041', '(0.0 ± 3.5) × 10²', '2.50')
    """
    if unc is None or _missing(unc) or unc <= 0 or not math.isfinite(unc):
        return sig(value, 3)
    e_unc = math.floor(math.log10(unc))
    decimals = digits - 1 - e_unc
    if 0 <= decimals <= 8 and abs(value) < PLAIN_MAX:
        return _minus(f"{value:.{decimals}f} ± {unc:.{decimals}f}")
    e_out = e_unc  # a common power of ten: the uncertainty's
    v, u = value / 10**e_out, unc / 10**e_out
    d = digits - 1
    return f"({_minus(f'{v:.{d}f}')} ± {u:.{d}f}) × 10{str(e_out).translate(_SUP)}"


def percent(fraction: Any, digits: int = 3) -> str:
    """A fraction shown as a labelled percentage (data stay fractions; only displays say %).

    >>> percent(0.9478), percent(1.0)
    ('94.8 %', '100 %')
    """
    if _missing(fraction):
        return "—"
    return f"{sig(float(fraction) * 100, digits)} %"


_UNIT_WORD = r"(?:A|Ah|V|W|Wh|m|mol|g|L|s|M|F|S|Ω|Ohm|m2|cm|cm2|mAh)"
_MICRO = re.compile(rf"(?<![A-Za-z])u(?={_UNIT_WORD}(?![A-Za-z]))")
_POWER = re.compile(r"(?<=[a-zA-Zµ])(\^?)(-?[0-9])(?![0-9.])")


def unit(text: str) -> str:
    """A unit written for reading: ``uA`` → ``µA``, ``mA cm-2`` → ``mA cm⁻²``, ``Ohm`` → ``Ω``.

    >>> unit("uA"), unit("mAh/g"), unit("mA cm-2"), unit("cm2"), unit("Ohm cm2"), unit("g-1")
    ('µA', 'mAh/g', 'mA cm⁻²', 'cm²', 'Ω cm²', 'g⁻¹')
    """
    text = _MICRO.sub("µ", text).replace("Ohm", "Ω")
    return _POWER.sub(lambda m: m.group(2).translate(_SUP), text)


_IN_TEXT = re.compile(r"(?<![\w.])(\d[\d.eE+-]*\s?)u(?=(?:A|Ah|V|W|Wh|m|mol|g|L|s|M|F)\b)")


def units_in_text(text: str) -> str:
    """``uA``, ``uAh`` … written after a number in running text become ``µA``, ``µAh`` (nothing else changes).

    >>> units_in_text("a current of 10 uA for 25 uAh; a uAv word stays")
    'a current of 10 µA for 25 µAh; a uAv word stays'
    """
    return _IN_TEXT.sub(lambda m: m.group(1) + "µ", text)


_E_NUMBER = re.compile(r"(?<![\w.])([-+]?\d+(?:\.\d+)?)[eE]([-+]?\d+)(?![\w.])")


def numbers_in_text(text: str) -> str:
    """Computer notation written for a reader: ``8.7e-05`` → ``8.7 × 10⁻⁵`` (digits as given), ``-1.6`` → ``−1.6``.

    >>> numbers_in_text("rate 8.7e-05 A, area 1.48e+05, drift 5.0e-16; R0-p(R1,C1) and 2e5Hz stay")
    'rate 8.7 × 10⁻⁵ A, area 1.48 × 10⁵, drift 5.0 × 10⁻¹⁶; R0-p(R1,C1) and 2e5Hz stay'
    """
    def repl(m: re.Match[str]) -> str:
        exponent = int(m.group(2))
        if exponent == 0:
            return _minus(m.group(1))
        return _pow10(m.group(1).lstrip("+"), exponent)

    return _E_NUMBER.sub(repl, text)


def prose(text: str) -> str:
    """Text for a reader (captions, cells, paragraphs): e-notation and ``u`` for µ rewritten."""
    return units_in_text(numbers_in_text(text))


_ISOTOPE = re.compile(r"\[(\d+)([A-Z][a-z]?)\]")
_CHARGE = re.compile(r"\^(\d*)([+-])$")


def formula(text: str) -> str:
    """A chemical formula with real sub- and superscripts (one style for every table and caption).

    >>> formula("C6H14"), formula("[74Ge]H4"), formula("S4^2-"), formula("Li2S8"), formula("Li₂S")
    ('C₆H₁₄', '⁷⁴GeH₄', 'S₄²⁻', 'Li₂S₈', 'Li₂S')
    """
    charge = ""
    m = _CHARGE.search(text)
    if m:
        charge = (m.group(1) + m.group(2)).translate(_SUP)
        text = text[: m.start()]
    text = _ISOTOPE.sub(lambda mm: mm.group(1).translate(_SUP) + mm.group(2), text)
    text = re.sub(r"(?<=[A-Za-z)\]])(\d+)", lambda mm: mm.group(1).translate(_SUB), text)
    return text + charge


def header(quantity: str, unit_text: str | None) -> str:
    """A column header ``quantity / unit`` (ISO 80000 style); ``None`` for a dimensionless quantity.

    >>> header("capacity", "mAh g-1"), header("coulombic efficiency", "%"), header("MF", None)
    ('capacity / mAh g⁻¹', 'coulombic efficiency / %', 'MF / 1')
    """
    return f"{quantity} / {unit(unit_text) if unit_text else '1'}"


#: headers of numeric columns that are counts or labels and so need no unit
COUNT_WORDS = frozenset({"#", "n", "no.", "cycle", "cycles", "step", "steps", "index", "count", "points", "rank",
                         "run", "pack", "packs", "cell", "cells", "seed", "row", "id", "year", "starts",
                         "evaluations", "iterations", "samples", "scans", "peaks", "compounds", "repeats"})
_UNIT_MARK = re.compile(r"(\s/\s*\S)|(\(\s*[^)]*\S\s*\)\s*$)|(\[\s*[^\]]*\S\s*\]\s*$)|(\bin\s+\S+\s*$)|(%)")


def has_unit(head: str) -> bool:
    """Whether a column header states its unit (``x / unit``, ``x (unit)``, ``x [unit]``, ``%``) or is a count.

    >>> has_unit("capacity / mAh g⁻¹"), has_unit("R0 (Ω)"), has_unit("cycle"), has_unit("capacity")
    (True, True, True, False)
    """
    text = head.strip()
    if text.lower().rstrip(":") in COUNT_WORDS or text.lower().startswith(("number of", "# ", "n ")):
        return True
    return bool(_UNIT_MARK.search(text))


__all__ = ["MINUS", "cell", "column", "formula", "has_unit", "header", "numbers_in_text", "percent", "prose", "sig",
           "unit", "units_in_text", "value_unc"]
