"""Done-when: 200 random parameter sets × 5 cycles at C/20…5C — no solver failure, every step named.

Each numeric parameter of a preset is drawn log-uniformly within a factor 10 of its preset value
(the plating efficiency, bounded by 1, within a factor 10 below it). Excluded, because they are
not cell properties: the model-validity voltages (voltage_floor_V/voltage_ceiling_V), the
numerical species floor and the double-layer capacitances (frequency domain only). Half the sets
come from ``marinescu2016_fade`` (shuttle loss on), half from ``marinescu2016_lipon`` (finite
lithium, protective layer, anode kinetics, plating losses). Cut-offs follow the drawn standard
potentials so that the runs exercise both plateaus instead of ending at once.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cellworks.lis.params import LiSParameters, get_preset
from cellworks.lis.simulation import simulate_batch
from cellworks.lis.solver import REASONS

EXCLUDED = {"voltage_floor_V", "voltage_ceiling_V", "species_floor_rel", "C_dl_cathode_F_per_m2",
            "C_dl_anode_F_per_m2"}
NAMED = set(REASONS.values()) - {"running", "solver failure"}


def _draw(base: LiSParameters, rng: np.random.Generator) -> LiSParameters:
    changes: dict[str, float] = {}
    for f in dataclasses.fields(base):
        v = getattr(base, f.name)
        if not isinstance(v, float) or f.name in EXCLUDED or v == 0.0:
            continue
        if f.name == "li_plating_efficiency":
            changes[f.name] = float(v * 10.0 ** rng.uniform(-1.0, 0.0))
        else:
            changes[f.name] = float(v * 10.0 ** rng.uniform(-1.0, 1.0))
    return dataclasses.replace(base, name=f"{base.name}-random", **changes).validate()


def _protocol(p: LiSParameters, c_rate: float) -> str:
    lo = max(min(p.E_H0_V, p.E_L0_V) - 0.25, 0.05)
    hi = max(p.E_H0_V, p.E_L0_V) + 0.25
    hours = 1.5 / c_rate
    return (f"(Discharge at {c_rate:.6g}C until {lo:.4f} V, Rest for 10 minutes, "
            f"Charge at {c_rate:.6g}C for {hours:.6g} hours or until {hi:.4f} V, Rest for 10 minutes) * 5")


@pytest.mark.slow
def test_200_random_parameter_sets_never_fail() -> None:
    rng = np.random.default_rng(20260101)
    bases = [get_preset("marinescu2016_fade"), get_preset("marinescu2016_lipon")]
    failures: list[str] = []
    n_steps = 0
    reasons_seen: set[str] = set()
    by_protocol: dict[str, list[LiSParameters]] = {}
    for k in range(200):
        p = _draw(bases[k % 2], rng)
        c_rate = float(10.0 ** rng.uniform(math.log10(1 / 20), math.log10(5)))
        by_protocol.setdefault(_protocol(p, c_rate), []).append(p)
    for text, plist in by_protocol.items():
        for p, res in zip(plist, simulate_batch(plist, text, table=False), strict=True):
            n_steps += len(res.steps)
            for s in res.steps:
                reasons_seen.add(s.end_reason)
                if s.end_reason not in NAMED:
                    failures.append(f"{text}: step {s.index} ended '{s.end_reason}' ({p})")
            if res.status != "ok" or len(res.steps) != 20:
                failures.append(f"{text}: status {res.status}, {len(res.steps)} steps ({p})")
            # conservation holds in every random cell (round-off level; see test_simulation)
            if not res.sulfur_mass_drift_rel <= 1e-9:
                failures.append(f"{text}: sulfur drift {res.sulfur_mass_drift_rel:g}")
    assert not failures, f"{len(failures)} problems, first: {failures[:3]}"
    assert n_steps == 200 * 20
    # the sets reach more than one kind of ending (not all trivially at a cut-off)
    assert {"voltage cut-off", "time"} <= reasons_seen
