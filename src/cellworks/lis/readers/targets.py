"""The twin targets file (TOML) and the calibration result (JSON) of ``cellworks lis fit``.

A targets file holds, once, every number a document states that the twin is compared with or
calibrated on: the document (``[document]``), its protocols (``[experiments.<name>]``), its cells
(``[cells.<name>]``: recipe, fixed values, free parameters with bounds) and its published numbers
(``[[targets]]``, each with a ``role``: ``fitted`` — the calibration sees it — or ``held_out`` — a
prediction the calibration never reads). Plots and reports read the document's values from here.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from cellworks.errors import ParameterError

DATA_PACKAGE = "cellworks.lis.data"
TARGETS_FILE = "zhang2016_targets.toml"
FITTED_FILE = "zhang2016_fitted.json"
ROLES = ("fitted", "held_out")


def data_path(name: str) -> Path:
    """Path of a file packaged in ``cellworks.lis.data``."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath(name)))


def load_targets(path: Path | None = None) -> dict[str, Any]:
    """Read and check a targets file: cells, experiments and targets tables present, roles valid."""
    p = path or data_path(TARGETS_FILE)
    try:
        with open(p, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ParameterError("targets file not found", file=str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ParameterError(f"not valid TOML: {e}", file=str(p)) from None
    for key in ("cells", "experiments"):
        if key not in doc or not isinstance(doc[key], dict):
            raise ParameterError(f"needs a [{key}.<name>] table", file=str(p), field=key)
    items = doc.get("targets", [])
    if not isinstance(items, list):
        raise ParameterError("[[targets]] must be an array of tables", file=str(p), field="targets")
    for i, t in enumerate(items):
        role = t.get("role", "fitted") if isinstance(t, dict) else None
        if role not in ROLES:
            raise ParameterError(f"role must be one of {', '.join(ROLES)}, got {role!r}", file=str(p),
                                 record=f"targets[{i}]", field="role")
    return doc


def load_fitted(path: Path | None = None) -> dict[str, Any]:
    """Read a calibration result written by ``cellworks lis fit``."""
    p = path or data_path(FITTED_FILE)
    try:
        out = json.loads(p.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        raise ParameterError("fitted parameter file not found (run `cellworks lis fit`)", file=str(p)) from None
    except json.JSONDecodeError as e:
        raise ParameterError(f"not valid JSON: {e}", file=str(p)) from None
    if not isinstance(out, dict) or not isinstance(out.get("cells", {}), dict):
        raise ParameterError("expected an object with a 'cells' table", file=str(p), field="cells")
    return dict(out)


__all__ = ["DATA_PACKAGE", "FITTED_FILE", "ROLES", "TARGETS_FILE", "data_path", "load_fitted",
           "load_targets"]
