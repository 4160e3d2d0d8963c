"""cellworks.pack: series/parallel Li-ion packs with cell-to-cell variation, soft shorts and bleed
balancing under a BMS controller, plus the sizing arithmetic of application note 003.

Kept light on import: the simulator (numpy, numba) loads when a submodule is imported, e.g.
``from cellworks.pack.simulate import simulate``; ``cellworks.pack.sizing`` is pure Python.
"""
