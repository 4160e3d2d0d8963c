"""Helpers every command group uses: JSON on stdout, progress on stderr, one-line errors.

Part CLIs (``cellworks/<part>/cli/``) define ``app = typer.Typer(...)`` and use these helpers;
they must import heavy libraries (numpy, pandas, scipy, numba, matplotlib) *inside* the command
functions so that ``cellworks --help`` stays fast.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit with ``code`` (2: bad input)."""
    import typer

    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)
