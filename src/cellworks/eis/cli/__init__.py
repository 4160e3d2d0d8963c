"""``cellworks eis``: fit equivalent circuits, Lin-KK validity, DRT, series of spectra, simulate spectra.

Command modules are mounted explicitly; heavy imports stay inside the commands.
"""

from __future__ import annotations

import typer

from cellworks.eis.cli import drt, fit, series, simulate

app = typer.Typer(
    help="Impedance spectra: circuit fitting (impedance.py grammar), Lin-KK validation, DRT, series.",
    no_args_is_help=True,
)
fit.register(app)
drt.register(app)
series.register(app)
simulate.register(app)
