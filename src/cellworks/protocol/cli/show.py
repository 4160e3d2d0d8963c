"""``cellworks protocol show``: how an experiment text is understood."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cellworks.protocol import Step


def register(app: typer.Typer) -> None:
    """Mount ``show`` on the ``cellworks protocol`` group."""
    app.command("show")(show)


def show(
    text: Annotated[str, typer.Argument(help='Experiment text, e.g. "(Discharge at 0.2 A/g until 1.0 V, Rest for 10 minutes) * 3"')],
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Parse TEXT and print its steps with SI values and cut-offs."""
    from cellworks.clikit import emit_json
    from cellworks.protocol import CONTROL_FIELD, Control, parse_protocol

    proto = parse_protocol(text)
    if json:
        emit_json(proto.to_dict())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(proto)} steps in {len(proto.cycles)} cycles")
    for col in ("#", "cycle", "kind", "control", "value", "for", "until"):
        table.add_column(col)
    n = 0
    for first, last, cyc in _runs(proto.cycles):
        # a run of identical cycles is shown once ("cycles 2-1000"), so a long protocol stays short
        label = str(first) if first == last else f"{first}–{last}"
        for k, s in enumerate(cyc):
            num = str(n + k + 1) if first == last else f"{n + k + 1}…"
            val = "" if s.control is Control.REST else f"{s.value:g} {CONTROL_FIELD[s.control].split('_', 1)[1]}"
            until = " or ".join(f"{t.value:g} {t.limit.value}" for t in s.terminations)
            dur = "" if s.duration_s is None else f"{s.duration_s:g} s"
            table.add_row(num, label, s.kind.value, s.control.value, val, dur, until)
        n += len(cyc) * (last - first + 1)
    Console().print(table)


def _runs(cycles: Sequence[tuple[Step, ...]]) -> Iterator[tuple[int, int, tuple[Step, ...]]]:
    """(first, last, cycle) for each run of identical consecutive cycles (1-based, inclusive)."""
    start = 0
    for i in range(1, len(cycles) + 1):
        if i == len(cycles) or not (cycles[i] is cycles[start] or cycles[i] == cycles[start]):
            yield start + 1, i, cycles[start]
            start = i
