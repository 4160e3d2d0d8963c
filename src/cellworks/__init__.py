"""cellworks: Li–S cell physics, cycler and impedance data, pack balancing, GC–MS trace analysis.

Importing the package is deliberately cheap: no NumPy, pandas, SciPy, numba or matplotlib is
loaded here. Each part (``cellworks.lis``, ``cellworks.cycling``, ``cellworks.eis``,
``cellworks.pack``, ``cellworks.gcms``) imports what it needs when it is used.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cellworks")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
