"""Cell-to-cell variation: per-cell parameters drawn from named distributions (seeded) or from data.

Distributions (``Dist(kind, a, b)``; values in the parameter's unit):

* ``fixed`` (a), ``normal`` (mean a, std b), ``uniform`` (low a, high b), ``lognormal`` (median a,
  log-std b), ``relative_normal`` (std b as a fraction of the nominal value), ``relative_uniform``
  (±b fraction around nominal);
* ``data``: values sampled without replacement (per pack) from a list — e.g. the initial
  capacities of the 47 Sanyo cells of Baumhöfer et al. 2014 (:func:`baumhofer_capacities_Ah`).

Parameters that vary: ``capacity_Ah``, ``r0_Ohm``, ``soc0``, ``leak_Ohm``, ``leak_A``, ``eta``,
``ambient_C``. Soft shorts are placed explicitly with :class:`SoftShort`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError, ParameterError
from cellworks.pack.pack import PackArrays, PackDesign, uniform_arrays

if TYPE_CHECKING:
    import numpy as np

KINDS = ("fixed", "normal", "uniform", "lognormal", "relative_normal", "relative_uniform", "data")
VARIABLE = ("capacity_Ah", "r0_Ohm", "soc0", "leak_Ohm", "leak_A", "eta", "ambient_C")
DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Dist:
    """A named distribution of one parameter (or data to sample from)."""
    kind: str
    a: float = 0.0
    b: float = 0.0
    values: tuple[float, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ParameterError(f"unknown distribution {self.kind!r} (known: {', '.join(KINDS)})", field="kind")
        if self.kind == "data" and len(self.values) == 0:
            raise ParameterError("a 'data' distribution needs values", field="values")
        if self.kind in ("normal", "lognormal", "relative_normal", "relative_uniform") and self.b < 0:
            raise ParameterError("spread must be ≥ 0", field="b")
        if self.kind == "uniform" and self.b < self.a:
            raise ParameterError("uniform high < low", field="b")

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...], nominal: float) -> np.ndarray:
        """Draw values of ``shape`` (``nominal``: the parameter's value, for relative kinds)."""
        import numpy as np

        if self.kind == "fixed":
            return np.full(shape, self.a)
        if self.kind == "normal":
            return rng.normal(self.a, self.b, shape)
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, shape)
        if self.kind == "lognormal":
            return self.a * np.exp(rng.normal(0.0, self.b, shape))
        if self.kind == "relative_normal":
            return nominal * (1.0 + rng.normal(0.0, self.b, shape))
        if self.kind == "relative_uniform":
            return nominal * (1.0 + rng.uniform(-self.b, self.b, shape))
        vals = np.asarray(self.values, float)
        per_pack = int(np.prod(shape[1:]))
        out = np.empty((shape[0], per_pack))
        for p in range(shape[0]):
            out[p] = rng.choice(vals, per_pack, replace=per_pack > len(vals))
        return out.reshape(shape)


@dataclass(frozen=True)
class SoftShort:
    """A leakage resistance across one cell (0-based group and cell index) from ``onset_s`` on."""

    group: int
    cell: int = 0
    resistance_Ohm: float = 40_000.0
    onset_s: float = 0.0


@dataclass(frozen=True)
class RandomSoftShort:
    """A soft short whose cell, resistance and onset are drawn per pack (Monte Carlo): with
    ``probability`` one uniformly chosen cell of the pack gets a short of ``resistance_Ohm``
    (a distribution) appearing at ``onset_s`` (a distribution)."""

    resistance_Ohm: Dist = field(default_factory=lambda: Dist("fixed", 40_000.0))
    onset_s: Dist = field(default_factory=lambda: Dist("fixed", 0.0))
    probability: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ParameterError("probability must be in [0, 1]", field="soft_short_random.probability")


@dataclass(frozen=True)
class Variation:
    """Cell-to-cell variation: distributions per parameter, soft shorts and the seed."""
    dists: dict[str, Dist] = field(default_factory=dict)
    soft_shorts: tuple[SoftShort, ...] = ()
    seed: int = 0
    random_short: RandomSoftShort | None = None

    def __post_init__(self) -> None:
        for k in self.dists:
            if k not in VARIABLE:
                raise ParameterError(f"cannot vary {k!r} (variable: {', '.join(VARIABLE)})", field=k)


def baumhofer_capacities_Ah(path: str | Path | None = None) -> tuple[float, ...]:
    """Initial capacities (Ah) of the Baumhöfer 2014 cells: from ``baumhofer.mat`` (field
    ``lifetime.<cell>.cap_initial``) or, with no path, from the copy shipped with cellworks.
    Cells without a record (NaN) are left out."""
    import numpy as np

    if path is None:
        vals = np.loadtxt(DATA_DIR / "baumhofer2014_initial_capacity.csv", delimiter=",", comments="#",
                          skiprows=5, usecols=1)
        return tuple(float(v) for v in vals)
    import scipy.io

    p = Path(path)
    try:
        m = scipy.io.loadmat(p)
    except Exception as exc:  # scipy raises several types for a non-MAT file
        raise FileFormatError(f"not a MATLAB file: {exc}", file=p) from None
    if "lifetime" not in m:
        raise FileFormatError("no variable 'lifetime' (expected Baumhöfer/PyBOP layout)", file=p, field="lifetime")
    lt = m["lifetime"][0, 0]
    out: list[float] = []
    for name in lt.dtype.names or ():
        rec = lt[name][0, 0]
        if "cap_initial" not in (rec.dtype.names or ()):
            raise FileFormatError("cell record has no cap_initial", file=p, record=name, field="cap_initial")
        v = float(np.asarray(rec["cap_initial"][0, 0]).ravel()[0])
        if math.isfinite(v):
            out.append(v)
    if not out:
        raise FileFormatError("no finite cap_initial values", file=p, field="cap_initial")
    return tuple(out)


def draw(design: PackDesign, n_packs: int, variation: Variation, soc0: float = 0.5) -> PackArrays:
    """Per-cell arrays of ``n_packs`` packs with the variation applied (reproducible with the seed)."""
    import numpy as np

    if n_packs < 1:
        raise ParameterError("draw at least one pack", field="packs")
    rng = np.random.default_rng(variation.seed)
    arr = uniform_arrays(design, n_packs, soc0)
    shape = arr.capacity_Ah.shape
    for name in VARIABLE:  # fixed order: reproducible draws
        d = variation.dists.get(name)
        if d is None:
            continue
        nominal = float(getattr(arr, name).flat[0])
        vals = d.sample(rng, shape, nominal)
        if name == "soc0":
            vals = np.clip(vals, 0.0, 1.0)
        setattr(arr, name, np.asarray(vals, float))
    for ss in variation.soft_shorts:
        if not (0 <= ss.group < design.n_series and 0 <= ss.cell < design.n_parallel):
            raise ParameterError(f"soft short at group {ss.group}, cell {ss.cell} is outside the "
                                 f"{design.n_series}s{design.n_parallel}p pack", field="soft_short")
        if not ss.resistance_Ohm > 0:
            raise ParameterError("soft-short resistance must be positive", field="soft_short.resistance_Ohm")
        if not (ss.onset_s >= 0 and math.isfinite(ss.onset_s)):
            raise ParameterError("soft-short onset must be ≥ 0", field="soft_short.onset_s")
        _add_short(arr, np.arange(n_packs), ss.group, ss.cell, ss.resistance_Ohm, ss.onset_s)
    rs = variation.random_short
    if rs is not None:  # drawn after everything else: adding it leaves the other draws unchanged
        n_cells = design.n_series * design.n_parallel
        has = rng.uniform(size=n_packs) < rs.probability
        where = rng.integers(0, n_cells, n_packs)
        r = rs.resistance_Ohm.sample(rng, (n_packs,), 40_000.0)
        onset = rs.onset_s.sample(rng, (n_packs,), 0.0)
        if not np.all(r > 0):
            raise ParameterError("drawn soft-short resistances must be positive", field="soft_short_random.resistance_Ohm")
        onset = np.maximum(onset, 0.0)
        for p in np.flatnonzero(has):
            _add_short(arr, np.array([p]), int(where[p] // design.n_parallel), int(where[p] % design.n_parallel),
                       float(r[p]), float(onset[p]))
    return arr


def _add_short(arr: PackArrays, packs: np.ndarray, group: int, cell: int, resistance_Ohm: float, onset_s: float) -> None:
    """Put a soft short on a cell (two shorts on one cell: in parallel, from the earlier onset)."""
    import numpy as np

    old = arr.short_Ohm[packs, group, cell]
    arr.short_Ohm[packs, group, cell] = 1.0 / (1.0 / old + 1.0 / resistance_Ohm)
    arr.short_onset_s[packs, group, cell] = np.where(np.isfinite(old), np.minimum(arr.short_onset_s[packs, group, cell],
                                                                                   onset_s), onset_s)


def dist_from_mapping(name: str, spec: Any) -> Dist:
    """A :class:`Dist` from a config table, e.g. ``{dist = "normal", mean = 2.0, std = 0.02}``,
    ``{dist = "uniform", low = 0.45, high = 0.55}`` or ``{from = "baumhofer"}``."""
    if isinstance(spec, (int, float)):
        return Dist("fixed", float(spec))
    if not isinstance(spec, dict):
        raise ParameterError("expected a number or a table", field=f"variation.{name}")
    if "from" in spec:
        src = str(spec["from"])
        if src == "baumhofer":
            vals = baumhofer_capacities_Ah(spec.get("path"))
            return Dist("data", values=vals, source="Baumhöfer et al. 2014 initial capacities")
        raise ParameterError(f"unknown data source {src!r} (known: baumhofer)", field=f"variation.{name}.from")
    kind = str(spec.get("dist", ""))
    try:
        if kind == "fixed":
            return Dist(kind, float(spec["value"]))
        if kind in ("normal",):
            return Dist(kind, float(spec["mean"]), float(spec["std"]))
        if kind == "uniform":
            return Dist(kind, float(spec["low"]), float(spec["high"]))
        if kind == "lognormal":
            return Dist(kind, float(spec["median"]), float(spec["sigma"]))
        if kind in ("relative_normal", "relative_uniform"):
            return Dist(kind, 0.0, float(spec["fraction"]))
        if kind == "data":
            return Dist(kind, values=tuple(float(v) for v in spec["values"]))
    except KeyError as exc:
        raise ParameterError(f"distribution {kind!r} needs key {exc.args[0]!r}", field=f"variation.{name}") from None
    except (TypeError, ValueError):
        raise ParameterError("distribution parameters must be numbers", field=f"variation.{name}") from None
    raise ParameterError(f"unknown distribution {kind!r} (known: {', '.join(KINDS)})", field=f"variation.{name}.dist")
