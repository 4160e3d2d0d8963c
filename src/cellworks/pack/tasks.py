"""Batch tasks of ``cellworks.pack`` for :func:`cellworks.batch.run_batch`: Monte Carlo chunks of packs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def pack_montecarlo_chunk(point: Mapping[str, Any]) -> pd.DataFrame:
    """Batch task of ``cellworks pack montecarlo``: one chunk of a Monte Carlo pack sweep.

    ``point``: ``config`` (a pack TOML path or a shipped example name such as ``baumhofer-4s3p``),
    ``packs`` (total packs drawn), ``start`` and ``count`` (this chunk), optional ``seed`` (default:
    the config's), ``protocol`` (default: the config's) and ``balancing`` (bool, default true:
    the config's controller; false: no balancing) and ``random_short`` (bool: the scenario's
    ``[soft_short_random]`` in place of its fixed shorts). All ``packs`` are drawn with the seed and
    the chunk is sliced out, so a pack's cells do not depend on how the sweep is chunked. Returns
    ``pack, balancing, usable_capacity_Ah`` (discharge capacity of the last cycle),
    ``time_to_balance_s`` (NaN: never) and ``bleed_energy_Wh``.
    """
    import dataclasses

    import pandas as pd

    from cellworks.errors import ParameterError
    from cellworks.pack import bms
    from cellworks.pack.readers.scenario import load_config
    from cellworks.pack.simulation import simulate
    from cellworks.pack.variation import draw

    try:
        packs, start, count = int(point["packs"]), int(point["start"]), int(point["count"])
    except KeyError as exc:
        raise ParameterError("a Monte Carlo chunk needs packs, start and count", field=str(exc.args[0])) from None
    if not (packs >= 1 and 0 <= start and count >= 1 and start + count <= packs):
        raise ParameterError(f"chunk {start}+{count} outside 0..{packs}", field="start")
    cfg = load_config(str(point["config"]))
    seed = point.get("seed")
    var = cfg.with_random_short() if point.get("random_short") else cfg.variation
    var = var if seed is None else dataclasses.replace(var, seed=int(seed))
    arr = draw(cfg.design, packs, var, cfg.soc0)
    sub = arr.packs(start, start + count)
    balancing = bool(point.get("balancing", True))
    ctrl = cfg.controller if balancing else bms.NoBalancing()
    opts = dataclasses.replace(cfg.options, record=False)
    res = simulate(cfg.design, sub, str(point.get("protocol") or cfg.protocol), ctrl, opts)
    return pd.DataFrame(
        {
            "pack": range(start, start + count),
            "balancing": balancing,
            "usable_capacity_Ah": res.cycle_discharge_Ah[:, -1],
            "time_to_balance_s": res.time_to_balance_s,
            "bleed_energy_Wh": res.bleed_energy_Wh,
        }
    )
