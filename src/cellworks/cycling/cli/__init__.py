"""``cellworks cycling``: summarize, convert and plot cycler files.

Heavy libraries and the readers are imported inside the commands, so ``cellworks --help`` stays
fast. Every command only reads its input (never writes, moves or locks it) and writes outputs
atomically; an output path equal to the input is refused. Command modules are mounted explicitly.
"""

from __future__ import annotations

import typer

from cellworks.cycling.cli import analysis, convert, plot, summarize

app = typer.Typer(
    help="Cycler files of every common brand into one table; per-cycle summaries, plateaus, dQ/dV.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
summarize.register(app)
convert.register(app)
plot.register(app)
analysis.register(app)
