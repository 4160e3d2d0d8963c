"""``cellworks lis simulate | presets | impedance``: run a cell through a protocol, list presets, impedance.

Heavy modules (numpy, pandas, numba, matplotlib, the solver) are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Mount ``simulate``, ``presets`` and ``impedance`` on the ``cellworks lis`` group."""
    app.command("simulate")(simulate)
    app.command("presets")(presets)
    app.command("impedance")(impedance)

_JSON = typer.Option("--json", help="Machine-readable output on stdout.")


def simulate(
    preset: Annotated[str, typer.Option("--preset", help="Parameter preset (see `cellworks lis presets`).")] = "marinescu2016",
    protocol: Annotated[str, typer.Option("--protocol", help='Experiment text, e.g. "Discharge at 1.7 A until 2.15 V".')] = "Discharge at 1.7 A until 2.15 V",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: name=value (repeatable).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the cycling table + states to this Parquet file.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write voltage-capacity and species figures (PNG).")] = None,
    rtol: Annotated[float, typer.Option(help="Integrator tolerance (relative on species masses).")] = 1e-5,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Run a cell through a protocol; print a summary (status, end reasons, capacities, drift)."""
    import sys

    from cellworks.clikit import emit_json, progress
    from cellworks.errors import ParameterError
    from cellworks.lis.params import get_preset, with_overrides
    from cellworks.lis.simulation import simulate as run
    from cellworks.protocol import parse_protocol

    if not (0 < rtol < 1):
        raise ParameterError(f"must be in (0, 1), got {rtol}", field="--rtol")
    params = with_overrides(get_preset(preset), set_ or [])
    prot = parse_protocol(protocol)
    n = len(prot)
    show = sys.stderr.isatty() and n > 20
    with progress("simulating", total=n, enabled=show) as advance:
        done = [0]

        def _cb(k: int, total: int) -> None:
            advance(k - done[0])
            done[0] = k

        res = run(params, prot, rtol=rtol, progress=_cb)
    if out is not None and res.data is not None:
        from cellworks.timeseries import write_parquet

        write_parquet(res.data, out)
    if plot is not None:
        from cellworks.lis.plots import plot_run

        plot_run(res, plot)
    summary = res.to_summary_dict()
    if out is not None:
        summary["out"] = str(out)
    if plot is not None:
        summary["plot"] = str(plot)
    if json:
        emit_json(summary)
        return
    typer.echo(f"status: {res.status}   cycles completed: {res.cycles_completed}/{len(prot.cycles)}")
    typer.echo(f"end reasons: {summary['end_reason_counts']}")
    caps = res.discharge_capacities_Ah
    if caps:
        typer.echo(f"discharge capacity: first {caps[0]:.4f} Ah, last {caps[-1]:.4f} Ah ({len(caps)} discharges)")
    typer.echo(
        f"voltage {summary['voltage_min_V']:.4f}–{summary['voltage_max_V']:.4f} V, duration {summary['duration_s']:.0f} s, "
        f"sulfur drift {res.sulfur_mass_drift_rel:.1e}, wall {res.wall_s:.3f} s"
    )


def presets(json: Annotated[bool, _JSON] = False) -> None:
    """List parameter presets with their sources."""
    from cellworks.clikit import emit_json
    from cellworks.lis.params import list_presets

    items = list_presets()
    if json:
        emit_json(items)
        return
    for it in items:
        typer.echo(f"{it['name']}: {it['source']}")


def impedance(
    preset: Annotated[str, typer.Option("--preset", help="Parameter preset.")] = "marinescu2016",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: name=value.")] = None,
    f_min: Annotated[float, typer.Option(help="Lowest frequency, Hz.")] = 0.01,
    f_max: Annotated[float, typer.Option(help="Highest frequency, Hz.")] = 1e5,
    points: Annotated[int, typer.Option(help="Frequencies (log-spaced).")] = 50,
    out: Annotated[Path | None, typer.Option("--out", help="Write the spectrum in the eis table format (.csv: "
                                                           "f, Re Z, Im Z; .parquet) for `cellworks eis fit/drt`.")] = None,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Impedance spectrum of the cell in its initial state (lumped ohmic + layer + two R_ct||C_dl).

    Example: cellworks lis impedance --out z.csv && cellworks eis drt z.csv
    """
    import numpy as np

    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.lis.impedance import cell_impedance, charge_transfer_resistance_Ohm
    from cellworks.lis.params import get_preset, with_overrides

    if not (0 < f_min < f_max) or points < 2:
        raise ParameterError("need 0 < f_min < f_max and points ≥ 2", field="--f-min")
    params = with_overrides(get_preset(preset), set_ or [])
    f = np.geomspace(f_min, f_max, points)
    z = cell_impedance(params, None, f)
    rct = charge_transfer_resistance_Ohm(params, None)
    d = {"freq_Hz": f, "z_real_Ohm": z.real, "z_imag_Ohm": z.imag, **rct}
    if out is not None:
        from cellworks.eis import write_spectrum

        write_spectrum(out, f[::-1], z[::-1])  # high to low frequency, as a potentiostat sweeps
        d["out"] = str(out)
    if json:
        emit_json(d)
        return
    for k, v in rct.items():
        typer.echo(f"{k}: {v:.6g}")
    for fi, zi in zip(f, z, strict=True):
        typer.echo(f"{fi:12.5g} Hz  {zi.real:12.6g} {zi.imag:+12.6g}j Ohm")
