"""cellworks.cycling against navani, cellpy, galvani and NewareNDA on the same fixture files.

For every fixture file and every peer that reads its format, like for like:

* navani (``echem_file_loader`` + ``cycle_summary``) and cellpy (``cellpy.get``, which builds its
  step table and summary): **load + per-cycle summary**, against cellworks ``read`` + ``summarize``
  (target ratio ≥ 3);
* NewareNDA (``NewareNDA.read`` → its DataFrame): **load**, against cellworks ``read`` (the
  validated cellworks table; more work than NewareNDA's table) (target ≥ 1);
* galvani (``MPRfile(fh).data``: the raw record array, no table): **load, raw columns**, against
  cellworks ``read_mpr_columns`` (the same work: raw columns under EC-Lab's names) — this is the
  issue's "load alone" comparison (target ≥ 1);
* galvani + ``pandas.DataFrame`` of its records: **load to table**, against cellworks ``read`` (the
  validated table with step types, per-step capacities and energies) — reported, no target.

Timing: one warm-up call of each side, then ``--repeats`` (≥ 7) calls of cellworks and the peer
*interleaved* (alternating which goes first), so both see the same machine load; median wall
times; ratio = peer median / cellworks median (> 1: cellworks faster). The machine is shared:
``os.getloadavg()`` is reported before and after. A peer that cannot read a file is listed with
the exact error it raised.

Environments: the anchors never become cellworks dependencies. ``_env.ensure`` runs this script
in ``.venv-bench-cycling`` (navani, cellpy, NewareNDA). navani depends on ``datalab-org-galvani``,
a fork that installs into the same ``galvani`` package directory as upstream galvani, so upstream
galvani gets its own ``.venv-bench-cycling-galvani`` (galvani, numpy, pandas) and is timed there in
a subprocess, against cellworks' ``read_mpr_columns`` imported from ``src/`` in that same process
(it needs only numpy). navani pins numpy < 2, and pyarrow ≥ 20 needs numpy 2 (cellpy imports
pyarrow for Neware files), hence the pyarrow pin.

Usage: ``python benchmarks/cycling_vs_peers.py [--json] [--repeats N]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = ["navani", "cellpy", "NewareNDA", "pyarrow<20"]
MODULES = ["navani", "cellpy", "NewareNDA"]
GALVANI_VENV = ROOT / ".venv-bench-cycling-galvani"

# how each peer is asked to read each file (None: the peer has no reader for the format)
CELLPY_INSTRUMENT: dict[str, tuple[str, str | None]] = {
    ".mpr": ("biologics_mpr", None),
    ".nda": ("neware_nda", None),
    ".ndax": ("neware_nda", None),
    ".res": ("arbin_res", None),
    ".txt": ("maccor_txt", "two"),  # maccor_two.txt is cellpy's own example of its "two" model
    ".001": ("maccor_txt", None),
    ".csv": ("arbin_sql_csv", None),
}


def fixture_files() -> list[Path]:
    local = ROOT / "tests" / "data" / "cycling"
    shared = ROOT.parent / "shared" / "fixtures" / "cycler"
    folder = local if any(local.glob("*.nda")) else shared
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() not in (".md", ".ftr", ".parquet"))


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


def _call_quiet(fn: Any) -> Any:
    import contextlib
    import io

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return fn()


def _failure(exc: BaseException) -> dict[str, Any]:
    text = str(exc).strip()
    return {"reads": False, "reason": f"{type(exc).__name__}: {text.splitlines()[0][:300] if text else ''}"}


def _time_pair(ours: Any, peer: Any, repeats: int) -> dict[str, Any]:
    """Warm up both, then time them interleaved; medians (s) of each side and the ratio."""
    import statistics
    import time

    try:
        _call_quiet(peer)  # warm-up, and the test whether the peer reads the file at all
    except BaseException as exc:  # noqa: BLE001 - any failure of a peer is a result to report
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _failure(exc)
    _call_quiet(ours)
    t_ours: list[float] = []
    t_peer: list[float] = []
    for k in range(repeats):
        order = ((ours, t_ours), (peer, t_peer)) if k % 2 == 0 else ((peer, t_peer), (ours, t_ours))
        for fn, acc in order:
            t0 = time.perf_counter()
            _call_quiet(fn)
            acc.append(time.perf_counter() - t0)
    m_ours, m_peer = statistics.median(t_ours), statistics.median(t_peer)
    return {"reads": True, "median_s": m_peer, "cellworks_median_s": m_ours, "ratio": m_peer / m_ours,
            "repeats": repeats}


def galvani_worker(files: list[str], repeats: int) -> None:
    """Runs inside .venv-bench-cycling-galvani: upstream galvani against cellworks' raw-column
    reader (imported from src/, numpy only) and full reader where pandas allows, same process."""
    _quiet()
    from importlib.metadata import version

    import pandas as pd
    from galvani.BioLogic import MPRfile

    sys.path.insert(0, str(ROOT / "src"))
    from cellworks.cycling.readers.biologic import read_mpr_columns

    out: dict[str, Any] = {"version": version("galvani"), "numpy": version("numpy"), "pandas": version("pandas")}
    for f in files:

        def load(f: str = f) -> Any:
            with open(f, "rb") as fh:
                return MPRfile(fh).data

        def table(f: str = f) -> Any:
            with open(f, "rb") as fh:
                return pd.DataFrame(MPRfile(fh).data)

        out[Path(f).name] = {"raw": _time_pair(lambda f=f: read_mpr_columns(f), load, repeats)}
        try:
            from cellworks.cycling.readers import read

            out[Path(f).name]["table"] = _time_pair(lambda f=f: read(f), table, repeats)
        except ImportError as exc:  # the full reader needs cellworks' own dependencies
            out[Path(f).name]["table"] = _failure(exc)
    print(json.dumps(out))


def upstream_galvani(files: list[Path], repeats: int) -> dict[str, Any]:
    py = GALVANI_VENV / "bin" / "python"
    if not py.exists():
        print(f"[bench] creating {GALVANI_VENV} with galvani", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(GALVANI_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "galvani", "numpy", "pandas"], check=True)
    mpr = [str(f) for f in files if f.suffix.lower() == ".mpr"]
    res = subprocess.run(
        [str(py), __file__, "--galvani-worker", *mpr, "--repeats", str(repeats)],
        capture_output=True, text=True, check=False,
    )
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}"}
    parsed: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return parsed


def run(repeats: int) -> dict[str, Any]:
    _quiet()
    from importlib.metadata import version

    import cellpy
    import NewareNDA
    import pandas as pd
    from galvani.BioLogic import MPRfile
    from navani import echem

    from cellworks.cycling.cycles import summarize
    from cellworks.cycling.readers import read
    from cellworks.cycling.readers.biologic import read_mpr_columns

    load_before = os.getloadavg()
    files = fixture_files()
    versions = {
        "navani": version("navani"),
        "cellpy": version("cellpy"),
        "NewareNDA": version("NewareNDA"),
        "galvani (datalab-org fork, navani's dependency)": version("datalab-org-galvani"),
        "numpy (bench venv)": version("numpy"),
        "pandas (bench venv)": version("pandas"),
    }
    upstream = upstream_galvani(files, repeats)
    if "version" in upstream:
        versions["galvani (upstream)"] = upstream["version"]
        versions["numpy/pandas (upstream galvani venv)"] = f"{upstream['numpy']}/{upstream['pandas']}"
    results: dict[str, Any] = {}
    verdicts: list[dict[str, Any]] = []
    for f in files:
        p = str(f)
        ext = f.suffix.lower()
        entry: dict[str, Any] = {}
        # maccor_two.txt ends inside record 214 upstream; cellpy drops that record, we are told to
        trunc = f.name == "maccor_two.txt"

        def ours_load(p: str = p, trunc: bool = trunc) -> Any:
            return read(p, allow_truncated=trunc)

        def ours_both(p: str = p, trunc: bool = trunc) -> Any:
            return summarize(read(p, allow_truncated=trunc))

        try:
            entry["rows"] = len(_call_quiet(ours_load))
        except Exception as exc:  # noqa: BLE001 - reported
            entry["cellworks"] = _failure(exc)
            results[f.name] = entry
            continue
        peers: dict[str, Any] = {}
        peers["navani"] = {"mode": "load+summary", "cellworks": "read + summarize",
                           **_time_pair(ours_both, lambda p=p: echem.cycle_summary(echem.echem_file_loader(p)), repeats)}
        ins, model = CELLPY_INSTRUMENT.get(ext, (None, None))
        if ins is not None:
            kw = {"model": model} if model else {}
            peers["cellpy"] = {"mode": "load+summary", "cellworks": "read + summarize",
                               **_time_pair(ours_both, lambda p=p, ins=ins, kw=kw: cellpy.get(p, instrument=ins, mass=1.0, **kw),
                                            repeats)}
        if ext in (".nda", ".ndax"):
            peers["NewareNDA"] = {"mode": "load", "cellworks": "read (validated cellworks table)",
                                  **_time_pair(ours_load, lambda p=p: NewareNDA.read(p), repeats)}
        if ext == ".mpr":

            def fork_load(p: str = p) -> Any:
                with open(p, "rb") as fh:
                    return MPRfile(fh).data

            def fork_table(p: str = p) -> Any:  # what a user (and navani) does next: a DataFrame
                with open(p, "rb") as fh:
                    return pd.DataFrame(MPRfile(fh).data)

            peers["galvani (datalab-org fork)"] = {
                "mode": "load (raw columns)", "cellworks": "read_mpr_columns (raw columns)", "like_for_like": True,
                **_time_pair(lambda p=p: read_mpr_columns(p), fork_load, repeats)}
            peers["galvani (datalab-org fork) + DataFrame"] = {
                "mode": "load to table", "cellworks": "read (validated table: step types, capacities, energies)",
                "informational": True, **_time_pair(ours_load, fork_table, repeats)}
            up = upstream.get(f.name)
            if up is not None:
                peers["galvani (upstream)"] = {"mode": "load (raw columns)", "cellworks": "read_mpr_columns (raw columns)",
                                               "like_for_like": True, "timed_in": "upstream galvani venv", **up["raw"]}
                peers["galvani (upstream) + DataFrame"] = {
                    "mode": "load to table", "cellworks": "read (validated table: step types, capacities, energies)",
                    "informational": True, "timed_in": "upstream galvani venv", **up["table"]}
            elif "error" in upstream:
                peers["galvani (upstream)"] = {"mode": "load (raw columns)", "reads": False, "reason": upstream["error"]}
        for name, r in peers.items():
            if not r.get("reads") or r.get("informational"):
                continue
            target = 3.0 if name in ("navani", "cellpy") else 1.0
            r["target_ratio"] = target
            r["met"] = bool(r["ratio"] >= target)
            verdicts.append({"file": f.name, "peer": name, "mode": r["mode"], "cellworks": r["cellworks"],
                             "ratio": r["ratio"], "target": target, "met": r["met"]})
        entry["peers"] = peers
        results[f.name] = entry
    return {
        "benchmark": "cycling_vs_peers",
        "repeats": repeats,
        "statistic": ("median wall time (s) of interleaved runs after one warm-up of each side; "
                      "ratio = peer median / cellworks median (> 1: cellworks faster)"),
        "modes": {
            "load+summary": "peer load + its per-cycle summary vs cellworks read + summarize (target ≥ 3)",
            "load": "peer's table (NewareNDA DataFrame) vs cellworks read, the validated table (target ≥ 1)",
            "load (raw columns)": ("galvani MPRfile(...).data (raw record array) vs cellworks read_mpr_columns "
                                   "(raw columns): like for like, the issue's 'load alone' (target ≥ 1)"),
            "load to table": ("galvani + pandas.DataFrame vs cellworks read (validated table with step types, "
                              "per-step capacities and energies): informational, no target"),
        },
        "loadavg_before": list(load_before),
        "loadavg_after": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "versions": versions,
        "files": results,
        "comparisons": verdicts,
        "all_targets_met": all(v["met"] for v in verdicts) if verdicts else False,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=11, help="timed runs per side (at least 7)")
    ap.add_argument("--galvani-worker", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeats < 7:
        ap.error("--repeats must be at least 7 (medians of at least 7 runs)")
    if args.galvani_worker is not None:
        galvani_worker(args.galvani_worker, args.repeats)
        return
    sys.path.insert(0, str(HERE))
    from _env import ensure

    ensure("cycling", REQUIREMENTS, MODULES)
    out = run(args.repeats)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"load average before/after: {out['loadavg_before']} / {out['loadavg_after']}")
    print(f"{'file':30s} {'peer':40s} {'mode':19s} {'peer ms':>9s} {'ours ms':>9s} {'ratio':>7s} {'target':>6s}")
    for fname, e in out["files"].items():
        for peer, r in e.get("peers", {}).items():
            if not r.get("reads"):
                print(f"{fname:30s} {peer:40s} cannot read: {r['reason']}")
                continue
            verdict = "info" if r.get("informational") else ("ok" if r["met"] else "MISSED")
            target = f"{r['target_ratio']:6.1f}" if "target_ratio" in r else "     -"
            print(f"{fname:30s} {peer:40s} {r['mode']:19s} {r['median_s'] * 1e3:9.3f} "
                  f"{r['cellworks_median_s'] * 1e3:9.3f} {r['ratio']:7.2f} {target} {verdict}")
    print("all targets met:", out["all_targets_met"])


if __name__ == "__main__":
    main()
