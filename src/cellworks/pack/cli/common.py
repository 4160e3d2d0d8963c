"""Output helpers shared by the ``cellworks pack`` commands."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def round_sig(obj: Any, sig: int = 6) -> Any:
    """Round every float in ``obj`` to ``sig`` significant figures (for printing)."""
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0:
            return obj
        return float(f"{obj:.{sig}g}")
    if isinstance(obj, dict):
        return {k: round_sig(v, sig) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_sig(v, sig) for v in obj]
    return obj


def print_result(obj: dict[str, Any], as_json: bool) -> None:
    """Print a result as JSON (``--json``) or as ``key: value`` lines."""
    from cellworks.clikit import emit_json

    obj = round_sig(obj)
    if as_json:
        emit_json(obj)
        return
    for k, v in obj.items():
        typer.echo(f"{k}: {v}")


def load_scenario(config: Path) -> Any:
    """A scenario TOML, or a shipped one by name."""
    from cellworks.pack.readers.scenario import EXAMPLES, load_config

    if not config.exists() and config.name in EXAMPLES:
        return load_config(EXAMPLES[config.name])
    return load_config(config)
