"""``cellworks lis design ...``: the cell-design calculators of documents 000 and 001."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

design_app = typer.Typer(help="Cell-design arithmetic: sulfur loading, capacities, lithium plating, protective layers.",
                         no_args_is_help=True)

_JSON = typer.Option("--json", help="Machine-readable output on stdout.")


def _out(result: dict[str, object], json: bool) -> None:
    from cellworks.clikit import emit_json

    if json:
        emit_json(result)
        return
    for k, v in result.items():
        typer.echo(f"{k}: {v:.6g}" if isinstance(v, float) else f"{k}: {v}")


@design_app.command("sulfur-loading")
def sulfur_loading(
    pore_volume_cm3_per_g: Annotated[float, typer.Option(help="Pore volume of the host carbon, cm³/g.")],
    sulfur_density_g_per_cm3: Annotated[float, typer.Option(help="Density of sulfur, g/cm³.")] = 2.07,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Maximum sulfur mass fraction when sulfur fills the carbon's pores (document 000: 67.6 wt%)."""
    from cellworks.lis.design import max_sulfur_loading_fraction

    w = max_sulfur_loading_fraction(pore_volume_cm3_per_g, sulfur_density_g_per_cm3)
    _out({"max_sulfur_fraction": round(w, 6), "max_sulfur_wt_pct": round(100 * w, 4),
          "sulfur_g_per_g_carbon": pore_volume_cm3_per_g * sulfur_density_g_per_cm3}, json)


@design_app.command("tga")
def tga(
    file: Annotated[Path, typer.Argument(help="CSV with temperature (°C) and mass (% of initial) columns.")],
    temperature_column: Annotated[str, typer.Option(help="Temperature column name.")] = "temperature_C",
    mass_column: Annotated[str, typer.Option(help="Mass column name (percent).")] = "mass_pct",
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Sulfur content from a thermogravimetric mass-loss curve (onset/plateau detection)."""
    import pandas as pd

    from cellworks.errors import FileFormatError
    from cellworks.lis.design import sulfur_content_from_tga

    try:
        df = pd.read_csv(file)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(f"not a readable CSV ({exc})", file=file) from None
    for col in (temperature_column, mass_column):
        if col not in df.columns:
            raise FileFormatError(f"no such column; columns are {', '.join(map(str, df.columns))}", file=file, field=col)
    r = sulfur_content_from_tga(df[temperature_column].to_numpy(float), df[mass_column].to_numpy(float))
    _out({"sulfur_wt_pct": r.sulfur_wt_pct, "onset_C": r.onset_C, "end_C": r.end_C,
          "mass_before_pct": r.mass_before_pct, "mass_after_pct": r.mass_after_pct}, json)


@design_app.command("electrode")
def electrode(
    loading_mg_per_cm2: Annotated[float, typer.Option(help="Areal loading, mg/cm².")],
    area_cm2: Annotated[float, typer.Option(help="Electrode area, cm².")],
    sulfur_fraction: Annotated[float, typer.Option(help="Sulfur mass fraction of the composite (0–1).")],
    composite_fraction: Annotated[float, typer.Option(help="Composite mass fraction of the coating (0–1).")] = 0.70,
    loading_is: Annotated[str, typer.Option(help="What the loading counts: composite, electrode or sulfur.")] = "composite",
    rate_A_per_g: Annotated[float, typer.Option(help="Test rate per gram of sulfur, A/g.")] = 0.0,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Sulfur mass, theoretical capacity and test current from the electrode recipe."""
    from dataclasses import asdict

    from cellworks.lis.design import electrode_sulfur

    r = electrode_sulfur(loading_mg_per_cm2=loading_mg_per_cm2, area_cm2=area_cm2, composite_fraction=composite_fraction,
                         sulfur_fraction_of_composite=sulfur_fraction, rate_A_per_g=rate_A_per_g, loading_is=loading_is)
    _out(asdict(r), json)


@design_app.command("capacity")
def capacity(json: Annotated[bool, _JSON] = False) -> None:
    """Theoretical specific capacities of sulfur and lithium (Faraday's law)."""
    from cellworks.lis.design import lithium_capacity_mAh_per_g, sulfur_capacity_mAh_per_g

    _out({"sulfur_mAh_per_g": sulfur_capacity_mAh_per_g(), "sulfur_mAh_per_g_conventional_M32": sulfur_capacity_mAh_per_g(32.0),
          "lithium_mAh_per_g": lithium_capacity_mAh_per_g()}, json)


@design_app.command("lithium-thickness")
def lithium_thickness(
    areal_capacity_mAh_per_cm2: Annotated[float, typer.Option(help="Areal capacity, mAh/cm².")],
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Thickness of dense lithium for an areal capacity (1 mAh/cm² → 4.85 µm)."""
    from cellworks.lis.design import lithium_thickness_um

    _out({"lithium_thickness_um": lithium_thickness_um(areal_capacity_mAh_per_cm2)}, json)


@design_app.command("layer")
def layer(
    thickness: Annotated[str, typer.Option(help='Layer thickness with unit, e.g. "1000 Å", "0.1 um".')],
    conductivity_S_per_cm: Annotated[float, typer.Option(help="Ionic conductivity, S/cm (LiPON ≈ 2e-6).")],
    current: Annotated[str, typer.Option(help='Current with unit, e.g. "100 uA".')] = "0 A",
    area_cm2: Annotated[float, typer.Option(help="Layer area, cm².")] = 1.0,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Protective-layer area-specific resistance and its voltage drop at a current."""
    from cellworks.errors import ParameterError
    from cellworks.lis.design import layer_asr_ohm_cm2, layer_voltage_drop_V
    from cellworks.units import Dim, parse_quantity

    if not area_cm2 > 0:
        raise ParameterError(f"the layer area must be positive, got {area_cm2} cm²", field="--area-cm2")
    t_m = parse_quantity(thickness, (Dim.LENGTH,), what="thickness").value
    i_A = parse_quantity(current, (Dim.CURRENT,), what="current").value
    asr = layer_asr_ohm_cm2(t_m, conductivity_S_per_cm)
    _out({"asr_ohm_cm2": asr, "resistance_ohm": asr / area_cm2,
          "voltage_drop_V": layer_voltage_drop_V(t_m, conductivity_S_per_cm, i_A, area_cm2)}, json)


@design_app.command("plating-time")
def plating_time(
    thickness: Annotated[str, typer.Option(help='Target lithium thickness, e.g. "5 um".')],
    current: Annotated[str, typer.Option(help='Plating current, e.g. "100 uA".')],
    area_cm2: Annotated[float, typer.Option(help="Electrode area, cm².")],
    efficiency: Annotated[float, typer.Option(help="Plating coulombic efficiency (0–1).")] = 1.0,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Time to plate a dense lithium film of a target thickness."""
    from cellworks.lis.design import plating_time_s
    from cellworks.units import Dim, parse_quantity

    t_m = parse_quantity(thickness, (Dim.LENGTH,), what="thickness").value
    i_A = parse_quantity(current, (Dim.CURRENT,), what="current").value
    s = plating_time_s(t_m, i_A, area_cm2, efficiency)
    _out({"plating_time_s": s, "plating_time_h": s / 3600.0}, json)


@design_app.command("glass-limit")
def glass_limit(
    modifier: Annotated[str, typer.Option(help="Modifier M2D, e.g. Li2O, Li2S.")],
    former: Annotated[str, typer.Option(help="Network former AnDm, e.g. SiO2, B2O3, Al2O3, P2S5.")],
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Ionic-stoichiometry limit x of a (M2D)x(AnDm) glass: beyond it phase separation is certain."""
    from cellworks.lis.design import glass_ionic_limit

    r = glass_ionic_limit(modifier, former)
    _out({"x_max": r.x_max, "ionic_salt": r.ionic_salt, "modifier": r.modifier, "former": r.former}, json)


def register(app: typer.Typer) -> None:
    """Mount ``design`` under ``cellworks lis``."""
    app.add_typer(design_app, name="design")
