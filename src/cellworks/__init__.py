"""cellworks: Li–S cell physics, cycler and impedance data, pack balancing, GC–MS trace analysis.

Importing the package is deliberately cheap (about a millisecond): no NumPy, pandas, SciPy, numba or
matplotlib is loaded here, and each part (``cellworks.lis``, ``cellworks.cycling``, ``cellworks.eis``,
``cellworks.pack``, ``cellworks.gcms``, ``cellworks.protocol``) is imported on first attribute access
and loads what it needs when it is used. The everyday verbs::

    cellworks.read(path)            # any cycler file -> the cycling table
    cellworks.summarize(table)      # per-cycle capacities, efficiencies, voltages
    cellworks.lis.simulate(...)     # a Li–S cell through a protocol
    cellworks.eis.fit(...)          # an equivalent circuit to a spectrum
    cellworks.gcms.identify(...)    # library identification of a GC–MS run
    cellworks.pack.simulate(...)    # a series/parallel pack with its BMS
"""

# single source of the version (pyproject reads it); a literal keeps `import cellworks` fast —
# importlib.metadata alone costs ~40 ms
__version__ = "0.1.0"

#: top-level verbs and the module that defines each (imported on first use)
_EXPORTS = {"read": "cellworks._api", "summarize": "cellworks._api"}
#: parts reachable as attributes after a bare ``import cellworks``
_PARTS = ("lis", "cycling", "eis", "pack", "gcms", "protocol")

__all__ = ["__version__", "read", "summarize"]


def __getattr__(name: str) -> object:
    # no cellworks._lazy here: it imports typing/collections.abc (~10 ms); this stays import-free
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _PARTS:
        value = importlib.import_module(f"cellworks.{name}")
    else:
        raise AttributeError(f"module 'cellworks' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_PARTS})
