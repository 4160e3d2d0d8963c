"""``cellworks eis``: fit equivalent circuits, check Lin-KK validity, simulate spectra.

Command modules are mounted explicitly; heavy imports stay inside the commands.
"""

from __future__ import annotations

import typer

from cellworks.eis.cli import fit, simulate

app = typer.Typer(
    help="Impedance spectra: circuit fitting (impedance.py grammar), Lin-KK validation, readers.",
    no_args_is_help=True,
)
fit.register(app)
simulate.register(app)
