"""Writing spectra in the eis table format, which every ``cellworks eis`` command reads back.

``.csv``: impedance.py's three columns f [Hz], Re Z [Ohm], Im Z [Ohm], no header (impedance.py's
``preprocessing.readCSV`` reads it too). ``.parquet``: columns ``freq_Hz``, ``z_real_Ohm``,
``z_imag_Ohm`` (and ``spectrum`` when several spectra are written). Written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cellworks._typing import Array
from cellworks.errors import ParameterError


def write_spectrum(path: str | Path, freq_Hz: Array, Z: Array, spectrum: Sequence[int] | None = None) -> Path:
    """Write a spectrum (or several, labelled by ``spectrum``) as ``.csv`` or ``.parquet``.

    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.csv"
    >>> _ = write_spectrum(p, [1e3, 1.0], np.array([10 - 1j, 12 - 5j]))
    >>> p.read_text().splitlines()[0]
    '1.0000000000e+03,1.0000000000e+01,-1.0000000000e+00'
    """
    from cellworks._io import atomic_write

    p = Path(path)
    f = np.asarray(freq_Hz, dtype=float).ravel()
    z = np.asarray(Z, dtype=complex).ravel()
    if f.size != z.size:
        raise ParameterError(f"{f.size} frequencies but {z.size} impedances")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        if spectrum is not None:
            raise ParameterError("several spectra need a .parquet file (the CSV layout holds one)")
        text = "".join(f"{a:.10e},{b.real:.10e},{b.imag:.10e}\n" for a, b in zip(f, z, strict=True))
        with atomic_write(p, "w") as fh:
            fh.write(text)
        return p
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = {"freq_Hz": f, "z_real_Ohm": z.real, "z_imag_Ohm": z.imag}
        if spectrum is not None:
            cols["spectrum"] = np.asarray(spectrum, dtype=np.int64)
        with atomic_write(p, "wb") as fh:
            pq.write_table(pa.table(cols), fh)
        return p
    raise ParameterError(f"spectrum files are .csv or .parquet, got '{p.suffix}'", token=p.name)
