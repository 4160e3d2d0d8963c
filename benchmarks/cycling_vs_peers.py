"""cellworks.cycling against navani, cellpy, NewareNDA, fastnda, galvani and PyProBE on every fixture.

For every fixture file (tests/data/cycling; more with ``CELLWORKS_BENCH_EXTRA=dir``) and every
peer that reads its format, like for like:

* navani (``echem_file_loader`` + ``cycle_summary``) and cellpy (``cellpy.get``, which builds its
  step table and summary): **load + summary**, against cellworks ``read`` + ``summarize``
  (target ≥ 3). Same result: the total discharge capacity, 1e-3 relative (peers differ in how
  they pair half-cycles, never in the charge the instrument counted).
* NewareNDA (``NewareNDA.read``) and fastnda (``fastnda.read``, polars): **load**, against
  cellworks ``read`` (the validated cellworks table: more work than either) (target ≥ 1). Same
  result: record count and voltages within 1e-6 V.
* PyProBE (``process_cycler_data``, polars; it writes its Parquet table, which is its load):
  **load**, against ``read`` (target ≥ 1). Same result: record count and voltages within 1e-6 V.
* galvani (``MPRfile(fh).data``: the raw record array): **load (raw columns)**, against cellworks
  ``read_mpr_columns`` (the same work: raw columns under EC-Lab's names) (target ≥ 1). Same result:
  every shared column bit for bit. galvani + ``pandas.DataFrame`` against ``read`` is reported
  for context (no target).

Timing: one warm-up call of each side (which also tests whether the peer reads the file at all),
then ``--repeats`` calls of cellworks and the peer interleaved (alternating which goes first) so
both see the same machine load; medians, quartiles, and the ratio range from the quartiles (a
ratio whose range straddles 1 is noise, and is shown as such). ``os.getloadavg()`` before and
after. A peer that cannot read a file is listed with the error it raised.

Environments: peers never become cellworks dependencies. ``.venv-bench-cycling`` (navani, cellpy,
NewareNDA, pyarrow < 20 for navani's numpy < 2); ``.venv-bench-cycling-galvani`` (upstream galvani,
which shares its package directory with navani's fork); ``.venv-bench-cycling-polars`` (fastnda,
PyProBE-Data: polars). The last two are timed in subprocesses against cellworks imported there.

Usage: ``python benchmarks/cycling_vs_peers.py [--json] [--repeats N]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = ["navani", "cellpy", "NewareNDA", "pyarrow<20"]
MODULES = ["navani", "cellpy", "NewareNDA"]
GALVANI_VENV = ROOT / ".venv-bench-cycling-galvani"
POLARS_VENV = ROOT / ".venv-bench-cycling-polars"
SKIP_SUFFIXES = (".md", ".ftr", ".py")

#: cellpy instrument (and model) for a fixture, by name then by extension
CELLPY_BY_NAME: dict[str, tuple[str, str | None]] = {
    "cellpy_maccor_three.txt": ("maccor_txt", "three"),
    "cellpy_maccor_one_trimmed.txt": ("maccor_txt", "one"),
    "cellpy_maccor_002_trimmed.txt": ("maccor_txt", "two"),
    "maccor_two.txt": ("maccor_txt", "two"),
    "cellpy_batmo_bdf_trimmed.csv": ("batmo_bdf", None),
    "battdat_arbin_example.csv": ("arbin_sql_csv", None),
    "arbin_mits7_Channel_11.xlsx": ("arbin_sql_xlsx", None),
}
CELLPY_BY_EXT: dict[str, tuple[str, str | None]] = {
    ".mpr": ("biologics_mpr", None), ".nda": ("neware_nda", None), ".ndax": ("neware_nda", None),
    ".res": ("arbin_res", None), ".001": ("maccor_txt", "zero"), ".002": ("maccor_txt", "zero"),
    ".041": ("maccor_txt", "one"), ".052": ("maccor_txt", "zero"), ".078": ("maccor_txt", "zero"),
}
#: PyProBE cycler keys by extension (it reads BTSDA Neware CSV/XLSX, BioLogic text, Maccor CSV, Arbin MITS 8)
PYPROBE_BY_EXT = {".mpt": "biologic", ".csv": "arbin", ".xlsx": "arbin"}


def fixture_files() -> list[Path]:
    folders = [ROOT / "tests" / "data" / "cycling"]
    extra = os.environ.get("CELLWORKS_BENCH_EXTRA")
    if extra:
        folders.append(Path(extra))
    out = []
    for folder in folders:
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES and not p.name.endswith(".btsda.parquet"):
                out.append(p)
    return out


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
    text = " ".join(str(exc).split())
    return {"reads": False, "reason": f"{type(exc).__name__}: {text[:240]}"}


def time_pair(ours: Any, peer: Any, repeats: int) -> dict[str, Any]:
    """Warm up both, then time them interleaved: medians, quartiles and the ratio range."""
    try:
        peer_out = _call_quiet(peer)  # warm-up, and the test whether the peer reads the file at all
    except BaseException as exc:  # noqa: BLE001 - any failure of a peer is a result to report
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _failure(exc)
    ours_out = _call_quiet(ours)
    t_ours: list[float] = []
    t_peer: list[float] = []
    for k in range(repeats):
        order = ((ours, t_ours), (peer, t_peer)) if k % 2 == 0 else ((peer, t_peer), (ours, t_ours))
        for fn, acc in order:
            t0 = time.perf_counter()
            _call_quiet(fn)
            acc.append(time.perf_counter() - t0)
    qo, qp = statistics.quantiles(t_ours, n=4), statistics.quantiles(t_peer, n=4)
    m_ours, m_peer = statistics.median(t_ours), statistics.median(t_peer)
    return {"reads": True, "peer_s": m_peer, "cellworks_s": m_ours, "ratio": m_peer / m_ours,
            "ratio_range": [qp[0] / qo[2], qp[2] / qo[0]], "peer_iqr_s": [qp[0], qp[2]],
            "cellworks_iqr_s": [qo[0], qo[2]], "repeats": repeats, "_ours": ours_out, "_peer": peer_out}


def same_voltages(n_ours: int, v_ours: Any, n_peer: int, v_peer: Any) -> tuple[bool, str]:
    import numpy as np

    if n_ours != n_peer:
        return False, f"records: {n_ours} vs {n_peer}"
    d = float(np.max(np.abs(np.asarray(v_ours, float) - np.asarray(v_peer, float)))) if n_ours else 0.0
    return d <= 1e-6, f"{n_ours} records each; voltages within 1e-6 V (max difference {d:.1e} V)"


def same_discharge(ours_mAh: float, peer_mAh: float) -> tuple[bool, str]:
    rel = abs(ours_mAh - peer_mAh) / max(abs(ours_mAh), 1e-12)
    ok = rel <= 1e-3 or (ours_mAh == peer_mAh == 0)
    text = f"total discharge capacity {ours_mAh:.6g} (cellworks) vs {peer_mAh:.6g} (peer) mAh, 1e-3 relative"
    if not ok:
        text += ("; they differ: cellworks' figure is checked against the instrument's counters or ∫I dt in "
                 "tests/cycling/test_field_layouts.py")
    return ok, text


def row(work: str, peer: str, r: dict[str, Any], same: tuple[bool, str] | None, target: float | None) -> dict[str, Any]:
    if not r.get("reads"):
        return {"work": work, "peer": peer, "peer_s": None, "cellworks_s": None, "ratio": None, "same_result": False,
                "check": f"peer cannot read this file: {r['reason']}", "target": None, "met": None}
    out = {k: v for k, v in r.items() if not k.startswith("_") and k != "reads"}
    out.update({"work": work, "peer": peer, "same_result": bool(same[0]) if same else True,
                "check": same[1] if same else "context only", "target": target,
                "met": (bool(r["ratio"] >= target) if target else None)})
    if target is None or (same is not None and not same[0]):
        # not like for like (other work, or a different answer): times shown, no ratio claimed
        out["ratio_context"], out["ratio"], out["met"], out["target"] = out["ratio"], None, None, None
        out["ratio_note"] = ("context only: the peer's result differs" if target is not None
                             else "context only: not the same work")
    return out


# ----------------------------------------------------------------------------------- workers
def galvani_worker(files: list[str], repeats: int) -> None:
    """In .venv-bench-cycling-galvani: upstream galvani vs cellworks' raw-column reader."""
    _quiet()
    import numpy as np
    import pandas as pd
    from galvani.BioLogic import MPRfile

    sys.path.insert(0, str(ROOT / "src"))
    from cellworks.cycling.readers.biologic import read_mpr_columns

    rows = []
    for f in files:

        def load(f: str = f) -> Any:
            with open(f, "rb") as fh:
                return MPRfile(fh).data

        r = time_pair(lambda f=f: read_mpr_columns(f), load, repeats)
        same = None
        if r.get("reads"):
            cols, rec = r["_ours"][0], r["_peer"]
            shared = [c for c in rec.dtype.names if c in cols]
            ok = all(np.array_equal(np.asarray(cols[c]), rec[c]) for c in shared) and len(shared) > 2
            same = (ok, f"{len(shared)} shared raw columns bit for bit")
        rows.append(row(f"{Path(f).name}: load (raw columns)", "galvani (upstream)", r, same, 1.0))

        def table(f: str = f) -> Any:
            with open(f, "rb") as fh:
                return pd.DataFrame(MPRfile(fh).data)
        try:
            from cellworks.cycling.readers import read

            rows.append(row(f"{Path(f).name}: load to a table", "galvani (upstream) + DataFrame",
                            time_pair(lambda f=f: read(f), table, repeats),
                            (True, "context only: cellworks' read() also types steps, derives capacities and "
                             "validates the table; galvani's DataFrame is the raw columns"), None))
        except ImportError as exc:  # the full reader needs cellworks' dependencies
            rows.append(row(f"{Path(f).name}: load to a table", "galvani (upstream) + DataFrame", _failure(exc), None, None))
    print(json.dumps(rows))


def polars_worker(files: list[str], repeats: int) -> None:
    """In .venv-bench-cycling-polars: fastnda and PyProBE vs cellworks ``read``."""
    _quiet()
    from importlib.metadata import version

    import fastnda
    import pyprobe

    from cellworks.cycling.readers import read

    rows: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    for f in files:
        p = Path(f)
        ext = p.suffix.lower()
        ours = lambda f=f: read(f)  # noqa: E731
        if ext in (".nda", ".ndax"):
            r = time_pair(ours, lambda f=f: fastnda.read(f), repeats)
            same = None
            if r.get("reads"):
                o, q = r["_ours"], r["_peer"]
                same = same_voltages(len(o), o.table["voltage_V"], q.height, q["voltage_V"].to_numpy())
            rows.append(row(f"{p.name}: load", "fastnda", r, same, 1.0))
        cycler = PYPROBE_BY_EXT.get(ext)
        if cycler:
            out = tmp / (p.name + ".parquet")

            def probe(f: str = f, out: Path = out, cycler: str = cycler) -> Any:
                import polars as pl

                pyprobe.process_cycler_data(cycler, f, output_data_path=str(out), overwrite_existing=True)
                return pl.read_parquet(out)

            r = time_pair(ours, probe, repeats)
            same = None
            if r.get("reads"):
                o, q = r["_ours"], r["_peer"]
                same = same_voltages(len(o), o.table["voltage_V"], q.height, q["Voltage [V]"].to_numpy())
            rows.append(row(f"{p.name}: load", "PyProBE", r, same, 1.0))
    print(json.dumps({"rows": rows, "versions": {"fastnda": version("fastnda"), "PyProBE-Data": version("PyProBE-Data"),
                                                  "polars": version("polars")}}))


def _venv(venv: Path, packages: list[str]) -> Path:
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"[bench] creating {venv} with {' '.join(packages)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)
    return py


def run_worker(venv: Path, packages: list[str], flag: str, files: list[Path], repeats: int) -> Any:
    if not files:
        return []
    py = _venv(venv, packages)
    res = subprocess.run([str(py), __file__, flag, *map(str, files), "--repeats", str(repeats)],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or [f"exit {res.returncode}"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------- main run
def run(repeats: int) -> dict[str, Any]:
    _quiet()
    from importlib.metadata import version

    import cellpy
    import NewareNDA
    from navani import echem

    from cellworks.cycling.readers import read
    from cellworks.cycling.summary import summarize

    load_before = os.getloadavg()
    files = fixture_files()
    rows: list[dict[str, Any]] = []
    for f in files:
        p = str(f)
        ext = f.suffix.lower()

        def ours_load(p: str = p) -> Any:
            return read(p)

        def ours_both(p: str = p) -> Any:
            return summarize(read(p))

        def navani_both(p: str = p) -> Any:
            return echem.cycle_summary(echem.echem_file_loader(p))

        r = time_pair(ours_both, navani_both, repeats)
        same = None
        if r.get("reads"):
            peer = r["_peer"]
            q_peer = float(peer["Discharge Capacity"].fillna(0).sum()) if "Discharge Capacity" in peer else float("nan")
            # navani's capacities: mAh (Arbin Ah ×1000, BioLogic/Neware mAh)
            same = same_discharge(float(r["_ours"].table["discharge_capacity_mAh"].sum()), q_peer)
        rows.append(row(f"{f.name}: load + summary", "navani", r, same, 3.0))
        ins, model = CELLPY_BY_NAME.get(f.name) or CELLPY_BY_EXT.get(ext, (None, None))
        if ins is not None:
            kw = {"model": model} if model else {}
            r = time_pair(ours_both, lambda p=p, ins=ins, kw=kw: cellpy.get(p, instrument=ins, mass=1.0, **kw), repeats)
            same = None
            if r.get("reads"):
                summ = r["_peer"].data.summary
                col = next((c for c in summ.columns if c.startswith("discharge_capacity") and "gravimetric" not in c
                            and "areal" not in c), None)
                # cellpy's summary 'discharge_capacity' is in the file's raw charge unit
                unit = getattr(r["_peer"].data.raw_units, "charge", "mAh")
                # cellpy's neware_nda loader keeps NewareNDA's mAh counters (raw column 'capacity_mAh')
                # but labels its raw charge unit 'Ah': its summary is in mAh there
                neware_mAh = ins == "neware_nda" and "capacity_mAh" in r["_peer"].data.raw.columns
                if neware_mAh:
                    unit = "mAh"
                q_peer = float(summ[col].sum()) * {"Ah": 1e3, "mAh": 1.0, "uAh": 1e-3}.get(unit, 1.0) if col else float("nan")
                same = same_discharge(float(r["_ours"].table["discharge_capacity_mAh"].sum()), q_peer)
                if neware_mAh:
                    same = (same[0], same[1] + " (cellpy's Neware summary read as mAh: it labels NewareNDA's mAh "
                            "counters 'Ah')")
            rows.append(row(f"{f.name}: load + summary", "cellpy", r, same, 3.0))
        if ext in (".nda", ".ndax"):
            r = time_pair(ours_load, lambda p=p: NewareNDA.read(p), repeats)
            same = None
            if r.get("reads"):
                o, q = r["_ours"], r["_peer"]
                same = same_voltages(len(o), o.table["voltage_V"], len(q), q["Voltage"].to_numpy())
            rows.append(row(f"{f.name}: load", "NewareNDA", r, same, 1.0))
    mpr = [f for f in files if f.suffix.lower() == ".mpr"]
    galv = run_worker(GALVANI_VENV, ["galvani", "numpy", "pandas"], "--galvani-worker", mpr, repeats)
    polars = run_worker(POLARS_VENV, ["-e", str(ROOT), "fastnda", "PyProBE-Data"], "--polars-worker",
                        [f for f in files if f.suffix.lower() in (".nda", ".ndax", *PYPROBE_BY_EXT)], repeats)
    for name, res in (("galvani (upstream)", galv), ("fastnda / PyProBE", polars)):
        if isinstance(res, dict) and "error" in res:
            rows.append({"work": "(worker)", "peer": name, "peer_s": None, "cellworks_s": None, "ratio": None,
                         "same_result": False, "check": f"worker failed: {res['error']}", "target": None, "met": None})
    rows += galv if isinstance(galv, list) else []
    rows += polars.get("rows", []) if isinstance(polars, dict) else []
    versions = {"navani": version("navani"), "cellpy": version("cellpy"), "NewareNDA": version("NewareNDA"),
                "numpy (bench venv)": version("numpy"), "pandas (bench venv)": version("pandas")}
    if isinstance(polars, dict):
        versions.update(polars.get("versions", {}))
    timed = [r for r in rows if r.get("ratio") is not None and r.get("target")]
    return {
        "benchmark": "cycling_vs_peers",
        "repeats": repeats,
        "statistic": ("median wall time (s) of interleaved runs after one warm-up of each side; ratio = peer median / "
                      "cellworks median (> 1: cellworks faster); ratio_range from the quartiles"),
        "targets": {"load + summary": "≥ 3 against navani and cellpy", "load": "≥ 1 against every peer"},
        "loadavg_before": list(load_before),
        "loadavg_after": list(os.getloadavg()),
        "cpu_count": os.cpu_count(),
        "versions": versions,
        "rows": rows,
        "all_targets_met": all(r["met"] for r in timed) if timed else False,
        "targets_missed": [f"{r['work']} vs {r['peer']}: {r['ratio']:.2f} (range {r['ratio_range'][0]:.2f}–"
                           f"{r['ratio_range'][1]:.2f})" for r in timed if not r["met"]],
        "peers_that_cannot_read": sum(1 for r in rows if r.get("peer_s") is None),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeats", type=int, default=11, help="timed runs per side (at least 7)")
    ap.add_argument("--galvani-worker", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--polars-worker", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeats < 7:
        ap.error("--repeats must be at least 7 (medians of at least 7 runs)")
    if args.galvani_worker is not None:
        galvani_worker(args.galvani_worker, args.repeats)
        return
    if args.polars_worker is not None:
        polars_worker(args.polars_worker, args.repeats)
        return
    sys.path.insert(0, str(HERE))
    from _env import ensure

    ensure("cycling", REQUIREMENTS, MODULES)
    out = run(args.repeats)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"load average before/after: {out['loadavg_before']} / {out['loadavg_after']}")
    print(f"{'work':62s} {'peer':32s} {'peer ms':>9s} {'ours ms':>9s} {'ratio':>7s} {'range':>13s} same")
    for r in out["rows"]:
        if r["peer_s"] is None:
            print(f"{r['work']:62s} {r['peer']:32s} {r['check'][:80]}")
            continue
        lo, hi = r["ratio_range"]
        flag = "" if r["met"] in (None, True) else "  MISSED"
        ratio = f"{r['ratio']:7.2f}" if r["ratio"] is not None else f"({r['ratio_context']:5.2f})"
        print(f"{r['work']:62s} {r['peer']:32s} {r['peer_s'] * 1e3:9.2f} {r['cellworks_s'] * 1e3:9.2f} "
              f"{ratio} {lo:6.2f}–{hi:<6.2f} {'yes' if r['same_result'] else 'NO'}{flag}")
    print("all targets met:", out["all_targets_met"])


if __name__ == "__main__":
    main()
