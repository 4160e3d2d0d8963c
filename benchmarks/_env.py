"""Benchmark environments: anchors (peer tools) are never runtime dependencies of cellworks.

Each benchmark script calls :func:`ensure` with the packages it compares against. If they are
not importable in the current interpreter, a dedicated virtual environment
``.venv-bench-<name>`` is created beside the repository (once), cellworks is installed into it
(editable) with the anchors, and the script re-executes itself there with the same arguments.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure(name: str, requirements: list[str], modules: list[str]) -> None:
    """Re-exec under ``.venv-bench-<name>`` unless every module in ``modules`` imports here."""
    if all(importlib.util.find_spec(m) is not None for m in modules):
        return
    if os.environ.get("CELLWORKS_BENCH_ENV") == name:
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        sys.exit(f"benchmark environment {name}: still cannot import {missing}")
    venv = ROOT / f".venv-bench-{name}"
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"[bench] creating {venv} with {' '.join(requirements)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", str(ROOT), *requirements], check=True)
    env = dict(os.environ, CELLWORKS_BENCH_ENV=name)
    os.execve(str(py), [str(py), *sys.argv], env)


def median_time(fn, repeats: int = 5, warmup: int = 1) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` runs (seconds)."""
    import statistics
    import time

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times
