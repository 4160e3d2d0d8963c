"""Delimited text → columns, exactly and fast, in every pandas version.

pyarrow's CSV reader (pyarrow is already a dependency for Parquet) parses floats exactly
(round-trip) and is several times faster than pandas' exact (``round_trip``) parser; pandas'
default parser before version 3 rounds the last digit. pyarrow is strict about the number of
fields per line, so a table with a cut-off last record (a live file) or irregular lines falls back
to pandas, asked for exact parsing where that is an option (pandas < 3; from 3 on it is the
default and the option is deprecated).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def _pandas_exact() -> dict[str, Any]:
    import pandas as pd

    return {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_table(raw: bytes, *, sep: str = ",", header: bool = True, names: list[str] | None = None,
               usecols: list[int] | None = None, decimal: str = ".", float_only: bool = False) -> pd.DataFrame:
    """A DataFrame of the delimited bytes (header row unless ``header`` is False, then ``names``)."""
    import pandas as pd

    # pyarrow's fixed cost (~2 ms) only pays off beyond a few tens of kB, or where pandas' exact
    # parser is the slow one (before pandas 3)
    use_arrow = len(raw) > (32 << 10 if _pandas_exact() else 256 << 10)
    try:
        if not use_arrow:
            raise LookupError
        import pyarrow as pa
        import pyarrow.csv as pc

        ro = pc.ReadOptions(column_names=names, autogenerate_column_names=False) if names is not None else \
            pc.ReadOptions()
        include = [names[j] for j in usecols] if (usecols is not None and names is not None) else None
        co = pc.ConvertOptions(decimal_point=decimal, include_columns=include,
                               column_types={c: pa.float64() for c in (include or names or [])} if float_only else None,
                               strings_can_be_null=True)
        ro.use_threads = len(raw) > (4 << 20)
        table = pc.read_csv(io.BytesIO(raw), read_options=ro, parse_options=pc.ParseOptions(delimiter=sep),
                            convert_options=co)
        return table.to_pandas()
    except Exception:  # noqa: BLE001 - small input, irregular lines, other encodings: pandas reads them
        pass
    kwargs: dict[str, Any] = {"sep": sep, "engine": "c", "low_memory": False, "encoding_errors": "replace",
                              "decimal": decimal, **_pandas_exact()}
    if not header:
        kwargs.update(header=None, names=names, index_col=False)
    if usecols is not None:
        kwargs["usecols"] = [names[j] for j in usecols] if names is not None else usecols
    if float_only:
        import numpy as np

        kwargs["dtype"] = np.float64
    return pd.read_csv(io.BytesIO(raw), **kwargs)
