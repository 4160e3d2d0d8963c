"""Library spectra of the method's targets, ion fractions, match factors and background-subtracted
spectra at a scan, as unit-mass dictionaries ``{m/z: intensity}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cellworks.gcms.quant import TARGETS


def library_spectra() -> dict[str, dict[int, float]]:
    """Unit-mass library spectrum of every target of the method (built-in library)."""
    from cellworks.gcms.library import load_builtin

    lib = load_builtin()
    out = {}
    for t in TARGETS:
        s = lib.find(t.library_name)
        out[t.key] = {int(round(m)): float(i) for m, i in zip(s.mz, s.intensity, strict=True)}
    return out


def ion_fraction(spec: Mapping[int, float], mz: int) -> float:
    """Share of the spectrum's total ion current carried by ``mz``."""
    tot = sum(v for v in spec.values() if v > 0)
    return spec.get(mz, 0.0) / tot if tot > 0 else 0.0


def spectrum_mf(spec: Mapping[int, float], ref: Mapping[int, float]) -> float:
    """NIST identity match factor (0–1) of two unit-mass spectra."""
    import numpy as np

    from cellworks.gcms.scores import match_factor_float

    um = sorted(m for m, v in spec.items() if v > 0)
    lm = sorted(ref)
    return match_factor_float(np.asarray(um, dtype=np.int64), np.asarray([spec[m] for m in um]),
                              np.asarray(lm, dtype=np.int64), np.asarray([ref[m] for m in lm]))


def spectrum_at(run: Any, scan: int, half_width_scans: int = 1, bg_offset_scans: int = 12) -> dict[int, float]:
    """Spectrum at ``scan`` (mean of ±``half_width_scans``) minus the background ``bg_offset_scans``
    before and after (:func:`cellworks.gcms.peaks.scan_spectrum`), as ``{m/z: intensity}``."""
    from cellworks.gcms.peaks import scan_spectrum

    lo = [scan - bg_offset_scans, scan - bg_offset_scans - 1]
    hi = [scan + bg_offset_scans, scan + bg_offset_scans + 1]
    mz, y = scan_spectrum(run, scan, half_width_scans, (lo, hi))
    return {int(m): float(v) for m, v in zip(mz.tolist(), y.tolist(), strict=True)}
