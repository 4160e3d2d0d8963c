"""Pack scenarios as TOML files (see ``cellworks/pack/data/*.toml`` for complete examples)::

    name = "..."
    [pack]        series, parallel, voltage_basis ("cell" | "pack")
    [cell]        preset ("note_18650" | "lg_m50") and any CellParams field; ocv_csv = "file.csv"
    [bleed]       resistor_Ohm, fet_on_Ohm, max_current_A, resistor_rating_W, on_chip
    [bms]         policy ("threshold" | "none"), threshold_mV, select, when, conditioning_cycles,
                  measure_period_s, accuracy_mV, measure_in_rest_only, pulse_on_s, pulse_rest_s,
                  pulse_shorten_above_V, pulse_short_on_s, extend_rest_on_overvoltage, extend_rest_s,
                  temperature_limit_C, current_factor_above_limit
    [variation]   seed, soc0, and per parameter a number or {dist=..., ...} or {from="baumhofer"}
    [[soft_short]] group, cell (0-based), resistance_Ohm
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
from cellworks.pack.variation import SoftShort, Variation, dist_from_mapping

DATA_DIR = Path(__file__).parent / "data"
EXAMPLES = {"baumhofer-4s3p": DATA_DIR / "baumhofer_4s3p_softshort.toml"}


@dataclass(frozen=True)
class PackConfig:
    name: str
    design: PackDesign
    variation: Variation
    controller: bms.Controller
    protocol: str
    options: SimOptions
    soc0: float
    path: str = ""


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
    p = Path(path)
    if p.name in EXAMPLES and not p.exists():
        p = EXAMPLES[p.name]
    try:
        raw = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"not valid TOML: {exc}", file=p) from None
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
    cell = cell.with_(**_known(CellParams, ct, "cell", p, skip=()))
    bl = BleedCircuit(**_known(BleedCircuit, raw.get("bleed", {}), "bleed", p))
    design = PackDesign(n_series=int(pk.get("series", 3)), n_parallel=int(pk.get("parallel", 1)), cell=cell,
                        bleed=bl, voltage_basis=str(pk.get("voltage_basis", "cell")))
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
        try:
            ctrl = bms.ThresholdBalancer(**_known(bms.ThresholdBalancer, bt, "bms", p))
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise ParameterError(str(exc), file=p, field="bms") from None
    else:
        raise ParameterError(f"unknown policy {policy!r} (threshold, none)", file=p, field="bms.policy")
    vt = dict(raw.get("variation", {}))
    seed = int(vt.pop("seed", 0))
    soc0 = float(vt.pop("soc0", 0.5))
    dists = {k: dist_from_mapping(k, v) for k, v in vt.items()}
    shorts = tuple(SoftShort(int(s.get("group", 0)), int(s.get("cell", 0)), float(s.get("resistance_Ohm", 4e4)))
                   for s in raw.get("soft_short", []))
    variation = Variation(dists=dists, soft_shorts=shorts, seed=seed)
    text = raw.get("protocol", {}).get("text")
    if not text:
        raise ParameterError("missing [protocol] text", file=p, field="protocol.text")
    so = _known(SimOptions, raw.get("simulation", {}), "simulation", p)
    options = SimOptions(**so)
    if not 0 <= soc0 <= 1 or not math.isfinite(soc0):
        raise ParameterError("soc0 must be in [0, 1]", file=p, field="variation.soc0")
    return PackConfig(str(raw.get("name", p.stem)), design, variation, ctrl, str(text), options, soc0, str(p))
