"""Neware status codes and current-range scale factors (facts about the file format, as
documented by NewareNDA and fastnda, both BSD-3; tables written here, not imported).

A record's status code says what the channel was doing (``CC_Chg``, ``CCCV_DChg``, ``Pulse``,
``SIM`` …); cellworks derives the step direction (``step_type``) and the step mode
(``step_mode``) from it. Integer-scaled file layouts store current and capacity in units set by
the channel's current range; :data:`RANGE_SCALE` gives the factor to mA and mAs.
"""

from __future__ import annotations

#: status code → Neware's name (BTSDA writes the same names with spaces)
STATUS: dict[int, str] = {
    1: "CC_Chg", 2: "CC_DChg", 3: "CV_Chg", 4: "Rest", 5: "Cycle", 7: "CCCV_Chg", 8: "CP_DChg", 9: "CP_Chg",
    10: "CR_DChg", 13: "Pause", 16: "Pulse", 17: "SIM", 18: "PCCCV_Chg", 19: "CV_DChg", 20: "CCCV_DChg",
    21: "Control", 22: "OCV", 25: "Ramp", 26: "CPCV_DChg", 27: "CPCV_Chg",
}

#: current range (as stored) → scale of the integer current (mA) and capacities (mAs)
RANGE_SCALE: dict[int, float] = {
    -100000000: 10.0,
    **{r: 1e-2 for r in (-200000, -100000, -60000, -50000, -40000, -30000, -20000, -12000, -10000, -6000, -5000,
                         -3000, -2000, -1000)},
    -500: 1e-3, -100: 1e-3,
    **{r: 1e-4 for r in (-50, -25, -20, -10)},
    -5: 1e-5, -2: 1e-5, -1: 1e-5,
    0: 0.0,
    1: 1e-4, 2: 1e-4, 5: 1e-4,
    10: 1e-3, 20: 1e-3, 25: 1e-3, 50: 1e-3,
    100: 1e-2, 200: 1e-2, 250: 1e-2, 500: 1e-2,
    **{r: 1e-1 for r in (1000, 6000, 10000, 12000, 20000, 30000, 40000, 50000, 60000, 100000, 200000)},
}

#: auxiliary channel type (TestInfo.xml ``ChlType``) → quantity letter (NewareNDA's naming)
AUX_CHANNEL_TYPES: dict[str, str] = {"103": "T", "335": "t", "345": "H"}


def status_name(code: int) -> str:
    return STATUS.get(int(code), f"Unknown_{int(code)}")


def status_kind(name: str) -> tuple[str, str]:
    """(step_type, step_mode) of a status name: CC_Chg → (charge, CC); Pulse → (other, pulse)…

    Pulse and SIM steps carry current in both or either direction: their direction is left to
    the sign of the step's charge (``other`` here, resolved from the counters by the reader)."""
    s = name.lower().replace(" ", "_")
    if s.endswith("_dchg"):
        direction = "discharge"
    elif s.endswith("_chg"):
        direction = "charge"
    elif s in ("rest", "pause", "ocv"):
        direction = "rest"
    else:
        direction = "other"
    head = s.split("_")[0]
    mode = {"cc": "CC", "cv": "CV", "cccv": "CCCV", "pcccv": "CCCV", "cp": "CP", "cpcv": "CPCV", "cr": "CR",
            "rest": "rest", "pause": "rest", "ocv": "OCV", "pulse": "pulse", "sim": "drive", "ramp": "ramp"}.get(
        head, "other")
    return direction, mode


def lookup_tables() -> tuple[object, object]:
    """(step-type code, step mode) for each of the 256 status codes, as numpy arrays (built once)."""
    global _LUTS
    if _LUTS is None:
        import numpy as np

        kinds = [status_kind(status_name(c)) for c in range(256)]
        names = ("charge", "discharge", "rest", "other")
        _LUTS = (np.array([names.index(k[0]) for k in kinds], dtype=np.int8),
                 np.array([k[1] for k in kinds], dtype=object))
    return _LUTS


_LUTS: tuple[object, object] | None = None

#: status names that start a charge run (NewareNDA's "charge first" software cycle numbering)
CHARGE_START = frozenset({"CCCV_Chg", "CC_Chg", "CP_Chg"})
