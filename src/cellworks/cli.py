"""The ``cellworks`` command: one typer app, one command group per part.

Each part provides the package ``cellworks/<part>/cli/`` whose ``__init__`` builds a module-level
``app`` (a ``typer.Typer``) from one module per command group; they are mounted here by name.
Errors from bad input (:class:`cellworks.errors.InputError`, missing files, usage errors) end in
one line on stderr and exit code 2; Ctrl-C ends with code 130 and writes nothing half-done.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from cellworks import __version__

GROUPS: dict[str, str] = {
    "protocol": "Parse experiment text (PyBaMM grammar plus A/g, mA/cm2, W, Ohm, uA) into typed steps.",
    "lis": "Lithium-sulfur cell simulation, digital twins and cell-design arithmetic.",
    "cycling": "Cycler files of every common brand into one table; per-cycle summaries, plateaus, dQ/dV.",
    "eis": "Impedance spectra: circuit fitting (impedance.py grammar), Lin-KK validation, readers.",
    "pack": "Series/parallel packs with variation, soft shorts and BMS bleed balancing; sizing.",
    "gcms": "EI GC-MS: runs, peaks, library identification, isotope clusters, quantification.",
}

app = typer.Typer(
    name="cellworks",
    help="cellworks: battery research toolkit (Li-S physics, cycler & EIS data, packs, GC-MS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cellworks {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """cellworks: battery research toolkit."""


def _load_group(name: str) -> typer.Typer:
    """The ``app`` of ``cellworks.<name>.cli`` (every part ships one; a missing one is a packaging bug)."""
    module = importlib.import_module(f"cellworks.{name}.cli")
    group: typer.Typer = module.app
    return group


for _name, _help in GROUPS.items():
    app.add_typer(_load_group(_name), name=_name, help=_help)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Output folder for the HTML report.")] = Path("demo-report"),
    quick: Annotated[bool, typer.Option(help="Smaller runs (for tests).")] = False,
) -> None:
    """Run every available part on built-in defaults and write a self-contained HTML report."""
    from cellworks.demo import run_demo

    path = run_demo(out, quick=quick)
    typer.echo(str(path.resolve()))


def _click_exceptions() -> tuple[tuple[type[BaseException], ...], ...]:
    """(Exit, Abort, ClickException) classes of typer, of click, and of the click copy typer may vendor."""
    import click

    exits: list[type[BaseException]] = [typer.Exit, click.exceptions.Exit]
    aborts: list[type[BaseException]] = [typer.Abort, click.exceptions.Abort]
    errors: list[type[BaseException]] = [click.exceptions.ClickException]
    try:
        from typer._click import exceptions as vendored  # typer >= 0.20 ships its own click

        errors.append(vendored.ClickException)
    except ImportError:
        pass
    return tuple(exits), tuple(aborts), tuple(errors)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    from cellworks.errors import InputError

    exit_exc, abort_exc, click_exc = _click_exceptions()
    args = sys.argv[1:] if argv is None else argv
    try:
        rv = app(args=args, prog_name="cellworks", standalone_mode=False)
    except InputError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        return 2
    except FileNotFoundError as exc:
        sys.stderr.write(f"error: {exc.filename or exc}: file not found\n")
        return 2
    except IsADirectoryError as exc:
        sys.stderr.write(f"error: {exc.filename or exc}: is a directory, expected a file\n")
        return 2
    except PermissionError as exc:
        sys.stderr.write(f"error: {exc.filename or exc}: permission denied\n")
        return 2
    except exit_exc as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except abort_exc:
        sys.stderr.write("interrupted\n")
        return 130
    except click_exc as exc:
        # usage errors: one line, no usage box
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        sys.stderr.write(f"error: {message}\n")
        code = getattr(exc, "exit_code", 2)
        return int(code) if code else 2
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
