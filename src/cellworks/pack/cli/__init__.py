"""``cellworks pack``: sizing arithmetic, the note's examples, scenario runs, Monte Carlo, ECM fitting,
BMS logs (read, replay) and SOC estimation.

Command modules are mounted explicitly; heavy imports stay inside the commands.
"""

from __future__ import annotations

import typer

from cellworks.pack.cli import estimate, examples, fit_ecm, log, scenario, size

app = typer.Typer(help="Series/parallel packs with variation, soft shorts and BMS bleed balancing; sizing.",
                  no_args_is_help=True)
size.register(app)
examples.register(app)
scenario.register(app)
fit_ecm.register(app)
log.register(app)
estimate.register(app)
