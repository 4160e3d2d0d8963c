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
    capacity_Ah: Annotated[float, typer.Option("--capacity-Ah", help="The cell's capacity (sets the SOC scale).")],
    ocv: Annotated[str, typer.Option(help="OCV source: lg_m50 (LG M50 curve, Chen 2020), a CSV file soc,voltage_V, "
                                          "or fit (only for a test that spans the SOC).")] = "lg_m50",
    rc: Annotated[int, typer.Option("--rc", help="RC pairs (1 or 2).")] = 2,
    ocv_points: Annotated[int, typer.Option("--ocv-points", help="Nodes of a fitted OCV (--ocv fit).")] = 4,
    hysteresis: Annotated[bool, typer.Option("--hysteresis/--no-hysteresis",
                                             help="Fit the instantaneous hysteresis M0 (Plett's ESC model).")] = True,
    charge_positive: Annotated[bool, typer.Option("--charge-positive", help="File's current > 0 on charge.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit R0, the RC pairs and M0 of the ESC model to an HPPC test, on a stated OCV curve."""
    from cellworks.pack.cell import OcvTable
    from cellworks.pack.ecm_fitting import fit_ecm
    from cellworks.pack.readers.hppc import read_pulse_test

    data = read_pulse_test(file, charge_positive=charge_positive)
    source: OcvTable | str = ocv
    if ocv not in ("lg_m50", "fit"):
        source = OcvTable.from_csv(Path(ocv))
    print_result(fit_ecm(data, capacity_Ah, rc, source, ocv_points, hysteresis).to_dict(), as_json)
