"""Make edited copies of an ANDI netCDF file (test helper): drop variables, overwrite values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import netcdf_file


def edited_copy(src: Path, dst: Path, drop: tuple[str, ...] = (),
                edit: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None) -> Path:
    edit = edit or {}
    with netcdf_file(src, "r", mmap=False) as nin, netcdf_file(dst, "w", version=nin.version_byte) as nout:
        for k, v in nin._attributes.items():
            setattr(nout, k, v)
        # scipy writes the record (unlimited) dimension first
        for name, size in sorted(nin.dimensions.items(), key=lambda kv: kv[1] is not None):
            nout.createDimension(name, size)
        for name, var in nin.variables.items():
            if name in drop:
                continue
            data: Any = np.array(var.data, copy=True)
            if name in edit:
                data = edit[name](data)
            out = nout.createVariable(name, var.data.dtype, var.dimensions)
            for k, v in var._attributes.items():
                setattr(out, k, v)
            if data.shape == ():
                out.assignValue(data)
            else:
                out[:] = data
    return dst
