"""``cellworks lis``: Li–S cell simulation, presets, impedance, document twins, sweeps, design arithmetic.

Command modules are mounted explicitly; each imports its heavy libraries inside the commands so
``cellworks --help`` stays fast.
"""

from __future__ import annotations

import typer

from cellworks.lis.cli import curves, design, params, simulate, sweep, twins

app = typer.Typer(
    help="Lithium-sulfur cells: two zero-dimensional models, presets, document twins, curve fits, design arithmetic.",
    no_args_is_help=True,
)
simulate.register(app)
params.register(app)
curves.register(app)
twins.register(app)
sweep.register(app)
design.register(app)
