"""matchms ``Spectrum`` objects in and out of :mod:`cellworks.gcms` (optional extra ``matchms``).

* :func:`from_matchms` / :func:`library_from_matchms`: matchms spectra (e.g. read by
  ``matchms.importing.load_from_msp``) become library records; the metadata keys matchms uses
  (``compound_name``, ``formula``, ``casno``, ``retention_index``, ``license``, ...) are mapped.
  :func:`cellworks.gcms.identify_run` accepts such a list directly as its library.
* :func:`to_matchms`: a library record, or a component of an :func:`identify_run` report (its
  clean spectrum, with retention time, retention index and the identification as metadata),
  becomes a matchms ``Spectrum``; :func:`components_to_matchms` converts a whole report.

matchms is imported only inside these functions; without it they raise one clear error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cellworks.errors import InputError
from cellworks.gcms.library import Library, LibrarySpectrum

_FIELDS = {"formula": ("formula",), "cas": ("casno", "cas", "cas#"), "source": ("source", "comment")}


def _spectrum_class() -> Any:
    try:
        from matchms import Spectrum
    except ImportError:
        raise InputError("matchms is not installed (pip install 'cellworks[matchms]')", field="matchms") from None
    return Spectrum


def is_matchms_spectrum(obj: object) -> bool:
    """True for a matchms ``Spectrum`` (duck-typed: ``peaks.mz``, ``peaks.intensities``, ``get``)."""
    peaks = getattr(obj, "peaks", None)
    return peaks is not None and hasattr(peaks, "mz") and hasattr(peaks, "intensities") and hasattr(obj, "get")


def from_matchms(spectrum: Any, index: int = 0) -> LibrarySpectrum:
    """A matchms ``Spectrum`` as a library record (name from ``compound_name``/``name``)."""
    import numpy as np

    if not is_matchms_spectrum(spectrum):
        raise InputError("not a matchms Spectrum", record=f"spectrum {index}")
    meta = dict(spectrum.metadata) if hasattr(spectrum, "metadata") else {}
    name = str(meta.get("compound_name") or meta.get("name") or f"spectrum {index}")

    def first(keys: Iterable[str]) -> str:
        for k in keys:
            v = meta.get(k)
            if v not in (None, ""):
                return str(v)
        return ""

    ri_raw = meta.get("retention_index")
    try:
        ri = float(ri_raw) if ri_raw not in (None, "") else None
    except (TypeError, ValueError):
        ri = None
    extra = {}
    lic = meta.get("license") or meta.get("licence")
    if lic:
        extra["License"] = str(lic)
    return LibrarySpectrum(name, first(_FIELDS["formula"]), None, first(_FIELDS["cas"]), ri,
                           np.asarray(spectrum.peaks.mz, dtype=np.float64),
                           np.asarray(spectrum.peaks.intensities, dtype=np.float64), first(_FIELDS["source"]), extra)


def library_from_matchms(spectra: Iterable[Any], name: str = "matchms spectra") -> Library:
    """A :class:`Library` of matchms spectra."""
    recs = tuple(from_matchms(s, i) for i, s in enumerate(spectra))
    if not recs:
        raise InputError("no spectra given", field="library")
    return Library(recs, name)


def to_matchms(item: LibrarySpectrum | Mapping[str, Any]) -> Any:
    """A library record or an identified/unknown component of a report as a matchms ``Spectrum``
    (intensities scaled to a base peak of 1, m/z ascending, as matchms expects)."""
    import numpy as np

    spectrum_cls = _spectrum_class()
    if isinstance(item, LibrarySpectrum):
        mz, y = item.mz, item.intensity
        meta: dict[str, Any] = {"compound_name": item.name, "formula": item.formula, "casno": item.cas,
                                "retention_index": item.ri, "source": item.source}
        if item.licence:
            meta["license"] = item.licence
    else:
        mz = np.asarray(item["spectrum"]["mz"], dtype=np.float64)
        y = np.asarray(item["spectrum"]["intensity"], dtype=np.float64)
        best = item.get("best") or {}
        meta = {"compound_name": item.get("name", "unknown"), "retention_time": float(item["rt_s"]),
                "retention_index": item.get("ri"), "confidence": item.get("confidence"),
                "match_factor": best.get("mf"), "reverse_match_factor": best.get("rmf")}
    order = np.argsort(mz)
    mz, y = np.asarray(mz, dtype=np.float64)[order], np.asarray(y, dtype=np.float64)[order]
    top = float(y.max()) if y.size else 1.0
    meta = {k: v for k, v in meta.items() if v not in (None, "")}
    return spectrum_cls(mz=mz, intensities=y / (top if top > 0 else 1.0), metadata=meta,
                        metadata_harmonization=False)


def components_to_matchms(report: Mapping[str, Any], identified_only: bool = False) -> list[Any]:
    """The components of an :func:`cellworks.gcms.identify_run` report as matchms spectra."""
    return [to_matchms(c) for c in report["components"] if c.get("identified") or not identified_only]
