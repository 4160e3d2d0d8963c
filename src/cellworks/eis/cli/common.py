"""Parsing helpers shared by the ``cellworks eis`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def parse_floats(text: str, what: str) -> list[float]:
    from cellworks.errors import ParameterError

    out: list[float] = []
    for i, tok in enumerate(t for t in text.replace(";", ",").split(",")):
        tok = tok.strip()
        try:
            out.append(float(tok))
        except ValueError:
            raise ParameterError(f"{what}: value {i + 1} is not a number", token=tok) from None
    return out


def parse_constants(text: str) -> dict[str, float]:
    from cellworks.errors import ParameterError

    out: dict[str, float] = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        if "=" not in item:
            raise ParameterError("constants must look like 'R0=0.01,Wo1_1=200'", token=item)
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise ParameterError("constant value is not a number", field=k.strip(), token=v) from None
    return out


def load_spectrum(file: Path, cycle: int | None, allow_truncated: bool = False) -> tuple[Any, dict[str, int]]:
    """Read ``file``; of a file with several sweeps take ``cycle`` (default the first, noted on stderr).

    With ``allow_truncated`` a cut-off last row is dropped (noted on stderr) instead of refused."""
    import sys

    from cellworks.eis.readers import n_cycles, read_spectrum, select_cycle

    spec = read_spectrum(file, allow_truncated=allow_truncated)
    dropped = spec.meta.get("dropped_truncated_line")
    if dropped is not None:
        sys.stderr.write(f"note: {file}: line {dropped} is cut off and was dropped (--allow-truncated)\n")
    n = n_cycles(spec)
    if n > 1 or cycle is not None:
        chosen = 1 if cycle is None else cycle
        if cycle is None:
            sys.stderr.write(f"note: {file} holds {n} spectra; using cycle 1 (choose with --cycle)\n")
        cyc = spec.meta.get("cycle")
        first = int(min(cyc)) if cyc is not None and len(cyc) else 1
        spec = select_cycle(spec, chosen if cycle is not None else first)
        return spec, {"cycle": chosen if cycle is not None else first, "n_cycles": n}
    return spec, {}


ALLOW_TRUNCATED_HELP = "Drop a cut-off last row or number instead of refusing the file."


def crop_band(f: Any, z: Any, f_min: float | None, f_max: float | None) -> tuple[Any, Any]:
    """Points with ``f_min <= f <= f_max`` (either bound optional); refuses an empty result."""
    from cellworks.errors import ParameterError

    if f_min is None and f_max is None:
        return f, z
    lo = f_min if f_min is not None else 0.0
    hi = f_max if f_max is not None else float("inf")
    if not lo < hi:
        raise ParameterError("need --f-min < --f-max", field="--f-min")
    keep = (f >= lo) & (f <= hi)
    if int(keep.sum()) < 3:
        raise ParameterError(f"only {int(keep.sum())} points between {lo:g} and {hi:g} Hz", field="--f-max")
    return f[keep], z[keep]
