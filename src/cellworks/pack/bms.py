"""BMS balancing controllers (application note 003, "Keeping cells balanced" and "Recommendations").

A controller decides, from the measured group voltages, which bleed FETs are on. Everything about
*when* it measures and how the hardware is organised lives in the base :class:`Controller` and
works for every policy: measurement period and accuracy, measuring only in rests (with pulsed
charging, the note's advice), monitor chips of ``monitor_group_size`` series groups with at most
``max_bleeds_per_monitor`` bleeds each, a bleed ``hold_s`` followed by a ``gap_s`` with all bleeds
off in which the next measurement is taken (the structure of the public bq-family log: ~90 s on,
~5 s off), the over-voltage rest extension and the charge derating above a temperature limit.

Two kinds of decision:

* :class:`ThresholdBalancer` — the note's rule (spread above a threshold: bleed the highest, every
  group above min + threshold, or one at a time); it runs inside the compiled simulator;
* any subclass of :class:`Controller` overriding :meth:`Controller.decide` — your own policy in
  Python. The simulator stops at every measurement and calls it with an :class:`Observation`::

      @dataclass(frozen=True)
      class BleedTopTwo(Controller):
          def decide(self, obs):
              on = np.zeros(len(obs.v_measured_V), bool)
              if np.ptp(obs.v_measured_V) > 0.005 and obs.current_A >= 0:   # not while discharging
                  on[np.argsort(obs.v_measured_V)[-2:]] = True
              return on

Phases are ``"charge"``, ``"discharge"``, ``"rest"`` and ``"hold"``. The hardware limits (on-chip
one-at-a-time, no bleeding under the stop voltage) act after any decision.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cellworks.errors import ParameterError
from cellworks.pack.engine import layout as L

if TYPE_CHECKING:
    import numpy as np

#: pulsed charge used when a policy measures only in rests but gives no pulse timing
REST_ONLY_PULSE_ON_S = 300.0
REST_ONLY_PULSE_REST_S = 30.0


class Select(enum.StrEnum):
    """Which groups the threshold rule bleeds."""
    HIGHEST = "highest"  # bleed the highest group (per monitor chip when there are several)
    ABOVE_MIN = "above_min"  # bleed every group more than threshold above the lowest
    ONE_AT_A_TIME = "one_at_a_time"  # round-robin among those above threshold (on-chip FETs)


class When(enum.StrEnum):
    """In which phases and cycles bleeding is allowed."""
    NEVER = "never"
    CONDITIONING = "conditioning"  # only in the conditioning cycles
    CHARGE = "charge"  # conditioning cycles, then during charge (and CV hold) only
    CHARGE_DISCHARGE = "charge_discharge"  # capacity/energy maximisation: charge and discharge every cycle
    ALWAYS = "always"  # every phase, rests included


PHASES = ("charge", "discharge", "rest", "hold")


@dataclass(frozen=True)
class Observation:
    """What a Python policy sees at a measurement (arrays per series group)."""

    v_measured_V: np.ndarray  # measured group voltages (with the fixed measurement errors)
    bleeding: np.ndarray  # bool: bleeds on before this decision
    phase: str
    time_s: float
    current_A: float  # string current, > 0 on charge (cycling-table convention)
    temperature_C: np.ndarray  # hottest cell of each group
    soc_estimate: np.ndarray  # from the measured voltage, IR-compensated: OCV⁻¹(v + R0·i_discharge)
    monitor_chip: np.ndarray  # index of the monitor chip each group belongs to


@dataclass(frozen=True)
class Controller:
    """Base class: measurement, timing, monitor chips and when to balance; subclasses override
    :meth:`decide`."""

    measure_period_s: float = 10.0
    accuracy_V: float = 0.0  # each group's voltage reads off by a fixed error drawn in ±accuracy
    when: When = When.CHARGE
    conditioning_cycles: int = 1
    temperature_limit_C: float = math.inf
    current_factor_above_limit: float = 0.5
    measure_in_rest_only: bool = False
    pulse_on_s: float = 0.0  # > 0: pulsed charging, measure in the rests between pulses
    pulse_rest_s: float = 30.0
    pulse_shorten_above_V: float = 4.10
    pulse_short_on_s: float = 60.0
    extend_rest_on_overvoltage: bool = False
    extend_rest_s: float = 600.0
    max_extensions: int = 20
    monitor_group_size: int = 0  # series groups per monitor chip (0: one chip for the pack)
    max_bleeds_per_monitor: int = 0  # 0: no limit from the policy (on-chip hardware allows one)
    hold_s: float = 0.0  # > 0: keep a decision this long, then all bleeds off for gap_s, then measure
    gap_s: float = 5.0
    measure_while_bleeding: bool = False  # False: bleeds are switched off for the instant of a measurement
    #: spread of the measured voltages that counts as balanced (time to balance, rest extension;
    #: the threshold rule bleeds above it)
    threshold_V: float = 0.010
    source: str = "application note 003 (Intersil/PoweReady balancing algorithm)"

    def __post_init__(self) -> None:
        positive = {"measure_period_s": self.measure_period_s, "pulse_rest_s": self.pulse_rest_s,
                    "pulse_short_on_s": self.pulse_short_on_s, "extend_rest_s": self.extend_rest_s,
                    "gap_s": self.gap_s}
        for name, v in positive.items():
            if not (v > 0 and math.isfinite(v)):
                raise ParameterError(f"must be a positive number of seconds, got {v!r}", field=f"bms.{name}")
        for name, v in (("accuracy_V", self.accuracy_V), ("pulse_on_s", self.pulse_on_s), ("hold_s", self.hold_s)):
            if not (v >= 0 and math.isfinite(v)):
                raise ParameterError(f"must be ≥ 0, got {v!r}", field=f"bms.{name}")
        if not 0 < self.current_factor_above_limit <= 1:
            raise ParameterError("current factor must be in (0, 1]", field="bms.current_factor_above_limit")
        if self.monitor_group_size < 0 or self.max_bleeds_per_monitor < 0:
            raise ParameterError("monitor group size and bleeds per monitor must be ≥ 0",
                                 field="bms.monitor_group_size")
        if not (self.threshold_V >= 0 and math.isfinite(self.threshold_V)):
            raise ParameterError("threshold must be ≥ 0", field="bms.threshold_V")
        if self.temperature_limit_C != self.temperature_limit_C:
            raise ParameterError("temperature limit is NaN", field="bms.temperature_limit_C")
        object.__setattr__(self, "when", When(self.when))

    def active(self, phase: str, cycle: int) -> bool:
        """Whether bleeding is allowed in this phase of this (1-based) cycle."""
        if self.when is When.NEVER:
            return False
        if self.when is When.ALWAYS or cycle <= self.conditioning_cycles:
            return True
        if self.when is When.CONDITIONING:
            return False
        if self.when is When.CHARGE:
            return phase in ("charge", "hold")
        return phase in ("charge", "hold", "discharge")

    @property
    def effective_pulse_on_s(self) -> float:
        """Charge pulse length: measuring only in rests needs rests, so a policy that asks for it
        without pulse timing gets :data:`REST_ONLY_PULSE_ON_S` on / :data:`REST_ONLY_PULSE_REST_S` off."""
        if self.measure_in_rest_only and self.pulse_on_s == 0:
            return REST_ONLY_PULSE_ON_S
        return self.pulse_on_s

    def chips(self, n_series: int) -> np.ndarray:
        """Monitor chip index of each series group."""
        import numpy as np

        g = self.monitor_group_size if 0 < self.monitor_group_size <= n_series else n_series
        return np.arange(n_series) // g

    def decide(self, obs: Observation) -> np.ndarray:
        """Bleed state (bool per series group) from an :class:`Observation`."""
        raise NotImplementedError


@dataclass(frozen=True)
class NoBalancing(Controller):
    """A BMS that never bleeds (the reference run)."""

    when: When = When.NEVER

    def decide(self, obs: Observation) -> np.ndarray:
        """No bleed, ever."""
        import numpy as np

        return np.zeros(len(obs.v_measured_V), bool)


@dataclass(frozen=True)
class ThresholdBalancer(Controller):
    """The note's algorithm: when the spread exceeds ``threshold_V`` bleed the highest cell (or all
    above min + threshold, or one at a time); with monitor chips the highest rule picks per chip.
    Runs compiled inside the simulator; :meth:`decide` is its Python twin (for tests and subclasses)."""

    select: Select = Select.HIGHEST

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "select", Select(self.select))

    def decide(self, obs: Observation) -> np.ndarray:
        """The compiled rule, called from Python (the kernel's own function: one implementation)."""
        import numpy as np

        from cellworks.pack.engine.control import select_bleeds

        new = np.zeros(len(obs.v_measured_V))
        select_bleeds(policy_vector(self, True), np.asarray(obs.v_measured_V, float), -1, new)
        return new > 0.5


def is_compiled(controller: Controller) -> bool:
    """True if the simulator can run this controller's decision inside its compiled loop."""
    return isinstance(controller, NoBalancing) or (
        isinstance(controller, ThresholdBalancer) and type(controller).decide is ThresholdBalancer.decide
    )


SELECT_CODE = {Select.HIGHEST: L.SELECT_HIGHEST, Select.ABOVE_MIN: L.SELECT_ABOVE_MIN,
               Select.ONE_AT_A_TIME: L.SELECT_ONE_AT_A_TIME}


def policy_vector(controller: Controller, active: bool) -> np.ndarray:
    """The kernel's policy vector (layout ``POL_*``) for ``controller`` in a phase where it is
    ``active`` (allowed to bleed)."""
    import numpy as np

    c = controller
    p = np.zeros(L.POL_SIZE)
    p[L.POL_ENABLED] = 1.0 if active and not isinstance(c, NoBalancing) else 0.0
    p[L.POL_COMPILED] = 1.0 if is_compiled(c) else 0.0
    p[L.POL_PERIOD] = c.measure_period_s
    p[L.POL_TLIMIT_C] = c.temperature_limit_C
    p[L.POL_TFACTOR] = c.current_factor_above_limit
    p[L.POL_REST_ONLY] = 1.0 if c.measure_in_rest_only else 0.0
    p[L.POL_PULSE_ON] = c.effective_pulse_on_s if active else 0.0
    p[L.POL_PULSE_REST] = REST_ONLY_PULSE_REST_S if c.measure_in_rest_only and c.pulse_on_s == 0 else c.pulse_rest_s
    p[L.POL_PULSE_SHORTEN_V] = c.pulse_shorten_above_V
    p[L.POL_PULSE_SHORT_ON] = c.pulse_short_on_s
    p[L.POL_EXTEND] = 1.0 if c.extend_rest_on_overvoltage else 0.0
    p[L.POL_EXTEND_S] = c.extend_rest_s
    p[L.POL_MAX_EXT] = c.max_extensions
    p[L.POL_GROUP_SIZE] = c.monitor_group_size
    p[L.POL_MAX_PER_GROUP] = c.max_bleeds_per_monitor
    p[L.POL_HOLD_S] = c.hold_s
    p[L.POL_GAP_S] = c.gap_s
    p[L.POL_MEAS_BLEEDING] = 1.0 if c.measure_while_bleeding else 0.0
    p[L.POL_THRESHOLD] = c.threshold_V
    if isinstance(c, ThresholdBalancer):
        p[L.POL_SELECT] = SELECT_CODE[c.select]
    return p
