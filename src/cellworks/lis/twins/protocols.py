"""The document's protocols as ``cellworks.protocol`` text, built from the targets file's ``[experiments]``.

Every charge ends on its voltage limit — or, when the shuttle carries the whole current so that the
charge cannot progress, on that stated physical reason (the driver's ``shuttle: charge cannot
progress``); there is no charge-time or charge-capacity safety limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cellworks.errors import ParameterError


def cycle_text(rate_A_per_g: float, v_low: float, v_high: float) -> str:
    """One galvanostatic cycle: discharge to ``v_low``, charge to ``v_high``, both at ``rate_A_per_g``."""
    return (f"Discharge at {rate_A_per_g:g} A/g until {v_low:g} V, "
            f"Charge at {rate_A_per_g:g} A/g until {v_high:g} V")


def cycling_protocol(rate_A_per_g: float, cycles: int, window_V: Sequence[float] = (1.0, 3.0)) -> str:
    """``cycles`` galvanostatic cycles in ``window_V`` at a current per gram of sulfur."""
    if cycles < 1:
        raise ParameterError("need at least one cycle", field="cycles")
    return f"({cycle_text(rate_A_per_g, window_V[0], window_V[1])}) * {cycles}"


def rate_test_protocol(rates_A_per_g: Sequence[float], cycles_each: int, window_V: Sequence[float] = (1.0, 3.0)) -> str:
    """A rate test: ``cycles_each`` cycles at every rate in turn."""
    if cycles_each < 1 or not rates_A_per_g:
        raise ParameterError("need rates and at least one cycle each", field="cycles_each")
    return "\n".join(f"({cycle_text(r, window_V[0], window_V[1])}) * {cycles_each}" for r in rates_A_per_g)


def window(doc: dict[str, Any]) -> tuple[float, float]:
    """The document's voltage window ``[document] window_V``."""
    w = doc.get("document", {}).get("window_V", [1.0, 3.0])
    try:
        lo, hi = float(w[0]), float(w[1])
    except (TypeError, ValueError, IndexError):
        raise ParameterError("window_V must be [low, high]", field="document.window_V") from None
    if not lo < hi:
        raise ParameterError("window_V must be [low, high] with low < high", field="document.window_V")
    return lo, hi


def experiment_protocols(doc: dict[str, Any], *, cycles_scale: float = 1.0) -> dict[str, str]:
    """Name → protocol text of every ``[experiments.<name>]`` of a targets file.

    ``cycles_scale`` shortens the cycling experiments (≥ 1 cycle each; the report's quick mode)."""
    w = window(doc)
    out: dict[str, str] = {}
    for name, e in doc["experiments"].items():
        kind = e.get("kind")
        try:
            if kind == "cycling":
                n = max(1, int(round(int(e["cycles"]) * cycles_scale)))
                out[name] = cycling_protocol(float(e["rate_A_per_g"]), n, w)
            elif kind == "rate":
                out[name] = rate_test_protocol([float(r) for r in e["rates_A_per_g"]], int(e["cycles_each"]), w)
            else:
                raise ParameterError(f"unknown experiment kind {kind!r} (cycling, rate)", record=name, field="kind")
        except KeyError as k:
            raise ParameterError(f"missing key {k}", record=f"experiments.{name}") from None
    return out


def experiment_rates(doc: dict[str, Any], name: str) -> list[float]:
    """The rate of every cycle of an experiment [A/g] (for plots and per-rate metrics)."""
    e = doc["experiments"][name]
    if e.get("kind") == "rate":
        return [float(r) for r in e["rates_A_per_g"] for _ in range(int(e["cycles_each"]))]
    return [float(e["rate_A_per_g"])] * int(e["cycles"])


__all__ = ["cycle_text", "cycling_protocol", "experiment_protocols", "experiment_rates", "rate_test_protocol",
           "window"]
