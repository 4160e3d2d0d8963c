"""Run every benchmark and print one table of their rows (``make bench``).

Every ``benchmarks/<name>.py`` (not ``_*.py``; modules without a ``__main__`` block are helpers and are
listed as skipped) runs as ``python <name>.py --json`` in its own process and prints one JSON object
with a ``rows`` list::

    {"work": str, "peer": str, "peer_s": float|null, "cellworks_s": float, "ratio": float|null,
     "same_result": bool, "check": str}

The rows of all benchmarks are printed as one table (work, peer, peer time, cellworks time, ratio,
same-result check) and written to ``bench-results/table.json``, each benchmark's whole JSON beside it
(``bench-results/<name>.json``). A benchmark that fails, times out, prints no JSON or no rows, or a row
that lacks a field, becomes a row saying so: nothing is dropped. Exit status 1 when any such row or any
timed row (one with a ratio) with ``same_result`` false is in the table; a context-only row (``ratio``
null) whose result differs is shown as "no (context)" and does not fail the run.

    python benchmarks/_table.py [--only NAME ...] [--timeout S] [--out bench-results]
    python benchmarks/_table.py --from bench-results      # re-print saved results without running
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIRED = ("work", "peer", "peer_s", "cellworks_s", "ratio", "same_result", "check")
COLUMNS = ("benchmark", "work", "peer", "peer time", "cellworks time", "ratio", "same result", "check")


# ------------------------------------------------------------------------------------------ discovery
def discover(directory: Path) -> tuple[list[Path], list[Path]]:
    """(benchmarks, helper modules) among ``directory/*.py``; ``_*.py`` are neither."""
    bench: list[Path] = []
    helpers: list[Path] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        (bench if "__name__" in text and "__main__" in text else helpers).append(path)
    return bench, helpers


# ------------------------------------------------------------------------------------------ running
def run_one(path: Path, timeout_s: float, python: str = sys.executable) -> dict[str, Any]:
    """Run ``python path --json``; stdout, stderr, return code (None on timeout) and wall time."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [python, str(path), "--json"], capture_output=True, text=True, timeout=timeout_s, cwd=ROOT
        )
        code: int | None = proc.returncode
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code = None
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    return {"returncode": code, "stdout": out, "stderr": err, "wall_s": time.perf_counter() - t0}


def parse_json(stdout: str) -> dict[str, Any] | None:
    """The JSON object a benchmark printed (the first top-level object on stdout), or None."""
    dec = json.JSONDecoder()
    for i, ch in enumerate(stdout):
        if ch == "{" and (i == 0 or stdout[i - 1] == "\n"):
            try:
                obj, _ = dec.raw_decode(stdout, i)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj
    return None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "(no output)"


def problem_row(name: str, what: str) -> dict[str, Any]:
    """The row that stands for a benchmark with no usable rows."""
    return {
        "benchmark": name,
        "work": "(no result)",
        "peer": "—",
        "peer_s": None,
        "cellworks_s": None,
        "ratio": None,
        "same_result": False,
        "check": what,
        "problem": True,
    }


def _number_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))


def normalise_row(name: str, i: int, row: Any) -> dict[str, Any]:
    """A benchmark's row with its benchmark name; a row missing or mistyping a field says which."""
    if not isinstance(row, dict):
        return problem_row(name, f"row {i} is not an object")
    missing = [k for k in REQUIRED if k not in row]
    bad = [k for k in ("peer_s", "cellworks_s", "ratio") if k in row and not _number_or_none(row[k])]
    if "same_result" in row and not isinstance(row["same_result"], bool):
        bad.append("same_result")
    if missing or bad:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"bad {', '.join(bad)}"] if bad else []
        )
        out = problem_row(name, f"row {i}: {'; '.join(parts)}")
        out["work"] = str(row.get("work", out["work"]))
        out["peer"] = str(row.get("peer", "—"))
        return out
    return {"benchmark": name, **{k: row[k] for k in REQUIRED}, "problem": False}


def rows_of(name: str, result: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Table rows for one benchmark run (``result`` from :func:`run_one`) and its parsed JSON."""
    code = result["returncode"]
    obj = parse_json(result["stdout"])
    if code is None:
        return [
            problem_row(name, f"timed out after {result['wall_s']:.0f} s: {_last_line(result['stderr'])}")
        ], obj
    if code != 0:
        return [problem_row(name, f"failed (exit {code}): {_last_line(result['stderr'])}")], obj
    if obj is None:
        return [problem_row(name, "printed no JSON object on stdout")], None
    rows = obj.get("rows")
    if not isinstance(rows, list) or not rows:
        keys = ", ".join(list(obj)[:8])
        return [problem_row(name, f"no 'rows' in its JSON (keys: {keys})")], obj
    return [normalise_row(name, i, r) for i, r in enumerate(rows)], obj


# ------------------------------------------------------------------------------------------ rendering
def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1.0:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "—"
    return f"{r:.3g}×"


def is_context(r: dict[str, Any]) -> bool:
    """A context-only row: no ratio, so a different result is information, not a failure (e.g. a peer
    that ranks by another score)."""
    return not r["problem"] and r["ratio"] is None


def same_cell(r: dict[str, Any]) -> str:
    if r["problem"]:
        return "—"
    if r["same_result"]:
        return "yes"
    return "no (context)" if is_context(r) else "NO"


def render(rows: list[dict[str, Any]]) -> str:
    """One Markdown-style table of all rows."""
    cells = [
        [
            r["benchmark"],
            str(r["work"]),
            str(r["peer"]),
            fmt_time(r["peer_s"]),
            fmt_time(r["cellworks_s"]),
            fmt_ratio(r["ratio"]),
            same_cell(r),
            str(r["check"]),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[j]) for c in cells)) if cells else len(h) for j, h in enumerate(COLUMNS)]
    widths[-1] = len(COLUMNS[-1])  # the check text is long: never pad the last column

    def line(vals: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)) + " |"

    out = [line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(c) for c in cells]
    return "\n".join(out)


def write_json(path: Path, obj: Any) -> None:
    """Atomic write (cellworks._io when importable here; the table must not need cellworks)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    try:
        from cellworks._io import atomic_write
    except ImportError:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return
    with atomic_write(path, "w") as fh:
        fh.write(text)


# ------------------------------------------------------------------------------------------ main
def collect(directory: Path, only: list[str] | None, timeout_s: float, out_dir: Path) -> dict[str, Any]:
    bench, helpers = discover(directory)
    if only:
        wanted = {o.removesuffix(".py") for o in only}
        unknown = wanted - {p.stem for p in bench}
        if unknown:
            raise SystemExit(f"_table.py: no benchmark named {', '.join(sorted(unknown))} in {directory}")
        bench = [p for p in bench if p.stem in wanted]
    rows: list[dict[str, Any]] = []
    runs: dict[str, Any] = {}
    for k, path in enumerate(bench, 1):
        print(f"[bench {k}/{len(bench)}] {path.name} …", file=sys.stderr, flush=True)
        res = run_one(path, timeout_s)
        got, obj = rows_of(path.stem, res)
        rows += got
        runs[path.stem] = {"returncode": res["returncode"], "wall_s": res["wall_s"], "n_rows": len(got)}
        if obj is not None:
            write_json(out_dir / f"{path.stem}.json", obj)
        status = "ok" if not any(r["problem"] for r in got) else "PROBLEM"
        print(
            f"[bench {k}/{len(bench)}] {path.name}: {status}, {len(got)} row(s), {res['wall_s']:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return {"rows": rows, "runs": runs, "skipped_helpers": [p.name for p in helpers]}


def load_saved(out_dir: Path) -> dict[str, Any]:
    """Re-build the table from saved ``<name>.json`` files (no benchmark is run)."""
    rows: list[dict[str, Any]] = []
    for path in sorted(out_dir.glob("*.json")):
        if path.name == "table.json":
            continue
        obj = json.loads(path.read_text(encoding="utf-8"))
        got, _ = rows_of(path.stem, {"returncode": 0, "stdout": json.dumps(obj), "stderr": "", "wall_s": 0.0})
        rows += got
    return {"rows": rows, "runs": {}, "skipped_helpers": []}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (file stems)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per benchmark (default 3600)")
    ap.add_argument(
        "--out", type=Path, default=ROOT / "bench-results", help="folder for table.json + each JSON"
    )
    ap.add_argument(
        "--from", dest="from_dir", type=Path, help="print the table from saved results, run nothing"
    )
    ap.add_argument("--dir", type=Path, default=HERE, help=argparse.SUPPRESS)  # tests point this elsewhere
    args = ap.parse_args(argv)
    if args.timeout <= 0:
        raise SystemExit("_table.py: --timeout must be > 0")
    if args.from_dir is not None:
        if not args.from_dir.is_dir():
            raise SystemExit(f"_table.py: {args.from_dir}: no such folder")
        table = load_saved(args.from_dir)
    else:
        table = collect(args.dir, args.only, args.timeout, args.out)
        table["written"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        write_json(args.out / "table.json", table)
    print(render(table["rows"]))
    if table["skipped_helpers"]:
        print(f"(helper modules, not benchmarks: {', '.join(table['skipped_helpers'])})")
    problems = sum(r["problem"] for r in table["rows"])
    differ = sum((not r["problem"]) and not is_context(r) and not r["same_result"] for r in table["rows"])
    if args.from_dir is None:
        print(f"written: {args.out / 'table.json'}")
    if problems or differ:
        print(
            f"{problems} row(s) without a result, {differ} timed row(s) whose results differ", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
