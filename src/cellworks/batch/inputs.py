"""Batch inputs: files, folders and parameter sets; their keys, hashes and the code version."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks import __version__
from cellworks._io import sha256_file
from cellworks.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

BatchInput = Path | Mapping[str, Any]
Task = Callable[[Any], "pd.DataFrame"]
_KEY_OK = re.compile(r"[^A-Za-z0-9._-]+")



def canonical_json(params: Mapping[str, Any]) -> str:
    """The canonical JSON of a parameter set: sorted keys, no spaces, NaN refused.

    Paths and other non-JSON scalars are written as strings; numpy scalars as numbers.
    """
    from cellworks.clikit import _to_jsonable

    def check(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                check(v, f"{where}.{k}" if where else str(k))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                check(v, f"{where}[{i}]")
        elif isinstance(value, float) or type(value).__module__ == "numpy":
            try:
                finite = math.isfinite(float(value))
            except (TypeError, ValueError):
                return
            if not finite:
                raise ParameterError("NaN or infinite value in a parameter set (not JSON)", field=where)

    check(params, "")
    try:
        return json.dumps(_to_jsonable(dict(params)), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter set is not JSON-able ({exc})", record=repr(params)[:80]) from None


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _safe_key(text: str) -> str:
    key = _KEY_OK.sub("_", text).strip("._") or "input"
    return key[:80]


def default_key(item: BatchInput) -> str:
    """Partition key of an input: ``<file stem>-<8 hex of its absolute path>`` for a file,
    ``p-<16 hex of the canonical JSON>`` for a parameter set. Never purely numeric, so every
    reader infers the partition column as text."""
    if isinstance(item, Path):
        digest = _sha256_text(str(item.resolve()))[:8]
        return f"{_safe_key(item.stem)}-{digest}"
    return f"p-{_sha256_text(canonical_json(item))[:16]}"


@dataclass(frozen=True)
class _Item:
    key: str
    kind: str  # "file" | "params"
    label: str  # the path, or the canonical JSON
    sha256: str
    payload: Any  # what the task receives

    def provenance(self, code_version: str, task_name: str) -> dict[str, Any]:
        """Who made a result: the fields the manifest row and the result file's metadata share."""
        return {"input_key": self.key, "input": self.label, "kind": self.kind, "sha256": self.sha256,
                "code_version": code_version, "cellworks_version": __version__, "task": task_name}


def _normalise(
    inputs: Iterable[BatchInput | str], key_fn: Callable[[BatchInput], str]
) -> list[_Item]:
    items: list[_Item] = []
    seen: dict[str, str] = {}
    for raw in inputs:
        if isinstance(raw, (str, os.PathLike)):
            path = Path(raw)
            if path.is_dir():  # a folder is one input (e.g. one day of GC-MS runs)
                item = _Item(key_fn(path), "folder", str(path), folder_sha256(path), path)
            elif path.is_file():
                item = _Item(key_fn(path), "file", str(path), sha256_file(path), path)
            else:
                raise InputError("input file not found", file=path)
        elif isinstance(raw, Mapping):
            text = canonical_json(raw)
            item = _Item(key_fn(raw), "params", text, _sha256_text(text), dict(raw))
        else:
            raise ParameterError(f"batch input must be a path or a mapping, not {type(raw).__name__}")
        if not item.key or _KEY_OK.search(item.key):
            raise ParameterError(
                f"key {item.key!r} of input {item.label} must be non-empty and use only A-Z a-z 0-9 . _ -"
            )
        if item.key in seen:
            raise ParameterError(
                f"inputs {seen[item.key]} and {item.label} have the same key {item.key!r}; "
                "pass a key_fn that tells them apart"
            )
        seen[item.key] = item.label
        items.append(item)
    return items


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        f for f in folder.rglob("*") if f.is_file() and not any(p.startswith(".") for p in f.relative_to(folder).parts)
    )


def folder_sha256(folder: str | Path) -> str:
    """SHA-256 of a folder's content: relative path and SHA-256 of every file below it (hidden
    files and folders skipped), in sorted order. Renaming, adding, removing or editing a file
    changes it; timestamps do not."""
    folder = Path(folder)
    h = hashlib.sha256()
    for f in _visible_files(folder):
        h.update(f"{f.relative_to(folder).as_posix()}\0{sha256_file(f)}\n".encode())
    return h.hexdigest()


def discover_files(
    paths: Sequence[str | Path], *, recursive: bool = False, patterns: Sequence[str] = ("*",)
) -> list[Path]:
    """Expand files and folders into a sorted list of files (hidden files and folders skipped).

    A folder contributes the files directly inside it matching any of ``patterns`` (``"*.parquet"``),
    or every file below it with ``recursive=True``. A named file is always kept.
    """
    found: set[Path] = set()
    for p in map(Path, paths):
        if p.is_file():
            found.add(p)
        elif p.is_dir():
            for pat in patterns:
                for f in p.rglob(pat) if recursive else p.glob(pat):
                    rel = f.relative_to(p).parts
                    if f.is_file() and not any(part.startswith(".") for part in rel):
                        found.add(f)
        else:
            raise InputError("no such file or folder", file=p)
    return sorted(found)


def code_version_of(task: Task, extra: Mapping[str, Any] | None = None) -> str:
    """``cellworks <version>; <module.function>[; <options sha>]``: what a result depends on
    besides its input. ``functools.partial`` keywords and ``extra`` options are hashed in."""
    func: Any = task
    opts: dict[str, Any] = dict(extra or {})
    while isinstance(func, functools.partial):
        opts = {**{f"arg{i}": a for i, a in enumerate(func.args)}, **func.keywords, **opts}
        func = func.func
    name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', type(func).__name__)}"
    version = f"cellworks {__version__}; {name}"
    if opts:
        version += f"; options {_sha256_text(canonical_json(opts))[:16]}"
    return version


