"""``cellworks gcms library info | convert``: MSP libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

library_app = typer.Typer(help="MSP libraries: info, convert/merge.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Mount the ``library`` group on ``cellworks gcms``."""
    app.add_typer(library_app, name="library")


@library_app.command("info")
def library_info(
    library: Annotated[Path | None, typer.Argument(help="MSP file (default: the built-in library).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    names: Annotated[bool, typer.Option("--names", help="List the compound names and sources.")] = False,
) -> None:
    """Describe an MSP library."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.library import library_sources, load_library
    from cellworks.gcms.text import clean

    lib = load_library(library)
    out = lib.info()
    out["sources"] = library_sources(lib)
    if names:
        out["spectra"] = [{"name": s.name, "formula": s.formula, "cas": s.cas, "n_peaks": int(s.mz.size),
                           "source": s.source, "kind": s.kind, "ri": s.ri, "ri_kind": s.ri_kind,
                           "licence": s.licence} for s in lib]
    if as_json:
        emit_json(out)
    else:
        for k, v in out.items():
            if k != "spectra":
                typer.echo(clean(f"{k}: {v}"))
        for s in out.get("spectra", []):  # type: ignore[union-attr]
            typer.echo(clean(f"  {s['name']} ({s['formula']}): {s['n_peaks']} peaks [{s['kind']}]"))


@library_app.command("convert")
def library_convert(
    inputs: Annotated[list[Path], typer.Argument(help="MSP file(s) to read (merged in order).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output MSP file (written atomically).")],
    normalize: Annotated[bool, typer.Option(help="Scale every spectrum to a base peak of 999.")] = False,
    unit_mass: Annotated[bool, typer.Option(help="Bin peaks to nominal mass.")] = False,
) -> None:
    """Read, validate, merge and rewrite MSP libraries (canonical NIST MSP)."""
    from cellworks.errors import ParameterError
    from cellworks.gcms.library import Library, LibrarySpectrum, read_msp, write_msp
    from cellworks.gcms.spectrum import to_unit_mass

    if any(out.resolve() == p.resolve() for p in inputs):
        raise ParameterError("refusing to overwrite an input file", field="--out")
    spectra: list[LibrarySpectrum] = []
    for p in inputs:
        spectra.extend(read_msp(p).spectra)
    if unit_mass:
        binned = []
        for s in spectra:
            um, uy = to_unit_mass(s.mz, s.intensity)
            binned.append(LibrarySpectrum(s.name, s.formula, s.mw, s.cas, s.ri, um.astype(float), uy, s.source, s.extra))
        spectra = binned
    if normalize:
        spectra = [s.normalized() for s in spectra]
    write_msp(Library(tuple(spectra)), out)
    typer.echo(f"{len(spectra)} spectra -> {out}")
