"""Quantities at the edges: "0.2 A/g", "15 min", "1000 Å", "10 µA", "2 mA cm-2", "C/20".

Inside cellworks everything is a float in a base unit named in the variable (``current_A``,
``duration_s``). This module turns user text into ``(dimension, value in base unit)``.

Base units per dimension (SI, except where the field's habit is stronger and the name says so:
charge in Ah, current per mass in A per gram of active material, mass in g):

================  =========  ==========================================
dimension         base       examples accepted
================  =========  ==========================================
current           A          A, mA, uA, µA, nA
c_rate            1/h (C)    1C, 0.5 C, C/20
current_per_mass  A/g        A/g, mA/g, A/kg, mA/mg
current_per_area  A/m2       mA/cm2, mA cm-2, A/m2, uA/cm2
power             W          W, mW, kW
resistance        Ohm        Ohm, ohm, Ω, mOhm, kOhm
voltage           V          V, mV
time              s          s, sec, min, minutes, h, hr, hours, day
charge            Ah         Ah, mAh, uAh, C (coulomb only as "coulomb")
length            m          m, cm, mm, um, µm, nm, Å, A (angstrom as Å or angstrom)
mass              g          g, mg, ug, kg
area              m2         m2, cm2, mm2
================  =========  ==========================================
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

from cellworks.errors import InputError


class Dim(enum.StrEnum):
    CURRENT = "current"
    C_RATE = "c_rate"
    CURRENT_PER_MASS = "current_per_mass"
    CURRENT_PER_AREA = "current_per_area"
    POWER = "power"
    RESISTANCE = "resistance"
    VOLTAGE = "voltage"
    TIME = "time"
    CHARGE = "charge"
    LENGTH = "length"
    MASS = "mass"
    AREA = "area"


BASE_UNIT: dict[Dim, str] = {
    Dim.CURRENT: "A",
    Dim.C_RATE: "C",
    Dim.CURRENT_PER_MASS: "A/g",
    Dim.CURRENT_PER_AREA: "A/m2",
    Dim.POWER: "W",
    Dim.RESISTANCE: "Ohm",
    Dim.VOLTAGE: "V",
    Dim.TIME: "s",
    Dim.CHARGE: "Ah",
    Dim.LENGTH: "m",
    Dim.MASS: "g",
    Dim.AREA: "m2",
}

_PREFIX = {"": 1.0, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9}

_CURRENTS = {p + "A": (Dim.CURRENT, f) for p, f in _PREFIX.items()}
_MASSES = {"g": 1.0, "mg": 1e-3, "ug": 1e-6, "kg": 1e3}
_AREAS = {"m2": 1.0, "cm2": 1e-4, "mm2": 1e-6}

UNITS: dict[str, tuple[Dim, float]] = {
    **_CURRENTS,
    **{p + "W": (Dim.POWER, f) for p, f in _PREFIX.items()},
    **{p + "V": (Dim.VOLTAGE, f) for p, f in _PREFIX.items() if p != "n"},
    **{p + "ohm": (Dim.RESISTANCE, f) for p, f in _PREFIX.items()},
    **{p + "ah": (Dim.CHARGE, f) for p, f in _PREFIX.items() if p != "k"},
    "s": (Dim.TIME, 1.0), "sec": (Dim.TIME, 1.0), "secs": (Dim.TIME, 1.0),
    "second": (Dim.TIME, 1.0), "seconds": (Dim.TIME, 1.0),
    "ms": (Dim.TIME, 1e-3),
    "min": (Dim.TIME, 60.0), "mins": (Dim.TIME, 60.0), "minute": (Dim.TIME, 60.0), "minutes": (Dim.TIME, 60.0),
    "h": (Dim.TIME, 3600.0), "hr": (Dim.TIME, 3600.0), "hrs": (Dim.TIME, 3600.0),
    "hour": (Dim.TIME, 3600.0), "hours": (Dim.TIME, 3600.0),
    "day": (Dim.TIME, 86400.0), "days": (Dim.TIME, 86400.0),
    "week": (Dim.TIME, 604800.0), "weeks": (Dim.TIME, 604800.0),
    "month": (Dim.TIME, 30.436875 * 86400.0), "months": (Dim.TIME, 30.436875 * 86400.0),
    "coulomb": (Dim.CHARGE, 1.0 / 3600.0), "coulombs": (Dim.CHARGE, 1.0 / 3600.0),
    "m": (Dim.LENGTH, 1.0), "cm": (Dim.LENGTH, 1e-2), "mm": (Dim.LENGTH, 1e-3),
    "um": (Dim.LENGTH, 1e-6), "micron": (Dim.LENGTH, 1e-6), "microns": (Dim.LENGTH, 1e-6),
    "nm": (Dim.LENGTH, 1e-9), "angstrom": (Dim.LENGTH, 1e-10), "å": (Dim.LENGTH, 1e-10),
    **{k: (Dim.MASS, v) for k, v in _MASSES.items()},
    **{k: (Dim.AREA, v) for k, v in _AREAS.items()},
}
# current per mass and per area: every current prefix over every mass / area unit
for _cu, (_d, _cf) in _CURRENTS.items():
    for _mu, _mf in _MASSES.items():
        UNITS[f"{_cu}/{_mu}"] = (Dim.CURRENT_PER_MASS, _cf / _mf)
    for _au, _af in _AREAS.items():
        UNITS[f"{_cu}/{_au}"] = (Dim.CURRENT_PER_AREA, _cf / _af)


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: ``value`` in the base unit of ``dim`` (see :data:`BASE_UNIT`)."""

    value: float
    dim: Dim

    @property
    def unit(self) -> str:
        return BASE_UNIT[self.dim]


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_C_RATE = re.compile(rf"^(?:(?P<num>{_NUMBER})\s*C|C\s*/\s*(?P<den>{_NUMBER}))$")
_QTY = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>.*?)\s*$")


def normalize_unit(unit: str) -> str:
    """Canonical spelling: µ→u, Ω→ohm, ²→2, "mA cm-2"→"mA/cm2", "A g-1"→"A/g", case folded for Ohm/Ah."""
    u = unit.strip().replace("µ", "u").replace("μ", "u").replace("²", "2").replace("^", "")
    u = u.replace("Ω", "ohm").replace("·", " ").replace("*", " ")
    u = re.sub(r"\s*/\s*", "/", u)
    # "mA cm-2" / "mA cm-2" / "A g-1" → "mA/cm2", "A/g"
    m = re.fullmatch(r"(\S+)\s+([a-zA-Z]+)-(\d)", u)
    if m:
        u = f"{m.group(1)}/{m.group(2)}" + (m.group(3) if m.group(3) != "1" else "")
    u = re.sub(r"(?i)ohms?$", "ohm", u)
    u = re.sub(r"(?i)(?<=[a-z])ohm$|^ohm$", "ohm", u)
    if re.fullmatch(r"(?i)[kmun]?ah", u):
        u = u[:-2] + "ah" if len(u) > 2 else "ah"
    if u == "Å" or u == "å":
        u = "å"
    if u.lower() in ("min", "mins", "minute", "minutes", "hour", "hours", "day", "days", "second", "seconds",
                     "sec", "secs", "hr", "hrs", "week", "weeks", "month", "months", "angstrom", "micron",
                     "microns", "coulomb", "coulombs"):
        u = u.lower()
    return u


def lookup_unit(unit: str) -> tuple[Dim, float]:
    """(dimension, factor to base unit) of a unit string; KeyError if unknown."""
    key = normalize_unit(unit)
    if key in UNITS:
        return UNITS[key]
    raise KeyError(unit)


def parse_quantity(text: str, expect: tuple[Dim, ...] | None = None, *, what: str = "quantity") -> Quantity:
    """Parse ``"0.2 A/g"`` → ``Quantity(0.2, Dim.CURRENT_PER_MASS)``.

    ``expect`` restricts the accepted dimensions; an unknown unit or a wrong dimension raises
    :class:`InputError` naming the token.
    """
    s = text.strip()
    cm = _C_RATE.match(s)
    if cm:
        if cm.group("num"):
            value = _finite(cm.group("num"), s, what)
        else:
            den = _finite(cm.group("den"), s, what)
            if den == 0:
                raise InputError(f"{what} 'C/0' divides by zero", token=s)
            value = 1.0 / den
        q = Quantity(_finite(value, s, what), Dim.C_RATE)
    else:
        m = _QTY.match(s)
        if not m:
            raise InputError(f"not a {what} (expected a number and a unit)", token=s)
        unit = m.group("unit")
        if not unit:
            raise InputError(f"{what} '{s}' has no unit", token=s)
        try:
            dim, factor = lookup_unit(unit)
        except KeyError:
            raise InputError(f"unknown unit '{unit}'", token=unit) from None
        q = Quantity(_finite(_finite(m.group("num"), s, what) * factor, s, what), dim)
    if expect is not None and q.dim not in expect:
        allowed = ", ".join(d.value for d in expect)
        raise InputError(f"{what} '{s}' is a {q.dim.value}; expected {allowed}", token=s)
    return q


def _finite(number: str | float, text: str, what: str) -> float:
    """``number`` as a finite float: a literal such as ``1e400`` that overflows to infinity is
    refused like ``inf`` itself, and so is one that underflows to zero (``1e-400``) while its
    digits are not all zero."""
    value = float(number)
    token = number if isinstance(number, str) else text
    if not math.isfinite(value):
        raise InputError(f"{what} '{text}' is out of range (the number overflows to infinity)", token=token)
    if value == 0.0 and isinstance(number, str) and re.search(r"[1-9]", number.split("e")[0].split("E")[0]):
        raise InputError(f"{what} '{text}' is out of range (the number underflows to zero)", token=token)
    return value


def parse_duration_s(text: str) -> float:
    """``"15 min"`` → 900.0."""
    return parse_quantity(text, (Dim.TIME,), what="duration").value
