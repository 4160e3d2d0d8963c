"""The ``cellworks`` command: one typer app, one command group per part, one safety layer.

Each part provides the package ``cellworks/<part>/cli/`` whose ``__init__`` builds a module-level
``app`` (a ``typer.Typer``) from one module per command group; they are mounted here by name.
:func:`command` then installs the input-safety layer of :mod:`cellworks._safety` on the whole
tree once: plain boolean flags, ``--force``/``--mkdir`` on every command with an output, output
paths checked against the inputs before a command runs, and writers that refuse to replace an
input while it runs (``docs/robustness.md``).

Exit codes: 0 success; 1 a result that failed (a simulation, some batch inputs); 2 bad input or
usage, always one line on stderr naming the file, record and field; 70 an internal error (one
line; ``CELLWORKS_DEBUG=1`` shows the traceback); 130 interrupted (Ctrl-C) and 143 terminated,
after removing temporary files. Control characters from files never reach the terminal.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks import __version__
from cellworks.clikit import OUTPUT_DIR

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
    out: Annotated[Path, typer.Option(help="Output folder for the HTML report (reused if it exists)."),
                   OUTPUT_DIR] = Path("demo-report"),
    quick: Annotated[bool, typer.Option(help="Smaller runs (for tests).")] = False,
) -> None:
    """Run every available part on built-in defaults and write a self-contained HTML report."""
    from cellworks.demo import run_demo

    path = run_demo(out, quick=quick)
    typer.echo(str(path.resolve()))


_COMMAND: Any = None


def command() -> Any:
    """The click command tree of :data:`app` with the safety layer installed (built once)."""
    global _COMMAND
    if _COMMAND is None:
        import typer.main

        from cellworks._safety import harden

        cmd = typer.main.get_command(app)
        harden(cmd)
        _COMMAND = cmd
    return _COMMAND


def _print_error(line: str | None) -> None:
    if line:
        sys.stderr.write(("" if line in ("interrupted", "terminated") else "error: ") + line + "\n")
        sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    import os

    from cellworks import _safety, _terminal

    args = sys.argv[1:] if argv is None else list(argv)
    cmd = command()
    with _terminal.guarded_std_streams(), _terminal.one_line_diagnostics(), _terminal.signal_handlers() as sig:
        try:
            rv = cmd.main(args=args, prog_name="cellworks", standalone_mode=False)
        except BrokenPipeError:  # `cellworks ... | head`: the reader left; nothing to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except BaseException as exc:
            if os.environ.get("CELLWORKS_DEBUG") and not isinstance(exc, (SystemExit, _safety.Interrupted)):
                raise
            line, code = _safety.report(exc, sig.signum)
            if code in (_safety.EXIT_INTERRUPTED, _safety.EXIT_TERMINATED):
                from cellworks._io import discard_live_temps

                discard_live_temps()
            if code == 2 and line and "unexpected extra argument" in line:
                line = _safety.flag_value_hint(args, cmd) or line
            _print_error(line)
            return code
        if sig.signum is not None:  # an interruption click turned into a silent exit 130
            from cellworks._io import discard_live_temps

            discard_live_temps()
            line, code = _safety.report(KeyboardInterrupt(), sig.signum)
            _print_error(line)
            return code
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
