"""cellworks.cycling against navani, cellpy, galvani and NewareNDA on the same fixture files.

For every fixture file and every peer that reads its format:

* navani (``echem_file_loader`` + ``cycle_summary``) and cellpy (``cellpy.get``, which builds its
  step table and summary): **load + per-cycle summary**, against cellworks ``read`` + ``summarize``;
* galvani (``MPRfile``) and NewareNDA (``NewareNDA.read``): **load alone**, against cellworks ``read``.

Median wall time of ``--repeats`` runs after one warm-up run; ratio = peer time / cellworks time
(> 1: cellworks faster). Targets: ≥ 3 against navani and cellpy, ≥ 1 against galvani.
A peer that cannot read a file is listed with the exact error it raised.

Environments: the anchors never become cellworks dependencies. ``_env.ensure`` runs this script
in ``.venv-bench-cycling`` (navani, cellpy, NewareNDA). navani depends on ``datalab-org-galvani``,
a fork that installs into the same ``galvani`` package directory as upstream galvani, so upstream
galvani gets its own ``.venv-bench-cycling-galvani`` and is timed there in a subprocess (both are
reported). navani pins numpy < 2, and pyarrow ≥ 20 needs numpy 2 (cellpy imports pyarrow for
Neware files), hence the pyarrow pin.

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


def _time(fn: Any, repeats: int) -> dict[str, Any]:
    import contextlib
    import io
    import statistics
    import time

    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            fn()  # warm-up, and the test whether the peer reads the file at all
    except BaseException as exc:  # noqa: BLE001 - any failure of a peer is a result to report
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"reads": False, "reason": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}"}
    times = []
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return {"reads": True, "median_s": statistics.median(times), "times_s": times}


def galvani_worker(files: list[str], repeats: int) -> None:
    """Runs inside .venv-bench-cycling-galvani: time upstream galvani's MPRfile on .mpr files."""
    _quiet()
    from importlib.metadata import version

    from galvani.BioLogic import MPRfile

    out: dict[str, Any] = {"version": version("galvani")}
    for f in files:

        def load(f: str = f) -> Any:
            with open(f, "rb") as fh:
                return MPRfile(fh).data

        out[Path(f).name] = _time(load, repeats)
    print(json.dumps(out))


def upstream_galvani(files: list[Path], repeats: int) -> dict[str, Any]:
    py = GALVANI_VENV / "bin" / "python"
    if not py.exists():
        print(f"[bench] creating {GALVANI_VENV} with galvani", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(GALVANI_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "galvani", "numpy"], check=True)
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
    from galvani.BioLogic import MPRfile
    from navani import echem

    from cellworks.cycling.cycles import summarize
    from cellworks.cycling.readers import read

    files = fixture_files()
    versions = {
        "navani": version("navani"),
        "cellpy": version("cellpy"),
        "NewareNDA": version("NewareNDA"),
        "galvani (datalab-org fork, navani's dependency)": version("datalab-org-galvani"),
    }
    upstream = upstream_galvani(files, repeats)
    if "version" in upstream:
        versions["galvani (upstream)"] = upstream["version"]
    results: dict[str, Any] = {}
    verdicts: list[dict[str, Any]] = []
    for f in files:
        p = str(f)
        ext = f.suffix.lower()
        entry: dict[str, Any] = {}
        # maccor_two.txt ends inside record 214 upstream; cellpy drops that record, we are told to
        trunc = f.name == "maccor_two.txt"
        load = _time(lambda p=p, trunc=trunc: read(p, allow_truncated=trunc), repeats)
        both = _time(lambda p=p, trunc=trunc: summarize(read(p, allow_truncated=trunc)), repeats)
        if not load["reads"]:
            entry["cellworks"] = load
            results[f.name] = entry
            continue
        entry["rows"] = len(read(p, allow_truncated=trunc))
        entry["cellworks"] = {"load_s": load["median_s"], "load_summary_s": both["median_s"]}
        peers: dict[str, Any] = {}
        peers["navani"] = {"mode": "load+summary", **_time(lambda p=p: echem.cycle_summary(echem.echem_file_loader(p)), repeats)}
        ins, model = CELLPY_INSTRUMENT.get(ext, (None, None))
        if ins is not None:
            kw = {"model": model} if model else {}
            peers["cellpy"] = {"mode": "load+summary", **_time(lambda p=p, ins=ins, kw=kw: cellpy.get(p, instrument=ins, mass=1.0, **kw), repeats)}
        if ext in (".nda", ".ndax"):
            peers["NewareNDA"] = {"mode": "load", **_time(lambda p=p: NewareNDA.read(p), repeats)}
        if ext == ".mpr":

            def fork_load(p: str = p) -> Any:
                with open(p, "rb") as fh:
                    return MPRfile(fh).data

            peers["galvani (datalab-org fork)"] = {"mode": "load", **_time(fork_load, repeats)}

            def fork_table(p: str = p) -> Any:  # what a user (and navani) does next: a DataFrame
                import pandas as pd

                with open(p, "rb") as fh:
                    return pd.DataFrame(MPRfile(fh).data)

            peers["galvani (datalab-org fork) + DataFrame"] = {"mode": "load", "informational": True, **_time(fork_table, repeats)}
            if f.name in upstream:
                peers["galvani (upstream)"] = {"mode": "load", **upstream[f.name]}
            elif "error" in upstream:
                peers["galvani (upstream)"] = {"mode": "load", "reads": False, "reason": upstream["error"]}
        for name, r in peers.items():
            if not r.get("reads"):
                continue
            ours = entry["cellworks"]["load_summary_s" if r["mode"] == "load+summary" else "load_s"]
            r["ratio"] = r["median_s"] / ours
            r.pop("times_s", None)
            if r.get("informational"):
                continue
            target = 3.0 if name in ("navani", "cellpy") else 1.0
            r["target_ratio"] = target
            r["met"] = bool(r["ratio"] >= target)
            verdicts.append({"file": f.name, "peer": name, "mode": r["mode"], "ratio": r["ratio"], "target": target, "met": r["met"]})
        entry["peers"] = peers
        results[f.name] = entry
    return {
        "benchmark": "cycling_vs_peers",
        "repeats": repeats,
        "statistic": "median wall time (s) after one warm-up; ratio = peer / cellworks",
        "versions": versions,
        "files": results,
        "comparisons": verdicts,
        "all_targets_met": all(v["met"] for v in verdicts) if verdicts else False,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--galvani-worker", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
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
    print(f"{'file':32s} {'peer':32s} {'mode':13s} {'ratio':>7s} {'target':>6s}")
    for v in out["comparisons"]:
        print(f"{v['file']:32s} {v['peer']:32s} {v['mode']:13s} {v['ratio']:7.2f} {v['target']:6.1f} {'ok' if v['met'] else 'MISSED'}")
    for fname, e in out["files"].items():
        for peer, r in e.get("peers", {}).items():
            if not r.get("reads"):
                print(f"{fname:32s} {peer:32s} cannot read: {r['reason']}")
    _ = os


if __name__ == "__main__":
    main()
