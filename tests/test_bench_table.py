"""benchmarks/_table.py: every benchmark's rows reach the one table; failures show as rows, never vanish."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

TABLE_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "_table.py"


@pytest.fixture(scope="module")
def table_mod():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_table", TABLE_PY)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_table"] = mod
    spec.loader.exec_module(mod)
    return mod


def _write(d: Path, name: str, body: str) -> None:
    (d / name).write_text(textwrap.dedent(body), encoding="utf-8")


GOOD_ROWS = [
    {
        "work": "w1",
        "peer": "p1",
        "peer_s": 0.02,
        "cellworks_s": 0.001,
        "ratio": 20.0,
        "same_result": True,
        "check": "max|dV| 1e-7 V <= 1e-4 V",
    },
    {
        "work": "w2 (context)",
        "peer": "p2",
        "peer_s": None,
        "cellworks_s": 0.5,
        "ratio": None,
        "same_result": True,
        "check": "counts equal",
    },
]


@pytest.fixture()
def bench_dir(tmp_path: Path) -> Path:
    d = tmp_path / "benchmarks"
    d.mkdir()
    main = 'if __name__ == "__main__":\n    main()\n'
    _write(
        d,
        "good.py",
        f"import json\ndef main():\n    print('warming up')\n    print(json.dumps({{'rows': {GOOD_ROWS!r}}}, indent=2))\n"
        + main,
    )
    _write(
        d,
        "crash.py",
        "import sys\ndef main():\n    print('Traceback: boom', file=sys.stderr)\n    sys.exit(3)\n" + main,
    )
    _write(d, "norows.py", "import json\ndef main():\n    print(json.dumps({'ratio': 3.0}))\n" + main)
    _write(
        d,
        "partial.py",
        "import json\ndef main():\n    print(json.dumps({'rows': [{'work': 'x', 'peer': 'y'}]}))\n" + main,
    )
    _write(d, "silent.py", "def main():\n    pass\n" + main)
    _write(d, "_private.py", "raise SystemExit('must never run')\n")
    _write(d, "synth_helper.py", "def make():\n    return 1\n")
    return d


def test_rows_and_problems_all_reach_the_table(table_mod, bench_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results"
    code = table_mod.main(["--dir", str(bench_dir), "--out", str(out), "--timeout", "60"])
    assert code == 1  # a failed benchmark makes make bench fail, after printing the table
    table = json.loads((out / "table.json").read_text(encoding="utf-8"))
    by_bench: dict[str, list[dict]] = {}
    for r in table["rows"]:
        by_bench.setdefault(r["benchmark"], []).append(r)
    # every benchmark appears; _private.py and the helper module without __main__ do not run
    assert sorted(by_bench) == ["crash", "good", "norows", "partial", "silent"]
    assert table["skipped_helpers"] == ["synth_helper.py"]
    good = by_bench["good"]
    assert [r["work"] for r in good] == ["w1", "w2 (context)"]
    assert good[0]["ratio"] == 20.0 and good[0]["same_result"] is True and not good[0]["problem"]
    assert good[1]["ratio"] is None and good[1]["peer_s"] is None
    assert "exit 3" in by_bench["crash"][0]["check"] and "boom" in by_bench["crash"][0]["check"]
    assert "no 'rows'" in by_bench["norows"][0]["check"]
    assert "missing peer_s" in by_bench["partial"][0]["check"]
    assert "no JSON" in by_bench["silent"][0]["check"]
    for name in ("crash", "norows", "partial", "silent"):
        assert by_bench[name][0]["problem"] and by_bench[name][0]["same_result"] is False
    assert json.loads((out / "good.json").read_text(encoding="utf-8"))["rows"] == GOOD_ROWS
    printed = capsys.readouterr().out
    header = printed.splitlines()[0]
    for col in ("work", "peer", "peer time", "cellworks time", "ratio", "same result", "check"):
        assert col in header
    assert "20×" in printed and "20 ms" in printed and "1 ms" in printed


def test_all_good_exits_zero_and_reprints_from_saved(
    table_mod, bench_dir: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "results"
    assert table_mod.main(["--dir", str(bench_dir), "--out", str(out), "--only", "good"]) == 0
    first = capsys.readouterr().out
    assert table_mod.main(["--from", str(out)]) == 0
    again = capsys.readouterr().out
    assert first.splitlines()[:4] == again.splitlines()[:4]


def test_a_context_row_that_differs_is_shown_but_does_not_fail(table_mod, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "b"
    d.mkdir()
    row = dict(GOOD_ROWS[1], same_result=False, check="context only: another score")
    _write(
        d,
        "ctx.py",
        f"import json\nif __name__ == '__main__':\n    print(json.dumps({{'rows': [{row!r}]}}))\n",
    )
    assert table_mod.main(["--dir", str(d), "--out", str(tmp_path / "r")]) == 0
    assert "no (context)" in capsys.readouterr().out


def test_a_row_whose_result_differs_fails_the_run(table_mod, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "b"
    d.mkdir()
    row = dict(GOOD_ROWS[0], same_result=False)
    _write(
        d,
        "differs.py",
        f"import json\nif __name__ == '__main__':\n    print(json.dumps({{'rows': [{row!r}]}}))\n",
    )
    assert table_mod.main(["--dir", str(d), "--out", str(tmp_path / "r")]) == 1
    (r,) = json.loads((tmp_path / "r" / "table.json").read_text(encoding="utf-8"))["rows"]
    assert r["same_result"] is False and not r["problem"]


def test_timeout_becomes_a_row(table_mod, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "b"
    d.mkdir()
    _write(d, "hangs.py", "import time\nif __name__ == '__main__':\n    time.sleep(30)\n")
    assert table_mod.main(["--dir", str(d), "--out", str(tmp_path / "r"), "--timeout", "1"]) == 1
    (r,) = json.loads((tmp_path / "r" / "table.json").read_text(encoding="utf-8"))["rows"]
    assert r["problem"] and r["check"].startswith("timed out")


def test_every_cellworks_name_a_benchmark_imports_exists() -> None:
    """A benchmark imports cellworks inside its functions (after re-executing in its peer venv), so a
    renamed module shows up only when `make bench` runs; this finds it in `make test` instead."""
    import ast
    import importlib
    from pathlib import Path

    missing = []
    for path in sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cellworks"):
                mod = importlib.import_module(node.module or "")
                for alias in node.names:
                    if not hasattr(mod, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            missing.append(f"{path.name}:{node.lineno}: {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("cellworks"):
                        importlib.import_module(alias.name)
    assert missing == []
