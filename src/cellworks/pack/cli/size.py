"""``cellworks pack size ...``: the balancing arithmetic of application note 003.

Impossible values (negative or NaN voltages, zero where a division follows) exit 2 with one line
naming the option."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from cellworks.pack.cli.common import JsonOpt, print_result

size_app = typer.Typer(help="Balancing arithmetic of application note 003.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the ``size`` group on ``cellworks pack``."""
    app.add_typer(size_app, name="size")


@contextmanager
def _options(**names: str) -> Iterator[None]:
    """Report a bad parameter under its command-line option (``field 'cell_voltage_V'`` → ``--cell-voltage``)."""
    from cellworks.errors import ParameterError

    try:
        yield
    except ParameterError as exc:
        if exc.field in names:
            raise ParameterError(exc.message, field=names[exc.field]) from None
        raise


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

    with _options(capacity_Ah="--capacity-mAh", parallel="--parallel", imbalance="--imbalance", hours="--hours",
                  cell_voltage_V="--cell-voltage", current_A="--capacity-mAh"):
        rep = balancing_current_report(capacity_mAh / 1e3, parallel, imbalance, hours, cell_voltage)
    print_result(rep, as_json)


@size_app.command("bleed-resistor")
def size_bleed_resistor(
    current_mA: Annotated[float, typer.Option("--current-mA")] = 100.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.20,
    as_json: JsonOpt = False,
) -> None:
    """Bleed resistor (R1 + R_T1) and its dissipation for a current at a cell voltage (42 Ω, 0.42 W)."""
    from cellworks.pack.sizing import bleed_resistor_Ohm, dissipation_W

    i = current_mA / 1e3
    with _options(cell_voltage_V="--cell-voltage", current_A="--current-mA"):
        rep = {"cell_voltage_V": cell_voltage, "current_mA": current_mA,
               "bleed_resistance_Ohm": bleed_resistor_Ohm(cell_voltage, i), "dissipation_W": dissipation_W(cell_voltage, i)}
    print_result(rep, as_json)


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

    with _options(capacity_Ah="--pack-mAh", cell_voltage_V="--cell-voltage", current_A="--current-mA",
                  hours="--hours"):
        rep = conditioning_report(pack_mAh / 1e3, cell_voltage, current_mA / 1e3, hours, hours)
    print_result(rep, as_json)


@size_app.command("discharge-resistance")
def size_discharge_resistance(
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.5,
    load: Annotated[float, typer.Option("--load-ohm")] = 100.0,
    as_json: JsonOpt = False,
) -> None:
    """R_discharge = (R1 + R_T1)·R_load / (R1 + R_T1 + R_load) of a bleed path with a load in parallel."""
    from cellworks.pack.sizing import bleed_fraction_of_discharge, discharge_resistance_Ohm

    with _options(resistor_Ohm="--resistor-ohm", fet_on_Ohm="--fet-ohm", load_Ohm="--load-ohm"):
        rep = {"resistor_Ohm": resistor, "fet_on_Ohm": fet, "load_Ohm": load,
               "discharge_resistance_Ohm": discharge_resistance_Ohm(resistor, fet, load),
               "bleed_share_of_discharge": bleed_fraction_of_discharge(resistor, fet, load)}
    print_result(rep, as_json)


@size_app.command("check-bleed")
def size_check_bleed(
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.0,
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.1,
    rating: Annotated[float, typer.Option("--rating-W", help="Resistor power rating (inf: none given).")] = math.inf,
    as_json: JsonOpt = False,
) -> None:
    """Power of a bleed path; refuses (exit 2, with the reason) a destructive one (0.1 Ω FET across 4 V: 160 W)."""
    from cellworks.pack.sizing import bleed_check_report

    with _options(cell_voltage_V="--cell-voltage", resistor_Ohm="--resistor-ohm", fet_on_Ohm="--fet-ohm",
                  resistor_rating_W="--rating-W"):
        rep = bleed_check_report(cell_voltage, resistor, fet, rating)
    print_result(rep, as_json)


@size_app.command("mismatch")
def size_mismatch(
    delta_mV: Annotated[float, typer.Option("--delta-mV", help="Voltage difference at full charge.")] = 150.0,
    ocv: Annotated[str, typer.Option(help="OCV curve: lg_m50 or a CSV file soc,voltage_V.")] = "lg_m50",
    full_V: Annotated[float | None, typer.Option("--full-V", help="Full-charge voltage (default: the curve's "
                                                                    "OCV at 100 % SOC).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Pack capacity lost to a cell mismatch at full charge (note: 150 mV → 13–18 %), on a stated OCV curve."""
    from pathlib import Path

    from cellworks.pack.cell import OcvTable
    from cellworks.pack.sizing import mismatch_report

    table = OcvTable.lg_m50() if ocv == "lg_m50" else OcvTable.from_csv(Path(ocv))
    with _options(delta_V="--delta-mV", full_V="--full-V"):
        rep = mismatch_report(delta_mV / 1e3, table, full_V)
    print_result(rep, as_json)
