"""The first call a new user makes: ``cellworks lis simulate ... --json`` in a fresh process.

What is timed is a whole process, as a shell runs it (interpreter start, imports, loading the compiled
kernels from the on-disk cache, the solve, the JSON), after one warm-up run that fills the cache (what
``make demo`` does on a fresh clone). Beside it, for context, the floor any numba-based tool pays in a
fresh process: ``import numba`` plus the first call of a trivial cached ``@njit(cache=True)``
function (numba initialises its compiler target on the first cached load, ~0.5–1 s); and
``import cellworks`` against an empty interpreter.

Same result: the first-call JSON says ``status: ok`` and its capacity equals an in-process
``cellworks.lis.simulate`` to 1e-12 (the same compiled code, so only float noise is allowed).

Usage: python benchmarks/first_call.py [--json] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "cellworks.cli", "lis", "simulate", "--preset", "marinescu2016",
       "--protocol", "Discharge at 1.7 A until 2.15 V", "--json"]

_FLOOR = """
import numba
@numba.njit(cache=True)
def f(x):
    return x + 1.0
f(1.0)
"""


def _timed(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _median(runs: list[tuple[float, float, str]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    _timed(CLI)  # warm-up: compiles into the cache if make demo has not
    cli_runs = [_timed(CLI) for _ in range(args.repeats)]
    out = json.loads(cli_runs[-1][2])
    from cellworks.lis import simulate

    ref = simulate("marinescu2016", "Discharge at 1.7 A until 2.15 V")
    same = out["status"] == "ok" and abs(out["capacity_Ah"][0] - ref.discharge_capacities_Ah[0]) <= 1e-12 * abs(
        ref.discharge_capacities_Ah[0])

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "floor.py").write_text(_FLOOR)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        _timed([sys.executable, "floor.py"], env=env, cwd=tmp)  # fills the floor's own cache
        floor_runs = [_timed([sys.executable, "floor.py"], env=env, cwd=tmp) for _ in range(args.repeats)]
    empty_runs = [_timed([sys.executable, "-c", "pass"]) for _ in range(args.repeats)]
    import_runs = [_timed([sys.executable, "-c", "import cellworks"]) for _ in range(args.repeats)]

    cli_wall, cli_cpu = _median(cli_runs)
    floor_wall, floor_cpu = _median(floor_runs)
    empty_wall, _ = _median(empty_runs)
    import_wall, _ = _median(import_runs)
    rows: list[dict[str, Any]] = [
        {
            "work": "first `cellworks lis simulate --preset marinescu2016 --protocol 'Discharge at 1.7 A until 2.15 V' "
                    "--json` in a fresh process, kernels cached (wall)",
            "peer": "python: import numba + first call of a cached trivial @njit (the floor of any numba tool)",
            "peer_s": floor_wall, "cellworks_s": cli_wall, "ratio": floor_wall / cli_wall, "same_result": same,
            "check": "JSON status ok and capacity equal to in-process simulate within 1e-12 relative",
        },
        {
            "work": "same, CPU time of the process (user + sys)", "peer": "numba floor, CPU time",
            "peer_s": floor_cpu, "cellworks_s": cli_cpu, "ratio": floor_cpu / cli_cpu, "same_result": same,
            "check": "as above",
        },
        {
            "work": "`python -c 'import cellworks'` (wall)", "peer": "`python -c pass`", "peer_s": empty_wall,
            "cellworks_s": import_wall, "ratio": None, "same_result": True,
            "check": "context only: the difference is the cost of importing cellworks",
        },
    ]
    result = {"benchmark": "first_call", "repeats": args.repeats, "under_2_s": cli_wall < 2.0,
              "load_average": os.getloadavg(), "rows": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for r in rows:
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']:.2f}"
        print(f"{r['work']}\n  cellworks {r['cellworks_s']:.3f} s   {r['peer']} {r['peer_s']:.3f} s{ratio}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
