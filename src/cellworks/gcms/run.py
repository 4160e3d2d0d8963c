"""The GC–MS run: scan times, sparse centroided spectra, metadata; TIC, EIC and SIM traces.

Layout (the ANDI/AIA ``scan_index``/``point_count`` layout, with one sentinel): all centroids of
all scans in two flat arrays ``mz`` and ``intensity``; scan ``i`` holds the points
``offsets[i]:offsets[i+1]`` (``offsets`` has ``n_scans + 1`` entries, ``offsets[0] == 0``).
Within a scan the m/z are ascending. Times are seconds from injection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Nominal (unit) mass of a centroid: ``floor(mz + NOMINAL_SHIFT)``. EI fragment ions of
#: organic and hydride species carry mass defects of about -0.1 … +0.3 Da below m/z 300 and
#: quadrupole centroids scatter ±0.1-0.2 Da, so the unit-mass bin of nominal mass n is
#: [n - 0.3, n + 0.7) (the usual "mass defect" binning of AMDIS-like software).
NOMINAL_SHIFT = 0.3


def nominal_mass(mz: npt.ArrayLike) -> IntArray:
    """Unit (nominal) mass of each centroid: ``floor(mz + 0.3)``."""
    return np.floor(np.asarray(mz, dtype=np.float64) + NOMINAL_SHIFT).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Run:
    """One GC–MS acquisition (full scan or SIM).

    Attributes
    ----------
    scan_times_s:
        Acquisition time of each scan, seconds, strictly non-decreasing, shape ``(n_scans,)``.
    mz, intensity:
        Flat centroid arrays of all scans (float64), same length.
    offsets:
        ``(n_scans + 1,)`` int64; scan ``i`` is ``mz[offsets[i]:offsets[i + 1]]``.
    metadata:
        Free-form text metadata from the file (title, instrument, date, ionisation mode, ...).
    source:
        The file the run was read from ("" if built in memory).
    stored_tic:
        The total-ion trace the file itself states (ANDI ``total_intensity`` or a chromatogram-
        only file's ordinate), or ``None``. ``tic()`` prefers the sum of the spectra.
    """

    scan_times_s: FloatArray
    mz: FloatArray
    intensity: FloatArray
    offsets: IntArray
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    stored_tic: FloatArray | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_scans(
        cls,
        scan_times_s: npt.ArrayLike,
        scans: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]],
        metadata: Mapping[str, Any] | None = None,
        source: str = "",
    ) -> Run:
        """Build a run from a list of ``(mz, intensity)`` pairs, one per scan (sorted here)."""
        counts = [len(np.asarray(m)) for m, _ in scans]
        offsets = np.zeros(len(scans) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(counts)
        mz = np.empty(int(offsets[-1]))
        inten = np.empty(int(offsets[-1]))
        for i, (m, y) in enumerate(scans):
            m_a = np.asarray(m, dtype=np.float64)
            y_a = np.asarray(y, dtype=np.float64)
            o = np.argsort(m_a, kind="stable")
            mz[offsets[i] : offsets[i + 1]] = m_a[o]
            inten[offsets[i] : offsets[i + 1]] = y_a[o]
        return cls(np.asarray(scan_times_s, dtype=np.float64), mz, inten, offsets, metadata or {}, source)

    # -- basic access -------------------------------------------------------------------
    @property
    def n_scans(self) -> int:
        return int(self.scan_times_s.shape[0])

    @property
    def scan_times_min(self) -> FloatArray:
        return self.scan_times_s / 60.0

    @property
    def has_spectra(self) -> bool:
        return bool(self.mz.size)

    def scan(self, i: int) -> tuple[FloatArray, FloatArray]:
        """Centroids ``(mz, intensity)`` of scan ``i`` (views, do not modify)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.mz[a:b], self.intensity[a:b]

    def scan_at(self, time_s: float) -> int:
        """Index of the scan nearest ``time_s``."""
        return int(np.argmin(np.abs(self.scan_times_s - time_s)))

    def _scan_ids(self) -> IntArray:
        return np.repeat(np.arange(self.n_scans, dtype=np.int64), np.diff(self.offsets))

    # -- traces -------------------------------------------------------------------------
    def tic(self) -> FloatArray:
        """Total-ion current per scan (sum of the centroids; the stored TIC if no spectra)."""
        if not self.has_spectra and self.stored_tic is not None:
            return np.asarray(self.stored_tic, dtype=np.float64)
        return np.bincount(self._scan_ids(), weights=self.intensity, minlength=self.n_scans).astype(np.float64)

    def eic(self, mz: float, tol: float = 0.5) -> FloatArray:
        """Extracted-ion trace: per scan, the summed intensity of centroids with
        ``|m/z - mz| <= tol`` (``tol=0.5`` is unit-mass extraction)."""
        sel = np.abs(self.mz - float(mz)) <= tol
        ids = self._scan_ids()[sel]
        return np.bincount(ids, weights=self.intensity[sel], minlength=self.n_scans).astype(np.float64)

    def eics(self, mzs: npt.ArrayLike, tol: float = 0.5) -> FloatArray:
        """Several extracted-ion traces, shape ``(len(mzs), n_scans)``."""
        return np.stack([self.eic(float(m), tol) for m in np.atleast_1d(np.asarray(mzs, float))])

    def unit_mass_matrix(self, mz_min: int | None = None, mz_max: int | None = None) -> tuple[IntArray, FloatArray]:
        """Dense nominal-mass matrix ``(masses, M)`` with ``M[scan, k]`` the summed intensity at
        nominal mass ``masses[k]`` (bins of :func:`nominal_mass`). Kept with the run (built once per
        range); do not modify the returned arrays."""
        key = ("unit_mass_matrix", mz_min, mz_max)
        hit = self._cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        nm = nominal_mass(self.mz)
        lo = int(nm.min()) if mz_min is None and nm.size else int(mz_min or 0)
        hi = int(nm.max()) if mz_max is None and nm.size else int(mz_max or 0)
        masses = np.arange(lo, hi + 1, dtype=np.int64)
        keep = (nm >= lo) & (nm <= hi)
        mat = np.zeros((self.n_scans, masses.size))
        np.add.at(mat, (self._scan_ids()[keep], nm[keep] - lo), self.intensity[keep])
        masses.flags.writeable = False
        mat.flags.writeable = False
        self._cache[key] = (masses, mat)
        return masses, mat

    # -- SIM ----------------------------------------------------------------------------
    @property
    def is_sim(self) -> bool:
        """True when the run monitors few ions (selected-ion monitoring): the file says so, or
        at most 32 distinct nominal masses occur in the whole run."""
        mode = str(self.metadata.get("scan_function", "")).lower()
        if "selected" in mode or "sim" == mode.strip():
            return True
        if not self.has_spectra:
            return False
        return int(np.unique(nominal_mass(self.mz)).size) <= 32

    @property
    def sim_channels(self) -> dict[int, FloatArray]:
        """For a SIM run, ``{nominal m/z: trace}`` for every monitored ion (zero in scans of
        other SIM groups); empty for a full-scan run."""
        if not self.is_sim:
            return {}
        nm = nominal_mass(self.mz)
        ids = self._scan_ids()
        return {
            int(m): np.bincount(ids[nm == m], weights=self.intensity[nm == m], minlength=self.n_scans).astype(np.float64)
            for m in np.unique(nm)
        }

    # -- acquisition ----------------------------------------------------------------------
    @property
    def ionization(self) -> str:
        """Ionisation stated by the file, normalised: ``EI``, ``CI``, ``ESI``, ``APCI``, another
        stated mode as written, or ``unknown`` (not stated or blank, as Thermo exports write)."""
        text = str(self.metadata.get("ionization_mode", "")).strip()
        low = text.lower().replace("-", " ")
        if not low:
            return "unknown"
        for key, names in (("EI", ("electron impact", "electron ionization", "electron ionisation", "ei", "ei+")),
                           ("CI", ("chemical ionization", "chemical ionisation", "ci", "ci+", "ci-")),
                           ("APCI", ("atmospheric pressure chemical ionization",)),
                           ("ESI", ("electrospray ionization", "electrospray ionisation", "es+", "es-", "esi"))):
            if low in names:
                return key
        return text

    @property
    def data_type(self) -> str:
        """``centroid``, ``profile`` or ``library`` as the file states it (ANDI ``experiment_type``,
        JCAMP ``##DATA_FORMAT``); otherwise inferred: a dense m/z grid (median spacing within a scan
        below 0.3) is profile data."""
        text = str(self.metadata.get("data_type", "")).strip().lower()
        if text.startswith("centroid"):
            return "centroid"
        if text.startswith("continuum") or text.startswith("profile"):
            return "profile"
        if text.startswith("library"):
            return "library"
        if self.mz.size < 2:
            return "centroid"
        d = np.diff(self.mz)
        same = np.ones(d.size, dtype=bool)
        same[self.offsets[1:-1] - 1] = False  # no differences across scan boundaries
        d = d[same & (d > 0)]
        return "profile" if d.size and float(np.median(d)) < 0.3 else "centroid"

    def __repr__(self) -> str:
        t = self.scan_times_s
        span = f"{t[0] / 60:.2f}–{t[-1] / 60:.2f} min" if t.size else "empty"
        return f"Run({self.n_scans} scans, {self.mz.size} centroids, {span}, source={self.source!r})"


def ei_search_warnings(run: Run) -> list[str]:
    """Why an EI library search may not apply to ``run`` (empty when it does): a stated
    ionisation other than EI, or profile (continuum) data that was not centroided."""
    out = []
    ion = run.ionization
    if ion not in ("EI", "unknown"):
        out.append(f"ionisation mode is {run.metadata.get('ionization_mode', ion)!s}: an EI (70 eV) library "
                   "search does not apply")
    if run.data_type == "profile":
        out.append("profile (continuum) spectra: an EI library search expects centroids (use --centroid)")
    return out


def centroid_run(run: Run) -> Run:
    """Centroid profile spectra: every local maximum of a scan's profile (between its neighbouring
    minima, within a contiguous stretch of non-zero points) becomes one centroid at the
    intensity-weighted mean m/z with the summed intensity."""
    scans: list[tuple[FloatArray, FloatArray]] = []
    for i in range(run.n_scans):
        m, y = run.scan(i)
        mm: list[float] = []
        yy: list[float] = []
        if m.size:
            step = float(np.median(np.diff(m))) if m.size > 1 else 1.0
            breaks = np.flatnonzero((np.diff(m) > 1.5 * step) | (y[1:] <= 0) | (y[:-1] <= 0)) + 1
            for seg_m, seg_y in zip(np.split(m, breaks), np.split(y, breaks), strict=True):
                pos = seg_y > 0
                seg_m, seg_y = seg_m[pos], seg_y[pos]
                if seg_y.size == 0:
                    continue
                # boundaries at local minima of the segment
                mins = np.flatnonzero((seg_y[1:-1] <= seg_y[:-2]) & (seg_y[1:-1] < seg_y[2:])) + 1
                for pm, py in zip(np.split(seg_m, mins), np.split(seg_y, mins), strict=True):
                    tot = float(py.sum())
                    if tot > 0:
                        mm.append(float((pm * py).sum() / tot))
                        yy.append(tot)
        scans.append((np.asarray(mm), np.asarray(yy)))
    meta = dict(run.metadata)
    meta["data_type"] = "Centroided Mass Spectrum (centroided by cellworks)"
    return Run.from_scans(run.scan_times_s, scans, meta, run.source)

