"""``cellworks eis simulate``: the spectrum of a circuit from its parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.eis.cli.common import parse_floats


def register(app: typer.Typer) -> None:
    """Mount ``simulate`` on the ``cellworks eis`` group."""
    app.command("simulate")(simulate)


def simulate(
    circuit: Annotated[str, typer.Option("--circuit", "-c", help="Circuit string.")],
    params: Annotated[str, typer.Option(help="Every parameter value in circuit order, 'v1,v2,...'.")],
    f_min: Annotated[float, typer.Option(help="Lowest frequency [Hz].")] = 0.01,
    f_max: Annotated[float, typer.Option(help="Highest frequency [Hz].")] = 1e5,
    per_decade: Annotated[int, typer.Option(help="Points per decade.")] = 10,
    out: Annotated[Path | None, typer.Option(help="Write f, Re Z, Im Z as CSV here.")] = None,
) -> None:
    """Spectrum of a circuit from its parameters (CSV of f, Re Z, Im Z on stdout or --out)."""
    import math

    import numpy as np

    from cellworks._io import atomic_write
    from cellworks.eis.circuits import simulate as sim
    from cellworks.errors import ParameterError

    if not (0 < f_min < f_max) or per_decade < 1:
        raise ParameterError("need 0 < --f-min < --f-max and --per-decade >= 1")
    n = int(round(math.log10(f_max / f_min) * per_decade)) + 1
    f = np.logspace(math.log10(f_max), math.log10(f_min), n)
    z = sim(circuit, parse_floats(params, "--params"), f)
    text = "".join(f"{a:.8e},{b.real:.8e},{b.imag:.8e}\n" for a, b in zip(f, z, strict=True))
    if out is None:
        typer.echo(text, nl=False)
    else:
        with atomic_write(out, "w") as fh:
            fh.write(text)
