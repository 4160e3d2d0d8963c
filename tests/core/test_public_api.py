"""Every part exposes a small public API through ``__all__``; names are functions or classes, never
modules, whatever was imported before (a submodule named like a function would shadow it)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import pytest

PARTS = ("lis", "cycling", "eis", "pack", "gcms", "protocol")


def _submodules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    return [m.name for m in pkgutil.walk_packages(pkg.__path__, prefix=package + ".")]


@pytest.mark.parametrize("part", PARTS)
def test_all_names_are_functions_or_classes(part: str) -> None:
    mod = importlib.import_module(f"cellworks.{part}")
    assert mod.__all__, part
    for name in mod.__all__:
        value = getattr(mod, name)
        assert not isinstance(value, types.ModuleType), f"cellworks.{part}.{name} is a module"
        assert callable(value) or isinstance(value, (dict, str)), f"cellworks.{part}.{name}"


@pytest.mark.parametrize("part", PARTS)
def test_every_public_function_and_class_has_a_docstring(part: str) -> None:
    import inspect

    mod = importlib.import_module(f"cellworks.{part}")
    missing = [n for n in mod.__all__ if (inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n)))
               and not (getattr(mod, n).__doc__ or "").strip()]
    assert missing == []


@pytest.mark.parametrize("part", PARTS)
def test_public_names_survive_importing_every_submodule_first(part: str) -> None:
    # fresh interpreter: import every submodule of the part, then resolve each public name
    code = (
        "import importlib, pkgutil, types\n"
        f"pkg = importlib.import_module('cellworks.{part}')\n"
        f"for m in pkgutil.walk_packages(pkg.__path__, prefix='cellworks.{part}.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in pkg.__all__ if isinstance(getattr(pkg, n), types.ModuleType)]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_eis_simulate_is_a_function_after_any_import_order() -> None:
    code = (
        "import cellworks.eis.circuits, cellworks.eis.cli, cellworks.eis.fitting\n"
        "from cellworks.eis import simulate\n"
        "import types; print(isinstance(simulate, types.FunctionType))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_no_part_imports_another_part_except_through_its_public_api() -> None:
    # a module of cellworks.<part> may use another part only as `from cellworks.<other> import name`
    import ast
    from pathlib import Path

    root = Path(importlib.import_module("cellworks").__file__).parent
    offenders = []
    for part in ("lis", "cycling", "eis", "pack", "gcms"):
        for path in (root / part).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    bits = name.split(".")
                    if len(bits) >= 2 and bits[0] == "cellworks" and bits[1] in PARTS and bits[1] != part:
                        if len(bits) > 2:
                            offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []


def test_no_module_name_records_history() -> None:
    from pathlib import Path

    root = Path(importlib.import_module("cellworks").__file__).parent
    bad = [str(p.relative_to(root)) for p in root.rglob("*.py")
           if any(word in p.stem for word in ("part2", "foundation", "_cli"))]
    assert bad == []


def test_no_source_file_over_600_lines() -> None:
    from pathlib import Path

    root = Path(importlib.import_module("cellworks").__file__).parent
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}


def test_no_import_fallback_around_cellworks_modules() -> None:
    """Issue 19: cellworks' own modules are always there; a try/except ImportError around them hides bugs."""
    import ast
    from pathlib import Path

    src = Path(importlib.import_module("cellworks").__file__).parent  # type: ignore[arg-type]
    offenders = []
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for stmt in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                mod = stmt.module if isinstance(stmt, ast.ImportFrom) else None
                names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else []
                if (mod or "").startswith("cellworks") or any(n.startswith("cellworks") for n in names):
                    offenders.append(f"{path.relative_to(src)}:{stmt.lineno}")
    assert offenders == []
