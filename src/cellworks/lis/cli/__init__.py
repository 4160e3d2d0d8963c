"""``cellworks lis``: Li–S cell simulation, presets, impedance, document twins, sweeps, design arithmetic.

Command modules are mounted explicitly; each imports its heavy libraries inside the commands so
``cellworks --help`` stays fast.
"""

from __future__ import annotations

import typer

from cellworks.lis.cli import design, simulate, sweep, twins

app = typer.Typer(
    help="Lithium-sulfur cell simulation (Marinescu 2016 zero-dimensional model), presets, impedance.",
    no_args_is_help=True,
)
simulate.register(app)
twins.register(app)
sweep.register(app)
design.register(app)
