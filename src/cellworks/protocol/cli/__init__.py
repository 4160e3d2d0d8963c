"""``cellworks protocol``: experiment text into typed steps.

Command modules are mounted explicitly (one module per command).
"""

from __future__ import annotations

import typer

from cellworks.protocol.cli import show

app = typer.Typer(help="Parse experiment text into typed steps.", no_args_is_help=True)
show.register(app)
