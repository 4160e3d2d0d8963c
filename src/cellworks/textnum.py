"""Is the last record of a text export cut off in the middle of a number?

A text export (CSV, tab-separated, an instrument's ``.mpt``/``.DTA`` table) that was copied while
the instrument was still writing, or truncated on a full disk, often ends inside a number:
``-3.7e-03`` becomes ``-3.7`` (exponent cut: a value 1000× too large), ``0.012345`` becomes
``0.01`` (digits cut). Such a value parses fine, so a reader that does not look would fit, plot and
report a silently wrong answer. The shapes of the column's earlier values tell: an instrument writes
one column in one format.

:func:`truncated_tail` compares the last record with the records before it and says why it looks
cut (or ``None``); :func:`check_tail` raises the one-line
:class:`~cellworks.errors.FileFormatError` readers use. The rules, each needing at least
:data:`MIN_HISTORY` earlier values of the column that agree:

* a token ending in ``e``, ``E``, ``+``, ``-`` or ``.`` (when no earlier value does), or empty;
* every earlier value has an exponent and the last has none, or fewer exponent digits;
* every earlier value has the same number of decimals (a fixed format such as ``%.6f`` or
  ``%.4e``) and the last has fewer;
* the last record has fewer fields than every earlier one.

Columns written in a shortest-round-trip format (``0.1``, ``0.25``, ``1.125``) have no fixed shape;
nothing is claimed for them. A text that ends with a newline ended its last line on purpose, so
the number shapes are judged only when the last line has no newline (pass ``ended_with_newline``);
the field count always.

Imports only :mod:`re`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: earlier values of a column that must agree before its last value is judged
MIN_HISTORY = 3
#: how many earlier records are looked at
HISTORY = 20

_NUMBER = re.compile(r"^[-+]?(?P<int>\d*)(?:[.,](?P<dec>\d*))?(?:(?P<e>[eE])(?P<esign>[-+]?)(?P<exp>\d*))?$")


@dataclass(frozen=True)
class Shape:
    """How a number token is written."""

    decimals: int | None  # digits after the decimal mark (None: no decimal mark)
    exponent_digits: int | None  # None: no exponent
    ends_open: bool  # ends in 'e', sign or '.' (cannot be a whole number as written)


def shape(token: str) -> Shape | None:
    """The :class:`Shape` of a number token, or None when it is not a number at all."""
    t = token.strip()
    m = _NUMBER.match(t)
    if not t or not m or not (m.group("int") or m.group("dec")):
        return None
    dec = m.group("dec")
    exp = m.group("exp") if m.group("e") else None
    ends_open = t[-1] in "eE+-.," or (m.group("e") is not None and not exp)
    return Shape(None if dec is None and "." not in t and "," not in t else len(dec or ""),
                 None if exp is None else len(exp), ends_open)


def _column_reason(last: str, earlier: Sequence[str]) -> str | None:
    before = [s for s in (shape(v) for v in earlier) if s is not None]
    if len(before) < MIN_HISTORY or len(before) < len(earlier):
        return None  # not a column of numbers, or too little history to judge
    if not last.strip():
        return "is empty where every earlier value is a number"
    now = shape(last)
    if now is None:
        return None
    if now.ends_open and not any(b.ends_open for b in before):
        return f"'{last.strip()}' ends in '{last.strip()[-1]}'"
    exps = [b.exponent_digits for b in before]
    all_exp = [e for e in exps if e is not None]
    if len(all_exp) == len(exps):
        if now.exponent_digits is None:
            return f"'{last.strip()}' has no exponent while every earlier value has one (exponent cut off?)"
        if len(set(all_exp)) == 1 and now.exponent_digits < all_exp[0]:
            return f"'{last.strip()}' has fewer exponent digits than every earlier value"
    decs = [b.decimals for b in before]
    if len(set(decs)) == 1 and decs[0]:
        d = decs[0]
        same_kind = (now.exponent_digits is None) == (not all_exp)
        if (now.decimals or 0) < d and same_kind:
            return f"'{last.strip()}' has {now.decimals or 0} decimals where every earlier value has {d}"
    return None


def truncated_tail(rows: Sequence[Sequence[str]], columns: Sequence[str] | None = None, *,
                   fields_only: bool = False) -> str | None:
    """Why the last of ``rows`` (records split into fields) looks cut off, or None.

    ``columns`` names the fields for the message (default: ``column 1``, ``column 2``, ...);
    ``fields_only`` applies only the field-count rule (the number shapes are not judged).
    """
    if len(rows) < MIN_HISTORY + 1:
        return None
    last, earlier = rows[-1], rows[-1 - HISTORY : -1]
    widths = {len(r) for r in earlier}
    if len(widths) == 1 and len(last) < min(widths):
        return f"the last record has {len(last)} fields where every earlier one has {min(widths)}"
    if fields_only:
        return None
    for k, token in enumerate(last):
        history = [r[k] for r in earlier if k < len(r)]
        reason = _column_reason(token, history)
        if reason is not None:
            name = columns[k] if columns is not None and k < len(columns) else f"column {k + 1}"
            return f"{name}: {reason}"
    return None


def check_tail(
    rows: Sequence[Sequence[str]],
    *,
    file: str | Path,
    ended_with_newline: bool | None,
    record: str | int | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Raise :class:`~cellworks.errors.FileFormatError` when the last record looks cut mid-number.

    ``ended_with_newline=True`` (the text's last character is a newline) skips the number-shape
    rules (the writer finished that line) but not the field count: a record with fewer fields than
    every earlier one is cut, newline or not. ``record`` names the last record (``"line 68"``).
    """
    reason = truncated_tail(rows, columns, fields_only=bool(ended_with_newline))
    if reason is not None:
        from cellworks.errors import FileFormatError

        raise FileFormatError(f"the last record looks cut off mid-number ({reason}); the file is probably "
                              "truncated — export it again, or drop the last record", file=file, record=record)


def ends_with_newline(path: str | Path) -> bool:
    """Does the file's last byte end a line (``\\n`` or ``\\r``)? An empty file counts as yes."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) in (b"\n", b"\r")
