"""Pack scenarios as TOML files (see ``cellworks/pack/data/*.toml`` for complete examples)::

    name = "..."
    [pack]        series, parallel, voltage_basis ("cell" | "pack")
    [cell]        preset ("note_18650" | "lg_m50") and any CellParams field; ocv_csv = "file.csv"
    [bleed]       resistor_Ohm, fet_on_Ohm, max_current_A, resistor_rating_W, on_chip,
                  over_rating ("refuse" | "clamp"), stop_below_V, sense_Ohm
    [thermal]     cell_to_cell_K_per_W, board_heat_capacity_J_per_K, board_to_ambient_K_per_W,
                  board_to_cell_K_per_W, bleed_heat_to_cell, source  (cell nodes: [cell] thermal_R_K_per_W,
                  heat_capacity_J_per_K)
    [bms]         policy ("threshold" | "none"), threshold_mV, select, when, conditioning_cycles,
                  measure_period_s, accuracy_mV, measure_in_rest_only, pulse_on_s, pulse_rest_s,
                  pulse_shorten_above_V, pulse_short_on_s, extend_rest_on_overvoltage, extend_rest_s,
                  temperature_limit_C, current_factor_above_limit, monitor_group_size,
                  max_bleeds_per_monitor, hold_s, gap_s, measure_while_bleeding
    [variation]   seed, soc0, and per parameter a number or {dist=..., ...} or {from="baumhofer"}
    [[soft_short]] group, cell (0-based), resistance_Ohm, onset_days
    [soft_short_random]  resistance_Ohm and onset_days as a number or {dist=...}, probability
                  (Monte Carlo: one random cell per pack)
    [protocol]    text (cellworks.protocol grammar; currents are pack currents)
    [simulation]  dt_s, dt_min_s, rest_dt_max_s, record_every_s, max_records
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError, InputError, ParameterError
from cellworks.pack import bms
from cellworks.pack.balancing import BleedCircuit
from cellworks.pack.cell import CellParams, OcvTable, preset
from cellworks.pack.pack import PackDesign
from cellworks.pack.simulation import SimOptions
from cellworks.pack.thermal import ThermalNetwork
from cellworks.pack.variation import Dist, RandomSoftShort, SoftShort, Variation, dist_from_mapping

DAY_S = 86400.0
#: a pack bigger than this in series or in parallel is refused (memory grows with S × N per record)
MAX_CELLS_PER_DIMENSION = 2000

DATA_DIR = Path(__file__).parents[1] / "data"
EXAMPLES = {"baumhofer-4s3p": DATA_DIR / "baumhofer_4s3p_softshort.toml"}


@dataclass(frozen=True)
class PackConfig:
    """A scenario: pack design, variation, BMS controller, protocol and options."""
    name: str
    design: PackDesign
    variation: Variation
    controller: bms.Controller
    protocol: str
    options: SimOptions
    soc0: float
    path: str = ""
    #: Monte Carlo over the soft short (``montecarlo --random-short``): replaces the fixed [[soft_short]]
    random_short: RandomSoftShort | None = None

    def with_random_short(self) -> Variation:
        """The variation with the random soft short in place of the fixed ones."""
        import dataclasses

        if self.random_short is None:
            raise ParameterError("the scenario has no [soft_short_random] table", file=self.path,
                                 field="soft_short_random")
        return dataclasses.replace(self.variation, soft_shorts=(), random_short=self.random_short)


def _known(cls: Any, table: dict[str, Any], section: str, path: Path, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    out: dict[str, Any] = {}
    for k, v in table.items():
        if k in skip:
            continue
        if k not in names:
            raise ParameterError(f"unknown key (known: {', '.join(sorted(names))})", file=path, field=f"{section}.{k}")
        out[k] = tuple(v) if isinstance(v, list) else v
    return out


def load_config(path: str | Path) -> PackConfig:
    """Read a scenario TOML (or a shipped one by name); errors name file and field."""
    p = Path(path)
    if p.name in EXAMPLES and not p.exists():
        p = EXAMPLES[p.name]
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"not valid TOML: {exc}", file=p) from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by its specification
        raise FileFormatError(f"not UTF-8 text (byte {exc.start}): a TOML file is UTF-8", file=p) from None
    try:
        return _build(raw, p)
    except InputError as exc:
        if exc.file is None:
            exc.file = str(p)
            exc.args = (exc.one_line(),)
        raise


def _build(raw: dict[str, Any], p: Path) -> PackConfig:
    pk = raw.get("pack", {})
    ct = dict(raw.get("cell", {}))
    cell = preset(str(ct.pop("preset", "note_18650")))
    ocv_csv = ct.pop("ocv_csv", None)
    if ocv_csv is not None:
        ocv_path = (p.parent / str(ocv_csv)) if not Path(str(ocv_csv)).is_absolute() else Path(str(ocv_csv))
        ct["ocv"] = OcvTable.from_csv(ocv_path)
    cell = _make(cell.with_, _known(CellParams, ct, "cell", p, skip=()), "cell", p)
    for key in ("series", "parallel"):
        if not 1 <= _int(pk, key, 1, p) <= MAX_CELLS_PER_DIMENSION:
            raise ParameterError(f"must be between 1 and {MAX_CELLS_PER_DIMENSION}", file=p, field=f"pack.{key}")
    bl = _make(BleedCircuit, _known(BleedCircuit, raw.get("bleed", {}), "bleed", p), "bleed", p)
    th = _make(ThermalNetwork, _known(ThermalNetwork, raw.get("thermal", {}), "thermal", p), "thermal", p)
    design = PackDesign(n_series=_int(pk, "series", 3, p), n_parallel=_int(pk, "parallel", 1, p), cell=cell,
                        bleed=bl, thermal=th, voltage_basis=str(pk.get("voltage_basis", "cell")))
    bt = dict(raw.get("bms", {}))
    policy = str(bt.pop("policy", "threshold"))
    if "threshold_mV" in bt:
        bt["threshold_V"] = float(bt.pop("threshold_mV")) / 1e3
    if "accuracy_mV" in bt:
        bt["accuracy_V"] = float(bt.pop("accuracy_mV")) / 1e3
    ctrl: bms.Controller
    if policy == "none":
        ctrl = bms.NoBalancing()
    elif policy == "threshold":
        ctrl = _make(bms.ThresholdBalancer, _known(bms.ThresholdBalancer, bt, "bms", p), "bms", p)
    else:
        raise ParameterError(f"unknown policy {policy!r} (threshold, none)", file=p, field="bms.policy")
    vt = dict(raw.get("variation", {}))
    seed = int(vt.pop("seed", 0))
    soc0_spec = vt.pop("soc0", 0.5)
    dists = {k: dist_from_mapping(k, v) for k, v in vt.items()}
    if isinstance(soc0_spec, dict):  # drawn per cell (clipped to 0…1); the nominal is the middle
        dists["soc0"] = dist_from_mapping("soc0", soc0_spec)
        soc0 = 0.5
    elif isinstance(soc0_spec, (int, float)) and not isinstance(soc0_spec, bool):
        soc0 = float(soc0_spec)
    else:
        raise ParameterError("soc0 is a number or a distribution table", file=p, field="variation.soc0")
    shorts = tuple(SoftShort(int(s.get("group", 0)), int(s.get("cell", 0)), float(s.get("resistance_Ohm", 4e4)),
                             float(s.get("onset_days", 0.0)) * DAY_S)
                   for s in raw.get("soft_short", []))
    variation = Variation(dists=dists, soft_shorts=shorts, seed=seed)
    text = raw.get("protocol", {}).get("text")
    if not text:
        raise ParameterError("missing [protocol] text", file=p, field="protocol.text")
    options = _make(SimOptions, _known(SimOptions, raw.get("simulation", {}), "simulation", p), "simulation", p)
    if not 0 <= soc0 <= 1 or not math.isfinite(soc0):
        raise ParameterError("soc0 must be in [0, 1]", file=p, field="variation.soc0")
    return PackConfig(str(raw.get("name", p.stem)), design, variation, ctrl, str(text), options, soc0, str(p),
                      random_short=_random_short(raw, p))


def _make(factory: Any, kwargs: dict[str, Any], section: str, p: Path) -> Any:
    """Build a parameter dataclass; a value of the wrong type (text for a number) is one clear line."""
    try:
        return factory(**kwargs)
    except InputError:
        raise
    except (TypeError, ValueError) as exc:
        bad = [k for k, v in kwargs.items() if isinstance(v, str) and k not in ("source", "select", "when",
                                                                               "over_rating", "preset")]
        where = f"{section}.{bad[0]}" if bad else section
        raise ParameterError(f"a value has the wrong type ({exc})", file=p, field=where) from None


def _int(table: dict[str, Any], key: str, default: int, p: Path) -> int:
    v = table.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ParameterError(f"must be a whole number, got {v!r}", file=p, field=f"pack.{key}")
    return v


def _random_short(raw: dict[str, Any], p: Path) -> RandomSoftShort | None:
    """``[soft_short_random]``: resistance_Ohm and onset_days as numbers or distributions."""
    t = raw.get("soft_short_random")
    if t is None:
        return None
    known = {"resistance_Ohm", "onset_days", "probability"}
    for k in t:
        if k not in known:
            raise ParameterError(f"unknown key (known: {', '.join(sorted(known))})", file=p,
                                 field=f"soft_short_random.{k}")
    r = dist_from_mapping("soft_short_random.resistance_Ohm", t.get("resistance_Ohm", 40_000.0))
    od = dist_from_mapping("soft_short_random.onset_days", t.get("onset_days", 0.0))
    # days in the file, seconds in the simulator (a spread in days scales too; a log-sigma does not)
    onset = Dist(od.kind, od.a * DAY_S, od.b * DAY_S if od.kind in ("normal", "uniform") else od.b,
                 tuple(v * DAY_S for v in od.values), od.source)
    return RandomSoftShort(resistance_Ohm=r, onset_s=onset, probability=float(t.get("probability", 1.0)))
