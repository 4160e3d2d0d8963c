"""``cellworks pack example ...``: the worked examples of application note 003, simulated."""

from __future__ import annotations

from typing import Annotated

import typer

from cellworks.pack.cli.common import JsonOpt, print_result

example_app = typer.Typer(help="The worked examples of application note 003, simulated.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the ``example`` group on ``cellworks pack``."""
    app.add_typer(example_app, name="example")


@example_app.command("soft-short")
def example_soft_short(
    drain: Annotated[float, typer.Option("--drain-per-month", help="Fraction per month.")] = 0.03,
    months: Annotated[float, typer.Option()] = 3.0,
    threshold_mV: Annotated[float, typer.Option("--threshold-mV")] = 10.0,
    as_json: JsonOpt = False,
) -> None:
    """Two cells, one with a soft short falling 3 %/month from 40 %: pack loss with and without balancing."""
    from cellworks.pack.examples import soft_short_example

    print_result(soft_short_example(drain, months, threshold_V=threshold_mV / 1e3).report, as_json)


@example_app.command("conditioning")
def example_conditioning(
    pack_mAh: Annotated[float, typer.Option("--pack-mAh")] = 2000.0,
    hours: Annotated[float, typer.Option()] = 3.0,
    as_json: JsonOpt = False,
) -> None:
    """42 Ω at 4.20 V: 100 mA, 0.42 W, charge removed and imbalance corrected per conditioning."""
    from cellworks.pack.examples import conditioning_example

    print_result(conditioning_example(pack_mAh, hours), as_json)
