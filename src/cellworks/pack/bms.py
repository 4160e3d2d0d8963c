"""BMS balancing controllers (application note 003, "Keeping cells balanced" and "Recommendations").

A controller decides, from the measured group voltages, which bleed FETs are on. Two kinds:

* :class:`ThresholdBalancer` — the note's algorithm with all its options; it runs inside the
  compiled simulator (fast path).
* any subclass of :class:`Controller` overriding :meth:`Controller.decide` — your own policy in
  Python; the simulator calls it every ``measure_period_s`` (slower, but anything goes)::

      class BleedTopTwo(Controller):
          def decide(self, v_measured_V, bleeding, phase, time_s):
              on = np.zeros_like(bleeding)
              if v_measured_V.max() - v_measured_V.min() > 0.005:
                  on[np.argsort(v_measured_V)[-2:]] = True
              return on

Phases are ``"charge"``, ``"discharge"``, ``"rest"`` and ``"hold"``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cellworks.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np


class Select(enum.StrEnum):
    HIGHEST = "highest"  # bleed the highest group only
    ABOVE_MIN = "above_min"  # bleed every group more than threshold above the lowest
    ONE_AT_A_TIME = "one_at_a_time"  # round-robin among those above threshold (on-chip FETs)


class When(enum.StrEnum):
    NEVER = "never"
    CONDITIONING = "conditioning"  # only in the conditioning cycles
    CHARGE = "charge"  # conditioning cycles, then during charge (and CV hold) only
    CHARGE_DISCHARGE = "charge_discharge"  # capacity/energy maximisation: charge and discharge every cycle
    ALWAYS = "always"  # every phase, rests included


PHASES = ("charge", "discharge", "rest", "hold")


@dataclass(frozen=True)
class Controller:
    """Base class: measurement, timing and when to balance; subclasses override :meth:`decide`."""

    measure_period_s: float = 10.0
    accuracy_V: float = 0.0  # each group's voltage reads off by a fixed error drawn in ±accuracy
    when: When = When.CHARGE
    conditioning_cycles: int = 1
    temperature_limit_C: float = math.inf
    current_factor_above_limit: float = 0.5
    source: str = "application note 003 (Intersil/PoweReady balancing algorithm)"

    def __post_init__(self) -> None:
        if self.measure_period_s <= 0:
            raise ParameterError("measurement period must be positive", field="bms.measure_period_s")
        if self.accuracy_V < 0:
            raise ParameterError("measurement accuracy must be ≥ 0", field="bms.accuracy_V")
        if not 0 < self.current_factor_above_limit <= 1:
            raise ParameterError("current factor must be in (0, 1]", field="bms.current_factor_above_limit")
        object.__setattr__(self, "when", When(self.when))

    def active(self, phase: str, cycle: int) -> bool:
        """Whether bleeding is allowed in this phase of this (1-based) cycle."""
        if self.when is When.NEVER:
            return False
        if self.when is When.ALWAYS or cycle <= self.conditioning_cycles and self.when is not When.NEVER:
            return True
        if self.when is When.CONDITIONING:
            return False
        if self.when is When.CHARGE:
            return phase in ("charge", "hold")
        return phase in ("charge", "hold", "discharge")

    def decide(self, v_measured_V: np.ndarray, bleeding: np.ndarray, phase: str, time_s: float) -> np.ndarray:
        """Bleed state (bool per series group) from the measured group voltages."""
        raise NotImplementedError


@dataclass(frozen=True)
class NoBalancing(Controller):
    when: When = When.NEVER

    def decide(self, v_measured_V: np.ndarray, bleeding: np.ndarray, phase: str, time_s: float) -> np.ndarray:
        import numpy as np

        return np.zeros(len(v_measured_V), bool)


@dataclass(frozen=True)
class ThresholdBalancer(Controller):
    """The note's algorithm: when the spread exceeds ``threshold_V`` bleed the highest cell (or all
    above min + threshold, or one at a time); optionally measure only in rests between charge pulses,
    shorten pulses near full charge, extend the rest when a cell reaches over-voltage first, and
    reduce charge current above a temperature limit. Runs compiled inside the simulator."""

    threshold_V: float = 0.010
    select: Select = Select.HIGHEST
    measure_in_rest_only: bool = False
    pulse_on_s: float = 0.0  # > 0: pulsed charging, measure in the rests between pulses
    pulse_rest_s: float = 30.0
    pulse_shorten_above_V: float = 4.10
    pulse_short_on_s: float = 60.0
    extend_rest_on_overvoltage: bool = False
    extend_rest_s: float = 600.0
    max_extensions: int = 20

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "select", Select(self.select))
        if self.threshold_V < 0:
            raise ParameterError("threshold must be ≥ 0", field="bms.threshold_V")
        if self.pulse_on_s < 0 or self.pulse_rest_s <= 0 or self.pulse_short_on_s <= 0:
            raise ParameterError("pulse durations must be positive", field="bms.pulse_on_s")

    def decide(self, v_measured_V: np.ndarray, bleeding: np.ndarray, phase: str, time_s: float) -> np.ndarray:
        """Python twin of the compiled rule (used for testing and for subclasses)."""
        import numpy as np

        v = np.asarray(v_measured_V, float)
        on = np.zeros(len(v), bool)
        lo = v.min()
        if v.max() - lo <= self.threshold_V:
            return on
        if self.select is Select.ABOVE_MIN:
            return np.asarray(v - lo > self.threshold_V)
        on[int(np.argmax(v))] = True
        return on


def is_compiled(controller: Controller) -> bool:
    """True if the simulator can run this controller inside its compiled loop."""
    return isinstance(controller, NoBalancing) or (
        isinstance(controller, ThresholdBalancer) and type(controller).decide is ThresholdBalancer.decide
    )


# layout of the policy vector passed to the kernel
POL_ENABLED, POL_SELECT, POL_THRESHOLD, POL_PERIOD, POL_REST_ONLY = 0, 1, 2, 3, 4
POL_PULSE_ON, POL_PULSE_REST, POL_PULSE_SHORTEN_V, POL_PULSE_SHORT_ON = 5, 6, 7, 8
POL_EXTEND, POL_EXTEND_S, POL_MAX_EXT, POL_TLIMIT_C, POL_TFACTOR = 9, 10, 11, 12, 13
POL_SIZE = 14
SELECT_CODE = {Select.HIGHEST: 0, Select.ABOVE_MIN: 1, Select.ONE_AT_A_TIME: 2}


def policy_vector(controller: Controller, active: bool) -> np.ndarray:
    import numpy as np

    p = np.zeros(POL_SIZE)
    p[POL_PERIOD] = controller.measure_period_s
    p[POL_TLIMIT_C] = controller.temperature_limit_C
    p[POL_TFACTOR] = controller.current_factor_above_limit
    p[POL_PULSE_REST] = 1.0
    p[POL_PULSE_SHORT_ON] = 1.0
    if isinstance(controller, ThresholdBalancer):
        p[POL_ENABLED] = 1.0 if active else 0.0
        p[POL_SELECT] = SELECT_CODE[controller.select]
        p[POL_THRESHOLD] = controller.threshold_V
        p[POL_REST_ONLY] = 1.0 if controller.measure_in_rest_only else 0.0
        p[POL_PULSE_ON] = controller.pulse_on_s
        p[POL_PULSE_REST] = controller.pulse_rest_s
        p[POL_PULSE_SHORTEN_V] = controller.pulse_shorten_above_V
        p[POL_PULSE_SHORT_ON] = controller.pulse_short_on_s
        p[POL_EXTEND] = 1.0 if controller.extend_rest_on_overvoltage else 0.0
        p[POL_EXTEND_S] = controller.extend_rest_s
        p[POL_MAX_EXT] = controller.max_extensions
    return p
