"""ANDI/AIA chromatography–mass spectrometry netCDF files (ASTM E1947/E2077, "AIA" export).

Read with ``scipy.io.netcdf_file`` (netCDF-3 classic / 64-bit offset, what every ANDI export
is). Quirks of real exports handled here:

* fill values: the netCDF default float fill ``9.9692099683868690e+36`` (or the variable's own
  ``_FillValue``) in ``time_values``, ``mass_values``, ``intensity_values`` or
  ``scan_acquisition_time`` means "not written": such points are dropped, such scan times are
  interpolated from their neighbours;
* missing instrument / administrative fields (absent variables or empty strings) are simply
  absent from the metadata;
* ``scan_index`` or ``point_count`` missing: one is derived from the other;
* ``scale_factor`` / ``add_offset`` attributes of the data variables are applied;
* chromatogram-only exports (``ordinate_values``/``raw_data_retention``, no spectra) give a
  :class:`Run` without spectra whose ``tic()`` is the stored trace.

Every problem (not netCDF, truncated, inconsistent index) raises
:class:`cellworks.errors.FileFormatError` naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cellworks.errors import FileFormatError
from cellworks.gcms.run import Run

#: netCDF-3 default fill value for float/double (``NC_FILL_FLOAT`` = ``NC_FILL_DOUBLE``).
NC_FILL = 9.9692099683868690e36
_FILL_THRESHOLD = 9.0e36

_INSTRUMENT_FIELDS = (
    "instrument_name", "instrument_id", "instrument_mfr", "instrument_model",
    "instrument_serial_no", "instrument_sw_version", "instrument_fw_version",
    "instrument_os_version", "instrument_app_version", "instrument_comments",
)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").replace("\x00", "").strip()
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return b"".join(value.ravel().tolist()).decode("latin-1").replace("\x00", "").strip()
    return str(value).strip()


def _is_fill(x: npt.NDArray[np.float64], fill: float | None) -> npt.NDArray[np.bool_]:
    bad = ~np.isfinite(x) | (np.abs(x) >= _FILL_THRESHOLD)
    if fill is not None and abs(fill) < _FILL_THRESHOLD:
        bad |= x == fill
    return bad


def _var(nc: Any, name: str) -> Any | None:
    v = nc.variables.get(name)
    return v


def _numeric(nc: Any, name: str, path: Path) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]] | None:
    """Variable as float64 with scale/offset applied, plus a mask of fill values."""
    v = _var(nc, name)
    if v is None:
        return None
    try:
        raw = np.asarray(v.data, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"cannot read numeric data: {exc}", file=path, field=name) from None
    attrs = getattr(v, "_attributes", {})
    fill = attrs.get("_FillValue")
    fill_f = float(np.asarray(fill).ravel()[0]) if fill is not None else None
    bad = _is_fill(raw, fill_f)
    scale = float(np.asarray(attrs.get("scale_factor", 1.0)).ravel()[0])
    offset = float(np.asarray(attrs.get("add_offset", 0.0)).ravel()[0])
    if scale == 0.0 or not np.isfinite(scale):  # a zero scale factor is a writer bug
        scale = 1.0
    out = raw * scale + offset
    return out, bad


def _metadata(nc: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in getattr(nc, "_attributes", {}).items():
        text = _text(value)
        if text:
            meta[key] = text
    for name in _INSTRUMENT_FIELDS:
        v = _var(nc, name)
        if v is not None:
            try:
                text = _text(np.asarray(v.data))
            except (TypeError, ValueError):
                text = ""
            if text:
                meta[name] = text
    # friendly aliases used across cellworks.gcms
    for alias, key in (("title", "experiment_title"), ("scan_function", "test_scan_function"),
                       ("ionization_mode", "test_ionization_mode"), ("date", "experiment_date_time_stamp"),
                       ("data_type", "experiment_type")):
        if key in meta:
            meta[alias] = meta[key]
    meta["format"] = "ANDI/AIA netCDF"
    return meta


def _interp_missing_times(t: npt.NDArray[np.float64], bad: npt.NDArray[np.bool_], path: Path) -> npt.NDArray[np.float64]:
    if bad.all():
        raise FileFormatError("every scan time is a fill value", file=path, field="scan_acquisition_time")
    if bad.any():
        idx = np.arange(t.size)
        t = t.copy()
        t[bad] = np.interp(idx[bad], idx[~bad], t[~bad])
    return t


def read_andi(path: str | Path) -> Run:
    """Read an ANDI/AIA MS (or chromatogram-only) netCDF file into a :class:`Run`."""
    p = Path(path)
    from scipy.io import netcdf_file

    try:
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise FileFormatError(f"cannot open: {exc.strerror or exc}", file=p) from None
    if magic[:3] != b"CDF":
        if magic[:4] == b"\x89HDF":
            raise FileFormatError("netCDF-4/HDF5 file; ANDI/AIA files are netCDF-3 (classic)", file=p)
        raise FileFormatError("not a netCDF-3 file (no 'CDF' signature)", file=p, record="byte 0")
    try:
        nc = netcdf_file(p, "r", mmap=False)
    except Exception as exc:  # scipy raises ValueError/TypeError/IndexError/OSError on damage
        size = p.stat().st_size
        raise FileFormatError(
            f"truncated or corrupt netCDF ({size} bytes): {type(exc).__name__}: {exc}", file=p
        ) from None
    try:
        return _run_from_nc(nc, p)
    finally:
        nc.close()


def _run_from_nc(nc: Any, p: Path) -> Run:
    meta = _metadata(nc)
    has_ms = "mass_values" in nc.variables or "intensity_values" in nc.variables
    if not has_ms:
        return _chromatogram_only(nc, p, meta)

    times = _numeric(nc, "scan_acquisition_time", p)
    if times is None:
        raise FileFormatError("missing variable (scan times)", file=p, field="scan_acquisition_time")
    t_s, t_bad = times
    units = _text(getattr(nc.variables["scan_acquisition_time"], "_attributes", {}).get("units", b""))
    if units.lower().startswith("min"):
        t_s = t_s * 60.0
    t_s = _interp_missing_times(t_s, t_bad, p)
    n_scans = t_s.size

    mz_v = _numeric(nc, "mass_values", p)
    in_v = _numeric(nc, "intensity_values", p)
    if mz_v is None:
        raise FileFormatError("missing variable", file=p, field="mass_values")
    if in_v is None:
        raise FileFormatError("missing variable", file=p, field="intensity_values")
    mz_all, mz_bad = mz_v
    in_all, in_bad = in_v
    if mz_all.size != in_all.size:
        raise FileFormatError(
            f"{mz_all.size} masses but {in_all.size} intensities", file=p, field="intensity_values"
        )
    n_points = mz_all.size

    si_v = _var(nc, "scan_index")
    pc_v = _var(nc, "point_count")
    if si_v is None and pc_v is None:
        raise FileFormatError("both scan_index and point_count are missing", file=p, field="scan_index")
    scan_index = np.asarray(si_v.data, dtype=np.int64).ravel() if si_v is not None else None
    point_count = np.asarray(pc_v.data, dtype=np.int64).ravel() if pc_v is not None else None
    if scan_index is None and point_count is not None:
        scan_index = np.concatenate([[0], np.cumsum(point_count)[:-1]]).astype(np.int64)
    if point_count is None and scan_index is not None:
        point_count = np.diff(np.concatenate([scan_index, [n_points]])).astype(np.int64)
    if scan_index is None or point_count is None:  # unreachable: one of them exists
        raise FileFormatError("scan index missing", file=p, field="scan_index")
    for name, arr in (("scan_index", scan_index), ("point_count", point_count)):
        if arr.size != n_scans:
            raise FileFormatError(f"{arr.size} entries for {n_scans} scans", file=p, field=name)
    neg = np.flatnonzero(point_count < 0)
    if neg.size:
        raise FileFormatError(f"negative point count {point_count[neg[0]]}", file=p,
                              record=f"scan {int(neg[0])}", field="point_count")
    out = np.flatnonzero((scan_index < 0) | (scan_index + point_count > n_points))
    if out.size:
        k = int(out[0])
        raise FileFormatError(
            f"points {scan_index[k]}..{scan_index[k] + point_count[k]} exceed the {n_points} stored points",
            file=p, record=f"scan {k}", field="scan_index")

    # gather the points scan by scan (works also for non-contiguous or reordered layouts)
    total = int(point_count.sum())
    scan_ids = np.repeat(np.arange(n_scans, dtype=np.int64), point_count)
    starts = np.concatenate([[0], np.cumsum(point_count)[:-1]])
    gather = np.repeat(scan_index - starts, point_count) + np.arange(total, dtype=np.int64)
    mz = mz_all[gather]
    inten = in_all[gather]
    keep = ~(mz_bad[gather] | in_bad[gather])
    mz, inten, scan_ids = mz[keep], inten[keep], scan_ids[keep]
    order = np.lexsort((mz, scan_ids))
    mz, inten, scan_ids = mz[order], inten[order], scan_ids[order]
    offsets = np.zeros(n_scans + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(scan_ids, minlength=n_scans))

    tic_v = _numeric(nc, "total_intensity", p)
    stored_tic = None
    if tic_v is not None and tic_v[0].size == n_scans:
        stored_tic = np.where(tic_v[1], np.nan, tic_v[0]).astype(np.float64)
    meta["n_fill_points_dropped"] = str(int((~keep).sum()))
    return Run(t_s, mz, inten, offsets, meta, str(p), stored_tic)


def _chromatogram_only(nc: Any, p: Path, meta: dict[str, str]) -> Run:
    y_v = _numeric(nc, "ordinate_values", p)
    if y_v is None:
        raise FileFormatError("neither mass spectra nor a chromatogram (ordinate_values)", file=p,
                              field="mass_values")
    y, y_bad = y_v
    t_v = _numeric(nc, "raw_data_retention", p)
    if t_v is not None and t_v[0].size == y.size and not t_v[1].all():
        t = _interp_missing_times(t_v[0], t_v[1], p)
    else:  # uniform sampling: delay + k·interval
        interval = _numeric(nc, "actual_sampling_interval", p)
        delay = _numeric(nc, "actual_delay_time", p)
        if interval is None or interval[1].all():
            raise FileFormatError("no retention times and no sampling interval", file=p,
                                  field="raw_data_retention")
        d = float(delay[0][0]) if delay is not None and not delay[1].all() else 0.0
        t = (d + float(interval[0][0]) * np.arange(y.size)).astype(np.float64)
    y = np.where(y_bad, np.nan, y)
    meta["format"] = "ANDI/AIA netCDF chromatogram"
    empty = np.zeros(0)
    return Run(t, empty, empty.copy(), np.zeros(t.size + 1, dtype=np.int64), meta, str(p), y)
