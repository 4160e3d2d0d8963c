"""``cellworks protocol show``: how an experiment text is understood."""

from __future__ import annotations

from typing import Annotated

import typer


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
    for ci, cyc in enumerate(proto.cycles, 1):
        for s in cyc:
            n += 1
            val = "" if s.control is Control.REST else f"{s.value:g} {CONTROL_FIELD[s.control].split('_', 1)[1]}"
            until = " or ".join(f"{t.value:g} {t.limit.value}" for t in s.terminations)
            dur = "" if s.duration_s is None else f"{s.duration_s:g} s"
            table.add_row(str(n), str(ci), s.kind.value, s.control.value, val, dur, until)
    Console().print(table)
