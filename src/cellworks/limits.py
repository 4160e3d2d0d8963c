"""Limits that keep hostile or careless input from costing unbounded time or memory.

Every limit has a default chosen from what real use needs, and an environment variable
``CELLWORKS_<NAME>`` to raise (or lower) it; an input beyond a limit is refused with one line
that names the variable (:class:`cellworks.errors.LimitError`, exit code 2).

=========================  ===========  ==========================================================
variable                   default      what it bounds
=========================  ===========  ==========================================================
``MAX_STEPS``              100 000      expanded steps of a protocol (checked before expansion,
                                        as the product of nested repeats). A real cycler step
                                        lasts minutes to hours, so 10^5 steps is decades of testing;
                                        a simulator keeps a record per step (the Li–S simulator
                                        ≈ 2.5 kB and ≥ 0.3 ms per step, so 10^5 steps ≈ 250 MB)
``MAX_NESTING``            100          nested parentheses of a protocol
``MAX_UNPACKED_BYTES``     1 GiB        what one archive (.ndax, .xlsx) may unpack to in all
``MAX_UNPACK_RATIO``       200          unpacked / compressed size of one member above 64 MiB
                                        (real data deflates 2–40×, zip bombs 1000×)
``MAX_FILE_BYTES``         4 GiB        a file read whole into memory
=========================  ===========  ==========================================================

This module imports only :mod:`os`.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, float] = {
    "MAX_STEPS": 100_000,
    "MAX_NESTING": 100,
    "MAX_UNPACKED_BYTES": float(1 << 30),
    "MAX_UNPACK_RATIO": 200.0,
    "MAX_FILE_BYTES": float(4 << 30),
}


def env_limit(name: str, default: float | None = None) -> float:
    """The limit ``CELLWORKS_<name>`` from the environment, else ``default`` (or :data:`DEFAULTS`).

    A positive number; ``1e7``, ``2_000_000`` and ``2e9`` are all accepted. Anything else is an
    :class:`~cellworks.errors.InputError` naming the variable.
    """
    fallback = DEFAULTS[name] if default is None else default
    raw = os.environ.get(f"CELLWORKS_{name}")
    if raw is None or not raw.strip():
        return fallback
    try:
        value = float(raw.strip().replace("_", ""))
    except ValueError:
        value = float("nan")
    if not (0 < value < float("inf")):
        from cellworks.errors import InputError

        raise InputError(f"must be a positive number, got {raw!r}", field=f"CELLWORKS_{name}")
    return value
