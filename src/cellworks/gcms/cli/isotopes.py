"""``cellworks gcms isotopes | isobars``: isotope clusters of natural or enriched elements, molecular isobars."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Mount ``isotopes`` and ``isobars`` on the ``cellworks gcms`` group."""
    app.command("isotopes")(isotopes)
    app.command("isobars")(isobars)


def isotopes(
    formula: Annotated[str, typer.Argument(help="Formula, e.g. GeH4, C3H7Cl, [74Ge]H4, C[32S][34S].")],
    abundance: Annotated[str | None, typer.Option(
        help="Element compositions, e.g. 'Ge:70=0.000001,72=0.00001,73=0.000605,74=0.999355,76=0.000029' "
             "(several elements separated by ';').")] = None,
    resolving_power: Annotated[float | None, typer.Option(
        "--resolving-power", "-R", help="Also give the peaks seen at this resolving power m/Δm (FWHM).")] = None,
    charge: Annotated[int, typer.Option(help="Ion charge (0 = neutral masses).")] = 1,
    fragments: Annotated[bool, typer.Option(help="Also the H-loss fragment ions (GeH3+, GeH2+, GeH+, Ge+).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Isotope pattern of a molecular ion (and its H-loss fragments), natural or enriched."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.isotopes import (
        at_resolving_power,
        hydrogen_loss_series,
        isotope_pattern,
        parse_abundance,
    )

    ab = parse_abundance(abundance) if abundance else None
    pat = isotope_pattern(formula, ab, charge=charge)
    unit = pat.unit_mass()
    top = max(unit, key=lambda m: unit[m])
    out: dict[str, Any] = {
        "formula": pat.formula,
        "charge": charge,
        "abundances": ab,
        "molecular_cluster": [{"mz": m, "fraction": p} for m, p in unit.items()],
        "most_abundant_mz": top,
        "most_abundant_fraction": unit[top],
        "fine_structure": [{"mz": m, "probability": p, "isotopologue": lab}
                           for m, p, lab in zip(pat.mz, pat.probability, pat.labels, strict=True) if p >= 1e-6],
        "source": "IsoSpecPy (Łącki, Startek et al.); IUPAC isotope masses and abundances",
    }
    if resolving_power:
        out["resolving_power"] = resolving_power
        out["at_resolving_power"] = [{"mz": m, "fraction": p} for m, p in at_resolving_power(pat, resolving_power)
                                     if p >= 1e-6]
    if fragments:
        frs = []
        for fr in hydrogen_loss_series(formula)[1:]:
            fp = isotope_pattern(fr, ab, charge=charge).unit_mass()
            frs.append({"ion": f"{fr}+", "cluster": [{"mz": m, "fraction": p} for m, p in fp.items() if p >= 1e-6]})
        out["fragments"] = frs
    if as_json:
        emit_json(out)
        return
    typer.echo(f"{pat.formula} (z = {charge}): most abundant m/z {top} at {100 * unit[top]:.4f} % of the cluster")
    for m, p in unit.items():
        if p >= 1e-6:
            typer.echo(f"  m/z {m:4d}  {100 * p:10.6f} %")
    if resolving_power:
        typer.echo(f"  at R = {resolving_power:g}:")
        for pk in out["at_resolving_power"]:
            if pk["fraction"] >= 1e-4:
                typer.echo(f"    m/z {pk['mz']:.4f}  {100 * pk['fraction']:.4f} %")
    for fr in out.get("fragments", []):
        parts = ", ".join(f"{c['mz']}: {100 * c['fraction']:.3g} %" for c in fr["cluster"] if c["fraction"] >= 1e-3)
        typer.echo(f"  {fr['ion']:8s} {parts}")


def isobars(
    mz: Annotated[int, typer.Argument(help="Nominal m/z.")],
    matrix: Annotated[str, typer.Option(help="Matrix formula, e.g. '[74Ge]H4'.")] = "[74Ge]H4",
    candidates: Annotated[str | None, typer.Option(
        help="Candidate molecules 'name=formula,...' (default: document 002's impurities and related hydrides).")] = None,
    min_fraction: Annotated[float, typer.Option(help="Smallest natural share of an isotopologue to list.")] = 1e-5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Isobaric ions of a matrix ion: exact masses, Δm and the resolving power m/Δm needed."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.isobars import DEFAULT_CANDIDATES, as_dict, candidates_from_text, find_isobars

    cands = candidates_from_text(candidates) if candidates else DEFAULT_CANDIDATES
    rep = find_isobars(mz, matrix, cands, min_fraction=min_fraction)
    if as_json:
        emit_json(as_dict(rep))
        return
    typer.echo(f"matrix {rep.matrix_isotopologue}+  m/z {rep.matrix_mz:.5f}")
    for r in rep.isobars:
        typer.echo(f"  {r.isotopologue:14s} {r.name:18s} m/z {r.mz:.5f}  Δm {r.delta_mz:+.5f} Da  "
                   f"R = {r.resolving_power_needed:7.0f}  (natural share {r.natural_fraction:.2g})")
