"""``cellworks pack size ...``: the balancing arithmetic of application note 003."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from cellworks.pack.cli.common import JsonOpt, print_result

size_app = typer.Typer(help="Balancing arithmetic of application note 003.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the ``size`` group on ``cellworks pack``."""
    app.add_typer(size_app, name="size")


@size_app.command("balancing-current")
def size_balancing_current(
    capacity_mAh: Annotated[float, typer.Option("--capacity-mAh", help="Cell capacity.")] = 2000.0,
    parallel: Annotated[int, typer.Option(help="Cells in parallel per series group.")] = 3,
    imbalance: Annotated[float, typer.Option(help="Imbalance to correct, fraction (0.20 = 20 %).")] = 0.20,
    hours: Annotated[float, typer.Option(help="Time available for balancing.")] = 1.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage", help="Cell voltage for the dissipation, V.")] = 4.0,
    as_json: JsonOpt = False,
) -> None:
    """Balancing current for an imbalance, capacity, parallel count and time (note: 1200 mA)."""
    from cellworks.pack.sizing import balancing_current_report

    print_result(balancing_current_report(capacity_mAh / 1e3, parallel, imbalance, hours, cell_voltage), as_json)


@size_app.command("bleed-resistor")
def size_bleed_resistor(
    current_mA: Annotated[float, typer.Option("--current-mA")] = 100.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.20,
    as_json: JsonOpt = False,
) -> None:
    """Bleed resistor (R1 + R_T1) and its dissipation for a current at a cell voltage (42 Ω, 0.42 W)."""
    from cellworks.pack.sizing import bleed_resistor_Ohm, dissipation_W

    i = current_mA / 1e3
    print_result({"cell_voltage_V": cell_voltage, "current_mA": current_mA,
            "bleed_resistance_Ohm": bleed_resistor_Ohm(cell_voltage, i),
            "dissipation_W": dissipation_W(cell_voltage, i)}, as_json)


@size_app.command("conditioning")
def size_conditioning(
    pack_mAh: Annotated[float, typer.Option("--pack-mAh")] = 2000.0,
    current_mA: Annotated[float, typer.Option("--current-mA")] = 100.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.20,
    hours: Annotated[float, typer.Option(help="Discharge (and charge) time with the bleed on.")] = 3.0,
    as_json: JsonOpt = False,
) -> None:
    """Correction per conditioning discharge and per discharge + charge."""
    from cellworks.pack.sizing import conditioning_report

    print_result(conditioning_report(pack_mAh / 1e3, cell_voltage, current_mA / 1e3, hours, hours), as_json)


@size_app.command("discharge-resistance")
def size_discharge_resistance(
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.5,
    load: Annotated[float, typer.Option("--load-ohm")] = 100.0,
    as_json: JsonOpt = False,
) -> None:
    """R_discharge = (R1 + R_T1)·R_load / (R1 + R_T1 + R_load) of a bleed path with a load in parallel."""
    from cellworks.pack.sizing import bleed_fraction_of_discharge, discharge_resistance_Ohm

    print_result({"resistor_Ohm": resistor, "fet_on_Ohm": fet, "load_Ohm": load,
            "discharge_resistance_Ohm": discharge_resistance_Ohm(resistor, fet, load),
            "bleed_share_of_discharge": bleed_fraction_of_discharge(resistor, fet, load)}, as_json)


@size_app.command("check-bleed")
def size_check_bleed(
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.0,
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.1,
    rating: Annotated[float, typer.Option("--rating-W", help="Resistor power rating.")] = math.inf,
    as_json: JsonOpt = False,
) -> None:
    """Power of a bleed path; refuses (exit 2, with the reason) a destructive one (0.1 Ω FET across 4 V: 160 W)."""
    from cellworks.pack.sizing import bleed_check_report

    print_result(bleed_check_report(cell_voltage, resistor, fet, rating), as_json)
