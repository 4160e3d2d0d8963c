"""``cellworks pack fit-ecm``: equivalent-circuit parameters from a pulse (HPPC) test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.pack.cli.common import JsonOpt, print_result


def register(app: typer.Typer) -> None:
    """Mount ``fit-ecm`` on the ``cellworks pack`` group."""
    app.command("fit-ecm")(fit_ecm_cmd)


def fit_ecm_cmd(
    file: Annotated[Path, typer.Argument(help="Pulse test (.xlsx/.csv): time [s], current [A], voltage [V].")],
    capacity_Ah: Annotated[float, typer.Option("--capacity-Ah", help="Nominal capacity (SOC scale).")] = 5.0,
    rc: Annotated[int, typer.Option("--rc", help="RC pairs (1 or 2).")] = 2,
    ocv_points: Annotated[int, typer.Option("--ocv-points")] = 4,
    charge_positive: Annotated[bool, typer.Option("--charge-positive", help="File's current > 0 on charge.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit R0, RC pairs and the OCV table of the ESC model to an HPPC test."""
    from cellworks.pack.ecm_fitting import fit_ecm, read_pulse_test

    data = read_pulse_test(file, charge_positive=charge_positive)
    print_result(fit_ecm(data, capacity_Ah, rc, ocv_points).to_dict(), as_json)
