"""``cellworks lis params PRESET`` and ``cellworks lis models``: what a preset is made of, which models exist."""

from __future__ import annotations

from typing import Annotated

import typer

_JSON = typer.Option("--json", help="Machine-readable output on stdout.")


def register(app: typer.Typer) -> None:
    """Mount ``params`` and ``models`` on the ``cellworks lis`` group."""
    app.command("params")(params)
    app.command("models")(models)


def params(
    preset: Annotated[str, typer.Argument(help="A preset (`cellworks lis presets`) or a twin (zhang2016_ac_s, zhang2016_coated, polyplus_catholyte).")],
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Every parameter of a preset with its value, unit, source and kind (literature / assumption / fitted).

    Examples:

      cellworks lis params marinescu2016

      cellworks lis params zhang2016_coated --json
    """
    from cellworks.clikit import emit_json
    from cellworks.lis.describe import describe_preset

    d = describe_preset(preset)
    if json:
        emit_json(d)
        return
    typer.echo(f"{d['preset']} (model {d['model']}): {d['source']}")
    for p in d["parameters"]:
        typer.echo(f"  {p['name']:<40} {p['value']:<14.6g} {p['unit']:<8} [{p['kind']}] {p['source']}")
    for m in d.get("mechanisms", []):
        typer.echo(f"  {m['name']:<40} {m['value']:<14.6g} {m['unit']:<8} [{m['kind']}] {m['source']}")


def models(json: Annotated[bool, _JSON] = False) -> None:
    """The Li–S models: reactions, whether they reach Li₂S, what makes capacity depend on rate, sources.

    Example:

      cellworks lis models --json
    """
    from cellworks.clikit import emit_json
    from cellworks.lis.models import list_models

    items = list_models()
    if json:
        emit_json(items)
        return
    for m in items:
        typer.echo(f"{m['name']}: {m['title']} (default preset {m['default_preset']})")
        for r in m["reactions"]:
            typer.echo(f"    {r}")
        typer.echo(f"    reaches Li2S: {'yes' if m['reaches_li2s'] else 'no'}; rate-dependent capacity: {m['rate_dependent_capacity']}")
