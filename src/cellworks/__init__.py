"""cellworks: Li–S cell physics, cycler and impedance data, pack balancing, GC–MS trace analysis.

Importing the package is deliberately cheap: no NumPy, pandas, SciPy, numba or matplotlib is
loaded here. Each part (``cellworks.lis``, ``cellworks.cycling``, ``cellworks.eis``,
``cellworks.pack``, ``cellworks.gcms``) imports what it needs when it is used.
"""

# single source of the version (pyproject reads it); a literal keeps `import cellworks` fast —
# importlib.metadata alone costs ~40 ms
__version__ = "0.1.0"

__all__ = ["__version__"]
