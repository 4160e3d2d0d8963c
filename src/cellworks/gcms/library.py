"""Mass-spectral libraries: NIST MSP read/write and the built-in compact EI library.

MSP (the text format of NIST MS Search, Lib2NIST, MassBank/MoNA exports): records separated by
blank lines; ``Key: value`` header lines (``Name``, ``Formula``, ``MW``, ``CAS#``/``CASNO``,
``RI``, ``Comments``, ...), then ``Num Peaks: n`` and ``n`` (m/z, intensity) pairs, several per
line allowed, separated by blanks, tabs, commas or semicolons, optionally followed by a quoted
annotation. Unknown keys are kept in ``extra`` and written back. cellworks adds a ``Source:`` key
(the public origin of the spectrum); other MSP readers ignore it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from cellworks.errors import FileFormatError

BUILTIN_MSP = Path(__file__).with_name("data") / "builtin_ei.msp"

_PAIR = re.compile(r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)[\s,:]+([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)")
_KEYS = {
    "name": "name", "formula": "formula", "mw": "mw", "cas#": "cas", "casno": "cas", "cas": "cas",
    "ri": "ri", "retentionindex": "ri", "retention_index": "ri", "source": "source",
}


@dataclass(frozen=True, eq=False)
class LibrarySpectrum:
    """One reference spectrum. ``mz`` ascending (float64), ``intensity`` (float64, any scale;
    the built-in library is normalised to a base peak of 999)."""

    name: str
    formula: str
    mw: float | None
    cas: str
    ri: float | None
    mz: npt.NDArray[np.float64]
    intensity: npt.NDArray[np.float64]
    source: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mz = np.asarray(self.mz, dtype=np.float64).ravel()
        inten = np.asarray(self.intensity, dtype=np.float64).ravel()
        if mz.shape != inten.shape:
            raise ValueError(f"{self.name}: {mz.size} m/z values but {inten.size} intensities")
        order = np.argsort(mz, kind="stable")
        object.__setattr__(self, "mz", mz[order])
        object.__setattr__(self, "intensity", inten[order])
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def kind(self) -> str:
        """Origin class of the spectrum: ``SRS``/``ESTIMATE``/``COMPUTED`` (the built-in
        library's ``Source:`` prefixes) or ``user`` (any other record: a measured library)."""
        return source_kind(self.source)

    @property
    def is_measured(self) -> bool:
        """False for ESTIMATE and COMPUTED records (not a measured spectrum)."""
        return self.kind not in ("ESTIMATE", "COMPUTED")

    @property
    def ri_kind(self) -> str | None:
        """How the library RI was obtained: ``exact`` (n-alkane), ``derived`` (boiling point),
        ``cited``/``user`` (a value given in the file); ``None`` without an RI."""
        if self.ri is None:
            return None
        return self.extra.get("RI_Kind", "user")

    @property
    def ri_uncertainty(self) -> float:
        """Uncertainty of the library RI in index units (``RI_Uncertainty:``; 0 if not stated)."""
        try:
            return max(float(self.extra.get("RI_Uncertainty", "0")), 0.0)
        except ValueError:
            return 0.0

    @property
    def licence(self) -> str:
        """The record's licence as stated in the file (``License:``/``Licence:``), or ``""``."""
        for k, v in self.extra.items():
            if k.strip().lower() in ("license", "licence"):
                return v
        return ""

    @property
    def base_peak_mz(self) -> float:
        return float(self.mz[np.argmax(self.intensity)]) if self.mz.size else float("nan")

    def normalized(self, top: float = 999.0) -> LibrarySpectrum:
        m = float(self.intensity.max()) if self.intensity.size else 0.0
        scale = top / m if m > 0 else 1.0
        return LibrarySpectrum(self.name, self.formula, self.mw, self.cas, self.ri, self.mz,
                               self.intensity * scale, self.source, self.extra)


@dataclass(frozen=True, eq=False)
class Library:
    """An ordered collection of reference spectra."""

    spectra: tuple[LibrarySpectrum, ...]
    name: str = ""
    path: str = ""

    def __len__(self) -> int:
        return len(self.spectra)

    def __iter__(self) -> Iterator[LibrarySpectrum]:
        return iter(self.spectra)

    def __getitem__(self, i: int) -> LibrarySpectrum:
        return self.spectra[i]

    def names(self) -> list[str]:
        return [s.name for s in self.spectra]

    def find(self, name: str) -> LibrarySpectrum:
        """The first spectrum whose name equals ``name`` (case-insensitive)."""
        low = name.lower()
        for s in self.spectra:
            if s.name.lower() == low:
                return s
        raise KeyError(name)

    def info(self) -> dict[str, Any]:
        n_peaks = np.array([s.mz.size for s in self.spectra]) if self.spectra else np.zeros(1)
        max_mz = max((float(s.mz.max()) for s in self.spectra if s.mz.size), default=0.0)
        return {
            "name": self.name, "path": self.path, "n_spectra": len(self.spectra),
            "peaks_per_spectrum_median": float(np.median(n_peaks)),
            "peaks_total": int(n_peaks.sum()), "max_mz": max_mz,
            "with_ri": sum(1 for s in self.spectra if s.ri is not None),
            "with_source": sum(1 for s in self.spectra if s.source),
        }


def _num(text: str, path: Path, lineno: int, key: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        return float(t.split()[0])
    except ValueError:
        raise FileFormatError(f"not a number: {t!r}", file=path, record=f"line {lineno}", field=key) from None


def iter_msp(text: str, path: str | Path = "<text>") -> Iterator[LibrarySpectrum]:
    """Parse MSP text record by record."""
    p = Path(path)
    lines = text.splitlines()
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].strip()
        if not line or line.startswith("#"):
            i += 1
            continue
        start = i + 1
        hdr: dict[str, Any] = {}
        extra: dict[str, str] = {}
        n_peaks: int | None = None
        while i < n:
            line = lines[i].strip()
            i += 1
            if not line:
                if hdr:
                    break
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise FileFormatError(f"expected 'Key: value', got {line[:40]!r}", file=p, record=f"line {i}")
            k = key.strip().lower().replace(" ", "")
            value = value.strip()
            if k in ("numpeaks", "num_peaks"):
                try:
                    n_peaks = int(value)
                except ValueError:
                    raise FileFormatError(f"not an integer: {value!r}", file=p, record=f"line {i}",
                                          field="Num Peaks") from None
                break
            target = _KEYS.get(k)
            if target in ("mw", "ri"):
                hdr[target] = _num(value, p, i, key.strip())
            elif target is not None:
                hdr[target] = value
            else:
                extra[key.strip()] = value
        if "name" not in hdr:
            raise FileFormatError("record without 'Name:'", file=p, record=f"line {start}")
        if n_peaks is None:
            raise FileFormatError("record without 'Num Peaks:'", file=p, record=f"line {start}",
                                  field=hdr["name"])
        mz: list[float] = []
        inten: list[float] = []
        while len(mz) < n_peaks:
            if i >= n or not lines[i].strip():
                raise FileFormatError(f"{len(mz)} of {n_peaks} peaks before the record ends",
                                      file=p, record=f"line {i + 1}", field=hdr["name"])
            body = lines[i].split('"')[0] if '"' in lines[i] else lines[i]
            i += 1
            pairs = _PAIR.findall(body)
            if not pairs:
                raise FileFormatError(f"not a peak line: {body.strip()[:40]!r}", file=p, record=f"line {i}",
                                      field=hdr["name"])
            for a, b in pairs:
                mz.append(float(a))
                inten.append(float(b))
        if len(mz) > n_peaks:
            raise FileFormatError(f"{len(mz)} peaks but Num Peaks says {n_peaks}", file=p,
                                  record=f"line {i}", field=hdr["name"])
        yield LibrarySpectrum(
            name=hdr["name"], formula=hdr.get("formula", ""), mw=hdr.get("mw"), cas=hdr.get("cas", ""),
            ri=hdr.get("ri"), mz=np.array(mz), intensity=np.array(inten), source=hdr.get("source", ""),
            extra=extra,
        )


def read_msp(path: str | Path, name: str | None = None) -> Library:
    """Read an MSP library file (UTF-8, falling back to cp1252 for old Windows exports)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror or exc}", file=p) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    spectra = tuple(iter_msp(text, p))
    if not spectra:
        raise FileFormatError("no MSP records found", file=p)
    return Library(spectra, name or p.stem, str(p))


def _fmt(x: float) -> str:
    return str(int(round(x))) if abs(x - round(x)) < 1e-9 else f"{x:.4f}".rstrip("0").rstrip(".")


def format_msp(spectra: Iterable[LibrarySpectrum]) -> str:
    out: list[str] = []
    for s in spectra:
        out.append(f"Name: {s.name}")
        if s.formula:
            out.append(f"Formula: {s.formula}")
        if s.mw is not None:
            out.append(f"MW: {_fmt(s.mw)}")
        if s.cas:
            out.append(f"CAS#: {s.cas}")
        if s.ri is not None:
            out.append(f"RI: {_fmt(s.ri)}")
        for k, v in s.extra.items():
            out.append(f"{k}: {v}")
        if s.source:
            out.append(f"Source: {s.source}")
        out.append(f"Num Peaks: {s.mz.size}")
        pairs = [f"{_fmt(m)} {_fmt(y)}" for m, y in zip(s.mz.tolist(), s.intensity.tolist(), strict=True)]
        for j in range(0, len(pairs), 5):
            out.append("; ".join(pairs[j : j + 5]) + ";")
        out.append("")
    return "\n".join(out) + "\n"


def write_msp(lib: Library | Iterable[LibrarySpectrum], path: str | Path) -> None:
    """Write an MSP file atomically."""
    from cellworks._io import atomic_write

    spectra = lib.spectra if isinstance(lib, Library) else tuple(lib)
    with atomic_write(path, "w") as fh:
        fh.write(format_msp(spectra))


def source_kind(source: str) -> str:
    """``SRS``/``ESTIMATE``/``COMPUTED``/``user``: the first word of a built-in record's source."""
    head = source.split(":", 1)[0].strip()
    return head if head in ("SRS", "ESTIMATE", "COMPUTED") else "user"


def load_builtin() -> Library:
    """The built-in compact EI (70 eV) library (``gcms/data/builtin_ei.msp``; every record states
    its public source in its ``Source:`` line)."""
    return read_msp(BUILTIN_MSP, name="cellworks built-in EI")


def load_library(path: str | Path | Iterable[str | Path] | None = None, *, extend: bool = False) -> Library:
    """The library a search uses: the built-in one (``path`` None), or the MSP file(s) given,
    which replace it — or, with ``extend=True``, are searched together with it (built-in first).
    A user's NIST or MassBank export is read as it is; its licence stays the user's business and
    :func:`library_sources` reports what each file states."""
    if path is None:
        return load_builtin()
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    libs = [read_msp(p) for p in paths]
    if extend:
        libs.insert(0, load_builtin())
    spectra = tuple(s for lib in libs for s in lib.spectra)
    name = " + ".join(lib.name for lib in libs)
    return Library(spectra, name, "; ".join(lib.path for lib in libs))


def library_sources(lib: Library) -> list[dict[str, Any]]:
    """Per origin (built-in kinds, user files): number of spectra and the licences stated."""
    groups: dict[str, dict[str, Any]] = {}
    for s in lib.spectra:
        key = s.kind
        g = groups.setdefault(key, {"kind": key, "n_spectra": 0, "licences": {}})
        g["n_spectra"] += 1
        lic = s.licence or ("MIT (see gcms/data/SOURCES.md)" if key == "SRS" else
                            "not applicable (not a measured spectrum)" if key in ("ESTIMATE", "COMPUTED") else
                            "not stated in the file: the user is responsible for its terms")
        g["licences"][lic] = g["licences"].get(lic, 0) + 1
    return list(groups.values())
