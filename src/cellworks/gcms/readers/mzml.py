"""mzML (PSI-MS) reader, own implementation (MIT): MS1 spectra, scan start time, binary arrays
(32/64-bit float, zlib or uncompressed). Numpress and chromatogram-only files are rejected with
a clear message. Vendor ``.D`` folders are not read (convert with ProteoWizard msconvert)."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from xml.etree.ElementTree import iterparse

import numpy as np

from cellworks.errors import FileFormatError
from cellworks.gcms.run import Run


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_mzml(path: str | Path) -> Run:
    p = Path(path)
    times: list[float] = []
    scans: list[tuple[np.ndarray, np.ndarray]] = []
    try:
        for _, el in iterparse(p, events=("end",)):
            if _local(el.tag) != "spectrum":
                continue
            idx = el.get("index", "?")
            level = 1
            t_s: float | None = None
            arrays: dict[str, np.ndarray] = {}
            for cv in el.iter():
                if _local(cv.tag) == "cvParam":
                    acc = cv.get("accession")
                    if acc == "MS:1000511":
                        level = int(float(cv.get("value", "1")))
                    elif acc == "MS:1000016":
                        unit = (cv.get("unitName") or cv.get("unitAccession") or "").lower()
                        v = float(cv.get("value", "nan"))
                        t_s = v * 60.0 if ("minute" in unit or unit == "uo:0000031") else v
            for bda in el.iter():
                if _local(bda.tag) != "binaryDataArray":
                    continue
                accs = {cv.get("accession") for cv in bda.iter() if _local(cv.tag) == "cvParam"}
                kind = "mz" if "MS:1000514" in accs else ("int" if "MS:1000515" in accs else None)
                if kind is None:
                    continue
                if accs & {"MS:1002312", "MS:1002313", "MS:1002314"}:
                    raise FileFormatError("MS-Numpress compressed arrays are not supported", file=p,
                                          record=f"spectrum {idx}")
                dtype = "<f8" if "MS:1000523" in accs else "<f4"
                binary = next((b for b in bda.iter() if _local(b.tag) == "binary"), None)
                raw = base64.b64decode((binary.text or "") if binary is not None else "")
                if "MS:1000574" in accs:
                    raw = zlib.decompress(raw)
                arrays[kind] = np.frombuffer(raw, dtype=dtype).astype(np.float64)
            el.clear()
            if level != 1:
                continue
            if t_s is None:
                raise FileFormatError("spectrum without scan start time", file=p, record=f"spectrum {idx}",
                                      field="MS:1000016")
            mz = arrays.get("mz", np.zeros(0))
            y = arrays.get("int", np.zeros(0))
            if mz.size != y.size:
                raise FileFormatError(f"{mz.size} m/z but {y.size} intensities", file=p, record=f"spectrum {idx}")
            times.append(t_s)
            scans.append((mz, y))
    except FileFormatError:
        raise
    except (OSError, ValueError, zlib.error) as exc:
        raise FileFormatError(f"not a readable mzML file: {exc}", file=p) from None
    except Exception as exc:  # xml.etree.ElementTree.ParseError and friends
        raise FileFormatError(f"not a readable mzML file: {type(exc).__name__}: {exc}", file=p) from None
    if not scans:
        raise FileFormatError("no MS1 spectra", file=p)
    order = np.argsort(np.asarray(times), kind="stable")
    return Run.from_scans(np.asarray(times)[order], [scans[k] for k in order], {"format": "mzML"}, str(p))
