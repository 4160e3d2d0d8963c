"""Report section of ``cellworks.protocol``: how a protocol text is understood."""

from __future__ import annotations

from pathlib import Path

from cellworks.protocol import Control, parse_protocol
from cellworks.report import Figure, Section, Table, figure_png, new_figure

DEMO_PROTOCOL = (
    "(Discharge at 0.2 A/g until 1.0 V, Rest for 10 minutes, Charge at 0.2 A/g for 8 hours or until 3.0 V, "
    "Rest for 10 minutes) * 2, Hold at 3.0 V until 20 uA"
)


def build_section(workdir: Path, quick: bool = False) -> Section:
    proto = parse_protocol(DEMO_PROTOCOL)
    rows = []
    for i, s in enumerate(proto.steps, 1):
        value = "" if s.control is Control.REST else f"{s.value:g}"
        until = " or ".join(f"{t.limit.value} {t.value:g}" for t in s.terminations)
        rows.append((i, s.kind.value, s.control.value, value, "" if s.duration_s is None else f"{s.duration_s:g}", until))
    # a schematic timeline: nominal duration of each step (cut-offs drawn at a nominal 5 h)
    fig, ax = new_figure(figsize=(8, 2.6))
    t0 = 0.0
    colors = {"charge": "#2a9d8f", "discharge": "#e76f51", "rest": "#adb5bd", "hold": "#264653"}
    for s in proto.steps:
        dur_h = (s.duration_s or 5 * 3600.0) / 3600.0
        level = {"charge": 1, "discharge": -1, "rest": 0, "hold": 0.5}[s.kind.value]
        ax.barh(0, dur_h, left=t0, color=colors[s.kind.value], edgecolor="white")
        ax.text(t0 + dur_h / 2, 0, s.kind.value, ha="center", va="center", fontsize=7, color="white")
        t0 += dur_h
        _ = level
    ax.set_yticks([])
    ax.set_xlabel("nominal time / h (steps ending at a cut-off drawn as 5 h)")
    ax.set_title("Protocol timeline")
    fig_png = figure_png(fig)
    return Section(
        title="Foundation: the protocol language and the cycling table",
        anchor="protocol",
        intro=(
            "Every simulator in cellworks is driven by experiment text in PyBaMM's grammar, extended with currents "
            "per gram of active material (A/g), per area (mA/cm2), power, resistance and micro-amps. Every measured "
            "or simulated run leaves the same cycling table (cellworks.timeseries), so every analysis runs on both."
        ),
        tables=(
            Table(
                headers=("#", "kind", "control", "value (SI)", "for / s", "until"),
                rows=tuple(rows),
                caption=f"'{DEMO_PROTOCOL}' parsed into {len(proto)} typed steps",
            ),
        ),
        figures=(Figure(fig_png, "Protocol timeline: the parsed steps in order (charge green, discharge red, rest grey)."),),
        how_to_run=f'cellworks protocol show "{DEMO_PROTOCOL}" --json',
    )
