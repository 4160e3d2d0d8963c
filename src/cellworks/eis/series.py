"""Series of spectra (EIS every N cycles, an SOC series): fit each one, carry parameters forward.

:func:`load_series` collects the spectra of a multi-spectrum file (BioLogic PEIS/GEIS loops in
``.mpr``/``.mpt``, a Parquet series) or of a folder of single-spectrum files ordered by the number in
their names (``cell_2.csv`` before ``cell_10.csv``). :func:`fit_series` validates every spectrum with
Lin-KK, fits the circuit to each — the first from the user's guess (or by the multi-start search), each
later one starting from the previous accepted fit's parameters — and optionally computes each DRT.
A spectrum that fails Lin-KK is marked in the table (``kk_valid = False``) and, with
``skip_invalid``, not fitted; it never seeds the next fit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cellworks.eis.fitting import FitResult
from cellworks.eis.readers import Spectrum
from cellworks.errors import FileFormatError, InputError

_SPECTRUM_SUFFIXES = (".csv", ".txt", ".z60", ".mpt", ".mpr", ".dta", ".parquet")


@dataclass(frozen=True)
class SeriesItem:
    """One spectrum of a series: its position, label, validation and fit."""

    index: int  # 1-based position in the series
    label: str  # cycle / loop number or file name
    spectrum: Spectrum
    kk_valid: bool
    kk_max_residual: float
    fit: FitResult | None
    status: str  # "fitted", "fitted (fails Lin-KK)", "skipped (fails Lin-KK)", "failed: ..."
    drt: Any = None  # DRTResult when requested


@dataclass(frozen=True)
class SeriesResult:
    """Every spectrum of a series with its fit; :meth:`table` gives one row per spectrum."""

    source: str
    circuit: str
    items: tuple[SeriesItem, ...]
    param_names: tuple[str, ...]
    param_units: tuple[str, ...]
    label_name: str = "spectrum"
    notes: tuple[str, ...] = field(default=())

    def table(self) -> Any:
        """pandas DataFrame: index, label, Lin-KK verdict, χ², each parameter and its standard error."""
        import pandas as pd

        rows = []
        for it in self.items:
            row: dict[str, Any] = {"index": it.index, "label": it.label, "n_points": len(it.spectrum),
                                   "kk_valid": it.kk_valid, "kk_max_residual": it.kk_max_residual,
                                   "status": it.status}
            fit = it.fit
            row["chi2"] = fit.chi2 if fit else math.nan
            for n in self.param_names:
                row[n] = fit.value(n) if fit else math.nan
                row[f"{n}_stderr"] = fit.error(n) if fit else math.nan
            row["global_chi2"] = fit.global_optimum.chi2 if fit and fit.global_optimum else math.nan
            row["n_flags"] = len(fit.flags) if fit else 0
            if it.drt is not None:
                row["drt_n_peaks"] = len(it.drt.peaks)
                row["drt_R_pol_Ohm"] = it.drt.R_pol_Ohm
            rows.append(row)
        return pd.DataFrame(rows)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary with one entry per spectrum."""
        out = []
        for it in self.items:
            d: dict[str, Any] = {"index": it.index, "label": it.label, "n_points": len(it.spectrum),
                                 "kk_valid": it.kk_valid, "kk_max_residual": it.kk_max_residual, "status": it.status}
            if it.fit is not None:
                fd = it.fit.as_dict()
                d.update({k: fd[k] for k in ("parameters", "stderr", "at_bound", "chi2", "flags")})
                if "global_optimum" in fd:
                    d["global_optimum_chi2"] = fd["global_optimum"]["chi2"]
            if it.drt is not None:
                d["drt"] = {"lambda": it.drt.lambda_value, "R_inf_Ohm": it.drt.R_inf_Ohm,
                            "R_pol_Ohm": it.drt.R_pol_Ohm,
                            "peaks": [{"tau_s": p.tau_s, "R_Ohm": p.R_Ohm} for p in it.drt.peaks]}
            out.append(d)
        return {"source": self.source, "circuit": self.circuit, "label_name": self.label_name,
                "parameters": list(self.param_names), "units": dict(zip(self.param_names, self.param_units,
                                                                           strict=True)),
                "n_spectra": len(self.items), "n_kk_invalid": sum(not it.kk_valid for it in self.items),
                "notes": list(self.notes), "spectra": out}


def _number_key(path: Path) -> tuple[int, str]:
    nums = re.findall(r"\d+", path.stem)
    return (int(nums[-1]) if nums else -1, path.name)


def load_series(path: str | Path, allow_truncated: bool = False) -> tuple[list[tuple[str, Spectrum]], str]:
    """``([(label, spectrum), ...], label_name)`` of a multi-spectrum file or a folder of spectra."""
    from cellworks.eis.readers import read_spectrum, split_spectra

    p = Path(path)
    if p.is_dir():
        files = sorted((q for q in p.iterdir() if q.is_file() and q.suffix.lower() in _SPECTRUM_SUFFIXES),
                       key=_number_key)
        if not files:
            raise InputError(f"no spectrum files ({', '.join(_SPECTRUM_SUFFIXES)}) in the folder", file=p)
        out: list[tuple[str, Spectrum]] = []
        for q in files:
            parts = split_spectra(read_spectrum(q, allow_truncated=allow_truncated))
            out.extend((q.name if len(parts) == 1 else f"{q.name}#{num}", spec) for num, spec in parts)
        return out, "file"
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    spec = read_spectrum(p, allow_truncated=allow_truncated)
    parts = split_spectra(spec)
    labels = spec.meta.get("spectrum_labels")
    if labels is not None:
        return [(str(labels[n - 1]), s) for n, s in parts], str(spec.meta.get("label_name", "spectrum"))
    if len(parts) == 1:
        raise FileFormatError("the file holds one spectrum; a series needs several (or give a folder)", file=p)
    return [(str(n), s) for n, s in parts], "cycle"


def fit_series(
    spectra: Sequence[tuple[str, Spectrum]],
    circuit: str,
    initial_guess: Sequence[float] | None = None,
    constants: dict[str, float] | None = None,
    weight: str = "none",
    n_starts_first: int = 64,
    n_starts_each: int = 16,
    drop_positive_imag: bool = False,
    kk_threshold: float = 0.01,
    skip_invalid: bool = False,
    with_drt: bool = False,
    drt_options: dict[str, Any] | None = None,
    source: str = "",
    label_name: str = "spectrum",
    progress: Callable[[int, int], None] | None = None,
) -> SeriesResult:
    """Fit ``circuit`` to every spectrum of ``spectra`` (see module docstring).

    The first spectrum is fitted from ``initial_guess`` (local, impedance.py's meaning) or, without
    one, by the multi-start search (``n_starts_first``); each later one from the previous accepted
    fit, with a search of ``n_starts_each`` starts beside it (1: none) whose lower minimum, if any, is
    kept as that fit's ``global_optimum``.
    """
    from cellworks.eis.circuits import parse_circuit
    from cellworks.eis.fitting import fit_circuit
    from cellworks.eis.guess import search_box
    from cellworks.eis.kk import lin_kk
    from cellworks.eis.readers import drop_positive_imag as _drop

    c = parse_circuit(circuit)
    consts = dict(constants or {})
    names = tuple(n for n in c.param_names if n not in consts)
    units = tuple(u for n, u in zip(c.param_names, c.param_units, strict=True) if n not in consts)
    free = [i for i, n in enumerate(c.param_names) if n not in consts]
    previous: list[float | str] | None = None if initial_guess is None else [float(v) for v in initial_guess]
    items: list[SeriesItem] = []
    for k, (label, spec) in enumerate(spectra, start=1):
        kk = lin_kk(spec.freq_Hz, spec.Z_Ohm, threshold=kk_threshold)
        f, z = spec.freq_Hz, spec.Z_Ohm
        if drop_positive_imag:
            f, z = _drop(f, z)
        fit: FitResult | None = None
        status = "fitted" if kk.valid else "fitted (fails Lin-KK)"
        if not kk.valid and skip_invalid:
            status = "skipped (fails Lin-KK)"
        else:
            start = None
            if previous is not None:
                # a parameter the last fit left at a bound of 0 or ∞ is undetermined: restart it at the edge
                # of this spectrum's plausible range on that side, not at 1e-40 (where the solver crawls)
                lo, hi = search_box(c, np.asarray(free), f, z)
                start = [v if isinstance(v, float) else (lo[j] if v == "lower" else hi[j])
                         for j, v in enumerate(previous)]
            try:
                fit = fit_circuit(f, z, c, start, consts, weight=weight,
                                  n_starts=n_starts_first if start is None else n_starts_each)
            except InputError as exc:
                status = f"failed: {exc.message}"
        if fit is not None and kk.valid:  # only a validated spectrum seeds the next fit
            previous = [v if b is None else b for v, b in zip(fit.values, fit.at_bound, strict=True)]
        drt = None
        if with_drt:
            from cellworks.eis.drt import fit_drt

            drt = fit_drt(f, z, **(drt_options or {}))
        items.append(SeriesItem(k, label, spec, kk.valid, kk.max_abs_residual, fit, status, drt))
        if progress is not None:
            progress(k, len(spectra))
    notes = []
    bad = [it.label for it in items if not it.kk_valid]
    if bad:
        notes.append(f"{len(bad)} of {len(items)} spectra fail Lin-KK (residual > {100 * kk_threshold:g} %): "
                     + ", ".join(bad))
    return SeriesResult(source, c.text, tuple(items), names, units, label_name, tuple(notes))
