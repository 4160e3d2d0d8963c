"""Helpers every command group uses: JSON on stdout, progress on stderr, one-line errors, output
markers, safe echo of file-derived text, exit codes that follow results.

Part CLIs (``cellworks/<part>/cli/``) define ``app = typer.Typer(...)`` and use these helpers;
they must import heavy libraries (numpy, pandas, scipy, numba, matplotlib) *inside* the command
functions so that ``cellworks --help`` stays fast.

Outputs and inputs (handled centrally by :mod:`cellworks.cli`, see ``docs/robustness.md``)
    A parameter is an *output* when its name is one of :data:`OUTPUT_NAMES` or starts with
    ``out_``, or when its annotation carries :data:`OUTPUT` (a file) or :data:`OUTPUT_DIR`
    (a folder)::

        plot: Annotated[Path | None, typer.Option(help="..."), clikit.OUTPUT] = None
        out: Annotated[Path, typer.Option(help="dataset folder"), clikit.OUTPUT_DIR] = ...

    Every other ``Path`` parameter is an *input* (mark a path that is neither with
    :data:`NOT_A_PATH`). Commands with an output get ``--force`` and ``--mkdir``; an output equal to
    an input, an existing file without ``--force`` or a missing folder without ``--mkdir`` is
    refused with one line before the command runs. Parts never write their own overwrite checks.

Text from files
    Echo any string that came from a file (names, comments, sample and library names) through
    :func:`safe_text` / :func:`echo`: control characters are shown as escapes, never executed by the
    terminal. The CLI also guards stdout and stderr as a second line of defence.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from cellworks._text import safe_text

__all__ = [
    "INPUT",
    "NOT_A_PATH",
    "OUTPUT",
    "OUTPUT_DIR",
    "OUTPUT_NAMES",
    "PathRole",
    "echo",
    "emit_json",
    "exit_for_status",
    "fail",
    "progress",
    "safe_text",
    "stderr_console",
]


@dataclass(frozen=True)
class PathRole:
    """Annotation metadata saying what a path parameter is: ``"output"`` (a file the command
    writes), ``"output_dir"`` (a folder it writes into; created if missing, reused if present),
    ``"input"`` or ``"none"`` (a path-typed value that is neither)."""

    role: str


OUTPUT = PathRole("output")
OUTPUT_DIR = PathRole("output_dir")
INPUT = PathRole("input")
NOT_A_PATH = PathRole("none")
#: parameter names that are outputs without a marker (``out_*`` too); ``out_dir`` and ``plots``
#: name folders
OUTPUT_NAMES = frozenset({"out", "out_dir", "plot", "plots", "report", "csv", "mirror", "parquet"})
OUTPUT_DIR_NAMES = frozenset({"out_dir", "plots"})


def echo(text: object = "", *, err: bool = False, nl: bool = True) -> None:
    """``typer.echo`` for text that may come from a file: control characters become visible escapes."""
    stream = sys.stderr if err else sys.stdout
    stream.write(safe_text(text) + ("\n" if nl else ""))
    stream.flush()


def _to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses, paths and enums to plain JSON types."""
    import dataclasses
    import enum
    from pathlib import PurePath

    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_to_jsonable(v) for v in obj]
    tolist = getattr(obj, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return _to_jsonable(tolist())
    item = getattr(obj, "item", None)
    if callable(item):
        return _to_jsonable(item())
    return str(obj)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (NaN/inf become null, so any JSON parser reads it)."""
    sys.stdout.write(json.dumps(_to_jsonable(obj), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress(description: str, total: float | None = None, enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr. Yields an ``advance(n=1)`` callable.

    Shown only when stderr is a terminal or ``enabled`` is forced; JSON on stdout is never mixed
    with progress output.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = stderr_console()
    prog = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f}" if total else ""),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )
    with prog:
        task = prog.add_task(description, total=total)

        def advance(n: float = 1.0, **fields: Any) -> None:
            prog.update(task, advance=n, **fields)

        yield advance


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit with ``code`` (2: bad input)."""
    import typer

    sys.stderr.write(f"error: {safe_text(message, one_line=True)}\n")
    raise typer.Exit(code)


def exit_for_status(status: str, *, what: str, reason: str = "", impossible_input: bool = False) -> None:
    """End a command by its result, after its output was printed.

    ``status`` ``"ok"`` returns. ``"failed"`` (or anything else) prints one line
    ``error: <what> failed: <reason>`` and exits 1 — or 2 when ``impossible_input`` says the input
    could never have worked (a cut-off that cannot be reached, a negative voltage). The exit
    code a script sees then follows the result, not just the absence of a crash.
    """
    if status == "ok":
        return
    line = f"{what} {status}" + (f": {reason}" if reason else "")
    fail(line, 2 if impossible_input else 1)
