"""Report section of ``cellworks.protocol``: how a protocol text is understood, and its PyBaMM form."""

from __future__ import annotations

from pathlib import Path

from cellworks.protocol import Control, Limit, Step, parse_protocol
from cellworks.report import Figure, Section, Table, figure_png, new_figure, sig, unit

DEMO_PROTOCOL = (
    "(Discharge at 0.2 A/g until 1.0 V, Rest for 10 minutes, Charge at 0.2 A/g for 8 hours or until 3.0 V, "
    "Rest for 10 minutes) * 2, Hold at 3.0 V until 20 uA"
)
#: active mass assumed for the PyBaMM form (PyBaMM has no current per gram)
EXAMPLE_MASS_G = 0.001

_CONTROL_UNIT = {
    Control.CURRENT: "A", Control.C_RATE: "C", Control.CURRENT_PER_MASS: "A g-1", Control.CURRENT_PER_AREA: "A m-2",
    Control.POWER: "W", Control.RESISTANCE: "Ohm", Control.VOLTAGE: "V",
}
_LIMIT_UNIT = {
    Limit.VOLTAGE: "V", Limit.CURRENT: "A", Limit.C_RATE: "C", Limit.CURRENT_PER_MASS: "A g-1",
    Limit.CURRENT_PER_AREA: "A m-2", Limit.CAPACITY: "Ah",
}
_COLORS = {"charge": "#2a9d8f", "discharge": "#e76f51", "rest": "#adb5bd", "hold": "#264653"}


def _until(step: Step) -> str:
    return " or ".join(f"{t.limit.value} {sig(t.value, 3)} {unit(_LIMIT_UNIT[t.limit])}" for t in step.terminations)


def build_section(workdir: Path, quick: bool = False) -> Section:
    proto = parse_protocol(DEMO_PROTOCOL)
    rows = []
    for i, s in enumerate(proto.steps, 1):
        value = "" if s.control is Control.REST else s.value
        rows.append((i, s.kind.value, s.control.value.replace("_", " "), value,
                     unit(_CONTROL_UNIT.get(s.control, "")), "" if s.duration_s is None else s.duration_s / 60,
                     _until(s)))
    pybamm_rows = [(i, step) for i, cycle in enumerate(proto.to_pybamm_conditions(active_mass_g=EXAMPLE_MASS_G), 1)
                   for step in cycle]
    # a schematic timeline: nominal duration of each step (steps ending at a cut-off drawn as 5 h)
    fig, ax = new_figure(figsize=(8, 2.2))
    t0 = 0.0
    for s in proto.steps:
        dur_h = (s.duration_s or 5 * 3600.0) / 3600.0
        ax.barh(0, dur_h, left=t0, color=_COLORS[s.kind.value], edgecolor="white", label=s.kind.value)
        t0 += dur_h
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    # beside the axes, as legend_outside(ax) places it, with the repeated kinds merged
    ax.legend(unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_yticks([])
    ax.set_xlabel("nominal time / h (a step ending at a cut-off drawn as 5 h)")
    fig_png = figure_png(fig)
    return Section(
        title="Foundation: the protocol language and the cycling table",
        anchor="protocol",
        summary=(
            "One experiment text, in PyBaMM's grammar extended with currents per gram of active material (A/g), "
            "per area (mA/cm²), power, resistance and micro-amps, is parsed into typed steps with SI values. "
            "Every measured or simulated run leaves the same cycling table (cellworks.timeseries), so every "
            "analysis runs on both, and a protocol crosses to PyBaMM and back (Protocol.to_pybamm / from_pybamm)."
        ),
        tables=(
            Table(
                headers=("#", "kind", "control", "value", "unit", "duration / min", "until"),
                rows=tuple(rows),
                caption=f"The text “{DEMO_PROTOCOL}” parsed into {len(proto)} typed steps (input).",
            ),
            Table(
                headers=("cycle", "PyBaMM step"),
                rows=tuple(pybamm_rows),
                caption=(f"The same protocol as pybamm.Experiment steps (Protocol.to_pybamm_conditions), for a cell "
                         f"with {EXAMPLE_MASS_G * 1e3:g} mg of active material: PyBaMM has no current per gram, so "
                         "0.2 A/g becomes 0.2 mA (round_trip: from_pybamm reads the same steps back)."),
            ),
        ),
        figures=(Figure(fig_png, "Protocol timeline: the parsed steps in order, coloured by kind."),),
        how_to_run=f'cellworks protocol show "{DEMO_PROTOCOL}" --json',
    )
