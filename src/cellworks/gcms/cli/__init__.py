"""``cellworks gcms``: runs, peaks, identification, libraries, isotopes, isobars, synthesis, analysis.

Command modules are mounted explicitly; heavy imports stay inside the commands.
"""

from __future__ import annotations

import typer

from cellworks.gcms.cli import analyze, isotopes, library, runs

app = typer.Typer(
    help="EI GC-MS: ANDI/JCAMP/CSV runs, peaks, deconvolution, NIST-MF library search.",
    no_args_is_help=True,
)
runs.register(app)
library.register(app)
isotopes.register(app)
analyze.register(app)
